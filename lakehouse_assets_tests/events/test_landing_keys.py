"""Odd landing keys and empty or broken objects, on the local landing and on moto's S3: keys with
spaces, unicode, quotes, `..` and very long names, zero-byte and unreadable gzip objects. Each one
reaches Bronze or is skipped with a reason; nothing crashes, and nothing outside the landing root
is ever read. (Silver over odd source keys, on both engines: `test_fuzz_lines.py`.)"""

from __future__ import annotations

import gzip
import time
from datetime import datetime, timezone

import pytest

from lakehouse_assets.assets_common import hourly_partitions
from lakehouse_assets.events import sensors
from lakehouse_assets.events.arrivals import plan_event_runs
from lakehouse_assets.events.landing import parse_event_key
from lakehouse_assets.events.pipeline import write_bronze
from lakehouse_assets.events.tables import BRONZE_EVENTS
from lakehouse_assets.landing_watch import WatchCursor
from lakehouse_assets.resources import LakehouseResource, LocalLandingStorage, S3LandingStorage
from lakehouse_assets.storage_interface import LandingKeyError, LandingStorageError
from lakehouse_assets_tests.support import landing_storage

HOUR = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 23, 11, 20, tzinfo=timezone.utc)
FOLDER = "events/topic=user-activity/date=2026-11-23/hour=10/"
LINE = b'{"event_id":"e-%d","event_type":"page_view","event_time":"2026-11-23T10:15:02Z","session_id":"s"}\n'
# Names that fit the layout: each object's line reaches Bronze under its exact key.
READABLE = ["with space.json", "유니코드 ü.json", "it's \\ \"odd\".json", "tab\tname.json", "n" * 245 + ".json.gz"]
# Keys that give no Bronze rows, with a word their skip reason must hold.
SKIPPED = {
    FOLDER + "empty.json": "0 bytes",
    FOLDER + "empty.json.gz": "0 bytes",
    FOLDER + "corrupt.json.gz": "gzip",
    FOLDER + "cut-short.json.gz": "gzip",
    FOLDER + "notes.json.gz\n": "layout",
}
# Only S3 can hold these keys: to the store they are names, never paths.
# A key of 1000+ characters; `..json` (a local file named so is hidden, like the storage's own temp files).
S3_READABLE = ["x" * 960 + ".json", "..json"]
S3_SKIPPED = {
    FOLDER + "../../../../etc/passwd.json": "layout",
    FOLDER + "../hour=11/x.json": "layout",
    FOLDER + "a/../b.json": "layout",
}


def body(name: str, number: int) -> bytes:
    return gzip.compress(LINE % number) if name.endswith(".gz") else LINE % number


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path, aws_env):
    with landing_storage(request.param, tmp_path) as store:
        yield store


def land_odd_keys(storage) -> tuple[list[str], dict[str, str]]:
    """Lands every odd key; returns the keys that must reach Bronze and those skipped (key -> word)."""
    on_s3 = isinstance(storage, S3LandingStorage)
    readable = [FOLDER + name for name in READABLE + (S3_READABLE if on_s3 else [])]
    for number, key in enumerate(readable):
        storage.put_bytes(key, body(key, number))
    skipped = dict(SKIPPED, **(S3_SKIPPED if on_s3 else {}))
    payloads = {"corrupt.json.gz": b"\x1f\x8b\x08 not deflate", "cut-short.json.gz": gzip.compress(LINE * 50)[:40]}
    for key in skipped:
        name = key.rsplit("/", 1)[-1]
        storage.put_bytes(key, b"" if name.startswith("empty") else payloads.get(name, LINE % 99))
    return sorted(readable), skipped


def lakehouse_at(tmp_path):
    return LakehouseResource(root_uri=(tmp_path / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp_path / 'catalog.db'}").lakehouse


def test_odd_keys_reach_bronze_or_are_skipped_with_a_reason(storage, tmp_path):
    readable, skipped = land_odd_keys(storage)
    lakehouse = lakehouse_at(tmp_path)

    report = write_bronze(storage, lakehouse, HOUR)

    rows = lakehouse.read_arrow(BRONZE_EVENTS).to_pylist()
    assert sorted(r["source_key"] for r in rows) == readable  # exact keys: nothing normalised
    assert report.rows == len(readable) and report.objects == len(readable)
    assert set(report.skipped_keys) == set(skipped)
    for key, word in skipped.items():
        assert word in report.skipped_keys[key], (key, report.skipped_keys[key])
    assert all(r["raw"].startswith('{"event_id":"e-') for r in rows)


def test_the_sensor_hands_out_odd_keys_and_reports_the_rest(storage):
    readable, skipped = land_odd_keys(storage)
    plan = plan_event_runs(storage, WatchCursor(), NOW, sensors.LOOKBACK, 100, time.monotonic() + 30, hourly_partitions.start)
    handed_out = sorted(o.key for o in plan.hours.get(HOUR, []))
    # Layout keys are handed out, empty and broken ones too (Bronze says why it skips them).
    outside_layout = sorted(k for k, word in skipped.items() if word == "layout")
    assert sorted(plan.skipped_keys) == outside_layout
    assert handed_out == sorted(set(readable) | (set(skipped) - set(outside_layout)))


def test_a_dotdot_key_cannot_read_outside_the_local_root(tmp_path):
    root = tmp_path / "landing"
    secret = tmp_path / "secret.json"
    secret.write_bytes(b'{"event_id":"SECRET"}\n')
    storage = LocalLandingStorage(root=str(root))
    storage.put_bytes(FOLDER + "ok.json", LINE % 1)
    storage.put_bytes(FOLDER + "..json", LINE % 2)  # a name, not a step up; hidden as a dot file
    assert [o.key for o in storage.list_objects(FOLDER)] == [FOLDER + "ok.json"]
    for key in ("../secret.json", FOLDER + "../../../../../secret.json", "events/../../secret.json"):
        with pytest.raises(LandingKeyError, match="escapes the landing root"):
            storage.get_bytes(key)
        with pytest.raises(LandingKeyError):
            storage.get_range(key, 0, 5)
        with pytest.raises(LandingKeyError):
            storage.stat(key)
        with pytest.raises(LandingKeyError):
            storage.put_bytes(key, b"overwritten")
    with pytest.raises(LandingKeyError):
        list(storage.list_objects("../"))
    with pytest.raises(LandingKeyError):
        storage.list_prefixes("events/../../")
    assert secret.read_bytes() == b'{"event_id":"SECRET"}\n'


def test_links_out_of_the_local_root_are_skipped_never_read(tmp_path):
    root, outside = tmp_path / "landing", tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_bytes(b'{"event_id":"SECRET"}\n')
    storage = LocalLandingStorage(root=str(root))
    storage.put_bytes(FOLDER + "ok.json", LINE % 1)
    (root / FOLDER / "link.json").symlink_to(outside / "secret.json")
    (root / FOLDER / "dangling.json").symlink_to(outside / "gone.json")
    linked_hour = root / "events/topic=api-requests/date=2026-11-23/hour=10"
    linked_hour.parent.mkdir(parents=True)
    linked_hour.symlink_to(outside, target_is_directory=True)
    lakehouse = lakehouse_at(tmp_path)

    report = write_bronze(storage, lakehouse, HOUR)

    raws = [r["raw"] for r in lakehouse.read_arrow(BRONZE_EVENTS).to_pylist()]
    assert raws == [(LINE % 1).decode().rstrip("\n")] and not any("SECRET" in raw for raw in raws)
    assert {k: "escapes the landing root" in v for k, v in report.skipped_keys.items()} == {
        FOLDER + "link.json": True,
        "events/topic=api-requests/date=2026-11-23/hour=10/secret.json": True,
    }


def test_names_the_local_file_system_cannot_hold_fail_clearly(tmp_path):
    storage = LocalLandingStorage(root=str(tmp_path / "landing"))
    longest = FOLDER + "y" * 250 + ".json"  # 255 bytes: the longest file name
    storage.put_bytes(longest, LINE % 1)
    assert storage.get_bytes(longest) == LINE % 1
    assert [o.key for o in storage.list_objects(FOLDER)] == [longest]
    with pytest.raises(LandingStorageError, match="cannot write .*File name too long"):
        storage.put_bytes(FOLDER + "z" * 1000 + ".json", b"x")
    assert [o.key for o in storage.list_objects(FOLDER)] == [longest]  # no temporary file left behind


@pytest.mark.parametrize(
    "key",
    [
        FOLDER + "x.json.gz\n",  # would have been read as plain text, its name ending in a newline
        "events/topic=user-activity/date=٢٠٢٦-١١-٢٣/hour=10/x.json",  # digits of another script
        "events/topic=user-activity/date=2026-11-23/hour=10/../x.json",
        "events/topic=user-activity/date=2026-11-23/hour=24/x.json",
        "events/topic=user/activity/date=2026-11-23/hour=10/x.json",
    ],
)
def test_keys_outside_the_layout_parse_to_none(key):
    assert parse_event_key(key) is None


def test_the_bronze_asset_logs_why_it_skipped_each_object(tmp_path):
    from dagster import DagsterInstance, materialize

    from lakehouse_assets.assets_common import hour_key
    from lakehouse_assets.events.assets import bronze_events

    storage = LocalLandingStorage(root=str(tmp_path / "landing"))
    storage.put_bytes(FOLDER + "ok.json", LINE % 1)
    storage.put_bytes(FOLDER + "empty.json", b"")
    resources = {"landing": storage, "lakehouse": LakehouseResource(root_uri=(tmp_path / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp_path / 'c.db'}")}
    instance = DagsterInstance.ephemeral()
    result = materialize([bronze_events], partition_key=hour_key(HOUR), resources=resources, instance=instance)
    [materialization] = result.asset_materializations_for_node(bronze_events.op.name)
    assert materialization.metadata["skipped_keys"].value == 1
    messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert f"skipped 1 landing objects, e.g. ['{FOLDER}empty.json (empty object (0 bytes))']" in messages


class _FailingOnSecondRead:
    """The landing storage, whose second object read fails (an S3 error part-way through an hour)."""

    def __init__(self, storage):
        self.storage, self.reads = storage, 0

    def __getattr__(self, name):
        return getattr(self.storage, name)

    def get_bytes(self, key):
        self.reads += 1
        if self.reads == 2:
            raise LandingStorageError(f"reading {key}: connection reset")
        return self.storage.get_bytes(key)


def test_a_read_failing_part_way_through_an_hour_leaves_the_partition_and_no_files(tmp_path):
    storage = LocalLandingStorage(root=str(tmp_path / "landing"))
    for number in range(3):
        storage.put_bytes(f"{FOLDER}user-activity+0+{number:010d}.json", LINE % number * 150_000)
    lakehouse = lakehouse_at(tmp_path)
    first = write_bronze(storage, lakehouse, HOUR)
    files_before = sorted((tmp_path / "lake").rglob("*.parquet"))

    with pytest.raises(LandingStorageError, match="connection reset"):
        write_bronze(_FailingOnSecondRead(storage), lakehouse, HOUR)

    assert first.rows == 450_000 and lakehouse.row_count(BRONZE_EVENTS) == first.rows
    assert sorted((tmp_path / "lake").rglob("*.parquet")) == files_before  # the first object's row groups were removed
