"""Every place a secret could end up, as (place, what, text) triples: the instance's event log, run
records and snapshots, asset and check metadata, failure messages with stack traces, the files under
DAGSTER_HOME (compute logs, SQLite storages), the files under the lakehouse root (reports, landing,
table metadata, MLflow artifacts), the MLflow tracking store, and texts the test kept (Python log
records, alert payloads, sensor results)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

from dagster import AssetCheckKey, DagsterEventType, DagsterInstance, serialize_value

Text = tuple[str, str, str]  # (place, what, text)
PAGE = 1000


def event_log(instance: DagsterInstance) -> Iterator[Text]:
    for run in instance.get_runs():
        for entry in instance.all_logs(run.run_id):
            yield "event log", f"run {run.run_id[:8]} {entry.dagster_event_type or 'log'}", serialize_value(entry)


def run_records(instance: DagsterInstance) -> Iterator[Text]:
    """Run config and tags, and the job snapshot the UI shows (resource config included)."""
    for run in instance.get_runs():
        yield "run records", f"run {run.run_id[:8]}", serialize_value(run)
        yield "job snapshots", f"job {run.job_name}", serialize_value(instance.get_job_snapshot(run.job_snapshot_id))
        if run.execution_plan_snapshot_id:
            plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
            yield "execution plans", f"job {run.job_name}", serialize_value(plan)


def failures(instance: DagsterInstance) -> Iterator[Text]:
    """Run and step failure messages with their stack traces and causes, as the UI renders them."""
    kinds = (DagsterEventType.RUN_FAILURE, DagsterEventType.STEP_FAILURE, DagsterEventType.ENGINE_EVENT, DagsterEventType.STEP_UP_FOR_RETRY)
    for run in instance.get_runs():
        for entry in instance.all_logs(run.run_id, of_type=set(kinds)):
            data = entry.dagster_event.event_specific_data
            error = getattr(data, "error", None) or getattr(getattr(data, "step_failure_data", None), "error", None)
            yield "failure messages", f"run {run.run_id[:8]} {entry.dagster_event_type}", f"{entry.message}\n{error.to_string() if error else ''}"


def asset_metadata(instance: DagsterInstance) -> Iterator[Text]:
    for key in instance.get_asset_keys():
        records = instance.fetch_materializations(key, limit=PAGE).records
        for record in records:
            materialization = record.asset_materialization
            yield "asset metadata", key.to_user_string(), serialize_value(materialization.metadata) + (materialization.description or "")


def check_metadata(instance: DagsterInstance) -> Iterator[Text]:
    check_keys = set()
    for run in instance.get_runs():
        for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED):
            planned = entry.dagster_event.event_specific_data
            check_keys.add(AssetCheckKey(planned.asset_key, planned.check_name))
    for key in sorted(check_keys, key=lambda k: k.to_user_string()):
        for record in instance.event_log_storage.get_asset_check_execution_history(key, limit=PAGE):
            yield "check metadata", key.to_user_string(), serialize_value(record.event) if record.event else ""


def files(place: str, root: Path) -> Iterator[Text]:
    """Every file's bytes as text (binary files too: a secret would still show as its bytes)."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        yield place, str(path.relative_to(root)), path.read_bytes().decode("utf-8", errors="replace")


def mlflow_store(client: Any) -> Iterator[Text]:
    """Runs (params, tags, metrics, artifact location) and registered model versions."""
    for experiment in client.search_experiments():
        yield "mlflow", f"experiment {experiment.name}", repr(experiment)
        for run in client.search_runs([experiment.experiment_id], max_results=PAGE):
            yield "mlflow", f"run {run.info.run_id[:8]}", repr(run.info) + repr(run.data.params) + repr(run.data.tags) + repr(run.data.metrics)
    for model in client.search_registered_models():
        yield "mlflow", f"model {model.name}", repr(model)
        for version in client.search_model_versions(f"name='{model.name}'"):
            yield "mlflow", f"model {model.name} v{version.version}", repr(version)


def kept(place: str, texts: Iterable[str]) -> Iterator[Text]:
    for index, text in enumerate(texts):
        yield place, f"#{index}", text
