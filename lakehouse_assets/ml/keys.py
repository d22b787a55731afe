"""Asset keys and check names of the ML domain, written once (dashboards and alerts use them)."""

from dagster import AssetKey

from lakehouse_assets.assets_common import table_key

from .tables import TRAINING_DATASET

DATASET_KEY = table_key(TRAINING_DATASET)
MODEL_KEY = AssetKey(["ml", "temperature_model"])
EVALUATION_KEY = AssetKey(["ml", "model_evaluation"])
CHAMPION_KEY = AssetKey(["ml", "champion_model"])
ML_ASSET_KEYS = (DATASET_KEY, MODEL_KEY, EVALUATION_KEY, CHAMPION_KEY)

READINESS_CHECK = "data_readiness"
CHAMPION_CHECK = "champion_beats_persistence"
