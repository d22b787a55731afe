"""What monitoring reads from the MLflow model registry (no Dagster; MLflow is imported on use):
the champion version with its training day, and the holdout MAE each version scored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from lakehouse_assets.ml.tables import CHAMPION_ALIAS, MODEL_NAME, TAG_TRAINING_DAY

HOLDOUT_MAE_METRIC = "holdout_mae"  # logged on a version's run by ml/model_evaluation


@dataclass(frozen=True)
class Champion:
    version: str
    run_id: str
    training_day: str | None  # the `training_day` tag: the ml.training_dataset partition it saw


def champion(client: Any) -> Champion | None:
    """The version the `champion` alias points at, or None when there is none (yet)."""
    from mlflow.exceptions import MlflowException

    try:
        version = client.get_model_version_by_alias(MODEL_NAME, CHAMPION_ALIAS)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return None
        raise
    return Champion(str(version.version), version.run_id, version.tags.get(TAG_TRAINING_DAY))


def holdout_maes(client: Any, versions: Iterable[str]) -> dict[str, float | None]:
    """`holdout_mae` of each version's MLflow run; None for a version never evaluated."""
    out: dict[str, float | None] = {}
    for version in versions:
        run_id = client.get_model_version(MODEL_NAME, version).run_id
        out[version] = client.get_run(run_id).data.metrics.get(HOLDOUT_MAE_METRIC)
    return out
