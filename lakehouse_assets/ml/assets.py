"""ML assets, daily per KST day: `ml/training_dataset` -> `ml/temperature_model` (an MLflow run and
a registered version with alias `challenger`). Evaluation and the champion decision: `champion.py`.

The transforms live in `features` and `training`, the registry side in `registry`; pandas,
scikit-learn and MLflow load inside the asset bodies.
"""

from typing import Literal

from dagster import AllPartitionMapping, AssetDep, AssetExecutionContext, Config, Failure, MaterializeResult, MetadataValue, asset
from pydantic import Field

from lakehouse_assets.assets_common import IO_RETRY, KST, check_spec, kst_daily_partitions, partition_day, table_key, table_metadata
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import KmaResource, LakehouseResource
from lakehouse_assets.resources.mlflow import MlflowResource
from lakehouse_assets.weather.tables import OBSERVATIONS

from .checks import readiness_result
from .keys import DATASET_KEY, MODEL_KEY, READINESS_CHECK
from .tables import CHALLENGER_ALIAS, EXPERIMENT_NAME, FEATURE_COLUMNS, MODEL_NAME, TAG_DAGSTER_RUN_ID, TAG_TRAINING_DAY, TRAIN, TRAINING_DATASET, read_dataset

GROUP = "ml"


class TrainingWindowConfig(Config):
    """The window of observations a training day uses, and how complete it must be."""

    window_days: int = Field(default=60, description="KST days up to and including the partition's day")
    holdout_days: int = Field(default=7, description="The window's last days, held out for evaluation")
    min_station_hour_share: float = Field(default=0.9, description="data_readiness: least share of the window's hours with a temperature, per station")


@asset(
    key=DATASET_KEY,
    partitions_def=kst_daily_partitions,
    group_name=GROUP,
    kinds={"python", "pandas", "iceberg"},
    retry_policy=IO_RETRY,
    # A rolling window of the hourly UTC table: no time-window mapping joins UTC hours to KST days,
    # so the dependency is on the table as a whole and data_readiness judges the window's hours.
    deps=[AssetDep(table_key(OBSERVATIONS), partition_mapping=AllPartitionMapping())],
    check_specs=[check_spec(TRAINING_DATASET, READINESS_CHECK, "Every station has at least min_station_hour_share of the window's hours with a temperature; blocks training otherwise.", blocking=True)],
)
def training_dataset(context: AssetExecutionContext, config: TrainingWindowConfig, lakehouse: LakehouseResource, kma: KmaResource) -> MaterializeResult:
    """Features of hour t and ta at t+1h per station for the `window_days` KST days up to the
    partition's day, from `weather/observations`; the last `holdout_days` are the holdout.
    Rows without target, temperature or lags are dropped and counted by reason. Replaces the day's
    partition of `ml.training_dataset`, so any engine can read what a model saw."""
    import pyarrow as pa

    from . import features

    day = partition_day(context)
    try:
        window = features.DatasetWindow.ending_on(day, config.window_days, config.holdout_days)
    except ValueError as exc:
        raise Failure(description=str(exc), allow_retries=False) from None
    lh = lakehouse.lakehouse
    observations = lh.read_arrow(OBSERVATIONS, [Window(window.start, window.end)], columns=features.OBSERVATION_COLUMNS).to_pandas()
    stations = sorted(set(kma.stations) | set(observations["station_id"].astype(int)))
    dataset, report = features.build_dataset(observations, stations, window)
    lh.replace_partition_with_arrow(TRAINING_DATASET, Window.day(day), pa.Table.from_pandas(dataset, preserve_index=False))

    readiness = readiness_result(report.hours_with_ta, window.hours, config.min_station_hour_share)
    context.log.info(f"ml.training_dataset [{day}]: {report.train_rows} train + {report.holdout_rows} holdout rows, dropped {report.dropped}")
    return MaterializeResult(
        metadata=table_metadata(
            TRAINING_DATASET,
            len(dataset),
            lh.table_location(TRAINING_DATASET),
            preview=dataset.head(10).to_dict("records"),
            window=f"{window.start.astimezone(KST):%Y-%m-%d} .. {day} KST ({window.hours} hours)",
            holdout_from=f"{window.holdout_start.astimezone(KST):%Y-%m-%d} KST",
            stations=len(stations),
            train_rows=report.train_rows,
            holdout_rows=report.holdout_rows,
            grid_rows=report.grid_rows,
            **{f"dropped_{reason}": count for reason, count in report.dropped.items()},
        ),
        check_results=[readiness],
    )


class TemperatureModelConfig(Config):
    """The model and its hyperparameters (shown in the run's config)."""

    estimator: Literal["hist_gradient_boosting", "ridge"] = Field(default="hist_gradient_boosting")
    features: list[str] = Field(default_factory=lambda: list(FEATURE_COLUMNS), description="Inputs, a subset of the dataset's features")
    max_iter: int = Field(default=200, description="Boosting iterations")
    learning_rate: float = 0.1
    max_leaf_nodes: int = 31
    min_samples_leaf: int = 20
    l2_regularization: float = 0.0
    alpha: float = Field(default=1.0, description="Ridge regularisation")
    random_state: int = 0


@asset(
    key=MODEL_KEY,
    partitions_def=kst_daily_partitions,
    group_name=GROUP,
    kinds={"python", "sklearn", "mlflow"},
    retry_policy=IO_RETRY,
    deps=[DATASET_KEY],
)
def temperature_model(context: AssetExecutionContext, config: TemperatureModelConfig, lakehouse: LakehouseResource, mlflow: MlflowResource) -> MaterializeResult:
    """A scikit-learn pipeline (station as a category; gradient boosting by default, learning the
    change from ta at t) trained on the day's train split, logged to MLflow experiment
    `weather_temperature` (params, metrics, signature, input example) and registered as a new
    version of `weather_temperature_next_hour` with alias `challenger` and tags `training_day` and
    `dagster_run_id`."""
    from . import registry, training
    from .evaluation import scores

    day = partition_day(context)
    train = read_dataset(lakehouse, day, TRAIN)
    if train.empty:
        raise Failure(description=f"ml.training_dataset has no train rows for {day}: materialize ml/training_dataset first", allow_retries=False)
    hyperparameters = training.hyperparameters(config.estimator, config.model_dump())
    try:
        model = training.fit(train, config.features, config.estimator, **hyperparameters)
    except ValueError as exc:  # an unknown feature or estimator in the config
        raise Failure(description=str(exc), allow_retries=False) from None
    fitted = scores(train["target_ta_next_hour"].to_numpy(), training.predict(model, train))

    client = mlflow.client()
    experiment_id = mlflow.experiment_id(EXPERIMENT_NAME)
    tags = {TAG_TRAINING_DAY: day.isoformat(), TAG_DAGSTER_RUN_ID: context.run_id}
    run_id, version = registry.log_trained_model(
        experiment_id,
        model,
        training.model_input(train, config.features),
        params={"estimator": config.estimator, "features": ",".join(config.features), "train_rows": len(train), "training_day": day.isoformat(), **hyperparameters},
        metrics={"train_mae": fitted.mae, "train_rmse": fitted.rmse},
        run_name=f"{day} {context.run_id[:8]}",
        tags=tags,
    )
    client.set_registered_model_alias(MODEL_NAME, CHALLENGER_ALIAS, version)
    context.log.info(f"registered {MODEL_NAME} v{version} (run {run_id}) as {CHALLENGER_ALIAS}; train MAE {fitted.mae:.3f} °C")
    url = mlflow.run_url(experiment_id, run_id)
    return MaterializeResult(
        metadata={
            "mlflow_run_id": run_id,
            "mlflow_experiment_id": experiment_id,
            "model_version": int(version),
            "model_uri": registry.version_uri(version),
            "challenger_uri": registry.alias_uri(CHALLENGER_ALIAS),
            **({"mlflow_run_url": MetadataValue.url(url)} if url else {}),
            "estimator": config.estimator,
            "features": ", ".join(config.features),
            "hyperparameters": MetadataValue.json(hyperparameters),
            "train_rows": len(train),
            "train_mae": fitted.mae,
            "train_rmse": fitted.rmse,
        }
    )
