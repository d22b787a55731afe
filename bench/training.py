"""Wall time and peak memory of the training chain on 60 days x 8 stations of sample weather.

    python bench/training.py [--days 60] [--runs 2]

Seeds `weather.observations` of a temporary lakehouse with `--days` KST days of sample weather for
the eight default stations (timed apart), then materializes ml/training_dataset ->
ml/temperature_model -> ml/model_evaluation -> ml/champion_model with their checks, `--runs`
times for the same day (the second run meets the first one's champion), against a SQLite MLflow
store. Prints each run's wall time and step times, the process tree's peak RSS, and the holdout
MAE of the champion and of persistence.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DAY = date(2026, 11, 20)


def seed(lakehouse, days: int) -> int:
    import pyarrow as pa

    from lakehouse_assets.lakehouse.schemas import arrow_schema
    from lakehouse_assets.lakehouse.tables import Window
    from lakehouse_assets.sample_data.weather import KST, observation_item
    from lakehouse_assets.settings import DEFAULT_KMA_STATIONS
    from lakehouse_assets.weather.parse import observation_rows
    from lakehouse_assets.weather.tables import OBSERVATIONS

    start = datetime(DAY.year, DAY.month, DAY.day, tzinfo=KST) - timedelta(days=days - 1)
    window = Window(start.astimezone(timezone.utc), (start + timedelta(days=days)).astimezone(timezone.utc))
    items = [observation_item(s, start + timedelta(hours=h)) for s in DEFAULT_KMA_STATIONS for h in range(days * 24)]
    rows, _ = observation_rows(items, window, list(DEFAULT_KMA_STATIONS), "sample")
    lakehouse.lakehouse.replace_partition_with_arrow(OBSERVATIONS, window, pa.Table.from_pylist(rows, schema=arrow_schema(OBSERVATIONS)))
    return len(rows)


def step_seconds(instance, run_id: str) -> dict[str, float]:
    started, took = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            took[event.step_key] = entry.timestamp - started.get(event.step_key, entry.timestamp)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    from dagster import DagsterInstance, materialize

    from bench.peak_rss import PeakRss
    from lakehouse_assets.ml.assets import temperature_model, training_dataset
    from lakehouse_assets.ml.champion import champion_assets
    from lakehouse_assets.ml.checks import ml_checks
    from lakehouse_assets.ml.keys import CHAMPION_KEY, EVALUATION_KEY
    from lakehouse_assets.resources import KmaResource, LakehouseResource, MlflowResource

    with tempfile.TemporaryDirectory(prefix="bench_training_") as folder:
        tmp = Path(folder)
        resources = {
            "lakehouse": LakehouseResource(root_uri=(tmp / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp / 'catalog.db'}"),
            "kma": KmaResource(),
            "mlflow": MlflowResource(tracking_uri=f"sqlite:///{tmp / 'mlflow.db'}", artifact_root=(tmp / "mlflow-artifacts").as_uri()),
        }
        started = time.perf_counter()
        rows = seed(resources["lakehouse"], args.days)
        print(f"seed_observations {rows} rows ({args.days} days x 8 stations) in {time.perf_counter() - started:.1f} s (not part of the chain)")

        instance = DagsterInstance.ephemeral()
        config = {"ops": {"ml__training_dataset": {"config": {"window_days": args.days}}}}
        with PeakRss() as peak:
            for number in range(1, args.runs + 1):
                started = time.perf_counter()
                result = materialize(
                    [training_dataset, temperature_model, *champion_assets, *ml_checks],
                    partition_key=DAY.isoformat(),
                    resources=resources,
                    run_config=config,
                    instance=instance,
                )
                wall = time.perf_counter() - started
                steps = step_seconds(instance, result.run_id)
                print(f"run {number}: chain_wall_seconds {wall:.1f} (" + ", ".join(f"{k.removeprefix('ml__')} {v:.1f}s" for k, v in steps.items()) + ")")
                meta = {e.asset_key: e.materialization.metadata for e in result.get_asset_materialization_events()}
                evaluation, decision = meta[EVALUATION_KEY], meta[CHAMPION_KEY]
                champion = f", champion {evaluation['mae_champion'].value:.3f}" if "mae_champion" in evaluation else ""
                print(
                    f"run {number}: holdout_mae challenger {evaluation['mae_challenger'].value:.3f}{champion}, persistence "
                    f"{evaluation['mae_persistence'].value:.3f} (rows {evaluation['holdout_rows'].value}); "
                    f"{decision['decision'].value}: {decision['reason'].value}"
                )
        print(f"peak_rss_mb {peak.mb:.0f}")


if __name__ == "__main__":
    main()
