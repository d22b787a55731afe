"""Live error of the served model: predictions joined to the temperatures later observed (no Dagster).

The MAE of the newest `hours` of joined predictions is compared with what the predicting versions
scored on their holdout (`holdout_mae` on their MLflow runs, weighted by the rows each predicted):
above `warn_ratio` times that it warns, above `fail_ratio` it fails. Too few joined rows is its
own verdict, never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping

import numpy as np
import pandas as pd

OK, WARN, FAIL, NOT_ENOUGH_DATA = "ok", "warn", "fail", "not_enough_data"


@dataclass(frozen=True)
class LiveError:
    verdict: str
    reason: str
    rows: int
    mae: float | None = None
    expected_mae: float | None = None  # the predicting versions' holdout MAE, weighted by rows
    ratio: float | None = None
    window_end: datetime | None = None  # the newest predicted_for judged
    versions: dict[str, int] | None = None  # rows per model version
    mae_by_hour: pd.DataFrame | None = None  # predicted_for, mae, rows
    mae_by_station: dict[int, float] | None = None


def joined(predictions: pd.DataFrame, observations: pd.DataFrame) -> pd.DataFrame:
    """Predictions with the ta observed at `predicted_for` (rows without one are left out)."""
    observed = observations.loc[:, ["station_id", "observed_at", "ta"]].dropna(subset=["ta"]).copy()
    observed["station_id"] = observed["station_id"].astype("int64")
    observed["observed_at"] = pd.to_datetime(observed["observed_at"], utc=True)
    frame = predictions.copy()
    frame["station_id"] = frame["station_id"].astype("int64")
    frame["predicted_for"] = pd.to_datetime(frame["predicted_for"], utc=True)
    out = frame.merge(observed.rename(columns={"observed_at": "predicted_for", "ta": "observed_ta"}), on=["station_id", "predicted_for"])
    out["abs_error"] = (out["prediction"] - out["observed_ta"]).abs()
    return out.sort_values(["predicted_for", "station_id"]).reset_index(drop=True)


def live_error(
    pairs: pd.DataFrame,
    holdout_mae: Mapping[str, float | None],
    hours: int = 24,
    min_rows: int = 48,
    warn_ratio: float = 1.25,
    fail_ratio: float = 1.5,
) -> LiveError:
    """The verdict on the newest `hours` of `joined` pairs against the versions' holdout MAE."""
    if pairs.empty:
        return LiveError(NOT_ENOUGH_DATA, "not enough data: no prediction has an observed temperature yet", 0)
    end = pairs["predicted_for"].max()
    window = pairs[pairs["predicted_for"] > end - timedelta(hours=hours)]
    versions = window["model_version"].astype(str).value_counts().to_dict()
    by_hour = window.groupby("predicted_for")["abs_error"].agg(mae="mean", rows="size").reset_index()
    common = dict(
        rows=len(window),
        window_end=end.to_pydatetime(),
        versions={str(v): int(n) for v, n in versions.items()},
        mae_by_hour=by_hour,
        mae_by_station={int(s): float(m) for s, m in window.groupby("station_id")["abs_error"].mean().items()},
    )
    mae = float(window["abs_error"].mean())
    if len(window) < min_rows:
        return LiveError(NOT_ENOUGH_DATA, f"not enough data: {len(window)} joined predictions in the {hours} hours up to {end:%Y-%m-%d %H:00} UTC, at least {min_rows} needed", mae=mae, **common)
    unknown = sorted(v for v in versions if holdout_mae.get(v) is None or not np.isfinite(holdout_mae[v]))
    if unknown:
        return LiveError(NOT_ENOUGH_DATA, f"not enough data: no holdout MAE for version(s) {', '.join(unknown)}", mae=mae, **common)
    expected = sum(holdout_mae[v] * n for v, n in versions.items()) / len(window)
    ratio = mae / expected if expected > 0 else float("inf")
    verdict = FAIL if ratio > fail_ratio else WARN if ratio > warn_ratio else OK
    reason = f"live MAE {mae:.3f} °C over {len(window)} predictions is {ratio:.2f}x the holdout MAE {expected:.3f} °C"
    limits = {FAIL: f" (fails above {fail_ratio}x)", WARN: f" (warns above {warn_ratio}x)", OK: f" (within {warn_ratio}x)"}
    return LiveError(verdict, reason + limits[verdict], mae=mae, expected_mae=expected, ratio=ratio, **common)
