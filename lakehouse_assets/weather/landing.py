"""The raw weather layout in the landing zone: one folder per UTC hour, one object per response.

    weather/date=YYYY-MM-DD/hour=HH/stn=<id>.json         page 1 of a station's response, as received
    weather/date=YYYY-MM-DD/hour=HH/stn=<id>.page-N.json  further pages (N >= 2), when there are any
    weather/date=YYYY-MM-DD/hour=HH/_manifest.json        what the last fetch of the hour wrote

`date`/`hour` are the UTC partition hour (the KST observation hour minus nine hours), so a folder
and an `observations` partition are the same hour and a backfill of one never touches another.
The manifest is written last and names each object with its size and SHA-256: a reader takes
exactly the objects of one complete fetch, and notices an object changed under it. No Dagster.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from lakehouse_assets.storage_interface import LandingStorage

from .kma_protocol import KST, KmaResult, decode_body

WEATHER_PREFIX = "weather/"
MANIFEST = "_manifest.json"


class RawPartitionError(RuntimeError):
    """The raw hour is missing or does not match its manifest."""


@dataclass(frozen=True)
class RawObject:
    station_id: int
    page: int
    key: str
    result_code: str
    items: int  # items in this body
    bytes: int
    sha256: str


@dataclass(frozen=True)
class RawManifest:
    hour: datetime  # UTC start of the partition
    source: str  # kma | sample
    stations: tuple[int, ...]  # the stations asked for
    objects: tuple[RawObject, ...]
    fetched_at: datetime | None = None

    def to_json(self) -> bytes:
        doc: dict[str, Any] = {
            "hour_utc": self.hour.isoformat(),
            "hour_kst": self.hour.astimezone(KST).strftime("%Y-%m-%d %H:%M"),
            "source": self.source,
            "stations": list(self.stations),
            "objects": [asdict(o) for o in self.objects],
        }
        if self.fetched_at is not None:
            doc["fetched_at"] = self.fetched_at.isoformat()
        return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")

    @classmethod
    def from_json(cls, body: bytes) -> "RawManifest":
        doc = json.loads(body)
        return cls(
            hour=datetime.fromisoformat(doc["hour_utc"]),
            source=doc["source"],
            stations=tuple(doc["stations"]),
            objects=tuple(RawObject(**o) for o in doc["objects"]),
            fetched_at=datetime.fromisoformat(doc["fetched_at"]) if doc.get("fetched_at") else None,
        )


def partition_prefix(hour: datetime) -> str:
    hour = hour.astimezone(timezone.utc)
    return f"{WEATHER_PREFIX}date={hour:%Y-%m-%d}/hour={hour:%H}/"


def station_key(hour: datetime, station_id: int, page: int = 1) -> str:
    suffix = "" if page == 1 else f".page-{page}"
    return f"{partition_prefix(hour)}stn={station_id}{suffix}.json"


def manifest_key(hour: datetime) -> str:
    return partition_prefix(hour) + MANIFEST


def write_raw_partition(
    landing: LandingStorage, hour: datetime, source: str, results: Mapping[int, KmaResult], fetched_at: datetime | None = None
) -> RawManifest:
    """Store every body of every station's response for the hour, then the manifest naming them."""
    objects = []
    for station_id, result in results.items():
        for page, body in enumerate(result.bodies, start=1):
            key = station_key(hour, station_id, page)
            landing.put_bytes(key, body)
            decoded = decode_body(body)
            objects.append(RawObject(station_id, page, key, decoded.code, len(decoded.items), len(body), hashlib.sha256(body).hexdigest()))
    manifest = RawManifest(hour.astimezone(timezone.utc), source, tuple(results), tuple(objects), fetched_at)
    landing.put_bytes(manifest_key(hour), manifest.to_json())
    return manifest


def read_raw_partition(landing: LandingStorage, hour: datetime) -> tuple[RawManifest, list[tuple[RawObject, bytes]]]:
    """The manifest of the hour and each object it names, verified against its SHA-256."""
    key = manifest_key(hour)
    if landing.stat(key) is None:
        raise RawPartitionError(
            f"no raw weather for {hour:%Y-%m-%d %H}:00 UTC: {landing.uri(key)} does not exist. "
            "Materialize weather/observations_raw for this partition first."
        )
    manifest = RawManifest.from_json(landing.get_bytes(key))
    bodies = []
    for obj in manifest.objects:
        body = landing.get_bytes(obj.key)
        if hashlib.sha256(body).hexdigest() != obj.sha256:
            raise RawPartitionError(
                f"{landing.uri(obj.key)} changed after its manifest was written "
                "(a concurrent fetch?): re-materialize weather/observations_raw for this partition."
            )
        bodies.append((obj, body))
    return manifest, bodies
