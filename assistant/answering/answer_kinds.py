"""What kind of answer a question wants, and which sentences are of that kind.

One small table, in one place: each kind has the patterns that recognise a question asking for
it and the patterns that recognise a sentence giving it. The composer boosts sentences of the
question's kind; nothing else here is tuned.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_DURATION_UNIT = r"(?:business |calendar )?(?:days?|weeks?|months?|years?)"
NUMBER_WORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|several|a few)"
)


@dataclass(frozen=True)
class AnswerKind:
    name: str
    question: re.Pattern[str]  # a question that asks for this kind of answer
    sentence: re.Pattern[str] | None  # a sentence that gives it (None: judged by span type)


_PROVINCE_NAMES = (
    r"\b(?:Alberta|British Columbia|B\.?C\.?|Saskatchewan|Manitoba|Ontario|Quebec|New Brunswick"
    r"|Nova Scotia|Prince Edward Island|PEI|Newfoundland|Labrador|Yukon|Northwest Territories"
    r"|NWT|Nunavut)\b"
)

# Checked in order: the first kind whose question pattern matches wins ("how long" is a
# duration before "how many" is a number; "what are the steps" is a list before anything).
KINDS: tuple[AnswerKind, ...] = (
    AnswerKind(
        # "Which provinces give a rebate for COR?", "where in canada is there no cor program":
        # the answer names provinces, whatever else the question asks (the rebate is no
        # figure here), so a sentence naming them fits and one naming none is no better lead.
        "where",
        re.compile(
            r"\b(?:which|what) (?:provinces?|jurisdictions?|territories|parts of canada)\b"
            r"|\b(?:where|anywhere) in canada\b",
            re.I,
        ),
        re.compile(_PROVINCE_NAMES),
    ),
    AnswerKind(
        "list",
        re.compile(
            r"\b(?:what|which) (?:are|is) the (?:\w+ ){0,4}?"
            r"(?:elements|steps|courses|sections|components|stages|parts|requirements)\b"
            r"|\blist (?:the|of|all)\b|\bwhat (?:elements|steps|courses)\b"
            # "How do I get COR?", "What is the process for obtaining a COR?": the steps.
            r"|^\W*(?:how (?:do|does|can|would) (?:i|we|you|an? \w+|my \w+|our \w+)|how to)"
            r" (?:get|obtain|achieve|earn|become)\b(?: (?:an?|the|our|my))?"
            r" (?:cor|secor|small cor|certified|certificate of recognition)\b"
            r"(?! (?:audit|auditor|course)s?\b)"
            r"|\b(?:process|steps?) (?:for|of|to|in|involved in) (?:obtaining|getting|get)\b",
            re.I,
        ),
        None,  # the list items themselves
    ),
    AnswerKind(
        # "Why pursue COR?", "Why should an employer become involved in the COR program?",
        # "Pourquoi adhérer à une mutuelle ?": what the owner gets out of it, a sentence with the
        # money back, the bids it opens or the injuries it saves, not what the program is.
        # Before "number": "why enroll in the rebate program" asks for the gains, not a figure.
        "benefit",
        re.compile(
            r"^\W*why (?:should|would|pursue|get|join|participate|enrol|enroll"
            r"|bother|become|take part|apply|sign up|go for)\b"
            r"|\bwhy (?:pursue|get|join|participate|enrol|enroll|bother|become|take part)\b"
            # "Why do I need a COR?": the reasons to have one, not whether the law says so.
            r"|^\W*why (?:do|does|would|should) (?:i|we|you|my \w+|our \w+|an? \w+) (?:need|want)\b"
            r"|\b(?:benefits?|advantages?|avantages?)\b|\bwhat(?:'s| is) in it for\b"
            r"|\bhow (?:can|does|will|would|could) (?:an? |the )?(?:cor|secor|it|this|that"
            r"|certification|certificate) (?:help|benefit)\b"
            # "So, is COR worth it?", "is COR something we should bother with?"
            r"|\bworth it\b|\bworth (?:the (?:trouble|effort|cost|money)|getting|doing)\b"
            r"|\bbother(?:ing)? with\b"
            r"|^\W*pourquoi (?:adh[ée]rer|participer|obtenir|devenir|joindre|s'inscrire)\b",
            re.I,
        ),
        re.compile(
            r"\b(?:rebates?|refunds?|incentives?|discounts?|money back|bid\w*|tenders?|contracts?"
            r"|premiums?|cotisation|taux|fewer (?:\w+ )?(?:injuries|claims)"
            r"|lower (?:\w+ )?(?:injury|claim)|savings?|économ\w*)\b",
            re.I,
        ),
    ),
    AnswerKind(
        "duration",
        re.compile(
            r"\bhow (?:long|soon|quickly|fast|far ahead)\b|\bhow many (?:days|weeks|months|years)\b"
            r"|\btimeline\b|\btime limit\b|\bdeadline\b",
            re.I,
        ),
        re.compile(
            rf"\b\d+(?:\s*(?:to|-|–|or)\s*\d+)?\s*{_DURATION_UNIT}\b"
            rf"|\b{NUMBER_WORD}(?:\s*(?:to|-|or)\s*{NUMBER_WORD})?\s+{_DURATION_UNIT}\b"
            r"|\ba (?:day|week|month|year)\b",
            re.I,
        ),
    ),
    AnswerKind(
        # "What happens if our staff grows past 10 workers?": what follows from it, a sentence
        # with a condition and its consequence ("If the headcount goes above 10, ... must move
        # to regular COR"), not the rule it crosses. Before "number": "what happens when".
        "consequence",
        re.compile(
            r"\bwhat (?:happens|happened|will happen|would happen)\b"
            r"|\bwhat if\b|\bwhat do (?:i|we) do (?:if|when|once)\b",
            re.I,
        ),
        re.compile(
            r"\b(?:if|when|once|after|beyond|above|past|more than)\b.{0,120}?\b(?:must|will|has to|"
            r"have to|needs? to|loses?|lost|no longer|switch\w*|move\w*|becomes?|ends?|stops?"
            # "After a serious incident ... the ministry ... may revoke the COR."
            r"|may|can (?:require|revoke|suspend|cancel|lose|ask))\b"
            r"|\bno longer\b",
            re.I,
        ),
    ),
    AnswerKind(
        "number",
        re.compile(
            # "Who can use Small COR?", "whos allowed to do secor": who is eligible, which the
            # corpus answers with the worker limit, a number (checked before "who" below).
            r"\bwho(?:'?s| is| are)? (?:allowed|eligible|qualif\w+)\b"
            r"|\bwho (?:can|may|could) (?:use|do|get|join|apply for|qualify for|go for)\b"
            r"(?! (?:the |an? |our |my )?(?:\w+ )?(?:audits?|training|courses?|inspections?)\b)"
            # "Are you eligible for a SECOR?", "Who needs a SECOR?": the small-employer program's
            # question is the worker limit.
            r"|\b(?:eligib\w*|qualif\w*) (?:for|to (?:get|use|do)) (?:an? |the )?"
            r"(?:secor|small cor)\b"
            r"|\bwho needs? (?:an? |the )?(?:secor|small cor)\b"
            r"|\bhow (?:many|much|often)\b|\bcosts?\b|\bfees?\b|\bprice\b|\bcharge\b|\bpercent"
            r"|\bpass(?:ing)? mark|\bscore\b|\brebate|\bincentive|\blimit\b|\bthreshold\b|\bwhen\b",
            re.I,
        ),
        # Money, a percent, or a count; a bare year ("a 2023 explainer") is a date, not the
        # figure asked for.
        re.compile(r"\$\s?\d|\d+(?:\.\d+)?\s*%|\b(?!(?:19|20)\d\d\b)\d[\d,]*(?:\.\d+)?\b"),
    ),
    AnswerKind(
        "who",
        re.compile(
            r"^\W*who\b|\bwho (?:can|does|do|runs?|audits?|issues?|certif\w+|pays?|is)\b"
            r"|\bwhich (?:organi[sz]ation|partner|association|body|agency|board)\b",
            re.I,
        ),
        re.compile(
            r"\b[A-Z]{2,}[a-z]*\b|\b(?:association|partner|council|board|government|auditor"
            r"|owner|employee|employer|consultant|assessor|commission|province|ministry)s?\b",
        ),
    ),
    AnswerKind(
        "yesno",
        re.compile(
            r"^\W*(?:do|does|did|is|are|can|could|must|should|will|would|have|has|may|am)\b"
            # "ok, we're in Nunavut, can we get it?": the question after the lead-in clause.
            r"|,\s*(?:do|does|is|are|can|could|must|should|will|would|may) (?:we|i|you|they"
            r"|it|my|our|a|an|the)\b"
            r"|\bor (?:is it|are they|not)\b|\b(?:optional|mandatory)\?",
            re.I,
        ),
        re.compile(
            r"\b(?:yes|no|not|required|requires?|mandatory|voluntary|optional|can(?:not)?|can't"
            r"|must|may|need(?:s)? (?:to|a|the)|only|allowed|accepted|eligible)\b",
            re.I,
        ),
    ),
)
BY_NAME = {kind.name: kind for kind in KINDS}

# "What is SECOR?", "whats a peer audit", "what does OCOP mean": a question asking what a thing
# is wants a sentence that says what it is. Checked after every kind above ("what is the pass
# mark" asks for a number, "what are the elements" for a list).
_DEFINITION_QUESTION = re.compile(
    r"^\W*(?:what(?:'s|s| is| are)|define|meaning of)\s+(?:an?\s+|the\s+)?(?P<term>[^?]+?)"
    r"(?:\s+(?:exactly|anyway|again))?\s*\??\s*$"
    r"|^\W*what (?:does|do)\s+(?:an?\s+|the\s+)?(?P<term2>[^?]+?)\s+(?:mean|stand for)\b",
    re.I,
)
# "SECOR (Small Employer ...) is a lighter route", "A peer audit is an external audit": the
# subject, then "is/are/means" and what it is.
_DEFINES = re.compile(
    r"^(?:an?\s+|the\s+)?(?P<subject>[^.,:;]{1,80}?)\s+(?:is|are|means|refers to|stands for)"
    r"\s+(?:an?|the|any|one|when|how|what|that|a set|short)\b",
    re.I,
)
# A glossary line, often a list item: "Baseline audit: an audit of the program you already
# have, to show which parts need work".
_GLOSS = re.compile(r"^(?:an?\s+|the\s+)?(?P<subject>[^.,:;]{1,60}?):\s+(?:an?|the)\s", re.I)

# A hedge or caveat: true and worth saying, but never the answer itself, so it never leads
# when a sentence stating a fact is available.
HEDGES = re.compile(
    r"^(?:no|none) (?:\w+ ){0,4}?(?:was|were|is|are) (?:found|published|given|known)\b"
    r"|^no (?:official|partner|public)\b|\bwas not found\b|\bwere not found\b|\[secondary\]"
    r"|^(?:ask|confirm|check) (?:with |your |the |yours|them)|^treat (?:this|these|it) as\b"
    # "Ask SafetyDriven before relying on an FTE count.": advice to ask, not the answer.
    r"|^(?:ask|confirm with) [A-Z]\w+ (?:before|for|whether|about|if|which|what|how)\b"
    r"|\bare secondary\b|\bis secondary\b|^what (?:the|our) sources? (?:do )?says?\b",
    re.I,
)


def question_kind(question: str) -> str | None:
    """The kind of answer a question asks for, or None when it asks for an explanation.

    Example:
        >>> [question_kind(q) for q in ["how long does it take to get SECOR",
        ...     "what are the COR elements in Manitoba", "Is COR mandatory?",
        ...     "what does an external COR audit cost?", "Who audits a SECOR?",
        ...     "What is SECOR?", "Who can use Small COR in British Columbia?"]]
        ['duration', 'list', 'yesno', 'number', 'who', 'definition', 'number']
    """
    for kind in KINDS:
        if kind.question.search(question):
            return kind.name
    return "definition" if defined_term(question) else None


def defined_term(question: str) -> str | None:
    """The thing a "what is X?" question asks about, or None.

    Example:
        >>> defined_term("What is a COR audit?"), defined_term("whats secor"), defined_term("hi")
        ('COR audit', 'secor', None)
    """
    # The standalone question may carry the conversation's context: "What is SECOR? (in Alberta)".
    match = _DEFINITION_QUESTION.search(re.sub(r"\s*\([^)]*\)\s*$", "", question.strip()))
    if match is None:
        return None
    term = (match.group("term") or match.group("term2") or "").strip()
    # "what is the difference between COR and SECOR" compares; a long clause is no term.
    if not term or _NOT_A_TERM.search(term) or len(term.split()) > MAX_TERM_WORDS:
        return None
    return term


MAX_TERM_WORDS = 6  # "Small Employer Certificate of Recognition" is the longest term asked
_NOT_A_TERM = re.compile(
    r"\b(?:difference|between|vs\.?|versus|compared?|best|better|point|cheapest|next|first)\b"
    r"|\b(?:i|we|my|our)\b"
    # "whats in the cor 2020 audit" asks what it contains, not what it is.
    r"|^(?:in|on|inside|involved|included)\b",
    re.I,
)


def defines(term_words: set[str], text: str, words_of, *, is_item: bool = False) -> bool:
    """Whether a sentence says what the term is: its subject is the term, in the term's words.

    ``words_of`` tokenizes (the retriever's tokenizer, so "audits" meets "audit"). The subject
    may leave words out ("SECOR" for "SECOR program") but adds none ("A peer audit is ..." does
    not define "audit"), except what a bracket spells out. A list item defines only as a
    glossary line ("Baseline audit: an audit of ...").

    Example:
        >>> from assistant.search.retrieve import tokenize
        >>> defines({"secor"}, "SECOR (Small Employer COR) is a lighter route.", tokenize)
        True
        >>> defines({"audit"}, "A peer audit is an external audit.", tokenize)
        False
        >>> defines({"baseline", "audit"}, "Baseline audit: an audit of what you have.", tokenize,
        ...         is_item=True)
        True
        >>> defines({"maintenance", "audit"}, "Internal or maintenance audit: an audit by staff.",
        ...         tokenize, is_item=True)
        True
    """
    # A list item defines only as a glossary line; as a sentence it is one of a list's parts.
    patterns = (_GLOSS,) if is_item else (_DEFINES, _GLOSS)
    match = next((m for m in (p.search(text.strip()) for p in patterns) if m), None)
    if match is None or not term_words:
        return False
    for named in _alternatives(re.sub(r"\([^)]*\)", " ", match.group("subject"))):
        subject = set(words_of(named))
        if subject and subject <= term_words and subject & term_words:
            return True
    return False


def _alternatives(subject: str) -> list[str]:
    """The terms a subject names: "Internal or maintenance audit" names an internal audit and
    a maintenance audit (the glossary's way of giving two names for one thing).

    Example:
        >>> _alternatives("External or certification audit"), _alternatives("SECOR")
        (['External audit', 'certification audit'], ['SECOR'])
    """
    left, joined, right = subject.partition(" or ")
    if not joined:
        return [subject]
    return [" ".join([left, *right.split()[1:]]), right]


# Which figure a "number" question wants, when it says: a pass mark or a score is a percent, a
# cost or a fee is money. "What pass mark does the CSAM COR audit need?" led with "CSAM's audit
# instrument has 15 sections.", a number but not the one asked for. Checked in order.
FIGURES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(r"\bpass(?:ing)?(?: mark| score| grade)?\b|\bscores?\b|\bpercent", re.I),
        re.compile(r"\d+(?:\.\d+)?\s*(?:%|per ?cent)|\b\d+/\d+\b", re.I),
    ),
    (
        re.compile(r"\bcosts?\b|\bfees?\b|\bprices?\b|\bcharges?\b|\bpay for\b", re.I),
        re.compile(r"\$\s?\d|\bfree\b", re.I),
    ),
)


def figure_wanted(question: str) -> re.Pattern[str] | None:
    """The pattern of the figure a "number" question asks for, when it names one (FIGURES).

    Example:
        >>> figure_wanted("What pass mark does the CSAM audit need?").search("80% overall")
        <re.Match object; span=(0, 3), match='80%'>
        >>> figure_wanted("How many workers can SECOR have?") is None
        True
    """
    return next((figure for asks, figure in FIGURES if asks.search(question)), None)


# Every answer scores the same passages' sentences again: the pattern checks are cached, as the
# retriever's tokens are (issue 17's profile; a chat's memory stays flat at this bound).
@functools.lru_cache(maxsize=16384)
def sentence_fits(
    kind: str | None,
    text: str,
    *,
    is_item: bool = False,
    figure: re.Pattern[str] | None = None,
) -> bool:
    """Whether a sentence gives the kind of answer asked for; for a number, the ``figure``
    the question wants when it names one (figure_wanted).

    Example:
        >>> sentence_fits("duration", "Allow 2 to 4 weeks for the review.")
        True
        >>> sentence_fits("number", "A 2023 guide."), sentence_fits("number", "At least $2,500.")
        (False, True)
        >>> sentence_fits("number", "The tool has 15 sections.", figure=figure_wanted("pass mark?"))
        False
    """
    if kind is None or kind not in BY_NAME:  # a definition is judged against its term
        return False
    pattern = BY_NAME[kind].sentence
    if pattern is None:
        return is_item
    if kind == "number" and figure is not None:
        return bool(figure.search(text))
    return bool(pattern.search(text))


@functools.lru_cache(maxsize=16384)
def is_hedge(text: str) -> bool:
    """A caveat rather than a fact: "No official figure was found.", "[secondary]", "Ask yours."

    Example:
        >>> is_hedge("No official figure was found."), is_hedge("It costs at least $2,500.")
        (True, False)
        >>> is_hedge("Ask SafetyDriven before relying on an FTE count.")
        True
    """
    return bool(HEDGES.search(text.strip()))


# "Which provinces have no COR incentive?": when the question asks where something is missing,
# "No COR program was found in Quebec or PEI." is the answer, not a caveat.
_ABSENCE = re.compile(r"\bno\b|\bwithout\b|n't\b|\bnot\b", re.I)
_NONE_FOUND = re.compile(r"\bno (?:\w+ ){0,6}?(?:was|were) found\b", re.I)


def asks_where(question: str) -> bool:
    """Whether a question asks which provinces or territories something holds in.

    Example:
        >>> asks_where("Which provinces have no COR incentive?"), asks_where("What is COR?")
        (True, False)
    """
    return bool(BY_NAME["where"].question.search(question))


def answers_where_not(question: str, text: str) -> bool:
    """Whether ``text`` says where something was not found, for a question asking where it
    is missing: then a "No ... was found" sentence is the answer, not a caveat.

    Example:
        >>> answers_where_not("which provinces have no cor?", "No COR program was found in PEI.")
        True
        >>> answers_where_not("what does cor cost in PEI?", "No official figure was found.")
        False
    """
    return asks_where(question) and bool(_ABSENCE.search(question) and _NONE_FOUND.search(text))


# "what do I need to do and how long does it take?": a second question joined by "and" (or a
# second sentence) asks for its own answer.
_PART = re.compile(
    r"\s*(?:,\s*)?\band\s+(?=(?:what|how|when|who|which|where|why|do|does|is|are|can)\b)"
    r"|(?<=\?)\s+(?=\S)",
    re.I,
)
MIN_PART_WORDS = 3  # "and how?" alone is no question of its own


def question_parts(question: str) -> list[str]:
    """The questions a message asks, in order; one item when it asks one thing.

    Example:
        >>> question_parts("what do I need to do and how long does it take?")
        ['what do I need to do', 'how long does it take?']
        >>> question_parts("What are COR and SECOR?")
        ['What is COR?', 'What is SECOR?']
        >>> question_parts("what is the difference between COR and SECOR")
        ['what is the difference between COR and SECOR']
        >>> question_parts("and the rebate? (in Alberta)")
        ['and the rebate? (in Alberta)']
        >>> question_parts("how much is it? we are in Banff")
        ['how much is it? we are in Banff']
    """
    # The conversation's context ("(in Alberta, for SECOR)") belongs to every part.
    context = re.search(r"\s*\([^)]*\)\s*$", question)
    tail = context.group(0).rstrip() if context else ""
    body = question[: context.start()] if context else question
    # "What are COR and SECOR?" asks two definitions: each term's own section answers it.
    pair = _TERM_PAIR.match(defined_term(body) or "")
    if pair:
        return [f"What is {pair.group(1)}?{tail}", f"What is {pair.group(2)}?{tail}"]
    parts = [part.strip() for part in _PART.split(body) if part and part.strip()]
    if len(parts) < 2 or any(len(part.split()) < MIN_PART_WORDS for part in parts):
        return [question]
    # "... still do secor? we're in Red Deer": a statement after the question is no part.
    if not all(_ASKS.search(part) for part in parts[1:]):
        return [question]
    return [part + tail for part in parts]


# Two short terms joined by "and" ("COR and SECOR", "PIR and COR"); a longer clause is no pair.
_TERM_PAIR = re.compile(r"^(\S+(?: \S+)?) and (\S+(?: \S+)?)$")
_ASKS = re.compile(
    r"^(?:what|how|when|who|which|where|why|do|does|did|is|are|can|could|should|will|would"
    r"|must|may)\b|\?$",
    re.I,
)


# Share of a yes/no question's option words (those its passage's heading lacks) that a sentence
# must hold to lead: "action plan" in "WorkSafeBC accepts neither Action Plans nor ...".
# Issue 13, 2026-12-02: gold, phrasing, conversation and dev are flat from 0.3 to 0.9; "can we
# send an action plan instead of the maintenance audit?" (BC) holds 0.55 of its option's weight.
OPTION_SHARE = 0.5


def option_sentence(option: dict[str, float], sentences: list[set[str]]) -> int | None:
    """Which sentence is about the option a yes/no question names: the first holding the most
    of its words' weight, if at least OPTION_SHARE; None when none does.

    Example:
        >>> option_sentence({"action": 2.8, "plan": 2.1}, [{"pass", "80"}, {"action", "plan"}])
        1
        >>> option_sentence({"action": 2.8}, [{"pass"}]) is None
        True
    """
    total = sum(option.values())
    shares = [sum(w for t, w in option.items() if t in words) / (total or 1) for words in sentences]
    best = max(range(len(shares)), key=shares.__getitem__, default=None)
    return best if best is not None and total and shares[best] >= OPTION_SHARE else None
