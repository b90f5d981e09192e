"""The proof-of-work challenge and the clearance cookie (bot/challenge_stage.cpp, docs/bots.md
"Challenge") through the real binary, on a route with `challenge: {mode: always}`:

- clients that do not run JavaScript (curl, httpx) never reach the upstream: they get the page;
- a Python client that solves the proof of work (the server side of the protocol) gets a cookie
  and reaches the upstream; the upstream never sees the cookie;
- forged, expired and replayed-elsewhere cookies (another source address, another TLS
  fingerprint) are refused, as are bad proofs, stolen tokens and open redirects;
- Debian's chromium, headless, solves the page by itself and reaches the upstream over the plain
  and the TLS listener (run with -s to see how long it took).
"""

import hashlib
import html
import http.client
import json
import re
import shutil
import socket
import ssl
import subprocess
import time
import urllib.parse
import uuid

import pytest

SECRET = "integration-test-secret-0123456789abcdef"
OTHER_SECRET = "some-other-secret-nobody-configured-012345"
COOKIE = "rampart_clearance"
SOLVE_PATH = "/.well-known/rampart/challenge"
ROUTE = {"name": "challenged", "hosts": ["*"], "path_prefix": "/chal/", "cluster": "echo",
         "challenge": {"mode": "always"}}
# /32 so that 127.0.0.2 is another client (the default /24 would bind both loopback addresses).
CHALLENGE = {"keys": [{"id": "k1", "secret": SECRET}], "ipv4_prefix": 32}
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def chal(make_rampart):
    return make_rampart(extra_routes=[ROUTE], challenge=CHALLENGE)


def fresh(tag):
    return f"/chal/{tag}/{uuid.uuid4().hex[:8]}?q=1"


# ------------------------------------------------------------------------------------------------
# A minimal client that speaks the challenge protocol (what the page's JavaScript does).


class Client:
    """HTTP/1.1 to one listener from one source address, with a cookie it sends back."""

    def __init__(self, rampart, *, tls=False, source="127.0.0.1"):
        self.rampart = rampart
        self.tls = tls
        self.source = source
        self.cookie = None

    def request(self, method, target, body=None, headers=None):
        hdrs = {"Host": "localhost", "User-Agent": "challenge-test/1"}
        if self.cookie:
            hdrs["Cookie"] = f"other=1; {COOKIE}={self.cookie}"
        hdrs.update(headers or {})
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.rampart.cacert)
            conn = http.client.HTTPSConnection("localhost", self.rampart.tls_port, timeout=10,
                                               context=ctx, source_address=(self.source, 0))
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.rampart.plain_port, timeout=10,
                                              source_address=(self.source, 0))
        try:
            conn.request(method, target, body=body, headers=hdrs)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def get(self, target):
        return self.request("GET", target)

    def post_solution(self, fields):
        body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", SOLVE_PATH, body=body,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})


def page_params(body: bytes) -> dict:
    text = body.decode()
    params = dict(re.findall(r'data-(token|difficulty|action|return)="([^"]*)"', text))
    assert set(params) == {"token", "difficulty", "action", "return"}, text[:500]
    return {k: html.unescape(v) for k, v in params.items()}


def zero_bits(digest: bytes) -> int:
    return 256 - int.from_bytes(digest, "big").bit_length()


def solve(token: str, bits: int) -> str:
    counter = 0
    while zero_bits(hashlib.sha256(f"{token}:{counter}".encode()).digest()) < bits:
        counter += 1
    return str(counter)


def not_a_solution(token: str, bits: int) -> str:
    counter = 0
    while zero_bits(hashlib.sha256(f"{token}:{counter}".encode()).digest()) >= bits:
        counter += 1
    return str(counter)


def fetch_page(client, target):
    status, headers, body = client.get(target)
    assert status == 403, body[:300]
    assert headers["content-type"].startswith("text/html")
    return page_params(body)


def solve_and_clear(client, target):
    """The whole protocol: page, proof, POST, 303 with the cookie. Returns the Set-Cookie value."""
    p = fetch_page(client, target)
    status, headers, body = client.post_solution(
        {"token": p["token"], "counter": solve(p["token"], int(p["difficulty"])),
         "return": p["return"]})
    assert status == 303, body
    assert headers["location"] == target
    set_cookie = headers["set-cookie"]
    client.cookie = set_cookie.split(";", 1)[0].split("=", 1)[1]
    return set_cookie


def echo_json(status, body):
    assert status == 200, body[:300]
    return json.loads(body)


def record_of(rampart, path, method="GET", pred=None):
    return rampart.last_record(
        lambda r: r["path"] == path and r["method"] == method and (pred is None or pred(r)),
        timeout=5)


def with_mac_char_flipped(cookie: str) -> str:
    """Flips a character of the cookie's first (issued) tag: a forgery of our signature."""
    at = cookie.rindex(".") + 2
    return cookie[:at] + ("B" if cookie[at] == "A" else "A") + cookie[at + 1:]


# ------------------------------------------------------------------------------------------------
# Clients that do not run JavaScript


def test_H1Echo_CurlGetsThePageNeverTheUpstream(chal, tmp_path):
    path = fresh("curl")
    jar = str(tmp_path / "jar")
    res = chal.curl(["-L", "-c", jar, "-b", jar, chal.http_url + path])
    assert res.status == 403
    assert res.header("content-type") == "text/html; charset=utf-8"
    assert res.header("cache-control") == "no-store"
    csp = res.header("content-security-policy")
    assert "default-src 'none'" in csp and "script-src 'nonce-" in csp
    assert b"<noscript>" in res.body and b'"method"' not in res.body
    assert page_params(res.body)["return"] == path
    rec = record_of(chal, path)
    assert (rec["status"], rec["reason"], rec["challenge"], rec["clearance"]) == \
        (403, "challenge_issued", "issued", "absent")
    assert rec["upstream_endpoint"] == ""
    # Again, over TLS and HTTP/2: still the page.
    res = chal.curl(["--http2"] + chal.curl_tls_args() + [chal.https_url + path])
    assert res.status == 403 and b"data-token" in res.body
    # A POST cannot run the page: the JSON refusal.
    res = chal.curl(["-X", "POST", "-d", "a=1", chal.http_url + path])
    assert res.status == 403
    assert res.json()["reason"] == "challenge_required"
    assert chal.metric("rampart_challenge_required_total") >= 1


def test_H1Echo_HttpxGetsThePageNeverTheUpstream(chal):
    httpx = pytest.importorskip("httpx")
    path = fresh("httpx")
    with httpx.Client(follow_redirects=True, timeout=10) as client:
        r = client.get(chal.http_url + path)
        assert r.status_code == 403 and "data-token" in r.text
        r = client.get(chal.http_url + path)  # nothing in its cookie jar helps
        assert r.status_code == 403
    with httpx.Client(verify=chal.cacert, timeout=10) as client:
        r = client.get(f"https://localhost:{chal.tls_port}{path}")
        assert r.status_code == 403 and "data-token" in r.text
    recs = chal.wait_records(3, pred=lambda r: r["path"] == path)
    assert [r["challenge"] for r in recs] == ["issued"] * 3
    assert chal.metric("rampart_challenge_issued_total") >= 3


# ------------------------------------------------------------------------------------------------
# A client that solves the proof of work


def test_H1Echo_PythonSolverGetsCookieAndReachesUpstream(chal):
    client = Client(chal)
    path = fresh("solver")
    set_cookie = solve_and_clear(client, path)
    assert re.fullmatch(COOKIE + r"=v1\.k1\.\d+\.[A-Za-z0-9_-]{64}; Max-Age=3600; Path=/; "
                        r"HttpOnly; SameSite=Lax", set_cookie), set_cookie
    solved = record_of(chal, SOLVE_PATH, "POST", lambda r: r["challenge"] == "solved")
    assert (solved["status"], solved["reason"]) == (303, "challenge_solved")
    seen = echo_json(*client.get(path)[::2])
    assert seen["path"] == path
    # The backend sees the other cookie, never the clearance.
    cookies = [v for k, v in seen["headers"] if k == "cookie"]
    assert cookies == ["other=1"]
    rec = record_of(chal, path, pred=lambda r: r["status"] == 200)
    assert (rec["challenge"], rec["clearance"], rec["reason"]) == ("passed", "valid", "ok")
    # Routes without a challenge are untouched (and also get no clearance cookie upstream).
    seen = json.loads(client.get("/plain")[2])
    assert [v for k, v in seen["headers"] if k == "cookie"] == ["other=1"]
    assert chal.metric("rampart_challenge_solved_total") == 1
    assert chal.metric("rampart_challenge_passed_total") >= 1


def test_H2Echo_TlsSolverCookieIsSecureAndBoundToJa4(chal):
    client = Client(chal, tls=True)
    path = fresh("tls")
    set_cookie = solve_and_clear(client, path)
    assert set_cookie.endswith("; Secure")
    assert echo_json(*client.get(path)[::2])["path"] == path
    # The same cookie from curl (same address, another TLS stack: another JA4) is refused.
    res = chal.curl(chal.curl_tls_args() +
                    ["-H", f"Cookie: {COOKIE}={client.cookie}", chal.https_url + path])
    assert res.status == 403 and b"data-token" in res.body
    rec = record_of(chal, path, pred=lambda r: r["clearance"] == "wrong_client")
    assert rec["ja4"] != "" and rec["challenge"] == "issued"
    # And over the plain listener (no JA4 at all).
    plain = Client(chal)
    plain.cookie = client.cookie
    assert plain.get(path)[0] == 403


def test_H1Echo_ForgedCookiesAreRefused(chal):
    client = Client(chal)
    path = fresh("forged")
    solve_and_clear(client, path)
    genuine = client.cookie
    expiry = int(genuine.split(".")[2])
    cases = {
        "bad_signature": with_mac_char_flipped(genuine),
        "malformed": "v1.k1.garbage",
        "unknown_key": genuine.replace("v1.k1.", "v1.k9.", 1),
    }
    # Expiry moved a day later: the signature no longer matches.
    cases["bad_signature_expiry"] = genuine.replace(f".{expiry}.", f".{expiry + 86400}.", 1)
    for name, cookie in cases.items():
        client.cookie = cookie
        status, _, body = client.get(path)
        assert status == 403 and b"data-token" in body, name
        want = name.split("_expiry")[0]
        rec = record_of(chal, path, pred=lambda r, want=want: r["clearance"] == want)
        assert rec["challenge"] == "issued"
    assert chal.metric("rampart_challenge_clearance_refused_total") >= 4


def test_H1Echo_CookieSignedWithAnotherSecretIsRefused(make_rampart):
    # Another deployment (or an attacker) with the same key id but its own secret.
    other = make_rampart(extra_routes=[ROUTE],
                         challenge={"keys": [{"id": "k1", "secret": OTHER_SECRET}],
                                    "ipv4_prefix": 32})
    mine = make_rampart(extra_routes=[ROUTE], challenge=CHALLENGE)
    client = Client(other)
    path = fresh("other-secret")
    solve_and_clear(client, path)
    assert echo_json(*client.get(path)[::2])["path"] == path
    client.rampart = mine
    assert client.get(path)[0] == 403
    assert record_of(mine, path)["clearance"] == "bad_signature"


def test_H1Echo_CookieFromAnotherInstanceWithSameKeysIsAccepted(make_rampart):
    # Stateless verification: any instance holding the key accepts the cookie.
    first = make_rampart(extra_routes=[ROUTE], challenge=CHALLENGE)
    second = make_rampart(extra_routes=[ROUTE], challenge=CHALLENGE)
    client = Client(first)
    path = fresh("two-instances")
    solve_and_clear(client, path)
    client.rampart = second
    assert echo_json(*client.get(path)[::2])["path"] == path
    assert record_of(second, path)["clearance"] == "valid"


def test_H1Echo_RotatedKeyStillVerifies(make_rampart):
    old = make_rampart(extra_routes=[ROUTE], challenge=CHALLENGE)
    rotated = make_rampart(extra_routes=[ROUTE], challenge={
        "keys": [{"id": "k2", "secret": OTHER_SECRET}, {"id": "k1", "secret": SECRET}],
        "ipv4_prefix": 32})
    client = Client(old)
    path = fresh("rotation")
    solve_and_clear(client, path)
    client.rampart = rotated
    assert client.get(path)[0] == 200
    # New cookies are signed with k2.
    fresh_client = Client(rotated)
    assert ".k2." in solve_and_clear(fresh_client, path)


def test_H1Echo_ExpiredCookieIsRefused(make_rampart):
    chal = make_rampart(extra_routes=[ROUTE], challenge=dict(CHALLENGE, cookie_ttl_s=1))
    client = Client(chal)
    path = fresh("expired")
    assert "Max-Age=1;" in solve_and_clear(client, path)
    time.sleep(2.2)
    status, _, body = client.get(path)
    assert status == 403 and b"data-token" in body
    assert record_of(chal, path, pred=lambda r: r["clearance"] == "expired")["status"] == 403


def test_H1Echo_CookieReplayedFromAnotherAddressIsRefused(chal):
    client = Client(chal)
    path = fresh("replay")
    solve_and_clear(client, path)
    assert client.get(path)[0] == 200
    thief = Client(chal, source="127.0.0.2")
    thief.cookie = client.cookie
    status, _, body = thief.get(path)
    assert status == 403 and b"data-token" in body
    rec = record_of(chal, path, pred=lambda r: r["client_ip"] == "127.0.0.2")
    assert rec["clearance"] == "wrong_client"


def test_H1Echo_BadSolutionsAreRejected(chal):
    client = Client(chal)
    path = fresh("rejected")
    p = fetch_page(client, path)
    bits = int(p["difficulty"])
    good = solve(p["token"], bits)
    cases = [
        ({"token": p["token"], "counter": not_a_solution(p["token"], bits), "return": path},
         "challenge_bad_proof", client),
        # A token (and its solution) fetched by one client, redeemed by another.
        ({"token": p["token"], "counter": good, "return": path},
         "challenge_token_wrong_client", Client(chal, source="127.0.0.2")),
        ({"token": p["token"] + "x", "counter": good, "return": path},
         "challenge_token_malformed", client),
        ({"token": p["token"], "counter": good, "return": "//evil.example/"},
         "challenge_bad_return_target", client),
        ({"token": p["token"], "counter": good, "return": "https://evil.example/"},
         "challenge_bad_return_target", client),
        ({"token": p["token"]}, "challenge_solution_malformed", client),
    ]
    for fields, reason, who in cases:
        status, headers, body = who.post_solution(fields)
        assert status == 403, (reason, body)
        assert json.loads(body)["reason"] == reason
        assert "set-cookie" not in headers
    status, _, body = client.request("POST", SOLVE_PATH, body=b"a" * 5000,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413 and json.loads(body)["reason"] == "challenge_body_too_large"
    # Chunked, without a Content-Length: refused before any body byte is buffered.
    form = urllib.parse.urlencode({"token": p["token"], "counter": good, "return": path}).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(form), form)
    status, _, body = client.request("POST", SOLVE_PATH, body=chunked,
                                     headers={"Content-Type": "application/x-www-form-urlencoded",
                                              "Transfer-Encoding": "chunked"})
    assert status == 411 and json.loads(body)["reason"] == "challenge_length_required"
    recs = chal.wait_records(len(cases) + 2, pred=lambda r: r["path"] == SOLVE_PATH)
    assert {r["challenge"] for r in recs} == {"rejected"}
    assert chal.metric("rampart_challenge_rejected_total") == len(cases) + 2
    # After all that the genuine solution still works.
    status, headers, _ = client.post_solution({"token": p["token"], "counter": good,
                                               "return": path})
    assert status == 303 and headers["location"] == path


def test_H1Echo_ExpiredTokenIsRejected(make_rampart):
    chal = make_rampart(extra_routes=[ROUTE], challenge=dict(CHALLENGE, token_ttl_s=1))
    client = Client(chal)
    p = fetch_page(client, fresh("token-ttl"))
    counter = solve(p["token"], int(p["difficulty"]))
    time.sleep(2.2)
    status, _, body = client.post_solution({"token": p["token"], "counter": counter})
    assert status == 403 and json.loads(body)["reason"] == "challenge_token_expired"


# ------------------------------------------------------------------------------------------------
# A real browser


def chromium_dump(rampart, url, tmp_path, *extra):
    profile = tmp_path / f"chromium-{uuid.uuid4().hex[:6]}"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           f"--user-data-dir={profile}", "--virtual-time-budget=30000",
           f"--host-resolver-rules=MAP localhost 127.0.0.1", *extra, "--dump-dom", url]
    started = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    return p.stdout.decode(errors="replace"), time.monotonic() - started, p.stderr


def assert_chromium_passes(rampart, path, dom, stderr):
    # The dumped DOM is the echo upstream's JSON (chromium wraps it in <pre>).
    match = re.search(r"<pre[^>]*>(.*?)</pre>", dom, re.S)
    assert match, f"no upstream JSON in the DOM: {dom[:600]!r} {stderr[-600:]!r}"
    seen = json.loads(html.unescape(match.group(1)))
    assert seen["path"] == path
    assert not any(k == "cookie" and COOKIE in v for k, v in seen["headers"])
    issued = record_of(rampart, path, pred=lambda r: r["challenge"] == "issued")
    solved = record_of(rampart, SOLVE_PATH, "POST", lambda r: r["challenge"] == "solved")
    passed = record_of(rampart, path, pred=lambda r: r["challenge"] == "passed")
    assert passed["clearance"] == "valid" and passed["status"] == 200
    return issued, solved, passed


def record_time(rec):
    return time.mktime(time.strptime(rec["time"][:19], "%Y-%m-%dT%H:%M:%S")) + \
        float("0." + rec["time"][20:-1])


@pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                    reason=f"{CHROMIUM} is missing (apt-get install chromium; "
                           "scripts/install-deps.sh installs it)")
@pytest.mark.parametrize("listener", ["plain", "tls"])
def test_Chromium_SolvesTheChallengeAndReachesUpstream(make_rampart, tmp_path, listener):
    chal = make_rampart(extra_routes=[ROUTE], challenge=CHALLENGE)
    path = fresh(f"chromium-{listener}")
    if listener == "plain":
        url = chal.http_url + path
        extra = []
    else:
        url = f"https://localhost:{chal.tls_port}{path}"
        extra = ["--ignore-certificate-errors"]
    dom, wall, stderr = chromium_dump(chal, url, tmp_path, *extra)
    issued, solved, passed = assert_chromium_passes(chal, path, dom, stderr)
    if listener == "tls":
        # Over h2 (ALPN), so the solution POST went through the HTTP/2 codec as well.
        assert passed["ja4"] != "" and passed["ja4"] == issued["ja4"]
        assert solved["protocol"] == "HTTP/2"
    solve_s = record_time(solved) - record_time(issued)
    print(f"\nchromium ({listener}): page -> solution POST {solve_s * 1000:.0f} ms at "
          f"difficulty 16 bits; chromium run {wall:.1f} s in all; {passed['protocol']}; "
          f"ja4={passed['ja4'] or '-'}")
