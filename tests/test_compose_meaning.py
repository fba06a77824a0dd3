"""The composer picks sentences by meaning and by the kind of answer asked for (issue 13).

The five questions of issue 13's table, on the real corpus and the real model: the answer's
first sentence answers the question. Then the rules on small passages: a caveat never leads
when a fact is there, an intro ending in ":" is never a point, a list question gets the list.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import first_sentence

from assistant.answering.compose import Composer
from assistant.answering.guard import check
from assistant.answering.sentence_pick import Sentence, read_in_order, repeats
from assistant.knowledge.corpus import Chunk
from assistant.knowledge.sentences import sentences_of
from assistant.search.retrieve import Scored

# (question, pattern the first sentence must match, why)
TABLE = [
    pytest.param(
        "Do I have to get COR in Alberta, or is it optional?",
        r"\b(?:required|requires?|voluntary|optional|need)\b",
        "says whether COR is required",
    ),
    (
        "can I do the SECOR audit myself?",
        r"\b(?:owner|employee|yourself|self-assessment)\b",
        "says who may do a SECOR audit",
    ),
    (
        "how long does it take to get SECOR",
        r"\b(?:months?|years?|weeks?)\b",
        "gives a duration",
    ),
    (
        "what are the COR elements in Manitoba",
        r"\b(?:sections|elements)\b",
        "introduces the list of elements",
    ),
    (
        "what does an external COR audit cost?",
        r"\$2,500",
        "states the figure",
    ),
]


@pytest.mark.parametrize(("question", "pattern", "why"), TABLE)
def test_issue_13_questions_lead_with_the_answer(assistant, question, pattern, why):
    answer = assistant.ask(question)
    assert not answer.not_covered, answer.answer
    lead = first_sentence(answer.answer)
    assert re.search(pattern, lead), f"the first sentence should say {why}: {lead!r}"
    assert not re.match(r"No official|Ask |Confirm ", lead)
    report = check(answer.answer, answer.citations, answer.tool_calls)
    assert report.ok, (report.dropped_citations, report.ungrounded_numbers)


def test_a_list_question_gets_the_list_items(assistant):
    answer = assistant.ask("what are the COR elements in Manitoba")
    items = [line for line in answer.answer.splitlines() if line.startswith("- ")]
    assert len(items) >= 5, answer.answer
    assert any("Hazard Assessment" in line for line in items)


# -- small passages -----------------------------------------------------------------------------


def _passage(text: str, section: str = "How much does an audit cost?", rank_id: str = "a"):
    chunk = Chunk(
        doc_id=f"doc-{rank_id}",
        title="Costs",
        section=section,
        text=text,
        jurisdiction="general",
        programs=("COR",),
        topics=("costs",),
        sources=("https://example.ca",),
        last_verified="2026-11-30",
        id=f"doc-{rank_id}::s",
    )
    return Scored(chunk, 1.0, 0.7)


COST = (
    "No official figure was found. The only estimate comes from one consultancy article. "
    "It says an external audit costs at least $2,500 and can pass $10,000. "
    "Treat this as one firm's claim [secondary]."
)


def test_a_caveat_never_leads_when_a_fact_is_there():
    lead, points, _ = Composer().compose("How much does an audit cost?", [_passage(COST)])
    # "It says ..." leads with the sentence that says what "it" is (issue 13).
    assert lead.startswith(
        "The only estimate comes from one consultancy article. It says an external audit costs "
        "at least $2,500"
    ), lead
    assert "No official figure was found." in points
    assert points.strip().splitlines()[-1].startswith(("- No official", "- Treat this"))


def test_an_intro_ending_in_a_colon_is_never_a_point():
    text = (
        "Failed audits can be redone after the gaps are fixed.\n"
        "What the sources do say:\n"
        "- ACSA allows a re-audit within 12 months of the failed one.\n"
        "- Other partners set their own wait."
    )
    lead, points, _ = Composer().compose(
        "What happens if we fail the COR audit?",
        [_passage(text, section="What happens if we fail the COR audit?")],
    )
    assert "What the sources do say" not in lead + points
    assert "re-audit within 12 months" in points


def test_meaning_picks_a_sentence_that_shares_no_word_with_the_question():
    """With vectors, the sentence closest in meaning wins over a word match; without them
    the composer falls back to the lexical score."""
    text = "Audits are booked with the partner. Joining is voluntary for every employer."
    spans = sentences_of(text)
    question_vector = np.array([1.0, 0.0, 0.0])
    vectors = np.array([[0.1, 0.99, 0.0], [0.95, 0.31, 0.0]])  # span 2 means what was asked
    passage = _passage(text, section="About audits")
    passage.sentence_vectors = vectors
    assert len(spans) == len(vectors)
    question = "Is membership required?"
    by_meaning = Composer().rank_sentences(question, [passage], question_vector=question_vector)
    assert by_meaning[0].text == "Joining is voluntary for every employer."
    assert by_meaning[0].score > 0 and by_meaning[1].score == 0  # unrelated in meaning and words
    lexical = Composer().rank_sentences(question, [passage])
    assert all(s.score == 0 for s in lexical)  # no vector and no shared word: nothing relates


def test_an_intro_that_gives_the_figure_leads():
    """'The page lists 14 elements:' states the answer; a bare list item does not lead."""
    text = (
        "The sources disagree. The current page lists 14 elements:\n"
        "1. Health & Safety Policy\n"
        "2. Hazard Assessment & Control\n\n"
        'The often-repeated "19 elements" comes from an older tool.'
    )
    lead, _, _ = Composer().compose(
        "is the audit 14 elements or 19",
        [_passage(text, section="Does the audit have 14 or 19 elements?")],
    )
    assert lead.startswith("The current page lists 14 elements.")


def test_who_can_use_asks_for_the_worker_limit():
    from assistant.answering.answer_kinds import question_kind

    assert question_kind("Who can use Small COR in British Columbia?") == "number"
    assert question_kind("kelowna company here, whos allowed to do small cor") == "number"
    assert question_kind("who can do the secor audit") == "who"


def test_the_passage_whose_heading_asks_the_question_is_read_even_when_second():
    """Of the top passages whose heading asks the question, the closest in meaning is read."""
    overview = _passage(
        "Nova Scotia has a COR program. Small employers can use the small-employer variant.",
        section="Does Nova Scotia have COR and size classes?",
        rank_id="a",
    )
    classes = _passage(
        "Nova Scotia sorts employers into four size classes. Intermediate is 5 to 19 workers.",
        section="What are the COR size classes in Nova Scotia?",
        rank_id="b",
    )
    overview.similarity, classes.similarity = 0.70, 0.81
    lead, _, _ = Composer().compose("what are the size classes for cor", [overview, classes])
    assert lead.startswith("Nova Scotia sorts employers into four size classes.")
    assert Composer().direct_passage("what are the size classes for cor", [overview, classes]) == 1


def test_a_point_that_leans_back_comes_only_after_the_sentence_it_leans_on():
    """ "It is also a partner of SAFE Work Manitoba." from another passage says nothing about
    what "it" is; "Because ..." answers a heading nobody sees. Neither is a point alone."""
    first = _passage(
        "A certifying partner is the safety association that certifies your company. "
        "Contact the certifying partner for your industry to register with it.",
        section="What is a certifying partner?",
    )
    other = _passage(
        "MHCA runs heavy construction courses in Manitoba for every certifying partner member. "
        "It is also a certifying partner of SAFE Work Manitoba, the prevention arm. "
        "Because a certifying partner certificate shows a course was taken.",
        section="Who is MHCA?",
        rank_id="b",
    )
    lead, points, _ = Composer().compose("What is a certifying partner?", [first, other])
    assert lead.startswith("A certifying partner is the safety association"), lead
    assert "- It is also" not in points and "- Because" not in points, points


# -- a point that repeats the answer ------------------------------------------------------------


def _said(text: str, vector: list[float], *, is_item: bool = False):
    return Sentence(text, 0, 0, 1.0, is_item=is_item, vector=np.asarray(vector, dtype=np.float32))


SAME_MEANING = [1.0, 0.0]
NEAR_MEANING = [0.8, 0.6]  # cosine 0.8 with SAME_MEANING
FAR_MEANING = [0.6, 0.8]  # cosine 0.6


# Long enough that a shorter point sharing most of its words is no near-duplicate by words
# alone (word Jaccard under 0.6): the vectors decide.
SAID = (
    "AASP says that once staff grow beyond 10 you must switch to the full COR by your next "
    "maintenance or certification audit, so plan the courses a year ahead."
)


@pytest.mark.parametrize(
    ("point", "vector", "repeated"),
    [
        # the same rule in fewer words: close in meaning, its words all said, nothing new
        (
            "If staff grow beyond 10, you must switch to the full COR at the next audit.",
            NEAR_MEANING,
            True,
        ),
        # the same words, far in meaning: meaning decides
        (
            "If staff grow beyond 10, you must switch to the full COR at the next audit.",
            FAR_MEANING,
            False,
        ),
        # close in meaning, but a number of its own
        (
            "If staff grow beyond 12, you must switch to the full COR at the next audit.",
            NEAR_MEANING,
            False,
        ),
        # close in meaning, but a province of its own
        (
            "In Manitoba, if staff grow beyond 10, you must switch to the full COR at the next "
            "audit.",
            NEAR_MEANING,
            False,
        ),
        # close in meaning, mostly new words
        (
            "Energy Safety Canada reviews each audit file, then sets a date for the next one.",
            NEAR_MEANING,
            False,
        ),
    ],
)
def test_a_point_repeats_only_when_it_adds_nothing(point, vector, repeated):
    assert repeats(_said(point, vector), _said(SAID, SAME_MEANING)) is repeated


def test_number_words_programs_list_items_and_missing_vectors_keep_a_point():
    said = _said("CSAM SECOR: three training modules.", SAME_MEANING)
    assert not repeats(_said("CSAM COR: four training modules.", SAME_MEANING), said)
    said = _said(
        "A full-time employee takes the auditor course, and the owner takes the leadership "
        "course in the first year, before the audit is booked with the partner.",
        SAME_MEANING,
    )
    line = "a full-time employee takes the auditor course;"
    assert repeats(_said(line, SAME_MEANING), said)  # as a sentence it adds nothing
    assert not repeats(_said(line, SAME_MEANING, is_item=True), said)  # one list's items are alike
    no_vector = Sentence("If staff grow beyond 10, you must switch to the full COR.", 0, 0, 1.0)
    assert not repeats(no_vector, _said(SAID, SAME_MEANING))


def test_an_answer_states_a_rule_once_when_two_passages_repeat_it():
    rule = "If staff grow beyond 10, the employer must move to the regular COR at its next audit."
    again = "If the headcount goes above 10, the employer must move to the regular COR next audit."
    other = "Alberta's SECOR is for employers with 10 or fewer employees at any given time."
    first = _passage(f"{rule} {other}", section="What if an Alberta SECOR firm grows?", rank_id="a")
    second = _passage(again, section="Growing past SECOR", rank_id="b")
    first.sentence_vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    second.sentence_vectors = np.array([[0.9, 0.43589]], dtype=np.float32)  # cosine 0.9
    lead, points, _ = Composer().compose(
        "What if an Alberta SECOR firm grows past 10?",
        [first, second],
        question_vector=[0.8, 0.6],
    )
    answer = lead + "\n" + points
    assert "regular COR" in answer and "headcount goes above" not in answer, answer
    second.sentence_vectors = None  # without vectors the words alone decide: both stay
    lead, points, _ = Composer().compose(
        "What if an Alberta SECOR firm grows past 10?", [first, second], question_vector=[0.8, 0.6]
    )
    assert "headcount goes above" in lead + points


def test_a_point_repeats_what_two_sentences_said_between_them():
    lead = _said(
        "In Manitoba SECOR is for employers with fewer than 10 workers; its local name is SECOR "
        "(CSAM), the province's construction safety association.",
        SAME_MEANING,
    )
    point = _said("With 10 or more workers the employer needs the full COR.", SAME_MEANING)
    again = _said(
        "SECOR is for Manitoba firms with fewer than 10 workers; with 10 or more the full COR.",
        NEAR_MEANING,
    )
    assert not repeats(again, lead)  # "full COR" and COR itself are no part of the lead
    assert repeats(again, lead, point)  # but the two said sentences hold every word and detail


def test_a_section_read_in_order_says_a_thing_once():
    said = [
        Sentence(
            "In Alberta SECOR is for employers with 10 or fewer workers, counted at any given "
            "time by the certifying partner.",
            0,
            0,
            1.0,
            vector=np.asarray(SAME_MEANING, dtype=np.float32),
        ),
        Sentence(
            "Alberta SECOR is for 10 or fewer workers.",
            0,
            1,
            0.9,
            vector=np.asarray(NEAR_MEANING, dtype=np.float32),
        ),
        Sentence("ACSA runs the SECOR course.", 0, 2, 0.8, vector=np.asarray(FAR_MEANING)),
    ]
    assert [s.position for s in read_in_order(said, None)] == [0, 2]
