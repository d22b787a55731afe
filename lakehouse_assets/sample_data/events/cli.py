"""Command line of the events generator: `python -m lakehouse_assets.sample_data events ...`."""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from pathlib import Path

from lakehouse_assets.sample_data.events.generate import whole_utc_hour, write_events


def _parse_start(text: str) -> datetime:
    """`2026-11-23T00`, `2026-11-23T00:00` or a full ISO-8601 instant; naive means UTC."""
    for pattern in ("%Y-%m-%dT%H", "%Y-%m-%dT%H:%M"):
        try:
            return whole_utc_hour(datetime.strptime(text, pattern))
        except ValueError:
            pass
    try:
        return whole_utc_hour(datetime.fromisoformat(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a whole UTC hour: {text!r} ({error})") from None


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be within [0, 1], got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m lakehouse_assets.sample_data events`."""
    parser.add_argument("--landing", type=Path, required=True, help="landing root (objects go under events/)")
    parser.add_argument(
        "--start", type=_parse_start, required=True, help="first ingest hour (UTC), e.g. 2026-11-23T00"
    )
    parser.add_argument("--hours", type=int, default=1, help="number of ingest hours (default 1)")
    parser.add_argument(
        "--events-per-hour", type=int, default=10_000, help="non-blank lines per hour, both topics (default 10000)"
    )
    parser.add_argument(
        "--bad-share", type=_share, default=0.02, help="share of lines rejected or duplicated (default 0.02)"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")


def run(args: argparse.Namespace) -> int:
    """Writes the events and prints a one-line summary."""
    began = time.perf_counter()
    summary = write_events(args.landing, args.start, args.hours, args.events_per_hour, args.bad_share, args.seed)
    topics = ", ".join(f"{topic} {count:,}" for topic, count in summary["lines_by_topic"].items())
    print(
        f"events: {summary['objects']:,} objects ({summary['gzip_objects']:,} gzip, {summary['bytes']:,} bytes), "
        f"{summary['lines']:,} lines ({topics}) + {summary['blank_lines']:,} blank; "
        f"valid {summary['valid']:,} (late {summary['late']:,}, future {summary['future']:,}), "
        f"rejected {summary['rejected']:,} over {len(summary['rejects_by_reason'])} reasons, "
        f"duplicates {summary['duplicates']:,} ({summary['duplicates_within_hour']:,} same hour, "
        f"{summary['duplicates_previous_hour']:,} previous hour); {time.perf_counter() - began:.1f} s"
    )
    return 0
