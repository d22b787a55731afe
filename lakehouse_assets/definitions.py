"""The code location: every domain's Definitions merged, with resources chosen from the settings.

Importing this module must stay light: no pyspark, mlflow or sklearn at import time (they load
inside asset bodies and resources).
"""

from dagster import Definitions, in_process_executor

from lakehouse_assets.banner import definitions as banner
from lakehouse_assets.events import definitions as events
from lakehouse_assets.media import definitions as media
from lakehouse_assets.ml import definitions as ml
from lakehouse_assets.monitoring import definitions as monitoring
from lakehouse_assets.weather import definitions as weather
from lakehouse_assets.resources import core_resources
from lakehouse_assets.settings import get_settings


def build_defs() -> Definitions:
    settings = get_settings()
    return Definitions.merge(
        events.defs,
        media.defs,
        banner.build_defs(settings),
        weather.defs,
        ml.defs,
        monitoring.build_defs(settings),
        # One process per run, so one SparkSession (and one JVM start) serves every step.
        Definitions(resources=core_resources(settings), executor=in_process_executor),
    )


defs = build_defs()
