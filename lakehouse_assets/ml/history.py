"""Seed the weather history that training needs: `python -m lakehouse_assets.ml.history --days 60`.

Materializes `weather/observations_raw` -> `weather/observations` of the code location for the
last N complete KST days, `--days-per-run` KST days (24 hourly partitions each) per run, with the
code location's own resources: offline sample data unless KMA_SERVICE_KEY is set. Runs are recorded in the Dagster instance of
DAGSTER_HOME, so the UI shows the partitions as materialized; days already complete there are
skipped, so running it again costs nothing. Afterwards the `ml` group can be materialized at once.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Sequence

from lakehouse_assets.assets_common import KST

RANGE_START_TAG, RANGE_END_TAG = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def partition_keys(first_day: date, days: int = 1) -> list[str]:
    """The hourly UTC partition keys of `days` KST days from `first_day`."""
    start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=KST).astimezone(timezone.utc)
    return [(start + timedelta(hours=h)).strftime("%Y-%m-%d-%H:%M") for h in range(24 * days)]


def runs(days: list[date], days_per_run: int) -> list[list[date]]:
    """Consecutive days grouped into runs of at most `days_per_run` (a gap starts a new run)."""
    grouped: list[list[date]] = []
    for day in days:
        if grouped and len(grouped[-1]) < days_per_run and grouped[-1][-1] + timedelta(days=1) == day:
            grouped[-1].append(day)
        else:
            grouped.append([day])
    return grouped


def history_days(today_kst: date, days: int, first_partition_day: date) -> list[date]:
    """The last `days` complete KST days before `today_kst`, oldest first, none before the partitions start."""
    wanted = [today_kst - timedelta(days=d) for d in range(days, 0, -1)]
    return [day for day in wanted if day > first_partition_day]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=60, help="complete KST days up to yesterday (default 60)")
    parser.add_argument("--days-per-run", type=int, default=1, help="KST days per run (default 1: the assets' backfill policy)")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="pretend today is this KST date (YYYY-MM-DD)")


def run(args: argparse.Namespace) -> int:
    from dagster import DagsterInstance, materialize

    from lakehouse_assets.assets_common import hourly_partitions, table_key
    from lakehouse_assets.definitions import build_defs
    from lakehouse_assets.settings import get_settings
    from lakehouse_assets.weather.tables import OBSERVATIONS, OBSERVATIONS_RAW

    dagster_home = get_settings().dagster_home
    if not dagster_home:
        print("DAGSTER_HOME is not set: set it to the folder `dagster dev` uses (make dev does)", file=sys.stderr)
        return 2
    Path(dagster_home).mkdir(parents=True, exist_ok=True)
    instance = DagsterInstance.get()  # the instance `dagster dev` shows
    # The assets as the code location defines them, with its resources for today's settings; their
    # checks stay out, so a check of another domain (drift against a model that does not exist
    # yet) cannot stop the seeding.
    defs = build_defs()
    assets = [defs.resolve_assets_def(table_key(spec)) for spec in (OBSERVATIONS_RAW, OBSERVATIONS)]
    today = args.today or datetime.now(KST).date()
    done = instance.get_materialized_partitions(table_key(OBSERVATIONS))
    days = history_days(today, args.days, hourly_partitions.start.astimezone(KST).date())
    todo = [day for day in days if not set(partition_keys(day)) <= done]
    print(f"weather history: {len(days)} KST days up to {today - timedelta(days=1)}, {len(days) - len(todo)} already complete, {len(todo)} to run")
    started = time.perf_counter()
    batches = runs(todo, args.days_per_run)
    for number, batch in enumerate(batches, start=1):
        keys = partition_keys(batch[0], len(batch))
        tags = {RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1]}
        result = materialize(assets, instance=instance, tags=tags, raise_on_error=False)
        print(f"  [{number}/{len(batches)}] {batch[0]} .. {batch[-1]} KST ({len(keys)} hours): {'ok' if result.success else 'FAILED'} ({time.perf_counter() - started:.0f} s)")
        if not result.success:
            print(f"run {result.run_id} failed: see it in the Dagster UI", file=sys.stderr)
            return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lakehouse_assets.ml.history", description=(__doc__ or "").splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
