"""One materialization per domain through the code location's own Definitions (resources built
from the environment by `build_defs`, so secrets arrive exactly as in production), and the failing
runs. Every run goes to the one persistent instance."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone

import boto3
from dagster import AssetSelection, DagsterInstance, Definitions, build_sensor_context, define_asset_job
from moto import mock_aws

from lakehouse_assets.assets_common import hour_key, hourly_partitions, kst_daily_partitions
from lakehouse_assets.definitions import build_defs
from lakehouse_assets.events.assets import events_assets
from lakehouse_assets.resources import LakehouseResource, core_resources
from lakehouse_assets.sample_data.banner import write_banner_db
from lakehouse_assets.sample_data.events import write_events
from lakehouse_assets.sample_data.images import image_objects
from lakehouse_assets.sample_data.weather import sample_pages
from lakehouse_assets.settings import get_settings
from lakehouse_assets.weather.kma_protocol import KST
from lakehouse_assets_tests.ml.support import run_config as training_config
from lakehouse_assets_tests.ml.support import seed_observations
from lakehouse_assets_tests.weather.kma_replay import KEY_ERROR_XML, Reply, xml_reply

HOUR = datetime(2026, 11, 20, 5, tzinfo=timezone.utc)  # 14:00 KST on the KST day DAY
DAY = date(2026, 11, 20)
AS_OF = "2026-11-21T12:00:00+09:00"
BUCKET = "landing-secrets"
AWS_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
EVENTS_HOURLY = AssetSelection.assets(*[k for a in events_assets if a.partitions_def == hourly_partitions for k in a.keys])


def kma_stand_in(query: dict) -> Reply:
    """The sample service's answer to a request (the weather tests' recorded shape)."""
    hour = datetime.strptime(query["startDt"] + query["startHh"], "%Y%m%d%H").replace(tzinfo=KST)
    return Reply(sample_pages(int(query["stnIds"]), hour, hour)[0])


class CodeLocation:
    """The code location as the environment configures it right now, running on `instance`."""

    def __init__(self, instance: DagsterInstance):
        self.instance = instance
        self.results: list = []

    def run(self, job: str | AssetSelection, partition: str | None = None, run_config: dict | None = None, **options):
        """Run a job of the code location, or a selection as a job of its own (`partitions_def`);
        other options go to `execute_in_process` (`raise_on_error`, `tags`)."""
        defs = build_defs()  # re-read: the tests change the environment between runs
        if not isinstance(job, str):
            extra = define_asset_job("secrets_test_job", selection=job, partitions_def=options.pop("partitions_def", None))
            defs, job = Definitions.merge(defs, Definitions(jobs=[extra])), "secrets_test_job"
        result = defs.resolve_job_def(job).execute_in_process(instance=self.instance, partition_key=partition, run_config=run_config, **options)
        self.results.append(result)
        return result

    def tick(self, sensor: str, cursor: str | None = None):
        """One evaluation of a sensor of the code location, with the resources it asks for."""
        definition = build_defs().resolve_sensor_def(sensor)
        resources = {key: value for key, value in core_resources(get_settings()).items() if key in definition.required_resource_keys}
        with build_sensor_context(instance=self.instance, cursor=cursor, resources=resources) as context:
            result = definition(context)
            return result, context.cursor


def events(location: CodeLocation, landing_dir) -> None:
    """An hour of generated events through Bronze, Silver and the hourly Gold tables (DuckDB)."""
    write_events(landing_dir, start=HOUR, hours=1, events_per_hour=300, bad_share=0.05, seed=5)
    location.run(EVENTS_HOURLY, hour_key(HOUR))


def weather(location: CodeLocation) -> None:
    """An hour fetched from the local KMA stand-in with the key, parsed, checked."""
    location.run("weather_observations_job", hour_key(HOUR))


def media(location: CodeLocation, monkeypatch) -> tuple[str, str]:
    """Images landing in S3 (moto, with the fake AWS credentials), found by the sensor and catalogued.
    Returns the access key and token the landing resource's S3 client signed with."""
    credentials = {name: os.environ[name] for name in AWS_CREDENTIALS}
    with mock_aws(), monkeypatch.context() as env:
        for name, value in credentials.items():  # moto swaps in its own fake keys: sign with ours
            env.setenv(name, value)
        env.setenv("LAKEHOUSE_LANDING", f"s3://{BUCKET}/landing")
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        landing = core_resources(get_settings())["landing"]
        for key, body, _ in image_objects(8, seed=3, start=datetime.now(timezone.utc)):
            landing.put_bytes(key, body)
        signed_with = landing._client()._request_signer._credentials.get_frozen_credentials()
        result, _ = location.tick("images_landing_sensor")
        for request in result.run_requests:
            location.run(AssetSelection.assets(["media", "image_metadata"]), request.partition_key, request.run_config, tags=request.tags)
    return signed_with.access_key, signed_with.token


def banner(location: CodeLocation, db_url: str) -> None:
    """A sample ads database, the day's snapshots, statistics and export, and the reachability check."""
    write_banner_db(db_url, end_date=DAY + timedelta(days=1), days=2, seed=7, impressions_per_day=400)
    location.run("banner_daily", DAY.isoformat())
    location.run(AssetSelection.checks_for_assets(["banner", "ads_database"]))


def ml(location: CodeLocation) -> None:
    """A small training day: dataset, model logged and registered in MLflow, evaluation, champion."""
    settings = get_settings()
    seed_observations(LakehouseResource(root_uri=settings.lakehouse_root, catalog_uri=settings.catalog_uri), DAY, days=8)
    config = training_config(7, 2, {"max_iter": 20})
    location.run("training_daily_job", DAY.isoformat(), config)


def monitoring(location: CodeLocation) -> dict[str, bool]:
    """Drift, live model error and system health checks; returns whether each passed."""
    as_of = {"as_of": AS_OF}
    config = {"ops": {"weather__observations_weather_drift": {"config": as_of}, "ml__temperature_predictions_live_model_error": {"config": as_of}}}
    return check_outcomes(location.run("monitoring_checks_job", run_config=config))


def check_outcomes(result) -> dict[str, bool]:
    return {evaluation.check_name: evaluation.passed for evaluation in result.get_asset_check_evaluations()}


def monitoring_report(location: CodeLocation) -> None:
    """The Markdown report, written under the lakehouse root, from every check outcome so far."""
    location.run("monitoring_report_job")


def failing_kma_key(location: CodeLocation, server):
    """The service refuses the key: the run fails at once (no retry) with the endpoint in the message."""
    server.default = lambda query: xml_reply(KEY_ERROR_XML)
    try:
        return location.run("weather_observations_job", hour_key(HOUR + timedelta(hours=1)), raise_on_error=False)
    finally:
        server.default = kma_stand_in


def export_database_down(location: CodeLocation):
    """With BANNER_EXPORT_DB_URL at a closed port the export check cannot connect: its run fails."""
    # Dagster refuses a partition key for a selection without assets; the run tag is what it sets.
    checks = AssetSelection.checks_for_assets(["banner", "stats_export"])
    return location.run(checks, raise_on_error=False, tags={"dagster/partition": DAY.isoformat()}, partitions_def=kst_daily_partitions)


def every_database_down(location: CodeLocation) -> dict[str, bool]:
    """With the catalog, the MLflow store and both banner databases at a closed port, the system
    checks report them down (the run itself succeeds); returns whether each check passed."""
    return check_outcomes(location.run(AssetSelection.checks_for_assets(["monitoring", "system"])))
