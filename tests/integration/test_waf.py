"""OWASP CRS through libmodsecurity (issue 4): blocks over every protocol and body type, detect
mode, exclusions, rule-file errors at start and at reload."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import BINARY, REPO, Rampart

SQLI_QUERY = "/waf/search?id=1%27%20or%201=1--"
XSS_QUERY = "/waf/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E"

WAF_ROUTES = [
    {"name": "waf", "hosts": ["*"], "path_prefix": "/waf/", "cluster": "echo",
     "max_body_bytes": 1048576, "waf": {"mode": "block", "paranoia_level": 1}},
    {"name": "detect", "hosts": ["*"], "path_prefix": "/detect/", "cluster": "echo",
     "max_body_bytes": 1048576, "waf": {"mode": "detect"}},
    {"name": "redirect", "hosts": ["*"], "path_prefix": "/redirect/", "cluster": "echo",
     "waf": {"mode": "block", "rule_files": []}},
]


def waf(**extra):
    return pytest.mark.rampart(extra_routes=WAF_ROUTES, **extra)


def rule_ids(record):
    return {r["id"] for r in record["rules"]}


@waf()
def test_H1_SqliAndXssInQueryBlocked(rampart):
    for path, rule in ((SQLI_QUERY, 942100), (XSS_QUERY, 941100)):
        resp = rampart.get(path)
        assert resp.status == 403, resp.body
        assert resp.json()["reason"] == "waf_block"
        rec = rampart.record_for(resp.header("x-request-id"))
        assert rec["action"] == "block" and rec["reason"] == "waf_block"
        assert rec["waf_mode"] == "block"
        assert rule in rule_ids(rec)
        assert rec["inbound_anomaly_score"] >= 5
        assert rec["intervention"]["status"] == 403
        assert "949110" in rec["intervention"]["log"]


@waf()
def test_H1_CleanRequestsPass(rampart):
    resp = rampart.get("/waf/products?page=2", headers={"Accept": "text/html",
                                                      "User-Agent": "Mozilla/5.0"})
    assert resp.status == 200
    rec = rampart.record_for(resp.header("x-request-id"))
    assert rec["waf_mode"] == "block" and rec["intervention"] is None
    assert rec["inbound_anomaly_score"] == 0
    # A route without waf keeps the WAF fields empty.
    resp = rampart.get("/plain")
    rec = rampart.record_for(resp.header("x-request-id"))
    assert rec["waf_mode"] == "off" and rec["rules"] == [] and rec["inbound_anomaly_score"] == -1


@waf()
def test_H2Tls_And_H2c_SqliBlocked(rampart):
    tls = rampart.curl(["--http2"] + rampart.curl_tls_args() + [rampart.https_url + SQLI_QUERY])
    assert tls.rc == 0, tls.stderr
    assert tls.http_version == "2" and tls.status == 403
    rec = rampart.record_for(tls.header("x-request-id"))
    assert rec["protocol"] == "HTTP/2" and 942100 in rule_ids(rec)
    h2c = rampart.curl(["--http2-prior-knowledge", rampart.http_url + XSS_QUERY])
    assert h2c.http_version == "2" and h2c.status == 403
    assert 941100 in rule_ids(rampart.record_for(h2c.header("x-request-id")))
    # Clean h2 passes (Host comes from :authority: no 920280 "missing Host").
    ok = rampart.curl(["--http2-prior-knowledge", rampart.http_url + "/waf/ok"])
    assert ok.status == 200
    assert 920280 not in rule_ids(rampart.record_for(ok.header("x-request-id")))


BODIES = [
    ("form", "application/x-www-form-urlencoded", b"user=admin&q=1%27%20or%201%3D1--", 942100),
    ("json", "application/json", b'{"q": "<script>alert(document.cookie)</script>"}', 941100),
    ("xml", "application/xml", b"<a><q>1' or 1=1--</q></a>", 942100),
]


@waf()
@pytest.mark.parametrize("proto", ["h1", "h2c", "h2tls"])
def test_BodiesBlocked(rampart, proto):
    for name, ctype, body, rule in BODIES:
        args = ["-X", "POST", "-H", f"Content-Type: {ctype}", "--data-binary", body.decode()]
        if proto == "h1":
            args += [rampart.http_url + "/waf/post"]
        elif proto == "h2c":
            args += ["--http2-prior-knowledge", rampart.http_url + "/waf/post"]
        else:
            args += ["--http2"] + rampart.curl_tls_args() + [rampart.https_url + "/waf/post"]
        res = rampart.curl(args)
        assert res.status == 403, (name, proto, res.body)
        rec = rampart.record_for(res.header("x-request-id"))
        assert rec["phase"] == "request_body"
        assert rule in rule_ids(rec), (name, proto, rec["rules"])
    # multipart via curl -F
    mp = ["--form-string", "comment=<script>alert(document.cookie)</script>"]
    if proto == "h2c":
        mp += ["--http2-prior-knowledge"]
    if proto == "h2tls":
        res = rampart.curl(mp + ["--http2"] + rampart.curl_tls_args() + [rampart.https_url + "/waf/up"])
    else:
        res = rampart.curl(mp + [rampart.http_url + "/waf/up"])
    assert res.status == 403
    assert 941100 in rule_ids(rampart.record_for(res.header("x-request-id")))


@waf()
def test_DetectModePassesAndRecords(rampart):
    resp = rampart.get(SQLI_QUERY.replace("/waf/", "/detect/"))
    assert resp.status == 200
    rec = rampart.record_for(resp.header("x-request-id"))
    assert rec["waf_mode"] == "detect" and rec["action"] == "allow"
    assert 942100 in rule_ids(rec) and rec["inbound_anomaly_score"] >= 5
    body = b"q=%3Cscript%3Ealert(1)%3C/script%3E"
    resp = rampart.get("/detect/post", method="POST", body=body,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 200
    assert 941100 in rule_ids(rampart.record_for(resp.header("x-request-id")))


def test_ExclusionFileTakesEffect(make_rampart, tmp_path):
    excl = tmp_path / "exclusions-before.conf"
    excl.write_text(
        'SecRule REQUEST_FILENAME "@beginsWith /waf/excluded" '
        '"id:10001,phase:1,pass,nolog,t:none,ctl:ruleRemoveByTag=attack-sqli"\n')
    r = make_rampart(extra_routes=WAF_ROUTES, waf={"exclusions_before": str(excl)})
    assert r.get("/waf/excluded?id=1%27%20or%201=1--").status == 200
    assert r.get(SQLI_QUERY).status == 403


def test_RedirectIntervention(make_rampart, tmp_path):
    site = tmp_path / "site.conf"
    site.write_text('SecRule ARGS:go "@streq away" '
                    '"id:10002,phase:1,redirect:https://example.net/blocked"\n')
    routes = [dict(WAF_ROUTES[2], waf={"mode": "block", "rule_files": [str(site)]})]
    r = make_rampart(extra_routes=routes)
    resp = r.get("/redirect/?go=away")
    assert resp.status == 302
    assert resp.header("location") == "https://example.net/blocked"
    rec = r.record_for(resp.header("x-request-id"))
    assert rec["reason"] == "waf_redirect" and rec["intervention"]["url"] == "https://example.net/blocked"


def test_BrokenRuleFileRefusedAtStart(tmp_path, certs, backends):
    bad = tmp_path / "bad.conf"
    bad.write_text("# site\nSecRule ARGS \"@rx a\" \"id:10003,phase:2,nosuchaction\"\n")
    routes = [dict(WAF_ROUTES[0], waf={"mode": "block", "rule_files": [str(bad)]})]
    r = Rampart(tmp_path, certs, backends, {"extra_routes": routes})
    r.write_config(r.config)
    p = subprocess.run([BINARY, "serve", "--config", str(r.config_path)], capture_output=True,
                       timeout=30, cwd=str(REPO))
    assert p.returncode != 0
    err = p.stderr.decode()
    assert f"{bad}:2:" in err and "libmodsecurity" in err, err


@waf()
def test_BrokenRuleFileRefusedAtReloadOldConfigServes(rampart, tmp_path):
    gen = rampart.generation()
    bad = tmp_path / "bad-reload.conf"
    bad.write_text("SecRule ARGS \"@rx a\" \"id:10004,phase:2,nosuchaction\"\n")
    config = json.loads(json.dumps(rampart.config))
    config["routes"][0]["waf"]["rule_files"] = [str(bad)]
    status, body = rampart.reload(config)
    assert status == 400
    assert f"{bad}:1:" in json.dumps(body)
    assert rampart.generation() == gen
    assert rampart.get(SQLI_QUERY).status == 403
    assert rampart.get("/waf/ok").status == 200


XML_NAME = b'<?xml version="1.0"?><a><java.lang.Runtime x="y">v</java.lang.Runtime></a>'
XML_VALUE = b'<?xml version="1.0"?><a><e x="y">java.lang.Runtime</e></a>'
XML_ATTRIBUTE_VALUE = b'<?xml version="1.0"?><a><e class="java.lang.ProcessBuilder">v</e></a>'


def xml_rules(r, body):
    resp = r.get("/detect/xml", method="POST", body=body,
                 headers={"Content-Type": "application/xml"})
    assert resp.status == 200
    return rule_ids(r.record_for(resp.header("x-request-id")))


def test_EngineCompat_JavaRulesInspectXmlValuesNotNames(make_rampart):
    """rules/libmodsecurity-compat.conf: CRS 944xxx matches Java class names in XML element and
    attribute values, not in element names (CRS 3.3's tested behaviour); switched off, libmodsecurity
    v3's raw REQUEST_BODY makes the names match again."""
    r = make_rampart(extra_routes=WAF_ROUTES)
    assert 944100 not in xml_rules(r, XML_NAME)
    assert 944100 in xml_rules(r, XML_VALUE)
    assert 944100 in xml_rules(r, XML_ATTRIBUTE_VALUE)
    r.stop()
    off = make_rampart(extra_routes=WAF_ROUTES, waf={"engine_compat": ""})
    assert 944100 in xml_rules(off, XML_NAME)


SQL_ERROR_TEXT = ("You have an error in your SQL syntax; check the manual that corresponds to your "
                  "MySQL server version for the right syntax to use near")
RESPONSE_ROUTES = [
    {"name": "outbound", "hosts": ["*"], "path_prefix": "/out/", "cluster": "echo",
     "waf": {"mode": "block", "inspect_response_body": True}},
    {"name": "outbound-detect", "hosts": ["*"], "path_prefix": "/outdetect/", "cluster": "echo",
     "waf": {"mode": "detect", "inspect_response_body": True}},
]


@pytest.mark.rampart(extra_routes=RESPONSE_ROUTES)
@pytest.mark.parametrize("proto", ["h1", "h2c", "h2tls"])
def test_ResponseBodyRuleBlocksAfterHeadersLeft(rampart, proto):
    """A CRS response-body rule (951xxx, SQL error leakage): the echo upstream's JSON body repeats
    the request's headers, so a header carrying a MySQL error message makes the *response* leak it.
    The response headers have left when the body is inspected, so rampart cuts the response
    (h1: close, h2: RST_STREAM) and the record says late_reset."""
    marker = f"resp-{proto}"
    args = ["-H", f"X-Leak: {SQL_ERROR_TEXT}", "-H", f"X-Marker: {marker}"]
    if proto == "h1":
        args += [rampart.http_url + "/out/leak"]
    elif proto == "h2c":
        args += ["--http2-prior-knowledge", rampart.http_url + "/out/leak"]
    else:
        args += ["--http2"] + rampart.curl_tls_args() + [rampart.https_url + "/out/leak"]
    res = rampart.curl(args)
    assert res.rc != 0, "the client must see the response cut, not a complete body"
    assert SQL_ERROR_TEXT.encode() not in res.body
    rec = rampart.last_record(pred=lambda r: r["path"] == "/out/leak" and r["protocol"] != "")
    assert rec["action"] == "block" and rec["reason"] == "waf_block", rec
    assert rec["phase"] == "response_body" and rec["late_reset"] is True, rec
    assert rec["outbound_anomaly_score"] >= 4
    assert any(951100 <= r["id"] <= 951999 for r in rec["rules"]), rec["rules"]
    # a clean response on the same route passes whole
    ok = rampart.curl([rampart.http_url + "/out/clean"])
    assert ok.status == 200 and ok.rc == 0


@pytest.mark.rampart(extra_routes=RESPONSE_ROUTES)
def test_ResponseBodyRuleDetectModeRecordsOnly(rampart):
    res = rampart.curl(["-H", f"X-Leak: {SQL_ERROR_TEXT}", rampart.http_url + "/outdetect/leak"])
    assert res.status == 200 and res.rc == 0
    assert SQL_ERROR_TEXT.encode() in res.body
    rec = rampart.last_record(pred=lambda r: r["path"] == "/outdetect/leak")
    assert rec["action"] == "allow" and rec["late_reset"] is False
    assert any(951100 <= r["id"] <= 951999 for r in rec["rules"]), rec["rules"]


GRAPHQL_QUERY = ("query Search($term: String!, $first: Int) { search(term: $term, first: $first) { "
                 "totalCount nodes { ... on Product { id name price } ... on Article { id title } } } }")


def graphql_post(r, body: dict):
    resp = r.get("/waf/graphql", method="POST", body=json.dumps(body).encode(),
                 headers={"Content-Type": "application/json"})
    return resp, r.record_for(resp.header("x-request-id"))


@waf()
def test_GraphqlSyntaxIsNotInspectedButItsDataIs(rampart):
    """CRS PL1 reads GraphQL syntax as shell/SQL (932100, 942190); rampart lets it inspect a valid
    document's string literals instead, and the variables as they are."""
    resp, rec = graphql_post(rampart, {"query": GRAPHQL_QUERY, "variables": {"term": "red shoes"}})
    assert resp.status == 200, rec["rules"]
    assert resp.json()["body_length"] > 0  # the upstream got the body
    resp, rec = graphql_post(rampart, {"query": GRAPHQL_QUERY,
                                       "variables": {"term": "1' or 1=1--"}})
    assert resp.status == 403 and 942100 in rule_ids(rec)
    resp, rec = graphql_post(rampart, {"query": '{ search(term: "1\' or 1=1--") { totalCount } }'})
    assert resp.status == 403 and 942100 in rule_ids(rec)
    # not a GraphQL document: inspected raw, as before
    resp, rec = graphql_post(rampart, {"query": "1' union select password from users--"})
    assert resp.status == 403
    assert rampart.metric("rampart_waf_graphql_views_total") >= 2
