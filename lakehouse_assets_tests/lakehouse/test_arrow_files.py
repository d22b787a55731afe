"""`files.commit_arrow`: one table's rows written as several files at once, committed as one
partition; a failed write leaves no file and the table as it was."""

from datetime import timedelta
from pathlib import Path

import pyarrow as pa
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


def test_rows_are_cut_at_row_groups_into_at_most_the_files_asked(lakehouse):
    assert files.commit_arrow(lakehouse, HITS, Window.hour(H), [hits(45)], files=3) == 45
    assert len(lakehouse.data_files(HITS)) == 3  # 5 row groups of 10 -> files of 20, 20 and 5 rows
    stored = lakehouse.read_arrow(HITS).sort_by("n")
    assert stored.column("n").to_pylist() == list(range(45))


def test_a_small_table_stays_one_file(lakehouse, tmp_path):
    assert files.commit_arrow(lakehouse, HITS, Window.hour(H), [hits(7)], files=4) == 7
    assert len(lakehouse.data_files(HITS)) == 1 and len(parquet_files(tmp_path)) == 1


def test_a_failed_part_removes_every_file_and_keeps_the_partition(lakehouse, tmp_path, monkeypatch):
    files.commit_arrow(lakehouse, HITS, Window.hour(H), [hits(5, "/before")])
    before = parquet_files(tmp_path)
    real_write = files.write_arrow_file

    def write_or_fail(lakehouse, spec, path, batches):
        real_write(lakehouse, spec, path, batches)
        if path.endswith("-1.parquet"):
            raise OSError("disk full")

    monkeypatch.setattr(files, "write_arrow_file", write_or_fail)
    with pytest.raises(OSError, match="disk full"):
        files.commit_arrow(lakehouse, HITS, Window.hour(H), [hits(30, "/after")], files=3)
    assert parquet_files(tmp_path) == before
    assert set(lakehouse.read_arrow(HITS).column("page").to_pylist()) == {"/before"}
