"""The monitoring pieces are in the code location under their contract names, on by default, and
the 30-minute job runs checks only."""

from dagster import AssetCheckKey, AssetKey, DefaultScheduleStatus, DefaultSensorStatus

from lakehouse_assets.definitions import defs


def test_contract_names_schedules_and_sensors():
    graph = defs.resolve_asset_graph()
    checks = set(graph.asset_check_keys)
    assert AssetCheckKey(AssetKey(["weather", "observations"]), "weather_drift") in checks
    assert AssetCheckKey(AssetKey(["ml", "temperature_predictions"]), "live_model_error") in checks
    assert {AssetKey(["ml", "temperature_predictions"]), AssetKey(["monitoring", "report"]), AssetKey(["monitoring", "retention"])} <= set(graph.get_all_asset_keys())

    # The job's ops are exactly the checks: drift, live error and one per system dependency.
    job = defs.resolve_job_def("monitoring_checks_job")
    system = {f"monitoring__system_{k.name}" for k in checks if k.asset_key == AssetKey(["monitoring", "system"])}
    assert len(system) >= 6
    expected = {"weather__observations_weather_drift", "ml__temperature_predictions_live_model_error", *system}
    assert {node.name for node in job.graph.node_defs} == expected

    schedule = defs.resolve_schedule_def("monitoring_schedule")
    assert schedule.cron_schedule == "*/30 * * * *" and schedule.default_status == DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "monitoring_checks_job"
    for name in ("monitoring_report_schedule", "retention_schedule"):
        assert defs.resolve_schedule_def(name).default_status == DefaultScheduleStatus.RUNNING
    for name in ("alerts_sensor", "predictions_automation_sensor"):
        assert defs.resolve_sensor_def(name).default_status == DefaultSensorStatus.RUNNING
