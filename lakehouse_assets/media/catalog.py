"""Landing objects -> image_metadata rows (pure: storage in, Arrow rows and rejects out)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from lakehouse_assets.lakehouse.schemas import arrow_schema
from lakehouse_assets.storage_interface import LandingKeyError, LandingStorage, StoredObject

from .images import SNIFF_BYTES, image_id, parse_image_key, sniff_mime
from .tables import IMAGE_METADATA


@dataclass(frozen=True)
class RejectedKey:
    key: str
    reason: str  # bad_layout | empty_object | missing_object | outside_landing


def image_rows(landing: LandingStorage, objects: Iterable[StoredObject]) -> tuple[Any, list[RejectedKey]]:
    """Rows for the objects (reading only their first bytes) and the keys kept aside, with reasons."""
    import pyarrow as pa

    rows: list[dict] = []
    rejected: list[RejectedKey] = []
    for obj in objects:
        parsed = parse_image_key(obj.key)
        if parsed is None:
            rejected.append(RejectedKey(obj.key, "bad_layout"))
            continue
        if obj.size == 0:
            rejected.append(RejectedKey(obj.key, "empty_object"))
            continue
        try:
            head = landing.get_range(obj.key, 0, SNIFF_BYTES)
        except LandingKeyError:  # a link leading out of the landing root: never followed
            rejected.append(RejectedKey(obj.key, "outside_landing"))
            continue
        uri = landing.uri(obj.key)
        rows.append(
            {
                "image_id": image_id(uri),
                "s3_path": uri,
                "file_size": obj.size,
                "mime_type": sniff_mime(head),
                "upload_time": obj.last_modified,
                "source_system": parsed.source_system,
                "tag": parsed.tag,
            }
        )
    return pa.Table.from_pylist(rows, schema=arrow_schema(IMAGE_METADATA)), rejected


def stat_keys(landing: LandingStorage, keys: Iterable[str]) -> tuple[list[StoredObject], list[RejectedKey]]:
    """Current size/time/etag of each named key; keys that no longer exist, or lead out of the
    landing root, are reported."""
    found, missing = [], []
    for key in keys:
        try:
            obj = landing.stat(key)
        except LandingKeyError:
            missing.append(RejectedKey(key, "outside_landing"))
            continue
        if obj is None:
            missing.append(RejectedKey(key, "missing_object"))
        else:
            found.append(obj)
    return found, missing
