"""`media/image_metadata`: one row per landed image, upserted by image_id (checks included)."""


from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    Config,
    MetadataValue,
    asset,
)
from pydantic import Field

from lakehouse_assets.assets_common import IO_RETRY, check_spec, markdown_preview, partition_day, table_key, table_result, upload_day_partitions
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import LakehouseResource, LandingStorage

from .catalog import image_rows, stat_keys
from .images import IMAGES_PREFIX, UNKNOWN_MIME
from .tables import IMAGE_METADATA

KEY = table_key(IMAGE_METADATA)
UNKNOWN_MIME_WARN_SHARE = 0.10


class ImageBatchConfig(Config):
    """Which landing objects to (re)read. The sensor passes the keys it found."""

    keys: list[str] = Field(default_factory=list, description="Landing keys; empty: every image whose last-modified date is the partition's day")


@asset(
    key=KEY,
    description="One row per image in <LAKEHOUSE_LANDING>/images/source=<source>/tag=<tag>/<file> (original columns, by name), partitioned by upload date; an image seen again is updated, never duplicated.",
    partitions_def=upload_day_partitions,
    group_name="media",
    kinds={"python", "s3", "iceberg"},
    retry_policy=IO_RETRY,
    check_specs=[
        check_spec(KEY, "no_duplicate_image_id", "image_id is unique across the whole table."),
        check_spec(KEY, "file_size_positive", "Every image of the upload day has file_size > 0."),
        check_spec(KEY, "unknown_mime_share", f"Share of the day's images whose type is unknown; warns above {UNKNOWN_MIME_WARN_SHARE:.0%}."),
        check_spec(KEY, "keys_rejected", "Keys of this run kept aside (outside the layout, empty, vanished); warns when any."),
    ],
)
def image_metadata(context: AssetExecutionContext, config: ImageBatchConfig, landing: LandingStorage, lakehouse: LakehouseResource):
    """Reads only the first bytes of each image (ranged GET) to sniff its type; writes by column name."""
    import pyarrow.compute as pc

    day = partition_day(context)
    lh = lakehouse.lakehouse
    lh.ensure_table(IMAGE_METADATA)
    if config.keys:
        objects, rejected = stat_keys(landing, config.keys)
    else:
        # A manual run for a day: the layout has no date, so list the images and keep that day's.
        objects = [o for o in landing.list_objects(IMAGES_PREFIX) if o.last_modified.date() == day]
        rejected = []
        context.log.info(f"listed {landing.uri(IMAGES_PREFIX)}: {len(objects)} objects modified on {day}")
    rows, more_rejected = image_rows(landing, objects)
    rejected += more_rejected
    if rejected:
        context.log.warning(f"kept aside {len(rejected)} keys: " + ", ".join(f"{r.key} ({r.reason})" for r in rejected[:5]))
    lh.upsert_arrow(IMAGE_METADATA, rows, "image_id")
    context.log.info(f"upserted {rows.num_rows} images for {day}")

    window = Window.day(day)
    day_rows = lh.read_arrow(IMAGE_METADATA, [window])
    all_ids = lh.read_arrow(IMAGE_METADATA, columns=["image_id"]).column("image_id")
    reasons: dict[str, int] = {}
    for r in rejected:
        reasons[r.reason] = reasons.get(r.reason, 0) + 1
    yield table_result(
        IMAGE_METADATA,
        day_rows.num_rows,
        lh,
        preview=day_rows.slice(0, 10).drop_columns(["image_id"]).to_pylist(),
        images_upserted=rows.num_rows,
        keys_rejected=len(rejected),
        table_rows=len(all_ids),
    )
    duplicates = len(all_ids) - len(pc.unique(all_ids))
    yield AssetCheckResult(check_name="no_duplicate_image_id", passed=duplicates == 0, metadata={"rows": len(all_ids), "duplicate_ids": duplicates})
    not_positive = int(pc.sum(pc.less_equal(day_rows.column("file_size"), 0)).as_py() or 0)
    yield AssetCheckResult(check_name="file_size_positive", passed=not_positive == 0, metadata={"rows": day_rows.num_rows, "file_size_not_positive": not_positive})
    unknown = int(pc.sum(pc.equal(day_rows.column("mime_type"), UNKNOWN_MIME)).as_py() or 0)
    share = unknown / day_rows.num_rows if day_rows.num_rows else 0.0
    yield AssetCheckResult(
        check_name="unknown_mime_share",
        passed=share <= UNKNOWN_MIME_WARN_SHARE,
        severity=AssetCheckSeverity.WARN,
        metadata={"rows": day_rows.num_rows, "unknown_mime": unknown, "share": round(share, 4), "warn_above": UNKNOWN_MIME_WARN_SHARE},
    )
    yield AssetCheckResult(
        check_name="keys_rejected",
        passed=not rejected,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "keys_rejected": len(rejected),
            **{f"rejected_{reason}": n for reason, n in sorted(reasons.items())},
            "examples": MetadataValue.md(markdown_preview([{"key": r.key, "reason": r.reason} for r in rejected])),
        },
    )
