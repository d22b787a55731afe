"""KMA answers that are not what was asked for: HTML error pages, truncated JSON, a 200 whose body
carries an error code, bodies in EUC-KR/CP949 or UTF-16. Each is read correctly or ends in one
clear error naming the problem (never a traceback from inside `json`), retried only where a later
attempt can help; over real HTTP on 127.0.0.1 (`kma_replay`)."""

from __future__ import annotations

import json
import traceback
from datetime import datetime

import pytest

from lakehouse_assets.lakehouse.tables import Window
from lakehouse_assets.resources.kma import KmaResource
from lakehouse_assets.weather.kma_protocol import KST, OK, KmaApiError, KmaBodyError, KmaUnavailable, decode_body
from lakehouse_assets.weather.parse import observation_rows
from lakehouse_assets.weather.sources import kma_source
from lakehouse_assets_tests.weather.kma_replay import OK_BODY, OK_ITEM, Reply, Sleeps

KEY = "Bad+Body/Key==LEAKCANARY"
HOUR = datetime(2019, 1, 20, 1, tzinfo=KST)  # the recorded item's hour
ATTEMPTS = 3
HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr>nginx<br></body></html>"
OK_TEXT = OK_BODY.decode("utf-8")


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"response": {"header": {"resultCode": code, "resultMsg": message}}}).encode()


def euc_kr_xml() -> bytes:
    item = "".join(f"<{k}>{v}</{k}>" for k, v in OK_ITEM.items())
    text = f'<?xml version="1.0" encoding="EUC-KR"?><response><header><resultCode>00</resultCode><resultMsg>정상</resultMsg></header><body><items><item>{item}</item></items><totalCount>1</totalCount></body></response>'
    return text.encode("euc-kr")


def fetch(server, sleeps=None):
    resource = KmaResource(base_url=server.base_url, service_key=KEY, max_attempts=ATTEMPTS, backoff_seconds=1.0, read_timeout_seconds=5.0)
    return kma_source(resource, sleep=sleeps if sleeps is not None else Sleeps()).fetch(108, HOUR, HOUR)


def failure(server, reply: Reply, expected: type[Exception]) -> tuple[Exception, Sleeps]:
    """Serve `reply` to every request; the error the client ends in, checked for a clean message."""
    server.default = lambda query: reply
    sleeps = Sleeps()
    with pytest.raises(expected) as caught:
        fetch(server, sleeps)
    shown = "".join(traceback.format_exception(caught.value))
    assert "json/decoder.py" not in shown and "During handling of the above exception" not in shown
    assert "LEAKCANARY" not in shown
    return caught.value, sleeps


# -- read correctly ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        OK_TEXT.encode("cp949"),
        OK_TEXT.encode("euc-kr"),
        OK_TEXT.encode("utf-16"),  # with its byte order mark
        b"\xef\xbb\xbf" + OK_BODY,
        euc_kr_xml(),
    ],
    ids=["cp949", "euc-kr", "utf-16", "utf-8-bom", "euc-kr-xml"],
)
def test_korean_and_unicode_encodings_are_read_correctly(body):
    page = decode_body(body)
    assert page.code == OK and len(page.items) == 1
    assert page.items[0]["stnNm"] == "서울" and page.items[0]["ta"] == OK_ITEM["ta"]


def test_a_euc_kr_body_over_http_is_stored_as_sent_and_parsed(server):
    body = OK_TEXT.encode("euc-kr")
    server.default = lambda query: Reply(body, content_type="application/json;charset=EUC-KR")
    result = fetch(server)
    assert result.code == OK and result.bodies == (body,)  # landing keeps the bytes as received
    rows, _ = observation_rows(result.items, Window.hour(HOUR), [108], result.source)
    assert [row["station_name"] for row in rows] == ["서울"]


# -- a clear error, naming the problem ----------------------------------------------------------


@pytest.mark.parametrize(
    "body, problem",
    [
        (HTML_PAGE, "an HTML page, not a KMA response: '502 Bad Gateway'"),
        (b"<html><head><title>Service\n  Unavailable</title></head><body/></html>", "an HTML page, not a KMA response: 'Service Unavailable'"),
        (OK_BODY[: len(OK_BODY) // 2], "invalid or truncated JSON"),
        (OK_BODY[:-3], "invalid or truncated JSON"),
        (b"", "an empty body"),
        (b" \r\n", "an empty body"),
        (b"[" * 100_000, "JSON nested too deeply"),
        (b'{"response": []}', "JSON without response.header.resultCode"),
        (b'{"result": "ok"}', "JSON without response.header.resultCode"),
        (b'{"response": {"header": {"resultCode": ' + b"1" * 5000 + b"}}}", "unreadable JSON"),
        (b'{"response": "\x80\x80"}', "unknown encoding"),
        (b"Unauthorized", "invalid or truncated JSON"),
        (b"<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>x</errMsg>", "unreadable XML"),
    ],
    ids=["html", "xhtml", "half", "cut-end", "empty", "blank", "deep", "list", "no-response", "huge-int", "encoding", "text", "cut-xml"],
)
def test_bodies_that_are_no_kma_response_name_the_problem(body, problem):
    with pytest.raises(KmaBodyError) as caught:
        decode_body(body)
    assert problem in str(caught.value)
    assert "During handling of the above exception" not in "".join(traceback.format_exception(caught.value))


def test_items_of_the_wrong_shape_are_no_rows_not_a_crash():
    envelope = json.loads(OK_BODY)
    envelope["response"]["body"]["items"]["item"] = 5
    assert decode_body(json.dumps(envelope).encode()).items == ()


# -- over HTTP: retried where a later attempt can help ---------------------------------------------


def test_an_html_error_page_with_200_is_retried_then_fails_clearly(server):
    error, sleeps = failure(server, Reply(HTML_PAGE, content_type="text/html"), KmaUnavailable)
    assert "an HTML page, not a KMA response: '502 Bad Gateway'" in str(error)
    assert f"gave up after {ATTEMPTS} attempts" in str(error) and error.retryable
    assert len(server.requests) == ATTEMPTS and sleeps == [1.0, 2.0]


def test_an_html_page_once_then_the_data(server):
    server.script.append(Reply(HTML_PAGE, content_type="text/html"))
    result = fetch(server)
    assert result.code == OK and result.bodies == (OK_BODY,) and len(server.requests) == 2


def test_an_html_404_fails_at_once(server):
    error, sleeps = failure(server, Reply(HTML_PAGE.replace(b"502 Bad Gateway", b"404 Not Found"), status=404, content_type="text/html"), KmaApiError)
    assert "HTTP 404" in str(error) and "an HTML page, not a KMA response: '404 Not Found'" in str(error)
    assert not error.retryable and len(server.requests) == 1 and sleeps == []


def test_truncated_json_with_200_is_retried_then_fails_clearly(server):
    error, _ = failure(server, Reply(OK_BODY[:200]), KmaUnavailable)
    assert "invalid or truncated JSON" in str(error) and len(server.requests) == ATTEMPTS


def test_deeply_nested_json_is_no_recursion_error(server):
    error, _ = failure(server, Reply(b"[" * 100_000), KmaUnavailable)
    assert "nested too deeply" in str(error)


def test_a_body_in_an_unknown_encoding_is_retried_then_fails_clearly(server):
    error, _ = failure(server, Reply(b'{"response": "\xff\x80"}'), KmaUnavailable)
    assert "unknown encoding" in str(error)


@pytest.mark.parametrize("code, message", [("99", "UNKNOWN_ERROR"), ("12", "NO_OPENAPI_SERVICE_ERROR"), ("11", "NO_MANDATORY_REQUEST_PARAMETERS_ERROR")])
def test_a_200_with_a_lasting_error_code_fails_at_once(server, code, message):
    error, sleeps = failure(server, Reply(error_body(code, message)), KmaApiError)
    assert f"code {code}: {message}" in str(error) and error.code == code
    assert not error.retryable and len(server.requests) == 1 and sleeps == []


@pytest.mark.parametrize("code, message", [("01", "APPLICATION_ERROR"), ("02", "DB_ERROR"), ("04", "HTTP_ERROR"), ("05", "SERVICETIME_OUT")])
def test_a_200_with_a_passing_error_code_is_retried_then_fails_clearly(server, code, message):
    error, sleeps = failure(server, Reply(error_body(code, message)), KmaUnavailable)
    assert f"code {code}" in str(error) and message in str(error) and error.code == code and error.retryable
    assert len(server.requests) == ATTEMPTS and sleeps == [1.0, 2.0]


def test_a_passing_error_code_then_the_data(server):
    server.script.append(Reply(error_body("05", "SERVICETIME_OUT")))
    result = fetch(server)
    assert result.code == OK and len(result.items) == 1 and len(server.requests) == 2
