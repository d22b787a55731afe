"""`media.image_metadata`: exactly the original table's columns, in its order."""

from lakehouse_assets.lakehouse.tables import Column, TableSpec

IMAGE_METADATA = TableSpec(
    "media",
    "image_metadata",
    (
        Column("image_id", "string", "Stable hash (SHA-256 hex) of s3_path"),
        Column("s3_path", "string", "Full URI of the object"),
        Column("file_size", "long", "Bytes"),
        Column("mime_type", "string", "Sniffed from the first bytes: image/jpeg|png|gif|webp, else application/octet-stream"),
        Column("upload_time", "timestamp", "The object's last-modified time (UTC)"),
        Column("source_system", "string"),
        Column("tag", "string"),
    ),
    partition_column="upload_time",
    partition_transform="day",
    doc="One row per image in the landing zone, upserted as images arrive.",
)
