"""ML checks: `data_readiness` (reported by `ml/training_dataset`, blocking) and
`champion_beats_persistence` on `ml/champion_model` (blocking).

Each verdict is a pure `*_result` function; the `@asset_check` only gathers its inputs.
"""

from typing import Mapping

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, MetadataValue

from lakehouse_assets.assets_common import kst_daily_partitions, markdown_preview, partition_day, table_check
from lakehouse_assets.resources import LakehouseResource
from lakehouse_assets.resources.mlflow import MlflowResource

from .keys import CHAMPION_CHECK, CHAMPION_KEY


def readiness_result(hours_with_ta: Mapping[int, int], window_hours: int, min_share: float) -> AssetCheckResult:
    """Every station has a temperature for at least `min_share` of the window's hours."""
    shares = {station: hours / window_hours for station, hours in hours_with_ta.items()}
    short = sorted(station for station, share in shares.items() if share < min_share)
    rows = [{"station_id": s, "hours_with_ta": hours_with_ta[s], "share": round(shares[s], 4), "ready": s not in short} for s in sorted(shares)]
    return AssetCheckResult(
        passed=bool(shares) and not short,
        severity=AssetCheckSeverity.ERROR,
        description=(
            f"stations short of {min_share:.0%} of {window_hours} hours: {', '.join(map(str, short))}" if short
            else ("no stations" if not shares else f"every station has at least {min_share:.0%} of {window_hours} hours")
        ),
        metadata={
            "window_hours": window_hours,
            "min_share": min_share,
            "stations": len(shares),
            "stations_short": len(short),
            "short_station_ids": ", ".join(map(str, short)) or "none",
            "lowest_share": round(min(shares.values()), 4) if shares else 0.0,
            "hours_per_station": MetadataValue.md(markdown_preview(rows, limit=len(rows) or 1)),
        },
    )


def champion_result(champion_version: str | None, champion_mae: float, persistence_mae: float, holdout_rows: int) -> AssetCheckResult:
    """The model the `champion` alias points at is no worse than persistence on the holdout."""
    if champion_version is None:
        return AssetCheckResult(
            passed=False,
            description="no champion: nothing serves predictions (every challenger so far was refused)",
            metadata={"holdout_rows": holdout_rows, "mae_persistence": persistence_mae},
        )
    return AssetCheckResult(
        passed=champion_mae <= persistence_mae,
        description=f"champion v{champion_version}: MAE {champion_mae:.3f} °C vs persistence {persistence_mae:.3f} °C",
        metadata={
            "champion_version": int(champion_version),
            "mae_champion": champion_mae,
            "mae_persistence": persistence_mae,
            "holdout_rows": holdout_rows,
        },
    )


@table_check(
    CHAMPION_KEY,
    CHAMPION_CHECK,
    "Re-evaluates whatever the `champion` alias points at on the day's holdout; fails when it is worse than persistence (or there is none).",
    partitions_def=kst_daily_partitions,
    blocking=True,
)
def champion_beats_persistence(context: AssetCheckExecutionContext, lakehouse: LakehouseResource, mlflow: MlflowResource) -> AssetCheckResult:
    from . import registry, training
    from .tables import read_dataset
    from .evaluation import scores
    from .tables import CHAMPION_ALIAS, HOLDOUT, TARGET_COLUMN

    holdout = read_dataset(lakehouse, partition_day(context), HOLDOUT)
    actual = holdout[TARGET_COLUMN].to_numpy()
    persistence = scores(actual, holdout["ta"].to_numpy())
    champion = registry.version_id(registry.alias_version(mlflow.client(), CHAMPION_ALIAS))
    if champion is None:
        return champion_result(None, float("nan"), persistence.mae, len(holdout))
    return champion_result(champion, scores(actual, training.predict(registry.load_version(champion), holdout)).mae, persistence.mae, len(holdout))


ml_checks = [champion_beats_persistence]
