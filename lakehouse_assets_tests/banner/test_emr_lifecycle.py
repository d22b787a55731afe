"""The EMR cluster lifecycle (`banner.emr.run_steps`) against botocore's Stubber, with no AWS and
no waiting, and the pure step and cluster definitions."""

import pytest
from dagster import DagsterExecutionInterruptedError

from lakehouse_assets.banner.emr import (
    DEFAULT_IDLE_TIMEOUT_SECONDS,
    EmrClusterUnusable,
    EmrError,
    EmrStepFailed,
    EmrTarget,
    EmrTimedOut,
    prepare_job_flow,
    run_steps,
    spark_submit_step,
)
from lakehouse_assets_tests.banner.fakes import EXISTING, JOB_FLOW, NEW, STEP_IDS, STEPS, FakeTime


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
