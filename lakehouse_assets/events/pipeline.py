"""The events partitions as plain functions (no Dagster): the assets, `spark/jobs/` and the
benchmarks all run these, on either engine (`lakehouse_assets.engine`), so an in-process run and a
cluster job share one implementation: the SQL of `events/sql/`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterator

from lakehouse_assets.engine import files
from lakehouse_assets.lakehouse.catalog import IcebergLakehouse
from lakehouse_assets.lakehouse.tables import TableSpec, Window
from lakehouse_assets.storage_interface import LandingKeyError

from .bronze import LandedObject, bronze_row_groups
from .landing import EVENTS_PREFIX, parse_event_key
from .sql import gold as gold_sql
from .sql.silver import DUPLICATE_LINES_SQL, JSON_FIELDS, LABEL_SQL, MAX_NESTING, VALID_IDS_SQL, classify_sql, kind_sql
from .tables import (
    BRONZE_EVENTS,
    GOLD_BUSINESS_DAILY,
    GOLD_DATA_QUALITY_HOURLY,
    GOLD_FUNNEL_DAILY,
    GOLD_OPERATIONAL_HOURLY,
    GOLD_SERVER_HEALTH_MINUTELY,
    SILVER_EVENT_DUPLICATES,
    SILVER_EVENT_REJECTS,
    SILVER_EVENTS,
)

HOUR = timedelta(hours=1)
SILVER_OUTPUTS = (SILVER_EVENTS, SILVER_EVENT_REJECTS, SILVER_EVENT_DUPLICATES)
SILVER_KINDS = ("event", "reject", "duplicate")


@dataclass(frozen=True)
class BronzeReport:
    rows: int
    objects: int
    bytes: int
    skipped_keys: dict[str, str]  # key -> why it gave no Bronze rows
    rows_by_topic: dict[str, int]
    preview: list[dict]


def read_landing_hour(landing: Any, hour: datetime) -> tuple[list[LandedObject], dict[str, str]]:
    """The hour's landing objects of every topic, and the keys skipped, each with its reason."""
    skipped: dict[str, str] = {}
    return list(landing_objects(landing, hour, skipped)), skipped


def landing_objects(landing: Any, hour: datetime, skipped: dict[str, str]) -> Iterator[LandedObject]:
    """The hour's landing objects of every topic in key order, each read only when it is reached;
    keys that give no object go to `skipped` with the reason."""
    listed = []
    for topic_prefix in landing.list_prefixes(EVENTS_PREFIX):
        for stored in landing.list_objects(f"{topic_prefix}date={hour:%Y-%m-%d}/hour={hour:%H}/"):
            key = parse_event_key(stored.key)
            if key is None:
                skipped[stored.key] = "does not fit the landing layout"
            elif stored.size == 0:
                skipped[stored.key] = "empty object (0 bytes)"
            else:
                listed.append((key, stored))
    for key, stored in sorted(listed, key=lambda listing: listing[0].key):
        try:
            obj = LandedObject(key, landing.get_bytes(stored.key), stored.last_modified)
        except LandingKeyError as exc:  # e.g. a link leading out of the landing root: never read
            skipped[stored.key] = str(exc)
            continue
        yield obj
        del obj  # let go of this body before the next one is read


def write_bronze(landing: Any, lakehouse: IcebergLakehouse, hour: datetime) -> BronzeReport:
    """Replace the Bronze partition of `hour` with every non-blank line that landed in it.

    One landing object at a time: the lines go to the file in row groups while the next object is
    read, so memory holds about one object and two row groups, not the hour.
    """
    window = Window.hour(hour)
    skipped: dict[str, str] = {}
    tally = _BronzeTally()
    objects = tally.objects(landing_objects(landing, window.start, skipped))
    files.commit_arrow(lakehouse, BRONZE_EVENTS, window, tally.groups(bronze_row_groups(objects, skipped, files.ROW_GROUP_ROWS)))
    # An object read and then skipped held no lines (a broken gzip stream): not counted.
    readable_sizes = [size for key, size in tally.sizes.items() if key not in skipped]
    return BronzeReport(
        rows=tally.rows,
        objects=len(readable_sizes),
        bytes=sum(readable_sizes),
        skipped_keys=skipped,
        rows_by_topic=dict(tally.rows_by_topic),
        preview=tally.preview,
    )


class _BronzeTally:
    """What a Bronze write's report counts, taken from the objects and row groups as they pass."""

    def __init__(self) -> None:
        self.rows = 0
        self.sizes: dict[str, int] = {}  # key -> bytes, of every object read
        self.rows_by_topic: Counter = Counter()
        self.preview: list[dict] = []

    def objects(self, objects: Iterator[LandedObject]) -> Iterator[LandedObject]:
        for obj in objects:
            self.sizes[obj.key.key] = len(obj.body)
            yield obj
            del obj  # let go of this body before the next one is read

    def groups(self, groups: Iterator[Any]) -> Iterator[Any]:
        for group in groups:
            self.rows += group.num_rows
            self.rows_by_topic.update({row["topic"]: row["raw_count"] for row in group.group_by("topic").aggregate([("raw", "count")]).to_pylist()})
            if len(self.preview) < 5:
                self.preview += group.slice(0, 5 - len(self.preview)).drop_columns(["received_at"]).to_pylist()
            yield group


# -- Silver -------------------------------------------------------------------------------------


def classify_bronze(engine: Any, bronze: Any) -> Any:
    """Bronze lines -> each with its reject reason (NULL when valid) and typed Silver columns."""
    return engine.query(classify_sql(), {"fields": engine.json_fields(bronze, JSON_FIELDS, MAX_NESTING)})


def silver_is_current(lakehouse: IcebergLakehouse, window: Window) -> bool:
    """Whether the stored Silver of `window` accounts for every Bronze line of it (file metadata only)."""
    bronze = lakehouse.row_count(BRONZE_EVENTS, window)
    stored = sum(lakehouse.row_count(spec, window) for spec in SILVER_OUTPUTS)
    return bronze == stored


def previous_valid_ids(engine: Any, lakehouse: IcebergLakehouse, hour: datetime) -> tuple[Any, str]:
    """The event_ids of the previous ingest hour's valid lines, and where they came from.

    Valid lines are the kept events plus the dropped duplicates: read from the stored Silver when
    it is current (no second parse), else by classifying the previous hour's Bronze.
    """
    previous = Window.hour(hour - HOUR)
    if silver_is_current(lakehouse, previous):
        kept = engine.read(lakehouse, SILVER_EVENTS, [previous])
        dropped = engine.read(lakehouse, SILVER_EVENT_DUPLICATES, [previous])
        ids = engine.query("SELECT event_id FROM kept UNION ALL SELECT event_id FROM dropped", {"kept": kept, "dropped": dropped})
        return ids, "stored_silver"
    classified = classify_bronze(engine, engine.read(lakehouse, BRONZE_EVENTS, [previous]))
    return engine.query(VALID_IDS_SQL, {"classified": classified}), "bronze"


def duplicate_lines(engine: Any, classified: Any, previous_ids: Any) -> Any:
    """The (source_key, line_number) of the hour's valid lines that are duplicates (see `sql/silver.py`)."""
    return engine.query(DUPLICATE_LINES_SQL, {"classified": classified, "previous_ids": previous_ids})


def label_silver(engine: Any, classified: Any, duplicates: Any) -> Any:
    """Every line labelled `kind` = event | reject | duplicate; `duplicates` from `duplicate_lines`."""
    return engine.query(LABEL_SQL, {"classified": classified, "duplicate_lines": duplicates})


def silver_outputs(engine: Any, labelled: Any) -> dict[TableSpec, Any]:
    """The three Silver tables of labelled lines."""
    return {
        spec: engine.query(kind_sql(kind, spec.column_names), {"labelled": labelled})
        for spec, kind in zip(SILVER_OUTPUTS, SILVER_KINDS)
    }


def write_silver(engine: Any, lakehouse: IcebergLakehouse, hour: datetime) -> Iterator[tuple[TableSpec, int, list[dict]]]:
    """Write Silver, rejects and duplicates of one ingest hour; yields (table, rows, preview rows)."""
    window = Window.hour(hour)
    # One parse, kept: the duplicate search and each output (and its preview) read the stored rows.
    classified = engine.keep(classify_bronze(engine, engine.read(lakehouse, BRONZE_EVENTS, [window])))
    duplicates = None
    try:
        previous_ids, _ = previous_valid_ids(engine, lakehouse, window.start)
        duplicates = engine.keep(duplicate_lines(engine, classified, previous_ids), small=True)
        for spec, frame in silver_outputs(engine, label_silver(engine, classified, duplicates)).items():
            rows = engine.write(lakehouse, spec, window, frame)
            yield spec, rows, engine.rows(frame, 5)
    finally:
        if duplicates is not None:
            engine.release(duplicates)
        engine.release(classified)


# -- Gold ---------------------------------------------------------------------------------------


def silver_hours_for_day(day: date) -> tuple[datetime, datetime]:
    """[first, last] Silver ingest hour whose rows can have an in-window event on `day`."""
    start = Window.day(day).start
    return start - HOUR, start + timedelta(hours=24)


def _silver(engine: Any, lakehouse: IcebergLakehouse, first_hour: datetime, last_hour: datetime) -> Any:
    return engine.read(lakehouse, SILVER_EVENTS, [Window(first_hour, last_hour + HOUR)])


def _hourly(sql: str) -> Callable[[Any, IcebergLakehouse, datetime], Any]:
    def build(engine: Any, lakehouse: IcebergLakehouse, hour: datetime) -> Any:
        silver = _silver(engine, lakehouse, hour - HOUR, hour + HOUR)
        return engine.query(sql, {"silver": silver}, {"hour": hour})

    return build


def _daily(sql: str) -> Callable[[Any, IcebergLakehouse, date], Any]:
    def build(engine: Any, lakehouse: IcebergLakehouse, day: date) -> Any:
        return engine.query(sql, {"silver": _silver(engine, lakehouse, *silver_hours_for_day(day))}, {"day": day})

    return build


def _data_quality(engine: Any, lakehouse: IcebergLakehouse, hour: datetime) -> Any:
    window = Window.hour(hour)
    names = ("bronze", "silver", "rejects", "duplicates")
    inputs = {name: engine.read(lakehouse, spec, [window]) for name, spec in zip(names, (BRONZE_EVENTS, *SILVER_OUTPUTS))}
    return engine.query(gold_sql.DATA_QUALITY_HOURLY, inputs, {"hour": window.start})


GOLD_BUILDERS: dict[TableSpec, Callable[[Any, IcebergLakehouse, Any], Any]] = {
    GOLD_SERVER_HEALTH_MINUTELY: _hourly(gold_sql.SERVER_HEALTH_MINUTELY),
    GOLD_OPERATIONAL_HOURLY: _hourly(gold_sql.OPERATIONAL_HOURLY),
    GOLD_BUSINESS_DAILY: _daily(gold_sql.BUSINESS_DAILY),
    GOLD_FUNNEL_DAILY: _daily(gold_sql.FUNNEL_DAILY),
    GOLD_DATA_QUALITY_HOURLY: _data_quality,
}


def gold_partition(spec: TableSpec, hour: datetime) -> datetime | date:
    """The partition of a Gold table that holds event hour `hour`: its date for the daily tables."""
    return hour.date() if spec.partition_column == "date" else hour


def gold_window(spec: TableSpec, partition: datetime | date) -> Window:
    return Window.day(partition) if isinstance(partition, date) and not isinstance(partition, datetime) else Window.hour(partition)


def write_gold(spec: TableSpec, engine: Any, lakehouse: IcebergLakehouse, partition: datetime | date) -> int:
    """Compute and write one Gold partition (an event hour, event date or ingest hour)."""
    frame = GOLD_BUILDERS[spec](engine, lakehouse, partition)
    return write_small(engine, lakehouse, spec, gold_window(spec, partition), frame)


def write_small(engine: Any, lakehouse: IcebergLakehouse, spec: TableSpec, window: Window, frame: Any) -> int:
    """Write a result that fits in the driver (Spark: collected, no write job)."""
    if engine.name == "spark":
        return engine.write(lakehouse, spec, window, frame, small=True)
    return engine.write(lakehouse, spec, window, frame)
