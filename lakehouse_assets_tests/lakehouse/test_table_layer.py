"""The Iceberg table layer: atomic partition replacement, schema by name, snapshot reads, concurrency."""

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from lakehouse_assets.lakehouse.catalog import COMMIT_ATTEMPTS, COMMIT_WAIT_MAX_SECONDS, CommitFailed, IcebergLakehouse, SchemaMismatch
from lakehouse_assets.lakehouse.spark_io import read_table
from lakehouse_assets.lakehouse.staging import discard_uncommitted
from lakehouse_assets.lakehouse.tables import Column, TableSpec, Window

from lakehouse_assets_tests.support import postgres_database

from .hits import H
from .hits import HITS as SPEC


def rows(hour: datetime, count: int, page: str = "/") -> pa.Table:
    return pa.table(
        {
            "n": list(range(count)),  # deliberately out of declared order: writes select by name
            "page": [page] * count,
            "at": [hour + timedelta(seconds=i) for i in range(count)],
        }
    )


@pytest.fixture
def lakehouse(tmp_path: Path) -> IcebergLakehouse:
    return IcebergLakehouse(f"sqlite:///{tmp_path / 'catalog.db'}", (tmp_path / "root").as_uri())


def test_table_exists_empty_before_first_write(lakehouse):
    assert lakehouse.row_count(SPEC) == 0
    assert lakehouse.read_arrow(SPEC).schema.names == ["at", "page", "n"]


def test_replacing_a_partition_twice_leaves_the_second_version(lakehouse):
    lakehouse.replace_partition_with_arrow(SPEC, Window.hour(H), rows(H, 10, "/a"))
    lakehouse.replace_partition_with_arrow(SPEC, Window.hour(H + timedelta(hours=1)), rows(H + timedelta(hours=1), 3))
    lakehouse.replace_partition_with_arrow(SPEC, Window.hour(H), rows(H, 4, "/b"))
    data = lakehouse.read_arrow(SPEC, [Window.hour(H)])
    assert data.num_rows == 4 and set(data.column("page").to_pylist()) == {"/b"}
    assert lakehouse.row_count(SPEC) == 7


def test_missing_column_is_refused(lakehouse):
    with pytest.raises(SchemaMismatch, match="lacks columns \\['page'\\]"):
        lakehouse.replace_partition_with_arrow(SPEC, Window.hour(H), rows(H, 2).drop_columns(["page"]))


def test_declared_schema_differs_from_stored_table(lakehouse, tmp_path):
    lakehouse.ensure_table(SPEC)
    changed = TableSpec("test", "hits", (Column("at", "timestamp"), Column("page", "long"), Column("n", "long")), "at", "hour")
    fresh = IcebergLakehouse(lakehouse.catalog_uri, lakehouse.root_uri)
    with pytest.raises(SchemaMismatch, match="test.hits has columns"):
        fresh.ensure_table(changed)


def test_concurrent_partition_replacements_all_land(tmp_path):
    catalog_uri, root = f"sqlite:///{tmp_path / 'catalog.db'}", (tmp_path / "root").as_uri()
    IcebergLakehouse(catalog_uri, root).ensure_table(SPEC)
    errors = []

    def writer(offset: int) -> None:
        lakehouse = IcebergLakehouse(catalog_uri, root)  # its own catalog connection, as another run would have
        try:
            for repeat in range(3):
                hour = H + timedelta(hours=offset)
                lakehouse.replace_partition_with_arrow(SPEC, Window.hour(hour), rows(hour, 5 + offset))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    lakehouse = IcebergLakehouse(catalog_uri, root)
    assert lakehouse.row_count(SPEC) == sum(5 + i for i in range(4))
    for i in range(4):
        assert lakehouse.row_count(SPEC, Window.hour(H + timedelta(hours=i))) == 5 + i


@pytest.fixture
def failing_commits(monkeypatch):
    """Make the next `n` catalog commits fail as a concurrent writer's would; returns a setter."""
    from pyiceberg.exceptions import CommitFailedException
    from pyiceberg.table import Transaction

    real_commit = Transaction.commit_transaction
    remaining = {"n": 0}

    def commit(self):
        if remaining["n"] > 0:
            remaining["n"] -= 1
            raise CommitFailedException("Requirement failed: branch main has changed")
        return real_commit(self)

    monkeypatch.setattr(Transaction, "commit_transaction", commit)
    return lambda n: remaining.update(n=n)


def test_a_conflicting_commit_is_retried_until_it_lands(tmp_path, failing_commits):
    waits: list[float] = []
    lakehouse = IcebergLakehouse(f"sqlite:///{tmp_path / 'catalog.db'}", (tmp_path / "root").as_uri(), commit_sleep=waits.append)
    lakehouse.ensure_table(SPEC)
    failing_commits(2)
    lakehouse.replace_partition_with_arrow(SPEC, Window.hour(H), rows(H, 4))
    assert lakehouse.row_count(SPEC) == 4
    assert len(waits) == 2 and all(0 <= w <= COMMIT_WAIT_MAX_SECONDS for w in waits)


def test_a_commit_that_keeps_conflicting_fails_with_a_clear_error(tmp_path, failing_commits):
    waits: list[float] = []
    lakehouse = IcebergLakehouse(f"sqlite:///{tmp_path / 'catalog.db'}", (tmp_path / "root").as_uri(), commit_sleep=waits.append)
    lakehouse.ensure_table(SPEC)
    failing_commits(COMMIT_ATTEMPTS)
    with pytest.raises(CommitFailed, match=rf"could not commit test.hits \[2026-11-23T10\] <- 4 rows after {COMMIT_ATTEMPTS} attempts: .*branch main has changed"):
        lakehouse.replace_partition_with_arrow(SPEC, Window.hour(H), rows(H, 4))
    assert len(waits) == COMMIT_ATTEMPTS - 1
    assert lakehouse.row_count(SPEC) == 0


def test_upsert_replaces_rows_by_key_and_adds_the_rest(lakehouse):
    lakehouse.replace_partition_with_arrow(SPEC, Window.hour(H), rows(H, 3, "/old"))
    changed = pa.table({"at": [H + timedelta(minutes=1), H + timedelta(hours=1)], "page": ["/new", "/added"], "n": [1, 7]})
    lakehouse.upsert_arrow(SPEC, changed, "n")
    by_n = {r["n"]: r for r in lakehouse.read_arrow(SPEC).to_pylist()}
    assert sorted(by_n) == [0, 1, 2, 7]
    assert (by_n[1]["page"], by_n[1]["at"]) == ("/new", H + timedelta(minutes=1))  # moved to its new time, once
    assert by_n[0]["page"] == by_n[2]["page"] == "/old" and by_n[7]["page"] == "/added"
    lakehouse.upsert_arrow(SPEC, changed.slice(0, 0), "n")
    assert lakehouse.row_count(SPEC) == 4


def test_discarding_uncommitted_files_removes_them_and_a_local_staging_directory(lakehouse, tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir()
    written = [staging / "part-0.parquet", staging / "_SUCCESS"]
    for path in written:
        path.write_bytes(b"x")
    loose = tmp_path / "loose.parquet"
    loose.write_bytes(b"x")
    discard_uncommitted(lakehouse, [written[0].as_uri()], staging.as_uri())
    discard_uncommitted(lakehouse, [loose.as_uri(), (tmp_path / "never-written.parquet").as_uri()])
    assert not staging.exists() and not loose.exists()


def _spark_write(spark, lakehouse, window, df) -> int:
    from lakehouse_assets.engine.spark_engine import SparkEngine

    return SparkEngine(spark).write(lakehouse, SPEC, window, df)


def test_spark_write_and_snapshot_read(spark, lakehouse):
    df = spark.createDataFrame(rows(H, 6).to_pandas())
    assert _spark_write(spark, lakehouse, Window.hour(H), df) == 6
    assert _spark_write(spark, lakehouse, Window.hour(H), df.limit(2)) == 2
    # The first write's files are still on disk; reading through the snapshot must not see them.
    on_disk = list(Path(lakehouse.table_location(SPEC).removeprefix("file://")).rglob("*.parquet"))
    assert len(on_disk) > len(lakehouse.data_files(SPEC))
    assert read_table(spark, lakehouse, SPEC).count() == 2
    assert read_table(spark, lakehouse, SPEC, [Window.hour(H + timedelta(hours=5))]).count() == 0


def test_spark_write_removes_its_files_when_the_commit_fails(spark, lakehouse, monkeypatch):
    df = spark.createDataFrame(rows(H, 3).to_pandas())

    def commit_fails(*args):
        raise CommitFailed("could not commit")

    monkeypatch.setattr(lakehouse, "replace_partition_with_files", commit_fails)
    with pytest.raises(CommitFailed):
        _spark_write(spark, lakehouse, Window.hour(H), df)
    assert list(Path(lakehouse.table_location(SPEC).removeprefix("file://")).rglob("*.parquet")) == []


def test_spark_write_refuses_rows_outside_the_partition(spark, lakehouse):
    df = spark.createDataFrame(rows(H + timedelta(hours=2), 3).to_pandas())
    with pytest.raises(ValueError, match="rows fall outside partition 2026-11-23T10"):
        _spark_write(spark, lakehouse, Window.hour(H), df)
    assert lakehouse.row_count(SPEC) == 0


@pytest.fixture
def postgres_catalog_uri():
    """A fresh database on the machine's PostgreSQL for the Iceberg catalog (dropped afterwards)."""
    with postgres_database("iceberg_test") as url:
        yield url


@pytest.mark.integration
def test_postgres_catalog_replaces_partitions(postgres_catalog_uri, tmp_path):
    root = (tmp_path / "root").as_uri()
    lakehouse = IcebergLakehouse(postgres_catalog_uri, root)
    lakehouse.replace_partition_with_arrow(SPEC, Window.hour(H), rows(H, 5))
    lakehouse.replace_partition_with_arrow(SPEC, Window.hour(H), rows(H, 3))
    other_process = IcebergLakehouse(postgres_catalog_uri, root)
    assert other_process.row_count(SPEC) == 3
    assert other_process.read_arrow(SPEC).column("n").to_pylist() == [0, 1, 2]
