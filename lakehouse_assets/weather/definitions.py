"""The weather domain's Definitions (needs the `kma`, `landing` and `lakehouse` resources)."""

from dagster import Definitions

from .assets import weather_assets
from .checks import weather_checks
from .recent_checks import recent_checks, weather_recent_checks_job, weather_recent_checks_schedule
from .schedules import weather_hourly_schedule, weather_job

defs = Definitions(
    assets=weather_assets,
    asset_checks=[*weather_checks, *recent_checks],
    jobs=[weather_job, weather_recent_checks_job],
    schedules=[weather_hourly_schedule, weather_recent_checks_schedule],
)
