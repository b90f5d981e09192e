"""HTTP/2 abuse over h2c and TLS: malformed header blocks, rapid reset, control-frame floods,
CONTINUATION floods, HPACK bombs, stream limits. rampart must refuse each one without a 200,
and keep serving afterwards."""

import json
import time

import pytest

import h2util
from h2util import (CONTINUATION, ENHANCE_YOUR_CALM, H2Client, PROTOCOL_ERROR, REFUSED_STREAM,
                    frame, goaways, headers_frame, hpack_int, hpack_literal, ping_frame,
                    raw_session, request_block, resets, response_statuses, rst_frame,
                    settings_frame, stream_settled)


def fresh_request_ok(rampart, tls=False):
    """After any abuse: a new connection gets a normal 200 (rampart did not crash)."""
    assert rampart.alive()
    with H2Client(rampart.tls_port if tls else rampart.plain_port, tls=tls) as c:
        outcome = c.get("/after-abuse")
    assert outcome[0] == "response" and outcome[1] == 200, outcome
    assert rampart.get("/after-abuse-h1").status == 200


def port_of(rampart, tls):
    return rampart.tls_port if tls else rampart.plain_port


TLS_PARAMS = pytest.mark.parametrize("tls", [False, True], ids=["h2c", "h2"])


# ------------------------------------------------------------------------------------------------
# Malformed requests: stream reset (nghttp2) or a 400 (protocol sanity), never a 200

INVALID_BLOCKS = {
    "missing_path": dict(path=None),
    "missing_method": dict(method=None),
    "missing_scheme": dict(scheme=None),
    "unknown_pseudo_header": dict(extra=[(":foo", "bar")]),
    "pseudo_after_regular": dict(extra=[("x-a", "1"), (":status", "200")]),
    "uppercase_header_name": dict(extra=[("X-Upper", "1")]),
    "connection_keep_alive": dict(extra=[("connection", "keep-alive")]),
    "keep_alive_header": dict(extra=[("keep-alive", "timeout=5")]),
    "transfer_encoding_header": dict(extra=[("transfer-encoding", "chunked")]),
    "upgrade_header": dict(extra=[("upgrade", "websocket")]),
    "te_gzip": dict(extra=[("te", "gzip")]),
    "empty_path": dict(path=""),
    "relative_path": dict(path="relative"),
    "space_in_header_name": dict(extra=[("x a", "1")]),
    "newline_in_value": dict(extra=[("x-a", "a\r\nx-injected: 1")]),
    "nul_in_value": dict(extra=[("x-a", "a\x00b")]),
    "connect_method": dict(method="CONNECT", path=None, scheme=None),
}


# What each one gets: nghttp2 resets the stream (RFC 9113 §8.1.1 malformed -> PROTOCOL_ERROR)
# before rampart sees a request; CONNECT is well-formed h2 but refused by protocol sanity.
EXPECTED_REFUSAL = {name: ("reset", PROTOCOL_ERROR) for name in INVALID_BLOCKS}
EXPECTED_REFUSAL["connect_method"] = ("status", 405, "connect_not_supported")


@TLS_PARAMS
@pytest.mark.parametrize("name", list(INVALID_BLOCKS))
def test_h2_echo_invalid_header_block_refused(rampart, tls, name):
    sock, reader = raw_session(port_of(rampart, tls), tls=tls)
    with sock:
        sock.sendall(headers_frame(1, request_block(**INVALID_BLOCKS[name])))
        frames = reader.read_until(stream_settled(1))
    statuses = response_statuses(frames)
    rsts = resets(frames)
    assert statuses.get(1) != 200, f"{name} was served: {frames}"
    expected = EXPECTED_REFUSAL[name]
    if expected[0] == "reset":
        assert 1 not in statuses, statuses
        assert rsts.get(1) == expected[1], (rsts, goaways(frames))
    else:
        assert statuses.get(1) == expected[1], (statuses, rsts)
        rec = rampart.last_record(pred=lambda r: r["protocol"] == "HTTP/2")
        assert (rec["status"], rec["reason"], rec["action"]) == (expected[1], expected[2], "block")
    assert not goaways(frames), "a malformed request is a stream error, not a connection error"
    fresh_request_ok(rampart, tls)


def test_h2c_malformed_request_has_decision_record(rampart):
    sock, reader = raw_session(rampart.plain_port)
    with sock:
        sock.sendall(headers_frame(1, request_block(path="/malformed-h2",
                                                    extra=[("connection", "keep-alive")])))
        frames = reader.read_until(stream_settled(1))
    assert resets(frames).get(1) == PROTOCOL_ERROR
    recs = rampart.wait_records(1, timeout=1.0)
    assert len(recs) == 1
    assert recs[0]["status"] == 0 and recs[0]["action"] in ("error", "reset")


def test_h2_echo_te_trailers_allowed(rampart):
    with H2Client(rampart.plain_port) as c:
        outcome = c.get("/te", extra=[("te", "trailers")])
    assert outcome[0] == "response" and outcome[1] == 200


def test_h2_echo_host_header_mismatching_authority_400(rampart):
    sock, reader = raw_session(rampart.plain_port)
    with sock:
        sock.sendall(headers_frame(1, request_block(authority="localhost",
                                                    extra=[("host", "evil.test")])))
        frames = reader.read_until(stream_settled(1))
    status = response_statuses(frames).get(1)
    assert status == 400 or 1 in resets(frames), frames
    if status == 400:
        rec = rampart.last_record(pred=lambda r: r["protocol"] == "HTTP/2")
        assert rec["reason"] == "authority_host_mismatch"


def test_h2_record_escapes_hostile_path_bytes(rampart):
    """Invalid UTF-8 in :path: 400 bad_request_target; the record stays valid JSON with the raw
    bytes as \\u00XX escapes."""
    sock, reader = raw_session(rampart.plain_port)
    with sock:
        sock.sendall(headers_frame(1, request_block(path=b"/\xc0\xaf../etc/passwd")))
        frames = reader.read_until(stream_settled(1))
    status = response_statuses(frames).get(1)
    if status is None:
        assert resets(frames).get(1) == PROTOCOL_ERROR
        return
    assert status == 400
    rec = rampart.last_record(pred=lambda r: r["protocol"] == "HTTP/2")
    assert rec["reason"] == "bad_request_target"
    raw = open(rampart.log_path, "rb").read()
    assert b"\xc0" not in raw
    assert b"/\\u00c0\\u00af../etc/passwd" in raw


# ------------------------------------------------------------------------------------------------
# Floods: GOAWAY ENHANCE_YOUR_CALM, connection closed, counted in /metrics


def assert_calm_goaway(frames, reader):
    gas = goaways(frames)
    assert gas, f"no GOAWAY in {[(f[0], f[2]) for f in frames][-10:]}"
    assert gas[-1][1] == ENHANCE_YOUR_CALM, gas
    assert reader.closed, "connection still open after GOAWAY"


@TLS_PARAMS
def test_h2_echo_rapid_reset_goaway_enhance_your_calm(rampart, tls):
    sock, reader = raw_session(port_of(rampart, tls), tls=tls)
    burst = b"".join(headers_frame(sid, request_block(path="/rapid",
                                                      extra=[("x-echo-delay-ms", "200")]))
                     + rst_frame(sid) for sid in range(1, 1001, 2))  # 500 streams
    with sock:
        try:
            sock.sendall(burst)
        except OSError:  # the server may close mid-burst (EPIPE, ECONNRESET, SSL EOF)
            pass
        frames = reader.read_until_closed(3.0)
    assert_calm_goaway(frames, reader)
    assert rampart.metric("rampart_h2_flood_detected_total") >= 1
    # the streams that were reset are logged as resets, never as served
    recs = rampart.wait_records(1, pred=lambda r: r["path"] == "/rapid")
    assert all(r["status"] in (0, 200) and r["action"] in ("reset", "allow") for r in recs)
    fresh_request_ok(rampart, tls)


@TLS_PARAMS
def test_h2_echo_resets_below_limit_tolerated(rampart, tls):
    sock, reader = raw_session(port_of(rampart, tls), tls=tls)
    with sock:
        sock.sendall(b"".join(headers_frame(sid, request_block(path="/few-resets",
                                                               extra=[("x-echo-delay-ms", "500")]))
                              + rst_frame(sid) for sid in range(1, 41, 2)))  # 20 resets
        sock.sendall(headers_frame(41, request_block(path="/after-resets")))
        frames = reader.read_until(stream_settled(41))
    assert response_statuses(frames).get(41) == 200
    assert not goaways(frames)


@TLS_PARAMS
@pytest.mark.parametrize("kind", ["settings", "ping", "window_update", "priority", "empty_data"])
def test_h2_echo_control_frame_flood_goaway(rampart, tls, kind):
    sock, reader = raw_session(port_of(rampart, tls), tls=tls)
    if kind == "settings":
        one = settings_frame([(0x4, 65535)])
    elif kind == "ping":
        one = ping_frame()
    elif kind == "window_update":
        one = frame(h2util.WINDOW_UPDATE, 0, 0, (1).to_bytes(4, "big"))
    elif kind == "priority":
        one = frame(h2util.PRIORITY, 0, 3, (0).to_bytes(4, "big") + b"\x10")
    else:
        one = b""
    if kind == "empty_data":
        prefix = headers_frame(1, request_block(method="POST", path="/flood"), end_stream=False)
        burst = prefix + frame(h2util.DATA, 0, 1, b"") * 5000
    else:
        burst = one * 5000
    with sock:
        try:
            sock.sendall(burst)
        except OSError:  # the server may close mid-burst (EPIPE, ECONNRESET, SSL EOF)
            pass
        frames = reader.read_until_closed(3.0)
    assert_calm_goaway(frames, reader)
    assert rampart.metric("rampart_h2_flood_detected_total") >= 1
    fresh_request_ok(rampart, tls)


@TLS_PARAMS
def test_h2_echo_continuation_flood_closed_within_a_second(rampart, tls):
    sock, reader = raw_session(port_of(rampart, tls), tls=tls)
    block = request_block(path="/continuation")
    start = time.monotonic()
    with sock:
        burst = headers_frame(1, block, end_stream=True, end_headers=False)
        # thousands of tiny CONTINUATION frames, never END_HEADERS
        burst += b"".join(frame(CONTINUATION, 0, 1, hpack_literal(b"x-c", b"v")) for _ in range(5000))
        try:
            sock.sendall(burst)
        except OSError:  # the server may close mid-burst (EPIPE, ECONNRESET, SSL EOF)
            pass
        frames = reader.read_until_closed(2.0)
    elapsed = time.monotonic() - start
    assert reader.closed, "connection not closed"
    assert elapsed < 1.5
    gas = goaways(frames)
    assert gas and gas[-1][1] == ENHANCE_YOUR_CALM, gas
    assert rampart.metric("rampart_h2_flood_detected_total") >= 1
    assert not response_statuses(frames)
    fresh_request_ok(rampart, tls)


@TLS_PARAMS
def test_h2_echo_continuation_within_limit_served(rampart, tls):
    sock, reader = raw_session(port_of(rampart, tls), tls=tls)
    block = request_block(path="/cont-ok")
    with sock:
        data = headers_frame(1, block, end_stream=True, end_headers=False)
        for i in range(10):
            last = i == 9
            data += frame(CONTINUATION, h2util.END_HEADERS if last else 0, 1,
                          hpack_literal(b"x-c%d" % i, b"v"))
        sock.sendall(data)
        frames = reader.read_until(stream_settled(1))
    assert response_statuses(frames).get(1) == 200


@TLS_PARAMS
def test_h2_echo_hpack_bomb_goaway(rampart, tls):
    """One 3000-byte header in the dynamic table, referenced 300 times: ~900 KB decoded from
    a ~3.3 KB block, far over max_header_bytes (32 KiB) -> GOAWAY ENHANCE_YOUR_CALM."""
    sock, reader = raw_session(port_of(rampart, tls), tls=tls)
    block = request_block(path="/bomb") + hpack_literal(b"x-bomb", b"a" * 3000, index=True)
    block += hpack_int(62, 7, 0x80) * 300  # indexed: dynamic entry 62
    with sock:
        sock.sendall(headers_frame(1, block))
        frames = reader.read_until_closed(2.0)
    assert response_statuses(frames).get(1) != 200
    gas = goaways(frames)
    statuses = response_statuses(frames)
    assert statuses.get(1) == 431 or (gas and gas[-1][1] in (ENHANCE_YOUR_CALM, 9)), frames
    if gas:
        assert reader.closed
    fresh_request_ok(rampart, tls)


@TLS_PARAMS
def test_h2_echo_headers_over_limit_431(rampart, tls):
    """40 KB of headers (over max_header_bytes 32 KiB, under the flood bound): a 431 reply."""
    extra = [(f"x-big-{i}", "v" * 2000) for i in range(20)]
    with H2Client(port_of(rampart, tls), tls=tls) as c:
        outcome = c.get("/big-headers", extra=extra)
    assert outcome[0] == "response", outcome
    assert outcome[1] == 431
    body = json.loads(outcome[3])
    assert body["reason"] == "headers_too_large"
    rec = rampart.record_for(body["request_id"])
    assert (rec["status"], rec["reason"]) == (431, "headers_too_large")
    assert rec["protocol"] == "HTTP/2"
    assert rec["action"] in ("error", "block")
    fresh_request_ok(rampart, tls)


@TLS_PARAMS
def test_h2_echo_too_many_headers_431(rampart, tls):
    extra = [(f"x-h-{i}", "v") for i in range(150)]
    with H2Client(port_of(rampart, tls), tls=tls) as c:
        outcome = c.get("/many-headers", extra=extra)
    assert outcome[0] == "response" and outcome[1] == 431, outcome
    assert json.loads(outcome[3])["reason"] == "too_many_headers"


def _settings_entries(payload):
    return {int.from_bytes(payload[i:i + 2], "big"): int.from_bytes(payload[i + 2:i + 6], "big")
            for i in range(0, len(payload), 6)}


def _ten_slow_streams():
    return b"".join(headers_frame(sid, request_block(path="/concurrent",
                                                     extra=[("x-echo-delay-ms", "300")]))
                    for sid in range(1, 21, 2))


@pytest.mark.rampart(limits={"max_concurrent_streams": 5})
@TLS_PARAMS
def test_h2_echo_streams_over_max_concurrent_refused_after_settings_ack(rampart, tls):
    """The client acknowledged SETTINGS_MAX_CONCURRENT_STREAMS=5, then opens 10 streams:
    nghttp2 treats that as a connection error (GOAWAY PROTOCOL_ERROR), never serving the excess."""
    sock, reader = raw_session(port_of(rampart, tls), tls=tls)
    with sock:
        assert _settings_entries(reader.initial[-1][3]).get(0x3) == 5
        sock.sendall(_ten_slow_streams())
        frames = reader.read_until_closed(3.0)
    statuses = response_statuses(frames)
    rsts = resets(frames)
    gas = goaways(frames)
    assert not [sid for sid in statuses if sid > 9], statuses
    refused = {sid for sid, code in rsts.items() if code == REFUSED_STREAM}
    assert (gas and gas[-1][1] == PROTOCOL_ERROR and gas[-1][0] <= 9) or \
        refused == set(range(11, 21, 2)), (statuses, rsts, gas)
    fresh_request_ok(rampart, tls)


@pytest.mark.rampart(limits={"max_concurrent_streams": 5})
def test_h2c_echo_streams_over_max_concurrent_refused_before_settings_ack(rampart):
    """Streams opened before the client has seen the limit: the excess gets REFUSED_STREAM
    (safe to retry), the first 5 are served."""
    sock = h2util.connect(rampart.plain_port)
    reader = h2util.FrameReader(sock)
    with sock:
        sock.sendall(h2util.PREFACE + settings_frame() + _ten_slow_streams())
        frames = reader.read_until(
            lambda fs: len([1 for f in fs if f[0] == h2util.DATA and f[1] & h2util.END_STREAM])
            + len(resets(fs)) >= 10 or bool(goaways(fs)), timeout=5.0)
    statuses = response_statuses(frames)
    rsts = resets(frames)
    assert statuses == {sid: 200 for sid in (1, 3, 5, 7, 9)}, (statuses, rsts)
    assert rsts == {sid: REFUSED_STREAM for sid in range(11, 21, 2)}, rsts
    fresh_request_ok(rampart)


def test_h2_echo_many_sequential_streams_one_connection(rampart):
    with H2Client(rampart.plain_port) as c:
        for i in range(50):
            outcome = c.get(f"/seq/{i}")
            assert outcome[0] == "response" and outcome[1] == 200


def test_h2_echo_post_body_and_record(rampart):
    body = b"z" * 60000
    with H2Client(rampart.plain_port) as c:
        sid = c.request([(":method", "POST"), (":scheme", "http"), (":authority", "localhost"),
                         (":path", "/h2post"), ("content-length", str(len(body)))], body=body)
        outcome = c.wait_stream(sid)
    assert outcome[0] == "response" and outcome[1] == 200
    summary = json.loads(outcome[3])
    assert summary["body_length"] == len(body)
    rec = rampart.record_for(outcome[2]["x-request-id"])
    assert rec["bytes_in"] == len(body) and rec["protocol"] == "HTTP/2"


def test_h2_body_over_route_limit_413(rampart):
    with H2Client(rampart.plain_port) as c:
        sid = c.request([(":method", "POST"), (":scheme", "http"), (":authority", "localhost"),
                         (":path", "/small/x")], body=b"q" * 4000)
        outcome = c.wait_stream(sid)
    assert outcome[0] in ("response", "response-reset") and outcome[1] == 413, outcome
    body = json.loads(outcome[3])
    rec = rampart.record_for(body["request_id"])
    assert (rec["status"], rec["reason"], rec["action"]) == (413, "body_too_large", "block")
