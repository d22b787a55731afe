"""`alerts_sensor`: one webhook message per failed run and per failed check, across all jobs.

It follows the runs that finished (succeeded, failed or were canceled) in the instance's event log,
after a cursor: each finished run is read once, and its failed check evaluations and, when it
failed, the run itself become messages. Run status events carry storage ids that are global on
every Dagster storage (SQLite's per-run shards included), and a check's evaluations are final once
its run has finished, so the cursor cannot skip an evaluation that was still running.

The cursor (the last run handled, plus how many messages of the next run already went out) moves
only when a message is delivered (or logged, without a webhook): a daemon restart resumes from the
stored cursor, and a webhook that keeps failing holds it until the next tick. A daemon that dies in
the middle of a tick resends at most that tick's messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dagster import (
    AssetCheckSeverity,
    DagsterEventType,
    DefaultSensorStatus,
    EventLogRecord,
    RunStatusChangeRecordsFilter,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from lakehouse_assets.resources.webhook import AlertWebhookResource

from .alerts import Alert, DeliveryFailed, check_failure_alert, post_alert, run_failure_alert

FINISHED = (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE, DagsterEventType.RUN_CANCELED)
BATCH = 50  # finished runs of each status per tick; a backlog drains over a few ticks
PARTITION_TAG = "dagster/partition"
SUMMARY_KEYS = 6


@dataclass(frozen=True)
class AlertCursor:
    after_storage_id: int  # the run status event of the last run fully handled
    sent_of_next: int = 0  # messages of the following run already delivered

    def to_json(self) -> str:
        return json.dumps({"after_storage_id": self.after_storage_id, "sent_of_next": self.sent_of_next})

    @classmethod
    def from_json(cls, text: str | None) -> "AlertCursor | None":
        return cls(**json.loads(text)) if text else None


def newest_storage_id(instance: Any) -> int:
    newest = 0
    for status in FINISHED:
        result = instance.fetch_run_status_changes(status, limit=1, ascending=False)
        newest = max([newest, *(r.storage_id for r in result.records)])
    return newest


def finished_runs_after(instance: Any, storage_id: int, batch: int = BATCH) -> list[EventLogRecord]:
    """Run-finished events after `storage_id`, oldest first, without a gap: when one status has more
    than `batch` new events, nothing past its last fetched one is returned this time."""
    fetched: list[EventLogRecord] = []
    horizon: int | None = None
    for status in FINISHED:
        records = instance.fetch_run_status_changes(
            RunStatusChangeRecordsFilter(event_type=status, after_storage_id=storage_id), limit=batch, ascending=True
        ).records
        fetched.extend(records)
        if len(records) == batch:
            horizon = records[-1].storage_id if horizon is None else min(horizon, records[-1].storage_id)
    return sorted((r for r in fetched if horizon is None or r.storage_id <= horizon), key=lambda r: r.storage_id)


def alerts_for_run(record: EventLogRecord, instance: Any, webhook: AlertWebhookResource) -> list[Alert]:
    """The failed checks of a finished run (ERROR; WARN too when enabled), then the run if it failed."""
    run_id = record.event_log_entry.run_id
    run = instance.get_run_by_id(run_id)
    partition = run.tags.get(PARTITION_TAG) if run else None
    alerts = []
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.asset_check_evaluation_data
        if evaluation.passed or (evaluation.severity == AssetCheckSeverity.WARN and not webhook.alert_on_warn):
            continue
        alerts.append(
            check_failure_alert(
                asset=evaluation.asset_key.to_user_string(),
                check=evaluation.check_name,
                partition=evaluation.partition or partition,
                severity=evaluation.severity.value,
                description=evaluation.description,
                metadata_summary=_summary(evaluation.metadata),
                run_id=run_id,
                ui_base_url=webhook.ui_base_url,
            )
        )
    event = record.event_log_entry.dagster_event
    if event.event_type == DagsterEventType.RUN_FAILURE:
        assets = sorted(k.to_user_string() for k in (run.asset_selection or [])) if run else []
        job = run.job_name if run else event.job_name
        alerts.append(run_failure_alert(job=job, run_id=run_id, reason=_failure_reason(record), assets=assets, partition=partition, ui_base_url=webhook.ui_base_url))
    return alerts


def _failure_reason(record: EventLogRecord) -> str:
    failure = record.event_log_entry.dagster_event.event_specific_data
    step_failure = getattr(failure, "first_step_failure_event", None)
    error = (step_failure.step_failure_data.error if step_failure else None) or getattr(failure, "error", None)
    while error is not None and error.cause is not None:  # Dagster wraps the user's exception
        error = error.cause
    reason = error.message.strip().splitlines()[0] if error and error.message.strip() else record.event_log_entry.message
    return f"step {step_failure.step_key}: {reason}" if step_failure else reason


def _summary(metadata: Any) -> str:
    """The first few numeric/text entries, so a message says what the check measured."""
    parts = []
    for key, value in metadata.items():
        raw = getattr(value, "value", value)
        if isinstance(raw, (int, float, str)) and not isinstance(raw, bool) and len(str(raw)) <= 80:
            parts.append(f"{key}={raw:.4g}" if isinstance(raw, float) else f"{key}={raw}")
        if len(parts) == SUMMARY_KEYS:
            break
    return ", ".join(parts)


@sensor(
    name="alerts_sensor",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Sends one message per failed run and per failed check (ERROR severity; WARN when alert_on_warn) to "
        "ALERT_WEBHOOK_URL (Slack-compatible), with a link to the run. Without a webhook, alerts are logged only."
    ),
)
def alerts_sensor(context: SensorEvaluationContext, alert_webhook: AlertWebhookResource):
    cursor = AlertCursor.from_json(context.cursor)
    if cursor is None:
        # A first start watches from now: the history before the sensor existed is not news.
        cursor = AlertCursor(newest_storage_id(context.instance))
        context.update_cursor(cursor.to_json())
        return SkipReason(f"watching runs that finish after event {cursor.after_storage_id}")
    sent = logged = runs = 0
    failed_delivery = None
    for record in finished_runs_after(context.instance, cursor.after_storage_id):
        alerts = alerts_for_run(record, context.instance, alert_webhook)
        for index in range(cursor.sent_of_next, len(alerts)):
            alert = alerts[index]
            if not alert_webhook.configured:
                logged += 1
                context.log.warning(f"ALERT (no ALERT_WEBHOOK_URL, logged only): {alert.title}: {alert.reason} {alert.run_url}")
                continue
            try:
                attempts = post_alert(
                    alert_webhook.url,
                    alert,
                    timeout_seconds=alert_webhook.timeout_seconds,
                    attempts=alert_webhook.attempts,
                    backoff_seconds=alert_webhook.backoff_seconds,
                )
            except DeliveryFailed as exc:
                failed_delivery = f"{alert.title} not delivered ({exc}); the next tick tries again"
                cursor = AlertCursor(cursor.after_storage_id, index)
                break
            sent += 1
            context.log.info(f"alert sent ({attempts} attempt(s)): {alert.title}")
        if failed_delivery:
            context.log.error(failed_delivery)
            break
        cursor = AlertCursor(record.storage_id)
        runs += 1
    context.update_cursor(cursor.to_json())
    summary = f"{runs} finished runs read: {sent} alerts sent, {logged} logged only"
    return SkipReason(f"{summary}; {failed_delivery}" if failed_delivery else summary)
