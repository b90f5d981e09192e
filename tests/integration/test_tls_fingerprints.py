"""TLS client fingerprints (JA4, JA4_r, JA3; bot/, docs/bots.md) in the decision record, from real
clients over the TLS listener: curl (HTTP/1.1 and HTTP/2), openssl s_client, python3's ssl module
and httpx. Each client's JA4 is printed (run with -s to see the table; docs/bots.md keeps it)."""

import re
import socket
import ssl
import subprocess
import uuid

import pytest

JA4_RE = re.compile(r"^t1[23][di]\d{4}(h2|h1|00)_[0-9a-f]{12}_[0-9a-f]{12}$")
JA3_RE = re.compile(r"^[0-9a-f]{32}$")


def record_for_path(rampart, path):
    return rampart.last_record(lambda r: r["path"] == path, timeout=5)


def fresh_path(client):
    return f"/fp/{client}/{uuid.uuid4().hex[:8]}"


def via_curl(rampart, path, *, http2, sni=True):
    version = ["--http2"] if http2 else ["--http1.1"]
    if sni:
        args = version + rampart.curl_tls_args() + [rampart.https_url + path]
    else:
        # By address: curl sends no SNI for an IP literal (the test certificate has IP:127.0.0.1).
        args = version + ["--cacert", rampart.cacert, f"https://127.0.0.1:{rampart.tls_port}{path}"]
    res = rampart.curl(args)
    assert res.rc == 0 and res.status == 200, res.stderr


def via_s_client(rampart, path, *, sni=True, alpn=None):
    cmd = ["openssl", "s_client", "-quiet", "-connect", f"127.0.0.1:{rampart.tls_port}"]
    cmd += ["-servername", "localhost"] if sni else ["-noservername"]
    if alpn:
        cmd += ["-alpn", alpn]
    request = f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode()
    p = subprocess.run(cmd, input=request, capture_output=True, timeout=15)
    assert b" 200 " in p.stdout.split(b"\r\n", 1)[0], p.stdout[:200] + p.stderr[-500:]


def via_python_ssl(rampart, path, *, sni=True):
    ctx = ssl.create_default_context(cafile=rampart.cacert)
    host = "localhost" if sni else "127.0.0.1"  # no SNI is sent for an IP literal
    with socket.create_connection(("127.0.0.1", rampart.tls_port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                      .encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    assert data.startswith(b"HTTP/1.1 200 "), data[:200]


def via_httpx(rampart, path, *, http2):
    httpx = pytest.importorskip("httpx")
    if http2:
        pytest.importorskip("h2")
    with httpx.Client(verify=rampart.cacert, http2=http2, timeout=10) as client:
        res = client.get(f"https://localhost:{rampart.tls_port}{path}")
    assert res.status_code == 200
    assert res.http_version == ("HTTP/2" if http2 else "HTTP/1.1")


CLIENTS = {
    # name: (how to send one request, expected SNI flag, expected ALPN characters)
    "curl --http1.1": (lambda r, p: via_curl(r, p, http2=False), "d", "h1"),
    "curl --http2": (lambda r, p: via_curl(r, p, http2=True), "d", "h2"),
    "curl --http2 by IP (no SNI)": (lambda r, p: via_curl(r, p, http2=True, sni=False), "i", "h2"),
    "openssl s_client": (lambda r, p: via_s_client(r, p), "d", "00"),
    "openssl s_client -alpn http/1.1": (lambda r, p: via_s_client(r, p, alpn="http/1.1"), "d", "h1"),
    "openssl s_client -noservername": (lambda r, p: via_s_client(r, p, sni=False), "i", "00"),
    "python3 ssl": (lambda r, p: via_python_ssl(r, p), "d", "00"),
    "python3 ssl by IP (no SNI)": (lambda r, p: via_python_ssl(r, p, sni=False), "i", "00"),
    "python3 httpx": (lambda r, p: via_httpx(r, p, http2=False), "d", "h1"),
    # httpx offers ["http/1.1", "h2"] in that order (the server still picks h2): JA4 reads the
    # client's FIRST offer, so "h1".
    "python3 httpx http2": (lambda r, p: via_httpx(r, p, http2=True), "d", "h1"),
}


def fingerprint(rampart, name):
    send = CLIENTS[name][0]
    path = fresh_path(re.sub(r"[^a-z0-9]+", "-", name.lower()))
    send(rampart, path)
    return record_for_path(rampart, path)


def test_TLS_EachClientGetsAStableWellFormedJa4(rampart):
    seen = {}
    for name, (_, sni_flag, alpn_chars) in CLIENTS.items():
        first = fingerprint(rampart, name)
        second = fingerprint(rampart, name)
        ja4 = first["ja4"]
        assert JA4_RE.match(ja4), f"{name}: {ja4!r}"
        assert JA3_RE.match(first["ja3"]), f"{name}: {first['ja3']!r}"
        assert first["ja4_r"].startswith(ja4[:11]), f"{name}: {first['ja4_r']!r}"
        # Same client, new connection, same fingerprint.
        assert second["ja4"] == ja4, f"{name}: {ja4} then {second['ja4']}"
        assert ja4[3] == sni_flag, f"{name}: SNI flag of {ja4}"
        assert ja4[8:10] == alpn_chars, f"{name}: ALPN of {ja4}"
        assert first["sni"] == ("localhost" if sni_flag == "d" else "")
        seen[name] = first
    # Every one of those handshakes was fingerprinted.
    assert "rampart_tls_fingerprint_failures_total" in rampart.metrics()
    assert rampart.metric("rampart_tls_fingerprint_failures_total") == 0
    print()
    print(f"{'client':34} {'ja4':38} ja3")
    for name, rec in seen.items():
        print(f"{name:34} {rec['ja4']:38} {rec['ja3']}")
        print(f"{'':34} ja4_r {rec['ja4_r']}")

    # Different TLS stacks or settings: curl and python send different ClientHellos.
    assert seen["curl --http1.1"]["ja4"] != seen["python3 httpx"]["ja4"]
    assert seen["curl --http1.1"]["ja4"] != seen["python3 ssl"]["ja4"]
    assert seen["curl --http2"]["ja4"] != seen["python3 httpx http2"]["ja4"]
    # SNI and ALPN live only in section a: the same client keeps its b and c sections.
    assert seen["curl --http2"]["ja4"][10:] == seen["curl --http2 by IP (no SNI)"]["ja4"][10:]
    assert seen["curl --http1.1"]["ja4"][10:] == seen["curl --http2"]["ja4"][10:]
    assert (seen["openssl s_client"]["ja4"][10:]
            == seen["openssl s_client -noservername"]["ja4"][10:])
    assert seen["python3 ssl"]["ja4"][10:] == seen["python3 ssl by IP (no SNI)"]["ja4"][10:]


def test_TLS_EveryRequestOnAConnectionCarriesItsJa4(rampart):
    # Two requests on one keep-alive connection (h1) and two streams on one h2 connection: the
    # fingerprint is computed once per connection and copied into each record.
    for version in ("--http1.1", "--http2"):
        a, b = fresh_path("conn-a"), fresh_path("conn-b")
        res = rampart.curl([version] + rampart.curl_tls_args()
                           + [rampart.https_url + a, rampart.https_url + b])
        assert res.rc == 0 and res.num_connects == 1, res.stderr
        ra, rb = record_for_path(rampart, a), record_for_path(rampart, b)
        assert JA4_RE.match(ra["ja4"])
        assert (ra["ja4"], ra["ja4_r"], ra["ja3"]) == (rb["ja4"], rb["ja4_r"], rb["ja3"])


def test_Plain_NoFingerprint(rampart):
    for version in ("--http1.1", "--http2-prior-knowledge"):
        path = fresh_path("plain")
        res = rampart.curl([version, rampart.http_url + path])
        assert res.rc == 0 and res.status == 200, res.stderr
        rec = record_for_path(rampart, path)
        assert (rec["ja4"], rec["ja4_r"], rec["ja3"]) == ("", "", "")
