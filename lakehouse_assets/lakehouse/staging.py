"""Data files written before their commit: where they go, Arrow batches streamed into one file
and committed as a partition, and their removal when the commit does not happen.

An uncommitted file is harmless (no snapshot references it), so removing it is best effort.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import uuid
from typing import Any, Iterable
from urllib.parse import urlparse

from .catalog import IcebergLakehouse
from .schemas import arrow_schema
from .tables import TableSpec, Window

log = logging.getLogger(__name__)


def staging_path(lakehouse: IcebergLakehouse, spec: TableSpec, window: Window, suffix: str = "") -> str:
    """A fresh path in the partition's data directory (a file with `suffix=".parquet"`, else a directory)."""
    return f"{lakehouse.table_location(spec)}/data/{spec.partition_column}={window.label()}/{uuid.uuid4().hex}{suffix}"


def discard_uncommitted(lakehouse: IcebergLakehouse, paths: Iterable[str], directory: str | None = None) -> None:
    """Remove files written for a commit that did not happen, and `directory` if it is local (Spark
    leaves `_SUCCESS` and `.crc` files there too; object stores have no directories to remove)."""
    paths = list(paths)
    if paths:
        io = lakehouse.file_io(paths[0])
        for path in paths:
            try:
                io.delete(path)
            except Exception as exc:
                log.warning("could not delete uncommitted file %s: %s", path, exc)
    if directory is not None and directory.startswith("file://"):
        shutil.rmtree(urlparse(directory).path, ignore_errors=True)


def discard_unless_committed(lakehouse: IcebergLakehouse, spec: TableSpec, window: Window, paths: Iterable[str], directory: str | None = None) -> None:
    """After a failed commit of `paths` as `window`: remove them, except those the partition's
    current snapshot uses. A commit whose answer was lost (the catalog database went away during
    COMMIT) may have landed, and removing its files would leave the table naming missing files.
    When the catalog cannot say, nothing is removed: the retention clean-up takes orphans later."""
    paths = list(paths)
    try:
        committed = set(lakehouse.data_files(spec, [window]))
    except Exception as exc:
        log.warning("kept %d files written for %s [%s]: the catalog cannot tell whether they were committed: %s", len(paths), spec.identifier, window.label(), exc)
        return
    landed = [path for path in paths if path in committed]
    if landed:
        log.warning("a failed commit of %s [%s] had landed: kept its %d files", spec.identifier, window.label(), len(landed))
    discard_uncommitted(lakehouse, [path for path in paths if path not in committed], None if landed else directory)


def replace_partition_streaming(lakehouse: IcebergLakehouse, spec: TableSpec, window: Window, batches: Iterable[Any]) -> None:
    """Write Arrow batches into one Parquet file (one row group each) and commit it as the partition.

    Only one batch is in memory at a time. Nothing is committed unless every batch was written;
    a failed attempt removes its file. No rows: the partition is replaced by nothing (emptied).
    """
    import pyarrow.parquet as pq

    io = lakehouse.ensure_table(spec).io
    path = staging_path(lakehouse, spec, window, ".parquet")
    stream = writer = None
    try:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            if writer is None:
                stream = io.new_output(path).create()
                writer = pq.ParquetWriter(stream, arrow_schema(spec), compression="zstd")
            writer.write_table(batch)
        if writer is not None:
            writer.close()
            stream.close()
        lakehouse.replace_partition_with_files(spec, window, [] if writer is None else [path])
    except BaseException:
        if stream is not None:
            if writer is not None and writer.is_open:
                with contextlib.suppress(Exception):
                    writer.close()
            if not stream.closed:
                stream.close()
            discard_unless_committed(lakehouse, spec, window, [path])
        raise
