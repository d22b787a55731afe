"""Images: MIME sniffing, the images_landing_sensor (local and moto S3), and media/image_metadata."""

import time
from datetime import datetime, timedelta, timezone

import pytest
from dagster import DagsterInstance, build_sensor_context, materialize

from lakehouse_assets.media import sensors
from lakehouse_assets.media.assets import image_metadata
from lakehouse_assets.media.catalog import image_rows
from lakehouse_assets.media.images import image_id, parse_image_key, sniff_mime
from lakehouse_assets.media.sensors import images_landing_sensor
from lakehouse_assets.media.tables import IMAGE_METADATA
from lakehouse_assets.resources import LakehouseResource, LocalLandingStorage
from lakehouse_assets.sample_data.images import _gif, _jpeg, _png, _webp, image_objects, write_images
from lakehouse_assets_tests.support import landing_storage

# The object stores stamp objects with the real time, so the sensor's clock starts at it.
NOW = datetime.now(timezone.utc)


@pytest.mark.parametrize(
    "make, mime",
    [(_jpeg, "image/jpeg"), (_png, "image/png"), (_gif, "image/gif"), (_webp, "image/webp"), (lambda r: b"hello world", "application/octet-stream"), (lambda r: b"", "application/octet-stream")],
)
def test_sniff_mime(make, mime):
    import random

    assert sniff_mime(make(random.Random(1))[:16]) == mime


def test_keys_and_ids():
    key = parse_image_key("images/source=web-upload/tag=product/a.jpg")
    assert (key.source_system, key.tag) == ("web-upload", "product")
    assert parse_image_key("images/unsorted/a.jpg") is None
    assert parse_image_key("images/source=a/tag=b/c/d.jpg") is None
    assert image_id("s3://b/images/a.jpg") == image_id("s3://b/images/a.jpg") != image_id("s3://b/images/b.jpg")


def test_only_the_first_bytes_are_read(tmp_path):
    class NoWholeReads(LocalLandingStorage):
        def get_bytes(self, key):
            raise AssertionError("a whole image was read")

    write_images(tmp_path, count=5, seed=1, start=NOW)
    store = NoWholeReads(root=str(tmp_path))
    rows, rejected = image_rows(store, store.list_objects("images/"))
    assert rows.num_rows == 7  # 5 images + the .txt and the renamed PNG; the empty and the loose one are kept aside
    assert sorted(r.reason for r in rejected) == ["bad_layout", "empty_object"]
    assert rows.column_names == ["image_id", "s3_path", "file_size", "mime_type", "upload_time", "source_system", "tag"]


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path, aws_env):
    with landing_storage(request.param, tmp_path) as store:
        yield store


@pytest.fixture
def at(monkeypatch):
    def set_now(now):
        monkeypatch.setattr(sensors, "clock", lambda: now)

    set_now(NOW)
    return set_now


def tick(storage, lakehouse, cursor=None):
    with build_sensor_context(cursor=cursor, resources={"landing": storage, "lakehouse": lakehouse}) as context:
        result = images_landing_sensor(context)
    return result.run_requests, result.cursor


def keys_of(requests):
    return sorted(k for r in requests for k in r.run_config["ops"]["media__image_metadata"]["config"]["keys"])


def put_images(storage, count, seed=3, start=NOW):
    objects = image_objects(count, seed, start)
    for key, body, _ in objects:
        storage.put_bytes(key, body)
    return [k for k, _, _ in objects]


def test_sensor_hands_out_each_image_once(storage, lakehouse_resource, at):
    keys = put_images(storage, 20)
    requests, cursor = tick(storage, lakehouse_resource)
    assert keys_of(requests) == sorted(k for k in keys if parse_image_key(k))  # the loose key is skipped
    assert all(r.partition_key == r.run_key.split(":")[1] for r in requests)
    assert tick(storage, lakehouse_resource, cursor)[0] == []
    _, cursor2 = tick(storage, lakehouse_resource, cursor)
    assert tick(storage, lakehouse_resource, cursor2)[0] == []  # restarted from the stored cursor
    storage.put_bytes("images/source=web-upload/tag=product/zzzz-new.png", _png(__import__("random").Random(2)))
    requests, _ = tick(storage, lakehouse_resource, cursor2)
    assert keys_of(requests) == ["images/source=web-upload/tag=product/zzzz-new.png"]


def test_table_exists_before_the_first_image(storage, lakehouse_resource, at):
    assert tick(storage, lakehouse_resource)[0] == []
    assert lakehouse_resource.lakehouse.row_count(IMAGE_METADATA) == 0


def test_rewrites_and_out_of_order_names_are_found_by_the_rescan(storage, lakehouse_resource, at):
    put_images(storage, 5)
    _, cursor = tick(storage, lakehouse_resource)
    time.sleep(0.01)  # the local store's etag includes the mtime in nanoseconds
    rewritten = "images/source=partner-feed/tag=product/zz-readme.txt"
    storage.put_bytes(rewritten, b"new notes, longer than before\n")
    early = "images/source=partner-feed/tag=product/0000-early-name.png"
    storage.put_bytes(early, _png(__import__("random").Random(5)))
    requests, cursor = tick(storage, lakehouse_resource, cursor)
    assert requests == []  # the tail only looks after the last key; the rescan is not due yet
    at(NOW + sensors.RESCAN_EVERY)
    requests, cursor = tick(storage, lakehouse_resource, cursor)
    assert keys_of(requests) == sorted([early, rewritten])
    at(NOW + 2 * sensors.RESCAN_EVERY)
    assert tick(storage, lakehouse_resource, cursor)[0] == []  # the next rescan repeats nothing


def test_pagination_past_1000_keys(storage, lakehouse_resource, at):
    for i in range(1200):
        storage.put_bytes(f"images/source=bulk/tag=t/{i:06d}.gif", _gif(__import__("random").Random(i)))
    requests, _ = tick(storage, lakehouse_resource)
    assert len(keys_of(requests)) == 1200
    assert max(len(r.run_config["ops"]["media__image_metadata"]["config"]["keys"]) for r in requests) == sensors.BATCH


def test_image_metadata_upserts_by_id(tmp_path, lakehouse_resource):
    landing = LocalLandingStorage(root=str(tmp_path / "landing"))
    start = datetime(2026, 11, 19, 8, tzinfo=timezone.utc)
    write_images(tmp_path / "landing", count=30, seed=7, start=start)
    resources = {"landing": landing, "lakehouse": lakehouse_resource}
    instance = DagsterInstance.ephemeral()
    result = materialize([image_metadata], partition_key="2026-11-19", resources=resources, instance=instance)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    table = lakehouse_resource.lakehouse.read_arrow(IMAGE_METADATA)
    assert table.num_rows == 32  # 30 images, the notes file and the renamed PNG
    assert table.column_names == [c.name for c in IMAGE_METADATA.columns]
    by_key = {r["s3_path"].split("/images/")[1]: r for r in table.to_pylist()}
    assert by_key["source=partner-feed/tag=product/zz-readme.txt"]["mime_type"] == "application/octet-stream"
    assert by_key["source=web-upload/tag=banner/zz-renamed.bin"]["mime_type"] == "image/png"
    assert checks["no_duplicate_image_id"].passed and checks["file_size_positive"].passed
    assert checks["unknown_mime_share"].passed and checks["unknown_mime_share"].metadata["unknown_mime"].value == 1
    assert not checks["keys_rejected"].passed and checks["keys_rejected"].metadata["rejected_empty_object"].value == 1

    # Seen again, one image grown: still one row per image, with the new size.
    grown = "images/source=partner-feed/tag=product/zz-readme.txt"
    (tmp_path / "landing" / grown).write_bytes(b"much longer notes than before\n" * 10)
    import os

    os.utime(tmp_path / "landing" / grown, (start.timestamp() + 60, start.timestamp() + 60))
    materialize([image_metadata], partition_key="2026-11-19", resources=resources, instance=instance, run_config={"ops": {"media__image_metadata": {"config": {"keys": [grown]}}}})
    table = lakehouse_resource.lakehouse.read_arrow(IMAGE_METADATA)
    assert table.num_rows == 32
    sizes = [r["file_size"] for r in table.to_pylist() if r["s3_path"].endswith("zz-readme.txt")]
    assert sizes == [300]


def test_a_link_leading_out_of_the_landing_is_kept_aside_not_read(tmp_path):
    from lakehouse_assets.media.catalog import stat_keys

    landing = tmp_path / "landing"
    write_images(landing, count=3, seed=2, start=NOW)
    secret = tmp_path / "outside.png"
    secret.write_bytes(_png(__import__("random").Random(3)))
    link = "images/source=web-upload/tag=banner/escape.png"
    (landing / link).symlink_to(secret)
    store = LocalLandingStorage(root=str(landing))

    rows, rejected = image_rows(store, store.list_objects("images/"))
    assert ("escape.png", "outside_landing") in [(r.key.rsplit("/", 1)[1], r.reason) for r in rejected]
    assert not any(path.endswith("escape.png") for path in rows.column("s3_path").to_pylist())
    assert rows.num_rows == 5  # the 3 images, the notes file and the renamed PNG

    found, kept_aside = stat_keys(store, [link, "images/source=web-upload/tag=banner/gone.png"])
    assert found == [] and sorted(r.reason for r in kept_aside) == ["missing_object", "outside_landing"]
