"""Behaviour counts of the bot score shared between instances through Redis
(bot.behaviour.store: redis; docs/bots.md "Behaviour"): login attempts split over two rampart
instances add up, and Redis unavailable leaves each instance with its own counts."""

import time

import pytest

from test_rate_limits_redis import REDIS_CLI, REDIS_SERVER, Redis

pytestmark = pytest.mark.skipif(REDIS_SERVER is None or REDIS_CLI is None,
                                reason="redis-server / redis-cli not installed")


def overrides(redis_address, store="redis"):
    return {
        "extra_routes": [{"name": "bot", "hosts": ["*"], "path_prefix": "/bot/", "cluster": "echo",
                          "bot": {"mode": "detect"}}],
        "bot": {"behaviour": {"store": store, "max_auth_attempts": 5}},
        "rate_limits": {"redis": {"address": redis_address, "timeout_ms": 100,
                                  "connect_timeout_ms": 200,
                                  "breaker": {"failures": 3, "open_ms": 200}}},
    }


def login_attempts(rampart, n):
    for _ in range(n):
        r = rampart.get("/bot/login", method="POST", body=b"user=a&password=b",
                        headers={"Content-Type": "application/x-www-form-urlencoded",
                                 "User-Agent": "curl/7.88.1"})
        assert r.status == 200


def components_after(rampart, path):
    rampart.get(path, headers={"User-Agent": "curl/7.88.1"})
    rec = rampart.last_record(lambda x: x["path"] == path, timeout=5)
    return {c["name"]: c for c in rec["bot_components"]}


def test_login_attempts_on_two_instances_add_up_in_redis(make_rampart, tmp_path):
    redis = Redis(tmp_path).start()
    try:
        a = make_rampart(**overrides(redis.address))
        b = make_rampart(**overrides(redis.address))
        login_attempts(a, 4)
        login_attempts(b, 4)
        time.sleep(0.3)  # the answers to the last increments arrive after the responses
        # Each instance saw 4 (not above 5); Redis counted 8 for the client.
        got = components_after(b, "/bot/after")
        assert "behaviour_auth_attempts" in got, got
        assert got["behaviour_auth_attempts"]["detail"].startswith("8 ")
        assert b.metric("rampart_bot_behaviour_redis_calls_total") >= 4
        assert redis.cli("--scan", "--pattern", "bhv:*").split(), "no behaviour keys in Redis"

        # Without Redis the instances count alone: 4 + 1 more on a fresh pair stays below.
        redis.kill()
        c = make_rampart(**overrides(redis.address))
        login_attempts(c, 4)
        got = components_after(c, "/bot/alone")
        assert "behaviour_auth_attempts" not in got, got
        rec = c.last_record(lambda x: x["path"] == "/bot/alone")
        assert rec["status"] == 200  # Redis down never blocks or delays the request path
    finally:
        redis.stop()


def test_behaviour_store_redis_needs_rate_limits_redis(make_rampart, tmp_path):
    from conftest import BINARY, to_yaml
    import subprocess
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(to_yaml({
        "listeners": [{"name": "plain", "address": "127.0.0.1:1", "protocols": ["http1"]}],
        "clusters": [{"name": "echo", "type": "echo"}],
        "routes": [{"name": "r", "cluster": "echo"}],
        "bot": {"behaviour": {"store": "redis"}},
    }) + "\n")
    p = subprocess.run([BINARY, "validate", str(cfg)], capture_output=True, timeout=20)
    assert p.returncode != 0
    assert b"'redis' needs a 'rate_limits.redis' section" in p.stderr
