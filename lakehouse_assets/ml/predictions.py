"""`ml/temperature_predictions`: the champion's next-hour temperature per station, hourly (UTC).

Partition t holds predictions for t+1h made from the features of hour t (observations t-3h..t,
through the same `features` functions the training dataset uses). The partition is written when
hour t's observations are in: the weather service publishes a KST day once it is over, so
predictions, like the observations, arrive a day late, and each is judged by `live_model_error` as
soon as the observation of t+1h lands. The version that predicted is stored with each row.
"""

from datetime import datetime, timedelta, timezone
from typing import Any

from dagster import AssetExecutionContext, AutomationCondition, MaterializeResult, asset

from lakehouse_assets.assets_common import IO_RETRY, hourly_partitions, partition_hour, table_key, table_result
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.monitoring.tables import TEMPERATURE_PREDICTIONS
from lakehouse_assets.resources import KmaResource, LakehouseResource
from lakehouse_assets.resources.mlflow import MlflowResource
from lakehouse_assets.weather.tables import OBSERVATIONS

from .tables import CHAMPION_ALIAS

PREDICTIONS_KEY = table_key(TEMPERATURE_PREDICTIONS)


def prediction_rows(inputs: Any, predicted: Any, hour: datetime, version: str, run_id: str, now: datetime) -> list[dict[str, Any]]:
    """Rows of `ml.temperature_predictions` for one hour t: a prediction of ta at t+1h per station."""
    return [
        {
            "station_id": int(station),
            "observed_at": hour,
            "predicted_for": hour + timedelta(hours=1),
            "prediction": float(value),
            "model_version": str(version),
            "model_run_id": run_id,
            "predicted_at": now,
        }
        for station, value in zip(inputs["station_id"], predicted)
    ]
# A day of observations lands at once: follow every hour of the last three days, not only the newest.
follow_observations = AutomationCondition.eager().replace(
    "in_latest_time_window", AutomationCondition.in_latest_time_window(timedelta(days=3))
)


@asset(
    key=PREDICTIONS_KEY,
    partitions_def=hourly_partitions,
    deps=[table_key(OBSERVATIONS)],
    group_name="ml",
    kinds={"python", "sklearn", "iceberg"},
    retry_policy=IO_RETRY,
    automation_condition=follow_observations,
)
def temperature_predictions(context: AssetExecutionContext, lakehouse: LakehouseResource, kma: KmaResource, mlflow: MlflowResource) -> MaterializeResult:
    """For each station with the features of hour t (ta and its three lags present), the `champion`
    version's prediction of ta at t+1h, with the version and its MLflow run. Without a champion
    yet, the partition is written empty and says so. Replaces the hour's partition of
    `ml.temperature_predictions`."""
    import pyarrow as pa

    from lakehouse_assets.lakehouse.schemas import arrow_schema

    from . import features, registry, training

    hour = partition_hour(context)
    lh = lakehouse.lakehouse
    observations = lh.read_arrow(
        OBSERVATIONS, [Window(hour - timedelta(hours=max(features.LAGS)), hour + timedelta(hours=1))], columns=features.OBSERVATION_COLUMNS
    ).to_pandas()
    stations = sorted(set(kma.stations) | set(observations["station_id"].astype(int)))
    inputs = features.latest_features(observations, stations, hour)

    champion = registry.alias_version(mlflow.client(), CHAMPION_ALIAS)
    rows = []
    if champion is None:
        context.log.warning(f"no {CHAMPION_ALIAS} model yet: nothing predicted for {hour:%Y-%m-%dT%H} UTC (train one: training_daily_job)")
    elif len(inputs):
        predicted = training.predict(registry.load_version(champion.version), inputs)
        rows = prediction_rows(inputs, predicted, hour, champion.version, champion.run_id, datetime.now(timezone.utc))
    lh.replace_partition_with_arrow(TEMPERATURE_PREDICTIONS, Window.hour(hour), pa.Table.from_pylist(rows, schema=arrow_schema(TEMPERATURE_PREDICTIONS)))
    missing = sorted(set(stations) - {r["station_id"] for r in rows})
    context.log.info(f"{TEMPERATURE_PREDICTIONS.identifier} [{context.partition_key}]: {len(rows)} predictions, no features for {missing or 'none'}")
    return table_result(
        TEMPERATURE_PREDICTIONS,
        len(rows),
        lh,
        preview=rows,
        model_version=str(champion.version) if champion is not None else "none",
        predicted_for=f"{hour + timedelta(hours=1):%Y-%m-%d %H:00} UTC",
        stations_predicted=len(rows),
        stations_without_features=len(missing),
        station_ids_without_features=", ".join(map(str, missing)) or "none",
    )
