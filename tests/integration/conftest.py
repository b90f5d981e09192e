"""Integration harness: runs the real rampart binary against real clients and small backends.

Fixtures:
  certs         (session) two self-signed EC certificates: CN=localhost (default) and other.test
  backends      (session) Python HTTP/1.1 backends: keep-alive echo, slow, malformed, closed port
  rampart       a started Rampart with the default config; tests override parts of it with
                @pytest.mark.rampart(limits={...}, clusters=[...], routes=[...], forwarding={...})
  make_rampart  a factory: make_rampart(limits=..., ...) -> started Rampart (several per test)

Every socket operation has a timeout and every subprocess runs with one: nothing here can hang.
"""

from __future__ import annotations

import copy
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BINARY = os.environ.get("RAMPART_BINARY") or str(REPO / "build" / "dev" / "rampart")

SOCK_TIMEOUT = 5.0


# ------------------------------------------------------------------------------------------------
# Small utilities


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A loopback port free right now, never one this test session handed out before: the kernel
    may give a just-closed port again, and two listeners of one rampart then collide (seen on CI:
    admin.address equal to the TLS listener's)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port
    raise RuntimeError("no fresh free port in 100 tries")


def to_yaml(value, indent: int = 0) -> str:
    """A tiny block-style YAML emitter for dicts, lists and scalars (strings JSON-quoted)."""
    pad = "  " * indent

    def scalar(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            return json.dumps(v)
        raise TypeError(f"unsupported YAML scalar {v!r}")

    lines = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{k}:")
                lines.append(to_yaml(v, indent + 1))
            elif isinstance(v, list):
                lines.append(f"{pad}{k}: []")
            elif isinstance(v, dict):
                lines.append(f"{pad}{k}: {{}}")
            else:
                lines.append(f"{pad}{k}: {scalar(v)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                inner = to_yaml(item, indent + 1).split("\n")
                first = inner[0].strip()
                lines.append(f"{pad}- {first}")
                lines.extend(inner[1:])
            elif isinstance(item, list):
                lines.append(f"{pad}- [{', '.join(scalar(x) for x in item)}]")
            else:
                lines.append(f"{pad}- {scalar(item)}")
    else:
        lines.append(pad + scalar(value))
    return "\n".join(line for line in lines if line != "")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------------------------
# Raw HTTP/1.1 client helpers (exact bytes on the wire)


@dataclass
class RawResponse:
    status: int
    reason: str
    headers: list  # [(lower-case name, value)]
    body: bytes
    raw_head: bytes

    def header(self, name: str):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def header_all(self, name: str):
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    def json(self):
        return json.loads(self.body)


class RawConn:
    """A plain TCP (or TLS) connection with an input buffer and HTTP/1.1 response parsing."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = SOCK_TIMEOUT,
                 tls: bool = False, server_hostname: str = "localhost", alpn=None):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            if alpn:
                ctx.set_alpn_protocols(alpn)
            self.sock = ctx.wrap_socket(self.sock, server_hostname=server_hostname)
        self.buf = b""

    def send(self, data: bytes):
        self.sock.sendall(data)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def read_until(self, marker: bytes) -> bytes:
        while marker not in self.buf:
            if not self._fill():
                raise ConnectionError(f"closed before {marker!r}; have {self.buf[:200]!r}")
        idx = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:idx], self.buf[idx:]
        return out

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionError(f"closed with {len(self.buf)}/{n} bytes")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, head_request: bool = False) -> RawResponse:
        while True:
            head = self.read_until(b"\r\n\r\n")
            lines = head[:-4].split(b"\r\n")
            status_line = lines[0].decode("latin-1")
            parts = status_line.split(" ", 2)
            status = int(parts[1])
            headers = []
            for line in lines[1:]:
                name, _, value = line.decode("latin-1").partition(":")
                headers.append((name.strip().lower(), value.strip()))
            if 100 <= status < 200:
                continue  # interim
            break
        resp = RawResponse(status, parts[2] if len(parts) > 2 else "", headers, b"", head)
        if head_request or status in (204, 304):
            return resp
        te = resp.header("transfer-encoding")
        cl = resp.header("content-length")
        if te and "chunked" in te.lower():
            body = b""
            while True:
                size_line = self.read_until(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    self.read_until(b"\r\n")  # no trailers expected
                    break
                body += self.read_exact(size)
                self.read_exact(2)
            resp.body = body
        elif cl is not None:
            resp.body = self.read_exact(int(cl))
        else:
            while self._fill():
                pass
            resp.body, self.buf = self.buf, b""
        return resp

    def is_closed(self, timeout: float = 2.0) -> bool:
        """True when the peer closed (EOF or reset) within timeout with no more data."""
        if self.buf:
            return False
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            return True
        finally:
            self.sock.settimeout(SOCK_TIMEOUT)
        if data:
            self.buf += data
            return False
        return True


def raw_exchange(port: int, data: bytes, timeout: float = SOCK_TIMEOUT, head_request=False):
    """Send bytes, read one response, report whether the connection then closed."""
    with RawConn(port, timeout=timeout) as c:
        c.send(data)
        resp = c.read_response(head_request=head_request)
        closed = c.is_closed(timeout=2.0)
    return resp, closed


# ------------------------------------------------------------------------------------------------
# curl


@dataclass
class CurlResult:
    rc: int
    status: int
    http_version: str
    num_connects: int
    headers: list
    body: bytes
    stderr: str
    statuses: list = field(default_factory=list)

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def json(self):
        return json.loads(self.body)


def curl(args, timeout: float = 30.0, tmp: Path | None = None) -> CurlResult:
    """Runs curl with -sS; returns the last response's status/headers/body and write-out info."""
    import tempfile

    d = Path(tempfile.mkdtemp(dir=tmp)) if tmp else Path(tempfile.mkdtemp())
    head_file = d / "headers"
    body_file = d / "body"
    fmt = "%{http_code} %{http_version} %{num_connects}\\n"
    cmd = ["curl", "-sS", "--max-time", str(int(timeout)), "-D", str(head_file), "-o", str(body_file),
           "-w", fmt] + list(args)
    p = subprocess.run(cmd, capture_output=True, timeout=timeout + 5)
    out = p.stdout.decode().strip().splitlines()
    statuses, versions, connects = [], [], 0
    for line in out:
        parts = line.split()
        if len(parts) == 3:
            statuses.append(int(parts[0]))
            versions.append(parts[1])
            connects += int(parts[2])
    headers = []
    if head_file.exists():
        blocks = head_file.read_bytes().decode("latin-1").split("\r\n\r\n")
        blocks = [b for b in blocks if b.strip()]
        # the last non-interim block
        for block in reversed(blocks):
            lines = block.split("\r\n")
            if re.match(r"HTTP/\S+ 1\d\d", lines[0]):
                continue
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers.append((name.strip().lower(), value.strip()))
            break
    body = body_file.read_bytes() if body_file.exists() else b""
    for f in (head_file, body_file):
        if f.exists():
            f.unlink()
    d.rmdir()
    return CurlResult(p.returncode, statuses[-1] if statuses else 0,
                      versions[-1] if versions else "", connects, headers, body,
                      p.stderr.decode(errors="replace"), statuses)


# ------------------------------------------------------------------------------------------------
# Certificates


@dataclass
class CertPair:
    cert: str
    key: str


def make_cert(directory: Path, name: str, cn: str, san: str) -> CertPair:
    cert = directory / f"{name}.crt"
    key = directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", f"/CN={cn}", "-addext", f"subjectAltName={san}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=30)
    return CertPair(str(cert), str(key))


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    return {
        "default": make_cert(d, "localhost", "localhost", "DNS:localhost,IP:127.0.0.1"),
        "other": make_cert(d, "other", "other.test", "DNS:other.test"),
    }


# ------------------------------------------------------------------------------------------------
# Backends


class _Backend:
    """Accept loop in a daemon thread; one daemon thread per accepted connection."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self.connections = 0
        self.requests = 0
        self.lock = threading.Lock()
        self.stopped = False
        self.last_request = None  # (method, target, headers, body)
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def _accept_loop(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
            conn.settimeout(30)
            threading.Thread(target=self._serve_guarded, args=(conn,), daemon=True).start()

    def _serve_guarded(self, conn):
        try:
            self.serve(conn)
        except (OSError, ValueError, ConnectionError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def stop(self):
        self.stopped = True
        self.sock.close()

    @staticmethod
    def read_request(conn, buf: bytes):
        """Returns (method, target, headers[(lower, value)], body, rest) or None on EOF."""
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            buf += chunk
        head, _, buf = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
        hmap = {}
        for k, v in headers:
            hmap.setdefault(k, v)
        body = b""
        if "chunked" in hmap.get("transfer-encoding", "").lower():
            while True:
                while b"\r\n" not in buf:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return None
                    buf += chunk
                line, _, buf = buf.partition(b"\r\n")
                size = int(line.split(b";")[0], 16)
                if size == 0:
                    while b"\r\n" not in buf:
                        chunk = conn.recv(65536)
                        if not chunk:
                            return None
                        buf += chunk
                    # no trailers from rampart
                    _, _, buf = buf.partition(b"\r\n")
                    break
                while len(buf) < size + 2:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return None
                    buf += chunk
                body += buf[:size]
                buf = buf[size + 2:]
        elif "content-length" in hmap:
            n = int(hmap["content-length"])
            while len(buf) < n:
                chunk = conn.recv(1 << 20)
                if not chunk:
                    return None
                buf += chunk
            body, buf = buf[:n], buf[n:]
        return method, target, headers, body, buf


class KeepAliveBackend(_Backend):
    """HTTP/1.1 keep-alive echo: JSON summary with Content-Length; counts TCP connections.

    Knobs (request headers): x-backend-response-bytes: N (body of N bytes),
    x-backend-hop: 1 (adds hop-by-hop headers to the response), x-backend-close: 1.
    """

    def serve(self, conn):
        buf = b""
        while not self.stopped:
            req = self.read_request(conn, buf)
            if req is None:
                return
            method, target, headers, body, buf = req
            with self.lock:
                self.requests += 1
                self.last_request = (method, target, headers, body)
            hmap = {}
            for k, v in headers:
                hmap.setdefault(k, v)
            extra = []
            if "x-backend-response-bytes" in hmap:
                payload = b"b" * int(hmap["x-backend-response-bytes"])
                ctype = "application/octet-stream"
            else:
                payload = json.dumps({
                    "method": method, "path": target, "headers": headers,
                    "body_length": len(body), "body_sha256": sha256_hex(body),
                }).encode() + b"\n"
                ctype = "application/json"
            if hmap.get("x-backend-hop"):
                extra += ["Connection: x-secret-hop", "X-Secret-Hop: leaked",
                          "Keep-Alive: timeout=5", "Proxy-Connection: keep-alive",
                          "X-Backend-Visible: yes"]
            close = hmap.get("x-backend-close") or "close" in hmap.get("connection", "").lower()
            if close:
                extra.append("Connection: close")
            head = ["HTTP/1.1 200 OK", f"Content-Type: {ctype}",
                    f"Content-Length: {len(payload)}",
                    "X-Backend: keepalive"] + extra
            out = ("\r\n".join(head) + "\r\n\r\n").encode()
            if method != "HEAD":
                out += payload
            conn.sendall(out)
            if close:
                return


class SlowBackend(_Backend):
    def __init__(self, delay: float = 2.0):
        self.delay = delay
        super().__init__()

    def serve(self, conn):
        req = self.read_request(conn, b"")
        if req is None:
            return
        time.sleep(self.delay)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nslow")


class MalformedBackend(_Backend):
    def serve(self, conn):
        req = self.read_request(conn, b"")
        if req is None:
            return
        conn.sendall(b"HTTP/1.1 OK-ish garbage\r\nContent-Length: banana\r\n\r\nxx")
        time.sleep(0.2)


@dataclass
class Backends:
    keepalive: KeepAliveBackend
    keepalive2: KeepAliveBackend
    slow: SlowBackend
    malformed: MalformedBackend
    closed_port: int


@pytest.fixture(scope="session")
def backends():
    b = Backends(KeepAliveBackend(), KeepAliveBackend(), SlowBackend(2.0), MalformedBackend(),
                 free_port())
    yield b
    for s in (b.keepalive, b.keepalive2, b.slow, b.malformed):
        s.stop()


# ------------------------------------------------------------------------------------------------
# The rampart harness

FAULT_MARKERS = ("AddressSanitizer", "runtime error", "LeakSanitizer", "ThreadSanitizer")


def default_config(ports, certs, backends: Backends, log_path: str) -> dict:
    return {
        "workers": 2,
        "listeners": [
            {"name": "plain", "address": f"127.0.0.1:{ports['plain']}", "protocols": ["http1", "h2c"]},
            {"name": "tls", "address": f"127.0.0.1:{ports['tls']}", "protocols": ["h2", "http1"],
             "tls": {"certificates": [
                 {"cert": certs["default"].cert, "key": certs["default"].key,
                  "server_names": ["localhost"]},
                 {"cert": certs["other"].cert, "key": certs["other"].key,
                  "server_names": ["other.test"]},
             ]}},
        ],
        "admin": {"address": f"127.0.0.1:{ports['admin']}"},
        "limits": {
            "header_timeout_ms": 5000,
            "body_idle_timeout_ms": 5000,
            "keepalive_idle_timeout_ms": 10000,
            "drain_timeout_ms": 3000,
        },
        "decision_log": {"path": log_path},
        "forwarding": {"trust_incoming_forwarded": False, "trust_incoming_request_id": False},
        "clusters": [
            {"name": "echo", "type": "echo"},
            {"name": "backend", "type": "static", "endpoints": [backends.keepalive.address]},
            {"name": "slow", "type": "static", "endpoints": [backends.slow.address],
             "response_timeout_ms": 500},
            {"name": "malformed", "type": "static", "endpoints": [backends.malformed.address]},
            {"name": "refused", "type": "static",
             "endpoints": [f"127.0.0.1:{backends.closed_port}"], "connect_timeout_ms": 500},
        ],
        "routes": [
            {"name": "exact", "hosts": ["exact.test"], "path_prefix": "/", "cluster": "echo"},
            {"name": "wildcard", "hosts": ["*.example.com"], "path_prefix": "/", "cluster": "echo"},
            {"name": "backend", "hosts": ["*"], "path_prefix": "/backend/", "cluster": "backend",
             "max_body_bytes": 16 * 1024 * 1024},
            {"name": "slow", "hosts": ["*"], "path_prefix": "/slow/", "cluster": "slow"},
            {"name": "malformed", "hosts": ["*"], "path_prefix": "/malformed/", "cluster": "malformed"},
            {"name": "refused", "hosts": ["*"], "path_prefix": "/refused/", "cluster": "refused"},
            {"name": "small", "hosts": ["*"], "path_prefix": "/small/", "cluster": "echo",
             "max_body_bytes": 1024},
            {"name": "default", "hosts": ["localhost", "127.0.0.1", "other.test"],
             "path_prefix": "/", "cluster": "echo", "max_body_bytes": 16 * 1024 * 1024},
        ],
    }


def apply_overrides(config: dict, overrides: dict) -> dict:
    """limits/forwarding/decision_log/admin: merged; clusters/routes/listeners/workers: replaced;
    extra_clusters/extra_routes: prepended (routes match first-wins)."""
    config = copy.deepcopy(config)
    for key, value in overrides.items():
        if key in ("limits", "forwarding", "decision_log", "admin"):
            config.setdefault(key, {}).update(value)
        elif key == "extra_clusters":
            config["clusters"] = list(value) + config["clusters"]
        elif key == "extra_routes":
            config["routes"] = list(value) + config["routes"]
        elif key == "config_hook":
            value(config)
        else:
            config[key] = value
    return config


class Rampart:
    def __init__(self, tmp_path: Path, certs, backends: Backends, overrides: dict | None = None):
        self.dir = tmp_path
        self.certs = certs
        self.backends = backends
        self.plain_port = free_port()
        self.tls_port = free_port()
        self.admin_port = free_port()
        self.log_path = str(tmp_path / "decisions.log")
        self.config_path = tmp_path / "rampart.yaml"
        self.stderr_path = tmp_path / "rampart.stderr"
        self.stdout_path = tmp_path / "rampart.stdout"
        self.base_config = default_config(
            {"plain": self.plain_port, "tls": self.tls_port, "admin": self.admin_port},
            certs, backends, self.log_path)
        self.config = apply_overrides(self.base_config, overrides or {})
        self.proc = None
        self.exit_code = None

    # -- urls
    @property
    def http_url(self):
        return f"http://127.0.0.1:{self.plain_port}"

    @property
    def https_url(self):
        return f"https://localhost:{self.tls_port}"

    @property
    def admin_url(self):
        return f"http://127.0.0.1:{self.admin_port}"

    @property
    def cacert(self):
        return self.certs["default"].cert

    def curl_tls_args(self):
        return ["--cacert", self.cacert, "--resolve", f"localhost:{self.tls_port}:127.0.0.1"]

    # -- process
    def write_config(self, config: dict):
        self.config_path.write_text(to_yaml(config) + "\n")

    def start(self):
        self.write_config(self.config)
        self._stderr = open(self.stderr_path, "wb")
        self._stdout = open(self.stdout_path, "wb")
        self.proc = subprocess.Popen([BINARY, "serve", "--config", str(self.config_path)],
                                     stdout=self._stdout, stderr=self._stderr, cwd=str(REPO))
        # Signature sets compile at start (seconds of CPU on a loaded machine).
        deadline = time.monotonic() + 30
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rampart exited with {self.proc.returncode}: {self.stderr()}")
            try:
                status, _ = self.admin("GET", "/readyz", timeout=1)
                if status == 200:
                    return self
                last = status
            except OSError as e:
                last = e
            time.sleep(0.05)
        self.proc.kill()
        raise RuntimeError(f"rampart not ready within 30 s ({last}): {self.stderr()}")

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 15) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.exit_code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            self.exit_code = "timeout"
        self._stderr.close()
        self._stdout.close()
        return self.exit_code

    def assert_clean_exit(self):
        code = self.stop()
        err = self.stderr()
        for marker in FAULT_MARKERS:
            assert marker not in err, f"{marker} in rampart stderr:\n{err[-4000:]}"
        assert code == 0, f"rampart exit code {code}; stderr:\n{err[-4000:]}"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- admin
    def admin(self, method: str, path: str, timeout: float = 5, body: bytes | None = None):
        c = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=timeout)
        try:
            c.request(method, path, body=body)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def readyz(self):
        status, body = self.admin("GET", "/readyz")
        return status, json.loads(body)

    def generation(self) -> int:
        return self.readyz()[1]["generation"]

    def metrics(self) -> str:
        status, body = self.admin("GET", "/metrics")
        assert status == 200
        return body.decode()

    def metric(self, name: str, **labels) -> float:
        """Sum of all samples of `name` whose labels include `labels`."""
        total = 0.0
        found = False
        for line in self.metrics().splitlines():
            if line.startswith("#") or not line.strip():
                continue
            m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$", line)
            if not m or m.group(1) != name:
                continue
            got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
            if all(got.get(k) == str(v) for k, v in labels.items()):
                total += float(m.group(4))
                found = True
        return total if found else 0.0

    # -- reload
    def reload(self, new_config: dict, via: str = "http"):
        """Writes new_config and reloads. via="http": returns (status, json body);
        via="sighup": sends SIGHUP and returns the generation seen afterwards."""
        self.write_config(new_config)
        if via == "http":
            status, body = self.admin("POST", "/reload")
            if status == 200:
                self.config = new_config
            return status, json.loads(body)
        before = self.generation()
        self.signal(signal.SIGHUP)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            g = self.generation()
            if g != before:
                self.config = new_config
                return g
            time.sleep(0.05)
        return self.generation()

    # -- decision log
    def records(self) -> list:
        try:
            text = Path(self.log_path).read_text()
        except FileNotFoundError:
            return []
        out = []
        # The writer thread appends in batches: a concurrent read can end inside a line. Only
        # newline-terminated lines are complete; every one of those must be valid JSON.
        complete = text[: text.rfind("\n") + 1]
        for line in complete.splitlines():
            if line.strip():
                out.append(json.loads(line))
        return out

    def record_for(self, request_id: str, timeout: float = 2.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for r in self.records():
                if r["request_id"] == request_id:
                    return r
            if time.monotonic() > deadline:
                raise AssertionError(f"no decision record for request_id {request_id!r}")
            time.sleep(0.02)

    def wait_records(self, n: int, timeout: float = 3.0, pred=None) -> list:
        deadline = time.monotonic() + timeout
        while True:
            recs = [r for r in self.records() if pred is None or pred(r)]
            if len(recs) >= n or time.monotonic() > deadline:
                return recs
            time.sleep(0.02)

    def last_record(self, pred=None, timeout: float = 2.0) -> dict:
        recs = self.wait_records(1, timeout, pred)
        assert recs, "no matching decision record"
        return recs[-1]

    # -- simple clients
    def get(self, path: str = "/", host: str = "localhost", headers: dict | None = None,
            method: str = "GET", body: bytes | None = None, timeout: float = SOCK_TIMEOUT):
        """One HTTP/1.1 request on a fresh plain connection (raw, exact)."""
        hdrs = {"Host": host}
        hdrs.update(headers or {})
        if body is not None:
            hdrs.setdefault("Content-Length", str(len(body)))
        req = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
        data = req.encode() + b"\r\n" + (body or b"")
        with RawConn(self.plain_port, timeout=timeout) as c:
            c.send(data)
            return c.read_response(head_request=(method == "HEAD"))

    def curl(self, args, timeout: float = 30.0):
        return curl(args, timeout=timeout, tmp=self.dir)


def _start(tmp_path, certs, backends, overrides, registry):
    sub = tmp_path / f"rampart{len(registry)}"
    sub.mkdir()
    r = Rampart(sub, certs, backends, overrides)
    registry.append(r)
    return r.start()


@pytest.fixture
def make_rampart(tmp_path, certs, backends):
    started = []

    def factory(**overrides):
        return _start(tmp_path, certs, backends, overrides, started)

    yield factory
    errors = []
    for r in started:
        try:
            r.assert_clean_exit()
        except AssertionError as e:
            errors.append(str(e))
    assert not errors, "\n".join(errors)


@pytest.fixture
def rampart(request, make_rampart):
    marker = request.node.get_closest_marker("rampart")
    overrides = dict(marker.kwargs) if marker else {}
    return make_rampart(**overrides)


def pytest_configure(config):
    config.addinivalue_line("markers", "rampart(**overrides): config overrides for the rampart fixture")
    if not Path(BINARY).exists():
        raise pytest.UsageError(f"rampart binary not found at {BINARY} (set RAMPART_BINARY)")
