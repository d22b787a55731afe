"""`weather_drift` on `weather/observations` and `live_model_error` on `ml/temperature_predictions`.

Both are unpartitioned checks over the newest window of their table (as of `as_of`, default now),
so they run alone in `monitoring_checks_job` every 30 minutes. pandas, scipy and MLflow load inside
the check bodies; the verdicts are pure functions of frames (`drift`, `consistency`, `live_error`).
"""

from datetime import datetime, timedelta, timezone
from typing import Any

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, Config, MetadataValue, TableColumn, TableRecord, TableSchema
from pydantic import Field

from lakehouse_assets.assets_common import markdown_preview, table_check, table_key
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.ml.tables import TRAINING_DATASET
from lakehouse_assets.resources import LakehouseResource
from lakehouse_assets.resources.mlflow import MlflowResource
from lakehouse_assets.weather.tables import OBSERVATIONS

from .tables import TEMPERATURE_PREDICTIONS

DRIFT_CHECK, LIVE_ERROR_CHECK = "weather_drift", "live_model_error"
# The weather service publishes a day once it is over: the newest data can be a day and a half old.
LOOKBACK = timedelta(days=3)
DRIFT_COLUMNS = ("feature", "kind", "method", "statistic", "drift when", "verdict", "psi", "reference rows", "current rows")


def as_of_instant(as_of: str) -> datetime:
    if not as_of:
        return datetime.now(timezone.utc)
    instant = datetime.fromisoformat(as_of)
    return instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)


def not_enough_data(reason: str, **metadata: Any) -> AssetCheckResult:
    """Nothing to judge is not a pass: a WARN that says what is missing."""
    return AssetCheckResult(passed=False, severity=AssetCheckSeverity.WARN, description=reason, metadata={"verdict": "not_enough_data", **metadata})


# -- weather_drift --------------------------------------------------------------------------------


class DriftConfig(Config):
    """The window judged and what it is compared with (docs/monitoring.md explains the defaults)."""

    hours: int = Field(default=24, ge=1, le=24 * 7, description="Newest hours of observations judged")
    reference_days: int = Field(default=7, ge=1, le=60, description="Last days of the champion's training window compared with")
    drift_share: float = Field(default=0.5, gt=0, le=1, description="Share of drifted features that makes the dataset drift (ERROR)")
    as_of: str = Field(default="", description="ISO-8601 instant (UTC when no offset); empty: now")


def drift_result(report: Any, current_window: Window, reference_day: str, reference_rows: int) -> AssetCheckResult:
    """WARN for a drifted feature, ERROR for dataset drift; the table of every feature's test."""
    rows = [f.as_row() for f in report.features]
    drifted = report.drifted
    verdict = "dataset drift" if report.dataset_drift else ("feature drift" if drifted else "no drift")
    return AssetCheckResult(
        passed=not drifted,
        severity=AssetCheckSeverity.ERROR if report.dataset_drift else AssetCheckSeverity.WARN,
        description=(
            f"{verdict}: {', '.join(drifted) or 'none'} of {len(rows)} features drifted "
            f"(share {report.drift_share:.2f}, dataset drift at {report.drift_share_threshold:.2f})"
        ),
        metadata={
            "verdict": verdict.replace(" ", "_"),
            "drift_share": round(report.drift_share, 4),
            "drift_share_threshold": report.drift_share_threshold,
            "drifted_features": ", ".join(drifted) or "none",
            "drifted_count": len(drifted),
            "features": MetadataValue.table(
                [TableRecord({k: ("" if r[k] is None else r[k]) for k in DRIFT_COLUMNS}) for r in rows],
                schema=TableSchema(columns=[TableColumn(c, "float" if c in ("statistic", "psi") else "string") for c in DRIFT_COLUMNS]),
            ),
            "drift_table": MetadataValue.md(markdown_preview(rows, limit=len(rows))),
            "current_window": f"{current_window.start:%Y-%m-%d %H:00} .. {current_window.end:%Y-%m-%d %H:00} UTC",
            "reference": f"champion's ml.training_dataset [{reference_day}]: {reference_rows} rows",
        },
    )


@table_check(
    table_key(OBSERVATIONS),
    DRIFT_CHECK,
    "Newest 24 hours of observations vs the champion's training rows of its last 7 days at the same hours: Evidently's "
    "default drift rule per feature on departures from physical consistency (docs/monitoring.md); WARN per drifted feature, "
    "ERROR when half of them drift.",
)
def weather_drift(context: AssetCheckExecutionContext, config: DriftConfig, lakehouse: LakehouseResource, mlflow: MlflowResource) -> AssetCheckResult:
    from . import consistency, drift, registry_lookup

    lh = lakehouse.lakehouse
    as_of = as_of_instant(config.as_of)
    champion = registry_lookup.champion(mlflow.client())
    if champion is None or not champion.training_day:
        return not_enough_data("not enough data: no champion model (with a training_day tag) to compare with yet")
    training_keys = lh.read_arrow(TRAINING_DATASET, [Window.day(datetime.fromisoformat(champion.training_day).date())], ["station_id", "observed_at"]).to_pandas()

    recent = lh.read_arrow(OBSERVATIONS, [Window(as_of - LOOKBACK, as_of)], list(consistency.OBSERVATION_COLUMNS)).to_pandas()
    if recent.empty:
        return not_enough_data(f"not enough data: no observations in the {LOOKBACK.days} days before {as_of:%Y-%m-%d %H:%M} UTC")
    newest = recent["observed_at"].max().to_pydatetime()
    current_window = Window(newest - timedelta(hours=config.hours - 1), newest + timedelta(hours=1))
    keys = consistency.reference_keys(training_keys, config.reference_days, consistency.kst_hours(current_window.start, current_window.end))
    if keys.empty:
        return not_enough_data(f"not enough data: ml.training_dataset has no rows for the champion's training day {champion.training_day}")
    first, last = keys["observed_at"].min().to_pydatetime(), keys["observed_at"].max().to_pydatetime()
    lagged = timedelta(hours=consistency.LAG_HOURS)
    past = lh.read_arrow(OBSERVATIONS, [Window(first - lagged, last + timedelta(hours=1))], list(consistency.OBSERVATION_COLUMNS)).to_pandas()
    ratios = consistency.pressure_ratios(past)
    reference = consistency.consistency_features(past, first, last + timedelta(hours=1), ratios).merge(keys, on=["station_id", "observed_at"])
    current = consistency.consistency_features(recent, current_window.start, current_window.end, ratios)
    context.log.info(f"drift: {len(current)} current rows {current_window.label()}.., {len(reference)} reference rows of v{champion.version}")
    try:
        report = drift.drift_report(reference, current, consistency.NUMERIC, consistency.CATEGORICAL, config.drift_share)
    except drift.EmptyFeature as exc:
        return not_enough_data(f"not enough data: {exc}")
    return drift_result(report, current_window, champion.training_day, len(reference))


# -- live_model_error -------------------------------------------------------------------------------


class LiveErrorConfig(Config):
    """How many hours of joined predictions to judge and how much worse than the holdout is too much."""

    hours: int = Field(default=24, ge=1, le=24 * 7, description="Newest hours of predictions with an observed value")
    min_rows: int = Field(default=48, ge=1, description="Fewer joined predictions than this is 'not enough data'")
    warn_ratio: float = Field(default=1.25, gt=0, description="WARN when live MAE exceeds this times the holdout MAE")
    fail_ratio: float = Field(default=1.5, gt=0, description="ERROR when live MAE exceeds this times the holdout MAE")
    as_of: str = Field(default="", description="ISO-8601 instant (UTC when no offset); empty: now")


def live_error_result(result: Any) -> AssetCheckResult:
    from .live_error import FAIL, NOT_ENOUGH_DATA, OK

    metadata: dict[str, Any] = {"verdict": result.verdict, "joined_rows": result.rows}
    for name, value in (("live_mae", result.mae), ("holdout_mae", result.expected_mae), ("mae_ratio", result.ratio)):
        if value is not None:
            metadata[name] = round(value, 4)
    if result.window_end is not None:
        metadata["window_end"] = f"{result.window_end:%Y-%m-%d %H:00} UTC"
        metadata["model_versions"] = ", ".join(f"v{v}: {n} rows" for v, n in sorted(result.versions.items()))
        metadata["mae_by_hour"] = MetadataValue.json(
            [{"predicted_for": r.predicted_for.isoformat(), "mae": round(float(r.mae), 4), "rows": int(r.rows)} for r in result.mae_by_hour.itertuples()]
        )
        metadata["mae_by_station"] = MetadataValue.md(markdown_preview([{"station_id": s, "mae": m} for s, m in sorted(result.mae_by_station.items())], limit=100))
    if result.verdict == NOT_ENOUGH_DATA:
        return not_enough_data(result.reason, **{k: v for k, v in metadata.items() if k != "verdict"})
    return AssetCheckResult(
        passed=result.verdict == OK,
        severity=AssetCheckSeverity.ERROR if result.verdict == FAIL else AssetCheckSeverity.WARN,
        description=result.reason,
        metadata=metadata,
    )


@table_check(
    table_key(TEMPERATURE_PREDICTIONS),
    LIVE_ERROR_CHECK,
    "MAE of the newest 24 hours of predictions joined to the observed temperature vs the predicting versions' holdout MAE "
    "(MLflow): WARN above 1.25x, ERROR above 1.5x; too few joined rows is 'not enough data'.",
)
def live_model_error(context: AssetCheckExecutionContext, config: LiveErrorConfig, lakehouse: LakehouseResource, mlflow: MlflowResource) -> AssetCheckResult:
    from . import live_error, registry_lookup

    lh = lakehouse.lakehouse
    as_of = as_of_instant(config.as_of)
    predictions = lh.read_arrow(TEMPERATURE_PREDICTIONS, [Window(as_of - LOOKBACK - timedelta(hours=1), as_of - timedelta(hours=1))]).to_pandas()
    observed = lh.read_arrow(OBSERVATIONS, [Window(as_of - LOOKBACK, as_of)], ["station_id", "observed_at", "ta"]).to_pandas()
    pairs = live_error.joined(predictions, observed)
    versions = sorted(set(pairs["model_version"].astype(str))) if len(pairs) else []
    maes = registry_lookup.holdout_maes(mlflow.client(), versions) if versions else {}
    context.log.info(f"live error: {len(predictions)} predictions, {len(pairs)} with an observation, versions {versions or 'none'}")
    result = live_error.live_error(pairs, maes, config.hours, config.min_rows, config.warn_ratio, config.fail_ratio)
    return live_error_result(result)


model_checks = [weather_drift, live_model_error]
