"""Optional: `banner/stats_daily` computed on EMR through Dagster Pipes instead of in-process Spark.

The same asset key, partitions and inputs as `assets.stats_daily`, and the same transform: EMR runs
`spark/jobs/banner_stats.py`, which reports the rows it wrote back through Pipes (S3 messages).
The code location uses it only when `BANNER_EMR_CONFIG` names a JSON file like this one (keys are
`BannerEmrResource` fields; `job_flow` holds `run_job_flow` parameters and is used only when no
`cluster_id` is given):

    {"script_uri": "s3://code/lakehouse/banner_stats.py", "py_files": ["s3://code/lakehouse/lakehouse_assets.zip"],
     "pipes_bucket": "dagster-pipes",
     "job_flow": {"Name": "banner-stats", "ReleaseLabel": "emr-7.5.0", "Applications": [{"Name": "Spark"}],
                  "Instances": {"InstanceGroups": [...]}, "JobFlowRole": "EMR_EC2_DefaultRole",
                  "ServiceRole": "EMR_DefaultRole", "LogUri": "s3://logs/emr/", "BootstrapActions": [...]}}

The cluster needs Python with the project's dependencies (a bootstrap action or `setup_commands`).

Why not `dagster_aws.pipes.PipesEMRClient` (dagster-aws 0.29.27, read in its source):
- it always creates a cluster and waits for it to terminate (botocore's `cluster_terminated`
  waiter, which gives up after 30 minutes);
- a failure shows only as a cluster ending TERMINATED_WITH_ERRORS: its own state check compares
  the state string with enum members (never equal), and a failed step with
  ActionOnFailure=CONTINUE passes;
- it terminates the cluster only on Dagster's interrupt, not on another error or a waiter that
  gave up;
- merging its Pipes variables into a job flow that already has a spark-defaults or spark-env
  classification drops them.
`emr.run_steps` keeps the lifecycle rules instead; this module adds Pipes (`open_pipes_session`,
S3 messages, the context in the driver's environment) and the asset.
"""

import json
import time
from datetime import date
from typing import Any, Literal, Mapping, Optional, Sequence

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    ConfigurableResource,
    Definitions,
    Failure,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
)
from pydantic import Field

from lakehouse_assets.assets_common import kst_daily_partitions, partition_day, partition_window, table_metadata
from lakehouse_assets.resources import LakehouseResource

from .assets import STATS_DAILY_KEY, stats_daily
from .emr import EmrRun, EmrStepFailed, EmrTarget, EmrTimedOut, command_step, run_steps, spark_submit_step
from .snapshots import GROUP
from .tables import STATS_DAILY

# A new attempt creates a new cluster: retry once, after a pause, for capacity, API hiccups or a
# lost cluster (failed steps on a healthy cluster and timeouts are not retried, see the asset).
EMR_RETRY = RetryPolicy(max_retries=1, delay=60)


class BannerEmrResource(ConfigurableResource):
    """Where and how the banner statistics job runs on EMR. AWS credentials come from boto3's chain."""

    script_uri: str = Field(description="s3:// URI of spark/jobs/banner_stats.py")
    pipes_bucket: str = Field(description="S3 bucket for Dagster Pipes messages from the job")
    cluster_id: Optional[str] = Field(default=None, description="An existing cluster to use (never terminated by Dagster)")
    job_flow: Optional[dict[str, Any]] = Field(default=None, description="run_job_flow parameters for a cluster created per run")
    setup_commands: list[list[str]] = Field(default=[], description="Commands run as steps before the job (e.g. install the package)")
    py_files: list[str] = Field(default=[], description="--py-files for spark-submit (e.g. a zip of lakehouse_assets)")
    spark_submit_args: list[str] = Field(default=[], description="Extra spark-submit arguments")
    deploy_mode: Literal["cluster", "client"] = "cluster"
    job_env: dict[str, str] = Field(default={}, description="Environment of the job's driver (LAKEHOUSE_ROOT, ...); no secrets")
    region_name: Optional[str] = None
    poll_seconds: float = 30.0
    timeout_seconds: float = 4 * 3600.0
    pipes_poll_seconds: float = 10.0

    def target(self) -> EmrTarget:
        return EmrTarget(cluster_id=self.cluster_id) if self.cluster_id else EmrTarget(job_flow=self.job_flow or None)

    def steps_for(self, day: date, pipes_env: Mapping[str, str]) -> list[dict[str, Any]]:
        """The setup commands, then the stats job for `day` with the Pipes bootstrap variables."""
        setup = [command_step(f"banner stats {day}: setup {i}/{len(self.setup_commands)}", cmd) for i, cmd in enumerate(self.setup_commands, 1)]
        job = spark_submit_step(
            f"banner stats {day}",
            self.script_uri,
            [day.isoformat()],
            env={**self.job_env, **pipes_env},
            deploy_mode=self.deploy_mode,
            py_files=self.py_files,
            spark_args=self.spark_submit_args,
        )
        return [*setup, job]

    def emr_client(self) -> Any:
        import boto3

        return boto3.client("emr", region_name=self.region_name)

    def s3_client(self) -> Any:
        import boto3

        return boto3.client("s3", region_name=self.region_name)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def clock(self) -> float:
        return time.monotonic()

    @classmethod
    def from_config_file(cls, path: str, lakehouse_root: str, catalog_uri: str, region_name: Optional[str] = None) -> "BannerEmrResource":
        """The resource from a JSON file, with the lakehouse locations the job must write to.

        The catalog URI is handed to the job only when it carries no password (step arguments are
        visible in the EMR console); otherwise the cluster must set LAKEHOUSE_CATALOG_URI itself.
        """
        from sqlalchemy.engine import make_url

        with open(path, encoding="utf-8") as f:
            config = json.load(f)
        if not lakehouse_root.startswith("s3://"):
            raise ValueError(f"{path}: EMR writes the lakehouse, so LAKEHOUSE_ROOT must be on S3, not {lakehouse_root}")
        catalog = make_url(catalog_uri)
        if catalog.get_backend_name() == "sqlite":
            raise ValueError(f"{path}: EMR cannot reach a SQLite catalog; set LAKEHOUSE_CATALOG_URI to a shared database")
        env = {"LAKEHOUSE_ROOT": lakehouse_root}
        if catalog.password is None:
            env["LAKEHOUSE_CATALOG_URI"] = catalog_uri
        config["job_env"] = {**env, **config.get("job_env", {})}
        config.setdefault("region_name", region_name)
        return cls(**config)


def as_failure(exc: EmrStepFailed | EmrTimedOut) -> Failure:
    """A step that failed on a healthy cluster, or hung, does the same on a new one: no retry then.
    A step lost with its cluster (spot loss, bootstrap failure) is worth the retry."""
    return Failure(str(exc), allow_retries=isinstance(exc, EmrStepFailed) and exc.cluster_lost)


def _emr_metadata(run: EmrRun) -> dict[str, Any]:
    return {
        "emr_cluster_id": run.cluster_id or "",
        "emr_cluster_created": run.created,
        "emr_steps": MetadataValue.json(run.summary()),
    }


@asset(
    key=STATS_DAILY_KEY,
    description=STATS_DAILY.doc + " Computed on EMR: spark/jobs/banner_stats.py as an EMR step, launched and reported through Dagster Pipes.",
    partitions_def=kst_daily_partitions,
    deps=list(stats_daily.dependency_keys),
    group_name=GROUP,
    kinds={"spark", "emr", "iceberg"},
    retry_policy=EMR_RETRY,
)
def stats_daily_on_emr(context: AssetExecutionContext, banner_emr: BannerEmrResource, lakehouse: LakehouseResource) -> MaterializeResult:
    """The day's banner statistics written by an EMR step; the job's own report arrives through Pipes."""
    from dagster import PipesEnvContextInjector, open_pipes_session
    from dagster_aws.pipes import PipesS3MessageReader

    day = partition_day(context)
    reader = PipesS3MessageReader(bucket=banner_emr.pipes_bucket, client=banner_emr.s3_client(), interval=banner_emr.pipes_poll_seconds)
    with open_pipes_session(context=context, message_reader=reader, context_injector=PipesEnvContextInjector()) as session:
        try:
            run = run_steps(
                banner_emr.emr_client(),
                banner_emr.target(),
                banner_emr.steps_for(day, session.get_bootstrap_env_vars()),
                poll_seconds=banner_emr.poll_seconds,
                timeout_seconds=banner_emr.timeout_seconds,
                sleep=banner_emr.sleep,
                clock=banner_emr.clock,
                logger=context.log,
                tags=session.default_remote_invocation_info,
                on_cluster=lambda r: session.report_launched({"extras": {"cluster_id": r.cluster_id}}),
            )
        except (EmrStepFailed, EmrTimedOut) as exc:
            raise as_failure(exc) from exc
    reported = [r for r in session.get_reported_results() if isinstance(r, MaterializeResult)]
    if not reported:
        raise Failure(
            f"the EMR steps completed on cluster {run.cluster_id} but the job reported nothing through Pipes "
            f"(bucket {banner_emr.pipes_bucket}): check that it runs under open_dagster_pipes with an S3 message writer",
            metadata=_emr_metadata(run),
            allow_retries=False,
        )
    lh = lakehouse.lakehouse
    window = partition_window(context, STATS_DAILY)
    rows = lh.row_count(STATS_DAILY, window)
    job_metadata = dict(reported[-1].metadata or {})
    job_rows = job_metadata.pop("dagster/row_count", None)
    job_rows = getattr(job_rows, "value", job_rows)
    if job_rows != rows:
        context.log.warning(f"the job reported {job_rows} rows but {STATS_DAILY.identifier} [{day}] holds {rows}")
    context.log.info(f"{STATS_DAILY.identifier} [{day}]: {rows} banners, on EMR cluster {run.cluster_id}")
    preview = lh.read_arrow(STATS_DAILY, [window]).sort_by("banner_id").slice(0, 10).to_pylist()
    table = table_metadata(STATS_DAILY, rows, lh.table_location(STATS_DAILY), preview=preview, job_rows=job_rows if job_rows is not None else "not reported", **_emr_metadata(run))
    return MaterializeResult(metadata={**job_metadata, **table})


def with_stats_on_emr(assets: Sequence[Any]) -> list[Any]:
    """`assets` with the in-process `banner/stats_daily` replaced by the EMR one (same key, same graph)."""
    kept = [a for a in assets if not (isinstance(a, AssetsDefinition) and STATS_DAILY_KEY in a.keys)]
    if len(kept) != len(assets) - 1:
        raise ValueError("expected exactly one banner/stats_daily definition to replace")
    return [*kept, stats_daily_on_emr]


def stats_on_emr_definitions(banner_defs: Definitions, banner_emr: BannerEmrResource) -> Definitions:
    """The banner Definitions with `banner/stats_daily` on EMR, plus the `banner_emr` resource."""
    return Definitions(
        assets=with_stats_on_emr(list(banner_defs.assets or [])),
        asset_checks=banner_defs.asset_checks,
        jobs=banner_defs.jobs,
        schedules=banner_defs.schedules,
        sensors=banner_defs.sensors,
        resources={**(banner_defs.resources or {}), "banner_emr": banner_emr},
    )
