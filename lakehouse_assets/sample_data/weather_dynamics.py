"""The weather dynamics behind the sample KMA responses: hashed noise, fronts and sensor outages.

Every random quantity is a hash of (seed, stream, station, time index): no state and no sequence
to replay, so any hour costs the same to generate whichever range asks for it (O(1) per hour).
Time is `u`, whole hours since 2000-01-01 00:00 KST. Standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_MASK64 = (1 << 64) - 1
REGION = 0  # the "station" of quantities every station shares (synoptic weather, fronts)
# Independent streams of randomness, one per quantity.
(T_SYNOPTIC, T_SYNOPTIC_FAST, T_LOCAL, T_LOCAL_FAST, P_SYNOPTIC, CLOUD, CLOUD_LOCAL, HUMID, WIND,
 WIND_DIR, WET, WET_LOCAL, FRONT, OUTAGE, SENSOR) = range(1, 16)


def hash64(*parts: int) -> int:
    """The parts folded into 64 bits, then splitmix64's finaliser: stable across processes (unlike
    the salted built-in `hash`) and cheap enough to call dozens of times per hour."""
    h = 0
    for part in parts:
        h = (h * 0x100000001B3 + part + 0x9E3779B97F4A7C15) & _MASK64
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _MASK64
    return h ^ (h >> 31)


def uniform(*parts: int) -> float:
    """A uniform number in [0, 1) fixed by the parts."""
    return (hash64(*parts) >> 11) / float(1 << 53)


def gauss(*parts: int) -> float:
    """A standard normal number fixed by the parts (Box-Muller on the hash's two halves)."""
    h = hash64(*parts)
    u1, u2 = ((h >> 32) + 0.5) / 2**32, (h & 0xFFFFFFFF) / 2**32
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def smooth_noise(seed: int, stream: int, station: int, u: float, period_h: float) -> float:
    """Autocorrelated noise of about unit spread: Gaussian knots every `period_h` hours, eased between."""
    k = math.floor(u / period_h)
    f = u / period_h - k
    w = f * f * (3.0 - 2.0 * f)
    return 1.16 * ((1.0 - w) * gauss(seed, stream, station, k) + w * gauss(seed, stream, station, k + 1))


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


# -- weather fronts -----------------------------------------------------------------------------
# A front crosses the peninsula from the west about every four days: warm, moist air and falling
# pressure ahead of it, a rain band and wind at its passage, then a cold, dry, high-pressure spell
# that fades over two days. Stations meet the same front in turn (their lag after Incheon).

FRONT_SLOT_H = 90  # at most one front per slot, at a hashed time inside it
FRONT_CHANCE = 0.8
COLD_RECOVERY_H = 42.0


@dataclass(frozen=True)
class FrontEffect:
    temp: float = 0.0  # °C, before the station's response factor
    pressure: float = 0.0  # hPa
    wind: float = 0.0  # m/s
    veer: float = 0.0  # degrees the wind turns clockwise (north-westerly after the passage)
    cloud: float = 0.0
    rain: float = 0.0  # rain-band strength, 0..~1.5


def _shape(tau: float) -> tuple[float, float, float, float]:
    """(warm sector, cold spell, passage, rain band) weights `tau` hours after the passage."""
    passed = logistic(tau / 2.0)
    return (
        math.exp(-(((tau + 14.0) / 12.0) ** 2)),
        passed * math.exp(-max(tau, 0.0) / COLD_RECOVERY_H),
        math.exp(-((tau / 10.0) ** 2)),
        math.exp(-(((tau + 2.0) / 5.0) ** 2)),
    )


def _front_temp(warm: float, cold: float) -> float:
    return 2.0 * warm - 5.0 * cold


# A front's mean temperature swing per hour of climate: removed so station means stay put.
FRONT_TEMP_MEAN = FRONT_CHANCE / FRONT_SLOT_H * sum(_front_temp(*_shape(t / 4.0)[:2]) / 4.0 for t in range(-400, 1600))

_front_cache: dict[tuple[int, int], tuple[float, float] | None] = {}


def _front(seed: int, slot: int) -> tuple[float, float] | None:
    """(hour of the passage at Incheon, strength 0.5..1.5) of the slot's front, or None."""
    key = (seed, slot)
    if key not in _front_cache:
        if len(_front_cache) > 100_000:
            _front_cache.clear()
        passes = uniform(seed, FRONT, slot, 0) <= FRONT_CHANCE
        at = (slot + uniform(seed, FRONT, slot, 2)) * FRONT_SLOT_H
        _front_cache[key] = (at, 0.5 + uniform(seed, FRONT, slot, 1)) if passes else None
    return _front_cache[key]


def fronts(seed: int, u: float, lag_h: float, winter: float) -> FrontEffect:
    """The summed effect at hour `u` of the fronts near enough in time, at a station `lag_h` hours
    behind Incheon; `winter` (0..1) makes them stronger."""
    temp = pressure = wind = veer = cloud = rain = 0.0
    for slot in range(math.floor((u - lag_h - 240.0) / FRONT_SLOT_H), math.floor((u - lag_h + 60.0) / FRONT_SLOT_H) + 1):
        front = _front(seed, slot)
        if front is None:
            continue
        strength = front[1] * (1.0 + 0.4 * winter)
        tau = u - front[0] - lag_h
        warm, cold, passage, band = _shape(tau)
        temp += strength * _front_temp(warm, cold)
        pressure += strength * (5.0 * cold - 7.0 * math.exp(-((tau / 16.0) ** 2)))
        wind += strength * 2.5 * passage
        veer += 60.0 * logistic(tau / 3.0) * math.exp(-max(tau, 0.0) / 30.0) - 30.0 * warm
        cloud += 0.7 * math.exp(-((tau / 14.0) ** 2))
        rain += strength * band
    return FrontEffect(temp, pressure, wind, veer, cloud, rain)


def sensor_outage(seed: int, station_id: int, u: int) -> bool:
    """A thermo-hygrometer outage: about one station-day in a hundred loses ta/hm for 2-6 hours."""
    day = u // 24
    for d in (day - 1, day):
        if uniform(seed, OUTAGE, station_id, d, 0) < 0.01:
            start = d * 24 + int(uniform(seed, OUTAGE, station_id, d, 1) * 24)
            if start <= u < start + 2 + int(uniform(seed, OUTAGE, station_id, d, 2) * 5):
                return True
    return False
