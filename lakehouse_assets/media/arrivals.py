"""Which image objects are new since the last tick (no Dagster).

The images layout has no time in it, so there is no hour to start listing from. Two passes:
- the *tail*: per `source=/tag=` prefix, only keys after the last one handed out (`StartAfter`);
  uploaders that name files in time order (timestamps, UUIDv7, counters) are found at O(new) cost;
- a *rescan* every `rescan_every`: the whole prefix, resumable across ticks, handing out objects
  modified since the previous rescan began (less a clock-skew margin) that were not handed out
  yet. It finds files named out of order and objects rewritten under an old key, at most one
  rescan period late.
`seen` rotates through three generations at each rescan start, so the cursor holds what arrived
during the last rescan periods (enough to cover the margin), never the whole bucket.
"""

from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from lakehouse_assets.landing_watch import Listing, WatchCursor, scan
from lakehouse_assets.storage_interface import LandingStorage, StoredObject

from .images import IMAGES_PREFIX

# Object stores and this process disagree a little about "now": rescans overlap by this much.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class ImagesTick:
    new: list[StoredObject]
    cursor: WatchCursor
    listed: int
    complete: bool
    rescanned: bool


def tail_listings(storage: LandingStorage, cursor: WatchCursor) -> list[Listing]:
    listings = []
    for source in storage.list_prefixes(IMAGES_PREFIX):
        for tag in storage.list_prefixes(source):
            listings.append(Listing(tag, cursor.positions.get(tag)))
    return listings


def _start_rescan(cursor: WatchCursor, now: datetime) -> WatchCursor:
    state = dict(cursor.state)
    state["rescan_since"] = state.get("rescan_started", "")
    state["rescan_started"] = now.isoformat()
    state["rescan_after"] = ""
    return replace(cursor, state=state, seen={}, seen_before=cursor.seen, seen_older=cursor.seen_before)


def plan_image_runs(
    storage: LandingStorage,
    cursor: WatchCursor,
    now: datetime,
    max_new: int,
    deadline: float,
    rescan_every: timedelta,
) -> ImagesTick:
    nxt = replace(cursor, seen=dict(cursor.seen), positions=dict(cursor.positions), state=dict(cursor.state))
    last_rescan = nxt.state.get("rescan_started")
    rescan_due = "rescan_after" in nxt.state or not last_rescan or now - datetime.fromisoformat(last_rescan) >= rescan_every
    if rescan_due and "rescan_after" not in nxt.state:
        nxt = _start_rescan(nxt, now)  # before the tail, so this tick's hand-outs join the new generation
    seen = ChainMap(nxt.seen, nxt.seen_before, nxt.seen_older)

    tail = scan(storage, tail_listings(storage, nxt), seen, max_new=max_new, deadline=deadline)
    handed = list(tail.new)
    for obj in tail.new:
        nxt.seen[obj.key] = obj.etag
        prefix = obj.key.rsplit("/", 1)[0] + "/"
        nxt.positions[prefix] = max(obj.key, nxt.positions.get(prefix, ""))
    listed, complete, rescanned = tail.listed, tail.complete and len(handed) < max_new, False

    if complete and rescan_due:
        since = nxt.state["rescan_since"]
        sweep = scan(
            storage,
            [Listing(IMAGES_PREFIX, nxt.state["rescan_after"] or None)],
            seen,
            max_new=max_new - len(handed),
            deadline=deadline,
            changed_since=datetime.fromisoformat(since) - CLOCK_SKEW if since else None,
        )
        for obj in sweep.new:
            nxt.seen[obj.key] = obj.etag
        handed += sweep.new
        listed += sweep.listed
        rescanned = True
        if sweep.complete:
            del nxt.state["rescan_after"]
        else:
            complete = False
            nxt.state["rescan_after"] = sweep.last_key or nxt.state["rescan_after"]
    if complete:
        nxt.scanned_until = now
    return ImagesTick(handed, nxt, listed, complete, rescanned)
