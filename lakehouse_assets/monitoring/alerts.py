"""Alert messages and their delivery to a Slack-compatible incoming webhook (no Dagster).

One message per failed run and per failed check. Delivery retries on HTTP 5xx, 429, connection
errors and timeouts with exponential backoff (tenacity; the sleep is injectable), and gives up at
once on other 4xx (a wrong URL does not get better). The webhook URL is a secret: it appears in no
message, log line or exception raised from here.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Alert:
    """What went wrong, where: enough to act on without opening the UI first."""

    kind: str  # "run failure" | "check failure"
    title: str
    reason: str
    run_id: str
    run_url: str
    job: str | None = None
    asset: str | None = None
    check: str | None = None
    partition: str | None = None
    severity: str = "ERROR"

    @property
    def fields(self) -> dict[str, str]:
        values = {
            "severity": self.severity,
            "asset": self.asset,
            "check": self.check,
            "partition": self.partition,
            "job": self.job,
            "run": self.run_id,
        }
        return {name: value for name, value in values.items() if value}

    def payload(self) -> dict[str, Any]:
        """Slack's incoming-webhook JSON: `text` for every client, blocks for a readable card."""
        summary = f":rotating_light: {self.title}"
        facts = "\n".join(f"*{name}*: `{value}`" for name, value in self.fields.items())
        return {
            "text": f"{summary}: {self.reason} <{self.run_url}|open the run>",
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*{summary}*\n{_clip(self.reason, 2500)}"}},
                {"type": "section", "text": {"type": "mrkdwn", "text": facts}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{self.run_url}|Open the run in Dagster>"}]},
            ],
        }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_url(ui_base_url: str, run_id: str) -> str:
    return f"{ui_base_url.rstrip('/')}/runs/{run_id}"


def check_failure_alert(
    *,
    asset: str,
    check: str,
    partition: str | None,
    severity: str,
    description: str | None,
    metadata_summary: str,
    run_id: str,
    ui_base_url: str,
) -> Alert:
    reason = " ".join(part for part in (description, metadata_summary) if part) or "the check did not pass"
    return Alert(
        kind="check failure",
        title=f"Check {check} failed on {asset}" + (f" [{partition}]" if partition else ""),
        reason=reason,
        run_id=run_id,
        run_url=run_url(ui_base_url, run_id),
        asset=asset,
        check=check,
        partition=partition,
        severity=severity,
    )


def run_failure_alert(*, job: str, run_id: str, reason: str, assets: list[str], partition: str | None, ui_base_url: str) -> Alert:
    return Alert(
        kind="run failure",
        title=f"Run of {job} failed" + (f" [{partition}]" if partition else ""),
        reason=reason or "the run failed",
        run_id=run_id,
        run_url=run_url(ui_base_url, run_id),
        job=job,
        asset=", ".join(assets[:10]) + (f" (+{len(assets) - 10} more)" if len(assets) > 10 else "") if assets else None,
        partition=partition,
    )


class DeliveryFailed(RuntimeError):
    """The webhook did not accept the message (after retries when the failure was transient)."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def _post_once(url: str, body: bytes, timeout_seconds: float) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:  # noqa: S310 (configured URL)
            return response.status
    except urllib.error.HTTPError as exc:
        # Only the status: the error's text and URL can carry the secret path.
        raise DeliveryFailed(f"webhook answered HTTP {exc.code}", retryable=exc.code in RETRYABLE_STATUS) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        cause = getattr(exc, "reason", exc)
        raise DeliveryFailed(f"webhook unreachable ({type(cause).__name__})", retryable=True) from None


def post_alert(
    url: str,
    alert: Alert,
    *,
    timeout_seconds: float = 10.0,
    attempts: int = 4,
    backoff_seconds: float = 1.0,
    sleep: Callable[[float], None] | None = None,
) -> int:
    """POST the alert's JSON; returns the number of attempts it took. Raises `DeliveryFailed`."""
    import time

    from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

    body = json.dumps(alert.payload()).encode("utf-8")
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff_seconds, max=30),
        retry=retry_if_exception(lambda exc: isinstance(exc, DeliveryFailed) and exc.retryable),
        sleep=sleep or time.sleep,
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            _post_once(url, body, timeout_seconds)
    return retrying.statistics.get("attempt_number", 1)
