"""KMA ASOS hourly observations (data.go.kr `AsosHourlyInfoService/getWthrDataList`) as a resource.

`KmaResource.source()` fetches one station's hours, every page, and returns the response bodies
exactly as received together with their items. With a service key it is the real HTTP client
(`kma_client.KmaClient`); without one, the deterministic offline generator
(`lakehouse_assets.sample_data.weather`) answers in the same JSON shape, labelled `sample`.

Result codes (`kma_responses`): 00 data, 03 no data (an empty hour, not a failure), 22 quota
exceeded (retried with backoff, then `KmaQuotaExceeded`), 20/30/31/32 key problems (`KmaKeyError`
at once, no retry), any other code `KmaApiError` with code and message; HTTP 5xx and timeouts are
retried with backoff (`KmaUnavailable` once the attempts are spent).

The key comes only through `EnvVar("KMA_SERVICE_KEY")` (`kma_resource`) and never appears in an
exception, a log line, metadata or `repr` of the resource.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from lakehouse_assets.settings import DEFAULT_KMA_API_BASE_URL, Settings

from .kma_client import KmaClient, redact, request_params
from .kma_responses import (
    DEFAULT_STATIONS,
    KEY_PROBLEMS,
    KST,
    NO_DATA,
    OK,
    QUOTA_EXCEEDED,
    KmaApiError,
    KmaBodyError,
    KmaError,
    KmaKeyError,
    KmaPage,
    KmaQuotaExceeded,
    KmaResult,
    KmaSource,
    KmaUnavailable,
    decode_body,
    is_served,
)


class KmaResource(ConfigurableResource):
    """KMA ASOS hourly observations for the configured stations.

    `service_key` comes from `EnvVar("KMA_SERVICE_KEY")` when that variable is set; unset, the
    offline sample generator answers instead (`source` is then `sample`).
    """

    base_url: str = Field(default=DEFAULT_KMA_API_BASE_URL, description="KMA_API_BASE_URL (no trailing path)")
    service_key: str | None = Field(default=None, repr=False, description="The data.go.kr key, through EnvVar('KMA_SERVICE_KEY'); unset: offline sample data")
    stations: list[int] = Field(default_factory=lambda: list(DEFAULT_STATIONS), description="ASOS station ids to ingest")
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 30.0
    page_size: int = Field(default=999, description="numOfRows per page")
    max_attempts: int = Field(default=5, description="Attempts per page on HTTP 5xx, timeouts and quota errors")
    backoff_seconds: float = Field(default=2.0, description="First pause between attempts; doubles each time")
    max_backoff_seconds: float = 60.0
    sample_seed: int = Field(default=7, description="Seed of the offline sample generator")

    @property
    def source_name(self) -> str:
        return "kma" if self.service_key else "sample"

    def source(self, sleep: Callable[[float], None] = time.sleep, log: Any = None) -> KmaSource:
        """The real client when a key is configured, else the offline sample source."""
        if not self.service_key:
            from lakehouse_assets.sample_data.weather import SampleKmaSource

            return SampleKmaSource(seed=self.sample_seed, page_size=self.page_size)
        return KmaClient(
            self.base_url,
            self.service_key,
            connect_timeout_seconds=self.connect_timeout_seconds,
            read_timeout_seconds=self.read_timeout_seconds,
            page_size=self.page_size,
            max_attempts=self.max_attempts,
            backoff_seconds=self.backoff_seconds,
            max_backoff_seconds=self.max_backoff_seconds,
            sleep=sleep,
            log=log,
        )


def kma_resource(settings: Settings) -> KmaResource:
    """The resource for these settings: the key only as `EnvVar("KMA_SERVICE_KEY")`, and only when set."""
    if settings.kma_key_configured:
        return KmaResource(base_url=settings.kma_api_base_url, service_key=EnvVar("KMA_SERVICE_KEY"))
    return KmaResource(base_url=settings.kma_api_base_url)


__all__ = [
    "DEFAULT_STATIONS", "KEY_PROBLEMS", "KST", "NO_DATA", "OK", "QUOTA_EXCEEDED",
    "KmaApiError", "KmaBodyError", "KmaClient", "KmaError", "KmaKeyError", "KmaPage", "KmaQuotaExceeded",
    "KmaResource", "KmaResult", "KmaSource", "KmaUnavailable",
    "decode_body", "is_served", "kma_resource", "redact", "request_params",
]
