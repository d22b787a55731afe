"""Topics, time units, the run state and one hour's clock and ids, shared by the event generator."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

USER_ACTIVITY = "user-activity"
API_REQUESTS = "api-requests"
TOPICS = (USER_ACTIVITY, API_REQUESTS)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
PARTITIONS = 3
MAX_LINES_PER_TOPIC_HOUR = 1 << 24  # the per-hour counter packed into event ids


@dataclass
class RunState:
    """What one hour hands on to the next: replay candidates, partition offsets, rotations."""

    offsets: dict[tuple[str, int], int]
    previous_lines: dict[str, list[str]] = field(default_factory=dict)
    reason_turns: Counter = field(default_factory=Counter)
    variant_turns: Counter = field(default_factory=Counter)

    @classmethod
    def initial(cls, seed: int) -> RunState:
        rng = random.Random(f"events/{seed}/offsets")
        offsets = {(t, p): rng.randrange(10**5, 10**7) for t in TOPICS for p in range(PARTITIONS)}
        return cls(offsets=offsets)


class HourClock:
    """Formats millisecond offsets from an hour start as ISO-8601 `...T10:15:02.123Z`."""

    def __init__(self, hour_start: datetime) -> None:
        self._hour_start = hour_start
        self._prefixes: dict[int, str] = {}

    def iso(self, offset_ms: int) -> str:
        minute, rest = divmod(offset_ms, MINUTE_MS)
        prefix = self._prefixes.get(minute)
        if prefix is None:
            prefix = (self._hour_start + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:")
            self._prefixes[minute] = prefix
        second, millisecond = divmod(rest, 1000)
        return f"{prefix}{second:02d}.{millisecond:03d}Z"


class HourIds:
    """Random-looking ids that cannot collide: (hour, topic, counter) sit in the low bits."""

    def __init__(self, rng: random.Random, hour_start: datetime, topic: str) -> None:
        epoch_hour = (hour_start - EPOCH) // timedelta(hours=1)
        self._getrandbits = rng.getrandbits
        self._tag = ((epoch_hour & 0x7FFFFF) << 25) | (TOPICS.index(topic) << 24)
        self._events = 0
        self._sessions = 0

    def event_id(self) -> str:
        value = (self._getrandbits(80) << 48) | self._tag | self._events
        self._events += 1
        text = f"{value:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def session_id(self) -> str:
        value = (self._getrandbits(16) << 48) | self._tag | self._sessions
        self._sessions += 1
        return f"sess_{value:016x}"
