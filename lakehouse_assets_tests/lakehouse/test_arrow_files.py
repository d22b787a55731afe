"""`files.commit_arrow`: batches (a generator's, as they come) written as one file of whole row
groups and committed as the partition; a failed write or generator leaves no file and the table
as it was."""

from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lakehouse_assets.engine import files
from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
from lakehouse_assets.lakehouse.tables import Window

from .hits import H, HITS


def hits(count: int, page: str = "/") -> pa.Table:
    return pa.table({"at": [H + timedelta(seconds=i) for i in range(count)], "page": [page] * count, "n": list(range(count))})


@pytest.fixture
def lakehouse(tmp_path: Path) -> IcebergLakehouse:
    return IcebergLakehouse(f"sqlite:///{tmp_path / 'catalog.db'}", (tmp_path / "root").as_uri())


def parquet_files(tmp_path: Path) -> list[Path]:
    return sorted(tmp_path.glob("root/**/*.parquet"))


@pytest.fixture(autouse=True)
def small_row_groups(monkeypatch):
    monkeypatch.setattr(files, "ROW_GROUP_ROWS", 10)


def test_batches_become_one_file_of_whole_row_groups(lakehouse):
    assert files.commit_arrow(lakehouse, HITS, Window.hour(H), (hits(n) for n in (15, 10))) == 25
    (path,) = lakehouse.data_files(HITS)
    with lakehouse.file_io(path).new_input(path).open() as stream:
        groups = pq.ParquetFile(stream).metadata
    assert [groups.row_group(i).num_rows for i in range(groups.num_row_groups)] == [10, 5, 10]
    assert lakehouse.read_arrow(HITS).num_rows == 25


def test_the_generator_runs_at_most_one_batch_ahead_of_the_writer(lakehouse, monkeypatch):
    """Batch k+1 may be made while batch k is written (in a second thread), never batch k+2."""
    events = []
    real_write = pq.ParquetWriter.write_table

    def write_table(writer, table, **kwargs):
        events.append(f"write {table.num_rows}")
        return real_write(writer, table, **kwargs)

    def batches():
        for n in (1, 2, 3):
            events.append(f"make {n}")
            yield hits(n)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", write_table)
    assert files.commit_arrow(lakehouse, HITS, Window.hour(H), batches()) == 6
    assert events.index("write 1") < events.index("make 3") and events.index("write 2") > events.index("make 2")


@pytest.mark.parametrize("failing", ["writer", "generator"])
def test_a_failed_write_removes_its_file_and_keeps_the_partition(lakehouse, tmp_path, monkeypatch, failing):
    files.commit_arrow(lakehouse, HITS, Window.hour(H), [hits(5, "/before")])
    before = parquet_files(tmp_path)

    def batches():
        yield hits(30, "/after")
        if failing == "generator":
            raise OSError("connection reset")
        yield hits(30, "/after")

    if failing == "writer":
        real_write = pq.ParquetWriter.write_table
        written = []

        def write_or_fail(writer, table, **kwargs):
            written.append(table.num_rows)
            if len(written) == 2:
                raise OSError("disk full")
            return real_write(writer, table, **kwargs)

        monkeypatch.setattr(pq.ParquetWriter, "write_table", write_or_fail)
    with pytest.raises(OSError, match="disk full|connection reset"):
        files.commit_arrow(lakehouse, HITS, Window.hour(H), batches())
    assert parquet_files(tmp_path) == before
    assert set(lakehouse.read_arrow(HITS).column("page").to_pylist()) == {"/before"}
