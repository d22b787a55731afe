"""Landing objects hour by hour: valid, rejected, repeated and blank lines mixed, and their counts."""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from lakehouse_assets.sample_data.events.common import (
    API_REQUESTS,
    HOUR_MS,
    MAX_LINES_PER_TOPIC_HOUR,
    TOPICS,
    USER_ACTIVITY,
    HourClock,
    HourIds,
    RunState,
)
from lakehouse_assets.sample_data.events.landing import LandingObject, landing_object, write_landing_objects
from lakehouse_assets.sample_data.events.rejects import RejectedLines
from lakehouse_assets.sample_data.events.traffic import api_request_lines, user_activity_lines

_USER_ACTIVITY_SHARE = 0.8
_DUPLICATE_SHARE_OF_BAD = 0.2
_BLANK_LINE_RATE = 0.002
_CRLF_RATE = 0.001
_REPLAY_POOL = 64
_BLANK_LINES = ("", "", " ", "  \t", "\r")


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` lines over `parts` objects of uneven size, each with at least one line."""
    parts = max(1, min(parts, total))
    weights = [0.6 + rng.random() for _ in range(parts)]
    sizes = [1 + int((total - parts) * w / sum(weights)) for w in weights]
    sizes[-1] += total - sum(sizes)
    return sizes


def _line_kinds(rng: random.Random, total: int, bad_share: float, can_replay: bool) -> dict[int, str]:
    """Line slot -> "reject" | "repeat" (same hour) | "replay" (previous hour)."""
    bad = round(total * bad_share)
    duplicates = round(bad * _DUPLICATE_SHARE_OF_BAD)
    replays = (duplicates + 1) // 2 if can_replay else 0
    kinds = ["replay"] * replays + ["repeat"] * (duplicates - replays) + ["reject"] * (bad - duplicates)
    rng.shuffle(kinds)
    return dict(zip(rng.sample(range(total), bad), kinds))


def _topic_hour_objects(
    state: RunState,
    rng: random.Random,
    hour_start: datetime,
    topic: str,
    total: int,
    bad_share: float,
    stats: Counter,
) -> Iterator[LandingObject]:
    """The 2-4 objects of one topic in one ingest hour, `total` non-blank lines in all."""
    if total <= 0:
        return
    clock = HourClock(hour_start)
    ids = HourIds(rng, hour_start, topic)
    source = user_activity_lines if topic == USER_ACTIVITY else api_request_lines
    good = source(rng, clock, ids)
    rejects = RejectedLines(rng, clock, ids, topic, state)
    previous = state.previous_lines.get(topic, [])
    kinds = _line_kinds(rng, total, bad_share, can_replay=bool(previous))
    blanks = set(rng.sample(range(total), round(total * _BLANK_LINE_RATE)))
    crlfs = set(rng.sample(range(total), round(total * _CRLF_RATE)))
    recent: deque[str] = deque(maxlen=_REPLAY_POOL)
    counts = Counter()
    sizes = _split(rng, total, rng.randint(2, 4))
    first = 0
    for index, size in enumerate(sizes):
        lines: list[str] = []
        for slot in range(first, first + size):
            if slot in blanks:
                lines.append(rng.choice(_BLANK_LINES))
                counts["blank_lines"] += 1
            kind = kinds.get(slot)
            if kind == "reject":
                line, reason = rejects.line()
                counts["rejected"] += 1
                counts[f"reject:{reason}"] += 1
            elif kind == "repeat" and recent:
                line = rng.choice(recent)
                counts["duplicates_within_hour"] += 1
            elif kind == "replay":
                line = rng.choice(previous)
                counts["duplicates_previous_hour"] += 1
            else:
                line, offset = next(good)
                recent.append(line)
                counts["valid"] += 1
                if offset < -HOUR_MS:
                    counts["late"] += 1
                elif offset >= 2 * HOUR_MS:
                    counts["future"] += 1
            lines.append(line + "\r" if slot in crlfs else line)
        first += size
        yield landing_object(state, rng, hour_start, topic, (index, len(sizes)), lines, size, stats)
    state.previous_lines[topic] = list(recent)
    counts["lines"] += total
    counts[f"lines:{topic}"] += total
    stats.update(counts)


def whole_utc_hour(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime (naive means UTC); it must be a whole hour."""
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    if (moment.minute, moment.second, moment.microsecond) != (0, 0, 0):
        raise ValueError(f"start must be a whole hour, got {moment.isoformat()}")
    return moment


def generate_event_objects(
    start: datetime,
    hours: int,
    events_per_hour: int,
    bad_share: float,
    seed: int,
    *,
    stats: Counter | None = None,
) -> Iterator[LandingObject]:
    """Landing objects for `hours` ingest hours from `start`, `events_per_hour` non-blank lines each.

    Pure and deterministic for its arguments. If `stats` is given, it is updated with counts
    of what was generated (see `summarize`).
    """
    start = whole_utc_hour(start)
    if hours < 0 or events_per_hour < 0:
        raise ValueError("hours and events_per_hour must be >= 0")
    if not 0.0 <= bad_share <= 1.0:
        raise ValueError(f"bad_share must be within [0, 1], got {bad_share}")
    if events_per_hour >= MAX_LINES_PER_TOPIC_HOUR:
        raise ValueError(f"events_per_hour must be below {MAX_LINES_PER_TOPIC_HOUR}")
    return _generate(start, hours, events_per_hour, bad_share, seed, stats if stats is not None else Counter())


def _generate(
    start: datetime, hours: int, events_per_hour: int, bad_share: float, seed: int, stats: Counter
) -> Iterator[LandingObject]:
    state = RunState.initial(seed)
    user_activity_count = round(events_per_hour * _USER_ACTIVITY_SHARE)
    per_topic = ((USER_ACTIVITY, user_activity_count), (API_REQUESTS, events_per_hour - user_activity_count))
    for hour in range(hours):
        hour_start = start + timedelta(hours=hour)
        rng = random.Random(f"events/{seed}/{hour_start:%Y-%m-%dT%H}")
        for topic, total in per_topic:
            yield from _topic_hour_objects(state, rng, hour_start, topic, total, bad_share, stats)


def summarize(stats: Counter) -> dict[str, Any]:
    """A summary dict from the counts `generate_event_objects` collects."""
    return {
        "objects": stats["objects"],
        "gzip_objects": stats["gzip_objects"],
        "bytes": stats["bytes"],
        "lines": stats["lines"],
        "blank_lines": stats["blank_lines"],
        "valid": stats["valid"],
        "rejected": stats["rejected"],
        "duplicates": stats["duplicates_within_hour"] + stats["duplicates_previous_hour"],
        "duplicates_within_hour": stats["duplicates_within_hour"],
        "duplicates_previous_hour": stats["duplicates_previous_hour"],
        "late": stats["late"],
        "future": stats["future"],
        "lines_by_topic": {topic: stats[f"lines:{topic}"] for topic in TOPICS},
        "rejects_by_reason": {
            key.removeprefix("reject:"): stats[key] for key in sorted(stats) if key.startswith("reject:")
        },
    }


def write_events(
    landing_dir: Path,
    start: datetime,
    hours: int,
    events_per_hour: int,
    bad_share: float,
    seed: int,
) -> dict[str, Any]:
    """Generates and writes the landing objects; returns `summarize` of what was written."""
    stats: Counter = Counter()
    objects = generate_event_objects(start, hours, events_per_hour, bad_share, seed, stats=stats)
    write_landing_objects(Path(landing_dir), objects)
    return summarize(stats)
