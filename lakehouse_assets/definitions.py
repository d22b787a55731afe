"""The code location: every domain's Definitions merged, with resources chosen from the settings.

Importing this module must stay light: no pyspark, mlflow or sklearn at import time (they load
inside asset bodies and resources).
"""

from dagster import Definitions, in_process_executor

from lakehouse_assets.banner import definitions as banner
from lakehouse_assets.events import definitions as events
from lakehouse_assets.media import definitions as media
from lakehouse_assets.weather import definitions as weather
from lakehouse_assets.resources import core_resources
from lakehouse_assets.settings import get_settings


def banner_defs(settings) -> Definitions:
    """The banner domain; with BANNER_EMR_CONFIG, `banner/stats_daily` runs on EMR through Pipes."""
    if not settings.banner_emr_config:
        return banner.defs
    from lakehouse_assets.banner.emr_assets import BannerEmrResource, stats_on_emr_definitions

    resource = BannerEmrResource.from_config_file(settings.banner_emr_config, settings.lakehouse_root, settings.catalog_uri, settings.aws_region)
    return stats_on_emr_definitions(banner.defs, resource)


def build_defs() -> Definitions:
    settings = get_settings()
    return Definitions.merge(
        events.defs,
        media.defs,
        banner_defs(settings),
        weather.defs,
        # One process per run, so one SparkSession (and one JVM start) serves every step.
        Definitions(resources=core_resources(settings), executor=in_process_executor),
    )


defs = build_defs()
