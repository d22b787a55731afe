"""The events domain's Definitions."""

from dagster import AssetSelection, AutomationConditionSensorDefinition, DefaultSensorStatus, Definitions

from .assets import GROUP, events_assets
from .checks import events_checks
from .sensors import events_landing_sensor

# Silver and Gold follow Bronze by their automation conditions; this sensor evaluates them and
# is on from the start, so a newcomer sees data flow through without switching anything on.
events_automation_sensor = AutomationConditionSensorDefinition(
    "events_automation_sensor",
    target=AssetSelection.groups(GROUP),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Evaluates the automation conditions of the events assets (Silver and Gold follow Bronze).",
)

defs = Definitions(assets=events_assets, asset_checks=events_checks, sensors=[events_landing_sensor, events_automation_sensor])
