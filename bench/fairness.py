#!/usr/bin/python3
"""bench/fairness.py: do light GETs stay fast while CRS inspects 64 KB forms on the same instance?

Issue 4's fairness target: while clients keep posting 64 KB urlencoded forms that CRS must inspect,
a concurrent client's light GETs keep a p99 under 10 ms on the same rampart instance.

One rampart (default workers and inspection threads, CRS PL1 block, echo upstream) is measured in
three modes, one after the other in one run:
  idle        the GET client alone (the floor)
  two-lanes   GETs while `--posters` wrk connections post 64 KB forms (the shipped default: small
              requests take the inspection pool's light lane)
  one-lane    the same load with `waf.inspection_light_max_bytes: 0`, so every inspection shares
              the heavy lane (what the pool did before the light lane existed)
The GET client is one keep-alive HTTP/1.1 connection sending a browser-like GET (CRS inspects it
too), a new request 5 ms after the previous answer, timing each request end to end.

usage: bench/fairness.py [--rampart BIN] [--duration S] [--posters N] [--out FILE]
Needs wrk (scripts/install-deps.sh installs it). Ports 18300-18302 on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT_BASE", "18300"))

BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Safari/537.36",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "Accept-Language": "en-GB,en;q=0.9",
    "Accept-Encoding": "gzip, deflate, br",
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Dest": "document",
    "Cookie": "session=8f2c1e0b7a9d4c3e; theme=dark",
}

# Plain nouns: words such as "echo" or "date" are Unix commands that CRS PL1 (932150) flags.
WORDS = ("apple banana cherry orchard elder garden grape honeydew iris jasmine kiwi lemon mango "
         "nectarine olive peach quince raspberry strawberry tangerine meadow vanilla walnut "
         "harvest zucchini").split()


def form_body(size: int = 64 * 1024) -> bytes:
    """A benign urlencoded form of about `size` bytes with ~900 fields (under SecArgumentsLimit)."""
    fields, i = [], 0
    while sum(len(f) + 1 for f in fields) < size:
        words = "+".join(WORDS[(i + k) % len(WORDS)] for k in range(9))
        fields.append(f"field{i}={words}+{i}")
        i += 1
    return "&".join(fields).encode()[:size]


def config_text(light_max_bytes: int | None, log_path: Path) -> str:
    light = "" if light_max_bytes is None else f"  inspection_light_max_bytes: {light_max_bytes}\n"
    return f"""listeners:
  - name: plain
    address: 127.0.0.1:{PORT}
    protocols: [http1]
admin:
  address: 127.0.0.1:{PORT + 1}
decision_log:
  path: {log_path}
clusters:
  - name: echo
    type: echo
routes:
  - name: app
    hosts: ["*"]
    path_prefix: /
    cluster: echo
    max_body_bytes: 1048576
    waf:
      mode: block
      paranoia_level: 1
waf:
{light}  arguments_limit: 1000
"""


def wait_ready(timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT + 1, timeout=1)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("rampart did not become ready")


def start_rampart(binary: str, workdir: Path, light_max_bytes: int | None) -> subprocess.Popen:
    cfg = workdir / "rampart.yaml"
    cfg.write_text(config_text(light_max_bytes, workdir / "decisions.log"))
    proc = subprocess.Popen([binary, "serve", "--config", str(cfg)], stdout=subprocess.DEVNULL,
                            stderr=open(workdir / "rampart.err", "ab"))
    wait_ready()
    return proc


def start_posters(workdir: Path, posters: int, duration: float) -> subprocess.Popen:
    body_file = workdir / "form.txt"
    body_file.write_bytes(form_body())
    script = workdir / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f'local f = io.open("{body_file}", "rb"); wrk.body = f:read("*all"); f:close()\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
    return subprocess.Popen(
        ["wrk", "-t1", f"-c{posters}", f"-d{int(duration) + 2}s", "--latency", "--timeout", "60s",
         "-s", str(script),
         f"http://127.0.0.1:{PORT}/submit"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def run_gets(duration: float, pause_s: float = 0.005, port: int = PORT, prefix: str = "",
             host: str = "localhost") -> tuple[list[float], dict[int, int]]:
    """Sequential keep-alive GETs for `duration` seconds; returns latencies (ms) and status counts."""
    latencies, statuses = [], {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = dict(BROWSER_HEADERS, Host=host)
    deadline = time.monotonic() + duration
    i = 0
    while time.monotonic() < deadline:
        i += 1
        start = time.perf_counter()
        conn.request("GET", f"{prefix}/products/list?page={i % 20}&sort=price", headers=headers)
        resp = conn.getresponse()
        resp.read()
        latencies.append((time.perf_counter() - start) * 1000.0)
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
        if resp.will_close:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        time.sleep(pause_s)
    conn.close()
    return latencies, statuses


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def parse_wrk(text: str) -> dict:
    out = {"requests": 0, "p50_ms": float("nan"), "p99_ms": float("nan"), "non2xx": 0}
    m = re.search(r"(\d+) requests in", text)
    if m:
        out["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        out["non2xx"] = int(m.group(1))
    for label, key in (("50%", "p50_ms"), ("99%", "p99_ms")):
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if m:
            scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
            out[key] = float(m.group(1)) * scale
    return out


def measure(binary: str, workdir: Path, mode: str, duration: float, posters: int) -> dict:
    light = 0 if mode == "one-lane" else None
    proc = start_rampart(binary, workdir, light)
    try:
        run_gets(1.0)  # warm-up: connections, allocator, CRS caches
        wrk = start_posters(workdir, posters, duration) if mode != "idle" else None
        if wrk is not None:
            time.sleep(1.0)  # let the form load reach steady state
        latencies, statuses = run_gets(duration)
        forms = None
        if wrk is not None:
            forms = parse_wrk(wrk.communicate(timeout=duration + 30)[0])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return {"mode": mode, "gets": len(latencies), "statuses": statuses,
            "p50": statistics.median(latencies), "p99": percentile(latencies, 99),
            "max": max(latencies), "forms": forms}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rampart", default=str(ROOT / "build" / "release" / "rampart"))
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--posters", type=int, default=4)
    ap.add_argument("--out", default="/tmp/rampart-fairness.md")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="rampart-fairness-") as tmp:
        for mode in ("idle", "two-lanes", "one-lane"):
            rows.append(measure(args.rampart, Path(tmp), mode, args.duration, args.posters))
            print(rows[-1], file=sys.stderr)
    lines = [f"Fairness: {args.posters} wrk connections posting 64 KB forms (CRS PL1 block), one "
             f"client sending browser GETs (CRS-inspected) every 5 ms, {args.duration:g} s per mode, "
             f"{os.cpu_count()} cores, binary {args.rampart}.", "",
             "| mode | GETs | GET p50 ms | GET p99 ms | GET max ms | GET statuses | forms/s | "
             "form p50 ms | form p99 ms | form non-2xx |",
             "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    for r in rows:
        f = r["forms"]
        form_cols = (f"{f['requests'] / (args.duration + 2):.0f} | {f['p50_ms']:.1f} | "
                     f"{f['p99_ms']:.1f} | {f['non2xx']}") if f else "- | - | - | -"
        lines.append(f"| {r['mode']} | {r['gets']} | {r['p50']:.2f} | {r['p99']:.2f} | "
                     f"{r['max']:.2f} | {r['statuses']} | {form_cols} |")
    report = "\n".join(lines) + "\n"
    Path(args.out).write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
