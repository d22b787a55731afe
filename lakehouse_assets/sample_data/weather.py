"""KMA ASOS hourly responses for offline runs: deterministic, realistic, in the API's JSON shape.

Without `KMA_SERVICE_KEY` the weather assets read from `SampleKmaSource`, which answers like
`getWthrDataList`: string values, `tm` in KST, `""` for missing values and for no rain, `*Qcflg`
flags ("9" where a value is missing), `pageNo/numOfRows/totalCount` pagination and code 03 for a
range without data. Values follow each station's climate and make next-hour temperature a real
forecasting task: a seasonal and a diurnal cycle (narrower under cloud), weather fronts crossing the
peninsula every few days (warm and falling pressure ahead, rain and wind at the passage, a cold
high-pressure spell after; every station meets the same front in turn), synoptic and local
anomalies that drift over hours to days (autocorrelated, not white), humidity falling as the day
warms, pressure higher in winter, daytime sunshine and radiation, rain spells (more in the summer
monsoon, snow when cold), about 0.5% missing values and occasional multi-hour sensor outages.

Every value derives from hashes of (seed, station, time index) only: no state and no sequence to
replay, so generating an hour costs O(1), an hour is the same whichever range asks for it, and no
wall clock is read.

CLI: `python -m lakehouse_assets.sample_data weather --landing DIR --start 2026-11-20T00 --hours 24`
writes those responses into the raw landing layout of `weather/observations_raw`
(`weather/date=YYYY-MM-DD/hour=HH/stn=<id>.json`, UTC hours, plus the partition's manifest).
"""

from __future__ import annotations

import argparse
import json
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from . import weather_dynamics as dyn

KST = timezone(timedelta(hours=9))
DEFAULT_SEED = 7


@dataclass(frozen=True)
class Climate:
    name: str  # as the API spells it
    elevation_m: float
    mean_c: float  # annual mean temperature
    seasonal_c: float  # half the July-January difference
    diurnal_c: float  # full day-night range on a clear day
    windiness: float  # typical wind speed, m/s
    front_lag_h: float = 3.0  # hours after Incheon that a front coming from the west arrives


STATIONS: dict[int, Climate] = {
    108: Climate("서울", 86, 12.8, 13.8, 8.5, 2.3, 1.0),
    159: Climate("부산", 70, 15.0, 10.5, 6.5, 3.4, 7.0),
    143: Climate("대구", 54, 14.7, 13.3, 9.5, 2.4, 5.0),
    112: Climate("인천", 69, 12.6, 13.2, 6.5, 3.2, 0.0),
    156: Climate("광주", 73, 14.2, 12.8, 8.5, 2.1, 3.0),
    133: Climate("대전", 69, 13.3, 13.6, 9.5, 1.9, 3.0),
    152: Climate("울산", 35, 14.6, 11.5, 8.0, 2.6, 7.0),
    184: Climate("제주", 20, 16.2, 10.0, 5.5, 3.6, 4.0),
}
_GENERIC = Climate("관측소", 50, 13.5, 12.5, 8.0, 2.5)

MISSING_SHARE = 0.005
_MAYBE_MISSING = ("ta", "ws", "wd", "hm", "pa", "ps", "td", "pv", "vs", "ts")
_QC_FIELDS = ("ta", "rn", "ws", "wd", "hm", "pa", "ps", "ss", "ts")
# The key order of a real item (see lakehouse_assets_tests/weather/fixtures/kma/getWthrDataList_ok.json).
ITEM_KEYS = (
    "tm", "rnum", "stnId", "stnNm", "ta", "taQcflg", "rn", "rnQcflg", "ws", "wsQcflg", "wd", "wdQcflg",
    "hm", "hmQcflg", "pv", "td", "pa", "paQcflg", "ps", "psQcflg", "ss", "ssQcflg", "icsr", "dsnw",
    "hr3Fhsc", "dc10Tca", "dc10LmcsCa", "clfmAbbrCd", "lcsCh", "vs", "gndSttCd", "dmstMtphNo", "ts",
    "tsQcflg", "m005Te", "m01Te", "m02Te", "m03Te",
)

_EPOCH_KST = datetime(2000, 1, 1, tzinfo=KST)


def _rng(seed: int, *parts: Any) -> random.Random:
    # A string seed is hashed with SHA-512 by `random`: stable across processes and Python runs.
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def observation_item(station_id: int, tm_kst: datetime, seed: int = DEFAULT_SEED, rnum: int = 1) -> dict[str, str]:
    """One item as `getWthrDataList` sends it, for a KST hour (all values strings)."""
    tm_kst = tm_kst.astimezone(KST).replace(minute=0, second=0, microsecond=0)
    climate = STATIONS.get(station_id, _GENERIC)
    rng = _rng(seed, station_id, tm_kst.strftime("%Y%m%d%H"))
    u = int((tm_kst - _EPOCH_KST).total_seconds() // 3600)
    hour, doy = tm_kst.hour, tm_kst.timetuple().tm_yday

    def noise(stream: int, station: int, period_h: float) -> float:
        return dyn.smooth_noise(seed, stream, station, u, period_h)

    def sensor(quantity: int) -> float:  # white measurement noise
        return dyn.gauss(seed, dyn.SENSOR, station_id, u, quantity)

    seasonal = -math.cos(2 * math.pi * (doy - 20) / 365.25)  # -1 late January .. +1 late July
    summer = max(0.0, math.cos(2 * math.pi * (doy - 200) / 365.25))  # monsoon peak in late July
    winter = max(0.0, -seasonal)
    diurnal = math.cos(2 * math.pi * (hour - 15) / 24)  # +1 at 15:00, -1 at 03:00
    # Inland stations swing more with the air masses than the sea-moderated coast and Jeju.
    response = climate.seasonal_c / 13.0
    front = dyn.fronts(seed, u, climate.front_lag_h, winter)
    synoptic_t = 1.6 * noise(dyn.T_SYNOPTIC, dyn.REGION, 72) + 0.8 * noise(dyn.T_SYNOPTIC_FAST, dyn.REGION, 20)

    wetness = 1.3 * front.rain + 0.45 * noise(dyn.WET, dyn.REGION, 10) + 0.3 * noise(dyn.WET_LOCAL, station_id, 4)
    wetness += 0.45 * summer - 1.05
    raining = wetness > 0
    cloud = 0.35 + 0.2 * summer + 0.25 * noise(dyn.CLOUD, dyn.REGION, 24) + 0.12 * noise(dyn.CLOUD_LOCAL, station_id, 8)
    cloud = min(1.0, max(0.0, cloud + front.cloud + (0.35 if raining else 0.0)))

    range_c = climate.diurnal_c * (1 - 0.6 * cloud)
    ta = climate.mean_c + climate.seasonal_c * seasonal + 0.5 * range_c * diurnal
    ta += response * (synoptic_t + front.temp - dyn.FRONT_TEMP_MEAN * (1.0 + 0.4 * winter))
    ta += 0.7 * noise(dyn.T_LOCAL, station_id, 16) + 0.3 * noise(dyn.T_LOCAL_FAST, station_id, 5)
    ta += 0.12 * sensor(0) - (1.0 + min(1.5, wetness) if raining else 0.0)

    hm = 55 + 12 * max(0.0, seasonal) - 14 * diurnal * (1 - cloud) + 15 * cloud + 2.0 * front.temp * response
    hm += 6 * noise(dyn.HUMID, station_id, 12) + 2 * sensor(1)
    hm = min(100.0, max(12.0, 92 + rng.uniform(0, 7) if raining else hm))
    gamma = math.log(hm / 100) + 17.62 * ta / (243.12 + ta)
    td = 243.12 * gamma / (17.62 - gamma)
    pv = 6.112 * math.exp(17.62 * td / (243.12 + td))

    ps = 1015.5 - 7.0 * seasonal - 1.8 * synoptic_t + 3.0 * noise(dyn.P_SYNOPTIC, dyn.REGION, 60) + front.pressure
    ps += 0.6 * math.cos(2 * math.pi * (hour - 10) / 12) - (1.5 if raining else 0.0) + 0.15 * sensor(2)
    pa = ps * math.exp(-climate.elevation_m / (29.3 * (ta + 273.15)))

    ws = climate.windiness * (1 + 0.35 * diurnal) * max(0.2, 1 + 0.3 * noise(dyn.WIND, station_id, 18))
    ws = max(0.0, ws + front.wind + (1.0 if raining else 0.0) + 0.4 * sensor(3))
    prevailing = 255 - 45 * seasonal  # north-westerly monsoon in winter, south-westerly in summer
    direction = prevailing + front.veer + 35 * noise(dyn.WIND_DIR, station_id, 10) + 12 * sensor(4)
    wd = 0 if ws < 0.3 else int(round(direction % 360 / 10.0)) * 10 or 360  # KMA: 0 calm, 360 north

    sunrise, sunset = 7.5 - 1.5 * seasonal, 17.8 + 1.6 * seasonal
    daylight = sunrise <= hour < sunset
    elevation = max(0.0, math.sin(math.pi * (hour + 0.5 - sunrise) / (sunset - sunrise))) if daylight else 0.0
    ss = min(1.0, max(0.0, (1 - cloud) + rng.gauss(0, 0.15))) if daylight and not raining else 0.0
    icsr = (2.9 + 0.8 * seasonal) * elevation * (0.25 + 0.75 * ss)

    rn = min(80.0, wetness * (2.0 + 6.0 * summer) * rng.uniform(0.5, 1.5)) if raining else 0.0
    snowing = raining and ta < 1.0
    vs = int(rng.uniform(300, 1500) if raining else min(5000, max(800, rng.gauss(2400, 600) - 8 * (hm - 60))))
    ts = ta + (6.0 * elevation * (0.3 + ss) if daylight else -1.2) + rng.gauss(0, 0.4)
    total_cloud = int(round(min(10, max(0, cloud * 10 + rng.gauss(0, 1)))))

    def one(x: float) -> str:
        return f"{x:.1f}"

    item = {
        "tm": tm_kst.strftime("%Y-%m-%d %H:%M"),
        "rnum": str(rnum),
        "stnId": str(station_id),
        "stnNm": climate.name,
        "ta": one(ta),
        "rn": one(rn) if rn >= 0.05 else "",  # the service sends "" for no rain
        "ws": one(ws),
        "wd": str(wd),
        "hm": str(int(round(hm))),
        "pv": one(pv),
        "td": one(td),
        "pa": one(pa),
        "ps": one(ps),
        "ss": one(ss) if daylight else "",
        "icsr": f"{icsr:.2f}" if daylight and icsr >= 0.005 else "",
        "dsnw": one(rng.uniform(0.5, 4.0)) if snowing else "",
        "hr3Fhsc": "",
        "dc10Tca": str(total_cloud),
        "dc10LmcsCa": str(max(0, total_cloud - rng.randint(0, 3))),
        "clfmAbbrCd": "ScSt" if total_cloud >= 7 else ("Ci" if total_cloud >= 2 else ""),
        "lcsCh": str(rng.randint(3, 12)) if total_cloud >= 2 else "",
        "vs": str(vs),
        "gndSttCd": "",
        "dmstMtphNo": ("70" if snowing else "60") if raining else "",
        "ts": one(ts),
        "m005Te": one(ts - 0.8),
        "m01Te": one(ts - 1.4),
        "m02Te": one(ts - 2.0),
        "m03Te": one(ts - 2.6),
    }
    flags = {f"{name}Qcflg": "" for name in _QC_FIELDS}
    missing = {name for name in _MAYBE_MISSING if rng.random() < MISSING_SHARE}
    if dyn.sensor_outage(seed, station_id, u):
        missing |= {"ta", "hm", "td", "pv"}
    for name in sorted(missing):
        item[name] = ""
        if name in _QC_FIELDS:
            flags[f"{name}Qcflg"] = "9"  # KMA: 9 = missing
    if not daylight:
        flags["ssQcflg"] = "9"  # no sunshine record at night, flagged as the service does
    item.update(flags)
    return {key: item[key] for key in ITEM_KEYS}


def hours_between(start_kst: datetime, end_kst: datetime) -> list[datetime]:
    """Every whole KST hour from start to end, both included."""
    hour = start_kst.astimezone(KST).replace(minute=0, second=0, microsecond=0)
    out = []
    while hour <= end_kst:
        out.append(hour)
        hour += timedelta(hours=1)
    return out


def response_body(items: list[dict[str, str]], page_no: int, page_size: int, total_count: int) -> bytes:
    """A `getWthrDataList` JSON body: code 00 with the items, or code 03 without any."""
    if not total_count:
        envelope: dict[str, Any] = {"response": {"header": {"resultCode": "03", "resultMsg": "NODATA_ERROR"}}}
    else:
        envelope = {
            "response": {
                "header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
                "body": {"dataType": "JSON", "items": {"item": items}, "pageNo": page_no, "numOfRows": page_size, "totalCount": total_count},
            }
        }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sample_pages(station_id: int, start_kst: datetime, end_kst: datetime, page_size: int = 999, seed: int = DEFAULT_SEED) -> list[bytes]:
    """The bodies the service would send for this request, page by page."""
    hours = hours_between(start_kst, end_kst)
    items = [observation_item(station_id, hour, seed, rnum=i + 1) for i, hour in enumerate(hours)]
    if not items:
        return [response_body([], 1, page_size, 0)]
    return [
        response_body(items[start : start + page_size], start // page_size + 1, page_size, len(items))
        for start in range(0, len(items), page_size)
    ]


class SampleKmaSource:
    """Answers `fetch` like `KmaClient`, from the generator, labelled `sample`."""

    source = "sample"

    def __init__(self, seed: int = DEFAULT_SEED, page_size: int = 999):
        self.seed, self.page_size = seed, page_size

    def fetch(self, station_id: int, start_kst: datetime, end_kst: datetime) -> Any:
        from lakehouse_assets.weather.kma_protocol import NO_DATA, OK, KmaResult, decode_body

        bodies = sample_pages(station_id, start_kst, end_kst, self.page_size, self.seed)
        pages = [decode_body(b) for b in bodies]
        items = tuple(i for p in pages for i in p.items)
        code = NO_DATA if pages[0].code == NO_DATA else OK
        return KmaResult(self.source, code, pages[0].message, tuple(bodies), items, len(items))


# -- command line --------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--landing", required=True, type=Path, help="landing directory (weather/ is created in it)")
    parser.add_argument("--start", required=True, help="first UTC hour, YYYY-MM-DDTHH")
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--stations", default=None, help="comma-separated station ids (default: the eight major stations)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)


def run(args: argparse.Namespace) -> int:
    from lakehouse_assets.settings import DEFAULT_KMA_STATIONS as DEFAULT_STATIONS
    from lakehouse_assets.resources.storage import LocalLandingStorage
    from lakehouse_assets.weather.landing import write_raw_partition

    start = datetime.strptime(args.start, "%Y-%m-%dT%H").replace(tzinfo=timezone.utc)
    stations = [int(s) for s in args.stations.split(",")] if args.stations else list(DEFAULT_STATIONS)
    storage = LocalLandingStorage(root=str(args.landing))
    source = SampleKmaSource(seed=args.seed)
    objects = 0
    for i in range(args.hours):
        hour = start + timedelta(hours=i)
        results = {stn: source.fetch(stn, hour, hour) for stn in stations}
        objects += len(write_raw_partition(storage, hour, source.source, results).objects)
    print(f"wrote {objects} sample KMA responses ({len(stations)} stations x {args.hours} hours) under {args.landing / 'weather'}")
    return 0
