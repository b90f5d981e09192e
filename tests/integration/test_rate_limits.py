"""Rate limits (state/; docs/rate-limits.md) through the real binary: 429 with the IETF headers,
shadow mode, per-key separation, one limit across the workers of a process, reload."""

import json
import re
import threading
import time

import pytest


def rule(name, limit, window_ms=60000, **extra):
    r = {"name": name, "key": ["client_ip"], "limit": limit, "window_ms": window_ms}
    r.update(extra)
    return r


def statuses(rampart, n, path="/", headers=None):
    return [rampart.get(path, headers=headers).status for _ in range(n)]


def test_H1_LocalLimitReturns429WithRateLimitHeaders(make_rampart):
    r = make_rampart(rate_limits={"rules": [rule("per-ip", 3)]})
    assert statuses(r, 3) == [200, 200, 200]
    resp = r.get("/")
    assert resp.status == 429
    assert resp.json()["reason"] == "rate_limited"
    retry_after = int(resp.header("retry-after"))
    # Full window: the next window starts, then its previous (3) must fade to 2: up to W + W/3.
    assert 1 <= retry_after <= 80
    assert resp.header("ratelimit-policy") == '"per-ip";q=3;w=60'
    assert re.fullmatch(r'"per-ip";r=0;t=\d+', resp.header("ratelimit"))
    rec = r.record_for(resp.header("x-request-id"))
    assert rec["status"] == 429 and rec["reason"] == "rate_limited" and rec["action"] == "block"
    assert rec["phase"] == "request_headers"
    [entry] = rec["rate_limits"]
    assert entry["rule"] == "per-ip"
    assert entry["key"] == "client_ip=127.0.0.1"
    assert entry["outcome"] == "limited" and entry["action"] == "reject"
    assert entry["limit"] == 3 and entry["count"] == 3 and entry["store"] == "local"
    assert entry["retry_after_ms"] > 0 and entry["degraded"] is False
    assert r.metric("rampart_rate_limit_allowed_total") == 3
    assert r.metric("rampart_rate_limit_limited_total") == 1


def test_H1_ShadowModeCountsButNeverRefuses(make_rampart):
    r = make_rampart(rate_limits={"rules": [rule("shadow", 2, action="log")]})
    assert statuses(r, 5) == [200] * 5
    recs = r.wait_records(5, pred=lambda x: x["rate_limits"])
    # Workers write their records in batches: the file order is not the request order.
    outcomes = sorted(x["rate_limits"][0]["outcome"] for x in recs)
    assert outcomes == ["allowed", "allowed", "limited", "limited", "limited"]
    assert all(x["rate_limits"][0]["action"] == "log" for x in recs)
    assert r.metric("rampart_rate_limit_shadow_total") == 3


def test_H1_KeysAreSeparateAndSecretsHashed(make_rampart):
    r = make_rampart(rate_limits={"rules": [
        rule("per-api-key", 2, key=[{"header": "x-api-key"}],
             match={"path_prefix": "/api/"})]})
    a = {"X-Api-Key": "alpha-secret-value"}
    b = {"X-Api-Key": "beta-secret-value"}
    assert statuses(r, 3, "/api/x", a) == [200, 200, 429]
    assert statuses(r, 2, "/api/x", b) == [200, 200]
    # No key, no rule; another path, no rule.
    assert statuses(r, 3, "/api/x") == [200] * 3
    assert statuses(r, 3, "/other", a) == [200] * 3
    text = open(r.log_path).read()
    assert "alpha-secret-value" not in text and "beta-secret-value" not in text
    # Workers write their records in batches: wait for the 5 requests the rule applied to.
    keys = {x["rate_limits"][0]["key"] for x in r.wait_records(5, pred=lambda x: x["rate_limits"])}
    assert len(keys) == 2 and all(re.fullmatch(r"header:x-api-key=sha256:[0-9a-f]{16}", k) for k in keys)
    assert r.metric("rampart_rate_limit_key_missing_total") == 3


def test_H1_OneLimitAcrossWorkers(make_rampart):
    r = make_rampart(workers=4, rate_limits={"rules": [rule("per-process", 40)]})
    results = []
    lock = threading.Lock()

    def client():
        for _ in range(25):
            s = r.get("/").status
            with lock:
                results.append(s)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 100
    assert results.count(200) == 40 and results.count(429) == 60


def test_H1_SeveralRulesEachRecorded(make_rampart):
    r = make_rampart(rate_limits={"rules": [
        rule("burst", 60, algorithm="gcra", burst=2),
        rule("per-route", 100, key=["route", {"ip_prefix": {"ipv4": 16, "ipv6": 48}}]),
    ]})
    assert statuses(r, 2) == [200, 200]
    resp = r.get("/")
    assert resp.status == 429
    rec = r.record_for(resp.header("x-request-id"))
    assert [e["rule"] for e in rec["rate_limits"]] == ["burst", "per-route"]
    assert rec["rate_limits"][0]["outcome"] == "limited"
    assert rec["rate_limits"][1]["outcome"] == "allowed"
    assert rec["rate_limits"][1]["key"] == "route=default|ip_prefix=127.0.0.0/16"
    assert rec["rate_limits"][1]["count"] == 3


def test_H1_ReloadKeepsCountsAndAppliesNewLimits(make_rampart):
    r = make_rampart(rate_limits={"rules": [rule("reloaded", 3)]})
    assert statuses(r, 2) == [200, 200]
    cfg = dict(r.config)
    cfg["rate_limits"] = {"rules": [rule("reloaded", 4)]}
    status, body = r.reload(cfg)
    assert status == 200, body
    # The count (2) survived the reload; the new limit (4) applies.
    assert statuses(r, 3) == [200, 200, 429]
    cfg2 = dict(r.config)
    cfg2["rate_limits"] = {"rules": [rule("reloaded", 4, action="log")]}
    assert r.reload(cfg2)[0] == 200
    assert statuses(r, 2) == [200, 200]
    # A bad rate-limit config is refused and the old one keeps serving.
    cfg3 = dict(r.config)
    cfg3["rate_limits"] = {"rules": [rule("bad", 1, key=["ja3"])]}
    status, body = r.reload(cfg3)
    assert status == 400 and "unknown key part 'ja3'" in json.dumps(body)
    assert statuses(r, 1) == [200]


def test_H2_LimitedOverHttp2(make_rampart, tmp_path):
    r = make_rampart(rate_limits={"rules": [rule("h2", 1)]})
    first = r.curl(["--http2-prior-knowledge", r.http_url + "/"])
    second = r.curl(["--http2-prior-knowledge", r.http_url + "/"])
    assert first.status == 200
    assert second.status == 429 and second.http_version == "2"
    assert second.header("ratelimit-policy") == '"h2";q=1;w=60'



def test_H1_AdmittedResponsesCarryTheTightestRuleWhenAsked(make_rampart):
    r = make_rampart(rate_limits={"response_headers": True,
                                  "rules": [rule("loose", 50), rule("tight", 4),
                                            rule("shadow", 1, action="log")]})
    resp = r.get("/")
    assert resp.status == 200
    assert resp.header("ratelimit-policy") == '"tight";q=4;w=60'
    assert re.fullmatch(r'"tight";r=3;t=\d+', resp.header("ratelimit"))
    assert resp.header("retry-after") is None
    quiet = make_rampart(rate_limits={"rules": [rule("tight", 4)]})
    assert quiet.get("/").header("ratelimit") is None
