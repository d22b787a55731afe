"""The ML domain's declared contract: the training-dataset table and the MLflow names.

Other domains (monitoring, serving) import these names; dashboards and alert rules look them up,
so they stay exactly as `docs/contracts` spells them.
"""

from __future__ import annotations

from typing import Any

from lakehouse_assets.lakehouse.tables import Column, TableSpec, Window

# MLflow
EXPERIMENT_NAME = "weather_temperature"
MODEL_NAME = "weather_temperature_next_hour"
CHALLENGER_ALIAS = "challenger"  # the newest trained version
CHAMPION_ALIAS = "champion"  # the version serving predictions
TAG_TRAINING_DAY = "training_day"
TAG_DAGSTER_RUN_ID = "dagster_run_id"
TAG_PROMOTION = "promotion"  # promoted | refused
TAG_PROMOTION_REASON = "promotion_reason"
PROMOTED, REFUSED = "promoted", "refused"
MODEL_ARTIFACT_NAME = "model"

# Features of hour t, in model input order; `station_id` is categorical.
STATION_COLUMN = "station_id"
NUMERIC_FEATURES = (
    "ta",
    "hm",
    "ws",
    "wd_sin",
    "wd_cos",
    "pa",
    "pa_change_3h",
    "rn",
    "ta_lag_1",
    "ta_lag_2",
    "ta_lag_3",
    "hour_sin",
    "hour_cos",
    "doy_sin",
    "doy_cos",
)
FEATURE_COLUMNS = (STATION_COLUMN, *NUMERIC_FEATURES)
TARGET_COLUMN = "target_ta_next_hour"
TRAIN, HOLDOUT = "train", "holdout"

_FEATURE_DOCS = {
    "ta": "Air temperature at hour t, °C",
    "hm": "Relative humidity, %",
    "ws": "Wind speed, m/s",
    "wd_sin": "sin of the wind direction (0 when calm)",
    "wd_cos": "cos of the wind direction (0 when calm)",
    "pa": "Station pressure, hPa",
    "pa_change_3h": "pa(t) - pa(t-3h), hPa",
    "rn": "Precipitation, mm",
    "ta_lag_1": "ta at t-1h, °C",
    "ta_lag_2": "ta at t-2h, °C",
    "ta_lag_3": "ta at t-3h, °C",
    "hour_sin": "sin of the KST hour of day",
    "hour_cos": "cos of the KST hour of day",
    "doy_sin": "sin of the KST day of year",
    "doy_cos": "cos of the KST day of year",
}

TRAINING_DATASET = TableSpec(
    "ml",
    "training_dataset",
    (
        Column(STATION_COLUMN, "int", "ASOS station id (a categorical feature)"),
        Column("observed_at", "timestamp", "Hour t in UTC (the features' hour; the target is t+1h)"),
        Column("split", "string", "train, or holdout for the window's last days"),
        Column("training_day", "date", "The KST day whose model this dataset trains (the partition)"),
        *(Column(name, "double", _FEATURE_DOCS[name]) for name in NUMERIC_FEATURES),
        Column(TARGET_COLUMN, "double", "ta at t+1h, °C"),
    ),
    partition_column="training_day",
    partition_transform="identity",
    doc="Features and target of one training day's window: exactly what that day's model saw (train) and was judged on (holdout).",
)


def read_dataset(lakehouse: Any, day: Any, split: str | None = None) -> Any:
    """The day's `ml.training_dataset` partition (of a `LakehouseResource`) as pandas, optionally one split."""
    frame = lakehouse.lakehouse.read_arrow(TRAINING_DATASET, [Window.day(day)]).to_pandas()
    return frame if split is None else frame[frame["split"] == split].reset_index(drop=True)
