"""The KMA API timing out in the middle of an hour's fetch, at the level of the weather run (the
client's own timeout and retry are proven in `weather/test_kma_client.py`): the local KMA stand-in
answers Seoul and hangs on Jeju past a short read timeout. The run fails after its retries (the
`FETCH_RETRY` policy, on a clock that does not wait) naming the request that timed out; the hour's
landing manifest and `weather.observations` are exactly as before; the re-run succeeds."""

import json
from datetime import datetime, timezone

from dagster import DagsterInstance, materialize

from lakehouse_assets.assets_common import hour_key
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import LakehouseResource, LocalLandingStorage
from lakehouse_assets.resources.kma import KmaResource
from lakehouse_assets.sample_data.weather import sample_pages
from lakehouse_assets.weather.assets import FETCH_RETRY, weather_assets
from lakehouse_assets.weather.kma_protocol import KST
from lakehouse_assets.weather.landing import manifest_key
from lakehouse_assets.weather.tables import OBSERVATIONS
from lakehouse_assets_tests.faults.retry_clock import failure_text, retry_clock, step_events
from lakehouse_assets_tests.faults.state import table_state, uncommitted_files
from lakehouse_assets_tests.weather.kma_replay import KmaReplayServer, Reply

HOUR = datetime(2026, 11, 20, 5, tzinfo=timezone.utc)
STATIONS = [108, 184]
HANGING_STATION = 184
READ_TIMEOUT_SECONDS = 0.3
HANG_SECONDS = 30.0  # far past the timeout; the server's shutdown ends the wait


class StandIn:
    """Sample answers per station; `hanging` makes Jeju's requests hang, `ta_offset` marks a version."""

    def __init__(self) -> None:
        self.hanging = False
        self.ta_offset = 0.0

    def __call__(self, query: dict) -> Reply:
        station = int(query["stnIds"])
        hour = datetime.strptime(query["startDt"] + query["startHh"], "%Y%m%d%H").replace(tzinfo=KST)
        body = sample_pages(station, hour, hour)[0]
        if self.ta_offset:
            doc = json.loads(body)
            for item in doc["response"]["body"]["items"]["item"]:
                item["ta"] = f"{float(item['ta']) + self.ta_offset:.1f}"
            body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        return Reply(body, delay=HANG_SECONDS if self.hanging and station == HANGING_STATION else 0.0)


def run(server: KmaReplayServer, tmp):
    kma = KmaResource(base_url=server.base_url, service_key="fault-test-key", stations=STATIONS, read_timeout_seconds=READ_TIMEOUT_SECONDS, max_attempts=2, backoff_seconds=0.0)
    resources = {
        "kma": kma,
        "landing": LocalLandingStorage(root=str(tmp / "landing")),
        "lakehouse": LakehouseResource(root_uri=(tmp / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp / 'catalog.db'}"),
    }
    result = materialize(weather_assets, partition_key=hour_key(HOUR), resources=resources, instance=DagsterInstance.ephemeral(), raise_on_error=False)
    return result, resources["landing"], resources["lakehouse"].lakehouse


def test_a_kma_timeout_fails_the_run_after_its_retries_and_changes_nothing(tmp_path, monkeypatch):
    clock = retry_clock(monkeypatch)
    stand_in = StandIn()
    with KmaReplayServer(default=stand_in) as server:
        first, landing, lakehouse = run(server, tmp_path)
        assert first.success
        before, manifest_before = table_state(lakehouse, OBSERVATIONS), landing.get_bytes(manifest_key(HOUR))
        assert len(before.rows) == len(STATIONS)

        stand_in.hanging, stand_in.ta_offset = True, 10.0
        failed, _, _ = run(server, tmp_path)

        assert not failed.success
        assert len(step_events(failed, "STEP_UP_FOR_RETRY")) == FETCH_RETRY.max_retries == len(clock.waits)
        message = failure_text(failed)
        assert f"GET {server.base_url}/AsosHourlyInfoService/getWthrDataList stnIds={HANGING_STATION}" in message, message
        assert f"timed out (connect 5s, read {READ_TIMEOUT_SECONDS:g}s)" in message and "gave up after 2 attempts" in message
        assert "fault-test-key" not in message
        assert landing.get_bytes(manifest_key(HOUR)) == manifest_before  # the hour kept its last complete fetch
        assert table_state(lakehouse, OBSERVATIONS) == before
        assert uncommitted_files(lakehouse, OBSERVATIONS) == set()
        assert not step_events(failed, "ASSET_MATERIALIZATION")

        stand_in.hanging = False
        rerun, _, _ = run(server, tmp_path)

    assert rerun.success
    after = table_state(lakehouse, OBSERVATIONS)
    assert after.snapshot_id != before.snapshot_id and len(after.rows) == len(STATIONS)
    assert landing.get_bytes(manifest_key(HOUR)) != manifest_before
    changed = {r["station_id"]: r["ta"] for r in after.rows}
    assert all(changed[r["station_id"]] != r["ta"] for r in before.rows)  # the re-run's answers were stored
    assert lakehouse.row_count(OBSERVATIONS, Window.hour(HOUR)) == len(STATIONS)
