"""Pure ML logic: the dataset window, features on an hourly grid, drop reasons, scores, the
promotion rule, readiness, and the model pipeline's inputs."""

import math
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from lakehouse_assets.ml import evaluation, features, training
from lakehouse_assets.ml.checks import champion_result, readiness_result
from lakehouse_assets.ml.promotion import Candidate, decide
from lakehouse_assets.ml.tables import FEATURE_COLUMNS, HOLDOUT, TARGET_COLUMN, TRAIN, TRAINING_DATASET

UTC = timezone.utc
DAY = date(2026, 11, 20)


def observations(stations=(108, 159), start=datetime(2026, 11, 19, 15, tzinfo=UTC), hours=24, ta=None):
    """Rows shaped like `weather.observations` reads: ta rising one degree an hour from the station's base."""
    rows = []
    for s in stations:
        for h in range(hours):
            rows.append(
                {"station_id": s, "observed_at": start + timedelta(hours=h), "ta": (ta or {}).get((s, h), float(s % 100 + h)),
                 "hm": 60.0, "ws": 2.0, "wd": 90.0 if h % 2 else 0.0, "pa": 1000.0 + h, "rn": 0.0}
            )
    return pd.DataFrame(rows)


def test_window_is_kst_days_up_to_the_training_day():
    window = features.DatasetWindow.ending_on(DAY, window_days=60, holdout_days=7)
    assert window.end == datetime(2026, 11, 20, 15, tzinfo=UTC)  # 2026-11-21 00:00 KST
    assert window.start == datetime(2026, 9, 21, 15, tzinfo=UTC)  # 2026-09-22 00:00 KST
    assert window.holdout_start == datetime(2026, 11, 13, 15, tzinfo=UTC)  # 2026-11-14 00:00 KST
    assert window.hours == 60 * 24
    with pytest.raises(ValueError, match="holdout_days"):
        features.DatasetWindow.ending_on(DAY, window_days=7, holdout_days=7)


def test_features_follow_the_clock_not_the_rows():
    frame = observations(hours=8)
    frame = frame[~((frame.station_id == 108) & (frame.observed_at == frame.observed_at.min() + timedelta(hours=4)))]  # a gap
    out = features.add_features(features.hourly_grid(frame, [108, 159], frame.observed_at.min(), frame.observed_at.min() + timedelta(hours=8)))
    seoul = out[out.station_id == 108].reset_index(drop=True)
    assert not seoul.loc[4, "observed"] and math.isnan(seoul.loc[4, "ta"])
    assert seoul.loc[5, "ta_lag_1"] != seoul.loc[5, "ta_lag_1"]  # the gap is a missing lag, not the row before
    assert seoul.loc[7, "ta_lag_1"] == 8 + 6 and math.isnan(seoul.loc[7, "ta_lag_3"]) and math.isnan(seoul.loc[6, "ta_lag_2"])
    assert seoul.loc[2, TARGET_COLUMN] == 8 + 3 and math.isnan(seoul.loc[3, TARGET_COLUMN])
    assert seoul.loc[3, "pa_change_3h"] == 3.0
    # Calm (KMA wd 0) is no direction at all; 90 degrees is east.
    assert (seoul.loc[0, "wd_sin"], seoul.loc[0, "wd_cos"]) == (0.0, 0.0)
    assert seoul.loc[1, "wd_sin"] == pytest.approx(1.0) and seoul.loc[1, "wd_cos"] == pytest.approx(0.0, abs=1e-12)
    # 2026-11-19 15:00 UTC is midnight in Korea: the calendar features are KST.
    assert seoul.loc[0, "hour_sin"] == pytest.approx(0.0, abs=1e-12) and seoul.loc[0, "hour_cos"] == pytest.approx(1.0)
    assert seoul.loc[0, "doy_sin"] == pytest.approx(math.sin(2 * math.pi * (324 - 1) / 365.25))


def test_dataset_counts_every_dropped_row_once_and_splits_by_time():
    window = features.DatasetWindow.ending_on(DAY, window_days=2, holdout_days=1)
    frame = observations(start=window.start, hours=48, ta={(159, 30): None})
    frame = frame[~((frame.station_id == 108) & (frame.observed_at == window.start + timedelta(hours=20)))]
    dataset, report = features.build_dataset(frame, [108, 159, 184], window)

    assert report.grid_rows == 3 * 48
    # 184 never reported; 108 lacks hour 20; 159's ta is missing at hour 30.
    assert report.dropped == {
        "no_observation": 48 + 1,
        "missing_target": 2 + 1 + 1,  # the last hour of both stations, hour 19 of 108, hour 29 of 159
        "missing_ta": 1,
        "missing_lags": 2 * 3 + 3 + 3,  # the first three hours of both; three hours after each gap
    }
    assert len(dataset) == report.grid_rows - sum(report.dropped.values()) == report.train_rows + report.holdout_rows
    assert report.hours_with_ta == {108: 47, 159: 47, 184: 0}
    assert list(dataset.columns) == TRAINING_DATASET.column_names
    assert set(dataset.training_day) == {DAY}
    holdout = dataset[dataset.split == HOLDOUT]
    assert holdout.observed_at.min() >= pd.Timestamp(window.holdout_start) > dataset[dataset.split == TRAIN].observed_at.max()
    assert not dataset[list(FEATURE_COLUMNS) + [TARGET_COLUMN]].isna().any().any()


def test_latest_features_are_the_training_features_of_that_hour():
    frame = observations(hours=6)
    last = frame.observed_at.max()
    latest = features.latest_features(frame, [108, 159, 184], last)
    assert list(latest.station_id) == [108, 159]  # 184 has no data: nothing to predict from
    assert list(latest.ta_lag_3) == [8 + 2, 59 + 2] and set(latest.observed_at) == {pd.Timestamp(last)}


def test_scores_and_markdown():
    holdout = pd.DataFrame({"station_id": [1, 1, 2, 2], "observed_at": pd.date_range("2026-11-20", periods=4, freq="h", tz="UTC"),
                            "ta": [0.0, 1.0, 2.0, 3.0], TARGET_COLUMN: [1.0, 2.0, 2.0, 5.0]})
    predictions = evaluation.with_persistence(holdout, {"challenger": np.array([1.0, 2.0, 3.0, 3.0])})
    result = evaluation.evaluate(holdout, predictions)
    assert result.overall["challenger"] == evaluation.Scores(0.75, math.sqrt(5 / 4), 4)
    assert result.overall["persistence"].mae == pytest.approx(1.0)
    assert result.per_station["challenger"][2].mae == pytest.approx(1.5)
    assert result.mae_by_hour["challenger"][9] == 0.0 and math.isnan(result.mae_by_hour["challenger"][3])  # 00:00 UTC = 09 KST
    table = evaluation.markdown(result, {"challenger": "challenger v3"})
    assert "challenger v3 MAE" in table and "| station 2 | 1.500 |" in table
    images = evaluation.plots(holdout, predictions, result)
    assert set(images) == {"predicted_vs_actual.png", "mae_by_hour.png"}
    assert all(png.startswith(b"\x89PNG") for png in images.values())


@pytest.mark.parametrize(
    "challenger_mae, champion, promote, words",
    [
        (0.30, None, True, "first champion"),
        (0.60, None, False, "does not beat persistence"),
        (float("nan"), None, False, "does not beat persistence"),
        (0.31, Candidate("1", "2026-11-20", 0.30), True, "within 0.020"),
        (0.35, Candidate("1", "2026-11-20", 0.30), False, "loses to champion v1"),
        (0.20, Candidate("1", "2026-11-25", 0.30), False, "later day"),
        (0.20, Candidate("2", "2026-11-20", 0.30), True, "already the champion"),
    ],
)
def test_promotion_rule(challenger_mae, champion, promote, words):
    decision = decide(Candidate("2", "2026-11-20", challenger_mae), 0.50, champion, max_mae_loss_c=0.02)
    assert decision.promote is promote and words in decision.reason


def test_readiness_names_the_stations_that_fall_short():
    result = readiness_result({108: 1440, 159: 1200, 184: 0}, window_hours=1440, min_share=0.9)
    assert not result.passed and result.severity.value == "ERROR"
    assert result.metadata["short_station_ids"].text == "159, 184" and result.metadata["stations_short"].value == 2
    assert readiness_result({108: 1300}, 1440, 0.9).passed
    assert not readiness_result({}, 1440, 0.9).passed


def test_champion_check_fails_when_worse_than_persistence_or_missing():
    assert champion_result("3", 0.30, 0.50, 100).passed
    assert not champion_result("3", 0.55, 0.50, 100).passed
    missing = champion_result(None, float("nan"), 0.50, 100)
    assert not missing.passed and "no champion" in missing.description


def test_model_input_orders_and_types_features_and_rejects_unknown_ones():
    frame = observations(hours=4).assign(ta_lag_1=1.0, ta_lag_2=1.0, ta_lag_3=1.0, wd_sin=0.0, wd_cos=1.0, pa_change_3h=0.0,
                                           hour_sin=0.0, hour_cos=1.0, doy_sin=0.0, doy_cos=1.0)
    x = training.model_input(frame, ["ta_lag_1", "station_id", "ta"])
    assert list(x.columns) == ["station_id", "ta", "ta_lag_1"] and x.dtypes["station_id"] == "int64"
    with pytest.raises(ValueError, match="unknown features"):
        training.model_input(frame, ["ta", "tomorrow"])
    with pytest.raises(ValueError, match="unknown estimator"):
        training.build_pipeline(["ta"], "forest")


def test_the_model_learns_the_change_so_it_follows_temperatures_it_never_saw():
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"station_id": rng.choice([108, 159], 400), "ta": rng.uniform(0, 10, 400)})
    train[TARGET_COLUMN] = train["ta"] + 0.5
    colder = pd.DataFrame({"station_id": [108, 159], "ta": [-8.0, 20.0]})
    change = training.fit(train, ["station_id", "ta"], max_iter=50)
    assert training.predict(change, colder) == pytest.approx([-7.5, 20.5], abs=0.05)
    assert type(change).__name__ == "NextHourChange"
    # Without ta among the features there is nothing to add a change to: the pipeline predicts ta itself.
    assert type(training.build_pipeline(["station_id", "ta_lag_1"])).__name__ == "Pipeline"
