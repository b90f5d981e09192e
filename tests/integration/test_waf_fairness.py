"""Issue 4's fairness requirement, as a property CI can check on any machine: while clients keep
posting 64 KB forms that CRS must inspect, a concurrent client's light GETs (CRS-inspected too)
are not queued behind the forms. The absolute figure (p99 under 10 ms, release build) is measured
by bench/fairness.py and reported in docs/benchmarks.md; here the GETs' p99 must stay far below
the forms' own median latency, which fails when both share one FIFO queue."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
import fairness  # noqa: E402  (bench/fairness.py: the form body and the browser GET)

ROUTES = [{"name": "fair", "hosts": ["*"], "path_prefix": "/fair/", "cluster": "echo",
           "max_body_bytes": 1048576, "waf": {"mode": "block", "paranoia_level": 1}}]


def wrk_posters(port: int, workdir, connections: int, seconds: int) -> subprocess.Popen:
    body = workdir / "form.txt"
    body.write_bytes(fairness.form_body())
    script = workdir / "post.lua"
    script.write_text('wrk.method = "POST"\n'
                      f'local f = io.open("{body}", "rb"); wrk.body = f:read("*all"); f:close()\n'
                      'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
                      'wrk.headers["Host"] = "localhost"\n')
    # --timeout: wrk leaves slower requests out of its latency histogram (default 2 s), and an
    # ASan build on a loaded machine takes longer than that per form.
    return subprocess.Popen(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                             "--timeout", "60s",
                             "-s", str(script), f"http://127.0.0.1:{port}/fair/submit"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.rampart(extra_routes=ROUTES)
def test_LightGetsAreNotQueuedBehindInspectedForms(rampart):
    fairness.run_gets(0.5, port=rampart.plain_port, prefix="/fair")  # warm-up
    wrk = wrk_posters(rampart.plain_port, rampart.dir, connections=4, seconds=6)
    time.sleep(1.0)
    latencies, statuses = fairness.run_gets(4.0, port=rampart.plain_port, prefix="/fair")
    out = wrk.communicate(timeout=60)[0]
    forms = int(re.search(r"(\d+) requests in", out).group(1))
    assert "Non-2xx" not in out, out  # the forms pass CRS PL1 and are really inspected
    form_p50 = fairness.parse_wrk(out)["p50_ms"]
    get_p99 = fairness.percentile(latencies, 99)
    print(f"\nfairness: {len(latencies)} GETs p50 {fairness.statistics.median(latencies):.2f} ms "
          f"p99 {get_p99:.2f} ms; {forms} forms p50 {form_p50:.1f} ms")
    assert statuses == {200: len(latencies)}, statuses
    assert forms >= 2, out  # the forms really loaded the instance (ASan builds manage ~4 in 6 s)
    assert len(latencies) >= 50
    # One shared FIFO queue puts each GET behind up to 4 forms: its latency then exceeds a form's.
    assert get_p99 < form_p50 / 4, (get_p99, form_p50)
