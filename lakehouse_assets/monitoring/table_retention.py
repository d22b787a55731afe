"""Iceberg clean-up (no Dagster): expire old snapshots, then delete the files nothing references.

Safety first: before anything is deleted, the files that every table's retained snapshots use
(data and delete files, manifests, manifest lists), its current metadata file and its metadata
log are collected across ALL tables of the catalog; no file in that set is ever deleted, whatever
its age or location. Expired snapshots' files and orphans (files under a table's location that no
retained snapshot names, e.g. a failed write's staging) go only when older than the retention.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Removal:
    kind: str  # snapshot | expired_file | orphan_file | landing_object | mlflow_run
    location: str
    bytes: int = 0


@dataclass
class CleanupReport:
    removed: list[Removal] = field(default_factory=list)
    protected_files: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for r in self.removed if r.kind == kind)

    def bytes(self, kind: str | None = None) -> int:
        return sum(r.bytes for r in self.removed if kind is None or r.kind == kind)


def all_tables(catalog: Any) -> list[Any]:
    return [catalog.load_table(identifier) for namespace in catalog.list_namespaces() for identifier in catalog.list_tables(namespace)]


def snapshots_to_expire(metadata: Any, cutoff: datetime, keep_last: int) -> list[int]:
    """Snapshots older than `cutoff`, except the newest `keep_last`, the current one and any a
    branch or tag points at."""
    protected = {ref.snapshot_id for ref in metadata.refs.values()}
    if metadata.current_snapshot_id is not None:
        protected.add(metadata.current_snapshot_id)
    newest_first = sorted(metadata.snapshots, key=lambda s: s.timestamp_ms, reverse=True)
    protected |= {s.snapshot_id for s in newest_first[:keep_last]}
    limit = cutoff.timestamp() * 1000
    return [s.snapshot_id for s in newest_first if s.timestamp_ms < limit and s.snapshot_id not in protected]


def snapshot_files(table: Any, snapshot: Any) -> dict[str, int]:
    """Every file a snapshot needs, with its size where the metadata knows it (else -1)."""
    files = {snapshot.manifest_list: -1}
    for manifest in snapshot.manifests(table.io):
        files[manifest.manifest_path] = manifest.manifest_length
        for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=True):
            files[entry.data_file.file_path] = entry.data_file.file_size_in_bytes
    return files


def table_files(table: Any, snapshot_ids: Iterable[int]) -> dict[str, int]:
    files: dict[str, int] = {}
    for snapshot_id in snapshot_ids:
        files.update(snapshot_files(table, table.metadata.snapshot_by_id(snapshot_id)))
    return files


def metadata_files(table: Any) -> set[str]:
    metadata = table.metadata
    return {table.metadata_location, *(e.metadata_file for e in metadata.metadata_log), *(s.statistics_path for s in metadata.statistics)}


def key(location: str) -> str:
    """A location as the file system lists it: `bucket/key` for object stores, a path for files."""
    from pyiceberg.io.pyarrow import PyArrowFileIO

    scheme, _, path = PyArrowFileIO.parse_location(location)
    return f"{'s3' if scheme in ('s3', 's3a', 's3n') else scheme}:{path}"


def clean_tables(catalog: Any, now: datetime, snapshot_days: int, keep_last: int, orphan_days: int, dry_run: bool = False) -> tuple[CleanupReport, set[str]]:
    """Expire snapshots and delete unreferenced files of every table; returns the report and the
    protected file keys (`key(...)`), which no other clean-up may touch either.

    What is protected is read after the expiry commits, from the tables as they are then (the
    commits wrote new metadata files). A writer committing meanwhile adds only new files, and
    nothing younger than the retention is deleted: the same guard Iceberg's own orphan removal uses.
    """
    report = CleanupReport()
    expired: list[tuple[Any, dict[str, int]]] = []
    for table in all_tables(catalog):
        expire = snapshots_to_expire(table.metadata, now - timedelta(days=snapshot_days), keep_last)
        if not expire:
            continue
        files = table_files(table, expire)
        if not dry_run:
            table.maintenance.expire_snapshots().by_ids(expire).commit()
        report.removed += [Removal("snapshot", f"{'.'.join(table.name())}@{snapshot_id}") for snapshot_id in expire]
        expired.append((table, files))

    tables = all_tables(catalog)  # reloaded: the retained snapshots and the new metadata files
    protected: set[str] = set()
    for table in tables:
        retained = [s.snapshot_id for s in table.metadata.snapshots]
        if dry_run:  # nothing was committed: what would be retained is what is not planned to expire
            retained = [i for i in retained if i not in set(snapshots_to_expire(table.metadata, now - timedelta(days=snapshot_days), keep_last))]
        protected |= {key(path) for path in (*table_files(table, retained), *metadata_files(table))}
    report.protected_files = len(protected)

    for table, files in expired:
        for path, size in files.items():
            if key(path) not in protected:
                _delete(table.io, path, size, "expired_file", report, dry_run)
    cutoff = now - timedelta(days=orphan_days)
    for table in tables:
        for path, size in _orphans(table, protected, cutoff):
            _delete(table.io, path, size, "orphan_file", report, dry_run)
    return report, protected


def _orphans(table: Any, protected: set[str], cutoff: datetime) -> list[tuple[str, int]]:
    """Files under the table's location older than `cutoff` that no retained snapshot names."""
    from pyarrow.fs import FileSelector, FileType

    scheme, netloc, path = table.io.parse_location(table.location())
    fs = table.io.fs_by_scheme(scheme, netloc)
    found = []
    for info in fs.get_file_info(FileSelector(path, recursive=True, allow_not_found=True)):
        if info.type != FileType.File or info.mtime is None or info.mtime >= cutoff:
            continue
        location = f"{scheme}://{info.path}" if scheme != "file" else f"file://{info.path}"
        if key(location) not in protected:
            found.append((location, info.size or 0))
    return found


def _delete(io: Any, location: str, size: int, kind: str, report: CleanupReport, dry_run: bool) -> None:
    try:
        if size < 0:
            size = len(io.new_input(location))
        if not dry_run:
            io.delete(location)
    except FileNotFoundError:
        return  # gone already (an earlier run, or never written)
    except OSError as exc:
        report.errors.append(f"{location}: {exc}")
        return
    report.removed.append(Removal(kind, location, size))
