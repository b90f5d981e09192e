"""Rate limits on a real redis-server (docs/rate-limits.md): several rampart instances sharing
one key, Redis killed and paused mid-run (timeouts, fail_open / fail_closed, recovery), NOSCRIPT
after a script flush, AUTH, the over-limit cache and reload."""

import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import free_port

REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")

pytestmark = pytest.mark.skipif(REDIS_SERVER is None or REDIS_CLI is None,
                                reason="redis-server / redis-cli not installed")


class Redis:
    """One redis-server on a free loopback port, no persistence; restartable on the same port."""

    def __init__(self, directory: Path, password: str | None = None):
        self.dir = directory
        self.port = free_port()
        self.password = password
        self.proc = None

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no", "--dir", str(self.dir),
                "--logfile", str(self.dir / f"redis-{self.port}.log")]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.cli("PING").strip() in ("PONG", "NOAUTH Authentication required."):
                return self
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def cli(self, *args) -> str:
        cmd = [REDIS_CLI, "-p", str(self.port)]
        if self.password:
            cmd += ["--no-auth-warning", "-a", self.password]
        p = subprocess.run(cmd + list(args), capture_output=True, timeout=10)
        return p.stdout.decode(errors="replace")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGCONT)
            except ProcessLookupError:
                pass
        self.kill()


@pytest.fixture
def redis(tmp_path):
    r = Redis(tmp_path).start()
    yield r
    r.stop()


def redis_rules(server, rules, redis_settings=None, **extra):
    cfg = {"redis": {"address": server.address, "timeout_ms": 100, "connect_timeout_ms": 200,
                     "breaker": {"failures": 3, "open_ms": 200}}}
    cfg["redis"].update(redis_settings or {})
    cfg.update(extra)
    cfg["rules"] = rules
    return cfg


def rule(name, limit, window_ms=3_600_000, **extra):
    r = {"name": name, "key": ["route"], "limit": limit, "window_ms": window_ms, "store": "redis"}
    r.update(extra)
    return r


def timed_get(rampart, path="/"):
    start = time.monotonic()
    resp = rampart.get(path)
    return resp, time.monotonic() - start


@pytest.mark.parametrize("leases", [False, True], ids=["exact", "leases"])
@pytest.mark.parametrize("algorithm", ["sliding_window", "gcra"])
def test_H1_FourInstancesShareOneRedisKey(make_rampart, redis, algorithm, leases):
    limit = 200
    extra = {"algorithm": algorithm}
    if algorithm == "gcra":
        extra["burst"] = limit  # refill over the run: 200/h -> well under 1 request
    settings = {}
    if leases:
        # Quota leases: a call may reserve up to 64 admissions; 4 instances x 2 workers hold them.
        extra["lease_max"] = 64
        extra["lease_ttl_ms"] = 1000
        settings["expected_instances"] = 4
    rl = redis_rules(redis, [rule("shared-" + algorithm, limit, **extra)], **settings)
    instances = [make_rampart(workers=2, rate_limits=rl) for _ in range(4)]
    admitted = [0] * 4
    other = []
    lock = threading.Lock()

    def client(i):
        for _ in range(75):  # 8 clients x 75 = 600 requests, 3x the limit
            s = instances[i % 4].get("/").status
            with lock:
                if s == 200:
                    admitted[i % 4] += 1
                elif s != 429:
                    other.append(s)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = sum(admitted)
    calls = sum(r.metric("rampart_rate_limit_redis_calls_total") for r in instances)
    leased = sum(r.metric("rampart_rate_limit_lease_admissions_total") for r in instances)
    wasted = sum(r.metric("rampart_rate_limit_lease_expired_unused_total") for r in instances)
    print(f"\n[{algorithm}, {'leases' if leases else 'exact'}] 4 instances, limit L={limit}: "
          f"admitted {total} ({100.0 * (total - limit) / limit:+.2f}% of L), per instance "
          f"{admitted}; {calls} Redis calls, {leased} admitted from leases, {wasted} expired unused")
    assert not other
    assert abs(total - limit) <= limit * 0.01
    assert all(a > 0 for a in admitted)  # every instance took part
    for r in instances:
        assert r.metric("rampart_rate_limit_redis_errors_total") == 0
    if leases:
        assert leased > 0 and calls < total
    else:
        assert leased == 0


def test_H1_QuotaLeasesRecordsCountsAndRedisDown(make_rampart, redis):
    """A leased rule: the first decision is exact, later ones come from leases (no Redis call),
    the record shows store_status lease with counts that go on where Redis' left off, Redis'
    own count covers every reserved admission, and admissions already leased are still used
    after Redis dies (they were counted); then fail_closed applies."""
    rl = redis_rules(redis, [rule("leased", 1000, on_store_failure="fail_closed",
                                  lease_max=16, lease_ttl_ms=60_000)])
    r = make_rampart(workers=1, rate_limits=rl)
    entries = []
    for _ in range(40):
        resp = r.get("/")
        assert resp.status == 200
        entries.append(r.record_for(resp.header("x-request-id"))["rate_limits"][0])
    statuses = [e["store_status"] for e in entries]
    assert statuses[0] == "ok"  # a key never seen: one admission, an exact decision
    assert statuses.count("lease") >= 25
    # Counts as if the admissions had come one by one: 1, 2, ..., 40.
    assert [e["count"] for e in entries] == list(range(1, 41))
    assert all(e["remaining"] == 1000 - e["count"] for e in entries)
    calls = r.metric("rampart_rate_limit_redis_calls_total")
    reserved = r.metric("rampart_rate_limit_lease_reserved_total")
    assert calls == statuses.count("ok") and calls < 15
    assert r.metric("rampart_rate_limit_lease_admissions_total") == statuses.count("lease")
    # Redis counted the request that asked plus every reserved admission.
    [key] = redis.cli("KEYS", "rl:*").split()
    # The current and the previous window (should the hour have turned during the test).
    counted = sum(int(v or 0) for v in redis.cli("HMGET", key, "c", "p").split())
    assert counted == calls + reserved
    held = counted - 40
    assert 0 <= held <= 16

    redis.kill()
    after = [r.get("/").status for _ in range(held + 3)]
    print(f"\nleases: {calls:.0f} calls for 40 admissions; {held} held when redis died -> {after}")
    assert after[:held] == [200] * held
    assert set(after[held:]) == {503}


def test_H1_SlidingWindowLeaseEndsWithItsWindow(make_rampart, redis):
    """A sliding-window lease is never used in a later window than Redis counted it in: with a
    60 s lease_ttl_ms and 500 ms windows, admissions still held at a window's end expire there
    (rate_limit_lease_expired_unused_total), not 60 s later."""
    rl = redis_rules(redis, [rule("edge", 100_000, window_ms=500, lease_max=64,
                                  lease_ttl_ms=60_000)])
    r = make_rampart(workers=1, rate_limits=rl)
    end = time.monotonic() + 1.6  # at least two window ends
    admitted = 0
    while time.monotonic() < end:
        assert r.get("/").status == 200
        admitted += 1
    expired = r.metric("rampart_rate_limit_lease_expired_unused_total")
    leased = r.metric("rampart_rate_limit_lease_admissions_total")
    print(f"\nlease window ends: {admitted} admitted, {leased:.0f} from leases, "
          f"{expired:.0f} expired unused at window ends")
    assert leased > admitted / 2
    assert expired > 0


def test_H1_RedisKilledFailOpenAndFailClosedThenRecovers(make_rampart, redis):
    rl = redis_rules(redis, [
        rule("open", 1000, match={"path_prefix": "/open/"}, on_store_failure="fail_open"),
        rule("closed", 1000, match={"path_prefix": "/closed/"}, on_store_failure="fail_closed"),
    ], expected_instances=100)  # fail_open share: 1000 / 100 = 10 per instance
    r = make_rampart(workers=2, rate_limits=rl)
    assert r.get("/open/x").status == 200 and r.get("/closed/x").status == 200
    redis.kill()
    worst = 0.0
    open_statuses, closed_statuses = [], []
    for _ in range(30):
        resp, took = timed_get(r, "/open/x")
        open_statuses.append(resp.status)
        worst = max(worst, took)
        resp, took = timed_get(r, "/closed/x")
        closed_statuses.append(resp.status)
        worst = max(worst, took)
    print(f"\nredis killed: slowest request {worst * 1000:.1f} ms (timeout 100 ms)")
    assert worst < 0.1 + 0.15  # timeout plus scheduling slack on a loaded machine
    assert set(closed_statuses) == {503}
    # Each worker has its own fail_open share of 10 in the process-wide local store.
    assert open_statuses.count(200) == 10 and open_statuses.count(429) == 20
    resp = r.get("/closed/x")
    rec = r.record_for(resp.header("x-request-id"))
    assert rec["reason"] == "rate_limit_unavailable"
    [entry] = rec["rate_limits"]
    assert entry["outcome"] == "fail_closed" and entry["degraded"] is True
    assert entry["store_status"] in ("breaker_open", "error")
    resp = r.get("/open/x")
    entry = r.record_for(resp.header("x-request-id"))["rate_limits"][0]
    assert entry["store"] == "local_fallback" and entry["limit"] == 10
    assert entry["outcome"] == "fail_open_limited"
    assert r.metric("rampart_rate_limit_redis_degraded_connections") >= 1
    assert "circuit open" in r.stderr()

    # Redis returns (empty): admission is back to normal within 1 s.
    redis.start()
    back = time.monotonic()
    recovered = None
    while time.monotonic() - back < 3:
        resp = r.get("/closed/x")
        if resp.status == 200:
            rec = r.record_for(resp.header("x-request-id"))
            if rec["rate_limits"][0]["store_status"] == "ok":
                recovered = time.monotonic() - back
                break
        time.sleep(0.02)
    print(f"admission back {recovered if recovered is None else round(recovered * 1000)} ms "
          "after redis returned")
    assert recovered is not None and recovered <= 1.0
    # Both workers recover (the other one probes on its next request). Which worker a new
    # connection lands on is the kernel's SO_REUSEPORT hash, so a handful of requests may all
    # reach the worker that already recovered: keep sending until both have, for up to 2 s.
    time.sleep(0.3)
    deadline = time.monotonic() + 2
    statuses = []
    while time.monotonic() < deadline:
        statuses += [r.get("/closed/x").status for _ in range(6)]
        if r.metric("rampart_rate_limit_redis_degraded_connections") == 0:
            break
    assert set(statuses) == {200}
    assert r.metric("rampart_rate_limit_redis_degraded_connections") == 0
    assert "circuit closed" in r.stderr()
    opened = r.stderr().count("circuit open")
    assert 1 <= opened <= 2 * 2  # once per worker per outage (a failed probe may add one)


def test_H1_RedisPausedNoRequestWaitsBeyondTimeout(make_rampart, redis):
    rl = redis_rules(redis, [rule("paused", 1000, on_store_failure="fail_closed")],
                     redis_settings={"timeout_ms": 80})
    r = make_rampart(workers=1, rate_limits=rl)
    assert r.get("/").status == 200
    redis.proc.send_signal(signal.SIGSTOP)
    try:
        timings = []
        statuses = []
        for _ in range(10):
            resp, took = timed_get(r)
            statuses.append(resp.status)
            timings.append(took)
        print(f"\nredis paused: request times ms {[round(t * 1000) for t in timings]} (timeout 80)")
        assert set(statuses) == {503}
        assert max(timings) < 0.08 + 0.15
        # Once the breaker opened, requests do not wait at all.
        assert min(timings[-5:]) < 0.05
        assert r.metric("rampart_rate_limit_redis_timeouts_total") >= 1
    finally:
        redis.proc.send_signal(signal.SIGCONT)
    time.sleep(0.3)
    assert r.get("/").status == 200


def test_H1_NoscriptAfterFlushLoadsTheScriptAgain(make_rampart, redis):
    r = make_rampart(workers=1, rate_limits=redis_rules(redis, [rule("flush", 100)]))
    assert r.get("/").status == 200
    assert redis.cli("SCRIPT", "FLUSH").strip() == "OK"
    assert r.get("/").status == 200
    resp = r.get("/")
    entry = r.record_for(resp.header("x-request-id"))["rate_limits"][0]
    assert entry["count"] == 3 and entry["store_status"] == "ok"
    assert r.metric("rampart_rate_limit_redis_noscript_total") == 1
    assert r.metric("rampart_rate_limit_redis_errors_total") == 0


def test_H1_OverLimitCacheRefusesWithoutRedisCalls(make_rampart, redis):
    r = make_rampart(workers=1, rate_limits=redis_rules(redis, [rule("cached", 2)]))
    assert [r.get("/").status for _ in range(3)] == [200, 200, 429]
    calls = r.metric("rampart_rate_limit_redis_calls_total")
    resp = r.get("/")
    assert resp.status == 429
    assert int(resp.header("retry-after")) > 0
    entry = r.record_for(resp.header("x-request-id"))["rate_limits"][0]
    assert entry["outcome"] == "limited_cached" and entry["store_status"] == "over_limit_cache"
    assert r.metric("rampart_rate_limit_redis_calls_total") == calls
    assert r.metric("rampart_rate_limit_limited_cached_total") == 1


def test_H1_RedisAuth(make_rampart, tmp_path):
    redis = Redis(tmp_path, password="s3cret-pass").start()
    try:
        good = make_rampart(workers=1, rate_limits=redis_rules(
            redis, [rule("auth", 1, on_store_failure="fail_closed")],
            redis_settings={"password": "s3cret-pass"}))
        assert [good.get("/").status for _ in range(2)] == [200, 429]
        bad = make_rampart(workers=1, rate_limits=redis_rules(
            redis, [rule("auth2", 1, on_store_failure="fail_closed")],
            redis_settings={"password": "wrong"}))
        assert {bad.get("/").status for _ in range(5)} == {503}
        assert "circuit open" in bad.stderr()
        assert "s3cret-pass" not in bad.stderr()
    finally:
        redis.stop()


def test_H1_ReloadKeepsRedisLimitsWorking(make_rampart, redis):
    r = make_rampart(workers=1, rate_limits=redis_rules(redis, [rule("reload", 3)]))
    assert [r.get("/").status for _ in range(2)] == [200, 200]
    cfg = dict(r.config)
    cfg["rate_limits"] = redis_rules(redis, [rule("reload", 4)])
    status, body = r.reload(cfg)
    assert status == 200, body
    # The count lives in Redis: 2 so far, the new limit 4 admits two more.
    assert [r.get("/").status for _ in range(3)] == [200, 200, 429]
    assert r.metric("rampart_rate_limit_redis_errors_total") == 0


def start_replica_of(primary, directory):
    replica = Redis(directory).start()
    replica.cli("REPLICAOF", "127.0.0.1", str(primary.port))
    deadline = time.monotonic() + 10
    while "master_link_status:up" not in replica.cli("INFO", "replication"):
        assert time.monotonic() < deadline, "replica did not sync"
        time.sleep(0.05)
    return replica


def wait_until_replica_caught_up(primary, replica, seconds=10.0):
    """Until the replica has applied everything the primary wrote. (WAIT from redis-cli is no
    help: it waits only for that connection's own writes, and it made none.)"""
    def offset(info, field):
        line = next((l for l in info.splitlines() if l.startswith(field + ":")), None)
        return int(line.split(":", 1)[1]) if line else -1
    deadline = time.monotonic() + seconds
    while True:
        wanted = offset(primary.cli("INFO", "replication"), "master_repl_offset")
        if offset(replica.cli("INFO", "replication"), "slave_repl_offset") >= wanted >= 0:
            return
        assert time.monotonic() < deadline, "replica did not catch up"
        time.sleep(0.02)


def admitted_until_refused(rampart, path, limit):
    """Requests until the first 429; returns (admitted, other statuses seen)."""
    admitted, others = 0, []
    for _ in range(limit + 5):
        status = rampart.get(path).status
        if status == 429:
            return admitted, others
        if status == 200:
            admitted += 1
        else:
            others.append(status)
    return admitted, others


def wait_for_store_ok(rampart, path, seconds=3.0):
    """Seconds until a request is decided by Redis again (503s meanwhile: fail_closed)."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        resp = rampart.get(path)
        if resp.status in (200, 429):
            rec = rampart.record_for(resp.header("x-request-id"))
            if rec["rate_limits"][0]["store_status"] == "ok":
                return time.monotonic() - start, resp.status
        time.sleep(0.02)
    return None, None


def test_H1_PrimaryKilledReplicaPromotedLimitsFollow(make_rampart, redis, tmp_path):
    replica_dir = tmp_path / "replica"
    replica_dir.mkdir()
    replica = start_replica_of(redis, replica_dir)
    try:
        rl = redis_rules(redis, [rule("ha", 20, on_store_failure="fail_closed")],
                         redis_settings={"replicas": [replica.address]})
        r = make_rampart(workers=2, rate_limits=rl)
        before = sum(r.get("/").status == 200 for _ in range(8))
        assert before == 8
        wait_until_replica_caught_up(redis, replica)  # the counts reached the replica
        redis.kill()
        replica.cli("REPLICAOF", "NO", "ONE")
        took, status = wait_for_store_ok(r, "/")
        print(f"\nprimary killed, replica promoted: decided by the new primary after "
              f"{took if took is None else round(took * 1000)} ms")
        assert took is not None and took <= 1.0
        # The promoted replica holds the 8 earlier counts (+1 for the request that found it).
        after, others = admitted_until_refused(r, "/", 20)
        assert set(others) <= {503}
        assert before + (status == 200) + after == 20
        assert "redis primary is now " + replica.address in r.stderr()
        assert r.metric("rampart_rate_limit_redis_primary_changes_total") >= 1
    finally:
        replica.stop()


def test_H1_SwitchoverDemotedPrimaryAnswersReadonlyLimitsFollow(make_rampart, redis, tmp_path):
    replica_dir = tmp_path / "replica"
    replica_dir.mkdir()
    replica = start_replica_of(redis, replica_dir)
    try:
        rl = redis_rules(redis, [rule("switch", 20, on_store_failure="fail_closed")],
                         redis_settings={"replicas": [replica.address]})
        r = make_rampart(workers=1, rate_limits=rl)
        assert [r.get("/").status for _ in range(5)] == [200] * 5
        wait_until_replica_caught_up(redis, replica)
        # A planned switchover: both servers stay up, roles swap.
        replica.cli("REPLICAOF", "NO", "ONE")
        redis.cli("REPLICAOF", "127.0.0.1", str(replica.port))
        took, status = wait_for_store_ok(r, "/")
        assert took is not None and took <= 1.0
        after, others = admitted_until_refused(r, "/", 20)
        assert set(others) <= {503}
        assert 5 + (status == 200) + after == 20
        assert "redis primary is now " + replica.address in r.stderr()
    finally:
        replica.stop()


class TlsRedis(Redis):
    """redis-server answering only TLS (tls-port), with the given certificate."""

    def __init__(self, directory: Path, cert):
        super().__init__(directory)
        self.cert = cert

    def start(self):
        args = [REDIS_SERVER, "--port", "0", "--tls-port", str(self.port), "--bind", "127.0.0.1",
                "--tls-cert-file", self.cert.cert, "--tls-key-file", self.cert.key,
                "--tls-ca-cert-file", self.cert.cert, "--tls-auth-clients", "no",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self.dir),
                "--logfile", str(self.dir / f"redis-{self.port}.log")]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.cli("PING").strip() == "PONG":
                return self
            time.sleep(0.02)
        raise RuntimeError("redis-server (TLS) did not start")

    def cli(self, *args) -> str:
        cmd = [REDIS_CLI, "-p", str(self.port), "--tls", "--cacert", self.cert.cert]
        p = subprocess.run(cmd + list(args), capture_output=True, timeout=10)
        return p.stdout.decode(errors="replace")


def test_H1_RedisOverTlsVerifiedAndRefusedWhenTheCertificateIsWrong(make_rampart, tmp_path,
                                                                     certs):
    server = TlsRedis(tmp_path, certs["default"]).start()  # SAN: localhost, 127.0.0.1
    try:
        # No over-limit cache: every decision below is Redis' own.
        good = redis_rules(server, [rule("tls", 5, on_store_failure="fail_closed")],
                           redis_settings={"tls": {"ca_file": certs["default"].cert}},
                           over_limit_cache_keys=0)
        r = make_rampart(workers=2, rate_limits=good)
        assert [r.get("/").status for _ in range(7)] == [200] * 5 + [429] * 2
        rec = r.record_for(r.get("/").header("x-request-id"))
        assert rec["rate_limits"][0]["store"] == "redis"
        assert rec["rate_limits"][0]["store_status"] == "ok"
        # The counts are in that Redis: one key, 8 requests seen by the script.
        assert "evalsha" in server.cli("INFO", "commandstats")
        assert server.cli("DBSIZE").strip() == "1"
        # Redis restarts (empty): decisions through a new TLS link within 1 s.
        server.kill()
        assert r.get("/").status == 503
        server.start()
        took, status = wait_for_store_ok(r, "/")
        assert took is not None and took <= 1.0 and status == 200

        # A server whose certificate the CA file does not vouch for: nothing reaches it.
        wrong = redis_rules(server, [rule("tls-wrong", 5, on_store_failure="fail_closed")],
                            redis_settings={"tls": {"ca_file": certs["other"].cert}})
        w = make_rampart(workers=1, rate_limits=wrong)
        resp = w.get("/")
        assert resp.status == 503
        assert w.record_for(resp.header("x-request-id"))["reason"] == "rate_limit_unavailable"
        deadline = time.monotonic() + 3
        while "TLS handshake failed" not in w.stderr() and time.monotonic() < deadline:
            w.get("/")
            time.sleep(0.05)
        assert "TLS: TLS handshake failed: self-signed certificate" in w.stderr()
        # The name is checked too: the right CA, but a name the certificate does not carry.
        misnamed = redis_rules(server, [rule("tls-name", 5, on_store_failure="fail_closed")],
                               redis_settings={"tls": {"ca_file": certs["default"].cert,
                                                       "server_name": "redis.example"}})
        m = make_rampart(workers=1, rate_limits=misnamed)
        assert m.get("/").status == 503
        deadline = time.monotonic() + 3
        while "TLS handshake failed" not in m.stderr() and time.monotonic() < deadline:
            m.get("/")
            time.sleep(0.05)
        print("\n" + m.stderr())
        assert "TLS: TLS handshake failed: hostname mismatch" in m.stderr()
    finally:
        server.stop()
