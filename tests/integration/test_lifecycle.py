"""The process around the data path: validate/version, reload (SIGHUP and POST /reload), graceful
drain on SIGTERM, the admin endpoints, and the decision record's one-line-per-request contract."""

import copy
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from collections import OrderedDict
from pathlib import Path

import pytest

from conftest import BINARY, REPO, RawConn
import h2util

RECORD_KEYS = ["time", "request_id", "client_ip", "client_port", "listener", "tls_version", "alpn",
               "sni", "ja4", "ja4_r", "ja3", "protocol", "method", "authority", "path", "route", "upstream_cluster",
               "upstream_endpoint", "status", "action", "reason", "phase", "bytes_in", "bytes_out",
               "duration_us", "upstream_duration_us", "late_reset", "waf_mode",
               "inbound_anomaly_score", "outbound_anomaly_score", "rules", "intervention", "waf_error",
               "rate_limits", "canonical_target", "body_parser", "body_inspection",
               "canonical_anomalies", "body_views", "signature_mode", "signature_score", "signatures",
               "country", "asn", "as_org", "ip_lists", "client_policy", "client_policy_reason",
               "bot_score", "bot_category", "bot_action", "bot_components", "verified_bot",
               "ua_family", "ua_version", "h2_fingerprint", "header_order",
               "challenge_requested_by", "challenge", "clearance"]


def run_cli(*args, cwd=None):
    return subprocess.run([BINARY, *args], capture_output=True, timeout=20, cwd=cwd)


# ------------------------------------------------------------------------------------------------
# validate / version


def test_cli_validate_demo_config_ok(tmp_path, certs):
    # demo.yaml names examples/certs/demo.{crt,key} relative to the working directory
    (tmp_path / "examples" / "certs").mkdir(parents=True)
    shutil.copy(certs["default"].cert, tmp_path / "examples" / "certs" / "demo.crt")
    shutil.copy(certs["default"].key, tmp_path / "examples" / "certs" / "demo.key")
    shutil.copy(REPO / "examples" / "demo.yaml", tmp_path / "examples" / "demo.yaml")
    p = run_cli("validate", "examples/demo.yaml", cwd=tmp_path)
    assert p.returncode == 0, p.stderr.decode()


def test_cli_validate_harness_config_ok(rampart):
    p = run_cli("validate", str(rampart.config_path))
    assert p.returncode == 0, p.stderr.decode()


BAD_CONFIGS = {
    "unknown_top_level_key": ("workers: 1\nlisenters: []\n", 2, "lisenters"),
    "unknown_nested_key": ("listeners:\n  - name: a\n    address: 127.0.0.1:0\n    protocol: [http1]\n"
                           "clusters:\n  - name: e\n    type: echo\nroutes:\n  - name: r\n    cluster: e\n",
                           4, "protocol"),
    "bad_type_string_for_int": ("workers: \"two\"\nlisteners:\n  - name: a\n    address: 127.0.0.1:0\n"
                                "clusters:\n  - name: e\n    type: echo\nroutes:\n  - name: r\n    cluster: e\n",
                                1, "workers"),
    "bad_type_limit": ("listeners:\n  - name: a\n    address: 127.0.0.1:0\nlimits:\n"
                       "  header_timeout_ms: 1.5\nclusters:\n  - name: e\n    type: echo\n"
                       "routes:\n  - name: r\n    cluster: e\n", 5, "header_timeout_ms"),
    "bad_bool": ("listeners:\n  - name: a\n    address: 127.0.0.1:0\nforwarding:\n"
                 "  trust_incoming_forwarded: yes-please\nclusters:\n  - name: e\n    type: echo\n"
                 "routes:\n  - name: r\n    cluster: e\n", 5, "trust_incoming_forwarded"),
    "unknown_cluster": ("listeners:\n  - name: a\n    address: 127.0.0.1:0\n"
                        "clusters:\n  - name: e\n    type: echo\nroutes:\n  - name: r\n    cluster: nope\n",
                        None, "nope"),
}


@pytest.mark.parametrize("name", list(BAD_CONFIGS))
def test_cli_validate_bad_config_reports_file_line(tmp_path, name):
    text, line, needle = BAD_CONFIGS[name]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    p = run_cli("validate", str(path))
    err = p.stderr.decode()
    assert p.returncode != 0
    m = re.search(re.escape(str(path)) + r":(\d+)(:\d+)?:", err)
    assert m, f"no FILE:LINE in {err!r}"
    if line is not None:
        assert int(m.group(1)) == line, err
    assert needle in err


def test_cli_serve_bad_config_exits_nonzero(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("workers: 1\nlisenters: []\n")
    p = subprocess.run([BINARY, "serve", "--config", str(path)], capture_output=True, timeout=20)
    assert p.returncode != 0
    assert f"{path}:2" in p.stderr.decode()


def test_cli_version_prints_version():
    p = run_cli("version")
    assert p.returncode == 0
    out = p.stdout.decode()
    assert re.match(r"rampart \d+\.\d+\.\d+", out), out


def test_cli_usage_errors_nonzero():
    assert run_cli().returncode != 0
    assert run_cli("frobnicate").returncode != 0


# ------------------------------------------------------------------------------------------------
# Reload


def with_new_route(config, name="fresh", prefix="/fresh/"):
    new = copy.deepcopy(config)
    new["routes"].insert(0, {"name": name, "hosts": ["*"], "path_prefix": prefix, "cluster": "echo"})
    return new


@pytest.mark.parametrize("via", ["http", "sighup"])
def test_reload_good_config_new_route_reachable(rampart, via):
    gen = rampart.generation()
    assert rampart.get("/fresh/x").status == 200  # matched by "default" before the reload
    assert rampart.record_for(rampart.get("/fresh/y").header("x-request-id"))["route"] == "default"
    result = rampart.reload(with_new_route(rampart.config), via=via)
    if via == "http":
        status, body = result
        assert status == 200, body
        assert body["status"] == "ok" and body["generation"] == gen + 1
    else:
        assert result == gen + 1
    assert rampart.generation() == gen + 1
    r = rampart.get("/fresh/z")
    assert r.status == 200
    assert rampart.record_for(r.header("x-request-id"))["route"] == "fresh"
    assert rampart.metric("rampart_config_generation") == gen + 1
    assert rampart.metric("rampart_config_reloads_total") >= 1


def test_reload_changes_limits_for_new_connections(rampart):
    new = copy.deepcopy(rampart.config)
    new["routes"] = [dict(r, max_body_bytes=10) if r["name"] == "default" else r for r in new["routes"]]
    status, _ = rampart.reload(new)
    assert status == 200
    r = rampart.get("/limited", method="POST", body=b"x" * 100)
    assert r.status == 413


@pytest.mark.parametrize("via", ["http", "sighup"])
def test_reload_unknown_key_refused_old_config_serves(rampart, via):
    gen = rampart.generation()
    bad = with_new_route(rampart.config)
    bad["routes"][0]["pathprefix"] = "/typo/"
    old = rampart.config
    if via == "http":
        status, body = rampart.reload(bad)
        assert status == 400
        assert body["status"] == "error"
        assert body["reason"]
        assert "pathprefix" in body["detail"]
        assert re.search(r":\d+:\d+:", body["detail"]), body
    else:
        assert rampart.reload(bad, via="sighup") == gen
        assert "reload refused" in rampart.stderr()
    assert rampart.generation() == gen
    assert rampart.config is old
    r = rampart.get("/fresh/x")
    assert r.status == 200
    assert rampart.record_for(r.header("x-request-id"))["route"] == "default"
    assert rampart.metric("rampart_config_reload_failures_total") >= 1


def test_reload_listener_change_refused(rampart):
    gen = rampart.generation()
    new = copy.deepcopy(rampart.config)
    new["listeners"][0]["protocols"] = ["http1"]
    status, body = rampart.reload(new)
    assert status == 400
    assert "listener" in body["detail"]
    assert rampart.generation() == gen


def test_reload_bad_yaml_refused(rampart):
    gen = rampart.generation()
    rampart.config_path.write_text("listeners: [\n")
    status, body = rampart.admin("POST", "/reload")
    assert status == 400
    assert rampart.generation() == gen
    assert rampart.get("/still-here").status == 200
    rampart.write_config(rampart.config)  # leave a good file for teardown


def test_reload_in_flight_request_completes(rampart):
    results = {}

    def slow():
        results["resp"] = rampart.get("/inflight", headers={"x-echo-delay-ms": "1500"}, timeout=10)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)
    status, body = rampart.reload(with_new_route(rampart.config, prefix="/inflight"))
    assert status == 200
    t.join(10)
    resp = results["resp"]
    assert resp.status == 200
    rec = rampart.record_for(resp.header("x-request-id"))
    assert rec["route"] == "default"  # it keeps the generation it started with
    assert rec["duration_us"] >= 1_400_000
    r = rampart.get("/inflight")
    assert rampart.record_for(r.header("x-request-id"))["route"] == "fresh"


def test_admin_reload_requires_post(rampart):
    status, body = rampart.admin("GET", "/reload")
    assert status == 405


# ------------------------------------------------------------------------------------------------
# Graceful drain


def connect_refused(port, timeout=2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=0.5)
        except ConnectionRefusedError:
            return True
        except OSError:
            return True
        s.close()
        time.sleep(0.05)
    return False


def test_drain_sigterm_in_flight_h1_completes(rampart):
    results = {}

    def slow():
        results["resp"] = rampart.get("/drain", headers={"x-echo-delay-ms": "1500"}, timeout=10)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)
    rampart.signal(signal.SIGTERM)
    # new connections are refused shortly after; admin says draining meanwhile
    assert connect_refused(rampart.plain_port), "still accepting after SIGTERM"
    assert connect_refused(rampart.tls_port)
    try:
        status, _ = rampart.admin("GET", "/readyz", timeout=1)
        assert status == 503
    except OSError:
        pass
    t.join(10)
    resp = results["resp"]
    assert resp.status == 200
    assert resp.header("connection") == "close"
    assert rampart.proc.wait(timeout=10) == 0
    rec = rampart.record_for(resp.header("x-request-id"))  # the writer drained before exit
    assert rec["status"] == 200


@pytest.mark.parametrize("tls", [False, True], ids=["h2c", "h2"])
def test_drain_sigterm_h2_goaway_and_stream_completes(rampart, tls):
    # raw frames: python3-h2 drops frames that follow a GOAWAY, a graceful drain sends more
    sock, reader = h2util.raw_session(rampart.tls_port if tls else rampart.plain_port, tls=tls)
    with sock:
        sock.sendall(h2util.headers_frame(1, h2util.request_block(
            path="/drain-h2", extra=[("x-echo-delay-ms", "1500")])))
        time.sleep(0.3)
        rampart.signal(signal.SIGTERM)
        frames = reader.read_until_closed(5.0)
    gas = h2util.goaways(frames)
    assert gas, "no GOAWAY"
    assert gas[0] == (1, h2util.NO_ERROR)
    assert h2util.response_statuses(frames).get(1) == 200
    assert any(f[0] == h2util.DATA and f[2] == 1 and f[1] & h2util.END_STREAM for f in frames)
    assert reader.closed
    assert rampart.proc.wait(timeout=10) == 0


def test_drain_idle_connections_closed_promptly(rampart):
    c = RawConn(rampart.plain_port)
    c.send(b"GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert c.read_response().status == 200
    start = time.monotonic()
    rampart.signal(signal.SIGTERM)
    assert c.is_closed(3.0)
    c.close()
    assert rampart.proc.wait(timeout=10) == 0
    assert time.monotonic() - start < 2.5


@pytest.mark.rampart(limits={"drain_timeout_ms": 500})
def test_drain_timeout_cuts_long_request(rampart):
    results = {}

    def slow():
        try:
            results["resp"] = rampart.get("/too-slow", headers={"x-echo-delay-ms": "5000"}, timeout=10)
        except (ConnectionError, OSError) as e:
            results["err"] = e

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)
    start = time.monotonic()
    rampart.signal(signal.SIGTERM)
    assert rampart.proc.wait(timeout=10) == 0
    assert time.monotonic() - start < 3
    t.join(10)
    assert "err" in results or results["resp"].status != 200
    recs = rampart.records()
    cut = [r for r in recs if r["path"] == "/too-slow"]
    assert len(cut) == 1 and cut[0]["status"] == 0 and cut[0]["action"] == "reset"


# ------------------------------------------------------------------------------------------------
# Admin


def test_admin_healthz_readyz(rampart):
    status, body = rampart.admin("GET", "/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, body = rampart.readyz()
    assert status == 200 and body["status"] == "ready" and body["generation"] == 1
    status, _ = rampart.admin("GET", "/nope")
    assert status == 404


def test_admin_metrics_exposition(rampart):
    for _ in range(3):
        assert rampart.get("/m").status == 200
    assert rampart.get("/", host="nowhere.invalid").status == 404
    rampart.get("/small/x", method="POST", body=b"x" * 2000)
    # the metrics are collected from the workers; wait for the records to be sure all finished
    rampart.wait_records(5)
    text = rampart.metrics()
    assert re.search(r'^rampart_requests_total\{route="default",status="200",reason="ok"\} 3$', text, re.M), text
    assert re.search(r'^rampart_requests_total\{route="",status="404",reason="no_route"\} 1$', text, re.M)
    assert re.search(r'^rampart_requests_total\{route="small",status="413",reason="body_too_large"\} 1$',
                     text, re.M)
    assert re.search(r'^rampart_request_duration_seconds_bucket\{route="default",le="\+Inf"\} 3$', text, re.M)
    assert re.search(r'^rampart_request_duration_seconds_bucket\{route="default",le="0.005"\} \d+$', text, re.M)
    assert re.search(r"^rampart_request_duration_seconds_count\{route=\"default\"\} 3$", text, re.M)
    assert re.search(r"^rampart_downstream_connections_active \d+$", text, re.M)
    assert re.search(r"^rampart_downstream_streams_active \d+$", text, re.M)
    assert rampart.metric("rampart_downstream_connections_total") >= 5
    # every sample line parses as Prometheus text
    for line in text.splitlines():
        if line and not line.startswith("#"):
            assert re.match(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eEInfNa]+$', line), line


def test_admin_metrics_active_connections_gauge(rampart):
    conns = [RawConn(rampart.plain_port) for _ in range(3)]
    try:
        for c in conns:
            c.send(b"GET /g HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert c.read_response().status == 200
        assert rampart.metric("rampart_downstream_connections_active") == 3
    finally:
        for c in conns:
            c.close()
    deadline = time.monotonic() + 2
    while rampart.metric("rampart_downstream_connections_active") != 0:
        assert time.monotonic() < deadline, "gauge did not return to 0"
        time.sleep(0.05)


# ------------------------------------------------------------------------------------------------
# Decision record


def test_record_exactly_one_line_per_request_for_a_mix(rampart):
    expected = {}
    for i in range(8):
        r = rampart.get(f"/ok/{i}")
        expected[r.header("x-request-id")] = (200, "ok", "allow")
    for i in range(4):
        r = rampart.get(f"/{i}", host="nowhere.invalid")
        expected[r.header("x-request-id")] = (404, "no_route", "error")
    for i in range(4):
        r = rampart.get(f"/small/{i}", method="POST", body=b"x" * 2000)
        expected[r.header("x-request-id")] = (413, "body_too_large", "block")
    for i in range(4):
        with RawConn(rampart.plain_port) as c:
            c.send(b"GET /bad HTTP/1.1\r\nHost: localhost\r\nX-A : b\r\n\r\n")
            r = c.read_response()
        expected[r.header("x-request-id")] = (400, "bad_header_name", "error")
    assert len(expected) == 20
    recs = rampart.wait_records(20)
    time.sleep(0.2)
    recs = rampart.records()
    assert len(recs) == 20, [r["path"] for r in recs]
    assert {r["request_id"] for r in recs} == set(expected)
    for r in recs:
        assert (r["status"], r["reason"], r["action"]) == expected[r["request_id"]], r
    # the raw lines: one JSON object per line, fixed key order, no pretty printing
    lines = Path(rampart.log_path).read_text().split("\n")
    assert lines[-1] == "" and len(lines) == 21
    for line in lines[:-1]:
        obj = json.loads(line, object_pairs_hook=OrderedDict)
        assert list(obj.keys()) == RECORD_KEYS


def test_record_field_types_and_values(rampart):
    r = rampart.get("/typed?q=1", method="POST", body=b"abc")
    rec = rampart.record_for(r.header("x-request-id"))
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", rec["time"]), rec["time"]
    assert rec["client_ip"] == "127.0.0.1"
    assert isinstance(rec["client_port"], int) and rec["client_port"] > 0
    assert rec["listener"] == "plain"
    assert rec["method"] == "POST" and rec["path"] == "/typed?q=1"
    assert rec["authority"] == "localhost"
    assert rec["route"] == "default" and rec["upstream_cluster"] == "echo"
    assert rec["upstream_endpoint"] == "echo"
    assert rec["phase"] == ""
    assert rec["bytes_in"] == 3 and rec["bytes_out"] == len(r.body)
    assert rec["duration_us"] >= rec["upstream_duration_us"] >= 0
    assert rec["late_reset"] is False


def test_record_client_abort_logged_as_reset(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"GET /abandon HTTP/1.1\r\nHost: localhost\r\nx-echo-delay-ms: 500\r\n\r\n")
        time.sleep(0.1)
        # an abort (RST), not a half-close: SO_LINGER 0
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    recs = rampart.wait_records(1, timeout=3, pred=lambda r: r["path"] == "/abandon")
    assert len(recs) == 1
    assert recs[0]["action"] == "reset" and recs[0]["status"] == 0
    assert recs[0]["reason"] not in ("", "ok")


def test_record_log_reopen_on_sigusr1(rampart):
    rampart.get("/before-rotate")
    rampart.wait_records(1)
    rotated = Path(rampart.log_path + ".1")
    os.rename(rampart.log_path, rotated)
    rampart.signal(signal.SIGUSR1)
    time.sleep(0.3)
    r = rampart.get("/after-rotate")
    rec = rampart.record_for(r.header("x-request-id"))
    assert rec["path"] == "/after-rotate"
    assert "/before-rotate" in rotated.read_text()
    assert "/after-rotate" not in rotated.read_text()


def test_h1_half_close_after_request_still_answered(rampart):
    """A client that shuts down its sending side after the request still gets the response."""
    with RawConn(rampart.plain_port) as c:
        c.send(b"GET /half HTTP/1.1\r\nHost: localhost\r\nx-echo-delay-ms: 300\r\n\r\n")
        c.sock.shutdown(socket.SHUT_WR)
        resp = c.read_response()
        assert resp.status == 200
        assert c.is_closed(2.0)
    assert rampart.record_for(resp.header("x-request-id"))["action"] == "allow"
