"""Web app benchmark in a real browser: ``python -m benchmarks.ui [--rounds 3]``.

Starts ``copilot serve`` on a free loopback port over a fresh data folder (the sample
policies are ingested on first start), then drives Debian's Chromium with Playwright:
the time to the first usable page (models loaded, sign-in skipped: local mode), then, for
each question of the question-path benchmark, the time from pressing Enter to the cited
answer on screen, the time to open a citation (passage, marked page and PDF link), and the
time from a click on the answer's marker [1] to the citation panel showing the cited PDF
page drawn with the quote highlighted (answers without a marker are skipped), and the time
from sending a follow-up question to its cited answer with the reading shown. Prints medians
and p95. Needs the dev extra (playwright) and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.store import QUESTIONS

FOLLOWED = "What is the maximum DTI for a mortgage?"
FOLLOW_UP = "What about for investment properties?"

CHROMIUM = os.environ.get("COPILOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes], limit_s: float = 300) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < limit_s:
        if process.poll() is not None:
            raise SystemExit(f"the app exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return time.perf_counter() - start
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the app did not start")


def _summary(name: str, values_ms: list[float]) -> str:
    if not values_ms:
        return f"{name:<28} no measurement"
    ordered = sorted(values_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    return f"{name:<28} median {median:7.0f} ms   p95 {p95:7.0f} ms   n={len(ordered)}"


def main(argv: Sequence[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        port = _port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COPILOT_", "QDRANT_"))}
        env |= {"COPILOT_APP__DATA_DIR": str(Path(work) / "data"), "COPILOT_APP__PORT": str(port)}
        copilot = Path(sys.executable).parent / "copilot"
        process = subprocess.Popen(
            [str(copilot), "serve"],
            cwd=work,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            started = _wait(url, process)
            print(f"server up (first start, sample policies ingested): {started:.1f} s")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                first: list[float] = []
                answers: list[float] = []
                citations: list[float] = []
                markers: list[float] = []
                followups: list[float] = []
                for _ in range(args.rounds):
                    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                    page.set_default_timeout(300_000)
                    t0 = time.perf_counter()
                    page.goto(url)
                    box = page.get_by_test_id("stChatInputTextArea")
                    box.wait_for()
                    first.append((time.perf_counter() - t0) * 1000)
                    for n, (question, _) in enumerate(QUESTIONS):
                        box.fill(question)
                        t0 = time.perf_counter()
                        box.press("Enter")
                        message = page.get_by_test_id("stChatMessage").nth(2 * n + 1)
                        message.get_by_test_id("stExpander").first.wait_for()
                        answers.append((time.perf_counter() - t0) * 1000)
                        t0 = time.perf_counter()
                        expander = message.get_by_test_id("stExpander").first
                        expander.locator("summary").click()
                        expander.locator("blockquote").first.wait_for()
                        citations.append((time.perf_counter() - t0) * 1000)
                        if (elapsed := _marker_to_page(page, message, n + 1)) is not None:
                            markers.append(elapsed)
                    followups.append(_follow_up(page, box))
                    page.context.close()
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(_summary("first page, usable", first))
    print(_summary("question to cited answer", answers))
    print(_summary("open a citation", citations))
    print(_summary("marker to page image", markers))
    print(_summary("follow-up to cited answer", followups))


def _follow_up(page: Any, box: Any) -> float:
    """Milliseconds from sending a follow-up ("What about for investment properties?" after
    a DTI question) to its cited answer on screen with the reading shown above it."""
    messages = page.get_by_test_id("stChatMessage")
    before = messages.count()
    box.fill(FOLLOWED)
    box.press("Enter")
    messages.nth(before + 1).get_by_test_id("stExpander").first.wait_for()
    box.fill(FOLLOW_UP)
    t0 = time.perf_counter()
    box.press("Enter")
    messages.nth(before + 3).get_by_test_id("stExpander").first.wait_for()
    page.get_by_test_id("stCaptionContainer").filter(has_text="Read as").last.wait_for()
    return (time.perf_counter() - t0) * 1000


def _marker_to_page(page: Any, message: Any, answer: int) -> float | None:
    """Milliseconds from a click on marker [1] of ``message`` (the ``answer``-th) to the
    panel's page image, sent in this run (not left from the last one) and decoded."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if "[1] " not in message.get_by_test_id("stExpander").first.inner_text():
        return None  # not found: no citation to show
    marker = message.get_by_role("button", name=re.compile(r"^Show source 1: ")).first
    try:  # drawn by the component's script, after the answer's own elements
        marker.wait_for(timeout=10_000)
    except PlaywrightTimeout:
        return None
    panel = page.locator(".st-key-citation-panel")
    t0 = time.perf_counter()
    marker.click()
    panel.get_by_text(f"Source [1] of answer {answer}").wait_for()
    image = panel.locator('[data-testid="stElementContainer"][data-stale="false"] img.page-image')
    image.wait_for()
    image.evaluate("(img) => img.decode()")
    return (time.perf_counter() - t0) * 1000


if __name__ == "__main__":
    main()
