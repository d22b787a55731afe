"""The banner domain's Definitions: snapshots -> stats_daily -> stats_export, daily at 01:30 KST."""

from dagster import AssetSelection, Definitions, build_schedule_from_partitioned_job, define_asset_job

from .assets import STATS_DAILY_KEY, STATS_EXPORT_KEY, banner_assets
from .calendar import kst_daily_partitions
from .checks import banner_checks
from .snapshots import snapshot_assets

banner_daily_job = define_asset_job(
    "banner_daily",
    selection=AssetSelection.assets(*[a.key for a in snapshot_assets], STATS_DAILY_KEY, STATS_EXPORT_KEY),
    partitions_def=kst_daily_partitions,
    description="One KST day: snapshot the ads database, compute the banner statistics, export them.",
)
# The schedule fills the partition of the KST day that has just ended.
banner_daily_schedule = build_schedule_from_partitioned_job(banner_daily_job, hour_of_day=1, minute_of_hour=30)

defs = Definitions(assets=banner_assets, asset_checks=banner_checks, jobs=[banner_daily_job], schedules=[banner_daily_schedule])
