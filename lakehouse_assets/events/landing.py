"""The events landing layout: `events/topic=<t>/date=YYYY-MM-DD/hour=HH/<name>.json[.gz]`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

EVENTS_PREFIX = "events/"
_KEY = re.compile(
    r"^events/topic=(?P<topic>[^/=]+)/date=(?P<date>\d{4}-\d{2}-\d{2})/hour=(?P<hour>\d{2})/(?P<name>[^/]+\.json(?:\.gz)?)$"
)


@dataclass(frozen=True)
class EventObjectKey:
    key: str
    topic: str
    ingest_hour: datetime

    @property
    def gzipped(self) -> bool:
        return self.key.endswith(".gz")


def parse_event_key(key: str) -> EventObjectKey | None:
    """The topic and ingest hour of a landing key, or None when the key does not fit the layout."""
    match = _KEY.fullmatch(key)  # not `$`, which also matches before a trailing newline
    if not match:
        return None
    try:
        hour = datetime.strptime(f"{match['date']} {match['hour']}", "%Y-%m-%d %H").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return EventObjectKey(key=key, topic=match["topic"], ingest_hour=hour)
