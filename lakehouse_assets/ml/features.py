"""Features and target of "air temperature one hour ahead" from hourly observations (no Dagster).

The same functions build a training window and the features of the newest hour for predictions, so
a model is served exactly the features it was trained on. Lags are taken on a complete hourly
grid per station: a missing hour is a missing lag, never the previous row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .tables import HOLDOUT, NUMERIC_FEATURES, STATION_COLUMN, TARGET_COLUMN, TRAIN, TRAINING_DATASET

# Hour of day and day of year are Korean calendar features: the diurnal cycle follows local time.
CALENDAR_ZONE = ZoneInfo("Asia/Seoul")
OBSERVATION_COLUMNS = ("station_id", "observed_at", "ta", "hm", "ws", "wd", "pa", "rn")
LAGS = (1, 2, 3)
# Why a grid row is not in the dataset, checked in this order (each row counts once).
DROP_REASONS = ("no_observation", "missing_target", "missing_ta", "missing_lags")


@dataclass(frozen=True)
class DatasetWindow:
    """The hours of one training day's dataset, in UTC: [start, end), holdout from `holdout_start`."""

    training_day: date
    start: datetime
    end: datetime
    holdout_start: datetime

    @classmethod
    def ending_on(cls, training_day: date, window_days: int, holdout_days: int) -> "DatasetWindow":
        """The `window_days` KST days up to and including `training_day`; the last `holdout_days` are the holdout."""
        if not 0 < holdout_days < window_days:
            raise ValueError(f"holdout_days must be between 1 and window_days - 1, got {holdout_days} of {window_days}")

        def kst_midnight(day: date) -> datetime:
            return datetime(day.year, day.month, day.day, tzinfo=CALENDAR_ZONE).astimezone(timezone.utc)

        return cls(
            training_day,
            kst_midnight(training_day - timedelta(days=window_days - 1)),
            kst_midnight(training_day + timedelta(days=1)),
            kst_midnight(training_day - timedelta(days=holdout_days - 1)),
        )

    @property
    def hours(self) -> int:
        return int((self.end - self.start) / timedelta(hours=1))


@dataclass
class DatasetReport:
    """What happened to the window's (station, hour) grid."""

    grid_rows: int = 0
    train_rows: int = 0
    holdout_rows: int = 0
    dropped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DROP_REASONS, 0))
    hours_with_ta: dict[int, int] = field(default_factory=dict)  # per station, for readiness


def hourly_grid(observations: pd.DataFrame, stations: Iterable[int], start: datetime, end: datetime) -> pd.DataFrame:
    """One row per (station, hour) in [start, end), sorted, with the observation's values (NaN
    where missing) and `observed` telling whether the station reported that hour at all."""
    hours = pd.date_range(pd.Timestamp(start).tz_convert("UTC"), pd.Timestamp(end).tz_convert("UTC"), freq="h", inclusive="left")
    index = pd.MultiIndex.from_product([sorted(set(stations)), hours], names=["station_id", "observed_at"])
    frame = observations.loc[:, list(OBSERVATION_COLUMNS)].copy()
    frame["station_id"] = frame["station_id"].astype("int64")
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True).dt.as_unit("ns")
    frame = frame.drop_duplicates(["station_id", "observed_at"], keep="last").set_index(["station_id", "observed_at"])
    grid = frame.reindex(index).astype("float64")
    grid["observed"] = index.isin(frame.index)
    return grid


def add_features(grid: pd.DataFrame) -> pd.DataFrame:
    """The model's features (and the target, ta one hour later) on a complete `hourly_grid`."""
    by_station = grid.groupby(level="station_id", sort=False)
    out = pd.DataFrame(index=grid.index)
    for name in ("ta", "hm", "ws", "pa", "rn"):
        out[name] = grid[name]
    radians = np.deg2rad(grid["wd"])
    calm = grid["wd"] == 0  # KMA: 0 is calm, 360 is north
    out["wd_sin"] = np.where(calm, 0.0, np.sin(radians))
    out["wd_cos"] = np.where(calm, 0.0, np.cos(radians))
    out["pa_change_3h"] = grid["pa"] - by_station["pa"].shift(3)
    for lag in LAGS:
        out[f"ta_lag_{lag}"] = by_station["ta"].shift(lag)
    local = grid.index.get_level_values("observed_at").tz_convert(CALENDAR_ZONE)
    hour_angle = 2 * np.pi * local.hour.to_numpy() / 24
    day_angle = 2 * np.pi * (local.dayofyear.to_numpy() - 1) / 365.25
    out["hour_sin"], out["hour_cos"] = np.sin(hour_angle), np.cos(hour_angle)
    out["doy_sin"], out["doy_cos"] = np.sin(day_angle), np.cos(day_angle)
    out[TARGET_COLUMN] = by_station["ta"].shift(-1)
    out["observed"] = grid["observed"]
    return out.reset_index()


def drop_reason(features: pd.DataFrame) -> pd.Series:
    """The first reason (DROP_REASONS order) each row cannot be used, or None."""
    lag_columns = [f"ta_lag_{lag}" for lag in LAGS]
    conditions = [
        ~features["observed"],
        features[TARGET_COLUMN].isna(),
        features["ta"].isna(),
        features[lag_columns].isna().any(axis=1),
    ]
    return pd.Series(np.select(conditions, list(DROP_REASONS), default=""), index=features.index).replace("", None)


def build_dataset(observations: pd.DataFrame, stations: Sequence[int], window: DatasetWindow) -> tuple[pd.DataFrame, DatasetReport]:
    """The training table of `window` (columns of `ml.training_dataset`) and what was dropped why.

    Only observations inside the window are used: the first hours lack lags and the last hour its
    target, so a day's dataset never changes when later hours arrive.
    """
    inside = observations[
        (pd.to_datetime(observations["observed_at"], utc=True) >= pd.Timestamp(window.start))
        & (pd.to_datetime(observations["observed_at"], utc=True) < pd.Timestamp(window.end))
    ]
    features = add_features(hourly_grid(inside, stations, window.start, window.end))
    reasons = drop_reason(features)
    report = DatasetReport(grid_rows=len(features))
    for reason, count in reasons.value_counts().items():
        report.dropped[str(reason)] = int(count)
    with_ta = features[features["ta"].notna()].groupby("station_id").size()
    report.hours_with_ta = {int(s): int(with_ta.get(s, 0)) for s in sorted(set(stations))}

    kept = features[reasons.isna()].copy()
    kept["split"] = np.where(kept["observed_at"] >= pd.Timestamp(window.holdout_start), HOLDOUT, TRAIN)
    kept["training_day"] = window.training_day
    report.train_rows = int((kept["split"] == TRAIN).sum())
    report.holdout_rows = int((kept["split"] == HOLDOUT).sum())
    return kept.loc[:, TRAINING_DATASET.column_names].reset_index(drop=True), report


def latest_features(observations: pd.DataFrame, stations: Sequence[int], hour: datetime) -> pd.DataFrame:
    """Features of `hour` (t) per station, from observations covering t-3h..t: the rows a model
    predicts t+1h from. Rows whose ta or lags are missing are left out."""
    start = hour - timedelta(hours=max(LAGS))
    features = add_features(hourly_grid(observations, stations, start, hour + timedelta(hours=1)))
    latest = features[features["observed_at"] == pd.Timestamp(hour)]
    usable = latest["ta"].notna() & latest[[f"ta_lag_{lag}" for lag in LAGS]].notna().all(axis=1)
    return latest[usable].loc[:, [STATION_COLUMN, "observed_at", *NUMERIC_FEATURES]].reset_index(drop=True)
