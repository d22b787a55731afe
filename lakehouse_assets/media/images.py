"""The images landing layout (`images/source=<source>/tag=<tag>/<file>`), ids and MIME sniffing."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

IMAGES_PREFIX = "images/"
SNIFF_BYTES = 16
UNKNOWN_MIME = "application/octet-stream"
_KEY = re.compile(r"^images/source=(?P<source>[^/=]+)/tag=(?P<tag>[^/=]+)/(?P<file>[^/]+)$")


@dataclass(frozen=True)
class ImageKey:
    key: str
    source_system: str
    tag: str


def parse_image_key(key: str) -> ImageKey | None:
    match = _KEY.match(key)
    return ImageKey(key, match["source"], match["tag"]) if match else None


def image_id(uri: str) -> str:
    """A stable id: the same URI always gives the same id."""
    return hashlib.sha256(uri.encode("utf-8")).hexdigest()


def sniff_mime(head: bytes) -> str:
    """The image type from the file's magic bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return UNKNOWN_MIME
