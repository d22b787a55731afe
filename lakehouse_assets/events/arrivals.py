"""Which events ingest hours received new landing objects since the last tick (no Dagster).

The layout is time-ordered inside each topic (`events/topic=<t>/date=D/hour=HH/...`), so a tick
lists, per topic, only the keys from the oldest hour that can still receive objects onward
(`StartAfter`): that floor is the look-back before the last complete tick, so a daemon that was
down for a day catches up, and late writers within the look-back are picked up.

The first tick (no cursor yet) looks further back, over the hours that already hold objects (at
most `FIRST_TICK_LOOKBACK`), and also requests the hour before the oldest of them: Silver of an
hour reads the Bronze hour before it, so a landing seeded before the sensor started reaches Silver
with no manual run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lakehouse_assets.landing_watch import Listing, WatchCursor, scan
from lakehouse_assets.storage_interface import LandingStorage, StoredObject

from .landing import EVENTS_PREFIX, parse_event_key

MAX_CLOSED_HOURS = timedelta(days=7)
FIRST_TICK_LOOKBACK = timedelta(days=1)
_HOUR = timedelta(hours=1)


@dataclass
class EventsTick:
    hours: dict[datetime, list[StoredObject]]  # ingest hour -> new or rewritten objects
    skipped_keys: list[str]
    cursor: WatchCursor
    listed: int
    complete: bool
    floor: datetime
    stats: dict[str, int] = field(default_factory=dict)


def listing_floor(cursor: WatchCursor, now: datetime, lookback: timedelta) -> datetime:
    last = min(cursor.scanned_until or now, now)
    return (last - lookback).replace(minute=0, second=0, microsecond=0)


def _listing_lookback(cursor: WatchCursor, lookback: timedelta, first_lookback: timedelta) -> timedelta:
    # Until a tick completes there is no cursor time: keep looking back as far as the first tick.
    return lookback if cursor.scanned_until is not None else max(lookback, first_lookback)


def topic_listings(storage: LandingStorage, floor: datetime) -> list[Listing]:
    return [
        Listing(prefix, start_after=f"{prefix}date={floor:%Y-%m-%d}/hour={floor:%H}")
        for prefix in storage.list_prefixes(EVENTS_PREFIX)
    ]


def plan_event_runs(
    storage: LandingStorage,
    cursor: WatchCursor,
    now: datetime,
    lookback: timedelta,
    max_new: int,
    deadline: float,
    earliest_hour: datetime,
    first_lookback: timedelta = FIRST_TICK_LOOKBACK,
) -> EventsTick:
    """Scan the open hours and group new objects by ingest hour; returns the next cursor too.

    Objects of the current (still open) hour are left for a later tick; keys outside the layout or
    before `earliest_hour` (the first partition) are skipped and reported.
    """
    first_tick = cursor.scanned_until is None
    floor = listing_floor(cursor, now, _listing_lookback(cursor, lookback, first_lookback))
    listings = topic_listings(storage, floor)
    result = scan(storage, listings, cursor.seen, max_new=max_new, deadline=deadline)
    seen = dict(cursor.seen)
    hours: dict[datetime, list[StoredObject]] = {}
    skipped: list[str] = []
    deferred = 0
    open_hour = now.replace(minute=0, second=0, microsecond=0)
    for obj in result.new:
        parsed = parse_event_key(obj.key)
        if parsed is not None and parsed.ingest_hour >= open_hour:
            deferred += 1  # the hour is still being written: handed out once it has closed
            continue
        seen[obj.key] = obj.etag
        if parsed is None or parsed.ingest_hour < earliest_hour:
            skipped.append(obj.key)
        else:
            hours.setdefault(parsed.ingest_hour, []).append(obj)
    if result.complete:
        # Every hour that closed since the last complete tick gets a Bronze partition, empty or not:
        # Silver of the next hour reads it, and an empty hour is worth a row in the quality table.
        # A week at most after a long outage: older empty hours are a manual backfill. The first
        # tick has no last tick: it starts before the oldest hour holding objects.
        if first_tick:
            hour = _first_closed_hour(seen, listing_floor(cursor, now, lookback), earliest_hour, open_hour)
        else:
            hour = max(floor, cursor.scanned_until.replace(minute=0, second=0, microsecond=0), open_hour - MAX_CLOSED_HOURS)
        while hour < open_hour:
            if hour >= earliest_hour:
                hours.setdefault(hour, [])
            hour += _HOUR
    next_cursor = WatchCursor(scanned_until=now if result.complete else cursor.scanned_until, seen=seen)
    next_floor = listing_floor(next_cursor, now, _listing_lookback(next_cursor, lookback, first_lookback))
    # Forget keys that the next tick will no longer list: the cursor stays O(open hours).
    keep = [Listing(li.prefix, f"{li.prefix}date={next_floor:%Y-%m-%d}/hour={next_floor:%H}") for li in listings]
    next_cursor.seen = {k: e for k, e in seen.items() if any(k.startswith(li.prefix) and k > li.start_after for li in keep)}
    return EventsTick(hours, skipped, next_cursor, result.listed, result.complete, floor, {"deferred_objects": deferred})


def _first_closed_hour(handed_out: dict[str, str], window_floor: datetime, earliest_hour: datetime, open_hour: datetime) -> datetime:
    """Where the first tick starts requesting closed hours: the hour before the oldest hour that
    holds objects (handed out by this or an earlier, incomplete first tick) or before the
    look-back window, whichever is older. An hour with nothing in it gets an empty Bronze partition."""
    hours = (parsed.ingest_hour for parsed in map(parse_event_key, handed_out) if parsed is not None)
    oldest = min((h for h in hours if earliest_hour <= h < open_hour), default=window_floor)
    return min(oldest, window_floor) - _HOUR
