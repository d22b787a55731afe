"""`ml/model_evaluation` (holdout scores of challenger, champion and persistence) and
`ml/champion_model` (the guarded move of the `champion` alias), daily per KST day."""

import base64
from typing import Any

from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, MetadataValue, asset
from pydantic import Field

from lakehouse_assets.assets_common import IO_RETRY, kst_daily_partitions, partition_day
from lakehouse_assets.resources import LakehouseResource
from lakehouse_assets.resources.mlflow import MlflowResource

from .assets import GROUP
from .keys import CHAMPION_KEY, EVALUATION_KEY, MODEL_KEY
from .tables import CHAMPION_ALIAS, HOLDOUT, TAG_TRAINING_DAY, TARGET_COLUMN, read_dataset

CHALLENGER, CHAMPION = "challenger", "champion"
# Serialising the alias decision keeps concurrent backfill runs from racing on it (set the pool's
# limit to 1 on the instance); the compare-and-set below stays correct without it.
CHAMPION_POOL = "mlflow_champion_alias"


def _holdout(lakehouse: LakehouseResource, day: Any) -> Any:
    holdout = read_dataset(lakehouse, day, HOLDOUT)
    if holdout.empty:
        raise Failure(description=f"ml.training_dataset has no holdout rows for {day}", allow_retries=False)
    return holdout


@asset(
    key=EVALUATION_KEY,
    partitions_def=kst_daily_partitions,
    group_name=GROUP,
    kinds={"python", "sklearn", "mlflow"},
    retry_policy=IO_RETRY,
    deps=[MODEL_KEY],
)
def model_evaluation(context: AssetExecutionContext, lakehouse: LakehouseResource, mlflow: MlflowResource) -> MaterializeResult:
    """MAE and RMSE (°C) on the day's holdout of the day's challenger, the current champion (if
    any) and the persistence baseline (ta at t+1h predicted as ta at t), overall and per station;
    logged to the challenger's MLflow run and shown as a table and plots."""
    from . import evaluation, registry, training

    day = partition_day(context)
    holdout = _holdout(lakehouse, day)
    client = mlflow.client()
    challenger = registry.version_of_day(client, day.isoformat(), context.run_id)
    versions = {CHALLENGER: registry.version_id(challenger)}
    champion = registry.version_id(registry.alias_version(client, CHAMPION_ALIAS))
    if champion is not None:
        versions[CHAMPION] = champion
    predictions = {name: training.predict(registry.load_version(version), holdout) for name, version in versions.items()}
    predictions = evaluation.with_persistence(holdout, predictions)
    result = evaluation.evaluate(holdout, predictions)
    table = evaluation.markdown(result, {name: f"{name} v{version}" for name, version in versions.items()})
    images = evaluation.plots(holdout, predictions, result)

    metrics = {
        "holdout_rows": float(len(holdout)),
        "holdout_mae": result.overall[CHALLENGER].mae,
        "holdout_rmse": result.overall[CHALLENGER].rmse,
        **{f"holdout_{kind}_{name}": getattr(result.overall[name], kind) for name in result.overall if name != CHALLENGER for kind in ("mae", "rmse")},
        **{f"holdout_mae_station_{station}": s.mae for station, s in result.per_station[CHALLENGER].items()},
    }
    files = {"holdout_metrics.md": table.encode("utf-8"), **images}
    registry.log_evaluation(client, challenger.run_id, metrics, versions.get(CHAMPION), files)
    context.log.info(f"holdout {day}: " + ", ".join(f"{name} MAE {s.mae:.3f}" for name, s in result.overall.items()))
    return MaterializeResult(
        metadata={
            **{f"{kind}_{name}": getattr(result.overall[name], kind) for name in result.overall for kind in ("mae", "rmse")},
            "holdout_rows": len(holdout),
            "challenger_version": int(versions[CHALLENGER]),
            "champion_version": int(versions[CHAMPION]) if CHAMPION in versions else "none",
            "holdout_metrics": MetadataValue.md(table),
            "plots": MetadataValue.md("\n\n".join(f"![{name}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})" for name, png in images.items())),
        }
    )


class ChampionConfig(Config):
    """How much worse than the champion a challenger may be and still take over."""

    max_mae_loss_c: float = Field(default=0.02, description="Largest MAE (°C) by which the challenger may trail the champion on the same holdout")
    attempts: int = Field(default=3, description="Decisions to make when the alias moves under us before refusing")


@asset(
    key=CHAMPION_KEY,
    partitions_def=kst_daily_partitions,
    group_name=GROUP,
    kinds={"python", "mlflow"},
    retry_policy=IO_RETRY,
    deps=[EVALUATION_KEY],
    pool=CHAMPION_POOL,
)
def champion_model(context: AssetExecutionContext, config: ChampionConfig, lakehouse: LakehouseResource, mlflow: MlflowResource) -> MaterializeResult:
    """Moves alias `champion` to the day's challenger only if it beats persistence and loses to the
    current champion by at most `max_mae_loss_c` on the same holdout; otherwise keeps the champion
    and says why. The decision is recorded on the version (tags `promotion`, `promotion_reason`);
    the alias moves by compare-and-set on the champion the decision was made against."""
    from . import registry, training
    from .evaluation import scores
    from .promotion import Candidate, Decision, decide

    day = partition_day(context)
    client = mlflow.client()
    challenger = registry.version_of_day(client, day.isoformat(), context.run_id)
    challenger_version = registry.version_id(challenger)
    run = client.get_run(challenger.run_id)
    metrics, evaluated_against = run.data.metrics, run.data.tags.get(registry.EVALUATED_CHAMPION_TAG)
    if "holdout_mae" not in metrics or "holdout_mae_persistence" not in metrics:
        raise Failure(description=f"v{challenger_version} has no holdout metrics: materialize ml/model_evaluation for {day} first", allow_retries=False)
    candidate = Candidate(challenger_version, day.isoformat(), metrics["holdout_mae"])
    holdout, before, lost_to = None, None, None
    for attempt in range(1, config.attempts + 1):
        current = registry.alias_version(client, CHAMPION_ALIAS)
        before = registry.version_id(current)
        if current is None:
            incumbent = None
        elif before == evaluated_against and "holdout_mae_champion" in metrics:
            incumbent = Candidate(before, current.tags.get(TAG_TRAINING_DAY, ""), metrics["holdout_mae_champion"])
        else:  # the alias moved since ml/model_evaluation: judge the new champion on the same holdout
            holdout = _holdout(lakehouse, day) if holdout is None else holdout
            mae = scores(holdout[TARGET_COLUMN].to_numpy(), training.predict(registry.load_version(before), holdout)).mae
            incumbent = Candidate(before, current.tags.get(TAG_TRAINING_DAY, ""), mae)
        decision = decide(candidate, metrics["holdout_mae_persistence"], incumbent, config.max_mae_loss_c)
        if not decision.promote or before == challenger_version:
            break
        lost_to = registry.compare_and_set_alias(client, CHAMPION_ALIAS, before, challenger_version)
        if lost_to is None:
            break
        context.log.warning(f"the champion moved from v{before} to v{lost_to} while deciding (attempt {attempt}); deciding again")
    else:
        decision = Decision(False, f"the champion alias moved during each of {config.attempts} decisions (last to v{lost_to}); not promoting against a moving target")
    registry.record_decision(client, challenger_version, decision)
    after = registry.version_id(registry.alias_version(client, CHAMPION_ALIAS))
    (context.log.info if decision.promote else context.log.warning)(f"v{challenger_version}: {decision.reason}")
    return MaterializeResult(
        metadata={
            "decision": "promoted" if decision.promote else "refused",
            "reason": MetadataValue.text(decision.reason),
            "challenger_version": int(challenger_version),
            "champion_before": before or "none",
            "champion_after": after or "none",
            "mae_challenger": candidate.mae,
            "mae_persistence": metrics["holdout_mae_persistence"],
            "max_mae_loss_c": config.max_mae_loss_c,
            "champion_uri": registry.alias_uri(CHAMPION_ALIAS),
        }
    )


champion_assets = [model_evaluation, champion_model]
