"""HTTP/2 client helpers: a well-behaved python3-h2 client, and raw frame building/reading for
abuse that h2 refuses to produce (floods, CONTINUATION storms, HPACK bombs)."""

from __future__ import annotations

import socket
import ssl
import struct
import time

import h2.config
import h2.connection
import h2.events
import h2.settings
import hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, \
    CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS, PADDED, PRIORITY_FLAG = 0x1, 0x1, 0x4, 0x8, 0x20

NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, STREAM_CLOSED, \
    FRAME_SIZE_ERROR, REFUSED_STREAM, CANCEL, COMPRESSION_ERROR, CONNECT_ERROR, \
    ENHANCE_YOUR_CALM = range(12)


def connect(port: int, tls: bool = False, timeout: float = 5.0):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.settimeout(timeout)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"])
        sock = ctx.wrap_socket(sock, server_hostname="localhost")
        assert sock.selected_alpn_protocol() == "h2"
    return sock


# ------------------------------------------------------------------------------------------------
# Raw frames


def frame(ftype: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream_id & 0x7FFFFFFF) + payload


def settings_frame(entries=(), ack=False) -> bytes:
    payload = b"".join(struct.pack(">HI", k, v) for k, v in entries)
    return frame(SETTINGS, ACK if ack else 0, 0, payload)


def rst_frame(stream_id: int, code: int = CANCEL) -> bytes:
    return frame(RST_STREAM, 0, stream_id, struct.pack(">I", code))


def ping_frame(data: bytes = b"12345678") -> bytes:
    return frame(PING, 0, 0, data)


def hpack_int(value: int, prefix_bits: int, first_byte_flags: int = 0) -> bytes:
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte_flags | value])
    out = bytearray([first_byte_flags | limit])
    value -= limit
    while value >= 128:
        out.append((value % 128) | 0x80)
        value //= 128
    out.append(value)
    return bytes(out)


def hpack_literal(name: bytes, value: bytes, index: bool = False) -> bytes:
    """Literal header field with a new name, no Huffman; `index` adds it to the dynamic table."""
    flag = 0x40 if index else 0x00
    prefix = 6 if index else 4
    return hpack_int(0, prefix, flag) + hpack_int(len(name), 7) + name + \
        hpack_int(len(value), 7) + value


def request_block(path="/", authority="localhost", method="GET", scheme="http", extra=()) -> bytes:
    """A header block of literals (no dynamic table): exact bytes, any names/values allowed."""
    fields = []
    if method is not None:
        fields.append((b":method", method.encode() if isinstance(method, str) else method))
    if scheme is not None:
        fields.append((b":scheme", scheme.encode()))
    if authority is not None:
        fields.append((b":authority", authority.encode()))
    if path is not None:
        fields.append((b":path", path.encode() if isinstance(path, str) else path))
    for name, value in extra:
        fields.append((name.encode() if isinstance(name, str) else name,
                       value.encode() if isinstance(value, str) else value))
    return b"".join(hpack_literal(n, v) for n, v in fields)


def headers_frame(stream_id: int, block: bytes, end_stream=True, end_headers=True) -> bytes:
    flags = (END_STREAM if end_stream else 0) | (END_HEADERS if end_headers else 0)
    return frame(HEADERS, flags, stream_id, block)


class FrameReader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.closed = False
        self.initial = []  # frames read by raw_session before the test took over

    def _fill(self, deadline) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError):
            self.closed = True
            return False
        if not data:
            self.closed = True
            return False
        self.buf += data
        return True

    def next_frame(self, deadline):
        while len(self.buf) < 9 or len(self.buf) < 9 + int.from_bytes(self.buf[:3], "big"):
            if self.closed or not self._fill(deadline):
                return None
        length = int.from_bytes(self.buf[:3], "big")
        ftype, flags = self.buf[3], self.buf[4]
        sid = int.from_bytes(self.buf[5:9], "big") & 0x7FFFFFFF
        payload = self.buf[9:9 + length]
        self.buf = self.buf[9 + length:]
        return ftype, flags, sid, payload

    def read_until(self, pred, timeout: float = 3.0):
        """Frames until pred(frames) is true, the peer closes, or the timeout passes."""
        deadline = time.monotonic() + timeout
        frames = []
        while not pred(frames):
            f = self.next_frame(deadline)
            if f is None:
                break
            frames.append(f)
        return frames

    def read_until_closed(self, timeout: float):
        """All frames until the peer closes or the timeout passes."""
        deadline = time.monotonic() + timeout
        frames = []
        while True:
            f = self.next_frame(deadline)
            if f is None:
                return frames
            frames.append(f)


def stream_settled(sid):
    """Predicate: stream `sid` ended (END_STREAM), was reset, or the connection got a GOAWAY."""
    def pred(frames):
        for ftype, flags, fsid, _payload in frames:
            if ftype == GOAWAY:
                return True
            if fsid == sid and (ftype == RST_STREAM or
                                (ftype in (DATA, HEADERS) and flags & END_STREAM)):
                return True
        return False
    return pred


def goaways(frames):
    """[(last_stream_id, error_code)] of GOAWAY frames."""
    out = []
    for ftype, _flags, _sid, payload in frames:
        if ftype == GOAWAY:
            last, code = struct.unpack(">II", payload[:8])
            out.append((last & 0x7FFFFFFF, code))
    return out


def resets(frames):
    return {sid: struct.unpack(">I", payload[:4])[0]
            for ftype, _f, sid, payload in frames if ftype == RST_STREAM}


def response_statuses(frames):
    """{stream_id: status} decoded from HEADERS frames (CONTINUATION not expected here)."""
    dec = hpack.Decoder()
    dec.max_allowed_table_size = 65536
    out = {}
    for ftype, flags, sid, payload in frames:
        if ftype != HEADERS:
            continue
        if flags & PADDED:
            pad = payload[0]
            payload = payload[1:len(payload) - pad]
        if flags & PRIORITY_FLAG:
            payload = payload[5:]
        for name, value in dec.decode(payload, raw=True):
            if name == b":status":
                out[sid] = int(value)
    return out


def raw_session(port: int, tls: bool = False, settings=()):
    """Connected socket that has sent the preface and SETTINGS, plus a reader."""
    sock = connect(port, tls=tls)
    sock.sendall(PREFACE + settings_frame(settings))
    reader = FrameReader(sock)
    deadline = time.monotonic() + 3
    while True:  # the server's SETTINGS first, then our ACK (an early ACK is a protocol error)
        f = reader.next_frame(deadline)
        assert f is not None, "no SETTINGS from the server"
        reader.initial.append(f)
        if f[0] == SETTINGS and not f[1] & ACK:
            break
    sock.sendall(settings_frame(ack=True))
    return sock, reader


# ------------------------------------------------------------------------------------------------
# A well-behaved client on python3-h2


class H2Client:
    def __init__(self, port: int, tls: bool = False, validate: bool = True, timeout: float = 5.0):
        self.sock = connect(port, tls=tls, timeout=timeout)
        cfg = h2.config.H2Configuration(client_side=True, header_encoding=None,
                                        validate_outbound_headers=validate,
                                        normalize_outbound_headers=validate,
                                        validate_inbound_headers=validate)
        self.conn = h2.connection.H2Connection(config=cfg)
        self.conn.initiate_connection()
        self.flush()
        self.events = []
        self.closed = False

    def flush(self):
        data = self.conn.data_to_send()
        if data:
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

    def pump(self, deadline) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            return False
        except (ConnectionResetError, OSError):
            self.closed = True
            return False
        if not data:
            self.closed = True
            return False
        for ev in self.conn.receive_data(data):
            self.events.append(ev)
            if isinstance(ev, h2.events.DataReceived):
                self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        self.flush()
        return True

    def request(self, headers, body: bytes | None = None, end_stream=None) -> int:
        sid = self.conn.get_next_available_stream_id()
        if end_stream is None:
            end_stream = body is None
        self.conn.send_headers(sid, headers, end_stream=end_stream)
        if body is not None:
            # within the peer's frame size and the initial 64 KiB windows
            assert len(body) <= 65535
            for off in range(0, len(body), 16384):
                chunk = body[off:off + 16384]
                self.conn.send_data(sid, chunk, end_stream=off + 16384 >= len(body))
            if not body:
                self.conn.end_stream(sid)
        self.flush()
        return sid

    def wait_stream(self, sid: int, timeout: float = 5.0):
        """Returns ('response', status, headers, body) | ('reset', code) | ('goaway', code) |
        ('closed', None) | ('timeout', None)."""
        deadline = time.monotonic() + timeout
        status, headers, body = None, None, b""
        while True:
            for ev in self.events:
                if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == sid:
                    headers = {k.decode(): v.decode() for k, v in ev.headers}
                    status = int(headers[":status"])
                if isinstance(ev, h2.events.DataReceived) and ev.stream_id == sid:
                    body += ev.data
                    ev.stream_id = -1  # consumed
                if isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid:
                    return "response", status, headers, body
                if isinstance(ev, h2.events.StreamReset) and ev.stream_id == sid:
                    if status is not None:
                        return "response-reset", status, headers, body
                    return "reset", ev.error_code
                if isinstance(ev, h2.events.ConnectionTerminated):
                    if ev.last_stream_id >= sid and ev.error_code == 0:
                        continue  # graceful GOAWAY: this stream is still being answered
                    return "goaway", ev.error_code
            if self.closed:
                return "closed", None
            if not self.pump(deadline):
                if self.closed:
                    return "closed", None
                return "timeout", None

    def get(self, path="/", authority="localhost", extra=(), timeout=5.0):
        headers = [(":method", "GET"), (":scheme", "http"), (":authority", authority),
                   (":path", path)] + list(extra)
        sid = self.request(headers)
        return self.wait_stream(sid, timeout)
