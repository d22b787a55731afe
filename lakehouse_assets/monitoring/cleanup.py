"""`monitoring/retention`: the daily clean-up (the old monitoring DAG's cleanup task) as an asset,
so each run's removals and bytes freed stay in its materialization history."""

from datetime import datetime, timezone

from dagster import AssetExecutionContext, AssetKey, Config, MaterializeResult, MetadataValue, asset
from pydantic import Field

from lakehouse_assets.assets_common import markdown_preview
from lakehouse_assets.ml.tables import EXPERIMENT_NAME, MODEL_NAME
from lakehouse_assets.resources import LakehouseResource, LandingStorage
from lakehouse_assets.resources.mlflow import MlflowResource

from .retention import DEFAULT_LANDING_DAYS

RETENTION_KEY = AssetKey(["monitoring", "retention"])


class RetentionConfig(Config):
    """How long things are kept. Nothing a table's retained snapshot references is ever deleted."""

    snapshot_days: int = Field(default=7, ge=1, description="Expire Iceberg snapshots older than this")
    keep_snapshots: int = Field(default=5, ge=1, description="...but keep at least this many newest snapshots per table")
    orphan_days: int = Field(default=7, ge=1, description="Delete unreferenced files under table locations older than this")
    landing_days: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_LANDING_DAYS), description="Landing prefix -> days kept")
    mlflow_run_days: int = Field(default=30, ge=1, description="Delete MLflow runs older than this that no model version uses")
    dry_run: bool = Field(default=False, description="Report what would go, delete nothing")
    as_of: str = Field(default="", description="ISO-8601 instant the ages are measured from; empty: now")


@asset(
    key=RETENTION_KEY,
    group_name="monitoring",
    kinds={"python", "iceberg", "mlflow"},
    description=(
        "Daily clean-up: expires Iceberg snapshots older than 7 days (keeping the newest 5 per table), deletes their "
        "files and orphan files that no retained snapshot of any table references, landing objects past their prefix's "
        "retention, and MLflow runs that no model version uses. Metadata: what was removed and the bytes freed."
    ),
)
def retention(context: AssetExecutionContext, config: RetentionConfig, lakehouse: LakehouseResource, landing: LandingStorage, mlflow: MlflowResource) -> MaterializeResult:
    """Tables first (they define what is protected), then landing, then MLflow."""
    from .retention import clean_landing, clean_mlflow_runs, summary_rows
    from .table_retention import clean_tables

    now = datetime.fromisoformat(config.as_of) if config.as_of else datetime.now(timezone.utc)
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    lh = lakehouse.lakehouse
    report, protected = clean_tables(lh.catalog, now, config.snapshot_days, config.keep_snapshots, config.orphan_days, config.dry_run)
    landing_io = lh.file_io(landing.uri())
    clean_landing(landing, landing_io, now, config.landing_days, protected, report, config.dry_run)
    clean_mlflow_runs(mlflow.client(), EXPERIMENT_NAME, MODEL_NAME, now, config.mlflow_run_days, report, config.dry_run)
    for error in report.errors[:20]:
        context.log.warning(f"not removed: {error}")
    rows = summary_rows(report)
    context.log.info(("dry run: would remove " if config.dry_run else "removed ") + ", ".join(f"{r['count']} {r['removed']}" for r in rows))
    return MaterializeResult(
        metadata={
            "dry_run": config.dry_run,
            "bytes_freed": report.bytes(),
            **{f"{r['removed']}s_removed": r["count"] for r in rows},
            "files_protected": report.protected_files,
            "errors": len(report.errors),
            "summary": MetadataValue.md(markdown_preview(rows)),
            "removed": MetadataValue.md(markdown_preview([{"kind": r.kind, "location": r.location, "bytes": r.bytes} for r in report.removed], limit=50)),
        }
    )
