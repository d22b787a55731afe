"""The sample weather is a forecasting task, not a formula of the calendar: fronts that reach the
stations in turn, autocorrelated anomalies shared across stations, sensor outages; every value a
stable hash of (seed, station, hour), so any hour costs the same to generate."""

import math
from datetime import datetime, timedelta

import numpy as np

from lakehouse_assets.sample_data import weather, weather_dynamics as dyn

START = datetime(2026, 10, 1, tzinfo=weather.KST)
DAYS = 60


def hourly(station: int, column: str, days: int = DAYS) -> np.ndarray:
    values = [weather.observation_item(station, START + timedelta(hours=h))[column] for h in range(days * 24)]
    return np.array([float(v) if v else np.nan for v in values])


def test_randomness_is_a_stable_hash_not_a_sequence():
    assert dyn.hash64(7, 1, 108, 1000) == 2900227961204173564  # the same in every process and Python run
    assert dyn.uniform(7, 1, 108, 1000) == dyn.uniform(7, 1, 108, 1000) != dyn.uniform(7, 1, 108, 1001)
    far = datetime(2041, 3, 5, 7, tzinfo=weather.KST)  # no history is generated to answer it
    assert weather.observation_item(133, far) == weather.observation_item(133, far)


def test_noise_drifts_over_hours_instead_of_jumping():
    values = np.array([dyn.smooth_noise(7, dyn.T_LOCAL, 108, u, 16) for u in range(5000)])
    assert 0.7 < values.std() < 1.3
    assert np.corrcoef(values[:-1], values[1:])[0, 1] > 0.95
    assert abs(np.corrcoef(values[:-48], values[48:])[0, 1]) < 0.3


def test_a_front_reaches_the_stations_in_turn_and_leaves_cold_air():
    at, _ = dyn._front(7, 3002)
    hours = np.arange(math.floor(at) - 48, math.floor(at) + 72)
    incheon = [dyn.fronts(7, u, weather.STATIONS[112].front_lag_h, 0.0) for u in hours]
    busan = [dyn.fronts(7, u, weather.STATIONS[159].front_lag_h, 0.0) for u in hours]
    trough_incheon = hours[np.argmin([e.pressure for e in incheon])]
    trough_busan = hours[np.argmin([e.pressure for e in busan])]
    assert trough_busan - trough_incheon == 7
    after, before = int(np.searchsorted(hours, at + 24)), int(np.searchsorted(hours, at - 12))
    assert incheon[after].temp < incheon[before].temp - 3  # cold behind the front, warm ahead
    assert max(e.rain for e in incheon) > 0.5 and max(e.wind for e in incheon) > 1.0


def test_weather_is_shared_across_stations_yet_not_a_function_of_the_calendar():
    seoul, busan = hourly(108, "ta"), hourly(159, "ta")
    present = ~np.isnan(seoul[:-1]) & ~np.isnan(seoul[1:])
    assert np.corrcoef(seoul[:-1][present], seoul[1:][present])[0, 1] > 0.97  # persistence is a real baseline

    def anomalies(series):
        daily = np.nanmean(series.reshape(DAYS, 24), axis=1)
        return daily - np.polyval(np.polyfit(range(DAYS), daily, 1), range(DAYS))

    assert anomalies(seoul).std() > 1.5  # days differ by more than the season explains
    assert np.corrcoef(anomalies(seoul), anomalies(busan))[0, 1] > 0.7  # the same air masses
    afternoons = seoul[15::24]
    assert np.nanstd(afternoons - np.polyval(np.polyfit(range(DAYS), np.nan_to_num(afternoons, nan=np.nanmean(afternoons)), 1), range(DAYS))) > 1.5


def test_sensors_fail_for_hours_at_a_time_now_and_then():
    outages = [u for u in range(24 * 365) if dyn.sensor_outage(7, 108, 230_000 + u)]
    assert 0 < len(outages) < 24 * 365 * 0.01
    runs = np.split(outages, np.where(np.diff(outages) != 1)[0] + 1)
    assert all(2 <= len(run) <= 6 for run in runs)
