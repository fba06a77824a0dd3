"""Whether an answer depends on the province, read by meaning (dialogue/data/province_need.yaml).

Owners ask "is there a small-business version of COR?" before saying where they are; the
answer is each province's own, so the assistant asks which province instead of answering with
the first province's passage. These use the real model and the real index.
"""

from __future__ import annotations

import pytest

from assistant.answering.answer import ConversationState
from assistant.dialogue.intents import PROVINCE_NEED, IntentClassifier, load_examples


@pytest.fixture(scope="module")
def province_need(embedder, tmp_path_factory):
    return IntentClassifier.load(embedder, tmp_path_factory.mktemp("need"), PROVINCE_NEED)


def test_every_example_left_out_lands_on_its_own_label(province_need):
    wrong = province_need.left_out_mistakes()
    assert not wrong, "\n".join(wrong)


def test_the_labels_are_the_two_the_planner_reads():
    assert {label for label, _ in load_examples(PROVINCE_NEED)} == {"depends", "general"}


@pytest.mark.parametrize(
    "question",
    [
        # After "Saskatchewan" the lead compares SCSA's SECOR and COR registration fees.
        "is there a cheaper cor for small shops?",
        "whats the small company version called",
        "do small crews get their own program?",
    ],
)
def test_a_small_version_question_with_no_province_asks_for_one(assistant, question):
    answer = assistant.ask(question, ConversationState())
    assert answer.asked_back
    assert "Which province or territory" in answer.answer
    # The reply fills the slot and answers the question that was waiting.
    then = assistant.ask("Saskatchewan", answer.state)
    assert not then.not_covered, then.answer
    # The small-employer program is what was asked for: it is named in the first sentence.
    assert "SECOR" in then.answer.split("\n")[0], then.answer


@pytest.mark.parametrize(
    "question", ["what is a certificate of recognition?", "what does a safety audit involve?"]
)
def test_a_general_question_is_answered_without_asking_the_province(assistant, question):
    answer = assistant.ask(question, ConversationState())
    assert not answer.asked_back, answer.answer
    assert "Which province or territory" not in answer.answer


def test_a_program_question_with_a_city_but_no_count_asks_for_the_count(assistant):
    answer = assistant.ask("Kelowna framing crew, can we do Small COR?", ConversationState())
    assert answer.route == "ask", answer.answer
    assert "How many workers" in answer.answer


def test_each_examples_file_keeps_its_own_cache(embedder, tmp_path):
    # Writing the province-need cache must not delete the intents cache beside it (and back).
    IntentClassifier.load(embedder, tmp_path)
    IntentClassifier.load(embedder, tmp_path, PROVINCE_NEED)
    assert len(list(tmp_path.glob("intents-*.npy"))) == 1
    assert len(list(tmp_path.glob("province_need-*.npy"))) == 1


def test_asked_with_no_province_the_answer_comes_first_and_the_question_for_it_after(assistant):
    """The very first line answers (it quotes a passage); asking for the province comes last,
    not an opening "It depends" that answers nothing."""
    answer = assistant.ask("can I do the SECOR audit myself?", ConversationState())
    lines = [line for line in answer.answer.splitlines() if line.strip()]
    assert "[1]" in lines[0] and "owner" in lines[0], answer.answer
    assert "Which province or territory" in answer.answer.split("\n\n")[-2], answer.answer
