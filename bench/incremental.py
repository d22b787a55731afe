"""What it costs to materialize hour 48 when 47 hours exist, against hour 1 (Silver and the hourly
Gold tables), on one engine: the table layer's planning and the reads must not grow with history.

    python bench/incremental.py                      # DuckDB, 48 hours of 20,000 events
    python bench/incremental.py --engine spark --events-per-hour 5000

Hour 1 is timed on a lakehouse of its own holding nothing else (its previous hour has no Silver);
hour 48 on one whose hours 1..47 were filled untimed (it reads hour 47's stored Silver for earlier
event ids). The two are timed in turns, `--repeat` times each, and each counts its best run (a
re-run replaces the same partitions): timed one after the other, a machine whose speed drifts
within a minute moved the ratio by a third.
Last line: `ratio_hour48_vs_hour1 <float>`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
START = datetime(2026, 11, 20, 0, tzinfo=timezone.utc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    parser.add_argument("--hours", type=int, default=48)
    parser.add_argument("--events-per-hour", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()

    from lakehouse_assets.events.pipeline import write_bronze, write_gold, write_silver
    from lakehouse_assets.events.tables import GOLD_DATA_QUALITY_HOURLY, GOLD_OPERATIONAL_HOURLY, GOLD_SERVER_HEALTH_MINUTELY
    from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
    from lakehouse_assets.resources import LocalLandingStorage
    from lakehouse_assets.sample_data.events import write_events

    hourly_gold = (GOLD_SERVER_HEALTH_MINUTELY, GOLD_OPERATIONAL_HOURLY, GOLD_DATA_QUALITY_HOURLY)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="incremental-"))
    try:
        write_events(work / "landing", start=START, hours=args.hours, events_per_hour=args.events_per_hour, bad_share=0.02, seed=7)
        lakehouse = IcebergLakehouse(f"sqlite:///{work / 'catalog.db'}", (work / "tables").as_uri())
        first_only = IcebergLakehouse(f"sqlite:///{work / 'first.db'}", (work / "first").as_uri())
        landing = LocalLandingStorage(root=str(work / "landing"))
        if args.engine == "spark":
            from lakehouse_assets.engine.spark_engine import SparkEngine
            from lakehouse_assets.resources import SparkResource, spark_config

            session = SparkResource(spark_config=spark_config("local[*]", extra={"spark.ui.enabled": "false"})).spark_session
            session.sparkContext.setLogLevel("ERROR")
            engine = SparkEngine(session)
        else:
            from lakehouse_assets.engine.duckdb_engine import DuckDBEngine

            engine = DuckDBEngine(threads=2)
        hours = [START + timedelta(hours=i) for i in range(args.hours)]
        for hour in hours:
            write_bronze(landing, lakehouse, hour)
        write_bronze(landing, first_only, hours[0])
        for spec in hourly_gold:
            lakehouse.ensure_table(spec)
            first_only.ensure_table(spec)

        def materialize(lake: IcebergLakehouse, hour: datetime) -> float:
            t = time.perf_counter()
            for _ in write_silver(engine, lake, hour):
                pass
            for spec in hourly_gold:
                write_gold(spec, engine, lake, hour)
            return time.perf_counter() - t

        for hour in hours[:-1]:
            materialize(lakehouse, hour)
        firsts, lasts = [], []
        for _ in range(args.repeat):
            firsts.append(materialize(first_only, hours[0]))
            lasts.append(materialize(lakehouse, hours[-1]))
        first, last = min(firsts), min(lasts)
        print(f"hour 1 (empty lakehouse): {first:.3f}s")
        print(f"hour {args.hours} ({args.hours - 1} hours exist): {last:.3f}s")
        print(f"ratio_hour{args.hours}_vs_hour1 {last / first:.2f}")
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
