"""The drift check's features: the model's measured inputs as departures from what the same hour's
other, independent measurements say they must be (no Dagster). `docs/monitoring.md` says why.

- `ta` (and `ta_lag_1..3`, the same departure 1-3 hours earlier): air temperature minus the
  temperature that the dew point `td` and relative humidity `hm` imply (Magnus formula, the one
  KMA's humidity follows). Weather moves ta, td and hm together, so this stays near zero in every
  season, hour and front; an offset or stuck thermometer, a humidity sensor gone wrong or a unit
  slip moves it by degrees.
- `pa`: station pressure minus sea-level pressure reduced to the station by the station's own
  ratio pa/ps in the reference (the ratio is the station's height, about constant).
- `station_id`: which stations report (categorical).

Departures are rounded to whole degrees and hectopascals, so sensor resolution (0.1 °C, 1 %,
0.1 hPa) never counts as drift: a healthy hour is 0.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

STATION = "station_id"
TEMPERATURE_FEATURES = ("ta", "ta_lag_1", "ta_lag_2", "ta_lag_3")
NUMERIC = (*TEMPERATURE_FEATURES, "pa")
CATEGORICAL = (STATION,)
OBSERVATION_COLUMNS = ("station_id", "observed_at", "ta", "td", "hm", "pa", "ps")
LAG_HOURS = 3  # observations needed before the first hour of a window
MAGNUS_B, MAGNUS_C = 17.62, 243.12


def implied_temperature(td: pd.Series, hm: pd.Series) -> pd.Series:
    """The air temperature at which dew point `td` gives relative humidity `hm` (%): the Magnus
    relation hm = 100 e(td)/e(ta) solved for ta. NaN where hm is missing or not in (0, 100]."""
    humidity = hm.where((hm > 0) & (hm <= 100))
    gamma = MAGNUS_B * td / (MAGNUS_C + td) - np.log(humidity / 100.0)
    return MAGNUS_C * gamma / (MAGNUS_B - gamma)


def pressure_ratios(observations: pd.DataFrame) -> pd.Series:
    """Per station, the median of pa/ps: exp(-height / scale height), nearly constant per station."""
    usable = observations.dropna(subset=["pa", "ps"])
    usable = usable[usable["ps"] > 0]
    return (usable["pa"] / usable["ps"]).groupby(usable[STATION]).median()


def consistency_features(observations: pd.DataFrame, start: datetime, end: datetime, ratios: pd.Series) -> pd.DataFrame:
    """One row per observation with `observed_at` in [start, end): station_id, observed_at and the
    departures named after the features they watch. Lags come from the hours before `start`
    (so `observations` should reach back `LAG_HOURS`); a missing hour is a missing lag."""
    frame = observations.loc[:, list(OBSERVATION_COLUMNS)].copy()
    frame[STATION] = frame[STATION].astype("int64")
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
    frame = frame.drop_duplicates([STATION, "observed_at"], keep="last")
    frame["ta_departure"] = (frame["ta"] - implied_temperature(frame["td"], frame["hm"])).round() + 0.0  # no -0.0
    by_key = frame.set_index([STATION, "observed_at"])["ta_departure"]

    inside = frame[(frame["observed_at"] >= pd.Timestamp(start)) & (frame["observed_at"] < pd.Timestamp(end))].copy()
    out = pd.DataFrame({STATION: inside[STATION].to_numpy(), "observed_at": inside["observed_at"].to_numpy()})
    out["ta"] = inside["ta_departure"].to_numpy()
    for lag in range(1, LAG_HOURS + 1):
        keys = pd.MultiIndex.from_arrays([inside[STATION], inside["observed_at"] - timedelta(hours=lag)])
        out[f"ta_lag_{lag}"] = by_key.reindex(keys).to_numpy()
    ratio = inside[STATION].map(ratios).to_numpy(dtype="float64")
    out["pa"] = np.round(inside["pa"].to_numpy(dtype="float64") - ratio * inside["ps"].to_numpy(dtype="float64")) + 0.0
    return out.sort_values([STATION, "observed_at"]).reset_index(drop=True)


def reference_keys(training_keys: pd.DataFrame, reference_days: int, kst_hours: set[int]) -> pd.DataFrame:
    """The (station_id, observed_at) of the champion's training rows to compare with: its window's
    last `reference_days` days (the weather nearest to now) at the KST hours of day the current
    window covers (the daily cycle compared like with like)."""
    if training_keys.empty:
        return training_keys.loc[:, [STATION, "observed_at"]]
    observed = pd.to_datetime(training_keys["observed_at"], utc=True)
    recent = observed >= observed.max() - timedelta(days=reference_days) + timedelta(hours=1)
    same_hours = observed.dt.tz_convert("Asia/Seoul").dt.hour.isin(kst_hours)
    keys = training_keys.loc[recent & same_hours, [STATION, "observed_at"]].copy()
    keys[STATION] = keys[STATION].astype("int64")
    keys["observed_at"] = pd.to_datetime(keys["observed_at"], utc=True)
    return keys.reset_index(drop=True)


def kst_hours(start: datetime, end: datetime) -> set[int]:
    """The KST hours of day in [start, end)."""
    hours = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="h", inclusive="left")
    return set(hours.tz_convert("Asia/Seoul").hour.tolist())
