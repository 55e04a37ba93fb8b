"""The real app served by Streamlit on loopback, and Debian's Chromium driven by Playwright.

The server runs in its own process over a copy of the sample library, with password
sign-in for one compliance user and one underwriter. Its Python refuses non-loopback
sockets like the tests do. Screenshots of each step are kept as test artifacts.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

CHROMIUM = os.environ.get("COPILOT_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("COPILOT_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
# Headless, and none of Chromium's own calls home (update checks, sync, metrics).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--metrics-recording-only",
]
USERS = {"ana": ("compliance", "ana-long-password"), "ben": ("underwriter", "ben-long-password")}
SITECUSTOMIZE = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from tests import netguard
netguard.install()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(users: dict[str, tuple[str, str]]) -> str:
    from app.records.auth import hash_password

    lines = ["[auth]", 'mode = "password"', ""]
    for name, (role, password) in users.items():
        lines += [
            "[[auth.users]]",
            f'name = "{name}"',
            f'role = "{role}"',
            f'password_hash = "{hash_password(password)}"',
            "",
        ]
    return "\n".join(lines)


@pytest.fixture(scope="session")
def server(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app, started by ``copilot serve``, on a free loopback port; yields its URL."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    work = tmp_path_factory.mktemp("served")
    shutil.copytree(sample_data, work / "data")
    (work / "copilot.toml").write_text(_config(USERS))
    guard = work / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(SITECUSTOMIZE)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPILOT_", "QDRANT_"))} | {
        "COPILOT_CONFIG": str(work / "copilot.toml"),
        "COPILOT_APP__DATA_DIR": str(work / "data"),
        "COPILOT_APP__PORT": str(port),
        "PYTHONPATH": str(guard),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    log = (work / "server.log").open("w")
    copilot = Path(sys.executable).parent / "copilot"
    process = subprocess.Popen(
        [str(copilot), "serve"], cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, work / "server.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(work / "server.log", ARTIFACTS / "server.log")
        text = (work / "server.log").read_text()
        assert "NetworkAccessError" not in text, "the server tried to reach the network"


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the app did not start within 120 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    # A loaded CI machine runs a page's script for several seconds; an assertion waits for
    # it as long as an action does, not Playwright's default 5 s.
    expect.set_options(timeout=60_000)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(90_000)
    yield opened
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        shot(opened, f"{request.node.name}-FAILED")
    context.close()


@pytest.fixture
def two_tabs(browser: Any) -> Iterator[tuple[Any, Any]]:
    """Two browsers' tabs, each with its own cookies: for ana and for ben."""
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in "ab"]
    tabs = tuple(c.new_page() for c in contexts)
    for tab in tabs:
        tab.set_default_timeout(90_000)
    yield tabs
    for context in contexts:
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
