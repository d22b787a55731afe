"""Events/s through Bronze -> Silver -> Gold for one hour of generated events, and DuckDB doing the
same Silver+Gold logic on the same input, in one run.

    python bench/medallion.py                      # 1,000,000 events (the default)
    python bench/medallion.py --events 200000 --master local[2]

The project path runs the same functions the assets run (`lakehouse_assets.events.pipeline`):
Bronze (landing -> Iceberg), Silver (+ rejects, duplicates), the two event-hour Gold tables, the
data quality table and the two daily tables. The DuckDB path reads the same landing objects into
the same Bronze rows and runs `bench/duckdb_events.py`. SparkSession start is reported apart.
The last line is `ratio_vs_duckdb <project seconds / duckdb seconds>`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the hour (default 1M)")
    parser.add_argument("--bad-share", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads")
    parser.add_argument("--workdir", default=None, help="where to write (default: a temp dir, removed after)")
    args = parser.parse_args()

    from lakehouse_assets.events.pipeline import GOLD_BUILDERS, read_landing_hour, write_bronze, write_gold, write_silver
    from lakehouse_assets.events.bronze import bronze_table
    from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
    from lakehouse_assets.resources import LocalLandingStorage, SparkResource, spark_config
    from lakehouse_assets.sample_data.events import write_events

    from bench.duckdb_events import run_duckdb

    hour = datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="medallion-"))
    try:
        t = time.perf_counter()
        summary = write_events(work / "landing", start=hour, hours=1, events_per_hour=args.events, bad_share=args.bad_share, seed=args.seed)
        print(f"generated {args.events} events ({summary.get('bytes', 0) / 1e6:.0f} MB, {summary.get('objects')} objects) in {time.perf_counter() - t:.1f}s")
        landing = LocalLandingStorage(root=str(work / "landing"))

        t = time.perf_counter()
        spark = SparkResource(spark_config=spark_config(args.master, extra={"spark.ui.enabled": "false"})).spark_session
        if hasattr(spark, "sparkContext") and args.master and not args.master.startswith("sc://"):
            spark.sparkContext.setLogLevel("ERROR")
        print(f"spark_session_start_s {time.perf_counter() - t:.2f}")

        lakehouse = IcebergLakehouse(f"sqlite:///{work / 'catalog.db'}", (work / "lake").as_uri())
        for spec in GOLD_BUILDERS:  # table creation is one-off set-up, not per-partition work
            lakehouse.ensure_table(spec)
        steps: dict[str, float] = {}
        start = time.perf_counter()
        t = time.perf_counter()
        bronze = write_bronze(landing, lakehouse, hour)
        steps["bronze"] = time.perf_counter() - t
        t = time.perf_counter()
        silver = {spec.identifier: rows for spec, rows, _ in write_silver(spark, lakehouse, hour)}
        steps["silver"] = time.perf_counter() - t
        t = time.perf_counter()
        for spec in GOLD_BUILDERS:
            write_gold(spec, spark, lakehouse, hour.date() if spec.partition_column == "date" else hour)
        steps["gold"] = time.perf_counter() - t
        project = time.perf_counter() - start
        print(f"project: bronze {steps['bronze']:.2f}s, silver {steps['silver']:.2f}s, gold {steps['gold']:.2f}s -> {project:.2f}s for {bronze.rows} lines; silver rows {silver}")
        print(f"project_events_per_s {bronze.rows / project:,.0f}")

        t = time.perf_counter()
        objects, _ = read_landing_hour(landing, hour)
        duck_bronze = bronze_table(objects)
        duck_read = time.perf_counter() - t
        timings: dict[str, float] = {}
        t = time.perf_counter()
        out = run_duckdb(duck_bronze, threads=args.threads, timings=timings)
        duck_logic = time.perf_counter() - t
        duck = duck_read + duck_logic
        print(f"duckdb: read landing {duck_read:.2f}s, silver+gold {duck_logic:.2f}s -> {duck:.2f}s; silver rows {out['silver_events'].num_rows}")
        print(f"duckdb_events_per_s {duck_bronze.num_rows / duck:,.0f}")
        if out["silver_events"].num_rows != silver["silver.events"]:
            print(f"WARNING: DuckDB kept {out['silver_events'].num_rows} rows, the project {silver['silver.events']}")
        print(f"ratio_vs_duckdb {project / duck:.2f}")
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
