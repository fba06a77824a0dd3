"""The page's pieces, rendered without a server: escaping, highlighting, cards and tool views."""

from __future__ import annotations

import re

import pytest

from assistant.answering.answer import Answer, Citation, ConversationState, ToolCall
from assistant.tools import audit_schedule, check_eligibility, estimate_incentive, score_audit
from ui import render, tool_markdown
from ui.app import merge_panel, parse_auth

EVIL = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def citation(**changes) -> Citation:
    base = {
        "n": 1,
        "source": "alberta",
        "section": "Who can use SECOR?",
        "quote": "SECOR is for employers with 10 or fewer workers.",
        "url": "https://www.youracsa.ca/cor-secor/",
        "title": "Alberta: COR and SECOR",
        "last_verified": "2025-11-30",
        "passage": "In Alberta, SECOR is for employers with 10 or fewer workers. Larger ones need "
        "COR.",
    }
    return Citation(**{**base, **changes})


def no_live_markup(html: str) -> None:
    """No tag, attribute or script from the evil string survives as markup."""
    assert "<img" not in html and "<script" not in html
    assert "&lt;img" in html or "&lt;script" in html


# ---- sources --------------------------------------------------------------------------------


def test_source_card_shows_every_field():
    html = render.sources_html([citation()])
    assert "Alberta: COR and SECOR" in html
    assert "Who can use SECOR?" in html
    assert "<mark>SECOR is for employers with 10 or fewer workers.</mark>" in html
    assert 'href="https://www.youracsa.ca/cor-secor/"' in html
    assert "source date unknown; checked 2025-11-30" in html  # both dates, never "verified"
    assert "verified" not in html
    assert "[1]" in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_a_source_with_no_web_address_shows_its_name_instead_of_a_link():
    name = "industry article: Cor vs Se-Cor (consultancy explainer of 2023-08-13)"
    html = render.sources_html([citation(url="", reference=name)])
    assert name in html and "href=" not in html
    payload_card = render.source_card({**citation(url="", reference=name).model_dump()})
    assert name in payload_card


def test_the_mark_sits_inside_its_passage():
    html = render.highlight_passage("Before. The quoted span. After.", "The quoted span.")
    assert html == "Before. <mark>The quoted span.</mark> After."


@pytest.mark.parametrize("field", ["title", "section", "passage", "quote", "last_verified"])
def test_every_text_field_is_escaped(field):
    changes = {field: EVIL}
    if field == "quote":
        changes["passage"] = f"Text {EVIL} more text."
    if field == "passage":  # the quote must be in it for the passage to be shown
        changes["passage"] = f"{EVIL} {citation().quote}"
    html = render.sources_html([citation(**changes)])
    no_live_markup(html)


def test_quote_with_markup_is_marked_and_escaped():
    passage = "Keep <b>bold</b> text & more."
    html = render.highlight_passage(passage, "<b>bold</b>")
    assert html == "Keep <mark>&lt;b&gt;bold&lt;/b&gt;</mark> text &amp; more."


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "//evil.example", "", "ftp://x.ca"]
)
def test_only_http_links_are_kept(url):
    html = render.sources_html([citation(url=url)])
    assert "href=" not in html
    assert "javascript" not in html.lower()


def test_url_attribute_cannot_break_out():
    html = render.sources_html([citation(url='https://x.ca/"><script>alert(1)</script>')])
    assert "<script" not in html
    assert 'href="https://x.ca/&quot;&gt;&lt;script&gt;' in html


def test_long_passage_is_cut_around_the_quote():
    quote = "The quoted sentence sits in the middle."
    passage = "a" * 2000 + " " + quote + " " + "b" * 2000
    html = render.highlight_passage(passage, quote, window=200)
    assert f"<mark>{quote}</mark>" in html
    assert html.startswith("…") and html.endswith("…")
    assert len(html) < 300


def test_quote_not_in_passage_is_still_shown_marked():
    html = render.highlight_passage("something else", "a <quote>")
    assert html == "<mark>a &lt;quote&gt;</mark>"


def test_markers_in_the_answer_match_the_numbered_sources():
    answer = Answer(
        question="q",
        answer="SECOR fits. [1]\n\n- Audit yearly. [2]",
        citations=[citation(n=1), citation(n=2, title="Audits explained")],
    )
    markers = set(re.findall(r"\[(\d+)\]", render.answer_markdown(answer)))
    numbered = set(re.findall(r'id="cg-source-(\d+)"', render.sources_html(answer.citations)))
    assert markers == numbered == {"1", "2"}


def test_no_citations_gives_the_empty_panel():
    assert render.sources_html([]) == render.EMPTY_SOURCES


# ---- chat text -----------------------------------------------------------------------------


def test_user_text_is_never_markup():
    shown = render.user_markdown(EVIL + " R&D a<b")
    assert "<" not in shown and ">" not in shown
    assert "&lt;img" in shown and "R&amp;D" in shown


def test_chat_message_lists_sources_under_the_answer():
    answer = Answer(question="q", answer="SECOR fits. [1]", citations=[citation()])
    text = render.chat_message(answer)
    assert text.startswith("SECOR fits. [1]")
    assert "**Sources**" in text
    assert "1. [Alberta: COR and SECOR](https://www.youracsa.ca/cor-secor/)" in text
    assert "(source date unknown; checked 2025-11-30)" in text
    assert "verified" not in text


DATED = "http://businessdocbox.com/Human_Resources/100579353-Prevention-rebate-what-s-new.html"


def test_a_source_with_its_own_date_shows_both_dates():
    dated = citation(url=DATED, last_verified="2026-11-30")
    assert dated.dates() == "source dated 2017; checked 2026-11-30"
    assert "source dated 2017; checked 2026-11-30" in render.sources_html([dated])
    footer = render.sources_footer([dated.model_dump()])  # the stored answers are dicts
    assert footer.endswith("(source dated 2017; checked 2026-11-30)")
    assert dated.contract() == {  # the JSON contract is unchanged
        "source": "alberta",
        "section": "Who can use SECOR?",
        "quote": dated.quote,
        "url": DATED,
    }


def test_a_citation_without_a_check_date_still_says_what_is_known():
    assert citation(url=DATED, last_verified="").dates() == "source dated 2017"
    assert citation(last_verified="").dates() == "source date unknown"


def test_sources_footer_defuses_markdown_in_titles():
    footer = render.sources_footer([citation(title="A](javascript:x) <b>", url="javascript:x")])
    assert "](javascript" not in footer and "<b>" not in footer


def test_error_message_is_one_clear_line():
    text = render.error_markdown("the question is too long (3,000 characters; the limit is 2,000)")
    assert text.startswith("**Sorry:** The question is too long")
    assert "\n" not in text and "Traceback" not in text


def test_answer_payload_has_contract_keys_and_titles():
    answer = Answer(
        question="q", province="AB", answer="a [1]", citations=[citation()], tool_calls=[]
    )
    payload = render.answer_payload(answer)
    assert {"question", "province", "answer", "citations", "tool_calls", "refused"} <= set(payload)
    assert payload["citations"][0]["title"] == "Alberta: COR and SECOR"
    assert payload["citations"][0]["last_verified"] == "2025-11-30"
    assert payload["citations"][0]["dates"] == "source date unknown; checked 2025-11-30"
    assert payload["citations"][0]["quote"] == citation().quote


# ---- eligibility card ------------------------------------------------------------------------


def test_eligibility_card_from_the_real_tool():
    result = check_eligibility("AB", 8).model_dump(mode="json")
    html = render.eligibility_card(result)
    assert "Recommended: SECOR" in html
    assert "Alberta" in html and "8 workers" in html
    assert html.count("<li>") >= len(result["reasons"])
    for reason in result["reasons"]:
        assert render.esc(reason["text"]) in html
    for step in result["next_steps"]:
        assert render.esc(step["name"]) in html


def test_eligibility_card_shows_warnings():
    result = check_eligibility("AB", 10).model_dump(mode="json")
    assert result["warnings"]
    html = render.eligibility_card(result)
    assert "Check before you rely on this" in html
    assert "At the SECOR limit" in html


def test_eligibility_card_without_a_program():
    html = render.eligibility_card(check_eligibility("PE", 5).model_dump(mode="json"))
    assert "No COR program" in html


def test_eligibility_card_escapes_everything():
    result = check_eligibility("AB", 8).model_dump(mode="json")
    result["reasons"][0]["text"] = EVIL
    result["warnings"] = [{"kind": "confirm", "text": EVIL, "sources": ["https://x.ca"]}]
    result["next_steps"] = [{"text": "t", "name": EVIL, "url": "javascript:alert(1)"}]
    result["province_name"] = EVIL
    html = render.eligibility_card(result)
    no_live_markup(html)
    assert "javascript:" not in html


def test_eligibility_from_answer_picks_the_tool_call():
    result = check_eligibility("AB", 8).model_dump(mode="json")
    answer = Answer(
        question="q",
        answer="a",
        tool_calls=[
            ToolCall(name="audit_schedule", args={}, result={}),
            ToolCall(name="check_eligibility", args={}, result=result),
        ],
    )
    assert render.eligibility_from_answer(answer) == result
    assert render.eligibility_from_answer(Answer(question="q", answer="a")) is None
    assert render.eligibility_card(None) == ""


# ---- tool tabs -----------------------------------------------------------------------------


def test_score_view_and_bar_chart_rows():
    result = score_audit("AB", {"Hazard Assessment": 90, "Training": 45, "Investigation": 88})
    data = result.model_dump(mode="json")
    md = tool_markdown.score_markdown(data)
    assert "FAIL" in md and "74.33%" in md
    assert "| Training | 45% |" in md and "| **fail** |" in md
    rows = tool_markdown.score_rows(data)
    assert rows[-1] == {"element": "Overall", "score": 74.33, "result": "Fail"}
    assert {r["element"]: r["result"] for r in rows[:-1]} == {
        "Hazard Assessment": "Pass",
        "Training": "Fail",
        "Investigation": "Pass",
    }


def test_score_view_escapes_element_names():
    data = score_audit("AB", {EVIL: 90, "a|b": 70}).model_dump(mode="json")
    md = tool_markdown.score_markdown(data)
    assert "<img" not in md and "<script" not in md
    assert "a\\|b" in md


def test_incentive_view_shows_amount_and_steps():
    data = estimate_incentive("MB", premium=4000).model_dump(mode="json")
    md = tool_markdown.incentive_markdown(data)
    assert "$3,000.00" in md
    assert "How it is worked out" in md
    nothing = tool_markdown.incentive_markdown(estimate_incentive("SK").model_dump(mode="json"))
    assert "No incentive formula found" in nothing


def test_schedule_view_is_a_table_of_audits():
    data = audit_schedule("AB", "2025-03-31").model_dump(mode="json")
    md = tool_markdown.schedule_markdown(data)
    assert "expires on 2028-03-31" in md
    assert md.count("| **maintenance** |") == 2
    assert "**recertification**" in md


# ---- panel state and auth ------------------------------------------------------------------


def test_panel_overrides_the_conversation_state():
    state = ConversationState(jurisdiction="AB", workers=8, industry="roofing")
    merged = merge_panel(state.model_dump(), "BC", 12.0, True, False)
    assert (merged.jurisdiction, merged.workers, merged.subcontractors) == ("BC", 12, True)
    assert merged.industry == "roofing"  # slots the panel does not show carry over
    cleared = merge_panel(state, None, None, False, False)
    assert cleared.jurisdiction is None and cleared.workers is None


def test_panel_industry_and_premium_override_the_state():
    state = ConversationState(jurisdiction="MB", industry="roofing", premium=4000.0)
    merged = merge_panel(state, "MB", "5", False, False, "drywall", "$55,000")
    assert (merged.industry, merged.premium) == ("drywall", 55000.0)
    blank = merge_panel(state, "MB", "5", False, False, "  ", "")
    assert blank.industry is None and blank.premium is None


def test_an_unticked_box_is_not_a_no_unless_it_was_a_yes():
    unknown = ConversationState(jurisdiction="AB")
    assert merge_panel(unknown, "AB", "", False, False).subcontractors is None
    said_yes = ConversationState(jurisdiction="AB", subcontractors=True, public_contracts=True)
    unticked = merge_panel(said_yes, "AB", "", False, False)
    assert unticked.subcontractors is False and unticked.public_contracts is False
    said_no = ConversationState(subcontractors=False)
    assert merge_panel(said_no, "AB", "", False, False).subcontractors is False


@pytest.mark.parametrize("premium", ["lots", "-5", "nan"])
def test_a_bad_premium_in_the_panel_is_refused(premium):
    from assistant.errors import InputError

    with pytest.raises(InputError, match="premium"):
        merge_panel({}, "AB", "", False, False, None, premium)


def test_panel_values_show_the_state():
    from ui.app import panel_values

    state = ConversationState(
        jurisdiction="AB", workers=9, subcontractors=True, industry="construction", premium=55000
    )
    assert panel_values(state) == ("AB", "9", True, False, "construction", "55,000")
    assert panel_values(ConversationState()) == (None, "", False, False, "", "")


def test_the_understood_line_is_text_and_says_when_nothing_is_known():
    line = render.understood_html("Alberta (from Edmonton), construction, 9 workers", 2)
    assert "Understood:</b> Alberta (from Edmonton), construction, 9 workers" in line
    assert 'data-turn="2"' in line
    assert render.NOTHING_UNDERSTOOD in render.understood_html(None)
    no_live_markup(render.understood_html(EVIL, 1, problem=EVIL))


@pytest.mark.parametrize("workers", ["eight", "-3", "2.5"])
def test_a_bad_worker_count_in_the_panel_is_refused(workers):
    from assistant.errors import InputError

    with pytest.raises(InputError, match="workers"):
        merge_panel({}, "AB", workers, False, False)


def test_a_blank_worker_count_means_not_said():
    assert merge_panel({"workers": 8}, "AB", "  ", False, False).workers is None
    assert merge_panel({}, "AB", "0", False, False).workers == 0  # an owner-operator


@pytest.mark.parametrize("bad", ["nopassword", "user:", ":pw", "a:b,,c:d"])
def test_malformed_auth_is_refused(bad):
    from assistant.errors import InputError

    with pytest.raises(InputError, match="CORGUIDE_AUTH"):
        parse_auth(bad)
