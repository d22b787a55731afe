"""The real KMA HTTP client against a local server replaying recorded-shape responses."""

import logging
import time
import traceback
from datetime import datetime

import pytest

from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources.kma import KmaResource
from lakehouse_assets.weather.kma_protocol import (
    KST,
    NO_DATA,
    OK,
    KmaApiError,
    KmaKeyError,
    KmaQuotaExceeded,
    KmaUnavailable,
    decode_body,
)
from lakehouse_assets.weather.parse import observation_rows
from lakehouse_assets.weather.sources import kma_source
from lakehouse_assets_tests.weather.kma_replay import (
    KEY_ERROR_XML,
    NODATA_BODY,
    OK_BODY,
    OK_ITEM,
    QUOTA_BODY,
    KmaReplayServer,
    Reply,
    Sleeps,
    page_body,
    xml_reply,
)

# A "decoding" key as data.go.kr hands it out: +, / and = must survive the query string.
KEY = "Tst+Key/9zQ2xW8v==LEAKCANARY"
HOUR = datetime(2019, 1, 20, 1, tzinfo=KST)  # the recorded item's hour


@pytest.fixture(autouse=True)
def debug_logs(caplog):
    # Everything at DEBUG (urllib3 logs each request URL there): no key may reach any log line.
    caplog.set_level(logging.DEBUG)
    yield caplog
    assert KEY not in caplog.text
    assert "LEAKCANARY" not in caplog.text


def client(server, sleeps, **overrides):
    config = dict(base_url=server.base_url, service_key=KEY, max_attempts=4, backoff_seconds=2.0, read_timeout_seconds=5.0)
    config.update(overrides)
    return kma_source(KmaResource(**config), sleep=sleeps)


def assert_no_key(exc: BaseException) -> None:
    text = "".join(traceback.format_exception(exc))  # the message and any chained cause
    assert "LEAKCANARY" not in text and KEY not in text and "Tst%2BKey" not in text


def hourly_items(n: int) -> list[dict]:
    items = []
    for i in range(n):
        item = dict(OK_ITEM, tm=f"2019-01-20 {1 + i:02d}:00", rnum=str(i + 1), ta=f"{3.6 + i / 10:.1f}")
        items.append(item)
    return items


def test_success_with_pagination_sends_the_documented_parameters(server, debug_logs):
    items = hourly_items(5)
    server.default = lambda q: Reply(page_body(items, int(q["pageNo"]), int(q["numOfRows"])))
    sleeps = Sleeps()
    end = datetime(2019, 1, 20, 5, tzinfo=KST)

    result = client(server, sleeps, page_size=2).fetch(108, HOUR, end)

    assert result.source == "kma" and result.code == OK and result.total_count == 5
    assert [i["tm"] for i in result.items] == [f"2019-01-20 0{h}:00" for h in range(1, 6)]
    assert [q["pageNo"] for q in server.requests] == ["1", "2", "3"]
    assert result.bodies == tuple(page_body(items, p, 2) for p in (1, 2, 3))  # bytes exactly as sent
    first = server.requests[0]
    assert first["serviceKey"] == KEY  # the decoding key arrives intact (escaped on the way)
    assert {k: first[k] for k in ("numOfRows", "dataType", "dataCd", "dateCd", "startDt", "startHh", "endDt", "endHh", "stnIds")} == {
        "numOfRows": "2", "dataType": "JSON", "dataCd": "ASOS", "dateCd": "HR", "startDt": "20190120",
        "startHh": "01", "endDt": "20190120", "endHh": "05", "stnIds": "108",
    }
    assert sleeps == []
    assert "serviceKey=***" in debug_logs.text  # urllib3 did log the URL, masked


def test_an_already_encoded_key_is_sent_as_is(server):
    client(server, Sleeps(), service_key="Tst%2BKey%2F9zQ%3D%3DLEAKCANARY").fetch(108, HOUR, HOUR)
    assert server.requests[0]["serviceKey"] == "Tst+Key/9zQ==LEAKCANARY"  # not double-escaped


def test_empty_string_values_come_through_as_sent_and_parse_to_null_or_zero(server):
    server.script.append(Reply(OK_BODY))
    result = client(server, Sleeps()).fetch(108, HOUR, HOUR)

    assert result.bodies == (OK_BODY,)
    item = result.items[0]
    assert item["rn"] == "" and item["ss"] == "" and item["icsr"] == "" and item["dsnw"] == ""
    rows, report = observation_rows(result.items, Window.hour(HOUR), [108], result.source)
    row = rows[0]
    assert row["rn"] == 0.0 and row["ss"] is None and row["icsr"] is None and row["dsnw"] is None
    assert row["ta"] == 3.6 and row["pa"] == 1007.8 and row["observed_at"] == datetime.fromisoformat("2019-01-19T16:00:00+00:00")
    assert row["qc_flags"] == '{"ssQcflg":"9"}' and report.rows == 1


def test_code_03_is_an_empty_hour_not_a_failure(server):
    server.script.append(Reply(NODATA_BODY))
    sleeps = Sleeps()
    result = client(server, sleeps).fetch(108, HOUR, HOUR)

    assert result.code == NO_DATA and result.items == () and result.bodies == (NODATA_BODY,)
    assert len(server.requests) == 1 and sleeps == []


def test_code_22_is_retried_with_backoff_then_succeeds(server):
    server.script.extend([Reply(QUOTA_BODY), Reply(QUOTA_BODY), Reply(OK_BODY)])
    sleeps = Sleeps()
    result = client(server, sleeps).fetch(108, HOUR, HOUR)

    assert result.code == OK and len(result.items) == 1
    assert len(server.requests) == 3
    assert sleeps == [2.0, 4.0]  # exponential backoff, no real waiting


def test_code_22_exhausted_gives_a_clear_quota_error(server):
    server.default = lambda q: Reply(QUOTA_BODY)
    sleeps = Sleeps()
    with pytest.raises(KmaQuotaExceeded) as caught:
        client(server, sleeps, max_attempts=3, max_backoff_seconds=3.0).fetch(108, HOUR, HOUR)

    message = str(caught.value)
    assert "quota exceeded (code 22" in message and "gave up after 3 attempts" in message and "stnIds=108" in message
    assert caught.value.code == "22" and caught.value.retryable
    assert sleeps == [2.0, 3.0]  # capped by max_backoff_seconds
    assert len(server.requests) == 3
    assert_no_key(caught.value)


def test_code_30_in_gateway_xml_fails_at_once(server):
    server.default = lambda q: xml_reply(KEY_ERROR_XML)
    sleeps = Sleeps()
    with pytest.raises(KmaKeyError) as caught:
        client(server, sleeps).fetch(108, HOUR, HOUR)

    message = str(caught.value)
    assert "code 30" in message and "not registered" in message and "SERVICE_KEY_IS_NOT_REGISTERED_ERROR" in message
    assert "KMA_SERVICE_KEY" in message and not caught.value.retryable
    assert len(server.requests) == 1 and sleeps == []  # no retry
    assert_no_key(caught.value)


@pytest.mark.parametrize("code", ["20", "31", "32"])
def test_other_key_codes_fail_at_once(server, code):
    server.default = lambda q: xml_reply(KEY_ERROR_XML.replace(b">30<", f">{code}<".encode()), status=401)
    with pytest.raises(KmaKeyError, match=f"code {code}"):
        client(server, Sleeps()).fetch(108, HOUR, HOUR)
    assert len(server.requests) == 1


def test_any_other_code_fails_with_code_and_message(server):
    server.default = lambda q: Reply(b'{"response":{"header":{"resultCode":"10","resultMsg":"INVALID_REQUEST_PARAMETER_ERROR"}}}')
    with pytest.raises(KmaApiError, match="code 10: INVALID_REQUEST_PARAMETER_ERROR") as caught:
        client(server, Sleeps()).fetch(108, HOUR, HOUR)
    assert caught.value.code == "10" and not caught.value.retryable and len(server.requests) == 1


def test_http_500_is_retried_then_succeeds(server):
    server.script.extend([Reply(b"<html>Internal Server Error</html>", status=500, content_type="text/html"), Reply(OK_BODY)])
    sleeps = Sleeps()
    result = client(server, sleeps).fetch(108, HOUR, HOUR)

    assert result.code == OK and result.bodies == (OK_BODY,)
    assert len(server.requests) == 2 and sleeps == [2.0]


def test_http_5xx_exhausted_is_unavailable(server):
    server.default = lambda q: Reply(b"Bad Gateway", status=502, content_type="text/plain")
    with pytest.raises(KmaUnavailable, match="HTTP 502 .*gave up after 2 attempts") as caught:
        client(server, Sleeps(), max_attempts=2).fetch(108, HOUR, HOUR)
    assert caught.value.retryable
    assert_no_key(caught.value)


def test_a_timeout_is_retried_then_succeeds(server):
    server.script.extend([Reply(OK_BODY, delay=2.0), Reply(OK_BODY)])
    sleeps = Sleeps()
    began = time.monotonic()
    result = client(server, sleeps, read_timeout_seconds=0.2).fetch(108, HOUR, HOUR)

    assert result.code == OK and result.bodies == (OK_BODY,)
    assert len(server.requests) == 2 and sleeps == [2.0]
    assert time.monotonic() - began < 1.5  # gave up on the slow answer after the read timeout


def test_a_timeout_on_every_attempt_is_unavailable(server):
    server.default = lambda q: Reply(OK_BODY, delay=1.0)
    sleeps = Sleeps()
    with pytest.raises(KmaUnavailable, match=r"timed out \(connect 5s, read 0.1s\) \(gave up after 2 attempts\)") as caught:
        client(server, sleeps, max_attempts=2, read_timeout_seconds=0.1).fetch(108, HOUR, HOUR)
    assert len(server.requests) == 2 and sleeps == [2.0] and caught.value.retryable
    assert_no_key(caught.value)


def test_a_body_cut_off_midway_is_retried(server, debug_logs):
    server.script.extend([Reply(OK_BODY, cut_after=40), Reply(OK_BODY)])
    sleeps = Sleeps()
    result = client(server, sleeps).fetch(108, HOUR, HOUR)

    assert result.code == OK and result.bodies == (OK_BODY,)
    assert len(server.requests) == 2 and sleeps == [2.0]
    assert "attempt 1/4, retrying in 2s" in debug_logs.text


def test_an_unreadable_body_is_retried(server):
    server.script.extend([Reply(b'{"response": {"hea'), Reply(OK_BODY)])
    result = client(server, Sleeps()).fetch(108, HOUR, HOUR)
    assert result.code == OK and len(server.requests) == 2


def test_connection_refused_names_no_key():
    with KmaReplayServer() as gone:
        base_url = gone.base_url
    resource = KmaResource(base_url=base_url, service_key=KEY, max_attempts=2, connect_timeout_seconds=0.5)
    sleeps = Sleeps()
    with pytest.raises(KmaUnavailable, match="request failed") as caught:
        kma_source(resource, sleep=sleeps).fetch(108, HOUR, HOUR)
    assert sleeps == [2.0]
    assert_no_key(caught.value)


def test_the_resource_never_shows_the_key():
    resource = KmaResource(service_key=KEY)
    assert KEY not in repr(resource) and KEY not in str(resource)
    assert resource.source_name == "kma" and KmaResource().source_name == "sample"


@pytest.mark.parametrize(
    "body, code, items",
    [
        (OK_BODY, "00", 1),
        (NODATA_BODY, "03", 0),
        (QUOTA_BODY, "22", 0),
        (KEY_ERROR_XML, "30", 0),
        (b"<response><header><resultCode>00</resultCode><resultMsg>NORMAL_SERVICE</resultMsg></header><body><items><item><tm>2019-01-20 01:00</tm><stnId>108</stnId></item></items><totalCount>1</totalCount></body></response>", "00", 1),
    ],
)
def test_decode_body_reads_json_and_both_xml_envelopes(body, code, items):
    page = decode_body(body)
    assert page.code == code and len(page.items) == items
