"""The drift rule: verdicts and statistics equal Evidently's DataDriftPreset on the same frames; on
sample weather a normal day passes and +5 °C fails naming ta and its lags, while the raw model
features would flag every normal day (why the check compares consistency departures)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.ml import features
from lakehouse_assets.ml.tables import NUMERIC_FEATURES
from lakehouse_assets.monitoring import consistency
from lakehouse_assets.monitoring.drift import CHI_SQUARE, JENSEN_SHANNON, KS, WASSERSTEIN, Z_TEST, drift_report, psi
from lakehouse_assets_tests.monitoring.world import CURRENT, STATIONS, sample_observations

EVIDENTLY_NAMES = {KS: "K-S p_value", WASSERSTEIN: "Wasserstein distance (normed)", CHI_SQUARE: "chi-square p_value", Z_TEST: "Z-test p_value", JENSEN_SHANNON: "Jensen-Shannon distance"}
WEATHER_FEATURES = [f for f in NUMERIC_FEATURES if not f.startswith(("hour_", "doy_"))]


@pytest.fixture(scope="module")
def observations():
    return sample_observations(Window(CURRENT.start - timedelta(days=8, hours=3), CURRENT.end))


def shifted(frame: pd.DataFrame, degrees: float) -> pd.DataFrame:
    out = frame.copy()
    out.loc[out["observed_at"] >= CURRENT.start - timedelta(hours=3), "ta"] += degrees
    return out


def consistency_frames(observations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    reference_window = Window(CURRENT.start - timedelta(days=8), CURRENT.start - timedelta(days=1))
    ratios = consistency.pressure_ratios(observations)
    reference = consistency.consistency_features(observations, reference_window.start, reference_window.end, ratios)
    return reference, consistency.consistency_features(observations, CURRENT.start, CURRENT.end, ratios)


def model_features(observations: pd.DataFrame, window: Window) -> pd.DataFrame:
    grid = features.hourly_grid(observations, STATIONS, window.start - timedelta(hours=3), window.end)
    frame = features.add_features(grid)
    return frame[(frame["observed_at"] >= pd.Timestamp(window.start)) & frame["observed"]].reset_index(drop=True)


def test_normal_day_passes_and_five_degrees_fails_on_consistency(observations):
    reference, current = consistency_frames(observations)
    normal = drift_report(reference, current, consistency.NUMERIC, consistency.CATEGORICAL)
    assert normal.drifted == [] and not normal.dataset_drift
    assert len(current) == 192 and len(reference) == 7 * 192

    _, hot = consistency_frames(shifted(observations, 5.0))
    broken = drift_report(reference, hot, consistency.NUMERIC, consistency.CATEGORICAL)
    assert broken.drifted == ["ta", "ta_lag_1", "ta_lag_2", "ta_lag_3"]
    assert broken.dataset_drift and broken.drift_share == pytest.approx(4 / 6)
    station = next(f for f in broken.features if f.feature == "station_id")
    assert station.kind == "categorical" and not station.drifted and station.psi is None


def test_the_raw_model_features_drift_on_a_normal_day(observations):
    """Why the check does not compare raw weather: one ordinary day already drifts."""
    reference = model_features(observations, Window(CURRENT.start - timedelta(days=8), CURRENT.start - timedelta(days=1)))
    current = model_features(observations, CURRENT)
    report = drift_report(reference, current, WEATHER_FEATURES, ["station_id"])
    assert "ta" in report.drifted and report.dataset_drift


def test_psi_is_zero_for_the_same_sample_and_grows_with_a_shift():
    values = pd.Series(np.random.default_rng(3).normal(10, 2, 2000))
    assert psi(values, values) == pytest.approx(0.0)
    assert 0.1 < psi(values, values + 1.0) < psi(values, values + 3.0)


def synthetic_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Columns that take each of Evidently's methods with a small reference (<= 1000 rows)."""
    rng = np.random.default_rng(11)
    n_ref, n_cur = 600, 150

    def frame(n: int, shift: float, p_one: float, weights: list[float]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "continuous": rng.normal(shift, 1, n),  # KS
                "binary": (rng.random(n) < p_one).astype(float),  # z-test
                "levels": rng.choice([0.0, 1.0, 2.0, 3.0], n, p=weights),  # chi-square
                "station_id": rng.choice([108, 159, 184], n),  # categorical chi-square
            }
        )

    return frame(n_ref, 0.0, 0.3, [0.4, 0.3, 0.2, 0.1]), frame(n_cur, 0.4, 0.5, [0.4, 0.3, 0.2, 0.1])


CASES = {
    "sample weather, 7-day reference (Wasserstein)": "weather_7",
    "sample weather, 3-day reference (KS)": "weather_3",
    "consistency departures +5 °C": "consistency",
    "synthetic: KS, z, chi-square, categorical": "synthetic",
    "synthetic large reference: Jensen-Shannon": "synthetic_large",
}


def frames_for(case: str, observations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[str], list[str]]:
    if case.startswith("weather"):
        days = 7 if case == "weather_7" else 3
        reference = model_features(observations, Window(CURRENT.start - timedelta(days=days + 1), CURRENT.start - timedelta(days=1)))
        return reference, model_features(observations, CURRENT), WEATHER_FEATURES, ["station_id"]
    if case == "consistency":
        reference, _ = consistency_frames(observations)
        _, hot = consistency_frames(shifted(observations, 5.0))
        return reference, hot, list(consistency.NUMERIC), list(consistency.CATEGORICAL)
    reference, current = synthetic_frames()
    if case == "synthetic_large":
        reference = pd.concat([reference] * 3, ignore_index=True)
    return reference, current, ["continuous", "binary", "levels"], ["station_id"]


def evidently_verdicts(reference: pd.DataFrame, current: pd.DataFrame, numeric: list[str], categorical: list[str]) -> tuple[dict, bool]:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    columns = numeric + categorical
    snapshot = Report([DataDriftPreset()], include_tests=True).run(
        current_data=Dataset.from_pandas(current[columns], data_definition=definition),
        reference_data=Dataset.from_pandas(reference[columns], data_definition=definition),
    )
    per_column = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            per_column[config["column"]] = {"method": config["method"], "threshold": config["threshold"], "value": metric["value"]}
    dataset_drift = None
    for test in snapshot.tests_results:
        if test.name.startswith("Value Drift for column "):
            per_column[test.name.removeprefix("Value Drift for column ")]["drifted"] = test.status.value == "FAIL"
        elif test.name.startswith("Share of Drifted Columns"):
            dataset_drift = test.status.value == "FAIL"
    return per_column, dataset_drift


def test_verdicts_equal_evidentlys_on_the_same_frames(observations):
    methods_seen = set()
    for label, case in CASES.items():
        reference, current, numeric, categorical = frames_for(case, observations)
        ours = drift_report(reference, current, numeric, categorical)
        theirs, their_dataset_drift = evidently_verdicts(reference, current, numeric, categorical)
        for feature in ours.features:
            expected = theirs[feature.feature]
            assert EVIDENTLY_NAMES[feature.method] == expected["method"], (label, feature.feature)
            assert feature.threshold == pytest.approx(expected["threshold"]), (label, feature.feature)
            assert feature.statistic == pytest.approx(expected["value"], rel=1e-9, abs=1e-12), (label, feature.feature)
            assert feature.drifted == expected["drifted"], (label, feature.feature, feature.statistic)
            methods_seen.add(feature.method)
        assert ours.dataset_drift == their_dataset_drift, label
    assert methods_seen == {KS, WASSERSTEIN, CHI_SQUARE, Z_TEST, JENSEN_SHANNON}
