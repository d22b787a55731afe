"""`training_daily_schedule`: at 02:00 Asia/Seoul, train, evaluate and decide for the KST day that just ended."""

from dagster import AssetSelection, DefaultScheduleStatus, build_schedule_from_partitioned_job, define_asset_job

from lakehouse_assets.assets_common import kst_daily_partitions

from .keys import ML_ASSET_KEYS

training_job = define_asset_job(
    "training_daily_job",
    selection=AssetSelection.assets(*ML_ASSET_KEYS),
    partitions_def=kst_daily_partitions,
    description="Dataset, challenger, evaluation and champion decision for one KST day (with their checks).",
)

# The job's partitions are KST days, so the schedule runs in Asia/Seoul and asks for the day that
# ended at the last midnight.
training_daily_schedule = build_schedule_from_partitioned_job(
    training_job,
    name="training_daily_schedule",
    hour_of_day=2,
    minute_of_hour=0,
    default_status=DefaultScheduleStatus.RUNNING,
    description="02:00 Asia/Seoul: train and judge a model for the KST day that just ended.",
)
