"""The `kma` resource: where and how to reach the KMA ASOS service, and which stations to ingest.

Configuration only. The weather domain builds the source from it (`weather.sources.kma_source`):
the HTTP client when a service key is configured, the offline sample generator otherwise. The key
comes only through `EnvVar("KMA_SERVICE_KEY")` (`kma_resource`) and never appears in `repr`.
"""

from __future__ import annotations

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from lakehouse_assets.settings import DEFAULT_KMA_API_BASE_URL, DEFAULT_KMA_STATIONS, Settings


class KmaResource(ConfigurableResource):
    """KMA ASOS hourly observations for the configured stations.

    `service_key` comes from `EnvVar("KMA_SERVICE_KEY")` when that variable is set; unset, the
    offline sample generator answers instead (`source_name` is then `sample`).
    """

    base_url: str = Field(default=DEFAULT_KMA_API_BASE_URL, description="KMA_API_BASE_URL (no trailing path)")
    service_key: str | None = Field(default=None, repr=False, description="The data.go.kr key, through EnvVar('KMA_SERVICE_KEY'); unset: offline sample data")
    stations: list[int] = Field(default_factory=lambda: list(DEFAULT_KMA_STATIONS), description="ASOS station ids to ingest")
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 30.0
    page_size: int = Field(default=999, description="numOfRows per page")
    max_attempts: int = Field(default=5, description="Attempts per page on HTTP 5xx, timeouts and quota errors")
    backoff_seconds: float = Field(default=2.0, description="First pause between attempts; doubles each time")
    max_backoff_seconds: float = 60.0
    sample_seed: int = Field(default=7, description="Seed of the offline sample generator")

    @property
    def source_name(self) -> str:
        """`kma` with a service key, `sample` without."""
        return "kma" if self.service_key else "sample"


def kma_resource(settings: Settings) -> KmaResource:
    """The resource for these settings: the key only as `EnvVar("KMA_SERVICE_KEY")`, and only when set."""
    if settings.kma_key_configured:
        return KmaResource(base_url=settings.kma_api_base_url, service_key=EnvVar("KMA_SERVICE_KEY"))
    return KmaResource(base_url=settings.kma_api_base_url)
