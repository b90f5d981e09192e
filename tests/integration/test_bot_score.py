"""Bot score from real clients (bot/, docs/bots.md): curl, wget, python httpx and requests, h2load,
nghttp, sqlmap, ffuf and Debian's chromium headless, each once plainly and, where it can, once
claiming to be Chrome with Chrome's whole header set. Every scripted client must score as
automated; the spoofers must be caught by a fingerprint mismatch (TLS, HTTP/2); the real browser
engine presenting a normal Chrome User-Agent must score as human. The table this prints (run with
-s) is the one in docs/bots.md."""

import json
import os
import shutil
import subprocess
import uuid

import pytest

CHROME_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/156.0.0.0 Safari/537.36")
# Chrome 156's navigation request headers, in Chrome's order (captured from chromium 156).
CHROME_HEADERS = [
    ("sec-ch-ua", '"Not:A-Brand";v="8", "Chromium";v="156"'),
    ("sec-ch-ua-mobile", "?0"),
    ("sec-ch-ua-platform", '"Linux"'),
    ("upgrade-insecure-requests", "1"),
    ("user-agent", CHROME_UA),
    ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
               "image/apng,*/*;q=0.8"),
    ("sec-fetch-site", "none"),
    ("sec-fetch-mode", "navigate"),
    ("sec-fetch-user", "?1"),
    ("sec-fetch-dest", "document"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("accept-language", "en-US,en;q=0.9"),
]
CHROMIUM = shutil.which("chromium")

BOT_ROUTE = {"name": "bot", "hosts": ["*"], "path_prefix": "/bot/", "cluster": "echo",
             # detect: every client reaches the echo upstream and is scored, nothing is refused.
             "bot": {"mode": "detect"}}
# Per IP + JA4, so that one client's behaviour (sqlmap's probes) does not colour the others'.
OVERRIDES = {"extra_routes": [BOT_ROUTE], "bot": {"behaviour": {"key": "ip_ja4"}}}


def run(cmd, timeout=90, **kw):
    p = subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)
    return p


def chromium(url, tmp_path, user_agent=None):
    profile = tmp_path / f"chromium-{uuid.uuid4().hex[:6]}"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--ignore-certificate-errors", f"--user-data-dir={profile}", "--dump-dom", url]
    if user_agent:
        cmd.insert(1, f"--user-agent={user_agent}")
    p = run(cmd, timeout=60)
    assert b'"path"' in p.stdout, p.stderr[-2000:]


def curl_chrome(r, url, *version):
    args = list(version)
    for name, value in CHROME_HEADERS:
        args += ["-H", f"{name}: {value}"]
    res = r.curl(args + r.curl_tls_args() + [url])
    assert res.status == 200, res.stderr


def python_client(code, **env):
    p = run(["/usr/bin/python3", "-c", code], env={**os.environ, **env})
    assert p.returncode == 0, p.stderr.decode()[-2000:]


HTTPX = """
import httpx, json, os, sys
headers = json.loads(os.environ["HEADERS"]) if os.environ.get("HEADERS") else None
with httpx.Client(http2=os.environ["HTTP2"] == "1", verify=os.environ["CA"]) as c:
    r = c.get(os.environ["URL"], headers=headers)
    assert r.status_code == 200, r.status_code
"""
REQUESTS = """
import requests, json, os
headers = json.loads(os.environ["HEADERS"]) if os.environ.get("HEADERS") else None
r = requests.get(os.environ["URL"], headers=headers, verify=os.environ["CA"])
assert r.status_code == 200, r.status_code
"""


@pytest.mark.rampart(**OVERRIDES)
def test_real_clients_are_scored_and_spoofers_caught(rampart, tmp_path):
    r = rampart
    tls = r.https_url
    plain = r.http_url
    chrome_headers = json.dumps(dict(CHROME_HEADERS))
    clients = {}  # name -> (path prefix, expected: "human" | "automated", must-have components)

    def path(name):
        p = f"/bot/{name}/{uuid.uuid4().hex[:8]}"
        return p

    def note(name, p, expect, components=()):
        clients[name] = (p, expect, components)

    if CHROMIUM:
        p = path("chromium-chrome-ua")
        chromium(tls + p, tmp_path, user_agent=CHROME_UA)
        note("chromium 156 (Chrome UA), h2", p, "human")
        p = path("chromium-headless")
        chromium(tls + p, tmp_path)
        note("chromium 156 headless (own UA), h2", p, "automated", ["ua_headless"])

    p = path("curl-h2")
    assert r.curl(["--http2"] + r.curl_tls_args() + [tls + p]).status == 200
    note("curl 7.88, h2", p, "automated", ["ua_automation_tool"])
    p = path("curl-h1")
    assert r.curl(["--http1.1"] + r.curl_tls_args() + [tls + p]).status == 200
    note("curl 7.88, HTTP/1.1", p, "automated", ["ua_automation_tool"])
    p = path("curl-chrome-h2")
    curl_chrome(r, tls + p, "--http2")
    note("curl as Chrome, h2", p, "automated", ["tls_mismatch", "h2_mismatch"])
    p = path("curl-chrome-h1")
    curl_chrome(r, tls + p, "--http1.1")
    note("curl as Chrome, HTTP/1.1", p, "automated", ["tls_mismatch"])

    p = path("wget")
    w = run(["wget", "-q", "-O", "-", f"--ca-certificate={r.cacert}", tls + p])
    assert w.returncode == 0, w.stderr
    note("wget 1.21 (GnuTLS)", p, "automated", ["ua_automation_tool"])

    for http2 in ("0", "1"):
        label = "h2" if http2 == "1" else "HTTP/1.1"
        p = path(f"httpx-{http2}")
        python_client(HTTPX, URL=tls + p, HTTP2=http2, CA=r.cacert)
        note(f"python httpx, {label}", p, "automated", ["ua_automation_tool"])
        p = path(f"httpx-chrome-{http2}")
        python_client(HTTPX, URL=tls + p, HTTP2=http2, CA=r.cacert, HEADERS=chrome_headers)
        note(f"python httpx as Chrome, {label}", p, "automated",
             ["tls_mismatch", "h2_mismatch"] if http2 == "1" else ["tls_mismatch"])
    p = path("requests")
    python_client(REQUESTS, URL=tls + p, CA=r.cacert)
    note("python requests", p, "automated", ["ua_automation_tool"])
    p = path("requests-chrome")
    python_client(REQUESTS, URL=tls + p, CA=r.cacert, HEADERS=chrome_headers)
    note("python requests as Chrome", p, "automated", ["tls_mismatch"])

    p = path("h2load")
    h = run(["h2load", "-n", "3", "-c", "1", tls + p])
    assert b"3 succeeded" in h.stdout, h.stdout + h.stderr
    note("h2load", p, "automated", ["ua_automation_tool"])
    p = path("nghttp")
    n = run(["nghttp", "-n", tls + p])
    assert n.returncode == 0, n.stderr
    note("nghttp", p, "automated", ["ua_automation_tool"])

    if shutil.which("sqlmap"):
        p = path("sqlmap")
        s = run(["sqlmap", "-u", f"{plain}{p}?id=1", "--batch", "--smart", "--technique=B",
                 "--flush-session", f"--output-dir={tmp_path / 'sqlmap'}", "--timeout=5",
                 "--retries=0", "--disable-coloring"], timeout=180)
        assert s.returncode == 0, s.stdout[-2000:]
        note("sqlmap 1.7", p, "automated", ["ua_scanner"])
    if shutil.which("ffuf"):
        words = tmp_path / "words.txt"
        words.write_text("\n".join(["admin", "login", "backup", ".git", "config", "api"]) + "\n")
        p = path("ffuf")
        f = run(["ffuf", "-s", "-t", "1", "-u", f"{plain}{p}/FUZZ", "-w", str(words)])
        assert f.returncode == 0, f.stderr
        note("ffuf 1.1", p, "automated", ["ua_scanner"])

    total = sum(1 for _ in clients)
    r.wait_records(total, timeout=10)
    records = r.records()
    rows = []
    failures = []
    for name, (p, expect, needed) in clients.items():
        recs = [x for x in records if x["path"].startswith(p)]
        assert recs, f"{name}: no decision record for {p}"
        for rec in recs:
            got = {c["name"] for c in rec["bot_components"]}
            if expect == "human":
                ok = rec["bot_score"] >= 60 and rec["bot_category"] == "likely_human"
            else:
                ok = rec["bot_score"] < 30 and rec["bot_category"] == "automated"
            ok = ok and set(needed) <= got
            if not ok:
                failures.append((name, rec["bot_score"], rec["bot_category"], sorted(got)))
        rec = recs[0]
        rows.append((name, rec["bot_score"], rec["bot_category"],
                     ", ".join(f"{c['name']} {c['weight']}" for c in rec["bot_components"]) or "-",
                     rec["ja4"][:10] or "-", rec["h2_fingerprint"] or "-"))
    print("\n| client | score | category | components (weight) | JA4 a | HTTP/2 fingerprint |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    assert not failures, failures


@pytest.mark.rampart(extra_routes=[{"name": "bot", "hosts": ["*"], "path_prefix": "/bot/",
                                    "cluster": "echo",
                                    "bot": {"mode": "block", "block_below": 10}}])
def test_block_mode_refuses_scanners_and_fake_crawlers(rampart):
    res = rampart.curl(["-A", "sqlmap/1.7.2#stable (https://sqlmap.org)",
                        rampart.http_url + "/bot/scan"])
    assert res.status == 403
    rec = rampart.last_record(lambda x: x["path"] == "/bot/scan")
    assert rec["reason"] == "bot_score_blocked" and rec["action"] == "block"
    assert rec["bot_score"] == 4 and rec["bot_action"] == "block"

    res = rampart.curl(["-A", "Mozilla/5.0 (compatible; Googlebot/2.1; "
                              "+http://www.google.com/bot.html)", rampart.http_url + "/bot/crawl"])
    assert res.status == 403
    rec = rampart.last_record(lambda x: x["path"] == "/bot/crawl")
    assert rec["reason"] == "bot_category_blocked"
    assert rec["bot_category"] == "fake_crawler" and rec["verified_bot"] == "googlebot"

    # curl is automated but above block_below: handed to the challenge (challenge_below 30),
    # which serves the proof-of-work page curl cannot solve.
    res = rampart.curl([rampart.http_url + "/bot/curl"])
    assert res.status == 403
    rec = rampart.last_record(lambda x: x["path"] == "/bot/curl")
    assert rec["bot_action"] == "challenge" and rec["challenge_requested_by"] == "bot_score"
    assert rec["challenge"] == "issued" and rec["reason"] == "challenge_issued"
    assert rampart.metric("rampart_bot_blocked_total") >= 2


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.rampart(extra_routes=[{"name": "bot", "hosts": ["*"], "path_prefix": "/bot/",
                                    "cluster": "echo", "bot": {"mode": "block"}}])
def test_low_score_is_challenged_and_only_the_browser_gets_through(rampart, tmp_path):
    """The bot score hands headless chromium (score 24, its own UA) and curl (19) to the
    challenge; chromium runs the proof of work and reaches the upstream, curl never does."""
    path = "/bot/challenged/" + uuid.uuid4().hex[:8]
    for url in (rampart.http_url + path, rampart.https_url + path):
        profile = tmp_path / f"chromium-{uuid.uuid4().hex[:6]}"
        p = run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--ignore-certificate-errors", f"--user-data-dir={profile}",
                 "--virtual-time-budget=30000", "--dump-dom", url], timeout=120)
        dom = p.stdout.decode(errors="replace")
        assert '"path"' in dom and path in dom, dom[:600]  # the echo upstream's JSON
    recs = rampart.wait_records(6, timeout=10, pred=lambda x: x["path"].startswith(path))
    outcomes = [(r["listener"], r["challenge"], r["bot_action"], r["bot_score"]) for r in recs
                if r["path"].startswith(path)]
    for listener in ("plain", "tls"):
        mine = [o for o in outcomes if o[0] == listener]
        assert ("issued" in [o[1] for o in mine]) and ("passed" in [o[1] for o in mine]), outcomes
        assert all(o[2] == "challenge" and o[3] < 30 for o in mine), outcomes
    solved = rampart.wait_records(2, timeout=5, pred=lambda x: x["challenge"] == "solved")
    assert len(solved) >= 2

    res = rampart.curl(["-L", "-c", str(tmp_path / "jar"), "-b", str(tmp_path / "jar"),
                        rampart.http_url + path])
    assert res.status == 403 and b"<noscript>" in res.body
    rec = rampart.last_record(lambda x: x["path"] == path and x["ua_family"] == "curl")
    assert rec["challenge"] == "issued" and rec["upstream_endpoint"] == ""
