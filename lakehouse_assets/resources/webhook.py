"""The alert webhook: where alerts go (a Slack-compatible incoming webhook) and how hard to try.

Configuration only; the monitoring domain builds and posts the messages. The URL is a secret (a
Slack webhook's path is its credential): it comes only through `EnvVar("ALERT_WEBHOOK_URL")`, never
appears in `repr`, logs or metadata. Without it, alerts are logged only.
"""

from __future__ import annotations

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from lakehouse_assets.settings import Settings

DEFAULT_UI_BASE_URL = "http://localhost:3000"


class AlertWebhookResource(ConfigurableResource):
    """Alerts for failed runs and checks; `url` unset means they are only logged."""

    url: str | None = Field(default=None, repr=False, description="Through EnvVar('ALERT_WEBHOOK_URL'); unset: alerts are logged only")
    ui_base_url: str = Field(default=DEFAULT_UI_BASE_URL, description="Dagster UI address for the links to runs in messages")
    alert_on_warn: bool = Field(default=False, description="Also alert on checks that fail with WARN severity")
    timeout_seconds: float = Field(default=10.0, description="Per request (connect and read)")
    attempts: int = Field(default=4, description="Attempts per message on HTTP 5xx/429, connection errors and timeouts")
    backoff_seconds: float = Field(default=1.0, description="First pause between attempts; doubles each time (at most 30 s)")

    @property
    def configured(self) -> bool:
        return bool(self.url)


def alert_webhook_resource(settings: Settings) -> AlertWebhookResource:
    """The URL only as `EnvVar("ALERT_WEBHOOK_URL")`, and only when it is set."""
    url = EnvVar("ALERT_WEBHOOK_URL") if settings.alert_webhook_configured else None
    return AlertWebhookResource(url=url, ui_base_url=settings.dagster_ui_url, alert_on_warn=settings.alert_on_warn)
