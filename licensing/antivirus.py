"""Virus scanning of uploaded files by ClamAV's daemon (clamd), when CLAMD_URL is set.

The INSTREAM protocol is small enough to speak directly over a socket, so no client library
is needed: send ``zINSTREAM\\0``, then the file as chunks each prefixed by its length (4 bytes,
big-endian), then a zero length; clamd answers ``stream: OK`` or ``stream: <name> FOUND``,
ending with a NUL byte. A scanner that cannot be reached, is too slow or answers anything
else raises `ScannerUnavailable`: the caller refuses the upload rather than keep a file
nobody has scanned.
"""

import logging
import socket
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

# clamd's default StreamMaxLength is 25 MB; chunks of this size keep memory flat.
CHUNK_BYTES = 64 * 1024
# The longest reply we accept (a signature name is short); more means it is not clamd.
MAX_REPLY_BYTES = 4096


class ScannerUnavailable(Exception):
    """clamd could not give a verdict (down, too slow, or an answer that is not one)."""


@dataclass(frozen=True)
class Address:
    family: int
    target: tuple | str

    def __str__(self):
        if self.family == socket.AF_UNIX:
            return f"unix://{self.target}"
        return f"tcp://{self.target[0]}:{self.target[1]}"


def parse_url(url: str) -> Address:
    """``tcp://host:port`` or ``unix:///path/to/clamd.sock``; ValueError for anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme == "tcp":
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or port is None or parts.path not in ("", "/"):
            raise ValueError("a TCP address needs a host and a port, e.g. tcp://127.0.0.1:3310")
        return Address(socket.AF_INET6 if ":" in parts.hostname else socket.AF_INET, (parts.hostname, port))
    if parts.scheme == "unix":
        if parts.netloc or not parts.path.startswith("/"):
            raise ValueError("a socket path must be absolute, e.g. unix:///run/clamav/clamd.ctl")
        return Address(socket.AF_UNIX, parts.path)
    raise ValueError("the address must start with tcp:// or unix://")


def configured() -> bool:
    return bool(settings.CLAMD_URL.strip())


def _connect(address: Address, timeout: float) -> socket.socket:
    sock = socket.socket(address.family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(address.target)
    except BaseException:
        sock.close()
        raise
    return sock


def _read_reply(sock: socket.socket) -> str:
    reply = b""
    while not reply.endswith(b"\0"):
        data = sock.recv(1024)
        if not data:
            break
        reply += data
        if len(reply) > MAX_REPLY_BYTES:
            raise ScannerUnavailable("clamd's reply is too long")
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def _chunks_of(source, size=CHUNK_BYTES):
    for chunk in source:
        for start in range(0, len(chunk), size):
            yield chunk[start : start + size]


def scan(chunks) -> str | None:
    """Stream `chunks` (an iterable of bytes) to clamd: None when clean, the signature's name
    when infected. Raises ScannerUnavailable when there is no verdict."""
    try:
        address = parse_url(settings.CLAMD_URL)
    except ValueError as error:
        raise ScannerUnavailable(f"CLAMD_URL is not usable: {error}") from None
    timeout = float(settings.CLAMD_TIMEOUT_SECONDS)
    try:
        with _connect(address, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            for chunk in _chunks_of(chunks):
                if chunk:
                    sock.sendall(struct.pack("!I", len(chunk)) + chunk)
            sock.sendall(struct.pack("!I", 0))
            reply = _read_reply(sock)
    except OSError as error:  # refused, reset, timed out (socket.timeout is an OSError)
        raise ScannerUnavailable(f"clamd at {address} did not answer: {error.__class__.__name__}") from None
    if reply == "stream: OK":
        return None
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        signature = reply[len("stream: ") : -len(" FOUND")].strip()
        if signature:
            return signature
    raise ScannerUnavailable(f"clamd at {address} gave no verdict: {reply[:200]!r}")


def ping() -> dict:
    """For /healthz: does clamd answer PING with PONG?"""
    try:
        address = parse_url(settings.CLAMD_URL)
        with _connect(address, float(settings.CLAMD_TIMEOUT_SECONDS)) as sock:
            sock.sendall(b"zPING\0")
            reply = _read_reply(sock)
    except (OSError, ValueError, ScannerUnavailable) as error:
        return {"ok": False, "error": error.__class__.__name__}
    if reply != "PONG":
        return {"ok": False, "error": "UnexpectedReply"}
    return {"ok": True}
