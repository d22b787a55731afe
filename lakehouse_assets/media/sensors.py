"""`images_landing_sensor`: feeds `media/image_metadata` with the images that arrived."""

import time
from datetime import timedelta

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, sensor

from lakehouse_assets.assets_common import upload_day_partitions
from lakehouse_assets.landing_watch import WatchCursor, run_key, utcnow
from lakehouse_assets.resources import LakehouseResource, LandingStorage

from .arrivals import plan_image_runs
from .assets import image_metadata
from .images import parse_image_key
from .tables import IMAGE_METADATA

MAX_NEW_OBJECTS_PER_TICK = 2000
BATCH = 500  # keys per run: a run's config stays small and a failed run retries little
RESCAN_EVERY = timedelta(hours=1)
TICK_BUDGET_SECONDS = 40

clock = utcnow  # tests replace this to move time


@sensor(
    name="images_landing_sensor",
    target=[image_metadata],
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Watches <LAKEHOUSE_LANDING>/images/ and upserts new or rewritten images into media/image_metadata, one run per upload day and batch.",
)
def images_landing_sensor(context: SensorEvaluationContext, landing: LandingStorage, lakehouse: LakehouseResource) -> SensorResult:
    # Readers expect the table before the first image arrives.
    lakehouse.lakehouse.ensure_table(IMAGE_METADATA)
    tick = plan_image_runs(
        landing,
        WatchCursor.load(context.cursor),
        now=clock(),
        max_new=MAX_NEW_OBJECTS_PER_TICK,
        deadline=time.monotonic() + TICK_BUDGET_SECONDS,
        rescan_every=RESCAN_EVERY,
    )
    by_day: dict[str, list] = {}
    malformed = [o.key for o in tick.new if parse_image_key(o.key) is None]
    if malformed:
        context.log.warning(f"skipped {len(malformed)} keys outside images/source=<source>/tag=<tag>/<file>, e.g. {malformed[:3]}")
    too_old = [o.key for o in tick.new if o.last_modified < upload_day_partitions.start]
    if too_old:
        context.log.warning(f"skipped {len(too_old)} images modified before {upload_day_partitions.start:%Y-%m-%d}, e.g. {too_old[:3]}")
    for obj in tick.new:
        if obj.last_modified >= upload_day_partitions.start and parse_image_key(obj.key) is not None:
            by_day.setdefault(obj.last_modified.strftime("%Y-%m-%d"), []).append(obj)
    requests = []
    for day, objects in sorted(by_day.items()):
        objects.sort(key=lambda o: o.key)
        for start in range(0, len(objects), BATCH):
            batch = objects[start : start + BATCH]
            requests.append(
                RunRequest(
                    run_key=run_key("images", day, batch),
                    partition_key=day,
                    run_config={"ops": {"media__image_metadata": {"config": {"keys": [o.key for o in batch]}}}},
                    tags={"lakehouse/new_objects": str(len(batch))},
                )
            )
    context.log.info(
        f"listed {tick.listed} keys{' (with rescan)' if tick.rescanned else ''}: {len(tick.new)} new or rewritten objects, "
        f"{len(malformed)} skipped outside the layout"
        + ("" if tick.complete else "; more next tick")
    )
    return SensorResult(run_requests=requests, cursor=tick.cursor.dump())
