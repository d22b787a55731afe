"""Result files of either engine: where they go, what they hold, and their commit.

Both engines write Parquet aside (under the table's `data/` folder, in a fresh name) and hand the
file list to the one table layer, which checks nothing overlaps and commits atomically. What a
written file holds is read from its footer (row count, partition column bounds): no engine job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable
from urllib.parse import urlparse

from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
from lakehouse_assets.lakehouse.schemas import arrow_schema
from lakehouse_assets.lakehouse.tables import TableSpec, Window


def staging_prefix(lakehouse: IcebergLakehouse, spec: TableSpec, window: Window) -> str:
    """A new path in the partition's data folder, never reused (the table layer's naming)."""
    from lakehouse_assets.lakehouse.staging import staging_path

    return staging_path(lakehouse, spec, window)


# Readers split a scan by row group: one group of a million raw lines would be read, and every
# query over it run, on a single thread.
ROW_GROUP_ROWS = 128 * 1024


def write_arrow_file(lakehouse: IcebergLakehouse, spec: TableSpec, path: str, batches: Iterable[Any]) -> None:
    """Arrow batches into one Parquet file at `path` through the table's file IO (local or S3).

    Each batch is compressed and written in a second thread while `batches` produces the next
    (pyarrow works outside the GIL): a generator's batches are never more than two at a time.
    """
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.parquet as pq

    schema = arrow_schema(spec)
    with lakehouse.file_io(path).new_output(path).create(overwrite=True) as stream:
        with pq.ParquetWriter(stream, schema, compression="zstd") as writer, ThreadPoolExecutor(1) as pool:
            writing = None
            for batch in batches:
                table = pa_table(batch).cast(schema)
                if writing is not None:
                    writing.result()
                writing = pool.submit(writer.write_table, table, row_group_size=ROW_GROUP_ROWS)
            if writing is not None:
                writing.result()


def commit_arrow(lakehouse: IcebergLakehouse, spec: TableSpec, window: Window, batches: Iterable[Any]) -> int:
    """Arrow batches (a generator's too, taken as they come) as a new Parquet file of the partition,
    committed as the partition; returns rows. A write that fails removes its file."""
    from lakehouse_assets.lakehouse.staging import discard_uncommitted

    target = f"{staging_prefix(lakehouse, spec, window)}.parquet"
    try:
        write_arrow_file(lakehouse, spec, target, batches)
    except Exception:
        discard_uncommitted(lakehouse, [target])
        raise
    return commit_files(lakehouse, spec, window, [target])


def pa_table(batch: Any) -> Any:
    import pyarrow as pa

    return batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])


def arrow_filesystem(uri: str, io_properties: dict[str, str]) -> tuple[Any, str]:
    """(pyarrow FileSystem, path inside it) for a `file://` or `s3://` URI.

    S3 honours the lakehouse's `s3.endpoint` (AWS_ENDPOINT_URL: MinIO and other S3-compatible
    stores) and `s3.region`; credentials come from the standard AWS environment.
    """
    from pyarrow import fs

    parsed = urlparse(uri)
    if parsed.scheme in ("s3", "s3a"):
        endpoint = io_properties.get("s3.endpoint")
        s3 = fs.S3FileSystem(
            endpoint_override=endpoint or None,
            region=io_properties.get("s3.region") or None,
            scheme=urlparse(endpoint).scheme if endpoint else "https",
        )
        return s3, f"{parsed.netloc}{parsed.path}"
    if parsed.scheme in ("file", ""):
        return fs.LocalFileSystem(), parsed.path if parsed.scheme else uri
    raise ValueError(f"unsupported storage scheme in {uri!r}")


def local_path(uri: str) -> str | None:
    parsed = urlparse(uri)
    return parsed.path if parsed.scheme == "file" else None


def written_rows(lakehouse: IcebergLakehouse, spec: TableSpec, window: Window, files: list[str]) -> tuple[int, list[str]]:
    """(rows, the files holding rows), from the Parquet footers; raises when a row lies outside `window`.

    Rows outside the window are an error in the transform, not something to drop silently.
    """
    import pyarrow.parquet as pq

    lo, hi = _bound(spec, window.start), _bound(spec, window.end)
    rows, kept, outside = 0, [], 0
    for path in files:
        with lakehouse.file_io(path).new_input(path).open() as stream:
            meta = pq.ParquetFile(stream).metadata
        if meta.num_rows == 0:
            continue
        index = meta.schema.to_arrow_schema().get_field_index(spec.partition_column)
        for group in range(meta.num_row_groups):
            stats = meta.row_group(group).column(index).statistics
            if stats is None or not stats.has_min_max or stats.null_count or not (lo <= _plain(stats.min) and _plain(stats.max) < hi):
                outside += 1
        rows += meta.num_rows
        kept.append(path)
    if outside:
        raise ValueError(f"{spec.identifier}: rows fall outside partition {window.label()} ({outside} row groups)")
    return rows, kept


def _bound(spec: TableSpec, value: datetime) -> Any:
    return value.date() if spec.column(spec.partition_column).type == "date" else value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:  # footers of UTC-adjusted columns
        from datetime import timezone

        return value.replace(tzinfo=timezone.utc)
    return value


def commit_files(lakehouse: IcebergLakehouse, spec: TableSpec, window: Window, files: list[str], directory: str | None = None) -> int:
    """Check the written files and replace the partition by them in one commit; returns rows.

    On any failure the written files (and a local staging `directory`) are removed, unless the
    commit landed after all (its answer lost): then the table uses them.
    """
    from lakehouse_assets.lakehouse.staging import discard_uncommitted, discard_unless_committed

    try:
        rows, kept = written_rows(lakehouse, spec, window, files)
    except Exception:
        discard_uncommitted(lakehouse, files, directory)
        raise
    try:
        lakehouse.replace_partition_with_files(spec, window, kept)
    except Exception:
        discard_unless_committed(lakehouse, spec, window, files, directory)
        raise
    # Files without rows are not committed (they hold no partition value): remove them.
    discard_uncommitted(lakehouse, [f for f in files if f not in kept])
    return rows
