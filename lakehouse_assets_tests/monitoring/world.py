"""A small monitored world on temp dirs: sample observations, a champion trained on a 15-day window (holdout: the last 7)
(MLflow on SQLite), its predictions for the next KST day, and resources for every check.

The champion is trained for KST day 2026-11-19; the "current" day is 2026-11-20 KST, which the
weather service serves from 2026-11-21 00:00 KST, so the checks run `as_of` 2026-11-21 12:00 KST.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from lakehouse_assets.lakehouse.schemas import arrow_schema
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.ml import features, registry, training
from lakehouse_assets.ml.predictions import prediction_rows
from lakehouse_assets.ml.tables import CHAMPION_ALIAS, EXPERIMENT_NAME, MODEL_NAME, TAG_TRAINING_DAY, TRAIN, HOLDOUT, TRAINING_DATASET
from lakehouse_assets.monitoring.tables import TEMPERATURE_PREDICTIONS
from lakehouse_assets.resources import AlertWebhookResource, DatabaseResource, LakehouseResource, LocalLandingStorage, MlflowResource
from lakehouse_assets.sample_data.weather import observation_item
from lakehouse_assets.weather.parse import observation_rows
from lakehouse_assets.weather.tables import OBSERVATIONS

UTC = timezone.utc
STATIONS = (108, 159, 143, 112, 156, 133, 152, 184)
TRAINING_DAY = date(2026, 11, 19)
WINDOW = features.DatasetWindow.ending_on(TRAINING_DAY, window_days=15, holdout_days=7)
CURRENT = Window(WINDOW.end, WINDOW.end + timedelta(days=1))  # KST day 2026-11-20, in UTC
AS_OF = "2026-11-21T12:00:00+09:00"


def sample_observations(window: Window) -> pd.DataFrame:
    hours = int((window.end - window.start) / timedelta(hours=1))
    items = [observation_item(s, window.start + timedelta(hours=h)) for s in STATIONS for h in range(hours)]
    rows, _ = observation_rows(items, window, STATIONS, "sample")
    return pd.DataFrame(rows)


def write_observations(lakehouse: Any, frame: pd.DataFrame, window: Window) -> None:
    lakehouse.replace_partition_with_arrow(OBSERVATIONS, window, pa.Table.from_pandas(frame, schema=arrow_schema(OBSERVATIONS), preserve_index=False))


@dataclass
class World:
    resources: dict[str, Any]
    observations: pd.DataFrame  # everything written to weather.observations
    champion_version: str
    holdout_mae: float

    @property
    def lakehouse(self) -> Any:
        return self.resources["lakehouse"].lakehouse


def build_world(root: Path) -> World:
    lakehouse_resource = LakehouseResource(root_uri=(root / "lake").as_uri(), catalog_uri=f"sqlite:///{root / 'catalog.db'}")
    mlflow_resource = MlflowResource(tracking_uri=f"sqlite:///{root / 'mlflow.db'}", artifact_root=(root / "mlflow-artifacts").as_uri())
    lakehouse = lakehouse_resource.lakehouse
    everything = Window(WINDOW.start - timedelta(hours=3), CURRENT.end)
    observations = sample_observations(everything)
    write_observations(lakehouse, observations, everything)

    dataset, _ = features.build_dataset(observations, STATIONS, WINDOW)
    lakehouse.replace_partition_with_arrow(TRAINING_DATASET, Window.day(TRAINING_DAY), pa.Table.from_pandas(dataset, preserve_index=False))
    train, holdout = dataset[dataset["split"] == TRAIN], dataset[dataset["split"] == HOLDOUT]
    model = training.fit(train, list(training.FEATURE_COLUMNS), training.HIST_GRADIENT_BOOSTING, max_iter=100, random_state=0)
    mlflow_resource.client()
    experiment_id = mlflow_resource.experiment_id(EXPERIMENT_NAME)
    holdout_mae = float((pd.Series(training.predict(model, holdout)) - holdout["target_ta_next_hour"].to_numpy()).abs().mean())
    run_id, version = registry.log_trained_model(
        experiment_id, model, training.model_input(train, training.FEATURE_COLUMNS), {"estimator": training.HIST_GRADIENT_BOOSTING}, {"holdout_mae": holdout_mae},
        "test champion", {TAG_TRAINING_DAY: TRAINING_DAY.isoformat()},
    )
    mlflow_resource.client().set_registered_model_alias(MODEL_NAME, CHAMPION_ALIAS, version)
    write_predictions(lakehouse, observations, model, version, run_id)
    resources = {
        "lakehouse": lakehouse_resource,
        "mlflow": mlflow_resource,
        "landing": LocalLandingStorage(root=str(root / "landing")),
        "banner_db": DatabaseResource(url=f"sqlite:///{root / 'banner.db'}"),
        "banner_export_db": DatabaseResource(url=f"sqlite:///{root / 'banner.db'}"),
        "alert_webhook": AlertWebhookResource(),
    }
    return World(resources, observations, version, holdout_mae)


def write_predictions(lakehouse: Any, observations: pd.DataFrame, model: Any, version: str, run_id: str) -> None:
    """What `ml/temperature_predictions` writes for every hour of the current day (its rows, from
    the same feature functions), in one commit instead of one run per hour."""
    grid = features.add_features(features.hourly_grid(observations, STATIONS, CURRENT.start - timedelta(hours=3), CURRENT.end - timedelta(hours=1)))
    lags = [f"ta_lag_{lag}" for lag in features.LAGS]
    usable = grid[(grid["observed_at"] >= pd.Timestamp(CURRENT.start)) & grid["ta"].notna() & grid[lags].notna().all(axis=1)]
    predicted = training.predict(model, usable)
    rows = []
    for hour, inputs in usable.assign(predicted=predicted).groupby("observed_at"):
        rows += prediction_rows(inputs, inputs["predicted"], hour.to_pydatetime(), version, run_id, datetime(2026, 11, 21, tzinfo=UTC))
    lakehouse.replace_partition_with_arrow(TEMPERATURE_PREDICTIONS, CURRENT, pa.Table.from_pylist(rows, schema=arrow_schema(TEMPERATURE_PREDICTIONS)))
