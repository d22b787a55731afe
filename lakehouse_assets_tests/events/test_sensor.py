"""events_landing_sensor on a local directory and on moto's S3: new objects, repeats, restarts,
late objects, open hours, malformed keys, rewrites, pagination, caps."""

import time
from datetime import datetime, timedelta, timezone

import pytest
from dagster import build_sensor_context

from lakehouse_assets.events import sensors
from lakehouse_assets.events.arrivals import plan_event_runs
from lakehouse_assets.events.sensors import events_landing_sensor
from lakehouse_assets.landing_watch import WatchCursor
from lakehouse_assets.assets_common import hourly_partitions
from lakehouse_assets_tests.support import landing_storage

NOW = datetime(2026, 11, 20, 10, 20, tzinfo=timezone.utc)


def key(hour: int, name: str, topic: str = "user-activity", day: int = 20) -> str:
    return f"events/topic={topic}/date=2026-11-{day:02d}/hour={hour:02d}/{name}.json"


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path, aws_env):
    with landing_storage(request.param, tmp_path) as store:
        yield store


@pytest.fixture
def at(monkeypatch):
    """Set the sensor's clock: at(datetime)."""

    def set_now(now: datetime) -> None:
        monkeypatch.setattr(sensors, "clock", lambda: now)

    set_now(NOW)
    return set_now


def tick(storage, cursor=None):
    with build_sensor_context(cursor=cursor, resources={"landing": storage}) as context:
        result = events_landing_sensor(context)
    return result.run_requests, result.cursor


def partitions(requests):
    """Hours requested because objects arrived (closed empty hours are requested separately)."""
    return sorted(r.partition_key for r in requests if r.tags["lakehouse/new_objects"] != "0")


def closed_empty(requests):
    return sorted(r.partition_key for r in requests if r.tags["lakehouse/new_objects"] == "0")


def test_new_objects_request_their_hours_once(storage, at):
    storage.put_bytes(key(8, "a"), b'{"x":1}\n')
    storage.put_bytes(key(9, "b"), b'{"x":2}\n')
    storage.put_bytes(key(9, "c", topic="api-requests"), b'{"x":3}\n')
    requests, cursor = tick(storage)
    assert partitions(requests) == ["2026-11-20-08:00", "2026-11-20-09:00"]
    assert {r.tags["lakehouse/new_objects"] for r in requests} == {"0", "1", "2"}
    # Closed hours with nothing landed: 07 in the look-back, and on this first tick 06, the hour before
    # the oldest one with objects or the look-back window (Silver of 07 reads Bronze of 06).
    assert closed_empty(requests) == ["2026-11-20-06:00", "2026-11-20-07:00"]
    again, cursor2 = tick(storage, cursor)
    assert again == []
    # A restarted daemon builds a new context from the stored cursor: nothing lost, nothing repeated.
    restarted, _ = tick(storage, cursor2)
    assert restarted == []


def test_first_tick_takes_every_hour_already_landed_and_the_hour_before(storage, at):
    for hour in range(1, 10):  # landed before the sensor ever ran, most of it before the 3-hour look-back
        storage.put_bytes(key(hour, "seeded"), b"1\n")
    storage.put_bytes(key(4, "too-old", day=19), b"1\n")  # 30 hours back: past the first tick's reach
    requests, cursor = tick(storage)
    assert partitions(requests) == [f"2026-11-20-{h:02d}:00" for h in range(1, 10)]
    assert closed_empty(requests) == ["2026-11-20-00:00"]  # so Silver of 01 has the hour it reads before it
    assert tick(storage, cursor)[0] == []
    at(NOW + timedelta(hours=1))  # later ticks look back 3 hours only
    storage.put_bytes(key(5, "late"), b"1\n")
    requests, _ = tick(storage, cursor)
    assert partitions(requests) == [] and closed_empty(requests) == ["2026-11-20-10:00"]


def test_a_first_tick_spread_over_ticks_still_requests_the_hour_before_the_oldest(storage, at):
    for name in ("a", "b"):
        storage.put_bytes(key(4, name), b"1\n")
        storage.put_bytes(key(8, name), b"1\n")
    cursor, handed_out = WatchCursor(), []
    for _ in range(3):  # capped at 2 objects a tick: 04, then 08, then the tick that completes
        plan = plan_event_runs(storage, cursor, NOW, sensors.LOOKBACK, 2, time.monotonic() + 30, hourly_partitions.start)
        handed_out += [h.hour for h, objects in plan.hours.items() if objects]
        cursor = plan.cursor
    assert handed_out == [4, 8] and plan.complete
    assert sorted(h.hour for h in plan.hours) == list(range(3, 10))  # from 03, the hour before 04


def test_run_keys_are_stable_and_change_with_new_objects(storage, at):
    storage.put_bytes(key(9, "a"), b"1\n")
    first, cursor = tick(storage)
    replay, _ = tick(storage)  # the same tick evaluated again (cursor not saved) -> same run key
    assert first[0].run_key == replay[0].run_key
    storage.put_bytes(key(9, "b"), b"2\n")
    second, _ = tick(storage, cursor)
    assert partitions(second) == ["2026-11-20-09:00"] and second[0].run_key != first[0].run_key


def test_open_hour_waits_until_it_closes(storage, at):
    storage.put_bytes(key(10, "open"), b"1\n")
    requests, cursor = tick(storage)
    assert partitions(requests) == []
    at(NOW + timedelta(hours=1))
    requests, _ = tick(storage, cursor)
    assert partitions(requests) == ["2026-11-20-10:00"]


def test_late_object_within_the_lookback_is_picked_up(storage, at):
    storage.put_bytes(key(9, "a"), b"1\n")
    _, cursor = tick(storage)
    at(NOW + timedelta(hours=2))  # 12:20: floor is 09:00 (3 hours back)
    storage.put_bytes(key(9, "late"), b"2\n")
    storage.put_bytes(key(5, "too-late"), b"3\n")
    requests, _ = tick(storage, cursor)
    assert partitions(requests) == ["2026-11-20-09:00"]


def test_downtime_longer_than_the_lookback_loses_nothing(storage, at):
    _, cursor = tick(storage)
    for hour in range(10, 20):
        storage.put_bytes(key(hour, "during-downtime"), b"1\n")
    at(NOW + timedelta(hours=12))
    requests, _ = tick(storage, cursor)
    assert partitions(requests) == [f"2026-11-20-{h:02d}:00" for h in range(10, 20)]


def test_every_closed_hour_gets_one_bronze_run(storage, at):
    _, cursor = tick(storage)
    at(NOW + timedelta(hours=2))
    requests, cursor = tick(storage, cursor)
    assert closed_empty(requests) == ["2026-11-20-10:00", "2026-11-20-11:00"]
    assert {r.run_key for r in requests} == {"events:2026-11-20-10:00:closed", "events:2026-11-20-11:00:closed"}
    assert tick(storage, cursor)[0] == []


def test_rewritten_object_is_picked_up_again(storage, at):
    storage.put_bytes(key(9, "a"), b"old\n")
    _, cursor = tick(storage)
    time.sleep(0.01)  # the local store's etag includes the mtime in nanoseconds
    storage.put_bytes(key(9, "a"), b"new content\n")
    requests, _ = tick(storage, cursor)
    assert partitions(requests) == ["2026-11-20-09:00"]


def test_malformed_keys_are_skipped_and_counted(storage, at):
    storage.put_bytes(key(9, "good"), b"1\n")
    storage.put_bytes("events/topic=user-activity/date=2026-11-20/hour=09/notes.txt", b"?")
    storage.put_bytes("events/topic=user-activity/junk.json", b"?")
    storage.put_bytes("events/topic=user-activity/date=2025-12-31/hour=23/before-partitions.json", b"?")
    cursor = WatchCursor.load(None)
    cursor.scanned_until = datetime(2025, 12, 31, 23, 30, tzinfo=timezone.utc)  # so the old hour is listed
    plan = plan_event_runs(storage, cursor, NOW, sensors.LOOKBACK, 100, time.monotonic() + 30, hourly_partitions.start)
    assert sorted(plan.skipped_keys) == [
        "events/topic=user-activity/date=2025-12-31/hour=23/before-partitions.json",
        "events/topic=user-activity/date=2026-11-20/hour=09/notes.txt",
        "events/topic=user-activity/junk.json",
    ]
    assert [h for h, objects in plan.hours.items() if objects] == [datetime(2026, 11, 20, 9, tzinfo=timezone.utc)]
    assert len(plan.hours) == 7 * 24  # closed hours get a (possibly empty) Bronze run, a week back at most
    # Reported once: the next tick does not count them again.
    again = plan_event_runs(storage, plan.cursor, NOW, sensors.LOOKBACK, 100, time.monotonic() + 30, hourly_partitions.start)
    assert again.skipped_keys == [] and again.hours == {}


def test_pagination_past_1000_keys_and_capped_ticks(storage, at):
    for i in range(1500):
        storage.put_bytes(key(9, f"part-{i:05d}"), b"1\n")
    capped = plan_event_runs(storage, WatchCursor(), NOW, sensors.LOOKBACK, 1000, time.monotonic() + 30, hourly_partitions.start)
    assert not capped.complete and sum(len(v) for v in capped.hours.values()) == 1000
    rest = plan_event_runs(storage, capped.cursor, NOW, sensors.LOOKBACK, 1000, time.monotonic() + 30, hourly_partitions.start)
    assert rest.complete and sum(len(v) for v in rest.hours.values()) == 500
    assert {o.key for o in capped.hours[datetime(2026, 11, 20, 9, tzinfo=timezone.utc)]}.isdisjoint(
        o.key for o in rest.hours[datetime(2026, 11, 20, 9, tzinfo=timezone.utc)]
    )
    requests, _ = tick(storage)
    by_hour = {r.partition_key: r.tags["lakehouse/new_objects"] for r in requests}
    assert by_hour["2026-11-20-09:00"] == "1500"


def test_cursor_stays_small(storage, at):
    storage.put_bytes(key(2, "old"), b"1\n")
    storage.put_bytes(key(9, "recent"), b"1\n")
    cursor = WatchCursor(scanned_until=datetime(2026, 11, 20, 3, tzinfo=timezone.utc))
    plan = plan_event_runs(storage, cursor, NOW, sensors.LOOKBACK, 100, time.monotonic() + 30, hourly_partitions.start)
    assert [h.hour for h, objects in plan.hours.items() if objects] == [2, 9]  # the floor starts 3 hours before the last tick (03:00)
    assert set(plan.cursor.seen) == {key(9, "recent")}  # hour 02 is behind the next floor (07:00)
