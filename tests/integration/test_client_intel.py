"""Client intelligence (bot/client_intel_stage.cpp; docs/bots.md "GeoIP/ASN and IP lists")
through the real binary: record fields from a generated .mmdb, per-route deny/challenge/allow by
country, ASN and CIDR list, no database, hot reload of list and database files without SIGHUP,
and a rate limit keyed on country."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAKE_MMDB = REPO / "tests" / "tools" / "make_test_mmdb.pl"


def _writer_available() -> bool:
    return shutil.which("perl") is not None and subprocess.run(
        ["perl", "-MMaxMind::DB::Writer::Tree", "-e", "1"], capture_output=True).returncode == 0


needs_writer = pytest.mark.skipif(not _writer_available(),
                                  reason="libmaxmind-db-writer-perl not installed")


def make_mmdb(path: Path, variant: str = "default") -> str:
    subprocess.run(["perl", str(MAKE_MMDB), str(path), variant], check=True)
    return str(path)


def write_atomically(path: Path, text: str):
    """What a list updater should do: the watcher never sees a half-written file."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def route(name, prefix, policy):
    return {"name": name, "hosts": ["*"], "path_prefix": prefix, "cluster": "echo",
            "client_policy": policy}


def wait_for(predicate, timeout=8.0, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


@needs_writer
def test_H1_RecordHoldsCountryAsnAndLists(make_rampart, tmp_path):
    mmdb = make_mmdb(tmp_path / "geo.mmdb")
    (tmp_path / "local.list").write_text("# loopback\n127.0.0.0/8\n")
    (tmp_path / "other.list").write_text("192.0.2.0/24\n")
    r = make_rampart(client_intel={
        "geoip": {"country_db": mmdb, "asn_db": mmdb},
        "ip_lists": {"local": str(tmp_path / "local.list"), "other": str(tmp_path / "other.list")}})
    resp = r.get("/")
    assert resp.status == 200
    rec = r.record_for(resp.header("x-request-id"))
    assert rec["country"] == "DE"
    assert rec["asn"] == 64500
    assert rec["as_org"] == "Loopback Test Net"
    assert rec["ip_lists"] == ["local"]
    assert rec["client_policy"] == ""  # no route policy
    assert r.metric("rampart_client_intel_geo_lookups_total") >= 1


@needs_writer
def test_H1_DenyByCountryAsnAndListGives403WithReason(make_rampart, tmp_path):
    mmdb = make_mmdb(tmp_path / "geo.mmdb")
    (tmp_path / "local.list").write_text("127.0.0.0/8\n::1\n")
    r = make_rampart(
        client_intel={"geoip": {"country_db": mmdb, "asn_db": mmdb},
                      "ip_lists": {"local": str(tmp_path / "local.list")}},
        extra_routes=[
            route("deny-country", "/dc/", {"deny_countries": ["DE"]}),
            route("allow-country", "/ac/", {"allow_countries": ["US", "FR"]}),
            route("deny-asn", "/da/", {"deny_asns": [64500]}),
            route("deny-list", "/dl/", {"deny_lists": ["local"]}),
            route("allow-list", "/al/", {"allow_lists": ["local"], "deny_countries": ["DE"]}),
            route("detect", "/dt/", {"mode": "detect", "deny_countries": ["DE"]}),
        ])
    for path, reason in [("/dc/", "country_denied"), ("/ac/", "country_denied"),
                         ("/da/", "asn_denied"), ("/dl/", "ip_list_denied")]:
        resp = r.get(path)
        assert resp.status == 403, path
        assert resp.json()["reason"] == reason
        rec = r.record_for(resp.header("x-request-id"))
        assert rec["reason"] == reason and rec["action"] == "block"
        assert rec["client_policy"] == "deny" and rec["client_policy_reason"] == reason
    resp = r.get("/al/")
    assert resp.status == 200
    rec = r.record_for(resp.header("x-request-id"))
    assert rec["client_policy"] == "allow_listed" and rec["ip_lists"] == ["local"]
    resp = r.get("/dt/")
    assert resp.status == 200
    rec = r.record_for(resp.header("x-request-id"))
    assert rec["client_policy"] == "detect_deny"
    assert rec["client_policy_reason"] == "country_denied"
    assert r.metric("rampart_client_policy_country_denied_total") == 2
    assert r.metric("rampart_client_policy_asn_denied_total") == 1
    assert r.metric("rampart_client_policy_ip_list_denied_total") == 1
    assert r.metric("rampart_client_policy_allow_listed_total") == 1
    assert r.metric("rampart_client_policy_shadow_total") == 1


@needs_writer
def test_H1_ChallengeSetsChallengeRequestedBy(make_rampart, tmp_path):
    mmdb = make_mmdb(tmp_path / "geo.mmdb")
    (tmp_path / "local.list").write_text("127.0.0.0/8\n")
    r = make_rampart(
        client_intel={"geoip": {"country_db": mmdb, "asn_db": mmdb},
                      "ip_lists": {"local": str(tmp_path / "local.list")}},
        extra_routes=[
            route("ch-country", "/cc/", {"challenge_countries": ["DE"]}),
            route("ch-asn", "/ca/", {"challenge_asns": [64500]}),
            route("ch-list", "/cl/", {"challenge_lists": ["local"]}),
        ])
    for path, by in [("/cc/", "country"), ("/ca/", "asn"), ("/cl/", "ip_list:local")]:
        resp = r.get(path)
        rec = r.record_for(resp.header("x-request-id"))
        assert rec["challenge_requested_by"] == by, path
        assert rec["client_policy"] == "challenge"
    assert r.metric("rampart_client_policy_challenged_total") == 3


def test_H1_NoDatabaseGivesUnknownAndNothingBreaks(make_rampart, tmp_path):
    r = make_rampart(client_intel={},
                     extra_routes=[route("geo", "/geo/", {"allow_countries": ["DE"]})])
    resp = r.get("/geo/")
    assert resp.status == 200
    rec = r.record_for(resp.header("x-request-id"))
    assert rec["country"] == "unknown" and rec["asn"] == 0 and rec["as_org"] == "unknown"
    assert rec["ip_lists"] == []
    assert rec["client_policy"] == "pass"


@needs_writer
def test_H1_ListAndDatabaseChangesApplyWithoutSighup(make_rampart, tmp_path):
    mmdb_path = tmp_path / "geo.mmdb"
    make_mmdb(mmdb_path)
    blocked = tmp_path / "blocked.list"
    blocked.write_text("192.0.2.0/24\n")
    r = make_rampart(
        client_intel={"geoip": {"country_db": str(mmdb_path), "asn_db": str(mmdb_path)},
                      "ip_lists": {"blocked": str(blocked)}, "reload_check_ms": 200},
        extra_routes=[route("guarded", "/guarded/", {"deny_lists": ["blocked"]})])
    assert r.get("/guarded/").status == 200
    generation = r.generation()

    write_atomically(blocked, "192.0.2.0/24\n127.0.0.0/8\n::1\n")
    assert wait_for(lambda: r.get("/guarded/").status == 403), "list change not applied"
    assert r.generation() > generation
    assert r.metric("rampart_client_intel_file_changes_total") >= 1

    def country():
        resp = r.get("/")
        return r.record_for(resp.header("x-request-id"))["country"]

    assert country() == "DE"
    make_mmdb(mmdb_path, "moved")  # written to a temp name and renamed over
    assert wait_for(lambda: country() == "FR"), "database change not applied"

    # A broken list keeps the old snapshot (and its behaviour), and says why on stderr.
    generation = r.generation()
    write_atomically(blocked, "127.0.0.0/8\nnot-an-address\n")
    assert wait_for(lambda: "not-an-address" in r.stderr()), r.stderr()[-2000:]
    assert "reload refused" in r.stderr()
    assert r.generation() == generation
    assert r.get("/guarded/").status == 403
    # Fixed again: applied again.
    write_atomically(blocked, "192.0.2.0/24\n")
    assert wait_for(lambda: r.get("/guarded/").status == 200), "fixed list not applied"


@needs_writer
def test_H1_RateLimitKeyedOnCountry(make_rampart, tmp_path):
    mmdb = make_mmdb(tmp_path / "geo.mmdb")
    r = make_rampart(client_intel={"geoip": {"country_db": mmdb}},
                     rate_limits={"rules": [{"name": "per-country", "key": ["country"],
                                             "limit": 2, "window_ms": 60000}]})
    assert [r.get("/").status for _ in range(2)] == [200, 200]
    resp = r.get("/")
    assert resp.status == 429
    rec = r.record_for(resp.header("x-request-id"))
    [entry] = rec["rate_limits"]
    assert entry["key"] == "country=DE"
