"""Landing storage as Dagster resources: a local directory or S3, both implementing the
`LandingStorage` protocol of `lakehouse_assets.storage_interface`.

Assets and sensors declare their `landing` parameter as `LandingStorage` from here: the protocol,
marked as a resource so Dagster injects whichever implementation the settings chose.
"""


import os
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlparse

from dagster import ConfigurableResource, ResourceDependency, ResourceParam
from dagster_aws.s3 import S3Resource
from pydantic import PrivateAttr

from lakehouse_assets import storage_interface
from lakehouse_assets.storage_interface import LandingKeyError, LandingStorageError, StoredObject

LandingStorage = ResourceParam[storage_interface.LandingStorage]


class LocalLandingStorage(ConfigurableResource):
    """Landing objects in a local directory (the embedded default)."""

    root: str

    @property
    def _root(self) -> Path:
        parsed = urlparse(self.root)
        return Path(parsed.path if parsed.scheme == "file" else self.root).expanduser().resolve()

    def _path(self, key: str) -> Path:
        path = (self._root / key).resolve()
        if self._root not in path.parents and path != self._root:
            raise LandingKeyError(f"key {key!r} escapes the landing root")
        return path

    def list_objects(self, prefix: str, start_after: str | None = None) -> Iterator[StoredObject]:
        root = self._root
        base = Path(os.path.normpath(root / prefix[: prefix.rfind("/") + 1]))
        if base != root and root not in base.parents:  # `..` in the prefix (links are the reader's to refuse)
            raise LandingKeyError(f"prefix {prefix!r} escapes the landing root")
        if not base.is_dir():
            return
        keys = []
        for dirpath, _dirs, files in os.walk(base):
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            for name in files:
                key = name if rel_dir == "." else f"{rel_dir}/{name}"
                if key.startswith(prefix) and (start_after is None or key > start_after) and not name.startswith("."):
                    keys.append(key)
        for key in sorted(keys):
            try:
                stat = (root / key).stat()
            except OSError:  # removed while listing, or a link to nothing
                continue
            yield StoredObject(
                key=key,
                size=stat.st_size,
                last_modified=datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc),
                etag=f"{stat.st_size}-{stat.st_mtime_ns}",
            )

    def stat(self, key: str) -> StoredObject | None:
        try:
            st = self._path(key).stat()
        except FileNotFoundError:
            return None
        return StoredObject(key, st.st_size, datetime.fromtimestamp(st.st_mtime, tz=timezone.utc), f"{st.st_size}-{st.st_mtime_ns}")

    def list_prefixes(self, prefix: str) -> list[str]:
        base = self._path(prefix) if prefix else self._root
        if not base.is_dir():
            return []
        return sorted(f"{prefix}{p.name}/" for p in base.iterdir() if p.is_dir())

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except OSError as exc:
            raise LandingStorageError(f"cannot read {self.uri(key)}: {exc.strerror or exc}") from exc

    def get_range(self, key: str, start: int, length: int) -> bytes:
        try:
            with self._path(key).open("rb") as handle:
                handle.seek(start)
                return handle.read(length)
        except OSError as exc:
            raise LandingStorageError(f"cannot read {self.uri(key)}: {exc.strerror or exc}") from exc

    def put_bytes(self, key: str, body: bytes) -> None:
        path = self._path(key)
        # Hidden from listings, and short: a name of 255 bytes (the limit) plus a suffix is too long.
        tmp = path.with_name(f".{uuid.uuid4().hex}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(body)
            tmp.replace(path)  # readers never see half an object
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise LandingStorageError(f"cannot write {self.uri(key)}: {exc.strerror or exc}") from exc

    def uri(self, key: str = "") -> str:
        # Not Path.as_uri(): it percent-encodes `=`, and keys read like their S3 twins (`source=web/...`).
        return f"file://{self._root / key if key else self._root}"


class S3LandingStorage(ConfigurableResource):
    """Landing objects in S3 or an S3-compatible store (AWS_ENDPOINT_URL, e.g. MinIO)."""

    bucket: str
    prefix: str = ""
    s3: ResourceDependency[S3Resource]
    _s3_client: Any = PrivateAttr(default=None)

    def _key(self, key: str) -> str:
        return f"{self.prefix.strip('/')}/{key}" if self.prefix.strip("/") else key

    def _rel(self, full_key: str) -> str:
        base = self.prefix.strip("/")
        return full_key[len(base) + 1 :] if base else full_key

    def _client(self):
        # Building a boto3 client costs ~0.1 s; one per resource instance, reused.
        if self._s3_client is None:
            self._s3_client = self.s3.get_client()
        return self._s3_client

    def _fail(self, action: str, key: str, exc: Exception) -> LandingStorageError:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
        return LandingStorageError(f"S3 {action} {self.uri(key)} failed: {code}: {exc}")

    def list_objects(self, prefix: str, start_after: str | None = None) -> Iterator[StoredObject]:
        kwargs = {"Bucket": self.bucket, "Prefix": self._key(prefix)}
        if start_after:
            kwargs["StartAfter"] = self._key(start_after)
        try:
            for page in self._client().get_paginator("list_objects_v2").paginate(**kwargs):
                for item in page.get("Contents", []):
                    yield StoredObject(
                        key=self._rel(item["Key"]),
                        size=item["Size"],
                        last_modified=item["LastModified"].astimezone(timezone.utc),
                        etag=item.get("ETag", "").strip('"'),
                    )
        except Exception as exc:
            raise self._fail("list", prefix, exc) from exc

    def list_prefixes(self, prefix: str) -> list[str]:
        out = []
        try:
            pages = self._client().get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self._key(prefix), Delimiter="/"
            )
            for page in pages:
                out.extend(self._rel(p["Prefix"]) for p in page.get("CommonPrefixes", []))
        except Exception as exc:
            raise self._fail("list", prefix, exc) from exc
        return sorted(out)

    def stat(self, key: str) -> StoredObject | None:
        try:
            head = self._client().head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._fail("head", key, exc) from exc
        return StoredObject(key, head["ContentLength"], head["LastModified"].astimezone(timezone.utc), head.get("ETag", "").strip('"'))

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._client().get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except Exception as exc:
            raise self._fail("get", key, exc) from exc

    def get_range(self, key: str, start: int, length: int) -> bytes:
        try:
            response = self._client().get_object(
                Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-{start + length - 1}"
            )
            return response["Body"].read()
        except Exception as exc:
            raise self._fail("get", key, exc) from exc

    def put_bytes(self, key: str, body: bytes) -> None:
        try:
            self._client().put_object(Bucket=self.bucket, Key=self._key(key), Body=body)
        except Exception as exc:
            raise self._fail("put", key, exc) from exc

    def uri(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{self._key(key)}" if key else f"s3://{self.bucket}/{self.prefix.strip('/')}".rstrip("/")


def landing_storage_for(landing_uri: str, s3: S3Resource | None = None) -> LocalLandingStorage | S3LandingStorage:
    """The storage resource for a landing URI (`s3://bucket/prefix` or a local path)."""
    parsed = urlparse(landing_uri)
    if parsed.scheme in ("s3", "s3a"):
        return S3LandingStorage(bucket=parsed.netloc, prefix=parsed.path.strip("/"), s3=s3 or S3Resource())
    return LocalLandingStorage(root=landing_uri)
