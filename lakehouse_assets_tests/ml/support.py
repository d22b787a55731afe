"""ML test support: sample observations written straight into `weather.observations`, and the
resources of a temporary lakehouse and MLflow store."""

from datetime import date, datetime, timedelta, timezone

import pyarrow as pa
from dagster import DagsterInstance, materialize

from lakehouse_assets.lakehouse.schemas import arrow_schema
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.ml.assets import temperature_model, training_dataset
from lakehouse_assets.ml.champion import champion_assets
from lakehouse_assets.ml.checks import ml_checks
from lakehouse_assets.resources import KmaResource, LakehouseResource, MlflowResource
from lakehouse_assets.sample_data.weather import KST, observation_item
from lakehouse_assets.settings import DEFAULT_KMA_STATIONS
from lakehouse_assets.weather.parse import observation_rows
from lakehouse_assets.weather.tables import OBSERVATIONS

ML_DEFS = [training_dataset, temperature_model, *champion_assets, *ml_checks]


def seed_observations(lakehouse: LakehouseResource, last_day: date, days: int, stations=DEFAULT_KMA_STATIONS) -> Window:
    """Sample observations of `days` KST days up to `last_day`, parsed as the weather asset parses
    them and committed in one go (the weather assets themselves are tested in weather/)."""
    start = datetime(last_day.year, last_day.month, last_day.day, tzinfo=KST) - timedelta(days=days - 1)
    window = Window(start.astimezone(timezone.utc), (start + timedelta(days=days)).astimezone(timezone.utc))
    items = [observation_item(s, start + timedelta(hours=h)) for s in stations for h in range(days * 24)]
    rows, _ = observation_rows(items, window, list(stations), "sample")
    lakehouse.lakehouse.replace_partition_with_arrow(OBSERVATIONS, window, pa.Table.from_pylist(rows, schema=arrow_schema(OBSERVATIONS)))
    return window


def ml_resources(tmp) -> dict:
    return {
        "lakehouse": LakehouseResource(root_uri=(tmp / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp / 'catalog.db'}"),
        "kma": KmaResource(),
        "mlflow": MlflowResource(tracking_uri=f"sqlite:///{tmp / 'mlflow.db'}", artifact_root=(tmp / "mlflow-artifacts").as_uri()),
    }


def run_config(window_days: int, holdout_days: int, model: dict | None = None) -> dict:
    ops = {"ml__training_dataset": {"config": {"window_days": window_days, "holdout_days": holdout_days}}}
    if model is not None:
        ops["ml__temperature_model"] = {"config": model}
    return {"ops": ops}


def train(resources: dict, day: str, config: dict, instance: DagsterInstance | None = None, selection=None, raise_on_error: bool = True):
    return materialize(
        ML_DEFS,
        partition_key=day,
        resources=resources,
        run_config=config,
        instance=instance or DagsterInstance.ephemeral(),
        selection=selection,
        raise_on_error=raise_on_error,
    )


def metadata(result, key) -> dict:
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    return {name: getattr(value, "value", value) for name, value in event.materialization.metadata.items()}


def checks(result) -> dict:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}
