"""`banner/stats_daily` on EMR through Dagster Pipes: the asset end to end with the real job's
Pipes entry point writing its messages to (moto) S3, the resource, and the swap into the code location."""

import json
from datetime import date

import boto3
import pytest
from dagster import DagsterInstance, materialize
from dagster_pipes import PipesContext

from lakehouse_assets.banner.emr import EmrStepFailed, EmrTarget, EmrTimedOut
from lakehouse_assets.banner.emr_assets import (
    BannerEmrResource,
    as_failure,
    stats_daily_on_emr,
    stats_on_emr_definitions,
    with_stats_on_emr,
)
from lakehouse_assets.banner.tables import STATS_DAILY
from lakehouse_assets.lakehouse.schemas import arrow_schema
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets_tests.banner.fakes import EXISTING, JOB_FLOW, NEW, STEP_IDS, FakeTime, StubbedEmr, stats_daily_row

DAY = date(2026, 11, 20)


def driver_env(step: dict) -> dict[str, str]:
    """What the YARN application master would put in the driver's environment."""
    args = step["HadoopJarStep"]["Args"]
    prefix = "spark.yarn.appMasterEnv."
    pairs = [args[i + 1].removeprefix(prefix) for i, a in enumerate(args[:-1]) if a == "--conf" and args[i + 1].startswith(prefix)]
    return dict(pair.split("=", 1) for pair in pairs)


@pytest.fixture
def pipes_s3(aws_env, monkeypatch):
    from moto import mock_aws

    import dagster._core.pipes.utils as pipes_utils

    # A session whose job never ran waits this long for late messages; nothing will come here.
    monkeypatch.setattr(pipes_utils, "WAIT_FOR_LOGS_AFTER_EXECUTION_INTERVAL", 0)
    monkeypatch.setattr(PipesContext, "_instance", None)  # the job side keeps a process-wide context
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="pipes")
        yield s3


def emr_resource(emr: StubbedEmr, time: FakeTime, s3, **config) -> BannerEmrResource:
    class StubbedBannerEmr(BannerEmrResource):
        def emr_client(self):
            return emr.client

        def s3_client(self):
            return s3

        def sleep(self, seconds):
            time.sleep(seconds)

        def clock(self):
            return time.clock()

    config = {"script_uri": "s3://code/banner_stats.py", "pipes_bucket": "pipes", "pipes_poll_seconds": 0.1, **config}
    return StubbedBannerEmr(**config) if "cluster_id" in config else StubbedBannerEmr(job_flow=JOB_FLOW, **config)


def materialize_on_emr(resource, lakehouse_resource):
    return materialize(
        [stats_daily_on_emr],
        partition_key=DAY.isoformat(),
        resources={"banner_emr": resource, "lakehouse": lakehouse_resource},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def test_asset_runs_the_job_on_emr_and_gets_its_report_through_pipes(emr, pipes_s3, lakehouse_resource, monkeypatch, banner_stats_job):
    job = banner_stats_job
    lh = lakehouse_resource.lakehouse

    def job_runs_on_the_cluster(n):
        if n != 1:
            return
        step = emr.params("AddJobFlowSteps")["Steps"][-1]
        for key, value in driver_env(step).items():
            monkeypatch.setenv(key, value)
        day = date.fromisoformat(step["HadoopJarStep"]["Args"][-1])

        def run_day(d):
            import pyarrow as pa

            rows = [stats_daily_row(d, banner_id) for banner_id in (1, 2, 3)]
            lh.replace_partition_with_arrow(STATS_DAILY, Window.day(d), pa.Table.from_pylist(rows, schema=arrow_schema(STATS_DAILY)))
            return {"table": STATS_DAILY.identifier, "day": d.isoformat(), "rows": 3, "input_rows": {"banner_impression": 40}, "location": lh.table_location(STATS_DAILY)}

        monkeypatch.setattr(job, "run_day", run_day)
        assert job.main_under_pipes([day.isoformat()]) == 0

    time = FakeTime(on_sleep=job_runs_on_the_cluster)
    emr.creates()
    emr.adds_steps(NEW, ["s-1", "s-2"])
    emr.steps_are(NEW, ["COMPLETED", "RUNNING"])
    emr.steps_are(NEW, ["COMPLETED", "COMPLETED"])
    emr.terminates()
    resource = emr_resource(emr, time, pipes_s3, setup_commands=[["bash", "-c", "pip install lakehouse_assets"]], job_env={"LAKEHOUSE_ROOT": "s3://lake"})
    result = materialize_on_emr(resource, lakehouse_resource)
    assert result.success
    emr.done()
    assert emr.count("TerminateJobFlows") == 1
    env = driver_env(emr.params("AddJobFlowSteps")["Steps"][-1])
    assert env["LAKEHOUSE_ROOT"] == "s3://lake" and {"DAGSTER_PIPES_CONTEXT", "DAGSTER_PIPES_MESSAGES"} <= set(env)
    [materialization] = result.asset_materializations_for_node("banner__stats_daily")
    metadata = materialization.metadata
    assert metadata["dagster/row_count"].value == 3 and metadata["job_rows"].value == 3
    assert metadata["input_rows"].value == {"banner_impression": 40}  # sent by the job through Pipes
    assert metadata["stat_date"].value == DAY.isoformat()
    assert metadata["emr_cluster_id"].value == NEW and metadata["emr_cluster_created"].value is True
    assert [s["state"] for s in metadata["emr_steps"].value] == ["COMPLETED", "COMPLETED"]
    assert "dagster/column_schema" in metadata


def test_asset_fails_when_step_2_of_3_fails_and_terminates_once(emr, pipes_s3, lakehouse_resource):
    emr.creates()
    emr.adds_steps(NEW, STEP_IDS)
    emr.steps_are(NEW, ["RUNNING", "PENDING", "PENDING"])
    emr.steps_are(NEW, ["COMPLETED", "FAILED", "PENDING"], failure={"Reason": "pip install failed"})
    emr.cluster_is("WAITING", NEW)
    emr.terminates()
    resource = emr_resource(emr, FakeTime(), pipes_s3, setup_commands=[["echo", "1"], ["false"]])
    result = materialize_on_emr(resource, lakehouse_resource)
    assert not result.success
    emr.done()
    assert emr.count("TerminateJobFlows") == 1
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "step 2 of 3" in failure.event_specific_data.error.message and "pip install failed" in failure.event_specific_data.error.message


def test_asset_fails_when_the_job_reports_nothing_through_pipes(emr, pipes_s3, lakehouse_resource):
    emr.cluster_is("WAITING")
    emr.adds_steps(EXISTING, ["s-1"])
    emr.steps_are(EXISTING, ["COMPLETED"])
    resource = emr_resource(emr, FakeTime(), pipes_s3, cluster_id=EXISTING)
    result = materialize_on_emr(resource, lakehouse_resource)
    assert not result.success
    emr.done()
    assert emr.count("TerminateJobFlows") == 0
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "reported nothing through Pipes" in failure.event_specific_data.error.message


def test_only_a_step_lost_with_its_cluster_is_retried():
    assert as_failure(EmrStepFailed("lost", "TERMINATED_WITH_ERRORS")).allow_retries
    assert not as_failure(EmrStepFailed("job error", "WAITING")).allow_retries
    assert not as_failure(EmrStepFailed("job error", None)).allow_retries
    assert not as_failure(EmrTimedOut("hung")).allow_retries


def test_resource_from_config_file_hands_the_job_the_lakehouse_but_no_secrets(tmp_path):
    path = tmp_path / "emr.json"
    path.write_text(json.dumps({"script_uri": "s3://code/banner_stats.py", "pipes_bucket": "pipes", "cluster_id": EXISTING}))
    plain = BannerEmrResource.from_config_file(str(path), "s3://lake", "postgresql+psycopg2://iceberg@db/iceberg", "eu-west-1")
    assert plain.job_env == {"LAKEHOUSE_ROOT": "s3://lake", "LAKEHOUSE_CATALOG_URI": "postgresql+psycopg2://iceberg@db/iceberg"}
    assert plain.region_name == "eu-west-1" and plain.target() == EmrTarget(cluster_id=EXISTING)
    secret = BannerEmrResource.from_config_file(str(path), "s3://lake", "postgresql+psycopg2://iceberg:hunter2@db/iceberg")
    assert "hunter2" not in json.dumps(secret.job_env) and "LAKEHOUSE_CATALOG_URI" not in secret.job_env
    with pytest.raises(ValueError, match="must be on S3"):
        BannerEmrResource.from_config_file(str(path), "file:///tmp/lake", "postgresql://db/iceberg")
    with pytest.raises(ValueError, match="SQLite"):
        BannerEmrResource.from_config_file(str(path), "s3://lake", "sqlite:///catalog.db")


def test_stats_on_emr_replaces_the_in_process_asset_under_the_same_key():
    from lakehouse_assets.banner.assets import banner_assets, stats_daily

    swapped = with_stats_on_emr(banner_assets)
    assert stats_daily_on_emr in swapped and stats_daily not in swapped and len(swapped) == len(banner_assets)
    assert stats_daily_on_emr.key == stats_daily.key
    assert set(stats_daily_on_emr.dependency_keys) == set(stats_daily.dependency_keys)


def test_code_location_with_stats_on_emr_loads(tmp_path):
    from dagster import Definitions

    from lakehouse_assets.banner import definitions as banner
    from lakehouse_assets.banner.assets import STATS_DAILY_KEY
    from lakehouse_assets.events import definitions as events
    from lakehouse_assets.resources import core_resources
    from lakehouse_assets.resources.databases import DatabaseResource
    from lakehouse_assets.settings import Settings

    settings = Settings.from_env({"LAKEHOUSE_ROOT": str(tmp_path)})
    databases = {"banner_db": DatabaseResource(url=settings.banner_db_url), "banner_export_db": DatabaseResource(url=settings.banner_export_db_url)}
    on_emr = stats_on_emr_definitions(banner.defs, BannerEmrResource(script_uri="s3://code/banner_stats.py", pipes_bucket="pipes", cluster_id=EXISTING))
    defs = Definitions.merge(events.defs, on_emr, Definitions(resources={**core_resources(settings), **databases}))
    Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    assert graph.get(STATS_DAILY_KEY).kinds >= {"emr"}
    assert STATS_DAILY_KEY in defs.resolve_job_def("banner_daily").asset_layer.selected_asset_keys
    checks = {c.name for c in graph.asset_check_keys if c.asset_key == STATS_DAILY_KEY}
    assert checks, "the stats_daily checks still apply to the EMR definition"
