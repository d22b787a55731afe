"""What a fault test compares before and after: a table's current snapshot and rows, and the
Parquet files lying in its data folders that no snapshot references (the table layer writes a
partition's files there, under a fresh name, before committing them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import pyarrow as pa

from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
from lakehouse_assets.lakehouse.tables import TableSpec


def hits(hour: datetime, count: int, page: str = "/") -> pa.Table:
    return pa.table({"at": [hour + timedelta(seconds=i) for i in range(count)], "page": [page] * count, "n": list(range(count))})


@dataclass(frozen=True)
class TableState:
    snapshot_id: int | None
    rows: list[dict]


def table_state(lakehouse: IcebergLakehouse, spec: TableSpec) -> TableState:
    """The table as a new reader sees it: loaded afresh from the catalog (no cached metadata)."""
    table = lakehouse.catalog.load_table(spec.identifier)
    snapshot = table.current_snapshot()
    rows = table.scan().to_arrow().to_pylist()
    return TableState(snapshot.snapshot_id if snapshot else None, sorted(rows, key=repr))


def data_files_on_disk(lakehouse: IcebergLakehouse, spec: TableSpec) -> set[str]:
    """Local paths of every file under the table's `data/` folder."""
    data = Path(urlparse(lakehouse.table_location(spec)).path) / "data"
    return {str(path) for path in data.rglob("*") if path.is_file()} if data.exists() else set()


def referenced_files(lakehouse: IcebergLakehouse, spec: TableSpec) -> set[str]:
    """Local paths of the data files any snapshot of the table names (replaced ones included)."""
    table = lakehouse.catalog.load_table(spec.identifier)
    return {
        urlparse(entry.data_file.file_path).path
        for snapshot in table.snapshots()
        for manifest in snapshot.manifests(table.io)
        for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=False)
    }


def uncommitted_files(lakehouse: IcebergLakehouse, spec: TableSpec) -> set[str]:
    """Files in the table's data folders (where writes stage) that no snapshot ever committed."""
    return data_files_on_disk(lakehouse, spec) - referenced_files(lakehouse, spec)


def metadata_files_on_disk(lakehouse: IcebergLakehouse, spec: TableSpec) -> set[str]:
    metadata = Path(urlparse(lakehouse.table_location(spec)).path) / "metadata"
    return {path.name for path in metadata.glob("*.metadata.json")}


def commits(lakehouse: IcebergLakehouse, spec: TableSpec) -> int:
    """Commits since the table was created: each one wrote one metadata file into the log."""
    return len(lakehouse.catalog.load_table(spec.identifier).metadata.metadata_log)
