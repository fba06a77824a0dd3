"""A real browser (Debian's headless Chromium, driven by Playwright) asks a question in the page.

It saves the screenshot of the answer with its sources twice: under ``test-output/`` (git-ignored,
for CI artifacts) and as ``docs/screenshot-chat.png`` (committed, linked from the README).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from assistant.answering.feedback import read_votes
from ui.render import NOTHING_UNDERSTOOD

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


@pytest.fixture(scope="module")
def url(served) -> str:
    """The page's address: tests/conftest.py's served chat app."""
    return served[0]


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
    # No decision yet: the empty eligibility card takes no room (the page's CSS hides it).
    assert not page.locator("#cg-eligibility").is_visible()
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


# ---- a conversation: the side panel reads the state the chat understood ---------------------


def turn(page, number: int, message: str) -> str:
    """Send a message and wait for its final answer; returns the answer's text in the chat.

    The understood line carries the number of answers so far, and it changes in the same update
    as the final answer and the panel, so waiting for it waits for all three.
    """
    ask(page, message)
    page.locator(f'#cg-understood [data-turn="{number}"]').wait_for()
    return page.locator("#cg-chat .bot-row").last.inner_text()


def panel(page) -> dict[str, object]:
    """What the side panel shows."""

    def text(name: str) -> str:
        return page.locator(f"#cg-{name} input, #cg-{name} textarea").first.input_value()

    return {
        "understood": page.locator("#cg-understood").inner_text().strip(),
        "province": page.locator("#cg-jurisdiction input").input_value(),
        "workers": text("workers"),
        "industry": text("industry"),
        "premium": text("premium"),
        "subcontractors": page.locator("#cg-subs input").is_checked(),
        "public": page.locator("#cg-public input").is_checked(),
    }


def test_a_conversation_fills_the_side_panel_turn_by_turn(page):
    from assistant.answering.chain import REFUSAL

    page, outside = page
    shown = panel(page)
    assert shown["understood"] == f"Understood: {NOTHING_UNDERSTOOD}"
    answers = []

    # 1. A context statement: a city names its province; the trade names the industry.
    answers.append(turn(page, 1, "hi, we're a small drywall company in Edmonton"))
    shown = panel(page)
    assert "Edmonton" in answers[-1] and "Alberta" in answers[-1]
    assert shown["province"] == "Alberta (AB)"
    assert shown["understood"].startswith("Understood: Alberta")
    assert shown["industry"] == "construction" and "construction" in shown["understood"]
    assert shown["workers"] == "" and shown["premium"] == ""
    assert not shown["subcontractors"] and "subcontractors" not in shown["understood"]

    # 2. A count in owners' words, and the eligibility question.
    answers.append(turn(page, 2, "we've got 9 guys, do we qualify for secor?"))
    shown = panel(page)
    assert "SECOR" in answers[-1] and "9 workers" in answers[-1]
    assert (shown["province"], shown["workers"]) == ("Alberta (AB)", "9")
    assert shown["understood"].startswith("Understood: Alberta")
    assert shown["understood"].endswith("construction, 9 workers")
    assert (
        page.locator("#cg-eligibility .cg-decision").inner_text().startswith("Recommended: SECOR")
    )

    # 3. A hypothetical changes the count for that answer only: the panel keeps 9.
    answers.append(turn(page, 3, "what if we hire 3 more in the spring?"))
    shown = panel(page)
    assert "12 workers" in answers[-1]
    assert shown["workers"] == "9" and "9 workers" in shown["understood"]

    # 4. A premium in dollars fills its field.
    answers.append(turn(page, 4, "our premium is $55,000, what rebate would we get?"))
    shown = panel(page)
    assert "55,000" in answers[-1]
    assert shown["premium"] == "55,000" and "$55,000" in shown["understood"]
    assert shown["workers"] == "9"

    # 5. Thanks get a short, friendly reply, not a refusal; nothing changes.
    answers.append(turn(page, 5, "thanks, that helps"))
    assert panel(page) == shown

    # 6. "Start over" clears the panel.
    answers.append(turn(page, 6, "start over"))
    shown = panel(page)
    assert shown == {
        "understood": f"Understood: {NOTHING_UNDERSTOOD}",
        "province": "",
        "workers": "",
        "industry": "",
        "premium": "",
        "subcontractors": False,
        "public": False,
    }
    for answer in answers:
        assert REFUSAL[:60] not in answer and "does not cover" not in answer, answer
    assert not outside, f"the page tried to leave the machine: {outside[:5]}"


def retype(box, text: str) -> None:
    """Type into a box as a person does (``fill`` sets the value without Gradio's input event)."""
    box.fill("")
    box.press_sequentially(text)


def test_editing_the_panel_changes_what_the_next_answer_uses(page):
    page, _ = page
    turn(page, 1, "We're in Alberta with 8 workers, which program fits?")
    assert panel(page)["workers"] == "8"
    workers = page.locator("#cg-workers input, #cg-workers textarea").first
    retype(workers, "14")
    # Wait for the settled line: while the update runs, Gradio may draw its timer over the box.
    page.wait_for_function(
        "() => document.querySelector('#cg-understood').innerText.trim()"
        " === 'Understood: Alberta, 14 workers'"
    )
    answer = turn(page, 2, "which program fits us?")
    assert "14 workers" in answer and "COR" in answer
    assert panel(page)["workers"] == "14"
    retype(workers, "2.5")  # a count the tools cannot take is named, not passed on
    page.locator("#cg-understood .cg-warn").wait_for()
    assert "whole number" in page.locator("#cg-understood .cg-warn").inner_text()


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


# ---- issue 15: the Readiness check and My plan tabs -------------------------------------------


def _shot(page, name: str) -> None:
    out_dir = ROOT / "test-output"
    out_dir.mkdir(exist_ok=True)
    shot = out_dir / f"ui-{name}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    shutil.copyfile(shot, ROOT / "docs" / f"screenshot-{name}.png")
    assert (ROOT / "docs" / f"screenshot-{name}.png").stat().st_size < SCREENSHOT_LIMIT


def test_readiness_check_and_my_plan_in_a_real_browser(page, settings):
    page, outside = page
    turn(page, 1, "We're in Alberta with 8 workers, which program fits?")
    page.get_by_role("tab", name="Readiness check").click()
    heading = page.locator("#cg-r-heading")
    heading.get_by_text("Scoring as SECOR in Alberta", exact=False).wait_for()
    # Fill the check: everything yes, then the orientation question no.
    page.locator("#cg-r-all-yes").click()
    page.get_by_text("Training and competency", exact=True).click()
    question = page.locator(".cg-r-q").filter(has_text="safety orientation before starting")
    question.get_by_label("no").check()
    page.locator("#cg-r-go").click()
    actions = page.locator("#cg-r-out")
    actions.get_by_text("Do first", exact=False).wait_for()
    assert "would pass" in actions.inner_text()
    assert "orientation checklist" in actions.inner_text()
    page.locator("#cg-r-chart canvas, #cg-r-chart svg").first.wait_for(state="visible")
    saved = settings.data_dir / "readiness" / "answers-local.json"
    assert saved.exists() and '"trn-orientation": "no"' in saved.read_text(encoding="utf-8")
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(800)  # the chart draws after its data arrives
    _shot(page, "readiness")

    page.get_by_role("tab", name="My plan").click()
    retype(page.locator("#cg-p-start input, #cg-p-start textarea").first, "2027-01-04")
    page.locator("#cg-p-go").click()
    steps = page.locator("#cg-p-steps")
    steps.get_by_text("Choose the program", exact=False).first.wait_for()
    assert "2028-01-04" in steps.inner_text()  # the records rule's 12 months from the start
    with page.expect_download() as info:
        page.locator("#cg-p-pdf").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
    page.evaluate("() => window.scrollTo(0, 0)")
    _shot(page, "plan")
    assert not outside, f"the page tried to leave the machine: {outside[:5]}"
