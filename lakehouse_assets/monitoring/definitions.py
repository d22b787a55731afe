"""The monitoring domain's Definitions: checks every 30 minutes, the report, alerts, the clean-up.

Needs the `lakehouse`, `landing`, `mlflow`, `banner_db`, `banner_export_db`, `alert_webhook` (and,
with Spark configured, `spark`) resources.
"""

from dagster import Definitions

from lakehouse_assets.settings import Settings, get_settings

from .assets import monitoring_assets
from .checks import model_checks
from .cleanup import retention
from .jobs import (
    monitoring_checks_job,
    monitoring_report_job,
    monitoring_report_schedule,
    predictions_automation_sensor,
    retention_job,
    retention_schedule,
)
from .sensors import alerts_sensor
from .system import system_checks, system_spec


def build_defs(settings: Settings) -> Definitions:
    checks = [*model_checks, *system_checks(settings)]
    checks_job, checks_schedule = monitoring_checks_job(checks)
    return Definitions(
        assets=[system_spec, *monitoring_assets, retention],
        asset_checks=checks,
        jobs=[checks_job, monitoring_report_job, retention_job],
        schedules=[checks_schedule, monitoring_report_schedule, retention_schedule],
        sensors=[alerts_sensor, predictions_automation_sensor],
    )


defs = build_defs(get_settings())
