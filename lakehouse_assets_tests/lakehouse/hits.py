"""A small hourly table for the table-layer and fault tests: hits per page, partitioned by the
hour of `at`."""

from datetime import datetime, timezone

from lakehouse_assets.lakehouse.tables import Column, TableSpec

HITS = TableSpec(
    "test",
    "hits",
    (Column("at", "timestamp"), Column("page", "string"), Column("n", "long")),
    partition_column="at",
    partition_transform="hour",
)
H = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
