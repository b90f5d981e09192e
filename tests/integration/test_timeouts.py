"""Time limits toward clients (slowloris, stalled bodies, idle connections, silent TLS peers)
and toward upstreams (refused, slow, malformed, passive health)."""

import json
import socket
import time

import pytest

import h2util
from conftest import RawConn
from h2util import H2Client, headers_frame, raw_session, request_block, response_statuses

FAST = {"header_timeout_ms": 1000, "body_idle_timeout_ms": 1000, "keepalive_idle_timeout_ms": 1000}


def wait_closed(sock, timeout):
    """Seconds until the peer closed (EOF/reset), or None if still open after timeout.
    Any bytes received before the close are returned too."""
    start = time.monotonic()
    data = b""
    deadline = start + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None, data
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return None, data
        except (ConnectionResetError, OSError):
            return time.monotonic() - start, data
        if not chunk:
            return time.monotonic() - start, data
        data += chunk


# ------------------------------------------------------------------------------------------------
# Downstream timeouts


def trickle(conn, data: bytes, interval: float = 0.2, limit: float = 4.0):
    """Sends one byte every `interval` until the server answers or closes. Returns the seconds
    from the first byte to the answer (None if it never came within `limit`)."""
    start = time.monotonic()
    for byte in data:
        try:
            conn.send(bytes([byte]))
        except OSError:
            return time.monotonic() - start
        conn.sock.settimeout(interval)
        try:
            chunk = conn.sock.recv(65536)
        except socket.timeout:
            if time.monotonic() - start > limit:
                return None
            continue
        except OSError:
            return time.monotonic() - start
        finally:
            conn.sock.settimeout(5)
        conn.buf += chunk
        return time.monotonic() - start
    return None


SLOW_HEAD = b"GET /slowloris HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + b"a" * 100 + b"\r\n\r\n"


@pytest.mark.rampart(limits=FAST)
@pytest.mark.parametrize("tls", [False, True], ids=["h1", "h1tls"])
def test_h1_echo_slowloris_head_408_header_timeout(rampart, tls):
    """A byte every 200 ms never completes the head: 408 after header_timeout_ms (1 s)."""
    port = rampart.tls_port if tls else rampart.plain_port
    with RawConn(port, tls=tls, alpn=["http/1.1"] if tls else None) as c:
        elapsed = trickle(c, SLOW_HEAD)
        assert elapsed is not None, "no answer while trickling the head"
        assert 0.8 <= elapsed <= 2.0, elapsed
        resp = c.read_response()
        assert resp.status == 408
        assert resp.json()["reason"] == "header_timeout"
        assert c.is_closed(2.0)
    rec = rampart.record_for(resp.header("x-request-id"))
    assert (rec["status"], rec["reason"]) == (408, "header_timeout")
    assert rec["listener"] == ("tls" if tls else "plain")
    assert rec["action"] in ("error", "block")


@pytest.mark.rampart(limits=FAST)
def test_h1_echo_slowloris_second_request_on_keepalive_408(rampart):
    """The header timeout restarts with the first byte of each request on a kept-alive conn."""
    with RawConn(rampart.plain_port) as c:
        c.send(b"GET /first HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert c.read_response().status == 200
        elapsed = trickle(c, SLOW_HEAD)
        assert elapsed is not None and 0.8 <= elapsed <= 2.0, elapsed
        assert c.read_response().status == 408


@pytest.mark.rampart(limits=FAST)
@pytest.mark.parametrize("tls", [False, True], ids=["h2c", "h2"])
def test_h2_echo_header_block_never_finished_goaway(rampart, tls):
    """HTTP/2 slowloris: HEADERS without END_HEADERS, then silence -> GOAWAY after ~1 s."""
    sock, reader = raw_session(rampart.tls_port if tls else rampart.plain_port, tls=tls)
    with sock:
        sock.sendall(headers_frame(1, request_block(path="/h2-slowloris"), end_headers=False))
        start = time.monotonic()
        frames = reader.read_until_closed(4.0)
        elapsed = time.monotonic() - start
    gas = h2util.goaways(frames)
    assert gas, frames
    assert reader.closed
    assert 0.8 <= elapsed <= 2.5, elapsed
    assert not response_statuses(frames)


@pytest.mark.rampart(limits=FAST)
def test_h1_echo_stalled_body_408_body_timeout(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"POST /stall HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
        start = time.monotonic()
        resp = c.read_response()
        elapsed = time.monotonic() - start
        assert c.is_closed(2.0)
    assert resp.status == 408
    assert 0.8 <= elapsed <= 2.5, elapsed
    assert resp.json()["reason"] == "body_timeout"
    rec = rampart.record_for(resp.header("x-request-id"))
    assert (rec["status"], rec["reason"], rec["phase"]) == (408, "body_timeout", "request_body")
    assert rec["bytes_in"] == 10
    assert rec["action"] == "error"


@pytest.mark.rampart(limits=FAST)
def test_h1_backend_stalled_body_408_body_timeout(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"POST /backend/stall HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n"
               + b"x" * 10)
        resp = c.read_response()
    assert resp.status == 408
    rec = rampart.record_for(resp.header("x-request-id"))
    assert rec["reason"] == "body_timeout" and rec["route"] == "backend"


@pytest.mark.rampart(limits=FAST)
def test_h1_echo_slow_but_steady_body_not_timed_out(rampart):
    """body_idle_timeout is an idle timer: a body that keeps trickling is fine."""
    with RawConn(rampart.plain_port) as c:
        c.send(b"POST /steady HTTP/1.1\r\nHost: localhost\r\nContent-Length: 8\r\n\r\n")
        for _ in range(8):
            time.sleep(0.3)  # 2.4 s total, each gap < 1 s
            c.send(b"s")
        resp = c.read_response()
    assert resp.status == 200
    assert resp.json()["body_length"] == 8


@pytest.mark.rampart(limits=FAST)
@pytest.mark.parametrize("tls", [False, True], ids=["h2c", "h2"])
def test_h2_echo_stalled_body_408_body_timeout(rampart, tls):
    sock, reader = raw_session(rampart.tls_port if tls else rampart.plain_port, tls=tls)
    with sock:
        sock.sendall(headers_frame(1, request_block(method="POST", path="/h2stall",
                                                    extra=[("content-length", "100")]),
                                   end_stream=False)
                     + h2util.frame(h2util.DATA, 0, 1, b"y" * 10))
        start = time.monotonic()
        frames = reader.read_until(h2util.stream_settled(1), timeout=4.0)
        elapsed = time.monotonic() - start
    assert response_statuses(frames).get(1) == 408, frames
    assert 0.8 <= elapsed <= 2.5
    rec = rampart.last_record(pred=lambda r: r["path"] == "/h2stall")
    assert (rec["status"], rec["reason"], rec["protocol"]) == (408, "body_timeout", "HTTP/2")


@pytest.mark.rampart(limits=FAST)
def test_h1_echo_idle_keepalive_connection_closed(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"GET /ka HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert c.read_response().status == 200
        elapsed, data = wait_closed(c.sock, 4.0)
    assert elapsed is not None, "idle keep-alive connection was not closed"
    assert 0.7 <= elapsed <= 2.5, elapsed
    assert data == b""
    # no decision record for an idle close: only the one request
    assert len(rampart.wait_records(2, timeout=0.3)) == 1


@pytest.mark.rampart(limits=FAST)
def test_h1_echo_keepalive_reused_before_idle_timeout(rampart):
    with RawConn(rampart.plain_port) as c:
        for i in range(3):
            c.send(f"GET /ka{i} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
            assert c.read_response().status == 200
            time.sleep(0.5)


@pytest.mark.rampart(limits=FAST)
def test_h2c_echo_idle_connection_goaway_and_close(rampart):
    with H2Client(rampart.plain_port) as c:
        assert c.get("/idle")[1] == 200
        start = time.monotonic()
        deadline = start + 4
        while not c.closed and time.monotonic() < deadline:
            c.pump(deadline)
        elapsed = time.monotonic() - start
    assert c.closed, "idle h2 connection not closed"
    assert 0.7 <= elapsed <= 2.5
    terminated = [e for e in c.events if type(e).__name__ == "ConnectionTerminated"]
    assert terminated and terminated[-1].error_code == 0


@pytest.mark.rampart(limits=FAST)
def test_tls_handshake_never_started_closed_after_header_timeout(rampart):
    s = socket.create_connection(("127.0.0.1", rampart.tls_port), timeout=5)
    with s:
        elapsed, data = wait_closed(s, 4.0)
    assert elapsed is not None, "silent TCP peer on the TLS port was never closed"
    assert 0.7 <= elapsed <= 2.5, elapsed
    assert data == b""
    assert rampart.alive()


@pytest.mark.rampart(limits=FAST)
def test_plain_connection_silent_closed_after_header_timeout(rampart):
    s = socket.create_connection(("127.0.0.1", rampart.plain_port), timeout=5)
    with s:
        elapsed, _ = wait_closed(s, 4.0)
    assert elapsed is not None and 0.7 <= elapsed <= 2.5, elapsed


@pytest.mark.rampart(limits=FAST)
def test_h2c_partial_preface_closed_after_header_timeout(rampart):
    s = socket.create_connection(("127.0.0.1", rampart.plain_port), timeout=5)
    with s:
        s.sendall(h2util.PREFACE[:10])
        elapsed, _ = wait_closed(s, 4.0)
    assert elapsed is not None and 0.7 <= elapsed <= 2.5, elapsed


@pytest.mark.rampart(limits=FAST)
def test_tls_handshake_half_done_closed_after_header_timeout(rampart):
    """A ClientHello's first bytes only: the handshake shares the header timeout."""
    s = socket.create_connection(("127.0.0.1", rampart.tls_port), timeout=5)
    with s:
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        elapsed, _ = wait_closed(s, 4.0)
    assert elapsed is not None and 0.7 <= elapsed <= 2.5, elapsed


# ------------------------------------------------------------------------------------------------
# Upstream failures


def check_upstream_error(rampart, resp_status, body, status, reason, route):
    assert resp_status == status
    assert body["status"] == status and body["reason"] == reason
    rec = rampart.record_for(body["request_id"])
    assert (rec["status"], rec["reason"], rec["action"]) == (status, reason, "error")
    assert rec["route"] == route
    assert rec["upstream_cluster"] == route
    return rec


@pytest.mark.parametrize("proto", ["h1", "h2c"])
def test_proto_h1_upstream_refused_502_connect_failed(rampart, proto):
    if proto == "h1":
        r = rampart.get("/refused/x")
        status, body = r.status, r.json()
    else:
        with H2Client(rampart.plain_port) as c:
            outcome = c.get("/refused/x")
        status, body = outcome[1], json.loads(outcome[3])
    check_upstream_error(rampart, status, body, 502, "upstream_connect_failed", "refused")
    assert rampart.metric("rampart_upstream_connect_errors_total") >= 1
    assert rampart.metric("rampart_upstream_errors_total", cluster="refused",
                          reason="upstream_connect_failed") >= 1


@pytest.mark.parametrize("proto", ["h1", "h2c"])
def test_proto_h1_upstream_slow_504_upstream_timeout(rampart, proto):
    start = time.monotonic()
    if proto == "h1":
        r = rampart.get("/slow/x")
        status, body = r.status, r.json()
    else:
        with H2Client(rampart.plain_port) as c:
            outcome = c.get("/slow/x")
        status, body = outcome[1], json.loads(outcome[3])
    elapsed = time.monotonic() - start
    rec = check_upstream_error(rampart, status, body, 504, "upstream_timeout", "slow")
    assert 0.4 <= elapsed <= 1.5, elapsed  # response_timeout_ms: 500, the backend sleeps 2 s
    assert rec["upstream_endpoint"] == rampart.backends.slow.address
    assert rampart.metric("rampart_upstream_timeouts_total") >= 1


@pytest.mark.parametrize("proto", ["h1", "h2c"])
def test_proto_h1_upstream_malformed_502_bad_response(rampart, proto):
    if proto == "h1":
        r = rampart.get("/malformed/x")
        status, body = r.status, r.json()
    else:
        with H2Client(rampart.plain_port) as c:
            outcome = c.get("/malformed/x")
        status, body = outcome[1], json.loads(outcome[3])
    check_upstream_error(rampart, status, body, 502, "upstream_bad_response", "malformed")
    assert rampart.metric("rampart_upstream_bad_responses_total") >= 1


def test_h1_h1_upstream_failure_keeps_downstream_connection_usable(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"GET /refused/a HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert c.read_response().status == 502
        c.send(b"GET /backend/b HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert c.read_response().status == 200


def test_h1_h1_passive_health_skips_dead_endpoint(make_rampart, backends):
    dead = f"127.0.0.1:{backends.closed_port}"
    rampart = make_rampart(
        extra_clusters=[{"name": "mixed", "endpoints": [dead, backends.keepalive2.address],
                         "connect_timeout_ms": 500,
                         "health": {"failure_threshold": 1, "eject_ms": 30000}}],
        extra_routes=[{"name": "mixed", "hosts": ["*"], "path_prefix": "/mixed/", "cluster": "mixed"}])
    statuses = []
    for i in range(20):
        statuses.append(rampart.get(f"/mixed/{i}").status)
    # at most the first request per worker may fail; everything after the first failure works
    assert statuses.count(200) >= 18, statuses
    first_fail = next((i for i, s in enumerate(statuses) if s != 200), None)
    if first_fail is not None:
        assert all(s == 200 for s in statuses[first_fail + 2:]), statuses
    assert rampart.metric("rampart_upstream_endpoint_ejections_total") >= 1
    recs = rampart.wait_records(20, pred=lambda r: r["route"] == "mixed")
    ok = [r for r in recs if r["status"] == 200]
    assert ok and all(r["upstream_endpoint"] == backends.keepalive2.address for r in ok)


def test_h1_h1_backend_closing_connection_each_time_still_served(rampart, backends):
    """A backend that answers with Connection: close: no pooling, every request still 200."""
    for i in range(5):
        r = rampart.get(f"/backend/close/{i}", headers={"x-backend-close": "1"})
        assert r.status == 200
