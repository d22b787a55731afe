"""`monitoring/report`: every 30 minutes, after the checks, a Markdown report with plots in the UI
and under `<LAKEHOUSE_ROOT>/reports/monitoring/` (a history anyone can open)."""

import base64
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

from dagster import AssetCheckKey, AssetExecutionContext, AssetKey, Config, MaterializeResult, MetadataValue, asset
from pydantic import Field

from lakehouse_assets.assets_common import markdown_preview, table_key
from lakehouse_assets.resources import LakehouseResource
from lakehouse_assets.weather.tables import OBSERVATIONS

from .checks import DRIFT_CHECK, LIVE_ERROR_CHECK
from .tables import REPORTS_FOLDER, TEMPERATURE_PREDICTIONS

REPORT_KEY = AssetKey(["monitoring", "report"])
DRIFT_KEY = AssetCheckKey(table_key(OBSERVATIONS), DRIFT_CHECK)
LIVE_ERROR_KEY = AssetCheckKey(table_key(TEMPERATURE_PREDICTIONS), LIVE_ERROR_CHECK)
HISTORY_PAGE = 100


class ReportConfig(Config):
    hours: int = Field(default=24, ge=1, le=24 * 14, description="Check outcomes of this many hours")
    live_error_days: int = Field(default=7, ge=1, le=60, description="live_model_error history shown")


def executions_since(instance: Any, key: AssetCheckKey, since: datetime) -> Iterator[Any]:
    """The check's executions newer than `since`, newest first (paged by execution id)."""
    cursor = None
    while True:
        page = instance.event_log_storage.get_asset_check_execution_history(key, limit=HISTORY_PAGE, cursor=cursor)
        for record in page:
            if record.create_timestamp < since.timestamp():
                return
            yield record
        if len(page) < HISTORY_PAGE:
            return
        cursor = page[-1].id


def _all_check_keys(context: AssetExecutionContext) -> set[AssetCheckKey]:
    """Every check of the code location. A run launched in-process (`execute_in_process`) has no
    repository, and then only monitoring's own checks are reported."""
    try:
        return set(context.repository_def.asset_graph.asset_check_keys) | {DRIFT_KEY, LIVE_ERROR_KEY}
    except Exception:  # Dagster raises a bare invariant error when the run has no repository
        context.log.warning("this run has no repository: the report covers only the monitoring checks")
        return {DRIFT_KEY, LIVE_ERROR_KEY}


def _evaluation(record: Any) -> Any:
    event = record.event.dagster_event if record.event is not None else None
    return event.asset_check_evaluation_data if event is not None and event.event_type_value == "ASSET_CHECK_EVALUATION" else None


def outcome_of(record: Any) -> Any:
    from .report import ERRORED, FAILED, PASSED, WARNED, CheckOutcome

    status = record.status.value
    evaluation = _evaluation(record)
    if status == "EXECUTION_FAILED":
        outcome = ERRORED
    elif evaluation is None:  # planned (still running) or skipped
        return None
    elif evaluation.passed:
        outcome = PASSED
    else:
        outcome = FAILED if evaluation.severity.value == "ERROR" else WARNED
    at = datetime.fromtimestamp(record.event.timestamp if record.event else record.create_timestamp, timezone.utc)
    return CheckOutcome(record.key.asset_key.to_user_string(), record.key.name, outcome, at, record.partition, evaluation.description if evaluation else None)


def _metadata_value(evaluation: Any, name: str) -> Any:
    value = evaluation.metadata.get(name) if evaluation is not None else None
    return getattr(value, "value", value)


@asset(
    key=REPORT_KEY,
    group_name="monitoring",
    kinds={"python", "matplotlib"},
    description=(
        "Markdown report of the last 24 hours: every check's outcomes across all domains (from the instance's "
        "evaluation records), the newest weather drift table and the live model error over time, with PNG plots; "
        "shown here and written to <LAKEHOUSE_ROOT>/reports/monitoring/YYYY/MM/DD/HHMM/."
    ),
)
def monitoring_report(context: AssetExecutionContext, config: ReportConfig, lakehouse: LakehouseResource) -> MaterializeResult:
    """Gather outcomes, drift and live error from the instance; render; write; show."""
    from .report import LiveErrorPoint, outcome_table, render

    now = datetime.now(timezone.utc)
    since = now - timedelta(hours=config.hours)
    instance = context.instance
    outcomes = []
    for key in sorted(_all_check_keys(context), key=lambda k: k.to_user_string()):
        outcomes += [o for o in map(outcome_of, executions_since(instance, key, since)) if o is not None]

    drift = next((_evaluation(r) for r in executions_since(instance, DRIFT_KEY, now - timedelta(days=7)) if _evaluation(r)), None)
    live_records = [r for r in executions_since(instance, LIVE_ERROR_KEY, now - timedelta(days=config.live_error_days)) if _evaluation(r)]
    live_points = [
        LiveErrorPoint(
            datetime.fromtimestamp(r.event.timestamp, timezone.utc),
            _metadata_value(_evaluation(r), "live_mae"),
            _metadata_value(_evaluation(r), "holdout_mae"),
            str(_metadata_value(_evaluation(r), "verdict")),
        )
        for r in reversed(live_records)
    ]
    by_hour = _metadata_value(_evaluation(live_records[0]), "mae_by_hour") if live_records else None
    report = render(
        now,
        config.hours,
        outcomes,
        markdown_preview(outcome_table(outcomes), limit=max(1, len(outcomes))),
        _metadata_value(drift, "drift_table"),
        drift.description if drift is not None else None,
        live_points,
        by_hour or [],
    )
    folder = f"{lakehouse.root_uri.rstrip('/')}/{REPORTS_FOLDER}/{now:%Y/%m/%d/%H%M}"
    written = write_report(folder, report, lakehouse)
    context.log.info(f"report with {len(outcomes)} check outcomes and {len(report.images)} plots written to {folder}")
    inline = report.markdown
    for name, png in report.images.items():
        inline = inline.replace(f"]({name})", f"](data:image/png;base64,{base64.b64encode(png).decode('ascii')})")
    return MaterializeResult(
        metadata={
            "report": MetadataValue.md(inline),
            "report_location": MetadataValue.path(f"{folder}/report.md"),
            "check_evaluations": len(outcomes),
            "checks_failing_now": sum(1 for row in outcome_table(outcomes) if row["newest"] != "passed"),
            "bytes_written": written,
        }
    )


def write_report(folder: str, report: Any, lakehouse: LakehouseResource) -> int:
    """report.md and its PNGs under `folder` (a local path or s3://), through the tables' file IO."""
    from pathlib import Path
    from urllib.parse import urlparse

    from pyiceberg.io import load_file_io

    props = {k: v for k, v in (("s3.endpoint", lakehouse.s3_endpoint), ("s3.region", lakehouse.s3_region)) if v}
    io = load_file_io(props, location=folder)
    if urlparse(folder).scheme in ("", "file"):
        Path(urlparse(folder).path).mkdir(parents=True, exist_ok=True)
    files = {"report.md": report.markdown.encode("utf-8"), **report.images}
    for name, body in files.items():
        with io.new_output(f"{folder}/{name}").create(overwrite=True) as stream:
            stream.write(body)
    return sum(len(body) for body in files.values())


monitoring_assets = [monitoring_report]
