"""The events domain's Definitions."""

from dagster import Definitions

from .assets import events_assets
from .checks import events_checks
from .sensors import events_landing_sensor

defs = Definitions(assets=events_assets, asset_checks=events_checks, sensors=[events_landing_sensor])
