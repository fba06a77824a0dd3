"""A real browser (Debian's headless Chromium, driven by Playwright) asks a question in the page.

It saves the screenshot of the answer with its sources twice: under ``test-output/`` (git-ignored,
for CI artifacts) and as ``docs/screenshot-chat.png`` (committed, linked from the README).
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from assistant.feedback import read_votes
from ui.app import build_app, launch_options

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
QUESTION = "I have 8 workers in Alberta. Which program fits me and what does the audit involve?"
SCREENSHOT_LIMIT = 300 * 1024
TIMEOUT_MS = 60_000

if not CHROMIUM.exists():
    pytest.skip(
        "headless Chromium is not installed at /usr/bin/chromium "
        "(install it with `apt-get install -y chromium`, or run `make browser`)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def url(assistant, settings) -> Iterator[str]:
    demo = build_app(assistant, settings)
    port = free_port()
    demo.launch(**launch_options("127.0.0.1", port), prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, url) -> Iterator[tuple[object, list[str]]]:
    """A fresh page on the app; requests that leave the machine are blocked and recorded."""
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    outside: list[str] = []

    def guard(route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(url, wait_until="load")
    page.locator("#cg-question textarea").wait_for(state="visible")
    try:
        yield page, outside
    finally:
        context.close()


def ask(page, question: str) -> None:
    box = page.locator("#cg-question textarea")
    box.fill(question)
    box.press("Enter")


def test_question_answer_and_sources_in_a_real_browser(page, settings):
    page, outside = page
    ask(page, QUESTION)
    # The sources panel fills when the final answer arrives.
    first_source = page.locator("#cg-sources .cg-source").first
    first_source.wait_for(state="visible")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#cg-chat *')]"
        ".some(e => e.textContent.trim() === 'Sources')"
    )
    chat_text = page.locator("#cg-chat").inner_text()
    assert "SECOR" in chat_text
    assert QUESTION in chat_text  # the user's message is shown as typed
    title = first_source.locator(".cg-title")
    assert title.is_visible() and title.inner_text().strip()
    assert first_source.locator("mark").count() >= 1
    assert (
        page.locator("#cg-eligibility .cg-decision").inner_text().startswith("Recommended: SECOR")
    )
    # The side panel shows what the conversation established.
    assert "Alberta" in page.locator("#cg-jurisdiction input").input_value()
    assert page.locator("#cg-workers input, #cg-workers textarea").first.input_value() == "8"
    # Show the question and the start of the answer: the chat scrolls to the end while it
    # streams, so wait for it to settle and scroll its message list back to the top.
    page.wait_for_timeout(800)
    page.mouse.move(0, 0)
    for _ in range(10):
        top = page.evaluate(
            "() => { let t = 0; document.querySelectorAll('#cg-chat, #cg-chat *').forEach(e => {"
            " if (e.scrollHeight > e.clientHeight + 4) { e.scrollTop = 0; t += e.scrollTop; } });"
            " return t; }"
        )
        page.wait_for_timeout(200)
        if top == 0:
            break

    out_dir = ROOT / "test-output"
    out_dir.mkdir(exist_ok=True)
    shot = out_dir / "ui-answer.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    shutil.copyfile(shot, docs / "screenshot-chat.png")
    assert (docs / "screenshot-chat.png").stat().st_size < SCREENSHOT_LIMIT
    assert not outside, f"the page tried to leave the machine: {outside[:5]}"

    # Thumbs up on the answer lands in the feedback file.
    before = len(read_votes(settings.feedback_path))
    page.locator("#cg-chat").get_by_role("button", name="Like", exact=True).last.click()
    for _ in range(50):
        votes = read_votes(settings.feedback_path)
        if len(votes) > before:
            break
        page.wait_for_timeout(100)
    assert len(votes) == before + 1
    assert votes[-1].vote == "up" and votes[-1].question == QUESTION
    assert votes[-1].citations


def test_user_text_is_shown_not_run(page):
    page, _ = page
    evil = '<img src=x onerror="window.__xss=1"> <b>bold?</b> SECOR in Alberta'
    ask(page, evil)
    page.wait_for_function(
        "() => document.querySelectorAll('#cg-chat .message-row, #cg-chat .message').length >= 2"
    )
    page.locator("#cg-chat").get_by_text("onerror", exact=False).first.wait_for()
    assert page.evaluate("() => window.__xss === undefined")
    assert page.locator("#cg-chat img[src='x']").count() == 0
    assert "<b>bold?</b>" in page.locator("#cg-chat").inner_text()


def test_too_long_question_gets_a_clear_message(page, settings):
    page, _ = page
    ask(page, "COR " * (settings.max_question_chars // 4 + 10))
    page.locator("#cg-chat").get_by_text("The question is too long", exact=False).wait_for()
