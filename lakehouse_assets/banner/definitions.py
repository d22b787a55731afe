"""The banner domain's Definitions: snapshots -> stats_daily -> stats_export, daily at 01:30 KST."""

from dagster import AssetSelection, Definitions, build_schedule_from_partitioned_job, define_asset_job

from lakehouse_assets.assets_common import kst_daily_partitions
from lakehouse_assets.settings import Settings

from .assets import STATS_DAILY_KEY, STATS_EXPORT_KEY, banner_assets
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


def build_defs(settings: Settings) -> Definitions:
    """The banner domain for the code location: `defs`, or with BANNER_EMR_CONFIG set, `defs` with
    `banner/stats_daily` computed on EMR through Pipes (plus the `banner_emr` resource)."""
    if not settings.banner_emr_config:
        return defs
    from .emr_assets import BannerEmrResource, stats_on_emr_definitions

    resource = BannerEmrResource.from_config_file(settings.banner_emr_config, settings.lakehouse_root, settings.catalog_uri, settings.aws_region)
    return stats_on_emr_definitions(defs, resource)
