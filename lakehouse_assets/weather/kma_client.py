"""The HTTP client for KMA `getWthrDataList` (no Dagster): pagination, result codes, retries.

Each page is retried at two levels, each up to `max_attempts` times with exponential backoff
(`backoff_seconds`, doubling, at most `max_backoff_seconds`) through the injectable `sleep`:
- transport, by urllib3's `Retry` on the `requests` session: HTTP 5xx/429, timeouts, refused and
  dropped connections;
- service, by tenacity: code 22 (quota), codes 01/02/04/05 (the service's own passing failures)
  and bodies that are no KMA response (an HTML error page, cut-short JSON, an unknown encoding).
Key problems (20/30/31/32) and any other code fail at once.

The service key travels only in the query string: exceptions name the endpoint and parameters
without it (the transport's exception, whose text holds the URL, is never chained or quoted) and
the log lines of urllib3 and requests that hold the URL are masked.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime
from typing import Any, Callable
from urllib.parse import quote, urlencode

import requests
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from .kma_protocol import (
    ENDPOINT,
    KEY_PROBLEMS,
    MAX_PAGES,
    NO_DATA,
    OK,
    QUOTA_EXCEEDED,
    TRANSIENT,
    KmaApiError,
    KmaBodyError,
    KmaKeyError,
    KmaPage,
    KmaQuotaExceeded,
    KmaResult,
    KmaUnavailable,
    decode_body,
    request_params,
)

_KEY_IN_URL = re.compile(r"(?i)(servicekey=)[^&\s\"']+")
RETRIED_STATUSES = frozenset([429, *range(500, 600)])


def redact(text: str) -> str:
    """`text` with any serviceKey query value masked."""
    return _KEY_IN_URL.sub(r"\1***", text)


class _MaskServiceKey(logging.Filter):
    """urllib3 logs request lines and retries with their URL: mask the key before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "servicekey=" in message.lower():
            record.msg, record.args = redact(message), None
        return True


def _install_log_mask() -> None:
    for name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _MaskServiceKey) for f in logger.filters):
            logger.addFilter(_MaskServiceKey())


class _TransportRetry(Retry):
    """urllib3's `Retry` pausing through the client's `sleep` and telling the client each retry.

    urllib3 would not pause before the first retry; the client pauses `backoff_factor` seconds
    there and doubles from it, like the service-level retries.
    """

    pause: Callable[[float], None] = staticmethod(time.sleep)
    notify: Callable[[str, int, float], None] = staticmethod(lambda problem, attempt, seconds: None)

    def new(self, **kw: Any) -> "_TransportRetry":
        retry = super().new(**kw)
        retry.pause, retry.notify = self.pause, self.notify
        return retry

    def get_backoff_time(self) -> float:
        failures = len(self.history)
        return min(self.backoff_max, self.backoff_factor * 2 ** (failures - 1)) if failures else 0.0

    def sleep(self, response: Any = None) -> None:
        last = self.history[-1]
        problem = f"HTTP {last.status}" if last.status else _transport_problem(last.error)
        seconds = self.get_backoff_time()
        self.notify(problem, len(self.history), seconds)
        self.pause(seconds)


def _transport_problem(error: BaseException | None, timeout: tuple[float, float] | None = None) -> str:
    # Only the type: the text of urllib3's and requests' errors holds the URL, and so the key.
    reason = error.reason if isinstance(error, MaxRetryError) else error
    # urllib3 derives NewConnectionError (refused, unreachable) from ConnectTimeoutError.
    if isinstance(reason, (ReadTimeoutError, ConnectTimeoutError, requests.Timeout)) and not isinstance(reason, NewConnectionError):
        return f"timed out (connect {timeout[0]:g}s, read {timeout[1]:g}s)" if timeout else "timed out"
    return f"request failed ({type(reason).__name__})"


class _ServiceRetry(Exception):
    """A response worth asking for again: quota exceeded, a passing failure, or a body that is no KMA response."""

    def __init__(self, problem: str, quota: bool = False, code: str | None = None):
        super().__init__(problem)
        self.problem, self.quota, self.code = problem, quota, QUOTA_EXCEEDED if quota else code


class KmaClient:
    """HTTP client for `getWthrDataList`: pagination, result codes, retries with backoff.

    `sleep` is injectable so tests run the backoff without waiting; `log` receives warnings
    (e.g. `context.log`), none of which holds the key.
    """

    source = "kma"

    def __init__(
        self,
        base_url: str,
        service_key: str,
        *,
        connect_timeout_seconds: float = 5.0,
        read_timeout_seconds: float = 30.0,
        page_size: int = 999,
        max_attempts: int = 5,
        backoff_seconds: float = 2.0,
        max_backoff_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        log: Any = None,
    ):
        if not service_key:
            raise ValueError("KmaClient needs a service key (the offline sample source needs none)")
        _install_log_mask()
        self.url = f"{base_url.rstrip('/')}/{ENDPOINT}"
        # data.go.kr hands out the key twice: "Encoding" (already %-escaped) and "Decoding". Send
        # the encoded one as is; escape the decoded one (its +, / and = must not reach the server raw).
        self._key = service_key if "%" in service_key else quote(service_key, safe="")
        self.timeout = (connect_timeout_seconds, read_timeout_seconds)
        self.page_size = page_size
        self.max_attempts = max(1, max_attempts)
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.sleep = sleep
        self.log = log or logging.getLogger(__name__)
        self._what = ""  # the request in flight, for the transport's retry warnings
        self._session = requests.Session()
        adapter = HTTPAdapter(max_retries=self._transport_retry())
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def _transport_retry(self) -> _TransportRetry:
        retry = _TransportRetry(
            total=self.max_attempts - 1,
            status_forcelist=RETRIED_STATUSES,
            backoff_factor=self.backoff_seconds,
            backoff_max=self.max_backoff_seconds,
            raise_on_status=False,  # the last 5xx answer comes back, to be reported with its status
            respect_retry_after_header=False,
        )
        retry.pause = self.sleep
        retry.notify = lambda problem, attempt, seconds: self._warn(self._what, problem, attempt, seconds)
        return retry

    def _warn(self, what: str, problem: str, attempt: int, seconds: float) -> None:
        self.log.warning(f"{what}: {problem}; attempt {attempt}/{self.max_attempts}, retrying in {seconds:g}s")

    def fetch(self, station_id: int, start_kst: datetime, end_kst: datetime) -> KmaResult:
        """All hours of `station_id` from `start_kst` to `end_kst` (KST, both included), every page."""
        bodies: list[bytes] = []
        items: list[dict[str, Any]] = []
        total = 0
        for page_no in range(1, MAX_PAGES + 1):
            params = request_params(station_id, start_kst, end_kst, page_no, self.page_size)
            body, page = self._get(params)
            if page.code == NO_DATA:
                if page_no == 1:
                    return KmaResult(self.source, NO_DATA, page.message, (body,), (), 0)
                break  # a page past the end; the earlier pages hold everything
            bodies.append(body)
            items.extend(page.items)
            total = page.total_count or len(items)
            if len(items) >= total:
                break
            if not page.items:
                raise KmaUnavailable(f"{self._describe(params)}: page {page_no} came back empty with {len(items)} of {total} items")
        else:
            raise KmaApiError(f"{self._describe(params)}: more than {MAX_PAGES} pages (totalCount {total})")
        return KmaResult(self.source, OK, "NORMAL_SERVICE", tuple(bodies), tuple(items), total)

    def _get(self, params: dict[str, str]) -> tuple[bytes, KmaPage]:
        what = self._describe(params)

        def before_sleep(state: RetryCallState) -> None:
            self._warn(what, state.outcome.exception().problem, state.attempt_number, state.next_action.sleep)

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait_exponential(multiplier=self.backoff_seconds, max=self.max_backoff_seconds),
            retry=retry_if_exception_type(_ServiceRetry),
            sleep=self.sleep,
            before_sleep=before_sleep,
        )
        try:
            return retrying(self._attempt, params, what)
        except RetryError as spent:
            retry = spent.last_attempt.exception()
            advice = " The daily quota renews at midnight KST; ask data.go.kr for more traffic if this repeats." if retry.quota else ""
            error = KmaQuotaExceeded if retry.quota else KmaUnavailable
            raise error(
                f"{what}: {retry.problem} (gave up after {spent.last_attempt.attempt_number} attempts).{advice}",
                code=retry.code,
            ) from None

    def _attempt(self, params: dict[str, str], what: str) -> tuple[bytes, KmaPage]:
        self._what = what
        try:
            response = self._session.get(f"{self.url}?serviceKey={self._key}&{urlencode(params)}", timeout=self.timeout)
        except requests.RequestException as exc:
            cause = exc.args[0] if exc.args else None
            if isinstance(cause, MaxRetryError):  # the transport's attempts are spent
                raise KmaUnavailable(f"{what}: {_transport_problem(cause, self.timeout)} (gave up after {self.max_attempts} attempts).") from None
            # Failed while reading the body, after the transport handed the response over.
            raise _ServiceRetry(_transport_problem(exc, self.timeout)) from None
        body = response.content
        if response.status_code in RETRIED_STATUSES:
            attempts = len(getattr(getattr(response.raw, "retries", None), "history", ())) + 1
            raise KmaUnavailable(f"{what}: HTTP {response.status_code} (gave up after {attempts} attempts).")
        try:
            page = decode_body(body)
        except KmaBodyError as exc:
            if response.status_code >= 400:
                raise KmaApiError(f"{what}: HTTP {response.status_code} with an unreadable body ({redact(str(exc))[:160]})") from None
            raise _ServiceRetry(f"unreadable response body ({redact(str(exc))[:160]})") from None
        if page.code in (OK, NO_DATA):
            return body, page
        if page.code in TRANSIENT:
            raise _ServiceRetry(f"KMA answered code {page.code}, {TRANSIENT[page.code]} ({page.message or 'no message'})", code=page.code)
        if page.code == QUOTA_EXCEEDED:
            raise _ServiceRetry(f"quota exceeded (code 22, {page.message or 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR'})", quota=True)
        if page.code in KEY_PROBLEMS:
            raise KmaKeyError(
                f"{what}: KMA refused the service key: code {page.code}, {KEY_PROBLEMS[page.code]} ({page.message}). "
                "Check KMA_SERVICE_KEY (the data.go.kr key approved for AsosHourlyInfoService); not retried.",
                code=page.code,
            )
        raise KmaApiError(f"{what}: KMA answered code {page.code}: {page.message or 'no message'}", code=page.code)

    def _describe(self, params: dict[str, str]) -> str:
        shown = {k: params[k] for k in ("stnIds", "startDt", "startHh", "endDt", "endHh", "pageNo") if k in params}
        return f"GET {self.url} " + " ".join(f"{k}={v}" for k, v in shown.items())
