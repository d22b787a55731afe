"""spark-submit entry point: one layer of the events lakehouse for one partition.

    spark-submit --py-files lakehouse_assets.zip spark/jobs/events_partition.py silver.events 2026-11-23T10
    spark-submit ... spark/jobs/events_partition.py gold.metrics_funnel_daily 2026-11-23

Locations come from the same environment variables as the code location (LAKEHOUSE_ROOT,
LAKEHOUSE_CATALOG_URI, AWS_ENDPOINT_URL); the transforms are the ones the Dagster assets run.
Prints one JSON line of rows written per table (Dagster Pipes or a log reader can pick it up).
"""

import argparse
import json
import sys
from datetime import date, datetime, timezone


def main(argv: list[str] | None = None) -> int:
    from lakehouse_assets.engine.spark_engine import SparkEngine
    from lakehouse_assets.events.pipeline import GOLD_BUILDERS, write_gold, write_silver
    from lakehouse_assets.lakehouse.session import job_spark_session, settings_lakehouse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    gold_tables = {spec.identifier: spec for spec in GOLD_BUILDERS}
    parser.add_argument("table", choices=["silver.events", *sorted(gold_tables)], help="silver.events writes all three Silver tables")
    parser.add_argument("partition", help="UTC hour YYYY-MM-DDTHH, or a date YYYY-MM-DD for the daily tables")
    args = parser.parse_args(argv)

    engine = SparkEngine(job_spark_session(f"{args.table}-{args.partition}"))
    lakehouse = settings_lakehouse()
    if "T" in args.partition:
        partition = datetime.strptime(args.partition, "%Y-%m-%dT%H").replace(tzinfo=timezone.utc)
    else:
        partition = date.fromisoformat(args.partition)
    if args.table == "silver.events":
        written = {spec.identifier: rows for spec, rows, _ in write_silver(engine, lakehouse, partition)}
    else:
        written = {args.table: write_gold(gold_tables[args.table], engine, lakehouse, partition)}
    print(json.dumps({"table": args.table, "partition": args.partition, "rows": written}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
