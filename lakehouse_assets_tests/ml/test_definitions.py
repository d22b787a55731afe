"""The ML domain in the code location: keys, groups, partitions, blocking checks, the daily job and
its 02:00 Asia/Seoul schedule."""

from datetime import datetime

from dagster import AssetCheckKey, build_schedule_context, instance_for_test

from lakehouse_assets.assets_common import KST, kst_daily_partitions
from lakehouse_assets.definitions import defs
from lakehouse_assets.ml.keys import CHAMPION_CHECK, CHAMPION_KEY, DATASET_KEY, ML_ASSET_KEYS, READINESS_CHECK


def test_the_four_assets_are_documented_daily_kst_partitioned_and_grouped():
    graph = defs.resolve_asset_graph()
    assert {key.to_user_string() for key in ML_ASSET_KEYS} == {"ml/training_dataset", "ml/temperature_model", "ml/model_evaluation", "ml/champion_model"}
    for key in ML_ASSET_KEYS:
        node = graph.get(key)
        assert node.group_name == "ml" and node.description and "python" in node.kinds
        assert node.partitions_def == kst_daily_partitions
    assert {"sklearn", "mlflow"} <= graph.get(ML_ASSET_KEYS[1]).kinds and "iceberg" in graph.get(DATASET_KEY).kinds


def test_readiness_and_the_champion_check_block_what_follows():
    graph = defs.resolve_asset_graph()
    assert graph.get_check_spec(AssetCheckKey(DATASET_KEY, READINESS_CHECK)).blocking
    assert graph.get_check_spec(AssetCheckKey(CHAMPION_KEY, CHAMPION_CHECK)).blocking


def test_training_runs_at_two_in_korea_for_the_day_that_just_ended():
    schedule = defs.resolve_schedule_def("training_daily_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Asia/Seoul")
    with instance_for_test() as instance:
        tick = schedule.evaluate_tick(build_schedule_context(instance=instance, scheduled_execution_time=datetime(2026, 11, 21, 2, tzinfo=KST)))
    assert [r.partition_key for r in tick.run_requests] == ["2026-11-20"]
    nodes = set(defs.resolve_job_def(schedule.job_name).graph.node_dict)
    assert {"ml__training_dataset", "ml__temperature_model", "ml__model_evaluation", "ml__champion_model"} <= nodes
    assert "ml__champion_model_champion_beats_persistence" in nodes
