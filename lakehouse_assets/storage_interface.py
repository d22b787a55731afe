"""What the landing planners, watchers and readers need from object storage (no Dagster).

Keys are relative to the landing root and use `/`. Listing is in key order (as S3 lists), and can
start after a key, so sensors can list only what is new. `resources/storage.py` implements this
on a local directory and on S3 as Dagster resources; code here and in the domains' landing and
arrival modules only sees the protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator, Protocol


class LandingStorageError(RuntimeError):
    """Object storage failed; the message names the location and the cause."""


class LandingKeyError(LandingStorageError):
    """The key names no object inside the landing root (`..`, a link leading out): skip it, never follow it."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    last_modified: datetime
    etag: str


class LandingStorage(Protocol):
    """Read and write landing objects by key (relative to the landing root)."""

    def list_objects(self, prefix: str, start_after: str | None = None) -> Iterator[StoredObject]:
        """Objects whose key starts with `prefix` and sorts after `start_after`, in key order."""
        ...

    def list_prefixes(self, prefix: str) -> list[str]:
        """The immediate sub-prefixes of `prefix` (like `aws s3 ls`), ending in `/`."""
        ...

    def stat(self, key: str) -> StoredObject | None:
        """Size, last-modified and etag of one object, or None when it does not exist."""
        ...

    def get_bytes(self, key: str) -> bytes: ...

    def get_range(self, key: str, start: int, length: int) -> bytes: ...

    def put_bytes(self, key: str, body: bytes) -> None: ...

    def uri(self, key: str = "") -> str: ...
