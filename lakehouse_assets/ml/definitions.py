"""The ML domain's Definitions (needs the `lakehouse`, `kma` and `mlflow` resources)."""

from dagster import Definitions

from .assets import temperature_model, training_dataset
from .champion import champion_assets
from .checks import ml_checks
from .predictions import temperature_predictions
from .schedules import training_daily_schedule, training_job

defs = Definitions(
    assets=[training_dataset, temperature_model, *champion_assets, temperature_predictions],
    asset_checks=ml_checks,
    jobs=[training_job],
    schedules=[training_daily_schedule],
)
