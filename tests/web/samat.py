"""Helpers for the browser tests: start the real `samat-server` binary on a free port with a
temporary SQLite database and SMS written to a file, read the SMS it sent, and speak its JSON API
as a citizen or a staff member (to set the scene the browser then acts in)."""

from __future__ import annotations

import json
import os
import pathlib
import re
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("SAMAT_SERVER_BIN", ROOT / "target" / "debug" / "samat-server"))
SCREENSHOTS = pathlib.Path(os.environ.get("SAMAT_SCREENSHOTS", ROOT / "target" / "web-screenshots"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running samat-server with `--demo`, a temp database and file SMS."""

    def __init__(self, *extra: str):
        self.dir = tempfile.TemporaryDirectory(prefix="samat-web-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sms_path = pathlib.Path(self.dir.name) / "sms.jsonl"
        self.log_path = pathlib.Path(self.dir.name) / "server.log"
        args = [
            str(BINARY), "--demo",
            "--database", f"sqlite://{self.dir.name}/samat.db",
            "--sms", f"file:{self.sms_path}",
            "--listen", f"127.0.0.1:{self.port}",
            "--otp-per-ip-per-hour", "100000",
            "--otp-per-phone-per-hour", "1000",
            "--staff-logins-per-15min", "100000",
            "--staff-logins-per-ip-per-15min", "100000",
            "--track-per-ip-per-minute", "100000",
            "--complaints-per-citizen-per-day", "1000000",
            # The browser tests register push subscriptions with a local endpoint.
            "--push-allow-private-endpoints",
            *extra,
        ]
        env = dict(os.environ, SAMAT_LOG="warn")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(self.log_path, "ab"), stdin=subprocess.DEVNULL, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("server did not start:\n" + self.log_path.read_text(errors="replace"))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.dir.cleanup()

    def sms(self) -> list[dict]:
        if not self.sms_path.exists():
            return []
        return [json.loads(line) for line in self.sms_path.read_text().splitlines() if line.strip()]

    def wait_sms(self, phone: str, predicate=lambda s: True, timeout: float = 20) -> dict:
        canonical = canonical_phone(phone)
        deadline = time.time() + timeout
        while time.time() < deadline:
            for s in reversed(self.sms()):
                if s["to"] == canonical and predicate(s):
                    return s
            time.sleep(0.05)
        raise AssertionError(f"no matching SMS to {canonical}; got {self.sms()}")

    def sms_to(self, phone: str, contains: str) -> list[dict]:
        canonical = canonical_phone(phone)
        return [s for s in self.sms() if s["to"] == canonical and contains in s["text"]]

    def api(self, token: str | None = None) -> "Api":
        return Api(self.url, token)

    def staff_api(self, username: str, password: str = "demo") -> "Api":
        status, body = self.api().post("/v1/staff/login", {"username": username, "password": password})
        assert status == 200, body
        return self.api(body["token"])

    def citizen_api(self, phone: str) -> "Api":
        api = self.api()
        before = len(self.sms())
        status, body = api.post("/v1/auth/otp", {"phone": phone})
        assert status == 202, body
        code = self.wait_otp(phone, before)
        status, body = api.post("/v1/auth/verify", {"phone": phone, "code": code})
        assert status == 200, body
        return self.api(body["token"])

    def wait_otp(self, phone: str, after_count: int) -> str:
        canonical = canonical_phone(phone)
        deadline = time.time() + 20
        while time.time() < deadline:
            for s in reversed(self.sms()[after_count:]):
                if s["to"] == canonical and "کد ورود" in s["text"]:
                    return re.search(r"\b(\d{6})\b", s["text"]).group(1)
            time.sleep(0.05)
        raise AssertionError("no login code SMS")


def canonical_phone(phone: str) -> str:
    digits = phone.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789"))
    digits = re.sub(r"\D", "", digits)
    if digits.startswith("0"):
        digits = "98" + digits[1:]
    return "+" + digits


class Api:
    """A small JSON client with an optional bearer token."""

    def __init__(self, base: str, token: str | None = None):
        self.base = base
        self.token = token

    def call(self, method: str, path: str, body=None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        return self.call_bytes(method, path, data, "application/json" if body is not None else None)

    def call_bytes(self, method: str, path: str, data: bytes | None, content_type: str | None) -> tuple[int, object]:
        """Sends a raw body (a photo, or JSON already encoded) with its content type."""
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if content_type:
            req.add_header("content-type", content_type)
        if self.token:
            req.add_header("authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                raw, status = r.read(), r.status
        except urllib.error.HTTPError as e:
            raw, status = e.read(), e.code
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def get(self, path: str):
        return self.call("GET", path)

    def post(self, path: str, body=None):
        return self.call("POST", path, body if body is not None else {})


def digits(s: str) -> str:
    """ASCII digits of a text (Persian and Arabic digits converted; everything else dropped)."""
    return re.sub(r"\D", "", s.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")))


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def png(width: int, height: int, rgb=(200, 30, 30)) -> bytes:
    """A plain PNG image of one colour (no imaging library needed)."""
    import struct
    import zlib

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def fetch_bytes(url: str, token: str | None = None) -> bytes:
    req = urllib.request.Request(url)
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()
