"""End-to-end fixtures: a real `streamlit run` on a free port and Debian's headless Chromium.

The server runs with its own throwaway data folder and is stopped at the end. Nothing is
downloaded: the browser is /usr/bin/chromium (install it with apt, never `playwright install`).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

# The machine may be shared and busy: wait longer than Playwright's 5 s before calling a check failed.
expect.set_options(timeout=15_000)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
TABLET = {"width": 1280, "height": 800}  # a 12-13 inch tablet in landscape
#: The account every browser test signs in with (made in the server's database before it starts).
CLINIC, USERNAME, PASSWORD = "Riverside Physio", "physio", "e2e password 1234"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run serve.py` (streamlit_app.py behind the security headers), as run.sh starts it, on a port of its own."""

    def __init__(self, data_dir: Path, database_url: str | None = None):
        self.data_dir = data_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url
        self.port = _free_port()
        self.url = f"http://localhost:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = data_dir.parent / f"server-{self.port}.log"
        self.started_in: float = 0.0

    def seed_account(self) -> None:
        """The clinic and practitioner the tests sign in as (once per database)."""
        from intake.store import Store, database_url

        store = Store(self.database_url or database_url({"INTAKE_DATA_DIR": str(self.data_dir)}))
        try:
            if store.accounts.clinic_by_name(CLINIC) is None:
                clinic = store.accounts.create_clinic(CLINIC)
                store.accounts.add_practitioner(clinic.id, USERNAME, "Pat Physio", password=PASSWORD)
        finally:
            store.dispose()

    def start(self) -> Server:
        self.seed_account()
        env = {**os.environ, "INTAKE_DATA_DIR": str(self.data_dir)}
        env.pop("DATABASE_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        cmd = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(self.port),
               "--server.headless", "true"]
        started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = started + 30
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        self.started_in = time.perf_counter() - started
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the server did not answer its health check within 30 s")

    def restart(self) -> Server:
        self.stop()
        port = self.port
        self.__init__(self.data_dir, self.database_url)
        self.port, self.url = port, f"http://localhost:{port}"
        return self.start()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.proc = None


def _chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("e2e") / "data"
    srv = Server(data).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser():
    if not _chromium_available():
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def context(browser, tmp_path):
    ctx = browser.new_context(viewport=TABLET, accept_downloads=True)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
