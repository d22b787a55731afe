"""Holdout scores of the challenger, the champion and persistence, as numbers, Markdown and plots
(no Dagster; matplotlib is imported inside `plots`, with the Agg backend)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from .features import CALENDAR_ZONE
from .tables import STATION_COLUMN, TARGET_COLUMN

PERSISTENCE = "persistence"  # the baseline: ta at t+1 predicted as ta at t


@dataclass(frozen=True)
class Scores:
    mae: float
    rmse: float
    rows: int


@dataclass(frozen=True)
class Evaluation:
    """Scores per model overall, per station and per KST hour of day, on one holdout."""

    overall: dict[str, Scores]
    per_station: dict[str, dict[int, Scores]]
    mae_by_hour: dict[str, list[float]]  # 24 values per model, NaN for an hour without rows


def scores(actual: np.ndarray, predicted: np.ndarray) -> Scores:
    errors = np.asarray(predicted, dtype="float64") - np.asarray(actual, dtype="float64")
    if errors.size == 0:
        return Scores(float("nan"), float("nan"), 0)
    return Scores(float(np.mean(np.abs(errors))), float(np.sqrt(np.mean(errors**2))), int(errors.size))


def with_persistence(holdout: pd.DataFrame, predictions: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The models' predictions plus the persistence baseline's."""
    return {**predictions, PERSISTENCE: holdout["ta"].to_numpy(dtype="float64")}


def evaluate(holdout: pd.DataFrame, predictions: Mapping[str, np.ndarray]) -> Evaluation:
    """Score each set of predictions of `target_ta_next_hour` on the holdout rows."""
    actual = holdout[TARGET_COLUMN].to_numpy(dtype="float64")
    stations = holdout[STATION_COLUMN].to_numpy()
    hours = pd.to_datetime(holdout["observed_at"], utc=True).dt.tz_convert(CALENDAR_ZONE).dt.hour.to_numpy()
    overall, per_station, by_hour = {}, {}, {}
    for name, predicted in predictions.items():
        predicted = np.asarray(predicted, dtype="float64")
        overall[name] = scores(actual, predicted)
        per_station[name] = {int(s): scores(actual[stations == s], predicted[stations == s]) for s in sorted(set(stations.tolist()))}
        errors = np.abs(predicted - actual)
        by_hour[name] = [float(errors[hours == h].mean()) if (hours == h).any() else float("nan") for h in range(24)]
    return Evaluation(overall, per_station, by_hour)


def markdown(evaluation: Evaluation, labels: Mapping[str, str] | None = None) -> str:
    """MAE and RMSE (°C) per model: overall, then per station."""
    labels = labels or {}
    names = list(evaluation.overall)
    header = "| | " + " | ".join(f"{labels.get(n, n)} MAE | {labels.get(n, n)} RMSE" for n in names) + " |"
    lines = [header, "|---|" + "---:|" * (2 * len(names))]

    def row(label: str, cells: list[Scores]) -> str:
        return f"| {label} | " + " | ".join(f"{s.mae:.3f} | {s.rmse:.3f}" for s in cells) + " |"

    lines.append(row(f"**all** ({evaluation.overall[names[0]].rows} rows)", [evaluation.overall[n] for n in names]))
    for station in evaluation.per_station[names[0]]:
        lines.append(row(f"station {station}", [evaluation.per_station[n][station] for n in names]))
    return "\n".join(lines)


def plots(holdout: pd.DataFrame, predictions: Mapping[str, np.ndarray], evaluation: Evaluation) -> dict[str, bytes]:
    """PNG images: predicted vs actual (per model) and MAE by KST hour of day."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    actual = holdout[TARGET_COLUMN].to_numpy(dtype="float64")
    images: dict[str, bytes] = {}

    figure = Figure(figsize=(5.5, 5), dpi=90)
    axes = figure.subplots()
    low, high = float(np.nanmin(actual)) - 1, float(np.nanmax(actual)) + 1
    axes.plot([low, high], [low, high], color="grey", linewidth=1, label="perfect")
    for name, predicted in predictions.items():
        axes.scatter(actual, predicted, s=4, alpha=0.4, label=f"{name} (MAE {evaluation.overall[name].mae:.2f})")
    axes.set(xlabel="actual ta at t+1h (°C)", ylabel="predicted (°C)", title="Holdout: predicted vs actual")
    axes.legend(loc="upper left", fontsize=8, markerscale=3)
    images["predicted_vs_actual.png"] = _png(figure)

    figure = Figure(figsize=(6.5, 3.5), dpi=90)
    axes = figure.subplots()
    for name, values in evaluation.mae_by_hour.items():
        axes.plot(range(24), values, marker="o", markersize=3, label=name)
    axes.set(xlabel="hour of day (KST)", ylabel="MAE (°C)", title="Holdout MAE by hour of day", xticks=range(0, 24, 3))
    axes.legend(fontsize=8)
    images["mae_by_hour.png"] = _png(figure)
    return images


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
