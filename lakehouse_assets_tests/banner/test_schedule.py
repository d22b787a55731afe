"""The banner daily schedule runs at 01:30 KST for the KST day that has just ended."""

from datetime import datetime


def test_daily_schedule_fills_the_kst_day_that_just_ended():
    from zoneinfo import ZoneInfo

    from dagster import build_schedule_context

    from lakehouse_assets.banner.definitions import banner_daily_schedule

    assert (banner_daily_schedule.cron_schedule, banner_daily_schedule.execution_timezone) == ("30 1 * * *", "Asia/Seoul")
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 11, 21, 1, 30, tzinfo=ZoneInfo("Asia/Seoul")))
    [request] = list(banner_daily_schedule.evaluate_tick(context).run_requests)
    assert request.partition_key == "2026-11-20"
