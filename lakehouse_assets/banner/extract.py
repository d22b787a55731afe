"""Copy one source table (or one KST day of it) into its snapshot partition (no Dagster here).

The query is SQLAlchemy Core over the reflected table, selecting the declared columns by name;
names are validated identifiers that must exist in the reflected schema. Rows stream from the
database in chunks (server-side cursor on MariaDB) into one Parquet file, so memory holds one
chunk, never the whole table; the file then replaces the partition in one Iceberg commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterator

from lakehouse_assets.lakehouse.catalog import IcebergLakehouse, conform_arrow
from lakehouse_assets.lakehouse.schemas import arrow_schema
from lakehouse_assets.lakehouse.staging import replace_partition_streaming
from lakehouse_assets.lakehouse.tables import TableSpec, Window

from .tables import SNAPSHOT_DATE, SOURCE_TIMEZONE, SourceTable, check_identifier

DEFAULT_CHUNK_ROWS = 50_000


class SourceSchemaMismatch(ValueError):
    """The source table lacks a declared column: a schema change to look at, not to paper over."""


@dataclass
class SnapshotReport:
    table: str
    rows: int = 0
    chunks: int = 0
    source_missing: bool = False
    query: str = ""
    preview: list[dict] = field(default_factory=list)


def reflect_source(engine: Any, source: SourceTable) -> Any | None:
    """The reflected source table, or None when it does not exist (a fresh, empty database)."""
    import sqlalchemy as sa

    check_identifier(source.name)
    if not sa.inspect(engine).has_table(source.name):
        return None
    table = sa.Table(source.name, sa.MetaData(), autoload_with=engine)
    missing = [check_identifier(name) for name in source.column_names if name not in table.c]
    if missing:
        raise SourceSchemaMismatch(f"source table {source.name} lacks declared columns {missing}; it has {list(table.c.keys())}")
    return table


def snapshot_query(table: Any, source: SourceTable, day: date) -> Any:
    """SELECT the declared columns; a fact table only the rows of the KST day [day, day + 1)."""
    import sqlalchemy as sa

    stmt = sa.select(*(table.c[name] for name in source.column_names))
    if source.kind == "fact":
        when = table.c[source.time_column]
        # Bound as 'YYYY-MM-DD' strings: MariaDB converts them to the column's DATE/DATETIME, and in
        # SQLite (text storage) they order before any time of that day whatever its text format.
        lo = sa.bindparam("day_start", day.isoformat(), type_=sa.String())
        hi = sa.bindparam("day_end", (day + timedelta(days=1)).isoformat(), type_=sa.String())
        stmt = stmt.where(when >= lo, when < hi)
    return stmt


def rows_to_arrow(source: SourceTable, spec: TableSpec, rows: list[Any], day: date) -> Any:
    """One chunk of result rows as an Arrow table with the snapshot's declared columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    target = arrow_schema(spec)
    columns = list(zip(*rows)) if rows else [() for _ in source.columns]
    arrays = []
    for column, values in zip(source.columns, columns):
        kind = column.lake_type
        if kind == "double":
            arrays.append(pa.array([None if v is None else float(v) for v in values], pa.float64()))
        elif kind == "timestamp":
            # DATETIMEs are KST wall-clock times: place them in Seoul, store the UTC instant.
            local = pa.array(values, pa.timestamp("us"))
            arrays.append(pc.assume_timezone(local, SOURCE_TIMEZONE).cast(pa.timestamp("us", tz="UTC")))
        else:
            arrays.append(pa.array(values, target.field(column.name).type))
    arrays.append(pa.array([day] * len(rows), pa.date32()))
    return conform_arrow(spec, pa.Table.from_arrays(arrays, names=[*source.column_names, SNAPSHOT_DATE]))


def stream_chunks(engine: Any, stmt: Any, chunk_rows: int) -> Iterator[list[Any]]:
    """The query's rows, `chunk_rows` at a time (yield_per streams them on a server-side cursor)."""
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=chunk_rows).execute(stmt)
        for chunk in result.partitions():
            yield chunk


def write_snapshot(engine: Any, lakehouse: IcebergLakehouse, source: SourceTable, day: date, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> SnapshotReport:
    """Replace `banner.snapshot_<table>` partition `day` with the source rows (empty if no table)."""
    spec = source.snapshot
    report = SnapshotReport(table=source.name)
    table = reflect_source(engine, source)
    if table is None:
        report.source_missing = True
        lakehouse.replace_partition_with_files(spec, Window.day(day), [])
        return report
    stmt = snapshot_query(table, source, day)
    report.query = str(stmt.compile(dialect=engine.dialect))

    def batches() -> Iterator[Any]:
        for chunk in stream_chunks(engine, stmt, chunk_rows):
            batch = rows_to_arrow(source, spec, chunk, day)
            report.chunks += 1
            report.rows += batch.num_rows
            if not report.preview:
                report.preview = batch.slice(0, 5).drop_columns([SNAPSHOT_DATE]).to_pylist()
            yield batch

    replace_partition_streaming(lakehouse, spec, Window.day(day), batches())
    return report


def source_row_count(engine: Any, source: SourceTable, day: date) -> int | None:
    """Rows the snapshot of `day` should hold, counted in the source now (None: no such table)."""
    import sqlalchemy as sa

    table = reflect_source(engine, source)
    if table is None:
        return None
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(snapshot_query(table, source, day).subquery())).scalar_one()
