"""Malformed and oversized HTTP/1.1 requests, byte-exact over raw sockets: each gets the right
status, a JSON local reply, one decision record with a specific reason, and (for head errors) a
closed connection."""

import pytest

from conftest import RawConn

H = b"Host: localhost\r\n"

# name -> (request bytes, status, reason, action, phase)
HEAD_ERRORS = {
    "cl_and_te": (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"0\r\n\r\n", 400, "content_length_and_transfer_encoding"),
    "te_and_cl": (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
                  b"0\r\n\r\n", 400, "content_length_and_transfer_encoding"),
    "duplicate_content_length": (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\n"
                                 b"hello", 400, "duplicate_content_length"),
    "conflicting_content_length": (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\n"
                                   b"hello!", 400, "duplicate_content_length"),
    "content_length_list": (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 5, 5\r\n\r\nhello",
                            400, "bad_content_length"),
    "content_length_alpha": (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: abc\r\n\r\n",
                             400, "bad_content_length"),
    "content_length_plus": (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: +5\r\n\r\nhello",
                            400, "bad_content_length"),
    "content_length_minus": (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: -5\r\n\r\nhello",
                             400, "bad_content_length"),
    "content_length_hex": (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 0x5\r\n\r\nhello",
                           400, "bad_content_length"),
    "content_length_huge": (b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 99999999999999999999999\r\n\r\n",
                            400, "bad_content_length"),
    "te_gzip_chunked": (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                        501, "unsupported_transfer_encoding"),
    "te_xchunked": (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
                    501, "unsupported_transfer_encoding"),
    "te_chunked_twice": (b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                         501, "unsupported_transfer_encoding"),
    "te_in_http10": (b"POST / HTTP/1.0\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                     400, "transfer_encoding_in_http10"),
    "obs_fold": (b"GET / HTTP/1.1\r\n" + H + b"X-A: a\r\n  folded\r\n\r\n", 400, "obs_fold"),
    "obs_fold_tab": (b"GET / HTTP/1.1\r\n" + H + b"X-A: a\r\n\tfolded\r\n\r\n", 400, "obs_fold"),
    "bare_lf_everywhere": (b"GET / HTTP/1.1\nHost: localhost\n\n", 400, "bare_lf"),
    "bare_lf_in_headers": (b"GET / HTTP/1.1\r\nHost: localhost\nX-A: b\r\n\r\n", 400, "bare_lf"),
    "bare_cr": (b"GET / HTTP/1.1\r\nHost: localhost\rX-A: b\r\n\r\n", 400, "bare_cr"),
    "nul_in_value": (b"GET / HTTP/1.1\r\n" + H + b"X-A: a\x00b\r\n\r\n", 400, "nul_byte"),
    "control_in_value": (b"GET / HTTP/1.1\r\n" + H + b"X-A: a\x01b\r\n\r\n", 400, "bad_header_value"),
    "space_before_colon": (b"GET / HTTP/1.1\r\n" + H + b"X-A : b\r\n\r\n", 400, "bad_header_name"),
    "space_before_colon_content_length": (b"POST / HTTP/1.1\r\n" + H + b"Content-Length : 5\r\n\r\nhello",
                                          400, "bad_header_name"),
    "no_colon": (b"GET / HTTP/1.1\r\n" + H + b"NoColonHere\r\n\r\n", 400, "bad_header_name"),
    "missing_host": (b"GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400, "missing_host"),
    "two_hosts": (b"GET / HTTP/1.1\r\n" + H + b"Host: localhost\r\n\r\n", 400, "duplicate_host"),
    "two_different_hosts": (b"GET / HTTP/1.1\r\n" + H + b"Host: evil.test\r\n\r\n", 400, "duplicate_host"),
    "absolute_form_host_mismatch": (b"GET http://evil.test/ HTTP/1.1\r\n" + H + b"\r\n",
                                    400, "host_mismatch"),
    "request_line_too_long": (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + H + b"\r\n",
                              414, "request_line_too_long"),
    "too_many_headers": (b"GET / HTTP/1.1\r\n" + H + b"".join(b"X-H%d: v\r\n" % i for i in range(150))
                         + b"\r\n", 431, "too_many_headers"),
    "header_bytes_too_large": (b"GET / HTTP/1.1\r\n" + H + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 4000)
                                                                  for i in range(10)) + b"\r\n",
                               431, "headers_too_large"),
    "http_2_0_request_line": (b"GET / HTTP/2.0\r\n" + H + b"\r\n", 505, "unsupported_http_version"),
    "http_1_2_request_line": (b"GET / HTTP/1.2\r\n" + H + b"\r\n", 505, "unsupported_http_version"),
    "http_3_0_request_line": (b"GET / HTTP/3.0\r\n" + H + b"\r\n", 505, "unsupported_http_version"),
    "lowercase_version": (b"GET / http/1.1\r\n" + H + b"\r\n", 400, "bad_request_line"),
    "double_space_request_line": (b"GET  / HTTP/1.1\r\n" + H + b"\r\n", 400, "bad_request_line"),
    "connect_method": (b"CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\n\r\n", 405,
                       "connect_not_supported"),
    "http_0_9_version_token": (b"GET / HTTP/0.9\r\n" + H + b"\r\n", 400, "obsolete_http_version"),
    "fragment_in_target": (b"GET /a#frag HTTP/1.1\r\n" + H + b"\r\n", 400, "bad_request_target"),
    "expect_unknown": (b"POST / HTTP/1.1\r\n" + H + b"Expect: teapot\r\nContent-Length: 1\r\n\r\na",
                       417, "expectation_failed"),
}


def check_local_reply(rampart, resp, status, reason, upstream_may_have_started=False):
    assert resp.status == status, resp.raw_head
    assert resp.header("content-type") == "application/json"
    body = resp.json()
    assert body["status"] == status
    rid = resp.header("x-request-id")
    assert rid and body["request_id"] == rid
    assert body["reason"] == reason
    assert body["reason"] not in ("", "ok")
    rec = rampart.record_for(rid)
    assert rec["status"] == status
    assert rec["reason"] == body["reason"]
    if not upstream_may_have_started:
        assert rec["upstream_endpoint"] == ""
        assert rec["upstream_duration_us"] == -1
    return rec


@pytest.mark.parametrize("line", [b"GET /http09-simple\r\n", b"GET /http09-simple \r\n"])
def test_h1_http09_simple_request_closed_without_status_line(rampart, line):
    """"GET /" with no version (or "GET / " with an empty one, as nginx and Apache read it) is
    HTTP/0.9: such a client cannot read a status line, so rampart closes without one, and still
    writes the request's decision record."""
    with RawConn(rampart.plain_port) as c:
        c.send(line + b"\r\n")
        assert c.is_closed(2.0)
    rec = rampart.last_record(pred=lambda r: r["path"] == "/http09-simple")
    assert (rec["status"], rec["action"], rec["reason"]) == (0, "error", "http09_request")


@pytest.mark.parametrize("name", list(HEAD_ERRORS))
def test_h1_head_error_rejected_and_closed(rampart, name):
    data, status, reason = HEAD_ERRORS[name]
    with RawConn(rampart.plain_port) as c:
        c.send(data)
        resp = c.read_response()
        closed = c.is_closed(2.0)
    rec = check_local_reply(rampart, resp, status, reason)
    # a malformed request is an error (docs/decision-record.md), decided while reading the head
    assert rec["action"] == "error", rec
    assert rec["phase"] == "request_headers", rec
    assert rec["protocol"].startswith("HTTP/1")
    assert closed, "the connection must be closed after a head error"
    # one bad client does not hurt anyone else
    assert rampart.get("/after").status == 200


def test_h1_head_error_exactly_one_record_each(rampart):
    names = list(HEAD_ERRORS)
    ids = []
    for name in names:
        with RawConn(rampart.plain_port) as c:
            c.send(HEAD_ERRORS[name][0])
            ids.append(c.read_response().header("x-request-id"))
    recs = rampart.wait_records(len(names))
    assert len(recs) == len(names), [r["reason"] for r in recs]
    assert sorted(r["request_id"] for r in recs) == sorted(ids)


def test_h1_record_of_rejected_head_keeps_escaped_target(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"GET /\xc0\xaf../etc/passwd HTTP/1.1\r\n" + H + b"\r\n")
        resp = c.read_response()
    assert resp.status == 400
    rec = rampart.record_for(resp.header("x-request-id"))
    assert rec["reason"] == "bad_request_target"
    raw = open(rampart.log_path, "rb").read()
    assert b"\xc0" not in raw and b"\\u00c0\\u00af" in raw


def after_early_reply_connection_safe(rampart, c, remainder: bytes):
    """After a reply sent before the body was read, rampart either closes, or keeps the
    connection and discards exactly the rest of the body: bytes that look like a request inside
    that body must never run, and the next real request is served."""
    if c.is_closed(0.3):
        return "closed"
    smuggle_marker = b"GET /smuggled-in-body HTTP/1.1\r\nHost: localhost\r\n\r\n"
    c.send(remainder.replace(b"#" * len(smuggle_marker), smuggle_marker, 1))
    c.send(b"GET /after-early-reply HTTP/1.1\r\nHost: localhost\r\n\r\n")
    nxt = c.read_response()
    assert nxt.status == 200
    assert nxt.json()["path"] == "/after-early-reply"
    assert not [r for r in rampart.wait_records(3, timeout=0.3) if "smuggled" in r["path"]]
    return "kept"


def test_h1_body_over_route_limit_by_content_length_413(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"POST /small/x HTTP/1.1\r\n" + H + b"Content-Length: 2000\r\n\r\n")
        resp = c.read_response()
        rec = check_local_reply(rampart, resp, 413, "body_too_large")
        after_early_reply_connection_safe(rampart, c, b"#" * 2000)
    assert rec["route"] == "small"
    assert rec["action"] == "block" and rec["phase"] == "request_headers"
    assert rec["bytes_in"] == 0


def test_h1_body_over_route_limit_huge_content_length_413_closed(rampart):
    """Too much left to discard (1 GB): the connection is closed after the 413."""
    with RawConn(rampart.plain_port) as c:
        c.send(b"POST /small/x HTTP/1.1\r\n" + H + b"Content-Length: 1000000000\r\n\r\n")
        resp = c.read_response()
        assert c.is_closed(3.0)
    check_local_reply(rampart, resp, 413, "body_too_large")


def test_h1_body_over_route_limit_with_expect_gets_413_not_100(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"POST /small/x HTTP/1.1\r\n" + H + b"Content-Length: 2000\r\nExpect: 100-continue\r\n\r\n")
        resp = c.read_response()
        # the client will not send the body it was never asked for: close
        assert c.is_closed(3.0)
    assert b"100 Continue" not in resp.raw_head
    check_local_reply(rampart, resp, 413, "body_too_large")


def test_h1_body_over_route_limit_by_chunked_stream_413(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"POST /small/x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n")
        for _ in range(3):
            c.send(b"200\r\n" + b"a" * 0x200 + b"\r\n")  # 3 x 512 > 1024
        resp = c.read_response()
        # the body streams to the upstream until the limit is crossed
        rec = check_local_reply(rampart, resp, 413, "body_too_large", upstream_may_have_started=True)
        remainder = b"64\r\n" + b"#" * 100 + b"\r\n0\r\n\r\n"
        after_early_reply_connection_safe(rampart, c, remainder)
    assert rec["phase"] == "request_body"
    assert rec["action"] == "block"
    assert 1024 < rec["bytes_in"] <= 1536


def test_h1_body_at_route_limit_accepted(rampart):
    r = rampart.get("/small/ok", method="POST", body=b"x" * 1024)
    assert r.status == 200
    assert r.json()["body_length"] == 1024


@pytest.mark.parametrize("chunk,reason", [
    (b"zz\r\nhello\r\n0\r\n\r\n", "bad_chunk_size"),
    (b"-5\r\nhello\r\n0\r\n\r\n", "bad_chunk_size"),
    (b"5 \r\nhello\r\n0\r\n\r\n", "bad_chunk_size"),
    (b"5\r\nhelloXX0\r\n\r\n", "bad_chunk_terminator"),
    (b"5\nhello\r\n0\r\n\r\n", "bare_lf"),
    (b"ffffffffffffffffffff\r\nhello\r\n", "bad_chunk_size"),
])
def test_h1_malformed_chunked_body_400(rampart, chunk, reason):
    with RawConn(rampart.plain_port) as c:
        c.send(b"POST /chunk HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n" + chunk)
        resp = c.read_response()
        closed = c.is_closed(2.0)
    rec = check_local_reply(rampart, resp, 400, reason, upstream_may_have_started=True)
    assert rec["action"] == "error"
    assert rec["phase"] == "request_body"
    assert closed


@pytest.mark.parametrize("chunk", [b"zz\r\nhello\r\n0\r\n\r\n", b"5\r\nhelloXX0\r\n\r\n"])
def test_h1_backend_malformed_chunked_body_400(rampart, chunk):
    """The upstream already started receiving the body; the client still gets a 400."""
    with RawConn(rampart.plain_port) as c:
        c.send(b"POST /backend/chunk HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n" + chunk)
        resp = c.read_response()
    assert resp.status == 400
    rec = rampart.record_for(resp.header("x-request-id"))
    assert rec["reason"].startswith("bad_chunk") and rec["status"] == 400


def test_h10_without_host_and_no_wildcard_route_404(rampart):
    """HTTP/1.0 may omit Host; it then matches only "*" routes, so "/" (a named-host route here)
    is 404 no_route."""
    with RawConn(rampart.plain_port) as c:
        c.send(b"GET / HTTP/1.0\r\n\r\n")
        resp = c.read_response()
    rec = check_local_reply(rampart, resp, 404, "no_route")


def test_h1_absolute_form_matching_host_allowed(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"GET http://localhost/abs HTTP/1.1\r\n" + H + b"\r\n")
        resp = c.read_response()
    assert resp.status == 200
    assert resp.json()["path"] == "/abs"


def test_h1_error_after_good_request_on_same_connection(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"GET /good HTTP/1.1\r\n" + H + b"\r\n")
        assert c.read_response().status == 200
        c.send(b"GET /bad HTTP/1.1\r\n" + H + b"X-A : b\r\n\r\n")
        resp = c.read_response()
        assert resp.status == 400
        assert c.is_closed(2.0)


def test_h1_smuggling_attempt_second_request_never_served(rampart):
    """CL.TE: a rejected request must not let the smuggled bytes run as a second request."""
    smuggled = b"GET /smuggled HTTP/1.1\r\n" + H + b"\r\n"
    body = b"0\r\n\r\n" + smuggled
    with RawConn(rampart.plain_port) as c:
        c.send(b"POST / HTTP/1.1\r\n" + H + b"Content-Length: %d\r\n" % len(body)
               + b"Transfer-Encoding: chunked\r\n\r\n" + body)
        resp = c.read_response()
        assert resp.status == 400
        assert c.is_closed(2.0)
    assert not [r for r in rampart.wait_records(2, timeout=0.5) if r["path"] == "/smuggled"]
