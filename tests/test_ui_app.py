"""The chat app served for real on a loopback port and driven through gradio_client (the
`served` and `client` fixtures of tests/conftest.py)."""

from __future__ import annotations

import httpx
import pytest
from conftest import serve
from gradio_client import Client

from assistant.answering.feedback import read_votes
from ui.app import QUEUE_CONCURRENCY, build_app

QUESTION = "I have 8 workers in Alberta. Which program fits me and what does the audit involve?"
ENDPOINTS = {
    "/chat",
    "/vote",
    "/new_chat",
    "/check_eligibility",
    "/score_audit",
    "/estimate_incentive",
    "/audit_schedule",
    "/compare_costs",
}


def ask(
    client: Client,
    question: str,
    jurisdiction=None,
    workers=None,
    subs=False,
    public=False,
    industry=None,
    premium=None,
):
    return client.predict(
        question, jurisdiction, workers, subs, public, industry, premium, api_name="/chat"
    )


def test_named_endpoints(client):
    names = set(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert names >= ENDPOINTS


def test_binds_loopback_and_queues(served):
    url, demo = served
    assert url.startswith("http://127.0.0.1:")
    assert demo.local_url.startswith("http://127.0.0.1:")
    assert demo._queue.max_size == 64
    assert demo._queue.default_concurrency_limit == QUEUE_CONCURRENCY


def test_a_question_gets_a_cited_answer(client):
    result = ask(client, QUESTION)
    assert "SECOR" in result["answer"]
    assert result["province"] == "AB"
    assert result["citations"], "no citations"
    for c in result["citations"]:
        assert c["title"] and c["url"] and c["quote"] and c["last_verified"]
        assert f"[{c['n']}]" in result["answer"]
    assert any(t["name"] == "check_eligibility" for t in result["tool_calls"])
    assert result["refused"] is False


def test_side_panel_inputs_change_the_answer(client):
    question = "Which program fits my business?"
    small = ask(client, question, "AB", 8)
    large = ask(client, question, "AB", 40)
    public = ask(client, question, "AB", 8, False, True)
    elsewhere = ask(client, question, "BC", 8)

    def recommended(result):
        (call,) = [t for t in result["tool_calls"] if t["name"] == "check_eligibility"]
        return call["args"], call["result"]["recommended"]

    assert recommended(small) == ({"jurisdiction": "AB", "workers": 8}, "SECOR")
    assert recommended(large)[1] == "COR"
    assert recommended(public)[0]["public_contracts"] is True
    assert recommended(public)[1] == "COR"
    assert elsewhere["province"] == "BC"
    assert small["answer"] != large["answer"] != public["answer"]
    without = ask(client, question)  # no panel: it must ask for the province
    assert without["province"] is None
    assert "province" in without["answer"].lower()


def test_stated_facts_update_the_state_the_panel_shows(client):
    result = ask(client, "We're in Alberta with 8 guys, which program fits?")
    assert result["state"]["jurisdiction"] == "AB"
    assert result["state"]["workers"] == 8


def test_the_answer_says_what_it_understood(client):
    result = ask(client, "hi, we're a small drywall company in Edmonton")
    assert result["refused"] is False and result["route"] == "context"
    assert result["state"]["jurisdiction"] == "AB"
    assert result["state"]["industry"] == "construction"
    assert result["state"]["understood"].startswith("Alberta")
    assert "Alberta (from Edmonton)" in result["answer"]


def test_the_understood_line_says_where_the_province_came_from(client):
    result = ask(client, "hi, we're a small drywall company in Edmonton")
    assert "Edmonton" in result["state"]["understood"]


def test_the_panel_industry_and_premium_reach_the_state(client):
    result = ask(client, "What should we do first?", "MB", 5, False, False, "roofing", "$4,000")
    state = result["state"]
    assert (state["jurisdiction"], state["workers"]) == ("MB", 5)
    assert (state["industry"], state["premium"]) == ("roofing", 4000.0)
    assert state["subcontractors"] is None  # an unticked box is "not said", not "no"
    assert state["understood"] == "Manitoba, roofing, 5 workers, WCB premium $4,000"
    with pytest.raises(Exception, match="premium"):
        ask(client, "What should we do first?", "MB", 5, False, False, None, "lots")


def test_every_source_shows_its_own_date_and_the_check_date(client):
    from assistant.knowledge.sources import date_line

    result = ask(client, "What is the difference between COR and SECOR?")
    assert result["citations"]
    for c in result["citations"]:
        assert c["dates"] == date_line(c["url"], c["last_verified"])
        assert c["dates"].startswith(("source dated ", "source date unknown; "))
        assert c["dates"].endswith(f"; checked {c['last_verified']}")
    dated = ask(client, "Does New Brunswick have a COR program?", "NB")
    assert any(c["dates"].startswith("source dated ") for c in dated["citations"]), [
        (c["url"], c["dates"]) for c in dated["citations"]
    ]


@pytest.mark.parametrize(("question", "message"), [("   ", "empty"), ("x" * 5000, "too long")])
def test_bad_questions_get_a_clear_message(client, question, message):
    with pytest.raises(Exception, match=message) as info:
        ask(client, question)
    assert "Traceback" not in str(info.value)


def test_a_vote_is_written_to_the_feedback_file(client, settings):
    before = len(read_votes(settings.feedback_path))
    result = ask(client, QUESTION)
    stored = client.predict(result["answer_id"], "down", api_name="/vote")
    assert stored["vote"] == "down"
    votes = read_votes(settings.feedback_path)
    assert len(votes) == before + 1
    last = votes[-1]
    assert (last.question, last.answer, last.vote) == (QUESTION, result["answer"], "down")
    fields = ("n", "source", "section", "quote", "url")  # the server's copy of each citation
    assert last.citations == [{k: c[k] for k in fields} for c in result["citations"]]
    assert last.time.endswith("Z") and last.answer_id == result["answer_id"]
    with pytest.raises(Exception, match="vote"):
        client.predict(result["answer_id"], "sideways", api_name="/vote")


def test_new_chat_clears_the_conversation(client):
    history, sources, card, box = client.predict(api_name="/new_chat")
    assert history == [] and box == ""
    assert "Ask a question" in sources


def test_eligibility_tool(client):
    result = client.predict("Alta", 8, False, False, api_name="/check_eligibility")
    assert result["province"] == "AB"
    assert result["eligible"] == ["COR", "SECOR"] and result["recommended"] == "SECOR"
    assert result["reasons"] and result["next_steps"]
    subs = client.predict("AB", 8, True, False, api_name="/check_eligibility")
    assert subs["recommended"] == "COR"
    with pytest.raises(Exception, match="unknown jurisdiction"):
        client.predict("Atlantis", 8, False, False, api_name="/check_eligibility")


def test_score_audit_tool(client):
    scores = {"Hazard Assessment": 90, "Training": 45, "Investigation": 88}
    result = client.predict("AB", scores, "certification", "COR", api_name="/score_audit")
    assert result["passed"] is False
    assert result["failing_elements"] == ["Training"]
    assert {e["name"]: e["passed"] for e in result["elements"]} == {
        "Hazard Assessment": True,
        "Training": False,
        "Investigation": True,
    }
    ok = client.predict("AB", {"Training": 62}, "maintenance", "COR", api_name="/score_audit")
    assert ok["passed"] is True


def test_incentive_tool(client):
    result = client.predict(
        "MB", None, None, None, 4000, None, None, api_name="/estimate_incentive"
    )
    assert result["found"] is True and result["amount"] == 3000.0
    assert result["steps"]


def test_schedule_tool(client):
    result = client.predict("AB", "2025-03-31", api_name="/audit_schedule")
    assert result["expires_on"] == "2028-03-31"
    assert [e["audit"] for e in result["entries"]].count("maintenance") == 2
    with pytest.raises(Exception, match="not a real date"):
        client.predict("AB", "2025-02-30", api_name="/audit_schedule")


def test_costs_tool(client):
    result = client.predict("BC", 8, 2, api_name="/compare_costs")
    assert result["province"] == "BC" and result["secor"]


def test_auth_from_the_environment(assistant, settings, monkeypatch):
    monkeypatch.setenv("CORGUIDE_AUTH", "tester:s3cret:pw")
    with serve(build_app(assistant, settings)) as url:
        assert httpx.get(url + "config", timeout=10).status_code == 401
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do; it must not connect
            Client(url, verbose=False, analytics_enabled=False).predict(
                "AB", 8, False, False, api_name="/check_eligibility"
            )
        with pytest.raises(Exception):  # noqa: B017
            Client(url, auth=("tester", "wrong"), verbose=False, analytics_enabled=False)
        authed = Client(url, auth=("tester", "s3cret:pw"), verbose=False, analytics_enabled=False)
        result = authed.predict("AB", 8, False, False, api_name="/check_eligibility")
        assert result["recommended"] == "SECOR"
