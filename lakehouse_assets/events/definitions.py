"""The events domain's Definitions."""

from dagster import Definitions

from .assets import events_assets
from .checks import events_checks

defs = Definitions(assets=events_assets, asset_checks=events_checks)
