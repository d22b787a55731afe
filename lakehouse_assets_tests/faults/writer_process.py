"""A compute step in its own process, to be killed with SIGKILL in the middle of a write.

`python -m lakehouse_assets_tests.faults.writer_process <catalog uri> <root uri> <hour> <pause at>`
writes the Silver partitions of `<hour>` with the DuckDB engine, as the `silver/events` asset
does, and stops in the write of `silver.events` at one point:

- `files_written`: the engine's Parquet file is complete in the partition's folder, nothing committed;
- `catalog_row_moved`: pyiceberg wrote the new table metadata file and the catalog's UPDATE ran
  inside its transaction (a SQLite write lock and a rollback journal exist); the COMMIT did not.

It then prints `paused <point>` and blocks reading stdin: the parent kills it there. If stdin is
closed instead, it exits without committing.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime

from lakehouse_assets.engine import files
from lakehouse_assets.engine.duckdb_engine import DuckDBEngine
from lakehouse_assets.events.pipeline import write_silver
from lakehouse_assets.events.tables import SILVER_EVENTS
from lakehouse_assets.lakehouse.catalog import IcebergLakehouse

PAUSE_POINTS = ("files_written", "catalog_row_moved")


def pause(point: str) -> None:
    print(f"paused {point} pid={os.getpid()}", flush=True)
    sys.stdin.read()
    os._exit(3)  # the parent let go without killing: leave without committing anything


def install_pause(lakehouse: IcebergLakehouse, point: str) -> None:
    if point == "files_written":
        real_commit_files = files.commit_files

        def commit_files(lh, spec, window, paths, directory=None):
            if spec == SILVER_EVENTS:
                pause(point)
            return real_commit_files(lh, spec, window, paths, directory)

        files.commit_files = commit_files
    elif point == "catalog_row_moved":
        from sqlalchemy import event

        moved: list[bool] = []

        @event.listens_for(lakehouse.catalog.engine, "after_cursor_execute")
        def after_execute(conn, cursor, statement, parameters, context, executemany):
            values = set(map(str, parameters or ()))
            if statement.lstrip().upper().startswith("UPDATE ICEBERG_TABLES") and {SILVER_EVENTS.namespace, SILVER_EVENTS.name} <= values:
                moved.append(True)

        @event.listens_for(lakehouse.catalog.engine, "commit")
        def before_commit(conn):
            if moved:
                pause(point)
    else:
        raise SystemExit(f"unknown pause point {point!r}; one of {PAUSE_POINTS}")


def main(catalog_uri: str, root_uri: str, hour: str, point: str) -> None:
    lakehouse = IcebergLakehouse(catalog_uri, root_uri)
    install_pause(lakehouse, point)
    engine = DuckDBEngine(threads=1)
    for spec, rows, _ in write_silver(engine, lakehouse, datetime.fromisoformat(hour)):
        print(f"committed {spec.identifier} {rows}", flush=True)
    raise SystemExit(f"the write finished without reaching {point!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
