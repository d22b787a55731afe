"""Convert a `TableSpec` to Iceberg, Arrow and Spark schemas (imports happen on use)."""

from __future__ import annotations

from typing import Any

from .tables import TableSpec

_ARROW = {
    "string": lambda pa: pa.large_string(),
    "int": lambda pa: pa.int32(),
    "long": lambda pa: pa.int64(),
    "double": lambda pa: pa.float64(),
    "timestamp": lambda pa: pa.timestamp("us", tz="UTC"),
    "date": lambda pa: pa.date32(),
    "boolean": lambda pa: pa.bool_(),
}

_SPARK_DDL = {
    "string": "STRING",
    "int": "INT",
    "long": "BIGINT",
    "double": "DOUBLE",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "boolean": "BOOLEAN",
}


def iceberg_schema(spec: TableSpec) -> Any:
    from pyiceberg import types as t
    from pyiceberg.schema import Schema

    iceberg_types = {
        "string": t.StringType,
        "int": t.IntegerType,
        "long": t.LongType,
        "double": t.DoubleType,
        "timestamp": t.TimestamptzType,
        "date": t.DateType,
        "boolean": t.BooleanType,
    }
    # Columns are optional in Iceberg: nullability is a data rule, enforced by asset checks.
    fields = [
        t.NestedField(field_id=i, name=c.name, field_type=iceberg_types[c.type](), required=False, doc=c.doc or None)
        for i, c in enumerate(spec.columns, start=1)
    ]
    return Schema(*fields)


def iceberg_partition_spec(spec: TableSpec) -> Any:
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.transforms import DayTransform, HourTransform, IdentityTransform

    transform = {"identity": IdentityTransform, "hour": HourTransform, "day": DayTransform}[spec.partition_transform]()
    source_id = spec.column_names.index(spec.partition_column) + 1
    name = spec.partition_column if spec.partition_transform == "identity" else f"{spec.partition_column}_{spec.partition_transform}"
    return PartitionSpec(PartitionField(source_id=source_id, field_id=1000, transform=transform, name=name))


def arrow_schema(spec: TableSpec) -> Any:
    import pyarrow as pa

    return pa.schema([pa.field(c.name, _ARROW[c.type](pa), nullable=True) for c in spec.columns])


def spark_ddl(spec: TableSpec) -> str:
    return ", ".join(f"`{c.name}` {_SPARK_DDL[c.type]}" for c in spec.columns)


def spark_schema(spec: TableSpec) -> Any:
    from pyspark.sql.types import StructType

    return StructType.fromDDL(spark_ddl(spec))


def spark_type(column_type: str) -> str:
    return _SPARK_DDL[column_type]
