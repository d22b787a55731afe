"""Pure weather logic: item parsing, the sample generator, the raw layout, checks and the schedule plan."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import LocalLandingStorage
from lakehouse_assets.settings import DEFAULT_KMA_STATIONS as DEFAULT_STATIONS
from lakehouse_assets.weather.kma_protocol import KST, NO_DATA, OK, decode_body, is_served
from lakehouse_assets.sample_data import weather as sample
from lakehouse_assets.weather.checks import completeness_result, duplicates_result, null_share_result, ranges_result
from lakehouse_assets.weather.landing import RawPartitionError, read_raw_partition, station_key, write_raw_partition
from lakehouse_assets.weather.parse import BadValue, kst_to_utc, observation_rows, parse_value, qc_flags
from lakehouse_assets.weather.schedules import available_hours, partitions_to_request, retry_slot
from lakehouse_assets.assets_common import hour_key
from lakehouse_assets.weather.tables import OBSERVATIONS, VALUE_COLUMNS
from lakehouse_assets_tests.weather.kma_replay import OK_ITEM

UTC = timezone.utc
HOUR = datetime(2026, 11, 20, 5, tzinfo=UTC)  # 14:00 KST


def item(**values):
    base = dict(OK_ITEM, tm="2026-11-20 14:00", stnId="108")
    base.update(values)
    return base


# -- parsing -------------------------------------------------------------------------------------


def test_table_matches_the_contract():
    assert OBSERVATIONS.identifier == "weather.observations"
    assert OBSERVATIONS.column_names == [
        "station_id", "station_name", "observed_at", "ta", "rn", "ws", "wd", "hm", "pv", "td", "pa", "ps",
        "ss", "icsr", "dsnw", "vs", "ts", "qc_flags", "source",
    ]
    types = {c.name: c.type for c in OBSERVATIONS.columns}
    assert types["station_id"] == "int" and types["observed_at"] == "timestamp" and types["qc_flags"] == "string"
    assert all(types[c] == "double" for c in VALUE_COLUMNS)
    assert (OBSERVATIONS.partition_column, OBSERVATIONS.partition_transform) == ("observed_at", "hour")


@pytest.mark.parametrize(
    "raw, column, expected",
    [
        ("3.6", "ta", 3.6),
        ("-0.2", "td", -0.2),
        ("1007.8", "pa", 1007.8),
        ("0.1", "rn", 0.1),
        ("", "ta", None),
        (" ", "ta", None),
        ("-", "ta", None),
        ("", "rn", 0.0),  # no rain
        (" ", "rn", None),  # only the empty string means no rain
        ("-", "rn", None),
        (None, "ta", None),  # element absent from the item
        (" 12.5 ", "ta", 12.5),
        ("290", "wd", 290.0),
        (17, "hm", 17.0),
    ],
)
def test_parse_value(raw, column, expected):
    value = parse_value(raw, column)
    assert value == expected and (value is None or isinstance(value, float))


def test_numbers_are_parsed_exactly():
    for text in ("0.1", "1007.8", "-12.35", "3.000000000000001", "1e-3"):
        assert parse_value(text, "ta") == float(text)  # the nearest double to the text, never rounded to a precision


@pytest.mark.parametrize("raw", ["abc", "1,5", "nan", "inf", True])
def test_unreadable_values_are_bad(raw):
    with pytest.raises(BadValue):
        parse_value(raw, "ta")


def test_kst_to_utc():
    assert kst_to_utc("2026-11-20 14:00") == HOUR
    assert kst_to_utc("2026-01-01 00:00") == datetime(2025, 12, 31, 15, tzinfo=UTC)


def test_qc_flags_keep_non_empty_flags_sorted():
    assert qc_flags({"taQcflg": "", "ssQcflg": "9", "rnQcflg": "1", "paQcflg": " ", "wsQcflg": "-", "ta": "1"}) == '{"rnQcflg":"1","ssQcflg":"9"}'
    assert qc_flags({"taQcflg": ""}) == "{}"


def test_rows_ignore_and_count_other_hours_stations_malformed_and_repeats():
    items = [
        item(),
        item(stnId="159", stnNm="부산", ta="-", hm=" ", rn="", taQcflg="9"),
        item(tm="2026-11-20 15:00"),  # the next hour
        item(stnId="999"),  # not asked for
        item(tm="yesterday"),
        item(stnId=""),
        item(ta="99.9"),  # the same (station, hour) again: the first one wins
        item(stnId="143", ws="fast"),
    ]
    rows, report = observation_rows(items, Window.hour(HOUR), [108, 159, 143], "kma")

    assert [(r["station_id"], r["observed_at"]) for r in rows] == [(108, HOUR), (143, HOUR), (159, HOUR)]
    assert dict(report.ignored) == {"outside_hour": 1, "other_station": 1, "malformed": 2, "duplicate": 1}
    assert report.items == 8 and report.rows == 3 and report.bad_values == 1
    seoul, daegu, busan = rows
    assert seoul["ta"] == 3.6 and seoul["station_name"] == "서울" and seoul["source"] == "kma"
    assert busan["ta"] is None and busan["hm"] is None and busan["rn"] == 0.0 and json.loads(busan["qc_flags"]) == {"ssQcflg": "9", "taQcflg": "9"}
    assert daegu["ws"] is None and any("ws='fast'" in e for e in report.examples)
    assert set(seoul) == set(OBSERVATIONS.column_names)


# -- sample generator ----------------------------------------------------------------------------


def test_sample_is_deterministic_and_shaped_like_the_service():
    start, end = datetime(2026, 11, 20, 0, tzinfo=KST), datetime(2026, 11, 20, 23, tzinfo=KST)
    pages = sample.sample_pages(108, start, end, page_size=10)
    assert pages == sample.sample_pages(108, start, end, page_size=10)
    assert len(pages) == 3
    decoded = [decode_body(p) for p in pages]
    assert all(p.code == OK and p.total_count == 24 for p in decoded)
    items = [i for p in decoded for i in p.items]
    assert [i["tm"] for i in items] == [f"2026-11-20 {h:02d}:00" for h in range(24)]
    assert list(items[0]) == list(OK_ITEM)  # the recorded item's keys, in its order
    assert all(isinstance(v, str) for i in items for v in i.values())
    # An hour is the same whichever range asks for it.
    alone = decode_body(sample.sample_pages(108, start.replace(hour=14), start.replace(hour=14))[0]).items[0]
    assert dict(alone, rnum="15") == items[14]
    assert decode_body(sample.sample_pages(108, end, start)[0]).code == NO_DATA  # empty range -> code 03


def test_sample_year_is_plausible_and_within_physical_ranges():
    start = datetime(2026, 1, 1, tzinfo=KST)
    items = [sample.observation_item(s, start + timedelta(hours=h)) for s in (108, 184) for h in range(0, 24 * 365, 5)]
    rows, report = observation_rows(items, Window(start, start + timedelta(days=366)), [108, 184], "sample")
    assert report.rows == len(items) and report.bad_values == 0
    assert ranges_result(rows).passed

    def mean(station, months, column):
        values = [r[column] for r in rows if r["station_id"] == station and r["observed_at"].astimezone(KST).month in months and r[column] is not None]
        return sum(values) / len(values)

    assert -6 < mean(108, (1,), "ta") < 3 and 23 < mean(108, (7, 8), "ta") < 29  # Seoul winter and summer
    assert mean(184, (1,), "ta") > mean(108, (1,), "ta") + 3  # Jeju is milder
    assert mean(108, (7, 8), "rn") > 2 * mean(108, (1, 2), "rn")  # monsoon
    assert mean(108, (1,), "ps") > mean(108, (7,), "ps")  # winter high pressure
    missing_ta = sum(1 for r in rows if r["ta"] is None) / len(rows)
    assert 0 < missing_ta < 0.02
    noon = [r for r in rows if r["observed_at"].astimezone(KST).hour == 13]
    night = [r for r in rows if r["observed_at"].astimezone(KST).hour == 3]
    assert all(r["ss"] is None for r in night) and sum(r["icsr"] or 0 for r in noon) > 0


def test_sample_cli_writes_the_raw_layout(tmp_path, monkeypatch):
    from lakehouse_assets.sample_data import __main__ as cli

    monkeypatch.setitem(cli.GENERATORS, "weather", "lakehouse_assets.sample_data.weather")  # the registry line
    args = ["weather", "--landing", str(tmp_path), "--start", "2026-11-20T05", "--hours", "2", "--stations", "108,159"]
    assert cli.main(args) == 0
    storage = LocalLandingStorage(root=str(tmp_path))
    manifest, bodies = read_raw_partition(storage, HOUR + timedelta(hours=1))
    assert manifest.source == "sample" and manifest.stations == (108, 159) and len(bodies) == 2
    assert (tmp_path / "weather/date=2026-11-20/hour=05/stn=108.json").exists()


# -- raw layout ----------------------------------------------------------------------------------


def test_raw_layout_round_trip_and_tamper_detection(tmp_path):
    storage = LocalLandingStorage(root=str(tmp_path))
    source = sample.SampleKmaSource(page_size=1)
    kst = HOUR.astimezone(KST)
    results = {108: source.fetch(108, kst - timedelta(hours=1), kst), 159: source.fetch(159, kst, kst)}
    manifest = write_raw_partition(storage, HOUR, "sample", results)

    assert station_key(HOUR, 108) == "weather/date=2026-11-20/hour=05/stn=108.json"
    assert [o.key.rsplit("/", 1)[1] for o in manifest.objects] == ["stn=108.json", "stn=108.page-2.json", "stn=159.json"]
    again, bodies = read_raw_partition(storage, HOUR)
    assert again == manifest and [b for _, b in bodies] == [*results[108].bodies, *results[159].bodies]

    storage.put_bytes(station_key(HOUR, 159), b"{}")
    with pytest.raises(RawPartitionError, match="changed after its manifest"):
        read_raw_partition(storage, HOUR)
    with pytest.raises(RawPartitionError, match="Materialize weather/observations_raw"):
        read_raw_partition(storage, HOUR + timedelta(hours=1))


# -- checks --------------------------------------------------------------------------------------


def rows_for(stations, hour=HOUR, **values):
    base = {c: 1.0 for c in VALUE_COLUMNS} | {"hm": 60.0, "pa": 1000.0, "ps": 1010.0}
    return [{"station_id": s, "observed_at": hour, **base, **values} for s in stations]


def test_completeness_counts_station_hours():
    window = Window(HOUR, HOUR + timedelta(hours=2))
    rows = rows_for([108, 159]) + rows_for([108], HOUR + timedelta(hours=1)) + rows_for([999])
    result = completeness_result(rows, [108, 159], window)
    assert not result.passed
    md = {k: v.value for k, v in result.metadata.items()}
    assert md["expected_rows"] == 4 and md["present_rows"] == 3 and md["missing_rows"] == 1 and md["completeness"] == 0.75
    assert md["missing"] == "159@2026-11-20T06"
    assert completeness_result(rows_for(DEFAULT_STATIONS), DEFAULT_STATIONS, Window.hour(HOUR)).passed


def test_ranges_list_the_offending_rows():
    rows = rows_for([108, 159, 143])
    rows[0]["ta"] = 75.3
    rows[1]["hm"] = 101.0
    rows[1]["ws"] = -1.0
    rows[2]["pa"] = None  # missing is not out of range
    result = ranges_result(rows)
    assert not result.passed
    md = result.metadata
    assert md["out_of_range_values"].value == 3 and md["out_of_range_rows"].value == 2
    assert md["out_of_range_ta"].value == 1 and md["out_of_range_pa"].value == 0
    offending = md["offending_rows"].data
    assert {"station_id": 108, "observed_at": HOUR.isoformat(), "column": "ta", "value": 75.3, "allowed": "-50..50"} in offending
    assert "75.3" in md["offending_preview"].md_str
    assert ranges_result(rows_for([108])).passed


def test_null_share_and_duplicates():
    rows = rows_for([108, 159, 143, 112])
    rows[0]["ta"] = rows[1]["ta"] = None
    assert null_share_result(rows, 0.5).passed
    failing = null_share_result(rows, 0.25)
    assert not failing.passed and failing.metadata["null_share_ta"].value == 0.5 and failing.metadata["core_columns_over"].text == "ta"
    rows[2]["station_id"] = None
    assert not null_share_result(rows, 0.9).passed and null_share_result(rows, 0.9).metadata["null_keys"].value == 1

    dupes = rows_for([108, 108, 159])
    result = duplicates_result(dupes)
    assert not result.passed and result.metadata["duplicate_rows"].value == 1
    assert duplicates_result(rows_for([108, 159])).passed


# -- schedule plan -------------------------------------------------------------------------------


def test_available_hours_end_with_yesterday_kst():
    now = datetime(2026, 11, 22, 0, 20, tzinfo=KST)
    hours = available_hours(now)
    assert hours[0] == datetime(2026, 11, 21, 14, tzinfo=UTC)  # 2026-11-21 23:00 KST
    assert hours[-1] == datetime(2026, 11, 19, 15, tzinfo=UTC)  # 2026-11-20 00:00 KST
    assert len(hours) == 48
    assert available_hours(datetime(2026, 11, 22, 23, 20, tzinfo=KST)) == hours  # same KST day, same hours


def test_the_service_serves_up_to_the_previous_kst_day():
    now = datetime(2026, 11, 22, 0, 20, tzinfo=KST)
    assert is_served(datetime(2026, 11, 21, 14, tzinfo=UTC), now)  # 2026-11-21 23:00 KST
    assert not is_served(datetime(2026, 11, 21, 15, tzinfo=UTC), now)  # 2026-11-22 00:00 KST
    assert all(is_served(h, now) for h in available_hours(now))


def test_partitions_to_request_newest_first_skipping_complete_ones():
    now = datetime(2026, 11, 22, 0, 20, tzinfo=KST)
    complete = {hour_key(datetime(2026, 11, 21, 14, tzinfo=UTC)), hour_key(datetime(2026, 11, 21, 12, tzinfo=UTC))}
    todo = partitions_to_request(now, complete, limit=3)
    assert todo == ["2026-11-21-13:00", "2026-11-21-11:00", "2026-11-21-10:00"]
    assert retry_slot(now) == "2026-11-22T00KST" and retry_slot(datetime(2026, 11, 22, 13, 20, tzinfo=KST)) == "2026-11-22T12KST"
