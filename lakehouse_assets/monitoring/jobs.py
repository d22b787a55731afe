"""What runs when: the checks every 30 minutes (checks only, nothing materialized), the report a
quarter of an hour later, the clean-up daily, and predictions as observations land."""

from dagster import AssetSelection, AutomationConditionSensorDefinition, DefaultSensorStatus

from lakehouse_assets.assets_common import scheduled_job, table_key

from .assets import REPORT_KEY
from .cleanup import RETENTION_KEY
from .tables import TEMPERATURE_PREDICTIONS


def monitoring_checks_job(checks: list):
    """The checks job and its schedule (the checks are built with the domain's Definitions)."""
    return scheduled_job(
        "monitoring_checks_job",
        AssetSelection.checks(*checks),
        "weather_drift, live_model_error and the system health checks, alone: no asset is materialized.",
        cron="*/30 * * * *",
        timezone="UTC",
        schedule_name="monitoring_schedule",
        schedule_description="Every 30 minutes: drift, live model error and system health checks over the newest window.",
    )


monitoring_report_job, monitoring_report_schedule = scheduled_job(
    "monitoring_report_job",
    AssetSelection.assets(REPORT_KEY),
    "Render monitoring/report from the instance's check records.",
    cron="15,45 * * * *",
    timezone="UTC",
    schedule_name="monitoring_report_schedule",
    schedule_description="A quarter of an hour after each monitoring_schedule tick, when its checks have finished.",
)

retention_job, retention_schedule = scheduled_job(
    "retention_job",
    AssetSelection.assets(RETENTION_KEY),
    "Expire old snapshots and delete files, landing objects and MLflow runs past their retention.",
    cron="30 4 * * *",
    timezone="Asia/Seoul",
    schedule_name="retention_schedule",
    schedule_description="Daily at 04:30 Asia/Seoul, after training: the retention clean-up.",
)

predictions_automation_sensor = AutomationConditionSensorDefinition(
    "predictions_automation_sensor",
    target=AssetSelection.assets(table_key(TEMPERATURE_PREDICTIONS)),
    default_status=DefaultSensorStatus.RUNNING,
    description="Predicts each hour of ml/temperature_predictions once its weather/observations partition has landed.",
)
