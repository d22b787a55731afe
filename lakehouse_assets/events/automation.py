"""When Silver and Gold follow Bronze: declarative automation instead of cron DAGs.

Bronze is materialized by `events_landing_sensor`; everything downstream runs when its inputs
changed and none is missing or in progress. `eager()` only looks at the newest partition, so the
hourly tables widen that to the hours late objects can still reach (the sensor's look-back + the
one-hour Gold window).
"""

from datetime import timedelta

from dagster import AutomationCondition

LATE_HOURS = timedelta(hours=6)

hourly_follow_inputs = AutomationCondition.eager().replace(
    "in_latest_time_window", AutomationCondition.in_latest_time_window(LATE_HOURS)
)
# The day's Gold once the day (and the first hour of the next, which can hold its events) is in.
daily_after_midnight = AutomationCondition.on_cron("30 1 * * *", cron_timezone="UTC")
