"""`rampart replay` end to end: it starts rampart from a generated config (echo cluster), replays
corpus/selftest (ftw YAML in both layouts, a payload list), and its exit status and JSON report
say what happened. No WAF stage is needed: the expectations are about rampart itself."""

import json
import subprocess

from conftest import BINARY, REPO, free_port, to_yaml

SELFTEST = REPO / "corpus" / "selftest"
GATES = REPO / "corpus" / "gates.yaml"


def echo_config(tmp_path, route_extra=None):
    log = tmp_path / "decisions.log"
    config = {
        "workers": 2,
        "listeners": [{"name": "plain", "address": f"127.0.0.1:{free_port()}",
                       "protocols": ["http1"]}],
        "admin": {"address": f"127.0.0.1:{free_port()}"},
        "limits": {"header_timeout_ms": 3000, "drain_timeout_ms": 2000},
        "decision_log": {"path": str(log)},
        "clusters": [{"name": "echo", "type": "echo"}],
        "routes": [{"name": "default", "hosts": ["*"], "path_prefix": "/", "cluster": "echo",
                    **(route_extra or {})}],
    }
    path = tmp_path / "rampart.yaml"
    path.write_text(to_yaml(config) + "\n")
    return path, log


def replay(tmp_path, *args, timeout=120):
    config, _ = echo_config(tmp_path)
    report = tmp_path / "report.json"
    p = subprocess.run([BINARY, "replay", "--config", str(config), "--report", str(report),
                        "--jobs", "4", *map(str, args)],
                       capture_output=True, timeout=timeout, cwd=str(REPO))
    data = json.loads(report.read_text()) if report.exists() else None
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"), data


def by_name(report):
    return {t["name"]: t for t in report["tests"]}


def test_Replay_SelftestFtwBothLayoutsPassWithIgnoreFileAndGates(tmp_path):
    rc, out, err, report = replay(tmp_path, "--ignore", SELFTEST / "ignore.yaml",
                                  "--gates", GATES, "--suite", "selftest", SELFTEST / "ftw")
    assert rc == 0, out + err
    assert report["load"]["tests_loaded"] == 6 and report["load"]["errors"] == []
    s = report["summary"]
    assert (s["total"], s["passed"], s["failed"], s["ignored"], s["errors"]) == (6, 5, 0, 1, 0)
    tests = by_name(report)
    # legacy and go-ftw layouts, names as go-ftw builds them
    assert {"selftest-1", "selftest-2", "selftest-3", "selftest-4", "999001-1", "999001-2"} == set(tests)
    for name in ("selftest-1", "selftest-2", "999001-1", "999001-2"):
        assert tests[name]["result"] == "passed", tests[name]
        assert tests[name]["stages"][0]["status"] == 200
    # the malformed (bare LF) request: rampart answers 400, which is a status...
    assert tests["selftest-3"]["result"] == "passed"
    assert tests["selftest-3"]["stages"][0]["status"] == 400
    # ...so expect_error does not hold (go-ftw semantics); the ignore file says why
    t4 = tests["selftest-4"]
    assert t4["result"] == "ignored"
    assert t4["reason"] == "expected a connection error (expect_error), got HTTP 400"
    assert "400 Bad Request" in t4["ignore_reason"]
    # a log expectation found its decision record through the x-request-id response header
    st = tests["999001-2"]["stages"][0]
    assert st["record_found"] and st["request_id"] and st["rule_ids"] == []
    assert st["marker"]
    assert [g["gate"] for g in report["gates"]] == ["min_passed", "max_failed"]
    assert all(g["met"] for g in report["gates"])
    assert "ftw" in out and "TOTAL" in out


def test_Replay_FailingTestWithoutIgnoreEntryExitsNonZero(tmp_path):
    rc, out, err, report = replay(tmp_path, SELFTEST / "ftw")
    assert rc == 1, out + err
    assert report["exit_status"] == 1
    assert by_name(report)["selftest-4"]["result"] == "failed"
    assert report["summary"]["failed"] == 1


def test_Replay_LogContainsIsJudgedFromTheDecisionRecord(tmp_path):
    ftw = tmp_path / "crs" / "REQUEST-942-APPLICATION-ATTACK-SQLI"
    ftw.mkdir(parents=True)
    (ftw / "942100.yaml").write_text(to_yaml({
        "meta": {"enabled": True},
        "tests": [{"test_title": "942100-1", "stages": [{"stage": {
            "input": {"uri": "/?q=1%27%20or%201=1--", "headers": {"Host": "localhost"}},
            "output": {"log_contains": 'id "942100"'}}}]}],
    }) + "\n")
    rc, out, err, report = replay(tmp_path, tmp_path / "crs")
    # no WAF stage: the record has no rules, so the rule did not match (a failure, not an error)
    assert rc == 1, out + err
    t = report["tests"][0]
    assert t["result"] == "failed"
    assert t["reason"] == "rule 942100 did not match (record has no rules)"
    assert t["stages"][0]["record_found"]
    assert report["groups"][0]["group"] == "REQUEST-942-APPLICATION-ATTACK-SQLI"


def test_Replay_BenignPayloadsExpectPassInEveryPlace(tmp_path):
    rc, out, err, report = replay(tmp_path, "--expect", "pass", "--gates", GATES,
                                  "--suite", "selftest-benign",
                                  "--place", "query,form,json", "--place", "header",
                                  "--place", "path", "--place", "cookie", SELFTEST / "benign")
    assert rc == 0, out + err
    group = report["groups"][0]
    assert group["group"] == "benign" and group["kind"] == "payload" and group["expect"] == "pass"
    assert group["total"] == 6 * 6 and group["passed"] == 36
    assert group["blocked"] == 0 and group["block_rate"] == 0
    assert report["gates"][0]["gate"] == "max_false_positive_rate" and report["gates"][0]["met"]
    t = by_name(report)["benign/benign.txt:2@json"]
    assert t["payload"] == "hello world" and t["blocked"] is False
    assert "(false positives)" in out


def test_Replay_IgnoreEntryWithoutReasonIsRefused(tmp_path):
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("- test: selftest-4\n")
    rc, out, err, report = replay(tmp_path, "--ignore", ignore, SELFTEST / "ftw")
    assert rc == 2
    assert "entry for test selftest-4 has no reason" in err
    assert report is None


def test_Replay_UnknownSuiteInGatesFileFails(tmp_path):
    rc, out, err, _ = replay(tmp_path, "--gates", GATES, "--suite", "no-such-suite",
                             SELFTEST / "ftw")
    assert rc == 2
    assert "no gates for suite 'no-such-suite'" in err


def test_Replay_FailedTestsNameTheSignaturesThatDecided(tmp_path):
    """A benign list with one value that a default signature blocks: the failure's record is read
    although expect-pass needs no record, so the report and the summary name the signature."""
    config, _ = echo_config(tmp_path, {"canonical": {"max_body_bytes": 65536},
                                       "signatures": {"mode": "block", "paranoia_level": 1}})
    data = tmp_path / "benign"
    data.mkdir()
    (data / "mixed.txt").write_text("hello world\n' OR 1=1--\n")
    report = tmp_path / "report.json"
    p = subprocess.run([BINARY, "replay", "--config", str(config), "--report", str(report),
                        "--jobs", "2", "--expect", "pass", "--place", "json", str(data)],
                       capture_output=True, timeout=120, cwd=str(REPO))
    out = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
    assert p.returncode == 0, out  # payload lists are rates: only a gate makes them fail the run
    result = json.loads(report.read_text())
    failed = [t for t in result["tests"] if t["result"] == "failed"]
    assert len(failed) == 1, out
    stage = failed[0]["stages"][0]
    assert stage["record_found"] and stage["signature_ids"] == ["sqli.boolean-tautology"]
    assert result["failed_rules"] == [{"id": "sqli.boolean-tautology", "failed_tests": 1}]
    assert "rules in failed tests (tests): sqli.boolean-tautology (1)" in out
