"""What runs when: the checks every 30 minutes (checks only, nothing materialized), the report a
quarter of an hour later, the clean-up daily, and predictions as observations land."""

from dagster import (
    AssetSelection,
    AutomationConditionSensorDefinition,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    ScheduleDefinition,
    define_asset_job,
)

from lakehouse_assets.assets_common import table_key

from .assets import REPORT_KEY
from .cleanup import RETENTION_KEY
from .tables import TEMPERATURE_PREDICTIONS


def monitoring_checks_job(checks: list):
    return define_asset_job(
        "monitoring_checks_job",
        selection=AssetSelection.checks(*checks),
        description="weather_drift, live_model_error and the system health checks, alone: no asset is materialized.",
    )


def monitoring_schedule(job) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="monitoring_schedule",
        job=job,
        cron_schedule="*/30 * * * *",
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Every 30 minutes: drift, live model error and system health checks over the newest window.",
    )


monitoring_report_job = define_asset_job(
    "monitoring_report_job", selection=AssetSelection.assets(REPORT_KEY), description="Render monitoring/report from the instance's check records."
)
monitoring_report_schedule = ScheduleDefinition(
    name="monitoring_report_schedule",
    job=monitoring_report_job,
    cron_schedule="15,45 * * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description="A quarter of an hour after each monitoring_schedule tick, when its checks have finished.",
)

retention_job = define_asset_job(
    "retention_job", selection=AssetSelection.assets(RETENTION_KEY), description="Expire old snapshots and delete files, landing objects and MLflow runs past their retention."
)
retention_schedule = ScheduleDefinition(
    name="retention_schedule",
    job=retention_job,
    cron_schedule="30 4 * * *",
    execution_timezone="Asia/Seoul",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Daily at 04:30 Asia/Seoul, after training: the retention clean-up.",
)

predictions_automation_sensor = AutomationConditionSensorDefinition(
    "predictions_automation_sensor",
    target=AssetSelection.assets(table_key(TEMPERATURE_PREDICTIONS)),
    default_status=DefaultSensorStatus.RUNNING,
    description="Predicts each hour of ml/temperature_predictions once its weather/observations partition has landed.",
)
