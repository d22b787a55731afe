"""Silver on Spark keeps its classified lines and the duplicate line keys while it writes the three
tables, and frees both after."""

from __future__ import annotations

import pytest

from lakehouse_assets.events.pipeline import write_bronze, write_silver
from lakehouse_assets.resources import LakehouseResource, LocalLandingStorage
from lakehouse_assets_tests.events.handwritten_landing import API, API_REQUEST, H10, PAGE_VIEW, UA, put


def _stored_rdds(spark) -> set[int]:
    return {int(rdd_id) for rdd_id in spark.sparkContext._jsc.getPersistentRDDs().keySet()}


@pytest.mark.spark
def test_the_kept_lines_are_freed_when_silver_is_written(spark, tmp_path) -> None:
    from lakehouse_assets.engine.spark_engine import SparkEngine

    landing = tmp_path / "landing"
    put(landing, UA, H10, f"{UA}+0+0000000001.json", [PAGE_VIEW, {**PAGE_VIEW, "event_id": "e-2"}, PAGE_VIEW, "not json"])
    put(landing, API, H10, f"{API}+0+0000000001.json", [API_REQUEST])
    lakehouse = LakehouseResource(root_uri=(tmp_path / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp_path / 'catalog.db'}").lakehouse
    write_bronze(LocalLandingStorage(root=str(landing)), lakehouse, H10)
    before = _stored_rdds(spark)

    writes = write_silver(SparkEngine(spark), lakehouse, H10)
    first = next(writes)
    held = _stored_rdds(spark) - before
    rest = list(writes)

    assert [rows for _, rows, _ in [first, *rest]] == [3, 1, 1]  # events, rejects, duplicates
    assert len(held) == 2  # the classified lines and the duplicate keys, each stored once for the three writes
    assert _stored_rdds(spark) - before == set()


def _broadcast(frame) -> bool:
    return frame._jdf.queryExecution().analyzed().getClass().getSimpleName() == "ResolvedHint"


@pytest.mark.spark
def test_many_duplicates_are_joined_without_a_broadcast(spark, tmp_path, monkeypatch) -> None:
    """Past the row limit the duplicate keys carry no broadcast hint (Spark plans the join by its
    own estimates), and Silver comes out the same."""
    from lakehouse_assets.engine import spark_engine
    from lakehouse_assets.engine.spark_engine import SparkEngine

    engine = SparkEngine(spark)
    keys = spark.range(3).selectExpr("CAST(id AS STRING) AS source_key", "id AS line_number")
    small = engine.keep(keys, small=True)
    assert _broadcast(small)
    monkeypatch.setattr(spark_engine, "BROADCAST_ROW_LIMIT", 2)
    large = engine.keep(keys, small=True)
    assert not _broadcast(large)
    engine.release(small)
    engine.release(large)

    landing = tmp_path / "landing"
    put(landing, UA, H10, f"{UA}+0+0000000001.json", [PAGE_VIEW, PAGE_VIEW, PAGE_VIEW, {**PAGE_VIEW, "event_id": "e-2"}, "not json"])
    lakehouse = LakehouseResource(root_uri=(tmp_path / "lake").as_uri(), catalog_uri=f"sqlite:///{tmp_path / 'catalog.db'}").lakehouse
    write_bronze(LocalLandingStorage(root=str(landing)), lakehouse, H10)
    monkeypatch.setattr(spark_engine, "BROADCAST_ROW_LIMIT", 1)  # the hour has two duplicates
    assert [rows for _, rows, _ in write_silver(engine, lakehouse, H10)] == [2, 1, 2]  # events, rejects, duplicates
