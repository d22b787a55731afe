"""Weather assets: KMA API -> `weather/observations_raw` (landing) -> `weather/observations` (Iceberg).

Both are hourly partitions in UTC; partition H holds the observations of KST hour H+9. A run may
cover a range of hours (a backfill runs up to 24 per run): each hour is fetched and stored as its own
landing partition, and the table's range is replaced in one commit.
"""

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

from dagster import (
    AssetExecutionContext,
    Backoff,
    BackfillPolicy,
    Failure,
    FreshnessPolicy,
    Jitter,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
)

from lakehouse_assets.assets_common import IO_RETRY, KST, hourly_partitions, partition_window, table_key, table_metadata, table_result
from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources import LakehouseResource, LandingStorage
from lakehouse_assets.resources.kma import KmaResource

from .kma_protocol import NO_DATA, KmaError, decode_body, is_served
from .landing import RawPartitionError, partition_prefix, read_raw_partition, write_raw_partition
from .parse import ParseReport, observation_rows
from .sources import kma_source
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
# A backfill of 60 days is 60 runs of a day each, not 1,440 runs of an hour.
BACKFILL_POLICY = BackfillPolicy.multi_run(max_partitions_per_run=24)


def _hours(window: Window) -> list[datetime]:
    return [window.start + timedelta(hours=i) for i in range(int((window.end - window.start) / timedelta(hours=1)))]


def _kst_range(hours: list[datetime]) -> str:
    first, last = hours[0].astimezone(KST), hours[-1].astimezone(KST)
    return f"{first:%Y-%m-%d %H:00} KST" if first == last else f"{first:%Y-%m-%d %H:00} .. {last:%Y-%m-%d %H:00} KST"


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
    backfill_policy=BACKFILL_POLICY,
)
def observations_raw(context: AssetExecutionContext, kma: KmaResource, landing: LandingStorage) -> MaterializeResult:
    """Fetch each KST hour of the run's partitions for every configured station; store the bodies as received."""
    hours = _hours(partition_window(context))
    source = kma_source(kma, log=context.log)
    if source.source == "kma" and not is_served(hours[-1], datetime.now(timezone.utc)):
        raise Failure(
            description=f"{hours[-1].astimezone(KST):%Y-%m-%d %H:00} KST is not served yet: the KMA service answers up to the previous KST day. "
            "The hourly schedule fetches it after midnight KST.",
            allow_retries=False,
        )
    items = objects = size = 0
    no_data: set[int] = set()
    for hour in hours:
        hour_kst = hour.astimezone(KST)
        results = {}
        try:
            for station_id in kma.stations:
                results[station_id] = source.fetch(station_id, hour_kst, hour_kst)
        except KmaError as exc:
            # Nothing was written for this hour: it keeps its previous complete fetch (earlier hours
            # of the run are stored). Key and parameter problems are not retried; quota and outages are.
            raise Failure(
                description=f"{hour_kst:%Y-%m-%d %H:00} KST: {exc}",
                allow_retries=exc.retryable,
                metadata={"kma_result_code": exc.code or "none", "retryable": exc.retryable},
            ) from None
        manifest = write_raw_partition(landing, hour, source.source, results, fetched_at=datetime.now(timezone.utc))
        hour_no_data = sorted(s for s, r in results.items() if r.code == NO_DATA)
        if hour_no_data:
            context.log.warning(f"KMA had no data (code 03) at {hour_kst:%Y-%m-%d %H:00} KST for stations {hour_no_data}")
        no_data.update(hour_no_data)
        items += sum(len(r.items) for r in results.values())
        objects += len(manifest.objects)
        size += sum(o.bytes for o in manifest.objects)
    location = landing.uri(partition_prefix(hours[0])) if len(hours) == 1 else landing.uri(partition_prefix(hours[0]).split("/")[0])
    context.log.info(f"{source.source}: {items} items from {len(kma.stations)} stations x {len(hours)} hours, {objects} objects under {location}")
    metadata = table_metadata(
        OBSERVATIONS_RAW,
        items,
        location,
        **_source_metadata(source.source),
        hour_kst=_kst_range(hours),
        hours=len(hours),
        stations_requested=len(kma.stations),
        stations_without_data=len(no_data),
        objects=objects,
        bytes=size,
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
    backfill_policy=BACKFILL_POLICY,
)
def observations(context: AssetExecutionContext, kma: KmaResource, landing: LandingStorage, lakehouse: LakehouseResource) -> MaterializeResult:
    """Parse each hour's stored responses into typed rows and replace the run's partitions in one commit."""
    import pyarrow as pa

    from lakehouse_assets.lakehouse.schemas import arrow_schema

    window = partition_window(context)
    rows: list[dict[str, Any]] = []
    report = ParseReport()
    for hour in _hours(window):
        try:
            manifest, bodies = read_raw_partition(landing, hour)
        except RawPartitionError as exc:
            raise Failure(description=str(exc), allow_retries=False) from None
        items = [item for _, body in bodies for item in decode_body(body).items]
        hour_rows, hour_report = observation_rows(items, Window.hour(hour), manifest.stations, manifest.source)
        if hour_report.ignored or hour_report.bad_values:
            context.log.warning(
                f"{hour:%Y-%m-%dT%H} UTC: {hour_report.items} items: {hour_report.rows} rows, ignored {dict(hour_report.ignored)}, "
                f"{hour_report.bad_values} unreadable values; " + "; ".join(hour_report.examples[:5])
            )
        rows += hour_rows
        report.items += hour_report.items
        report.rows += hour_report.rows
        report.bad_values += hour_report.bad_values
        report.ignored.update(hour_report.ignored)
    lh = lakehouse.lakehouse
    lh.replace_partition_with_arrow(OBSERVATIONS, window, pa.Table.from_pylist(rows, schema=arrow_schema(OBSERVATIONS)))

    present = sorted({r["station_id"] for r in rows})
    # A station is missing when any hour of the run lacks it (a single-hour run: that hour).
    hours = len(_hours(window))
    hours_per_station = Counter(r["station_id"] for r in rows)
    missing = sorted(s for s in kma.stations if hours_per_station[s] < hours)
    names = {r["station_id"]: r["station_name"] for r in rows}
    context.log.info(f"weather.observations [{window.label()}, {hours} hours]: {len(rows)} rows from {manifest.source}, missing stations {missing or 'none'}")
    return table_result(
        OBSERVATIONS,
        len(rows),
        lh,
        preview=rows,
        **_source_metadata(manifest.source),
        time_range=f"{window.start:%Y-%m-%d %H:%M} .. {window.end:%Y-%m-%d %H:%M} UTC ({window.start.astimezone(KST):%Y-%m-%d %H:%M} KST)",
        **_observed_range(rows),
        stations=", ".join(f"{s} {names[s] or ''}".strip() for s in present) or "none",
        stations_present=len(present),
        stations_missing=len(missing),
        missing_station_ids=", ".join(map(str, missing)) or "none",
        missing_station_hours=sum(hours - hours_per_station[s] for s in missing),
        items_received=report.items,
        items_outside_hour=report.ignored["outside_hour"],
        items_other_station=report.ignored["other_station"],
        items_malformed=report.ignored["malformed"],
        items_duplicate=report.ignored["duplicate"],
        unreadable_values=report.bad_values,
        table_rows=lh.row_count(OBSERVATIONS),
    )


def _observed_range(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if not rows:
        return {}
    times = [r["observed_at"] for r in rows]
    return {"observed_at_min": MetadataValue.timestamp(min(times)), "observed_at_max": MetadataValue.timestamp(max(times))}


weather_assets = [observations_raw, observations]
