"""Weather assets: KMA API -> `weather/observations_raw` (landing) -> `weather/observations` (Iceberg).

Both are hourly partitions in UTC; partition H holds the observations of KST hour H+9.
"""

from datetime import datetime, timedelta, timezone
from typing import Any

from dagster import (
    AssetExecutionContext,
    Backoff,
    Failure,
    FreshnessPolicy,
    Jitter,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
)

from lakehouse_assets.assets_common import IO_RETRY, hourly_partitions, partition_hour, table_key, table_metadata
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import LakehouseResource, LandingStorage
from lakehouse_assets.resources.kma import KST, NO_DATA, KmaError, KmaResource, decode_body, is_served

from .landing import RawPartitionError, partition_prefix, read_raw_partition, write_raw_partition
from .parse import observation_rows
from .tables import OBSERVATIONS, OBSERVATIONS_RAW

GROUP = "weather"
RAW_KEY = table_key(OBSERVATIONS_RAW)
OBSERVATIONS_KEY = table_key(OBSERVATIONS)

SOURCE_NOTES = {
    "kma": "KMA ASOS hourly observations from data.go.kr (AsosHourlyInfoService/getWthrDataList).",
    "sample": "SAMPLE DATA generated offline (KMA_SERVICE_KEY is not set): not real observations.",
}

# The service publishes a day only once it is over, so a healthy pipeline lands new hours about
# once a day: warn after 26 hours without a materialization, fail after two days.
OBSERVATIONS_FRESHNESS = FreshnessPolicy.time_window(fail_window=timedelta(hours=48), warn_window=timedelta(hours=26))
# The client retries each request (seconds to a minute); this covers outages or a quota that outlast it.
FETCH_RETRY = RetryPolicy(max_retries=2, delay=600, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)


def _source_metadata(source: str) -> dict[str, Any]:
    return {"source": source, "source_note": MetadataValue.text(SOURCE_NOTES.get(source, source))}


@asset(
    key=RAW_KEY,
    description=(
        "KMA getWthrDataList responses exactly as received, one JSON object per station (and page) under "
        "<LAKEHOUSE_LANDING>/weather/date=YYYY-MM-DD/hour=HH/stn=<id>.json, where date/hour are the UTC "
        "partition hour, plus a manifest written last. Offline sample responses when KMA_SERVICE_KEY is unset."
    ),
    partitions_def=hourly_partitions,
    group_name=GROUP,
    kinds={"python", "s3"},
    retry_policy=FETCH_RETRY,
)
def observations_raw(context: AssetExecutionContext, kma: KmaResource, landing: LandingStorage) -> MaterializeResult:
    """Fetch the partition's KST hour for every configured station; store the bodies as received."""
    hour = partition_hour(context)
    hour_kst = hour.astimezone(KST)
    source = kma.source(log=context.log)
    if source.source == "kma" and not is_served(hour, datetime.now(timezone.utc)):
        raise Failure(
            description=f"{hour_kst:%Y-%m-%d %H:00} KST is not served yet: the KMA service answers up to the previous KST day. "
            "The hourly schedule fetches it after midnight KST.",
            allow_retries=False,
        )
    results = {}
    try:
        for station_id in kma.stations:
            results[station_id] = source.fetch(station_id, hour_kst, hour_kst)
    except KmaError as exc:
        # Nothing was written: the hour keeps its previous complete fetch. Key and parameter
        # problems are not retried; quota and outages are (retry policy).
        raise Failure(
            description=str(exc),
            allow_retries=exc.retryable,
            metadata={"kma_result_code": exc.code or "none", "retryable": exc.retryable},
        ) from None
    manifest = write_raw_partition(landing, hour, source.source, results, fetched_at=datetime.now(timezone.utc))
    no_data = sorted(s for s, r in results.items() if r.code == NO_DATA)
    if no_data:
        context.log.warning(f"KMA had no data (code 03) at {hour_kst:%Y-%m-%d %H:00} KST for stations {no_data}")
    items = sum(len(r.items) for r in results.values())
    context.log.info(f"{source.source}: {items} items from {len(results)} stations, {len(manifest.objects)} objects under {landing.uri(partition_prefix(hour))}")
    metadata = table_metadata(
        OBSERVATIONS_RAW,
        items,
        landing.uri(partition_prefix(hour)),
        **_source_metadata(source.source),
        hour_kst=f"{hour_kst:%Y-%m-%d %H:00} KST",
        stations_requested=len(results),
        stations_without_data=len(no_data),
        objects=len(manifest.objects),
        bytes=sum(o.bytes for o in manifest.objects),
    )
    metadata.pop("dagster/table_name")  # landing objects, not a table
    return MaterializeResult(metadata=metadata)


@asset(
    key=OBSERVATIONS_KEY,
    description=(
        "One row per (station_id, observed_at UTC) from the raw responses of the hour: numbers as doubles "
        "(null when missing, rn 0.0 for no rain), QC flags as JSON, source kma|sample. Replaced atomically per partition."
    ),
    deps=[RAW_KEY],
    partitions_def=hourly_partitions,
    group_name=GROUP,
    kinds={"python", "iceberg"},
    retry_policy=IO_RETRY,
    freshness_policy=OBSERVATIONS_FRESHNESS,
)
def observations(context: AssetExecutionContext, kma: KmaResource, landing: LandingStorage, lakehouse: LakehouseResource) -> MaterializeResult:
    """Parse the hour's stored responses into typed rows and replace the Iceberg partition."""
    import pyarrow as pa

    from lakehouse_assets.lakehouse.schemas import arrow_schema

    hour = partition_hour(context)
    window = Window.hour(hour)
    try:
        manifest, bodies = read_raw_partition(landing, hour)
    except RawPartitionError as exc:
        raise Failure(description=str(exc), allow_retries=False) from None
    items = [item for _, body in bodies for item in decode_body(body).items]
    rows, report = observation_rows(items, window, manifest.stations, manifest.source)
    if report.ignored or report.bad_values:
        context.log.warning(
            f"{report.items} items: {report.rows} rows, ignored {dict(report.ignored)}, {report.bad_values} unreadable values; "
            + "; ".join(report.examples[:5])
        )
    lh = lakehouse.lakehouse
    lh.replace_partition_with_arrow(OBSERVATIONS, window, pa.Table.from_pylist(rows, schema=arrow_schema(OBSERVATIONS)))

    present = sorted({r["station_id"] for r in rows})
    missing = sorted(set(kma.stations) - set(present))
    names = {r["station_id"]: r["station_name"] for r in rows}
    context.log.info(f"weather.observations [{context.partition_key}]: {len(rows)} rows from {manifest.source}, missing stations {missing or 'none'}")
    return MaterializeResult(
        metadata=table_metadata(
            OBSERVATIONS,
            len(rows),
            lh.table_location(OBSERVATIONS),
            preview=rows,
            **_source_metadata(manifest.source),
            time_range=f"{window.start:%Y-%m-%d %H:%M} .. {window.end:%Y-%m-%d %H:%M} UTC ({window.start.astimezone(KST):%Y-%m-%d %H:%M} KST)",
            **_observed_range(rows),
            stations=", ".join(f"{s} {names[s] or ''}".strip() for s in present) or "none",
            stations_present=len(present),
            stations_missing=len(missing),
            missing_station_ids=", ".join(map(str, missing)) or "none",
            items_received=report.items,
            items_outside_hour=report.ignored["outside_hour"],
            items_other_station=report.ignored["other_station"],
            items_malformed=report.ignored["malformed"],
            items_duplicate=report.ignored["duplicate"],
            unreadable_values=report.bad_values,
            table_rows=lh.row_count(OBSERVATIONS),
        )
    )


def _observed_range(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if not rows:
        return {}
    times = [r["observed_at"] for r in rows]
    return {"observed_at_min": MetadataValue.timestamp(min(times)), "observed_at_max": MetadataValue.timestamp(max(times))}


weather_assets = [observations_raw, observations]
