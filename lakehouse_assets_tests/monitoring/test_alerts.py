"""The alert sensor posts exactly one message per failed run and per failed check to a real local
webhook, survives a 500, resumes from its stored cursor, and never shows the webhook URL."""

from __future__ import annotations

import json

import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    asset,
    asset_check,
    build_sensor_context,
    instance_for_test,
    materialize,
)

from lakehouse_assets.monitoring.alerts import DeliveryFailed, check_failure_alert, post_alert
from lakehouse_assets.monitoring import sensors as alerts_module
from lakehouse_assets.monitoring.sensors import AlertCursor, alerts_sensor
from lakehouse_assets.resources.webhook import AlertWebhookResource
from lakehouse_assets_tests.monitoring.webhook_server import RecordingWebhook


@asset(group_name="test")
def healthy_table() -> None:
    """An asset whose checks we control."""


@asset(group_name="test")
def broken_table() -> None:
    """An asset that fails to materialize."""
    raise ValueError("upstream file is corrupt")


@asset_check(asset=healthy_table)
def rows_match() -> AssetCheckResult:
    return AssetCheckResult(passed=False, severity=AssetCheckSeverity.ERROR, description="3 rows missing", metadata={"missing_rows": 3})


@asset_check(asset=healthy_table)
def nulls_low() -> AssetCheckResult:
    return AssetCheckResult(passed=False, severity=AssetCheckSeverity.WARN, metadata={"null_share": 0.3})


@asset_check(asset=healthy_table)
def keys_unique() -> AssetCheckResult:
    return AssetCheckResult(passed=True)


def tick(instance, cursor, webhook: AlertWebhookResource):
    context = build_sensor_context(instance=instance, cursor=cursor, resources={"alert_webhook": webhook})
    result = alerts_sensor(context)
    return context.cursor, result


def produce_failures(instance) -> None:
    materialize([healthy_table, rows_match, nulls_low, keys_unique], instance=instance)
    materialize([broken_table], instance=instance, raise_on_error=False)


def webhook_resource(url: str, **kwargs) -> AlertWebhookResource:
    return AlertWebhookResource(url=url, ui_base_url="http://dagster.example:3000", backoff_seconds=0, **kwargs)


def test_one_message_per_failure_survives_500_and_resumes_from_cursor():
    with instance_for_test() as instance, RecordingWebhook(failures=1) as server:
        resource = webhook_resource(server.url)
        cursor, _ = tick(instance, None, resource)  # first start: watches from now
        assert AlertCursor.from_json(cursor).after_storage_id is not None and server.requests == 0

        produce_failures(instance)
        cursor, result = tick(instance, cursor, resource)
        # One check failure (ERROR; the WARN and the pass need none) and one run failure, the
        # first answered 500 once and retried.
        assert len(server.received) == 2, server.received
        assert server.requests == 3
        check_message, run_message = server.received
        assert "rows_match" in check_message["text"] and "healthy_table" in check_message["text"]
        assert "3 rows missing" in check_message["text"] and "missing_rows=3" in check_message["text"]
        run_id = instance.get_runs()[0].run_id  # newest first: the broken run
        assert f"http://dagster.example:3000/runs/{run_id}" in run_message["text"]
        assert "upstream file is corrupt" in run_message["text"] and "broken_table" in json.dumps(run_message)
        assert "secret-token" not in result.skip_message

        # Nothing new: nothing sent. A "restarted daemon" resumes from the stored cursor.
        again, _ = tick(instance, cursor, webhook_resource(server.url))
        assert len(server.received) == 2 and again == cursor
        materialize([broken_table], instance=instance, raise_on_error=False)
        tick(instance, cursor, webhook_resource(server.url))
        assert len(server.received) == 3


@pytest.fixture(scope="module")
def failures():
    """One instance with a failed check, a WARN check and a failed run; the cursor from before them."""
    with instance_for_test() as instance:
        cursor, _ = tick(instance, None, AlertWebhookResource())
        produce_failures(instance)
        yield instance, cursor


def test_warn_alerts_only_when_enabled(failures):
    instance, cursor = failures
    with RecordingWebhook() as server:
        tick(instance, cursor, webhook_resource(server.url))
        assert len(server.received) == 2
        tick(instance, cursor, webhook_resource(server.url, alert_on_warn=True))
        assert len(server.received) == 2 + 3
        [warn] = [m for m in server.received if "nulls_low" in m["text"]]
        assert "`WARN`" in json.dumps(warn) and "null_share=0.3" in warn["text"]


def test_a_webhook_that_stays_down_holds_the_cursor(failures, caplog):
    instance, cursor = failures
    with RecordingWebhook(failures=100) as server:
        resource = webhook_resource(server.url, attempts=2)
        held, result = tick(instance, cursor, resource)
        assert held == cursor and server.received == [] and server.requests == 2
        assert "not delivered (webhook answered HTTP 500)" in result.skip_message
        # With WARNs on, the first run has two messages: the first goes through, the second does
        # not, and the cursor remembers that one message of that run is out.
        server.failures_left = 0
        resource = webhook_resource(server.url, attempts=2, alert_on_warn=True)
        original = alerts_module.post_alert
        calls = []

        def deliver_once(*args, **kwargs):
            calls.append(args[1].title)
            if len(calls) > 1:
                raise DeliveryFailed("webhook answered HTTP 503", retryable=True)
            return original(*args, **kwargs)

        alerts_module.post_alert = deliver_once
        try:
            partial, _ = tick(instance, held, resource)
        finally:
            alerts_module.post_alert = original
        assert AlertCursor.from_json(partial).sent_of_next == 1 and len(server.received) == 1
        tick(instance, partial, resource)
        titles = [m["blocks"][0]["text"]["text"].splitlines()[0] for m in server.received]
        assert len(titles) == 3 and len(set(titles)) == 3, titles
        assert {t.split(" ")[1] for t in titles} == {"Check", "Run"}
        assert "secret-token" not in caplog.text


def test_without_webhook_alerts_are_logged_only(failures):
    instance, cursor = failures
    moved, result = tick(instance, cursor, AlertWebhookResource())
    assert AlertCursor.from_json(moved).after_storage_id > AlertCursor.from_json(cursor).after_storage_id
    assert "2 finished runs read: 0 alerts sent, 2 logged only" in result.skip_message


def test_delivery_retries_5xx_with_backoff_and_gives_up_on_4xx():
    alert = check_failure_alert(
        asset="a", check="c", partition=None, severity="ERROR", description="d", metadata_summary="", run_id="r", ui_base_url="http://ui"
    )
    pauses: list[float] = []
    with RecordingWebhook(failures=2) as server:
        assert post_alert(server.url, alert, attempts=3, backoff_seconds=2, sleep=pauses.append) == 3
    assert pauses == [2, 4] and len(server.received) == 1

    with RecordingWebhook(failures=5, failure_status=404) as server:
        with pytest.raises(DeliveryFailed) as rejected:
            post_alert(server.url, alert, attempts=3, sleep=pauses.append)
    assert server.requests == 1 and not rejected.value.retryable
    assert str(rejected.value) == "webhook answered HTTP 404"  # no URL, no body
