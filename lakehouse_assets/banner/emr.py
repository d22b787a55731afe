"""Run steps on EMR with a cluster lifecycle that can neither leak a cluster nor hide a failed step.

No Dagster here: the boto3 EMR client, the poll clock and the sleep come in as arguments, so the
lifecycle is tested with botocore's Stubber and without waiting. The rules (lessons of the old DAG):

- The cluster is terminated if and only if `run_steps` created it: after success, after a failed
  step, after a timeout and when the run is cancelled (any exception, `KeyboardInterrupt` and
  Dagster's `DagsterExecutionInterruptedError` alike). A cluster that exists already is never
  terminated; our unfinished steps on it are cancelled instead.
- Every step's state is watched: the first step seen FAILED, CANCELLED or INTERRUPTED fails the
  run, whichever position it has. Steps are added with `ActionOnFailure=CONTINUE` (never
  terminating a cluster we do not own) and the rest of ours are cancelled by us.
- A created cluster gets an idle auto-termination policy, the safety net for a process killed
  before its `finally` could run.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

log = logging.getLogger(__name__)

STEP_COMPLETED = "COMPLETED"
STEP_FAILED = frozenset({"FAILED", "CANCELLED", "INTERRUPTED"})
CLUSTER_GONE = frozenset({"TERMINATING", "TERMINATED", "TERMINATED_WITH_ERRORS"})
TERMINATING_ACTIONS = frozenset({"TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW"})
DEFAULT_IDLE_TIMEOUT_SECONDS = 3600
LIST_STEPS_MAX_IDS = 10  # ListSteps filters on at most 10 step ids per call
MAX_ARG_CHARS = 10280  # EMR's limit for one step argument


class EmrError(RuntimeError):
    """The EMR work did not complete; the message says which cluster and step, and why."""


class EmrStepFailed(EmrError):
    """A step ended FAILED, CANCELLED or INTERRUPTED; `cluster_lost` when its cluster died under it."""

    def __init__(self, message: str, cluster_state: str | None = None):
        super().__init__(message)
        self.cluster_state = cluster_state

    @property
    def cluster_lost(self) -> bool:
        return self.cluster_state in CLUSTER_GONE


class EmrClusterUnusable(EmrError):
    pass


class EmrTimedOut(EmrError):
    pass


@dataclass(frozen=True)
class EmrTarget:
    """Where the steps run: an existing cluster (`cluster_id`, never terminated by us) or a
    cluster created from `run_job_flow` parameters (`job_flow`, terminated when done)."""

    cluster_id: str | None = None
    job_flow: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if (self.cluster_id is None) == (self.job_flow is None):
            raise ValueError("give exactly one of an existing cluster id and run_job_flow parameters")


@dataclass
class EmrRun:
    """What happened: the cluster, whether we created it, our steps and their last states."""

    cluster_id: str | None = None
    created: bool = False
    step_ids: list[str] = field(default_factory=list)
    step_names: dict[str, str] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)
    terminated: bool = False

    def summary(self) -> list[dict[str, str]]:
        return [{"id": i, "name": self.step_names.get(i, ""), "state": self.states.get(i, "UNKNOWN")} for i in self.step_ids]


# -- step and cluster definitions (pure) ----------------------------------------------------------


def command_step(name: str, command: Sequence[str]) -> dict[str, Any]:
    """A step running one command on the primary node through command-runner.jar."""
    too_long = [arg[:40] + "..." for arg in command if len(arg) > MAX_ARG_CHARS]
    if too_long:
        raise ValueError(f"step {name!r}: EMR takes at most {MAX_ARG_CHARS} characters per argument: {too_long}")
    return {"Name": name, "ActionOnFailure": "CONTINUE", "HadoopJarStep": {"Jar": "command-runner.jar", "Args": list(command)}}


def spark_submit_step(
    name: str,
    script: str,
    args: Sequence[str] = (),
    *,
    env: Mapping[str, str] | None = None,
    deploy_mode: str = "cluster",
    py_files: Sequence[str] = (),
    spark_args: Sequence[str] = (),
) -> dict[str, Any]:
    """A spark-submit step whose driver sees `env` (e.g. Dagster Pipes' bootstrap variables).

    In cluster mode the driver runs in the YARN application master, which takes its environment
    from `spark.yarn.appMasterEnv.*`; in client mode it is spark-submit's own child, run by `env`.
    """
    env = dict(env or {})
    if deploy_mode not in ("cluster", "client"):
        raise ValueError(f"deploy_mode must be cluster or client, not {deploy_mode!r}")
    command = ["spark-submit", "--deploy-mode", deploy_mode]
    if deploy_mode == "cluster":
        for key, value in env.items():
            command += ["--conf", f"spark.yarn.appMasterEnv.{key}={value}"]
    command += list(spark_args)
    if py_files:
        command += ["--py-files", ",".join(py_files)]
    command += [script, *args]
    if deploy_mode == "client" and env:
        command = ["env", *[f"{key}={value}" for key, value in env.items()], *command]
    return command_step(name, command)


def prepare_job_flow(job_flow: Mapping[str, Any], tags: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`run_job_flow` parameters for a cluster that waits for our steps and that we can terminate.

    Steps inside the parameters are refused: they would run without being watched.
    """
    params = copy.deepcopy(dict(job_flow))
    if params.get("Steps"):
        raise ValueError("run_job_flow parameters must not contain Steps: steps are added and watched by run_steps")
    instances = params.setdefault("Instances", {})
    if instances.get("TerminationProtected"):
        raise ValueError("a cluster created for a run must not be termination protected: it could not be cleaned up")
    instances["KeepJobFlowAliveWhenNoSteps"] = True  # it must wait for the steps we add after creating it
    instances["TerminationProtected"] = False
    params.setdefault("AutoTerminationPolicy", {"IdleTimeout": DEFAULT_IDLE_TIMEOUT_SECONDS})
    existing = {t["Key"] for t in params.get("Tags", [])}
    params["Tags"] = [*params.get("Tags", []), *[{"Key": k, "Value": str(v)} for k, v in (tags or {}).items() if k not in existing]]
    return params


def _check_steps(target: EmrTarget, steps: Sequence[Mapping[str, Any]]) -> None:
    if not steps:
        raise ValueError("no EMR steps to run")
    if target.cluster_id is not None:
        bad = [s.get("Name", "?") for s in steps if s.get("ActionOnFailure") in TERMINATING_ACTIONS]
        if bad:
            raise ValueError(f"steps {bad} would terminate cluster {target.cluster_id}, which this run did not create")


# -- the lifecycle -------------------------------------------------------------------------------


def run_steps(
    client: Any,
    target: EmrTarget,
    steps: Sequence[Mapping[str, Any]],
    *,
    poll_seconds: float = 30.0,
    timeout_seconds: float = 4 * 3600,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    logger: Any = log,
    tags: Mapping[str, str] | None = None,
    on_cluster: Callable[[EmrRun], None] | None = None,
) -> EmrRun:
    """Run `steps` in order on `target`'s cluster and wait until all completed; raise `EmrError` otherwise."""
    _check_steps(target, steps)
    run = EmrRun()
    succeeded = False
    try:
        if target.job_flow is not None:
            response = client.run_job_flow(**prepare_job_flow(target.job_flow, tags))
            run.cluster_id, run.created = response["JobFlowId"], True
            logger.info(f"created EMR cluster {run.cluster_id}; it is terminated when this run ends")
        else:
            run.cluster_id = _usable_cluster(client, target.cluster_id)
            logger.info(f"using existing EMR cluster {run.cluster_id} (not terminated by this run)")
        if on_cluster is not None:
            on_cluster(run)
        run.step_ids = list(client.add_job_flow_steps(JobFlowId=run.cluster_id, Steps=list(steps))["StepIds"])
        run.step_names = {step_id: step["Name"] for step_id, step in zip(run.step_ids, steps)}
        _watch(client, run, poll_seconds, timeout_seconds, sleep, clock, logger)
        succeeded = True
        return run
    finally:
        if not succeeded and not run.created and run.step_ids:
            _cancel_unfinished(client, run, logger)
        if run.created:
            _terminate(client, run, logger, raise_errors=succeeded)


def _usable_cluster(client: Any, cluster_id: str) -> str:
    cluster = client.describe_cluster(ClusterId=cluster_id)["Cluster"]
    state = cluster["Status"]["State"]
    if state in CLUSTER_GONE:
        raise EmrClusterUnusable(f"EMR cluster {cluster_id} is {state}: it cannot run steps")
    return cluster_id


def _step_states(client: Any, cluster_id: str, step_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    paginator = client.get_paginator("list_steps")
    for start in range(0, len(step_ids), LIST_STEPS_MAX_IDS):
        for page in paginator.paginate(ClusterId=cluster_id, StepIds=list(step_ids[start : start + LIST_STEPS_MAX_IDS])):
            found.update({step["Id"]: step for step in page["Steps"]})
    return found


def _watch(client: Any, run: EmrRun, poll_seconds: float, timeout_seconds: float, sleep: Callable, clock: Callable, logger: Any) -> None:
    deadline = clock() + timeout_seconds
    while True:
        steps = _step_states(client, run.cluster_id, run.step_ids)
        missing = [i for i in run.step_ids if i not in steps]
        if missing:
            raise EmrError(f"EMR cluster {run.cluster_id} does not list steps {missing}")
        for step_id in run.step_ids:
            state = steps[step_id]["Status"]["State"]
            if run.states.get(step_id) != state:
                logger.info(f"EMR step {run.step_names[step_id]!r} ({step_id}): {state}")
                run.states[step_id] = state
        failed = [steps[i] for i in run.step_ids if run.states[i] in STEP_FAILED]
        if failed:
            raise _step_failure(client, run, failed[0])
        if all(run.states[i] == STEP_COMPLETED for i in run.step_ids):
            return
        if clock() >= deadline:
            raise EmrTimedOut(f"EMR steps on cluster {run.cluster_id} not done after {timeout_seconds:.0f}s: {run.summary()}")
        sleep(poll_seconds)


def _step_failure(client: Any, run: EmrRun, step: Mapping[str, Any]) -> EmrStepFailed:
    status = step["Status"]
    details = status.get("FailureDetails") or {}
    position = run.step_ids.index(step["Id"]) + 1
    parts = [f"EMR step {position} of {len(run.step_ids)} {step['Name']!r} ({step['Id']}) on cluster {run.cluster_id} is {status['State']}"]
    parts += [f"{label}: {details[key]}" for key, label in (("Reason", "reason"), ("Message", "message"), ("LogFile", "log")) if details.get(key)]
    cluster_state = None
    try:
        cluster_status = client.describe_cluster(ClusterId=run.cluster_id)["Cluster"]["Status"]
        cluster_state = cluster_status["State"]
        reason = (cluster_status.get("StateChangeReason") or {}).get("Message", "")
        parts.append(f"cluster {cluster_state}" + (f" ({reason})" if reason else ""))
    except Exception as exc:  # the message is still useful without the cluster state
        parts.append(f"cluster state unknown ({exc})")
    return EmrStepFailed("; ".join(parts), cluster_state)


def _cancel_unfinished(client: Any, run: EmrRun, logger: Any) -> None:
    """Cancel our steps that may still run on a cluster we leave running (best effort)."""
    unfinished = [i for i in run.step_ids if run.states.get(i) not in STEP_FAILED | {STEP_COMPLETED}]
    if not unfinished:
        return
    try:
        client.cancel_steps(ClusterId=run.cluster_id, StepIds=unfinished, StepCancellationOption="SEND_INTERRUPT")
        logger.warning(f"cancelled unfinished EMR steps {unfinished} on cluster {run.cluster_id}")
    except Exception as exc:
        logger.error(f"could not cancel EMR steps {unfinished} on cluster {run.cluster_id}: {exc}; cancel them by hand")


def _terminate(client: Any, run: EmrRun, logger: Any, raise_errors: bool) -> None:
    """Terminate the cluster we created. A failure here must not hide the run's own error."""
    try:
        client.terminate_job_flows(JobFlowIds=[run.cluster_id])
        run.terminated = True
        logger.info(f"terminated EMR cluster {run.cluster_id}")
    except Exception as exc:
        message = f"could not terminate EMR cluster {run.cluster_id} ({exc}): terminate it by hand (its idle timeout is the fallback)"
        logger.error(message)
        if raise_errors:
            raise EmrError(message) from exc

