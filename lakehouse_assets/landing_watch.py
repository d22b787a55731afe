"""Finding new landing objects cheaply: the shared engine behind the landing sensors.

A watch lists a few key ranges (`Listing`: a prefix and a `StartAfter` key) instead of the whole
bucket, and remembers the (key, etag) pairs it has already handed out while those keys can still be
listed again. An object is *new* when its key is not remembered or its etag changed (rewritten).
The state is a small JSON cursor, so ticks survive daemon restarts; `run_key` names a run after
the objects it was requested for. No Dagster import.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable, Mapping

from lakehouse_assets.storage_interface import LandingStorage, StoredObject


@dataclass(frozen=True)
class Listing:
    """Keys under `prefix` that sort after `start_after` (None: the whole prefix)."""

    prefix: str
    start_after: str | None = None


@dataclass
class WatchCursor:
    """What a sensor remembers between ticks."""

    scanned_until: datetime | None = None  # the clock time of the last complete tick
    seen: dict[str, str] = field(default_factory=dict)  # key -> etag already handed out
    positions: dict[str, str] = field(default_factory=dict)  # per-prefix StartAfter, for layouts without time
    state: dict[str, str] = field(default_factory=dict)  # sensor-specific extras (e.g. a rescan in progress)
    seen_before: dict[str, str] = field(default_factory=dict)  # earlier generations of `seen` (rescans)
    seen_older: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, raw: str | None) -> "WatchCursor":
        if not raw:
            return cls()
        data = json.loads(raw)
        until = data.get("scanned_until")
        return cls(
            scanned_until=datetime.fromisoformat(until) if until else None,
            seen=dict(data.get("seen", {})),
            positions=dict(data.get("positions", {})),
            state=dict(data.get("state", {})),
            seen_before=dict(data.get("seen_before", {})),
            seen_older=dict(data.get("seen_older", {})),
        )

    def dump(self) -> str:
        return json.dumps(
            {
                "scanned_until": self.scanned_until.isoformat() if self.scanned_until else None,
                "seen": dict(sorted(self.seen.items())),
                "positions": dict(sorted(self.positions.items())),
                "state": dict(sorted(self.state.items())),
                "seen_before": dict(sorted(self.seen_before.items())),
                "seen_older": dict(sorted(self.seen_older.items())),
            },
            separators=(",", ":"),
        )


@dataclass
class ScanResult:
    new: list[StoredObject]
    listed: int
    complete: bool  # False when the tick stopped early (object cap or time budget)
    last_key: str | None = None  # the last key listed: where to resume


def scan(
    storage: LandingStorage,
    listings: Iterable[Listing],
    seen: Mapping[str, str],
    max_new: int,
    deadline: float,
    monotonic: Callable[[], float] = time.monotonic,
    changed_since: datetime | None = None,
) -> ScanResult:
    """List each range in key order and collect objects not in `seen` (or with a new etag),
    optionally only those modified at or after `changed_since`.

    Stops early, leaving the rest for the next tick, once `max_new` objects are found or the
    monotonic clock passes `deadline`; what was not handed out is simply listed again next time.
    """
    new: list[StoredObject] = []
    listed = 0
    last_key = None
    for listing in listings:
        for obj in storage.list_objects(listing.prefix, start_after=listing.start_after):
            listed += 1
            last_key = obj.key
            if seen.get(obj.key) != obj.etag and (changed_since is None or obj.last_modified >= changed_since):
                new.append(obj)
                if len(new) >= max_new:
                    return ScanResult(new, listed, complete=False, last_key=last_key)
            if listed % 1000 == 0 and monotonic() > deadline:
                return ScanResult(new, listed, complete=False, last_key=last_key)
    return ScanResult(new, listed, complete=True, last_key=last_key)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def run_key(kind: str, partition_key: str, objects: list[StoredObject]) -> str:
    """Stable across restarts and re-evaluations: the same new objects give the same key."""
    digest = hashlib.sha256("\n".join(f"{o.key}\t{o.etag}" for o in sorted(objects, key=lambda o: o.key)).encode()).hexdigest()[:16]
    return f"{kind}:{partition_key}:{digest}"
