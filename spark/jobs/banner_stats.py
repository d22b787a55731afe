"""spark-submit entry point: `banner.stats_daily` for one KST day, from the day's snapshots.

    spark-submit --py-files lakehouse_assets.zip spark/jobs/banner_stats.py 2026-11-20

Locations come from the same environment variables as the code location (LAKEHOUSE_ROOT,
LAKEHOUSE_CATALOG_URI, AWS_ENDPOINT_URL); the transform is the one the Dagster asset runs
(`lakehouse_assets.banner.stats`). Prints one JSON line with the rows written.

Launched through Dagster Pipes (on EMR by `lakehouse_assets.banner.emr_assets`), the day defaults
to the run's partition key and the row counts go back as the asset's materialization metadata;
messages go to S3 when Dagster's message reader asked for a bucket, else Pipes' default channel.
"""

import argparse
import json
import sys
from datetime import date
from typing import Any


def parse_args(argv: list[str] | None, default_day: str | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("day", nargs="?" if default_day else None, default=default_day, type=date.fromisoformat, help="KST stats day YYYY-MM-DD")
    return parser.parse_args(argv)


def run_day(day: date, spark: Any | None = None) -> dict[str, Any]:
    """Write the day's stats; returns what was written (the job's JSON line)."""
    from lakehouse_assets.banner.stats import write_stats_day
    from lakehouse_assets.banner.tables import STATS_DAILY
    from lakehouse_assets.lakehouse.session import job_spark_session, settings_lakehouse

    lakehouse = settings_lakehouse()
    report = write_stats_day(spark or job_spark_session(f"banner-stats-{day}"), lakehouse, day)
    return {"table": STATS_DAILY.identifier, "day": day.isoformat(), "rows": report.rows, "input_rows": report.input_rows, "location": lakehouse.table_location(STATS_DAILY)}


def main(argv: list[str] | None = None) -> int:
    """Plain spark-submit: the day is the first argument."""
    print(json.dumps(run_day(parse_args(argv).day)))
    return 0


def pipes_message_writer() -> Any | None:
    """S3 when Dagster's message reader passed a bucket (EMR), else Pipes' default writer."""
    from dagster_pipes import PipesEnvVarParamsLoader, PipesS3MessageWriter

    if "bucket" in PipesEnvVarParamsLoader().load_messages_params():
        import boto3

        return PipesS3MessageWriter(client=boto3.client("s3"))
    return None


def main_under_pipes(argv: list[str] | None = None) -> int:
    """Under Dagster Pipes: report the rows written as the asset's materialization."""
    from dagster_pipes import open_dagster_pipes

    with open_dagster_pipes(message_writer=pipes_message_writer()) as pipes:
        day = parse_args(argv, default_day=pipes.partition_key if pipes.is_partition_step else None).day
        result = run_day(day)
        pipes.log.info(json.dumps(result))
        pipes.report_asset_materialization(
            metadata={
                "dagster/row_count": {"raw_value": result["rows"], "type": "int"},
                "input_rows": {"raw_value": result["input_rows"], "type": "json"},
                "table_location": {"raw_value": result["location"], "type": "path"},
                "stat_date": {"raw_value": result["day"], "type": "text"},
            }
        )
    return 0


if __name__ == "__main__":
    from dagster_pipes import PipesEnvVarParamsLoader

    sys.exit(main_under_pipes() if PipesEnvVarParamsLoader().is_dagster_pipes_process() else main())
