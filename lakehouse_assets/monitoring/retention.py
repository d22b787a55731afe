"""Landing and MLflow clean-up (no Dagster), after the tables' (`table_retention`).

- Landing objects under each configured prefix (raw weather responses, event files) older than
  that prefix's retention; a prefix not configured is never touched (images stay: image_metadata
  rows point at them). An object that a table's retained snapshot references is kept.
- MLflow runs of the experiment older than the retention that no registered model version was
  made from: deleted (MLflow's soft delete; `mlflow gc` frees their artifacts).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from .table_retention import CleanupReport, Removal, key

# Prefix -> days. Raw responses and event files are kept a month: Bronze and the observations
# table hold what they said, and a month covers any backfill worth re-parsing.
DEFAULT_LANDING_DAYS: dict[str, int] = {"weather/": 30, "events/": 30}


def clean_landing(
    landing: Any,
    file_io: Any,
    now: datetime,
    days_by_prefix: Mapping[str, int],
    protected: set[str],
    report: CleanupReport,
    dry_run: bool = False,
) -> None:
    """Delete landing objects older than their prefix's retention (listing is the storage's own)."""
    for prefix, days in sorted(days_by_prefix.items()):
        cutoff = now - timedelta(days=days)
        for obj in landing.list_objects(prefix):
            location = landing.uri(obj.key)
            if obj.last_modified >= cutoff or key(location) in protected:
                continue
            try:
                if not dry_run:
                    file_io.delete(location)
            except FileNotFoundError:
                continue
            except OSError as exc:
                report.errors.append(f"{location}: {exc}")
                continue
            report.removed.append(Removal("landing_object", location, obj.size))


def clean_mlflow_runs(client: Any, experiment_name: str, model_name: str, now: datetime, days: int, report: CleanupReport, dry_run: bool = False) -> None:
    """Delete the experiment's runs older than `days` that no version of `model_name` came from."""
    experiment = client.get_experiment_by_name(experiment_name)
    if experiment is None:
        return
    used = {v.run_id for v in client.search_model_versions(f"name = '{model_name}'")}
    cutoff_ms = (now - timedelta(days=days)).timestamp() * 1000
    page_token = None
    while True:
        runs = client.search_runs([experiment.experiment_id], max_results=500, page_token=page_token)
        for run in runs:
            if run.info.run_id in used or run.info.start_time is None or run.info.start_time >= cutoff_ms:
                continue
            if not dry_run:
                client.delete_run(run.info.run_id)
            report.removed.append(Removal("mlflow_run", f"{experiment_name}/{run.info.run_id}"))
        page_token = runs.token
        if not page_token:
            return


def summary_rows(report: CleanupReport) -> list[dict[str, Any]]:
    kinds = ("snapshot", "expired_file", "orphan_file", "landing_object", "mlflow_run")
    return [{"removed": kind, "count": report.count(kind), "bytes": report.bytes(kind)} for kind in kinds]
