"""The model registry side of the ML domain (no Dagster): versions by day, aliases, decisions.

Functions take an `MlflowClient` (from the `mlflow` resource) and import MLflow inside, so the
code location loads without it.
"""

from __future__ import annotations

from typing import Any

from .promotion import Decision
from .tables import MODEL_ARTIFACT_NAME, MODEL_NAME, TAG_DAGSTER_RUN_ID, TAG_PROMOTION, TAG_PROMOTION_REASON, TAG_TRAINING_DAY, PROMOTED, REFUSED

# Tag on the challenger's MLflow run: the champion version its holdout metrics were computed against.
EVALUATED_CHAMPION_TAG = "holdout_champion_version"
NO_VERSION = "none"


def version_uri(version: str) -> str:
    return f"models:/{MODEL_NAME}/{version}"


def alias_uri(alias: str) -> str:
    return f"models:/{MODEL_NAME}@{alias}"


def alias_version(client: Any, alias: str) -> Any | None:
    """The model version `alias` points at, or None when the alias (or the model) does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(MODEL_NAME, alias)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return None
        raise


def version_id(version: Any | None) -> str | None:
    """A model version's number as text (stores differ: the SQL store answers ints, REST strings)."""
    return None if version is None else str(version.version)


def version_of_day(client: Any, training_day: str, dagster_run_id: str | None = None) -> Any:
    """The version trained for `training_day`: the one this Dagster run registered when there is
    one, else the newest for that day."""
    found = client.search_model_versions(f"name = '{MODEL_NAME}' and tags.{TAG_TRAINING_DAY} = '{training_day}'")
    if not found:
        raise LookupError(f"no version of {MODEL_NAME} is tagged {TAG_TRAINING_DAY}={training_day}: materialize ml/temperature_model first")
    same_run = [v for v in found if dagster_run_id and v.tags.get(TAG_DAGSTER_RUN_ID) == dagster_run_id]
    return max(same_run or found, key=lambda v: int(v.version))


def load_version(version: str) -> Any:
    """The scikit-learn pipeline of a registered version (after `MlflowResource.client()`, which
    points MLflow at the stores and allows it to load this registry's models)."""
    import mlflow.sklearn

    return mlflow.sklearn.load_model(version_uri(version))


def compare_and_set_alias(client: Any, alias: str, expected: str | None, new: str) -> str | None:
    """Point `alias` at `new` if it still points at `expected` (None: no alias yet).

    Returns None on success, else the version found instead. MLflow has no atomic compare-and-set:
    the re-read narrows the race to the two calls' latency, and the alias is read back after the
    move so a lost race is reported, not hidden.
    """
    found = version_id(alias_version(client, alias))
    if found != expected:
        return found or NO_VERSION
    client.set_registered_model_alias(MODEL_NAME, alias, new)
    after = version_id(alias_version(client, alias))
    return None if after == new else (after or NO_VERSION)


def record_decision(client: Any, version: str, decision: Decision) -> None:
    client.set_model_version_tag(MODEL_NAME, version, TAG_PROMOTION, PROMOTED if decision.promote else REFUSED)
    client.set_model_version_tag(MODEL_NAME, version, TAG_PROMOTION_REASON, decision.reason)


def log_trained_model(experiment_id: str, model: Any, example: Any, params: dict[str, Any], metrics: dict[str, float], run_name: str, tags: dict[str, str]) -> tuple[str, str]:
    """Log a fitted pipeline as an MLflow run (params, metrics, signature, input example) and
    register it as a new version of the model carrying `tags`; returns (run id, version)."""
    import mlflow
    import mlflow.sklearn
    import skops
    import sklearn
    from mlflow.models import infer_signature

    from .training import SKOPS_TRUSTED_TYPES

    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name, tags=tags) as run:
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        complete = example.dropna()
        info = mlflow.sklearn.log_model(
            model,
            name=MODEL_ARTIFACT_NAME,
            signature=infer_signature(example, model.predict(example)),
            input_example=complete.head(5) if len(complete) else None,
            serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_SKOPS,
            skops_trusted_types=list(SKOPS_TRUSTED_TYPES),
            # Stated, not inferred: inference re-imports the model in a subprocess for seconds.
            pip_requirements=[f"mlflow=={mlflow.__version__}", f"scikit-learn=={sklearn.__version__}", f"skops=={skops.__version__}", "pandas", "numpy"],
        )
    version = mlflow.register_model(info.model_uri, MODEL_NAME, tags=tags)
    return run.info.run_id, str(version.version)


def log_evaluation(client: Any, run_id: str, metrics: dict[str, float], champion_version: str | None, files: dict[str, bytes]) -> None:
    """Holdout metrics, the champion they were compared with, and report files (under
    `evaluation/`) on the challenger's run."""
    import math
    import tempfile
    import time
    from pathlib import Path

    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    client.log_batch(run_id, metrics=[Metric(key, value, now, 0) for key, value in metrics.items() if math.isfinite(value)])
    client.set_tag(run_id, EVALUATED_CHAMPION_TAG, champion_version or NO_VERSION)
    with tempfile.TemporaryDirectory() as folder:
        for name, content in files.items():
            Path(folder, name).write_bytes(content)
        client.log_artifacts(run_id, folder, "evaluation")
