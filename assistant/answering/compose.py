"""The default answer composer: deterministic, extractive, no language model.

It reads like an answer: a first sentence that answers the question, then the supporting points,
each with a marker [n] for its passage, then the tool's decision with its reasons when a tool
ran. Every sentence taken from a passage is quoted exactly, so the guard can verify it.
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np

from assistant.answering.answer import Citation
from assistant.answering.answer_kinds import (
    answers_where_not,
    defines,
    figure_wanted,
    is_hedge,
    option_sentence,
    question_kind,
    question_parts,
    sentence_fits,
)
from assistant.answering.definitions import SLOT_WORDS, defines_term, term_words
from assistant.answering.sentence_form import is_fragment, leans_back
from assistant.answering.sentence_pick import (
    MAX_POINTS,
    STRICT_KINDS,
    Sentence,
    answer_first,
    best_first,
    cited,
    items_after,
    more_points,
    pick_lead,
    program_first,
    read_in_order,
    same,
    sentence_before,
    short_answer_before,
)
from assistant.dialogue.places import partner_codes
from assistant.dialogue.understand import find_jurisdictions
from assistant.knowledge.corpus import Chunk
from assistant.knowledge.sentences import Span, sentences_of, spans_of
from assistant.search.coverage import said_otherwise
from assistant.search.retrieve import Scored, place_words, stem, tokenize

__all__ = ["Composer", "Sentence", "sentences_of", "SLOT_WORDS"]

# Points from other passages after a passage read in order (DIRECT_SPANS of its own): the
# section answers the question, and the next passages often hold what an owner asks next (the
# audit's three techniques after "what is a COR audit"). Calibrated on gold, phrasing and dev
# (issue 13, 2026-12-03; fact recall gold/phrasing/dev, wild only checked), with DIRECT_SPANS:
# 5 and 1 (before) 0.993/0.988/0.753 (wild 0.328); 5 and 2 1.000/0.988/0.763 (wild 0.344);
# 5 and 3 1.000/0.988/0.763 (0.367); 4 and 2 1.000/0.988/0.742; 6 and 2 1.000/0.988/0.763.
# 5 and 2 is the shortest answer at the best calibration figures.
DIRECT_EXTRA_POINTS = 2
DIRECT_HIT_SHARE = 0.5  # share of the question's (weighted) words the heading must contain
# Passages whose heading may be the one that asks the question: the retriever's order is
# fused from word and meaning lists, so the passage whose heading asks the question is not
# always first ("Who can use Small COR in BC?": the province overview ranks above the section
# "Who can use Small COR (SECOR) in British Columbia ...?"). Calibrated on gold and phrasing
# (issue 13, 2026-12-01, fact recall gold/phrasing, with the other changes of that commit):
# first passage only 0.952/0.885 (140/147, 146/165); of the top 2 0.973/0.891, top 3
# 0.980/0.897, top 4 0.973/0.891, top 5 0.973/0.885 (measured with the place-word coverage fix).
DIRECT_CANDIDATES = 3
# A sentence's score blends its meaning (cosine of the question's and the sentence's vectors)
# with the lexical weight (rarity-weighted shared words, scaled so the best sentence is 1).
# Calibrated on the gold and phrasing splits (issue 13, 2026-12-01; fact recall gold/phrasing):
# lexical only 0.952/0.497; 0.3/0.7 0.939/0.473; 0.5/0.5 0.966/0.503; 0.7/0.3 0.966/0.509.
SEMANTIC_WEIGHT = 0.7
LEXICAL_WEIGHT = 0.3
# A sentence sharing no word with the question relates to it only when this close in meaning
# (MiniLM cosines: unrelated corpus sentences sit around 0.1 to 0.3 from a question). Flat on
# gold and phrasing between 0.3 and 0.5 (fact recall within one item); 0.4 is the middle.
SENTENCE_MIN_SIMILARITY = 0.4
# A sentence of the kind the question asks for (a number, a duration, a yes/no word, a list
# item) is raised by this factor. Gold and phrasing: 1.0 and 1.15 tie (0.966/0.509), 1.3 and
# 1.6 cost a phrasing item or two; 1.15 keeps a small preference where scores are close. The
# lead of a passage read in order is picked by kind directly, not through this boost.
KIND_BOOST = 1.15
# A sentence's score falls with its passage's rank (1 / (1 + RANK_DECAY * rank)) and rises a
# little in a passage's opening sentences (1 + OPENING_BONUS / (1 + position)): the retriever's
# order is evidence, and every section opens with the sentence that answers its heading.
# Swept 2026-12-03 (fact recall gold/phrasing/dev; wild the check), at 0.35 and 0.15
# 1.000/0.988/0.763 (wild 0.344): RANK_DECAY 0.2 0.993/0.988/0.753, 0.5 the same, 0.8
# 0.993/0.988/0.731; OPENING_BONUS 0 1.000/0.988/0.763 (0.352), 0.3 and 0.5 0.993/0.988/0.763.
RANK_DECAY = 0.35
OPENING_BONUS = 0.15
# Words that ask the yes/no itself, not an option to weigh: in "Do I have to get COR in
# Alberta, or is it optional?" "optional" asks the same as the heading's "voluntary", so the
# sentence holding it ("Voluntary does not always mean optional ...") is no answer to lead.
YES_NO_WORDS = frozenset(
    stem(word)
    for word in "required requirement mandatory voluntary optional obligatory compulsory".split()
)


class Composer:
    """Composes answers from ranked passages; ``idf`` weights the overlap with the question."""

    def __init__(self, idf: dict[str, float] | None = None) -> None:
        self.idf = idf or {}

    def _weight(self, token: str) -> float:
        return self.idf.get(token, 1.0) if self.idf else 1.0

    def wanted(self, question: str) -> set[str]:
        return set(_wanted(question))

    def rank_sentences(
        self,
        question: str,
        passages: list[Scored],
        jurisdiction: str | None = None,
        *,
        question_vector: list[float] | None = None,
    ) -> list[Sentence]:
        """Every citable span of every passage, scored against the question, best first.

        The score blends meaning (the question's vector against each sentence's vector, both
        from ingest and retrieval, never embedded here) with the lexical weight; a passage with
        no sentence vectors, or a call with no question vector, is scored lexically alone.

        Args:
            question: the standalone question.
            passages: the retrieved passages, best first.
            jurisdiction: the user's province; sentences about another one sink.
            question_vector: the question's embedding; default the one the search used.
        """
        wanted = self.wanted(question)
        kind = question_kind(question)
        asked_about = _named(question)  # "do we need a BC COR?" from Alberta: BC is no foreigner
        figure = figure_wanted(question) if kind == "number" else None
        term = set(term_words(question)) if kind == "definition" else set()
        rows: list[tuple[int, int, Span, float, float | None, np.ndarray | None]] = []
        for rank, passage in enumerate(passages):
            spans = spans_of(passage.chunk.text)
            stored = _stored_vectors(passage, len(spans))
            meanings = _similarities(stored, passage, question_vector)
            for position, span in enumerate(spans):
                tokens = set(tokenize(span.text))
                lexical = self._held(wanted, tokens) / math.sqrt(len(tokens) + 4)
                meaning = None if meanings is None else float(meanings[position])
                vector = None if stored is None else stored[position]
                rows.append((rank, position, span, lexical, meaning, vector))
        top_lexical = max((row[3] for row in rows), default=0.0) or 1.0
        ranked: list[Sentence] = []
        for rank, position, span, lexical, meaning, vector in rows:
            text = span.text
            lexical /= top_lexical
            if meaning is None:
                score = lexical
            elif lexical > 0 or meaning >= SENTENCE_MIN_SIMILARITY:
                score = SEMANTIC_WEIGHT * max(meaning, 0.0) + LEXICAL_WEIGHT * lexical
            else:
                score = 0.0  # neither shares a word with the question nor means the same
            if kind == "definition":
                fits = defines(term, text, tokenize, is_item=span.is_item)
            else:
                fits = sentence_fits(kind, text, is_item=span.is_item, figure=figure)
            if fits:
                score *= KIND_BOOST
            score *= 1.0 / (1.0 + RANK_DECAY * rank)  # trust the retriever's order
            score *= 1.0 + OPENING_BONUS / (1 + position)  # openers tend to state the rule
            foreign, factor = _place(text, passages[rank].chunk, jurisdiction, asked_about)
            score *= factor
            ranked.append(
                Sentence(
                    text,
                    rank,
                    position,
                    score,
                    foreign,
                    span.is_item,
                    is_hedge(text) and not answers_where_not(question, text),
                    fits,
                    general=not _named(text),
                    vector=vector,
                )
            )
        ranked.sort(key=lambda s: (-s.score, s.passage_rank, s.position))
        return ranked

    def direct_passage(
        self,
        question: str,
        passages: list[Scored],
        jurisdiction: str | None = None,
        ranked: list[Sentence] | None = None,
    ) -> int | None:
        """The rank of the top passage whose heading asks the user's question, if any.

        A heading (or one of the questions the section answers) asks it when it shares at
        least DIRECT_HIT_SHARE of the question's weighted words. When several of the top
        DIRECT_CANDIDATES do, words alone cannot tell them apart ("csns size categories":
        "What is Owner/Operator (a CSNS COR size class)?" shares more words than "What are the
        COR size classes?"), so the one closest in meaning is read; for a question that wants a
        kind of answer (a figure, a duration, a benefit, a consequence), a heading asking for
        the same kind comes first ("Why should I get COR?": the benefits section, not "Is COR
        voluntary?", whose "why get cor if it isn't required" is closer in MiniLM's space),
        then one whose first sentence (among ``ranked``, the scored sentences) gives that kind.

        Each corpus section opens with the sentence that answers its heading and goes on with
        the details, so such a passage is read in order rather than picked apart.
        """
        wanted = self.wanted(question)
        if not wanted or not passages:
            return None
        kind = question_kind(question)
        # "what's the pass mark?" reads like "what is X?" but asks for a figure: only a
        # definition question takes the section defining its term.
        defining = (
            _defining_passage(question, passages, jurisdiction) if kind == "definition" else None
        )
        if defining is not None:
            return defining
        # An opener of the kind asked before closeness in meaning: "who can do
        # secor in sask" matched "What is SECOR in Saskatchewan?", which opens with the limit,
        # and "Does Saskatchewan have COR and SECOR?", closer in meaning, which opens with
        # "Saskatchewan has a Certificate of Recognition (COR) program."
        strict = kind in STRICT_KINDS
        fitting = {s.passage_rank for s in ranked or [] if strict and s.fits and not s.position}
        asking: list[tuple[bool, bool, bool, bool, float, int]] = []
        for rank, passage in enumerate(passages[:DIRECT_CANDIDATES]):
            chunk = passage.chunk
            share = max(self._share(wanted, asked) for asked in (chunk.section, *chunk.questions))
            if share >= DIRECT_HIT_SHARE:
                same_kind = strict and _heading_kind(chunk.section) == kind
                # Asked from a province, a national section comes after the others: "do we
                # need COR for government contracts?" from Manitoba read the federal section.
                local = jurisdiction is None or chunk.jurisdiction != "national"
                # A heading or question holding all the owner's words before one holding some:
                # "what's the deadline for the maintenance audit in BC?" read the section on
                # investigation deadlines (its opener gives a duration) over "What are the
                # year-end deadlines?", one of whose questions asks it.
                whole = share >= 1.0
                asking.append((same_kind, local, whole, rank in fitting, passage.similarity, -rank))
        return -max(asking)[5] if asking else None

    def _asks_later_part(self, question: str, heading: str) -> bool:
        """Whether a two-part heading's later part holds more of the question's words."""
        parts = question_parts(heading)
        if len(parts) < 2:
            return False
        wanted = self.wanted(question)
        shares = [self._held(wanted, set(tokenize(part))) for part in parts]
        return max(shares[1:]) > shares[0]

    def _held(self, wanted: set[str], words: set[str]) -> float:
        """The weight of the question's words that ``words`` hold, in their own terms or in the
        guidance's ("WorkSafeBC ... incentive" holds "reduce my WCB premiums": owner_words.yaml;
        "valid" holds "good for")."""
        return sum(self._weight(t) for t in wanted if t in words or said_otherwise(t, words))

    def _share(self, wanted: set[str], asked: str) -> float:
        """The share of the question's (weighted) words that a heading or question contains."""
        total = sum(self._weight(t) for t in wanted)
        return sum(self._weight(t) for t in wanted & set(tokenize(asked))) / total if total else 0

    def compose(
        self,
        question: str,
        passages: list[Scored],
        *,
        jurisdiction: str | None = None,
        max_points: int = MAX_POINTS,
        question_vector: list[float] | None = None,
    ) -> tuple[str, str, list[Citation]]:
        """A lead sentence, supporting points and their citations, from the passages.

        The lead states the answer: a caveat ("No official figure was found.") never leads
        when a passage states a fact, an intro ending in ":" is never a point, and a question
        asking for a list ("what are the elements") gets the list items.

        Returns:
            (lead, points_markdown, citations); lead is empty when no sentence relates to the
            question.
        """
        whole, question = question, question_parts(question)[0]  # later parts: _other_parts
        everything = self.rank_sentences(
            question, passages, jurisdiction, question_vector=question_vector
        )
        ranked = [s for s in everything if s.score > 0]
        kind = question_kind(question)
        # A passage whose heading or questions ask this question answers it even when none of
        # its sentences shares a word or a meaning with it: "Pourquoi adhérer à une mutuelle ?"
        # matches the heading "... (pourquoi adhérer à une mutuelle de prévention)?", while
        # the English sentences sit far from the French question in the model's space.
        direct = self.direct_passage(question, passages, jurisdiction, everything)
        if not ranked and direct is None:
            return "", "", []
        own = sorted(
            (s for s in everything if s.passage_rank == direct and not s.foreign),
            key=lambda s: s.position,
        )
        stated = [s for s in own if not s.hedge and not is_fragment(s.text)]
        # Asked with no province, a lead naming none is preferred, unless the question asks
        # which provinces ("Which provinces have no COR incentive?").
        general = jurisdiction is None and kind != "where"
        if direct is not None and general and not any(s.general for s in stated):
            # Asked with no province, a passage that only lists provinces' rules ("How do we
            # register?": Saskatchewan's deadlines) is no general answer: pick by sentence.
            direct = None
        if direct is not None:
            chosen = program_first(read_in_order(own, kind), question)
            if kind == "yesno":
                chosen = self._option_first(question, chosen, passages[direct].chunk)
            heading_asks = self._share(self.wanted(question), passages[direct].chunk.section)
            if kind not in ("list", "definition") and heading_asks < DIRECT_HIT_SHARE:
                chosen = answer_first(chosen, kind)
            elif self._asks_later_part(question, passages[direct].chunk.section):
                # "How long does it take to get COR in Ontario, and how long is it valid?"
                # opens with the first part's answer; "how long is cor good for" asks the second.
                chosen = best_first(chosen, kind)
            extra_budget = 0 if kind == "list" else DIRECT_EXTRA_POINTS
        else:
            chosen = []
            lead = pick_lead(ranked, kind, general=general)
            if lead is not None:
                chosen.append(lead)
                if kind == "list":
                    chosen += items_after(everything, lead)
            extra_budget = 0 if len(chosen) > 1 else max_points
        chosen += more_points(ranked, chosen, extra_budget)
        if not chosen:
            return "", "", []
        # Caveats come after the facts they qualify.
        lead, *rest = chosen
        rest = [s for s in rest if not s.hedge] + [s for s in rest if s.hedge]

        opener = short_answer_before(everything, lead) if kind == "yesno" else None
        if opener is None and leans_back(lead.text):
            # "It says an audit costs at least $2,500" needs what "it" is: the sentence before.
            opener = sentence_before(everything, lead)
        rest = [s for s in rest if opener is None or not same(s, opener)]
        also = self._other_parts(whole, passages, jurisdiction, question_vector, chosen)
        rest = [s for s in rest if not any(same(s, a) for a in also)]
        return cited(lead, rest, passages, opener, also)

    def _option_first(self, question: str, chosen: list[Sentence], chunk: Chunk) -> list[Sentence]:
        """A yes/no question's option ("an action plan instead of ..."): the words its passage's
        heading lacks; the sentence holding them leads when it says yes or no (answer_kinds)."""
        lacking = self.wanted(question) - set(tokenize(chunk.section)) - YES_NO_WORDS
        option = {t: self._weight(t) for t in lacking}
        at = option_sentence(option, [set(tokenize(s.text)) for s in chosen])
        if not at or not chosen[at].fits:
            return chosen
        return [chosen[at], *chosen[:at], *chosen[at + 1 :]]

    def _other_parts(
        self,
        question: str,
        passages: list[Scored],
        jurisdiction: str | None,
        question_vector: list[float] | None,
        chosen: list[Sentence],
    ) -> list[Sentence]:
        """For a message asking two things, the sentence that answers each later part.

        "what do I need to do and how long does it take?": the lead answers the first part;
        the second part's own best statement (of the kind it asks for: a duration) follows
        it in the lead, with its own citation, unless the lead already is that sentence.
        """
        answers: list[Sentence] = []
        for part in question_parts(question)[1:]:
            kind = question_kind(part)
            ranked = self.rank_sentences(
                part, passages, jurisdiction, question_vector=question_vector
            )
            # "What is SECOR?" as a later part: the section defining SECOR opens with the answer.
            defining = (
                _defining_passage(part, passages, jurisdiction) if kind == "definition" else None
            )
            if defining is not None:
                own = sorted(
                    (s for s in ranked if s.passage_rank == defining), key=lambda s: s.position
                )
                ranked = own + [s for s in ranked if s.passage_rank != defining]
            for sentence in ranked:
                if sentence.score <= 0 or sentence.hedge or is_fragment(sentence.text):
                    continue
                if leans_back(sentence.text):  # it joins the lead: it must read alone
                    continue
                if kind in STRICT_KINDS and not sentence.fits:
                    continue
                if not any(same(c, sentence) for c in (chosen[0], *answers)):
                    answers.append(sentence)
                break
        return answers


def _place(
    text: str, chunk: Chunk, jurisdiction: str | None, asked_about: frozenset[str]
) -> tuple[bool, float]:
    """Whether a sentence is about another province than the user's, and its score factor.

    A line of the user's own province's passage is never foreign, even when it names another
    ("a Quebec firm working in Ontario": the Ontario line is the answer), nor is a line about
    a province the question itself names; only a topic document's line about another is.
    """
    if not jurisdiction:
        return False, 1.0
    # A sentence that names no province speaks for its section: "The rebate is 15% of
    # premium" under "How does Manitoba's Prevention Rebate work?" is Manitoba's.
    named = _about(text) or _named(chunk.section)
    own = chunk.jurisdiction == jurisdiction
    if named and jurisdiction not in named and not own and not named & asked_about:
        return True, 0.05  # a topic document's line about another province
    return False, 1.25 if own or jurisdiction in named else 1.0


@functools.lru_cache(maxsize=4096)
def _wanted(question: str) -> frozenset[str]:
    """The question's words that pick sentences, read once per question: ranking, the direct
    passage, its heading check and a yes/no option each ask (the gazetteer costs most).

    Place names and head counts locate the passage (retrieval already filtered on them); they
    say nothing about which sentence answers, so they do not count here. That holds for a city
    or a misspelt province too ("kelowna", "saskatchewen").
    """
    return frozenset(tokenize(question)) - SLOT_WORDS - place_words(question) - _ASKING_WORDS


# "how many", "how much": the kind of answer (answer_kinds reads them), not its topic: "how many
# workers can SECOR have?" matched "How many workers will the auditor interview?" on "many".
_ASKING_WORDS = frozenset({"many", "much"})


@functools.lru_cache(maxsize=4096)
def _heading_kind(heading: str) -> str | None:
    """The kind of answer a section heading asks for, read once per heading, not per question."""
    return question_kind(heading)


def _defining_passage(
    question: str, passages: list[Scored], jurisdiction: str | None = None
) -> int | None:
    """The first retrieved passage whose heading (or one of its questions) asks "what is X?"
    of the very term the user asks about: "What is SECOR and how does it differ from COR?"
    reads "What is SECOR?", not "What is the basic trade-off between COR and SECOR?", which
    shares as many words. Any retrieved passage counts, not only the top DIRECT_CANDIDATES:
    a section defining the term is the answer wherever the fused ranking put it. With the
    user's province known, that province's own definition comes first ("What is COR in
    Alberta?" before the general "What is COR?"): it states the province's worker limit."""
    wanted = term_words(question)
    if not wanted:
        return None
    # "What is an audit?" is the corpus's "What is a COR audit?" when no section asks of
    # "audit" alone (definitions.PROGRAM_WORDS).
    defining = [r for r, p in enumerate(passages) if defines_term(p.chunk, wanted)] or [
        r for r, p in enumerate(passages) if defines_term(p.chunk, wanted, loosely=True)
    ]
    own = [r for r in defining if passages[r].chunk.jurisdiction == jurisdiction]
    return (own or defining or [None])[0]


@functools.lru_cache(maxsize=8192)
def _named(text: str) -> frozenset[str]:
    """The jurisdictions a sentence names, cached: every answer reads the same passages, and
    these patterns cost more than the rest of the sentence scoring (issue 17's profile)."""
    return frozenset(find_jurisdictions(text))


@functools.lru_cache(maxsize=8192)
def _about(text: str) -> frozenset[str]:
    """The jurisdictions a sentence is about: those it names, and that of the board or partner
    whose rule it states, named before its first colon, comma or bracket ("WorkSafeBC does not
    accept Action Plans." led a Manitoba answer; "SafetyDriven: ..."). A partner cited as an
    example ("Apply: fill in the partner's form (SCSA, BCCSA).") leaves the line general. Only
    for keeping other provinces' lines out: a sentence naming a partner still reads as general
    ("... and so do subcontractors under SCSA" answers "do owners count?" for every province)."""
    subject = re.split(r"[:;,(]", text, maxsplit=1)[0]
    return _named(text) | frozenset(partner_codes(subject))


def _stored_vectors(passage: Scored, count: int) -> np.ndarray | None:
    """The passage's span vectors from ingest, when there is one for each of its spans."""
    stored = passage.sentence_vectors
    if stored is None or len(stored) != count:
        return None
    return np.asarray(stored, dtype=np.float32)


def _similarities(
    stored: np.ndarray | None, passage: Scored, question_vector: list[float] | None
) -> np.ndarray | None:
    """Cosine similarity of each span with the question (vectors are normalized: a dot)."""
    vector = question_vector if question_vector is not None else passage.query_vector
    if vector is None or stored is None:
        return None
    return stored @ np.asarray(vector, dtype=np.float32)
