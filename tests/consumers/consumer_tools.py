"""The consumers mediakit's output is handed to: headless Chromium (Debian's ``chromium`` driven by
Selenium through Debian's ``chromedriver``), a local HTTP server that serves files with the
descriptor's ``media_type``, and the Khronos glTF validator (npm ``gltf-validator`` under Node).

``make consumers`` installs the tools (``make test`` runs it first). A missing tool fails the test
with the make target to run: these tests must never be skipped quietly in CI.

Not a ``conftest.py``: the suite's test modules import ``conftest`` by name (tests/conftest.py),
and a second, directory-level conftest would take that name. Test modules here load this module
as a plugin (``pytest_plugins = ["consumer_tools"]``) instead.
"""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
VALIDATOR_JS = HERE / "validate_gltf.js"
VALIDATOR_PKG = HERE / "node_modules" / "gltf-validator"
INSTALL = "run `make consumers` (as root or with sudo) to install it; `make test` does this first"

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Containers often give /dev/shm 64 MB, too little for Chromium's shared memory: use /tmp.
    "--disable-dev-shm-usage",
)
#: The page every media check runs in: same origin as the media, so canvases are not tainted.
HARNESS_HTML = b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>harness</title></head><body></body></html>'


def require_tool(ok: bool, what: str) -> None:
    if not ok:
        pytest.fail(f"{what} is missing: {INSTALL}", pytrace=False)


# -- the HTTP server -------------------------------------------------------------------------------


class MediaServer:
    """Serves registered bytes on 127.0.0.1 with a given Content-Type, with byte ranges (as media
    elements request them) and ``Cache-Control: no-store``."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[bytes, str]] = {"/harness.html": (HARNESS_HTML, "text/html; charset=utf-8")}
        self._lock = threading.Lock()
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._serve(self)

            def log_message(self, *args: Any) -> None:  # keep the test output clean
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="consumer-http", daemon=True)
        self._thread.start()
        self.origin = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self.harness = self.origin + "/harness.html"

    def publish(self, name: str, data: bytes, media_type: str) -> str:
        """Serve ``data`` at ``/name`` with ``Content-Type: media_type``; returns the URL."""
        path = "/" + name.lstrip("/")
        with self._lock:
            self._files[path] = (bytes(data), media_type)
        return self.origin + path

    def _serve(self, h: http.server.BaseHTTPRequestHandler) -> None:
        path = h.path.split("?", 1)[0]
        with self._lock:
            entry = self._files.get(path)
            self.requests.append((path, h.headers.get("Range")))
        if entry is None:
            h.send_error(404)
            return
        data, media_type = entry
        start, end, status = 0, len(data) - 1, 200
        rng = h.headers.get("Range")
        if rng and rng.startswith("bytes=") and "," not in rng:
            first, _, last = rng[6:].partition("-")
            if first:
                start = int(first)
                end = min(int(last), end) if last else end
            elif last:
                start = max(0, len(data) - int(last))
            if start > end:
                h.send_response(416)
                h.send_header("Content-Range", f"bytes */{len(data)}")
                h.end_headers()
                return
            status = 206
        body = data[start : end + 1]
        h.send_response(status)
        h.send_header("Content-Type", media_type)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Accept-Ranges", "bytes")
        h.send_header("Cache-Control", "no-store")
        if status == 206:
            h.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        h.end_headers()
        h.wfile.write(body)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def media_server() -> Iterator[MediaServer]:
    server = MediaServer()
    yield server
    server.close()


# -- the browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium per test process, with a fresh profile."""
    require_tool(CHROMIUM.exists(), f"Chromium ({CHROMIUM}, Debian package `chromium`)")
    require_tool(CHROMEDRIVER.exists(), f"ChromeDriver ({CHROMEDRIVER}, Debian package `chromium-driver`)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is missing: run `make install` (the `test` extra installs it)", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    # A Service with an explicit path: Selenium Manager never runs, so nothing is downloaded.
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_script_timeout(60)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def page(chromium: Any, media_server: MediaServer) -> Any:
    """The browser on the harness page (same origin as everything the server publishes)."""
    chromium.get(media_server.harness)
    return chromium


# -- the glTF validator ----------------------------------------------------------------------------


class GltfValidator:
    """One Node process running the Khronos validator for the whole test process."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            ["node", str(VALIDATOR_JS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._lock = threading.Lock()

    def __call__(self, path: Path) -> dict[str, Any]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        with self._lock:
            self._proc.stdin.write(str(Path(path).resolve()) + "\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
        if not line:
            pytest.fail(f"the glTF validator exited (code {self._proc.poll()}) while validating {path}")
        report: dict[str, Any] = json.loads(line)
        if "failure" in report:
            pytest.fail(f"the glTF validator could not read {path}: {report['failure']}")
        return report

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


@pytest.fixture(scope="session")
def gltf_validator() -> Iterator[Callable[[Path], dict[str, Any]]]:
    require_tool(shutil.which("node") is not None, "Node.js (`node`)")
    require_tool(VALIDATOR_PKG.is_dir(), f"the npm package gltf-validator ({VALIDATOR_PKG})")
    validator = GltfValidator()
    yield validator
    validator.close()
