"""The media domain's Definitions."""

from dagster import Definitions

from .assets import image_metadata
from .sensors import images_landing_sensor

defs = Definitions(assets=[image_metadata], sensors=[images_landing_sensor])
