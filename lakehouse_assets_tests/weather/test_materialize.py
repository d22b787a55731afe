"""Materialize the weather assets with their checks: a sample day, a run against the local KMA
stand-in (out-of-range value, an empty station, a refused key), the schedule, the Definitions."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from dagster import (
    AssetMaterialization,
    DagsterInstance,
    EnvVar,
    build_schedule_context,
    instance_for_test,
    materialize,
)

from lakehouse_assets.assets_common import hour_key
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import LakehouseResource, LocalLandingStorage
from lakehouse_assets.resources.kma import KmaResource
from lakehouse_assets.settings import DEFAULT_KMA_STATIONS as DEFAULT_STATIONS
from lakehouse_assets.weather.kma_protocol import KST
from lakehouse_assets.sample_data.weather import sample_pages
from lakehouse_assets.weather.assets import OBSERVATIONS_KEY, RAW_KEY, weather_assets
from lakehouse_assets.weather.checks import weather_checks
from lakehouse_assets.weather.landing import manifest_key
from lakehouse_assets.weather.schedules import complete_partitions, weather_hourly_schedule, weather_job
from lakehouse_assets.weather.tables import OBSERVATIONS
from lakehouse_assets_tests.weather.kma_replay import KEY_ERROR_XML, NODATA_BODY, KmaReplayServer, Reply, xml_reply

UTC = timezone.utc
DAY = datetime(2026, 11, 20, tzinfo=UTC)
HOURS = [DAY + timedelta(hours=h) for h in range(24)]
KEY = "Real+Looking/Key==LEAKCANARY"


def resources(tmp, kma: KmaResource) -> dict:
    return {
        "kma": kma,
        "landing": LocalLandingStorage(root=str(tmp / "landing")),
        "lakehouse": LakehouseResource(root_uri=(tmp / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp / 'catalog.db'}"),
    }


def run(res: dict, partition: str, instance: DagsterInstance, raise_on_error: bool = True):
    return materialize([*weather_assets, *weather_checks], partition_key=partition, resources=res, instance=instance, raise_on_error=raise_on_error)


def checks_of(result) -> dict:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def materialization(result, asset_key):
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == asset_key]
    return event.materialization.metadata


# -- a day of sample weather ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_day(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("weather_day")
    res = resources(tmp, KmaResource())  # no key: the offline sample source
    instance = DagsterInstance.ephemeral()
    results = [run(res, hour_key(hour), instance) for hour in HOURS]
    return res, instance, results


def test_a_sample_day_is_8_stations_by_24_hours_with_green_checks(sample_day):
    res, _, results = sample_day
    table = res["lakehouse"].lakehouse.read_arrow(OBSERVATIONS, [Window.day(DAY.date())]).to_pylist()

    assert len(table) == 8 * 24
    assert {r["station_id"] for r in table} == set(DEFAULT_STATIONS)
    assert sorted({r["observed_at"] for r in table}) == HOURS
    assert {r["source"] for r in table} == {"sample"}
    assert len({(r["station_id"], r["observed_at"]) for r in table}) == 8 * 24
    for result in results:
        evaluations = checks_of(result)
        assert set(evaluations) == {"stations_complete", "physical_ranges", "null_share", "no_duplicates"}
        assert all(e.passed for e in evaluations.values()), {n: e.metadata for n, e in evaluations.items() if not e.passed}


def test_sample_runs_are_labelled_and_carry_catalog_metadata(sample_day):
    _, _, results = sample_day
    metadata = materialization(results[5], OBSERVATIONS_KEY)
    assert metadata["dagster/row_count"].value == 8
    assert [c.name for c in metadata["dagster/column_schema"].schema.columns] == OBSERVATIONS.column_names
    assert metadata["source"].text == "sample" and "SAMPLE DATA" in metadata["source_note"].text
    assert metadata["time_range"].text == "2026-11-20 05:00 .. 2026-11-20 06:00 UTC (2026-11-20 14:00 KST)"
    assert metadata["stations_missing"].value == 0 and "108 서울" in metadata["stations"].text
    assert metadata["table_rows"].value == 6 * 8  # hours 00..05 so far
    raw = materialization(results[5], RAW_KEY)
    assert raw["source"].text == "sample" and raw["dagster/row_count"].value == 8 and raw["objects"].value == 8
    assert raw["table_location"].path.endswith("weather/date=2026-11-20/hour=05")


def test_rerunning_an_hour_replaces_it(sample_day):
    res, instance, _ = sample_day
    run(res, hour_key(HOURS[3]), instance)
    assert res["lakehouse"].lakehouse.row_count(OBSERVATIONS, Window.day(DAY.date())) == 8 * 24


def test_schedule_requests_newest_missing_hours_and_retries_incomplete_ones(sample_day):
    _, _, results = sample_day
    hours = [hour_key(h) for h in HOURS]
    with instance_for_test() as instance:  # a schedule context needs a persistent instance
        # The day's materializations as the assets reported them (replayed: re-running 24 hours
        # on a SQLite instance would triple the test's time).
        for hour, result in zip(hours, results):
            missing = materialization(result, OBSERVATIONS_KEY)["stations_missing"].value
            instance.report_runless_asset_event(AssetMaterialization(OBSERVATIONS_KEY, partition=hour, metadata={"stations_missing": missing}))
        assert complete_partitions(instance, hours) == set(hours)
        # An hour whose last materialization lacked a station is not complete any more.
        instance.report_runless_asset_event(AssetMaterialization(OBSERVATIONS_KEY, partition=hour_key(HOURS[7]), metadata={"stations_missing": 2}))
        assert complete_partitions(instance, hours) == set(hours) - {hour_key(HOURS[7])}

        # 2026-11-21 08:20 KST: the service serves up to 2026-11-20 23:00 KST = 2026-11-20 14:00 UTC.
        tick = datetime(2026, 11, 21, 8, 20, tzinfo=KST)
        requests = weather_hourly_schedule(build_schedule_context(instance=instance, scheduled_execution_time=tick))
    assert [r.partition_key for r in requests] == [hour_key(HOURS[7]), *[hour_key(DAY - timedelta(hours=h)) for h in range(1, 8)]]
    assert {r.run_key for r in requests} == {f"weather:{r.partition_key}:2026-11-21T06KST" for r in requests}
    assert weather_hourly_schedule.cron_schedule == "20 * * * *"
    assert weather_hourly_schedule.execution_timezone == "Asia/Seoul"
    assert weather_job.name == weather_hourly_schedule.job_name


def test_stations_are_configurable(tmp_path):
    result = run(resources(tmp_path, KmaResource(stations=[184, 108])), hour_key(HOURS[0]), DagsterInstance.ephemeral())
    assert materialization(result, OBSERVATIONS_KEY)["stations"].text == "108 서울, 184 제주"
    complete = checks_of(result)["stations_complete"]
    assert complete.passed and complete.metadata["expected_rows"].value == 2


# -- against the local KMA stand-in --------------------------------------------------------------


def stand_in(query: dict) -> Reply:
    """Sample-shaped answers per station; Seoul reports an impossible 75.3 °C, Jeju has no data."""
    station = int(query["stnIds"])
    hour = datetime.strptime(query["startDt"] + query["startHh"], "%Y%m%d%H").replace(tzinfo=KST)
    if station == 184:
        return Reply(NODATA_BODY)
    body = sample_pages(station, hour, hour)[0]
    if station == 108:
        doc = json.loads(body)
        doc["response"]["body"]["items"]["item"][0]["ta"] = "75.3"
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    return Reply(body)


def all_run_text(instance: DagsterInstance, result) -> str:
    """Every event of the run (messages, metadata, errors) and its config, as text."""
    events = instance.all_logs(result.run_id)
    run_record = instance.get_run_by_id(result.run_id)
    return "\n".join(e.to_json() for e in events) + json.dumps(run_record.run_config, default=str) + str(run_record.tags)


def test_a_real_key_run_flags_out_of_range_rows_and_keeps_the_key_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("WEATHER_TEST_KMA_KEY", KEY)
    instance = DagsterInstance.ephemeral()
    with KmaReplayServer(default=stand_in) as server:
        kma = KmaResource(base_url=server.base_url, service_key=EnvVar("WEATHER_TEST_KMA_KEY"))
        result = run(resources(tmp_path, kma), hour_key(HOURS[5]), instance)
    assert len(server.requests) == 8 and all(q["serviceKey"] == KEY for q in server.requests)
    landing = LocalLandingStorage(root=str(tmp_path / "landing"))
    for station in (108, 184):  # stored exactly as received, code 03 included
        sent = stand_in({"stnIds": str(station), "startDt": "20261120", "startHh": "14"}).body
        assert landing.get_bytes(f"weather/date=2026-11-20/hour=05/stn={station}.json") == sent

    raw, table = materialization(result, RAW_KEY), materialization(result, OBSERVATIONS_KEY)
    assert raw["source"].text == "kma" and raw["stations_without_data"].value == 1
    assert table["source"].text == "kma" and table["dagster/row_count"].value == 7
    assert table["stations_missing"].value == 1 and table["missing_station_ids"].text == "184"

    evaluations = checks_of(result)
    ranges = evaluations["physical_ranges"]
    assert not ranges.passed and ranges.severity.value == "ERROR"
    assert ranges.metadata["out_of_range_ta"].value == 1
    assert ranges.metadata["offending_rows"].data == [
        {"station_id": 108, "observed_at": "2026-11-20T05:00:00+00:00", "column": "ta", "value": 75.3, "allowed": "-50..50"}
    ]
    complete = evaluations["stations_complete"]
    assert not complete.passed and complete.severity.value == "WARN" and complete.metadata["missing"].text == "184@2026-11-20T05"
    assert evaluations["no_duplicates"].passed and evaluations["null_share"].passed

    text = all_run_text(instance, result)
    assert "LEAKCANARY" not in text and KEY not in text


def test_a_refused_key_fails_the_run_at_once_without_writing(tmp_path, monkeypatch):
    monkeypatch.setenv("WEATHER_TEST_KMA_KEY", KEY)
    instance = DagsterInstance.ephemeral()
    res = None
    with KmaReplayServer(default=lambda q: xml_reply(KEY_ERROR_XML)) as server:
        res = resources(tmp_path, KmaResource(base_url=server.base_url, service_key=EnvVar("WEATHER_TEST_KMA_KEY")))
        result = run(res, hour_key(HOURS[5]), instance, raise_on_error=False)
    assert not result.success
    assert len(server.requests) == 1  # no retry: neither in the client nor by the retry policy
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.event_specific_data.error.message
    assert "code 30" in message and "KMA_SERVICE_KEY" in message
    assert res["landing"].stat(manifest_key(HOURS[5])) is None  # nothing half-written
    text = all_run_text(instance, result)
    assert "LEAKCANARY" not in text and KEY not in text


# -- definitions ---------------------------------------------------------------------------------


def test_weather_definitions_load_merged_with_the_others():
    from lakehouse_assets.definitions import defs as merged

    graph = merged.resolve_asset_graph()
    merged.resolve_implicit_global_asset_job_def()
    for asset_key in (OBSERVATIONS_KEY, RAW_KEY):
        node = graph.get(asset_key)
        assert node.description and node.group_name == "weather" and node.kinds
    assert graph.get(OBSERVATIONS_KEY).freshness_policy is not None
    checks = {c.name for c in graph.asset_check_keys if c.asset_key == OBSERVATIONS_KEY}
    assert checks == {"stations_complete", "physical_ranges", "null_share", "no_duplicates", "recent_hours_complete", "weather_drift"}
    assert merged.resolve_schedule_def("weather_hourly_schedule").execution_timezone == "Asia/Seoul"
    job_nodes = set(merged.resolve_job_def("weather_observations_job").graph.node_dict)
    assert {"weather__observations_raw", "weather__observations", "weather__observations_physical_ranges"} <= job_nodes


def test_kma_resource_takes_the_key_only_through_envvar(monkeypatch):
    from lakehouse_assets.resources.kma import kma_resource
    from lakehouse_assets.settings import Settings

    offline = kma_resource(Settings.from_env({}))
    assert offline.service_key is None and offline.source_name == "sample"
    online = kma_resource(Settings.from_env({"KMA_SERVICE_KEY": KEY, "KMA_API_BASE_URL": "http://127.0.0.1:9/1360000/"}))
    assert isinstance(online.service_key, EnvVar) and online.service_key.env_var_name == "KMA_SERVICE_KEY"
    assert online.base_url == "http://127.0.0.1:9/1360000"
