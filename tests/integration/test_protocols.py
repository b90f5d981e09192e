"""Every downstream protocol against the echo upstream and a real HTTP/1.1 backend: bodies,
downloads, 100-continue, keep-alive, pipelining, forwarding headers, hop-by-hop, SNI, routing."""

import os
import re
import subprocess

import pytest

from conftest import RawConn, sha256_hex

SIZES = {"0b": 0, "small": 1000, "64k": 64 * 1024, "10m": 10 * 1024 * 1024}
PROTOCOLS = ["h1", "h1tls", "h2", "h2c"]


@pytest.fixture(scope="module")
def bodies(tmp_path_factory):
    d = tmp_path_factory.mktemp("bodies")
    out = {}
    for name, size in SIZES.items():
        data = os.urandom(size)
        p = d / f"{name}.bin"
        p.write_bytes(data)
        out[name] = (p, data)
    return out


def proto_args(rampart, proto, path):
    """curl arguments that make `proto` the downstream protocol for `path`."""
    if proto == "h1":
        return ["--http1.1", rampart.http_url + path]
    if proto == "h1tls":
        return ["--http1.1"] + rampart.curl_tls_args() + [rampart.https_url + path]
    if proto == "h2":
        return ["--http2"] + rampart.curl_tls_args() + [rampart.https_url + path]
    if proto == "h2c":
        return ["--http2-prior-knowledge", rampart.http_url + path]
    raise ValueError(proto)


def expected_version(proto):
    return "2" if proto in ("h2", "h2c") else "1.1"


def check_record(rampart, res, proto, *, status=200, route=None, bytes_in=None, bytes_out=None):
    rid = res.header("x-request-id")
    assert rid, f"no x-request-id in {res.headers}"
    rec = rampart.record_for(rid)
    assert rec["status"] == status
    assert rec["action"] == "allow"
    assert rec["reason"] == "ok"
    assert rec["protocol"] == ("HTTP/2" if proto in ("h2", "h2c") else "HTTP/1.1")
    if proto in ("h1tls", "h2"):
        assert rec["listener"] == "tls"
        assert rec["tls_version"].startswith("TLSv1.")
        assert rec["alpn"] == ("h2" if proto == "h2" else "http/1.1")
        assert rec["sni"] == "localhost"
    else:
        assert rec["listener"] == "plain"
        assert rec["tls_version"] == ""
    if route:
        assert rec["route"] == route
    if bytes_in is not None:
        assert rec["bytes_in"] == bytes_in
    if bytes_out is not None:
        assert rec["bytes_out"] == bytes_out
    return rec


# ------------------------------------------------------------------------------------------------
# Bodies over every protocol, to echo and to the Python backend


@pytest.mark.parametrize("proto", PROTOCOLS)
@pytest.mark.parametrize("target", ["echo", "backend"])
def test_proto_get_no_body_roundtrip(rampart, proto, target):
    path = "/echo/get" if target == "echo" else "/backend/get"
    res = rampart.curl(proto_args(rampart, proto, path))
    assert res.rc == 0, res.stderr
    assert res.status == 200
    assert res.http_version == expected_version(proto)
    summary = res.json()
    assert summary["method"] == "GET"
    assert summary["path"] == path
    assert summary["body_length"] == 0
    check_record(rampart, res, proto, route="default" if target == "echo" else "backend",
                 bytes_in=0, bytes_out=len(res.body))


@pytest.mark.parametrize("proto", PROTOCOLS)
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("target", ["echo", "backend"])
def test_proto_post_body_roundtrip(rampart, bodies, proto, size, target):
    """curl streams the file (--data-binary @file); the upstream sees the same length and hash."""
    path_file, data = bodies[size]
    path = "/echo/post" if target == "echo" else "/backend/post"
    res = rampart.curl(["--data-binary", f"@{path_file}", "-H", "Content-Type: application/octet-stream"]
                       + proto_args(rampart, proto, path), timeout=60)
    assert res.rc == 0, res.stderr
    assert res.status == 200
    assert res.http_version == expected_version(proto)
    summary = res.json()
    assert summary["method"] == "POST"
    assert summary["body_length"] == len(data)
    assert summary["body_sha256"] == sha256_hex(data)
    if target == "echo":
        assert res.header("x-echo-body-sha256") == sha256_hex(data)
        assert res.header("x-echo-body-length") == str(len(data))
    check_record(rampart, res, proto, bytes_in=len(data), bytes_out=len(res.body))


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_proto_echo_download_10m(rampart, proto):
    n = 10 * 1024 * 1024
    res = rampart.curl(["-H", f"x-echo-response-bytes: {n}"] + proto_args(rampart, proto, "/dl"),
                       timeout=60)
    assert res.rc == 0, res.stderr
    assert res.status == 200
    assert res.http_version == expected_version(proto)
    assert len(res.body) == n
    assert res.body == b"r" * n
    check_record(rampart, res, proto, bytes_out=n)


@pytest.mark.parametrize("proto", ["h1", "h2"])
def test_proto_h1_backend_download_10m(rampart, proto):
    n = 10 * 1024 * 1024
    res = rampart.curl(["-H", f"x-backend-response-bytes: {n}"]
                       + proto_args(rampart, proto, "/backend/dl"), timeout=60)
    assert res.rc == 0, res.stderr
    assert res.status == 200
    assert len(res.body) == n
    check_record(rampart, res, proto, route="backend", bytes_out=n)


@pytest.mark.parametrize("target", ["echo", "backend"])
def test_h1_h1_chunked_upload(rampart, bodies, target):
    path_file, data = bodies["64k"]
    path = "/echo/chunked" if target == "echo" else "/backend/chunked"
    res = rampart.curl(["--http1.1", "-H", "Transfer-Encoding: chunked", "--data-binary",
                        f"@{path_file}", rampart.http_url + path])
    assert res.rc == 0, res.stderr
    assert res.status == 200
    summary = res.json()
    assert summary["body_length"] == len(data)
    assert summary["body_sha256"] == sha256_hex(data)
    check_record(rampart, res, "h1", bytes_in=len(data))


def test_h1_echo_raw_chunked_upload_with_extensions(rampart):
    body = b"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    with RawConn(rampart.plain_port) as c:
        c.send(b"POST /c HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
        r = c.read_response()
    assert r.status == 200
    assert r.json()["body_length"] == 11
    assert r.json()["body_sha256"] == sha256_hex(b"hello world")


def test_h1_echo_expect_100_continue_curl_large_body(rampart, bodies):
    path_file, data = bodies["10m"]
    res = rampart.curl(["--http1.1", "-v", "-H", "Expect: 100-continue", "--data-binary",
                        f"@{path_file}", rampart.http_url + "/expect"], timeout=60)
    assert res.status == 200
    assert 100 in res.statuses or "100 Continue" in res.stderr
    assert res.json()["body_sha256"] == sha256_hex(data)


def test_h1_echo_expect_100_continue_raw(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"POST /expect HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
               b"Expect: 100-continue\r\n\r\n")
        interim = c.read_until(b"\r\n\r\n")
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n"), interim
        c.send(b"hello")
        r = c.read_response()
    assert r.status == 200
    assert r.json()["body_length"] == 5
    # the echo (the upstream) must not see Expect: rampart answered it
    assert "expect" not in [h[0] for h in r.json()["headers"]]


def test_h1_backend_expect_100_continue_raw(rampart, backends):
    with RawConn(rampart.plain_port) as c:
        c.send(b"POST /backend/expect HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
               b"Expect: 100-continue\r\n\r\n")
        interim = c.read_until(b"\r\n\r\n")
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n"), interim
        c.send(b"hello")
        r = c.read_response()
    assert r.status == 200
    assert r.json()["body_length"] == 5


def test_h10_echo_request_closes_connection(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"GET /old HTTP/1.0\r\nHost: localhost\r\n\r\n")
        r = c.read_response()
        assert r.status == 200
        assert r.json()["path"] == "/old"
        assert c.is_closed(2.0)
    rec = rampart.record_for(r.header("x-request-id"))
    assert rec["protocol"] == "HTTP/1.0" or rec["protocol"].startswith("HTTP/1")


def test_h10_h1_without_host_routed_by_wildcard_and_given_a_host_upstream(rampart):
    """HTTP/1.0 may omit Host: it routes as host "" (only "*" routes match) and the HTTP/1.1
    upstream request gets the endpoint as its Host."""
    with RawConn(rampart.plain_port) as c:
        c.send(b"GET /backend/old-no-host HTTP/1.0\r\n\r\n")
        resp = c.read_response()
    assert resp.status == 200
    body = resp.json()
    assert body["path"] == "/backend/old-no-host"
    sent = {k.lower(): v for k, v in body["headers"]}
    assert sent["host"].startswith("127.0.0.1:")
    rec = rampart.record_for(resp.header("x-request-id"))
    assert (rec["authority"], rec["reason"]) == ("", "ok")


def test_h1_echo_head_has_no_body(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"HEAD /head HTTP/1.1\r\nHost: localhost\r\n\r\n")
        r = c.read_response(head_request=True)
        assert r.status == 200
        # no body bytes follow; the connection stays usable
        assert not c.is_closed(0.5)
        assert c.buf == b""
        c.send(b"GET /after-head HTTP/1.1\r\nHost: localhost\r\n\r\n")
        r2 = c.read_response()
        assert r2.status == 200
        assert r2.json()["path"] == "/after-head"


def test_h1_backend_head_has_no_body(rampart):
    with RawConn(rampart.plain_port) as c:
        c.send(b"HEAD /backend/head HTTP/1.1\r\nHost: localhost\r\n\r\n")
        r = c.read_response(head_request=True)
        assert r.status == 200
        assert not c.is_closed(0.5)
        assert c.buf == b""


@pytest.mark.parametrize("target", ["echo", "backend"])
def test_h1_pipelined_requests_answered_in_order(rampart, target):
    prefix = "" if target == "echo" else "/backend"
    with RawConn(rampart.plain_port) as c:
        c.send(f"GET {prefix}/first HTTP/1.1\r\nHost: localhost\r\n\r\n"
               f"POST {prefix}/second HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc"
               .encode())
        r1 = c.read_response()
        r2 = c.read_response()
    assert (r1.status, r2.status) == (200, 200)
    assert r1.json()["path"] == f"{prefix}/first"
    assert r2.json()["path"] == f"{prefix}/second"
    assert r2.json()["body_length"] == 3
    assert r1.header("x-request-id") != r2.header("x-request-id")


def test_h1_keepalive_curl_two_urls_one_connection(rampart):
    p = subprocess.run(["curl", "-sS", "--http1.1", "--max-time", "10", "-o", "/dev/null", "-o",
                        "/dev/null", "-w", "%{http_code} %{num_connects}\\n",
                        rampart.http_url + "/a", rampart.http_url + "/b"],
                       capture_output=True, timeout=15)
    lines = p.stdout.decode().split()
    assert p.returncode == 0, p.stderr
    assert lines == ["200", "1", "200", "0"]  # the second transfer made no new connection


def test_h1_backend_upstream_connections_are_reused(rampart, backends):
    before = backends.keepalive.connections
    n = 40
    with RawConn(rampart.plain_port) as c:
        for i in range(n):
            c.send(f"GET /backend/reuse/{i} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
            r = c.read_response()
            assert r.status == 200
    # separate downstream connections (spread over both workers) reuse the pools too
    for i in range(n):
        r = rampart.get(f"/backend/reuse-new-conn/{i}")
        assert r.status == 200
    used = backends.keepalive.connections - before
    assert 1 <= used <= 4, f"{used} backend connections for {2 * n} requests"
    assert rampart.metric("rampart_upstream_pool_reuse_total") >= 2 * n - 4


# ------------------------------------------------------------------------------------------------
# Real HTTP/2 clients


@pytest.mark.parametrize("scheme", ["h2c", "h2"])
def test_h2_echo_nghttp_succeeds(rampart, scheme):
    url = rampart.http_url + "/nghttp" if scheme == "h2c" else \
        f"https://127.0.0.1:{rampart.tls_port}/nghttp"
    p = subprocess.run(["nghttp", "-nv", "-t", "10", url], capture_output=True, timeout=20)
    out = p.stdout.decode(errors="replace")
    assert p.returncode == 0, out + p.stderr.decode(errors="replace")
    assert re.search(r":status: 200", out), out
    assert "SETTINGS_MAX_CONCURRENT_STREAMS" in out


def _h2load(url):
    p = subprocess.run(["h2load", "-n", "200", "-c", "4", "-m", "10", url],
                       capture_output=True, timeout=60)
    out = p.stdout.decode(errors="replace")
    assert p.returncode == 0, out + p.stderr.decode(errors="replace")
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                  r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
    assert m, out
    total, started, done, ok, failed, errored, timeout = map(int, m.groups())
    assert (done, ok, failed, errored, timeout) == (200, 200, 0, 0, 0), out
    assert re.search(r"status codes: 200 2xx, 0 3xx, 0 4xx, 0 5xx", out), out
    return out


def test_h2c_echo_h2load_no_errors(rampart):
    _h2load(rampart.http_url + "/load")
    recs = rampart.wait_records(200, pred=lambda r: r["path"] == "/load")
    assert len(recs) == 200
    assert all(r["status"] == 200 and r["protocol"] == "HTTP/2" for r in recs)


def test_h2_echo_h2load_tls_no_errors(rampart):
    _h2load(f"https://127.0.0.1:{rampart.tls_port}/load")


def test_h2c_backend_h2load_no_errors(rampart, backends):
    before = backends.keepalive.connections
    _h2load(rampart.http_url + "/backend/load")
    # 40 concurrent streams need several connections, but never one per request
    assert backends.keepalive.connections - before < 100


# ------------------------------------------------------------------------------------------------
# Forwarding headers and hop-by-hop stripping


def backend_headers(summary):
    out = {}
    for k, v in summary["headers"]:
        out.setdefault(k.lower(), []).append(v)
    return out


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_proto_backend_forwarding_headers_replaced(rampart, proto):
    res = rampart.curl(["-H", "X-Forwarded-For: 6.6.6.6", "-H", "X-Forwarded-Proto: gopher",
                        "-H", "X-Forwarded-Host: evil.test", "-H", "X-Request-Id: client-chosen-id"]
                       + proto_args(rampart, proto, "/backend/fwd"))
    assert res.status == 200, res.stderr
    h = backend_headers(res.json())
    assert h["x-forwarded-for"] == ["127.0.0.1"]
    assert h["x-forwarded-proto"] == ["https" if proto in ("h1tls", "h2") else "http"]
    assert h["x-forwarded-host"] == [f"localhost:{rampart.tls_port}"
                                     if proto in ("h1tls", "h2") else f"127.0.0.1:{rampart.plain_port}"]
    assert len(h["x-request-id"]) == 1
    rid = h["x-request-id"][0]
    assert rid != "client-chosen-id"
    assert res.header("x-request-id") == rid
    rec = rampart.record_for(rid)
    assert rec["request_id"] == rid
    assert rec["upstream_endpoint"] == rampart.backends.keepalive.address
    assert rec["upstream_duration_us"] >= 0


@pytest.mark.rampart(forwarding={"trust_incoming_forwarded": True, "trust_incoming_request_id": True})
def test_h1_backend_trusted_forwarding_headers_appended(rampart):
    r = rampart.get("/backend/trusted", headers={"X-Forwarded-For": "6.6.6.6",
                                                 "X-Request-Id": "lb-id-123"})
    assert r.status == 200
    h = backend_headers(r.json())
    assert h["x-forwarded-for"] == ["6.6.6.6, 127.0.0.1"]
    assert h["x-request-id"] == ["lb-id-123"]
    assert r.header("x-request-id") == "lb-id-123"
    assert rampart.record_for("lb-id-123")["status"] == 200


def test_h1_backend_request_hop_by_hop_headers_stripped(rampart):
    r = rampart.get("/backend/hop", headers={
        "Connection": "x-foo, keep-alive",
        "X-Foo": "secret",
        "Keep-Alive": "timeout=300",
        "TE": "trailers",
        "Upgrade": "websocket",
        "Proxy-Connection": "keep-alive",
        "X-End-To-End": "kept",
    })
    assert r.status == 200
    h = backend_headers(r.json())
    for name in ("connection", "x-foo", "keep-alive", "te", "upgrade", "proxy-connection"):
        assert name not in h, f"{name} reached the backend: {h}"
    assert h["x-end-to-end"] == ["kept"]


@pytest.mark.parametrize("proto", ["h1", "h2"])
def test_proto_backend_response_hop_by_hop_headers_stripped(rampart, proto):
    res = rampart.curl(["-H", "x-backend-hop: 1"] + proto_args(rampart, proto, "/backend/hop-resp"))
    assert res.status == 200, res.stderr
    names = [k for k, _ in res.headers]
    assert "x-backend-visible" in names
    for name in ("x-secret-hop", "keep-alive", "proxy-connection"):
        assert name not in names, f"{name} reached the client: {res.headers}"
    for k, v in res.headers:
        if k == "connection":
            assert "x-secret-hop" not in v.lower()


# ------------------------------------------------------------------------------------------------
# TLS: SNI certificate selection, protocol versions


def s_client(port, *extra, timeout=10):
    p = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *extra],
                       input=b"", capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")


def test_tls_sni_selects_second_certificate(rampart):
    rc, out = s_client(rampart.tls_port, "-servername", "other.test")
    assert rc == 0, out
    assert re.search(r"subject=\s*CN\s*=\s*other\.test", out), out
    rc, out = s_client(rampart.tls_port, "-servername", "localhost")
    assert re.search(r"subject=\s*CN\s*=\s*localhost", out), out
    # unknown name: the first (default) certificate
    rc, out = s_client(rampart.tls_port, "-servername", "unknown.test")
    assert re.search(r"subject=\s*CN\s*=\s*localhost", out), out


@pytest.mark.parametrize("proto", ["h1tls", "h2"])
def test_tls_sni_curl_verifies_other_certificate(rampart, certs, proto):
    flag = "--http1.1" if proto == "h1tls" else "--http2"
    res = rampart.curl([flag, "--cacert", certs["other"].cert, "--resolve",
                        f"other.test:{rampart.tls_port}:127.0.0.1",
                        f"https://other.test:{rampart.tls_port}/sni"])
    assert res.rc == 0, res.stderr
    assert res.status == 200
    rec = rampart.record_for(res.header("x-request-id"))
    assert rec["sni"] == "other.test"
    assert rec["authority"] == f"other.test:{rampart.tls_port}"


def test_tls_1_1_refused(rampart):
    rc, out = s_client(rampart.tls_port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
                       "-servername", "localhost")
    assert rc != 0, out
    # the server itself refused: it answered the TLS 1.1 ClientHello with a protocol_version alert
    assert "alert protocol version" in out, out
    assert rampart.metric("rampart_tls_handshake_errors_total") >= 1
    assert rampart.get("/after-tls11").status == 200


@pytest.mark.rampart(config_hook=lambda c: c["listeners"][1]["tls"].update(min_version="1.3"))
def test_tls_min_version_1_3_refuses_1_2(rampart):
    rc, out = s_client(rampart.tls_port, "-tls1_2", "-servername", "localhost")
    assert rc != 0, out
    rc, out = s_client(rampart.tls_port, "-tls1_3", "-servername", "localhost")
    assert rc == 0, out
    assert "TLSv1.3" in out


def test_tls_h2_alpn_negotiated_and_http1_fallback(rampart):
    res = rampart.curl(["--http2", "-v"] + rampart.curl_tls_args() + [rampart.https_url + "/alpn"])
    assert res.http_version == "2"
    assert "ALPN: server accepted h2" in res.stderr or "ALPN, server accepted to use h2" in res.stderr
    res = rampart.curl(["--http1.1", "-v"] + rampart.curl_tls_args() + [rampart.https_url + "/alpn"])
    assert res.http_version == "1.1"


# ------------------------------------------------------------------------------------------------
# Routing


@pytest.mark.parametrize("host,path,route", [
    ("exact.test", "/anything", "exact"),
    ("EXACT.test:8080", "/anything", "exact"),
    ("a.example.com", "/x", "wildcard"),
    ("deep.sub.example.com", "/x", "wildcard"),
    ("localhost", "/backend/y", "backend"),
    ("whatever.invalid", "/backend/y", "backend"),
    ("localhost", "/small/z", "small"),
    ("localhost", "/", "default"),
    ("127.0.0.1", "/other", "default"),
])
def test_h1_routing_matches(rampart, host, path, route):
    r = rampart.get(path, host=host)
    assert r.status == 200
    rec = rampart.record_for(r.header("x-request-id"))
    assert rec["route"] == route
    assert rec["authority"] == host


@pytest.mark.parametrize("host,path", [
    ("example.com", "/"),          # *.example.com does not match the bare domain
    ("nowhere.invalid", "/"),
    ("exact.test.evil", "/"),
])
def test_h1_routing_no_route_404(rampart, host, path):
    r = rampart.get(path, host=host)
    assert r.status == 404
    assert r.header("content-type") == "application/json"
    body = r.json()
    assert body["status"] == 404 and body["reason"] == "no_route"
    assert body["request_id"] == r.header("x-request-id")
    rec = rampart.record_for(r.header("x-request-id"))
    assert rec["status"] == 404
    assert rec["reason"] == "no_route"
    assert rec["action"] == "error"
    assert rec["route"] == "" and rec["upstream_cluster"] == ""
    assert rec["upstream_endpoint"] == "" and rec["upstream_duration_us"] == -1


def test_h2_routing_authority(rampart):
    res = rampart.curl(["--http2-prior-knowledge", "-H", "Host: a.example.com",
                        rampart.http_url + "/h2route"])
    assert res.status == 200
    assert rampart.record_for(res.header("x-request-id"))["route"] == "wildcard"
    res = rampart.curl(["--http2-prior-knowledge", "-H", "Host: nowhere.invalid",
                        rampart.http_url + "/h2route"])
    assert res.status == 404
    rec = rampart.record_for(res.header("x-request-id"))
    assert rec["reason"] == "no_route" and rec["protocol"] == "HTTP/2"
