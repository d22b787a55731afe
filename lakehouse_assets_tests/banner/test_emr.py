"""EMR through Dagster Pipes: the cluster lifecycle with botocore's Stubber (no AWS, no waiting),
and the `banner/stats_daily` EMR asset end to end with the real job's Pipes entry point writing
its messages to (moto) S3."""

import importlib.util
import json
from datetime import date
from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber
from dagster import DagsterExecutionInterruptedError, DagsterInstance, materialize
from dagster_pipes import PipesContext

from lakehouse_assets.banner.calendar import day_window
from lakehouse_assets.banner.emr import (
    DEFAULT_IDLE_TIMEOUT_SECONDS,
    EmrClusterUnusable,
    EmrError,
    EmrStepFailed,
    EmrTarget,
    EmrTimedOut,
    command_step,
    prepare_job_flow,
    run_steps,
    spark_submit_step,
)
from lakehouse_assets.banner.emr_assets import (
    BannerEmrResource,
    as_failure,
    stats_daily_on_emr,
    stats_on_emr_definitions,
    with_stats_on_emr,
)
from lakehouse_assets.banner.tables import STATS_DAILY
from lakehouse_assets.lakehouse.schemas import arrow_schema

REPO = Path(__file__).resolve().parents[2]
JOB_FLOW = {"Name": "banner-stats", "ReleaseLabel": "emr-7.5.0", "Instances": {"InstanceCount": 1}}
NEW, EXISTING = "j-NEWCLUSTER", "j-EXISTING"
STEPS = [command_step(f"step {i}", ["echo", str(i)]) for i in (1, 2, 3)]
STEP_IDS = ["s-1", "s-2", "s-3"]


class FakeTime:
    """The poll clock and sleep: time passes only when the lifecycle sleeps; `on_sleep(n)` acts at the n-th."""

    def __init__(self, on_sleep=None):
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(len(self.sleeps))


class StubbedEmr:
    """A real boto3 EMR client answering from a script; records every call made (even failing ones)."""

    def __init__(self):
        self.client = boto3.client("emr", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        self.stubber = Stubber(self.client)
        self.calls: list[tuple[str, dict]] = []
        self.client.meta.events.register("before-parameter-build.emr", self._record)
        self.stubber.activate()

    def _record(self, params, model, **_):
        self.calls.append((model.name, dict(params)))

    def count(self, operation: str) -> int:
        return sum(1 for name, _ in self.calls if name == operation)

    def params(self, operation: str) -> dict:
        return next(p for name, p in self.calls if name == operation)

    def creates(self, cluster_id=NEW):
        self.stubber.add_response("run_job_flow", {"JobFlowId": cluster_id}, dict.fromkeys(("Name", "ReleaseLabel", "Instances", "AutoTerminationPolicy", "Tags"), ANY))

    def cluster_is(self, state, cluster_id=EXISTING):
        self.stubber.add_response("describe_cluster", {"Cluster": {"Id": cluster_id, "Name": "c", "Status": {"State": state}}}, {"ClusterId": cluster_id})

    def adds_steps(self, cluster_id, step_ids):
        self.stubber.add_response("add_job_flow_steps", {"StepIds": step_ids}, {"JobFlowId": cluster_id, "Steps": ANY})

    def steps_are(self, cluster_id, states, failure=None):
        steps = []
        for step_id, state in zip(STEP_IDS, states):
            status = {"State": state}
            if state == "FAILED" and failure:
                status["FailureDetails"] = failure
            steps.append({"Id": step_id, "Name": f"step {step_id[-1]}", "Status": status})
        self.stubber.add_response("list_steps", {"Steps": steps}, {"ClusterId": cluster_id, "StepIds": STEP_IDS[: len(states)]})

    def terminates(self, cluster_id=NEW):
        self.stubber.add_response("terminate_job_flows", {}, {"JobFlowIds": [cluster_id]})

    def cancels(self, step_ids, cluster_id=EXISTING):
        info = [{"StepId": s, "Status": "SUBMITTED", "Reason": ""} for s in step_ids]
        self.stubber.add_response("cancel_steps", {"CancelStepsInfoList": info}, {"ClusterId": cluster_id, "StepIds": step_ids, "StepCancellationOption": "SEND_INTERRUPT"})

    def done(self):
        self.stubber.assert_no_pending_responses()


@pytest.fixture
def emr():
    stub = StubbedEmr()
    yield stub
    stub.stubber.deactivate()


def run(emr, target, time=None, steps=STEPS, **kwargs):
    time = time or FakeTime()
    return run_steps(emr.client, target, steps, poll_seconds=30, timeout_seconds=3600, sleep=time.sleep, clock=time.clock, **kwargs)


# -- the lifecycle ----------------------------------------------------------------------------------


def test_cluster_creation_fails_nothing_is_terminated(emr):
    emr.stubber.add_client_error("run_job_flow", service_error_code="ValidationException", service_message="bad instance type", http_status_code=400)
    with pytest.raises(Exception, match="bad instance type"):
        run(emr, EmrTarget(job_flow=JOB_FLOW))
    assert [name for name, _ in emr.calls] == ["RunJobFlow"]
    emr.done()


def test_all_steps_succeed_cluster_terminated_once(emr):
    time = FakeTime()
    emr.creates()
    emr.adds_steps(NEW, STEP_IDS)
    emr.steps_are(NEW, ["RUNNING", "PENDING", "PENDING"])
    emr.steps_are(NEW, ["COMPLETED", "RUNNING", "PENDING"])
    emr.steps_are(NEW, ["COMPLETED", "COMPLETED", "COMPLETED"])
    emr.terminates()
    result = run(emr, EmrTarget(job_flow=JOB_FLOW), time)
    emr.done()
    assert emr.count("TerminateJobFlows") == 1 and result.terminated and result.created
    assert result.states == dict.fromkeys(STEP_IDS, "COMPLETED")
    assert time.sleeps == [30, 30]
    created = emr.params("RunJobFlow")
    assert created["Instances"]["KeepJobFlowAliveWhenNoSteps"] is True
    assert created["AutoTerminationPolicy"] == {"IdleTimeout": DEFAULT_IDLE_TIMEOUT_SECONDS}
    assert [s["ActionOnFailure"] for s in emr.params("AddJobFlowSteps")["Steps"]] == ["CONTINUE"] * 3


@pytest.mark.parametrize("failing", [1, 2, 3])
def test_any_failed_step_fails_the_run_and_terminates_once(emr, failing):
    emr.creates()
    emr.adds_steps(NEW, STEP_IDS)
    emr.steps_are(NEW, ["RUNNING", "PENDING", "PENDING"])
    states = ["COMPLETED"] * (failing - 1) + ["FAILED"] + ["PENDING"] * (3 - failing)
    emr.steps_are(NEW, states, failure={"Reason": "Unknown error", "Message": "exit code 1", "LogFile": "s3://logs/s-x/"})
    emr.cluster_is("WAITING", NEW)
    emr.terminates()
    with pytest.raises(EmrStepFailed) as error:
        run(emr, EmrTarget(job_flow=JOB_FLOW))
    emr.done()
    assert emr.count("TerminateJobFlows") == 1
    message = str(error.value)
    assert f"step {failing} of 3 'step {failing}'" in message and "exit code 1" in message and "s3://logs/s-x/" in message


def test_a_cancelled_or_interrupted_step_also_fails(emr):
    emr.creates()
    emr.adds_steps(NEW, STEP_IDS)
    emr.steps_are(NEW, ["COMPLETED", "INTERRUPTED", "CANCELLED"])
    emr.cluster_is("TERMINATED_WITH_ERRORS", NEW)
    emr.terminates()
    with pytest.raises(EmrStepFailed, match="step 2 of 3 .* is INTERRUPTED.*cluster TERMINATED_WITH_ERRORS"):
        run(emr, EmrTarget(job_flow=JOB_FLOW))
    emr.done()


def test_existing_cluster_is_never_terminated(emr):
    emr.cluster_is("WAITING")
    emr.adds_steps(EXISTING, STEP_IDS)
    emr.steps_are(EXISTING, ["COMPLETED", "COMPLETED", "COMPLETED"])
    result = run(emr, EmrTarget(cluster_id=EXISTING))
    emr.done()
    assert not result.created and not result.terminated
    assert emr.count("TerminateJobFlows") == 0 and emr.count("RunJobFlow") == 0


def test_failure_on_an_existing_cluster_cancels_our_remaining_steps_only(emr):
    emr.cluster_is("RUNNING")
    emr.adds_steps(EXISTING, STEP_IDS)
    emr.steps_are(EXISTING, ["FAILED", "PENDING", "PENDING"])
    emr.cluster_is("RUNNING")
    emr.cancels(["s-2", "s-3"])
    with pytest.raises(EmrStepFailed, match="step 1 of 3"):
        run(emr, EmrTarget(cluster_id=EXISTING))
    emr.done()
    assert emr.count("TerminateJobFlows") == 0


def test_a_terminated_existing_cluster_is_refused(emr):
    emr.cluster_is("TERMINATED")
    with pytest.raises(EmrClusterUnusable, match="j-EXISTING is TERMINATED"):
        run(emr, EmrTarget(cluster_id=EXISTING))
    emr.done()
    assert emr.count("AddJobFlowSteps") == 0


def test_steps_that_would_terminate_someone_elses_cluster_are_refused(emr):
    steps = [{**STEPS[0], "ActionOnFailure": "TERMINATE_CLUSTER"}]
    with pytest.raises(ValueError, match="did not create"):
        run(emr, EmrTarget(cluster_id=EXISTING), steps=steps)
    assert emr.calls == []


@pytest.mark.parametrize("interrupt", [DagsterExecutionInterruptedError, KeyboardInterrupt])
def test_cancellation_mid_run_terminates_the_created_cluster(emr, interrupt):
    def cancel(n):
        raise interrupt()

    emr.creates()
    emr.adds_steps(NEW, STEP_IDS)
    emr.steps_are(NEW, ["RUNNING", "PENDING", "PENDING"])
    emr.terminates()
    with pytest.raises(interrupt):
        run(emr, EmrTarget(job_flow=JOB_FLOW), FakeTime(on_sleep=cancel))
    emr.done()
    assert emr.count("TerminateJobFlows") == 1


def test_cancellation_on_an_existing_cluster_cancels_our_running_steps(emr):
    def cancel(n):
        raise DagsterExecutionInterruptedError()

    emr.cluster_is("WAITING")
    emr.adds_steps(EXISTING, STEP_IDS)
    emr.steps_are(EXISTING, ["COMPLETED", "RUNNING", "PENDING"])
    emr.cancels(["s-2", "s-3"])
    with pytest.raises(DagsterExecutionInterruptedError):
        run(emr, EmrTarget(cluster_id=EXISTING), FakeTime(on_sleep=cancel))
    emr.done()
    assert emr.count("TerminateJobFlows") == 0


def test_timeout_fails_and_terminates(emr):
    time = FakeTime()
    emr.creates()
    emr.adds_steps(NEW, STEP_IDS)
    for _ in range(3):
        emr.steps_are(NEW, ["RUNNING", "PENDING", "PENDING"])
    emr.terminates()
    with pytest.raises(EmrTimedOut, match="not done after 60s"):
        run_steps(emr.client, EmrTarget(job_flow=JOB_FLOW), STEPS, poll_seconds=30, timeout_seconds=60, sleep=time.sleep, clock=time.clock)
    emr.done()
    assert time.sleeps == [30, 30]


def test_a_failed_terminate_does_not_hide_the_step_failure(emr):
    emr.creates()
    emr.adds_steps(NEW, STEP_IDS)
    emr.steps_are(NEW, ["FAILED", "PENDING", "PENDING"])
    emr.cluster_is("WAITING", NEW)
    emr.stubber.add_client_error("terminate_job_flows", service_error_code="ThrottlingException", http_status_code=400)
    with pytest.raises(EmrStepFailed):
        run(emr, EmrTarget(job_flow=JOB_FLOW))
    emr.done()


def test_a_failed_terminate_after_success_fails_the_run(emr):
    emr.creates()
    emr.adds_steps(NEW, STEP_IDS)
    emr.steps_are(NEW, ["COMPLETED"] * 3)
    emr.stubber.add_client_error("terminate_job_flows", service_error_code="ThrottlingException", http_status_code=400)
    with pytest.raises(EmrError, match=f"could not terminate EMR cluster {NEW}"):
        run(emr, EmrTarget(job_flow=JOB_FLOW))
    emr.done()


# -- pure definitions -------------------------------------------------------------------------------


def test_prepare_job_flow_makes_a_cluster_we_can_wait_for_and_terminate():
    given = {**JOB_FLOW, "Tags": [{"Key": "team", "Value": "ads"}]}
    params = prepare_job_flow(given, tags={"dagster/run-id": "r1", "team": "other"})
    assert params["Instances"] == {"InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True, "TerminationProtected": False}
    assert params["AutoTerminationPolicy"] == {"IdleTimeout": DEFAULT_IDLE_TIMEOUT_SECONDS}
    assert params["Tags"] == [{"Key": "team", "Value": "ads"}, {"Key": "dagster/run-id", "Value": "r1"}]
    assert "KeepJobFlowAliveWhenNoSteps" not in given["Instances"]  # the caller's dict is untouched
    assert prepare_job_flow({**JOB_FLOW, "AutoTerminationPolicy": {"IdleTimeout": 600}})["AutoTerminationPolicy"] == {"IdleTimeout": 600}
    with pytest.raises(ValueError, match="must not contain Steps"):
        prepare_job_flow({**JOB_FLOW, "Steps": STEPS})
    with pytest.raises(ValueError, match="termination protected"):
        prepare_job_flow({**JOB_FLOW, "Instances": {"TerminationProtected": True}})


def test_target_is_exactly_one_of_cluster_and_job_flow():
    with pytest.raises(ValueError):
        EmrTarget()
    with pytest.raises(ValueError):
        EmrTarget(cluster_id=EXISTING, job_flow=JOB_FLOW)


def test_spark_submit_step_hands_the_environment_to_the_driver():
    env = {"DAGSTER_PIPES_CONTEXT": "abc", "LAKEHOUSE_ROOT": "s3://lake"}
    cluster = spark_submit_step("job", "s3://code/job.py", ["2026-11-20"], env=env, py_files=["s3://code/a.zip"])["HadoopJarStep"]["Args"]
    assert cluster == [
        "spark-submit", "--deploy-mode", "cluster",
        "--conf", "spark.yarn.appMasterEnv.DAGSTER_PIPES_CONTEXT=abc", "--conf", "spark.yarn.appMasterEnv.LAKEHOUSE_ROOT=s3://lake",
        "--py-files", "s3://code/a.zip", "s3://code/job.py", "2026-11-20",
    ]  # fmt: skip
    client = spark_submit_step("job", "s3://code/job.py", ["2026-11-20"], env=env, deploy_mode="client")["HadoopJarStep"]["Args"]
    assert client[:3] == ["env", "DAGSTER_PIPES_CONTEXT=abc", "LAKEHOUSE_ROOT=s3://lake"] and client[3:6] == ["spark-submit", "--deploy-mode", "client"]
    with pytest.raises(ValueError, match="at most 10280 characters"):
        spark_submit_step("job", "s3://code/job.py", env={"DAGSTER_PIPES_CONTEXT": "x" * 10300})


# -- the asset, through Pipes --------------------------------------------------------------------------

DAY = date(2026, 11, 20)


def load_job_module():
    spec = importlib.util.spec_from_file_location("banner_stats_job", REPO / "spark" / "jobs" / "banner_stats.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def driver_env(step: dict) -> dict[str, str]:
    """What the YARN application master would put in the driver's environment."""
    args = step["HadoopJarStep"]["Args"]
    prefix = "spark.yarn.appMasterEnv."
    pairs = [args[i + 1].removeprefix(prefix) for i, a in enumerate(args[:-1]) if a == "--conf" and args[i + 1].startswith(prefix)]
    return dict(pair.split("=", 1) for pair in pairs)


def stats_rows(n: int) -> list[dict]:
    values = {"int": 1, "long": 1, "double": 0.5, "date": DAY, "string": "x"}
    return [{c.name: (i + 1 if c.name == "banner_id" else values[c.type]) for c in STATS_DAILY.columns} for i in range(n)]


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


def test_asset_runs_the_job_on_emr_and_gets_its_report_through_pipes(emr, pipes_s3, lakehouse_resource, monkeypatch):
    job = load_job_module()
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

            lh.replace_partition_with_arrow(STATS_DAILY, day_window(d), pa.Table.from_pylist(stats_rows(3), schema=arrow_schema(STATS_DAILY)))
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
