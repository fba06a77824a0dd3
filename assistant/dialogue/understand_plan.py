"""A question's plan: which tools it calls, whether to retrieve, and what to ask for.

``plan_for`` plans a question in the state it is asked in; ``plan_tools`` picks the decision
tools and their arguments from the words and the slots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answering.answer import ConversationState
from assistant.answering.answer_kinds import question_kind
from assistant.dialogue.intents import Intent
from assistant.dialogue.numbers import find_money
from assistant.dialogue.understand_entities import (
    NUM,
    element_scores,
    find_jurisdiction,
    find_workers,
    number_value,
)
from assistant.dialogue.understand_slots import HIRE_MORE, LOSE, ONE_MORE
from assistant.errors import CorguideError
from assistant.knowledge.rules import rules_for
from assistant.tools.eligibility import check_eligibility

_ELIGIBILITY = re.compile(
    # "which one" asks for a program, "which one of us should sign the audit?" for a person.
    r"\b(?:which|what) (?:program|one(?! of\b)|certificate|cert|cor|secor|applies)\b"
    r"|\bgo (?:with )?(?:secor|cor)\b"
    r"|^\s*(?:secor|cor|small cor)\s*\??\s*$|\bwhat (?:can|could|should) (?:i|we) (?:get|do)\b"
    r"|\bapplies to (?:us|me)\b|\bstill (?:qualify|fit|go)\b|\bwhat do (?:i|we) (?:need|get)\b"
    r"|\b(?:is|will|would|does) (?:secor|cor|small cor) (?:be )?(?:good enough|enough|ok|okay|do|"
    r"work|count|cut it)\b|\b(?:take|accept|allow)s? (?:secor|small cor)\b"
    r"|\bcan (?:i|we) do (?:secor|small cor)\b|\bwhich class\b"
    # "can we do SECOR?" asks whether it fits; "can I do the audit myself?" who audits.
    r"|\beligib|\bqualif|\bcan (?:i|we) (?:do|get|use|apply|go)"
    r"(?!\s+(?:the|our|an?|my)\s+(?:\w+\s+)?(?:audit|self-audit|assessment|course)s?\b)"
    r"|\bsecor or cor\b|\bcor or secor\b|\bshould (?:i|we)\b|\bwhat happens (?:at|if|when)"
    r"|\bhire\b|\bhiring\b|\bgrow|\blimit\b|\bfits?\b|\bright for\b"
    # "we sub out the taping, does that matter?": a fact just given, asked about.
    r"|\b(?:does|would|will|could) (?:that|this|it) (?:matter|change|affect|make a difference)"
    # "do we need COR?" asks which program; "do we need COR for government contracts?" what
    # a buyer requires, for the guidance.
    r"|\bdo (?:i|we) need (?:a |the )?(?:cor|secor)\b(?!\s+(?:for|to|on|with|before)\b)|"
    r"\ballowed\b|\bwhat if\b|\bwhich do\b|\bbest for\b|\bchoose\b|\bpick\b|\bwhat about\b",
    re.I,
)
_INCENTIVE = re.compile(
    r"\brebate|\bincentive|\brefund|\bdiscount|\bpir\b|\bprime\b|\bchoices\b", re.I
)
# A question ABOUT an incentive program ("What is PRIME?", "Is the incentive program
# voluntary?", "Can employers choose not to participate in PRIME?") is for the guidance; the
# calculator is for "how much would I get" (issue 13). A question with no amount word in it
# that opens like a definition or a yes/no question is about the program.
_ABOUT_PROGRAM = re.compile(
    r"^\s*(?:what(?:'s| is| are| does)|tell me about|explain|is|are|can|does|do|who|when|why|"
    r"how (?:does|do|is|are))\b",
    re.I,
)
_AMOUNT = re.compile(
    r"\bpay(?:s|ing)?\b|\bgives?\b|\bhow much\b|\bhow big\b|\bpercent|%|\$|\d|"
    r"\bget back\b|\bmoney back\b|\bworth\b|"
    r"\bcalculat|\bestimat|\bwork (?:it )?out\b|\bamount\b|\bpremium\b|\bpayroll\b|"
    r"\bwhat (?:rebate|refund|discount|incentive)|\b(?:do|would|will|could|can) (?:i|we) "
    r"(?:get|receive|save|expect)\b|\bwhat(?:'s| is) (?:the|my|our) (?:rebate|refund|discount)",
    re.I,
)
_COSTS = re.compile(
    r"\bcosts?\b|\bprice\b|\bhow much\b|\bexpensive\b|\bcheap|\bfees?\b|\bbudget", re.I
)
# "how ready am I?" -> the readiness check; "make me a plan", "what do I do first?" -> the plan.
_READINESS = re.compile(
    r"\bhow ready\b|\bready for (?:the |an |our |my )?(?:cor |secor )?audit\b|\breadiness\b|"
    r"\bwhat will (?:the|an|our) auditor find\b|\bgap analysis\b",
    re.I,
)
_MAKE_PLAN = re.compile(
    r"\b(?:make|build|give|write|draw up|put together) (?:me|us) (?:a |an |our |my )?"
    r"(?:certification |action |step[- ]by[- ]step )?plan\b|\bwhat (?:should|do) (?:i|we) do "
    r"first\b|\bwhere (?:do|should) (?:i|we) start\b|\b(?:my|our|a) certification plan\b",
    re.I,
)
_SCHEDULE_QUESTION = re.compile(
    r"\bmaintenance audits?\b|\b(?:when|what date)\b.{0,40}\b(?:due|audit|expire|renew)|"
    r"\bnext audit\b|\bexpir|\brecertif|\baudit (?:dates?|schedule)\b|\bhave to be done by\b",
    re.I,
)
_SCHEDULE = re.compile(
    r"\b(?:certified|certification|cor|secor|audited)\b.{0,40}?\b(?:on|in|since)\s+"
    r"(\d{4}-\d{2}-\d{2})",
    re.I,
)
_HOLDS_PROGRAM = re.compile(
    r"\b(?:hold|have|got|earned|with|as|for)\s+(?:a\s+|an\s+|our\s+|my\s+)?(SECOR|COR)\b"
    r"|\b(SECOR|COR)[- ](?:holders?|certified|cert(?:ificate)? holders?)\b",
    re.I,
)
_FIRST_YEAR = re.compile(
    r"\bfirst[- ](?:year|time)\b|\bnew(?:ly)? certified\b|\bjust certified\b", re.I
)
_SITES = re.compile(NUM + r"\s+(?:work)?sites?\b|\b(?:one|a single) (?:work)?site\b", re.I)


@dataclass
class Plan:
    """What to do with one question."""

    question: str
    standalone: str
    state: ConversationState
    in_scope: bool
    tools: list[tuple[str, dict]] = field(default_factory=list)
    retrieve: bool = True
    ask_for_jurisdiction: bool = False
    ask_for_workers: bool = False
    focus: str = ""  # the guidance part of the question, what retrieval and the composer use
    # The dialogue act: question, smalltalk, reset, context, slot (a reply filling the slot
    # asked for), follow_up (elliptical), correction, ask (a count that cannot be right).
    act: str = "question"
    reply: str = ""  # what the assistant says itself before any answer (acknowledgement)
    notes: list[str] = field(default_factory=list)  # how slots were read, shown to the user
    general_first: bool = False  # no province yet: answer from the national/general documents
    search_in: str | None = None  # the province to search when not the business's own
    vector: list[float] | None = None  # the focus's embedding, computed once per turn
    # The message's own embedding when the focus adds the conversation's context to it
    # ("... (in Alberta)"): the section questions are matched on the owner's own words.
    typed_vector: list[float] | None = None

    @property
    def route(self) -> str:
        if not self.in_scope:
            return "refuse"
        if self.act in ("smalltalk", "reset", "context", "ask"):
            return self.act
        if (self.ask_for_jurisdiction or self.ask_for_workers) and not self.tools:
            return "ask"  # the general answer, if any, then the question for the slot
        if self.tools and self.retrieve:
            return "both"
        return "tool" if self.tools else "retrieval"


_JURISDICTION_DEPENDENT = re.compile(
    r"\blimit\b|\bpass(?:ing)? mark|\bmark\b|\bto pass\b|\bhow (?:many|big|small)\b|"
    r"\brebate|\bincentive|\brefund|"
    r"\bpartner|\bwho (?:do|should) "
    r"(?:i|we) (?:call|contact|ask)|\bprocurement|\btender|\bcontract|\bwhich program|\beligib|"
    r"\bqualif|\bmy province|\bhere\b|\bcan (?:i|we) (?:do|get|use)|\bshould (?:i|we)|\bfee",
    re.I,
)
_PARTNER = re.compile(
    r"\bwho (?:do|should|can|would) (?:i|we) (?:call|contact|ask|talk to|phone|email)|"
    r"\bwho (?:runs|issues|administers|grants|certifies)\b|\bwho to (?:call|contact|ask)",
    re.I,
)
_GENERAL = re.compile(
    r"\b(?:federal|national|canada|canadian|every province|all provinces|each province|"
    r"in general|generally|across the country|cfcsa|any province)\b",
    re.I,
)
_GUIDANCE_ALSO = re.compile(
    r"\bclass\b|\bwhat (?:does|do|is|are)\b|\bhow (?:do|does|long|often|is|are)\b|\binvolve|"
    r"\bexplain|"
    r"\bsteps?\b|\bwhat happens\b|\bcalculat|\bwork out|\bformula|"
    r"\belements?\b|\btraining|\baudit|\bneed to\b|\brequire",
    re.I,
)


def standalone_question(
    question: str, state: ConversationState, names: dict[str, str], earlier: str | None = None
) -> str:
    """Add what the conversation established to a follow-up, so retrieval sees the context
    (``earlier``: the question asked before this one)."""
    extras = []
    if state.jurisdiction and not find_jurisdiction(question):
        extras.append(f"in {names.get(state.jurisdiction, state.jurisdiction)}")
    if (
        state.workers is not None
        and find_workers(question) is None
        and _ELIGIBILITY.search(question)
    ):
        extras.append(f"with {state.workers} workers")
    about_money = _INCENTIVE.search(question) or _COSTS.search(question)
    program = None
    if _NAMES_PROGRAM.search(question):
        pass  # the question says which program itself
    elif about_money:
        # "and the rebate?" after the tool recommended SECOR: the passages about its rebate.
        program = _recommended_program(state)
    elif _ABOUT_AUDIT.search(question):
        # "and is that checked by an outside auditor?" after "the SECOR audit": that audit;
        # "what does the audit look like" for a 9-person firm: the SECOR audit it would take.
        program = _audit_program(state, earlier)
    elif earlier and _REFERS_BACK.search(question):
        # "what's SECOR anyway?" then "ok, we're in Nunavut, can we get it?": it is SECOR.
        program = program_named(earlier)
    if program:
        extras.append(f"for {program}")
    return f"{question} ({', '.join(extras)})" if extras else question


# A follow-up that points back at what was asked before: "can we get it?", "do we need that?".
_REFERS_BACK = re.compile(r"\b(?:it|that|this one|that one)\b(?!\s+(?:is|was|'s)\b)", re.I)
_ABOUT_AUDIT = re.compile(r"\baudit|\bpass(?:ing)?\b|\bmarks?\b|\bscor(?:e|ing)\b", re.I)


def _audit_program(state: ConversationState, earlier: str | None) -> str | None:
    """COR or SECOR: the one the question before named, else the one the business fits."""
    if earlier and (named := program_named(earlier)):
        return named
    fits = _fitting_program(state)
    return fits if fits in ("COR", "SECOR") else None


_NAMES_PROGRAM = re.compile(r"\b(?:secor|cor|small cor|ocop)\b", re.I)


def program_named(text: str) -> str | None:
    """The program a message names, as the tools spell it ("small cor" is SECOR); None when it
    names both ("Which program fits us, COR or SECOR?")."""
    named = {m.upper().replace("SMALL COR", "SECOR") for m in _NAMES_PROGRAM.findall(text)}
    return named.pop() if len(named) == 1 else None


# Nearest example of data/province_need.yaml at least this close, labelled `depends`: the
# answer is a province's own, so ask which. Calibrated 2026-12-02 on the gold, phrasing,
# conversation and dev splits: every figure is the same from 0.40 to 0.50, and 0.60 loses a
# dev item; 0.45 is the middle of the flat band ("do tiny outfits like us get a simpler
# certificate" lands at 0.48).
PROVINCE_NEED_MIN = 0.45


def _depends_by_meaning(province_need: Intent | None) -> bool:
    return (
        province_need is not None
        and province_need.label == "depends"
        and province_need.similarity >= PROVINCE_NEED_MIN
    )


def plan_for(
    question: str,
    state: ConversationState,
    names: dict[str, str],
    what_if: dict | None,
    *,
    intent: Intent | None,
    corpus_similarity: float | None,
    in_scope: bool = True,
    stated_here: bool = False,
    province_need: Intent | None = None,
    earlier: str | None = None,
    count_stated: bool = False,
    money_stated: bool = False,
    work_in: str | None = None,
) -> Plan:
    """Plan the tools and retrieval for a question with the state it is asked in (``work_in``:
    the province of a job outside the business's own)."""
    tool_state = state.model_copy(update=what_if) if what_if else state
    standalone = standalone_question(question, tool_state, names, earlier)
    if work_in and state.jurisdiction:
        # The passages on what that province asks of a firm based elsewhere.
        home, there = (names.get(c, c) for c in (state.jurisdiction, work_in))
        standalone = f"{question} (a {home} firm working in {there}: COR reciprocity)"
    plan = Plan(question, standalone, state, in_scope, search_in=work_in)
    if not in_scope:
        plan.retrieve = False
        return plan
    code = state.jurisdiction
    depends = (
        _JURISDICTION_DEPENDENT.search(question)
        or _OWN_PLAN(question)
        or _depends_by_meaning(province_need)
    )
    if code is None and depends and not _GENERAL.search(question):
        plan.ask_for_jurisdiction = True
        plan.state = state.model_copy(update={"pending": question, "asked_for": "province"})
    if code is None:
        plan.general_first = True
    if code:
        plan_tools(
            plan,
            question,
            tool_state,
            stated_here,
            count_stated=count_stated,
            money_stated=money_stated,
        )
        if plan.ask_for_workers:
            plan.state = state.model_copy(update={"pending": question, "asked_for": "workers"})
    if work_in:
        # Which program fits at home is known already; the job elsewhere is the question.
        plan.tools[:] = [t for t in plan.tools if t[0] != "check_eligibility"]
    elif plan.tools and not _GUIDANCE_ALSO.search(question):
        plan.retrieve = False
    plan.focus = guidance_focus(standalone) if plan.tools else standalone
    if _PARTNER.search(question):
        plan.focus += " certifying partners"
    return plan


_CLAUSE = re.compile(
    r"[.;?!]+\s*|,\s+(?:and\s+)?|\s+and\s+(?=(?:what|how|when|who|which|do|does|is|are)\b)", re.I
)


def guidance_focus(question: str) -> str:
    """The clauses a tool does not answer ("what does the audit involve"), for retrieval.

    Example:
        >>> guidance_focus("I have 8 workers in Alberta. Which program fits me and what does "
        ...                "the audit involve?")
        'what does the audit involve'
    """
    clauses = [c.strip() for c in _CLAUSE.split(question) if c and c.strip()]
    kept = [
        c
        for c in clauses
        if _GUIDANCE_ALSO.search(c) and not (find_workers(c) is not None and len(c.split()) < 8)
    ]
    return " ".join(kept) or question


def _eligibility_args(state: ConversationState) -> dict:
    args: dict = {"jurisdiction": state.jurisdiction, "workers": state.workers}
    for slot in ("subcontractors", "public_contracts", "owner_operator"):
        if getattr(state, slot):
            args[slot] = True
    if state.partners:
        args["partners"] = True
    if state.industry:
        args["industry"] = state.industry
    return args


def _incentive_args(question: str, state: ConversationState) -> dict:
    """The incentive tool's inputs: the money the conversation gave, and which program."""
    args: dict = {"jurisdiction": state.jurisdiction}
    for name in ("payroll", "premium", "base_rate"):
        if getattr(state, name) is not None:
            args[name] = getattr(state, name)
    if match := _HOLDS_PROGRAM.search(question):
        args["program"] = (match.group(1) or match.group(2)).upper()
    elif program := _recommended_program(state):
        # "which one do we go for" -> SECOR, then "and the rebate?": the rebate of the
        # program the conversation recommended, not the jurisdiction's first incentive.
        args["program"] = program
    if _FIRST_YEAR.search(question):
        args["first_year"] = True
    return args


def plan_tools(
    plan: Plan,
    question: str,
    state: ConversationState,
    stated_here: bool,
    *,
    count_stated: bool = False,
    money_stated: bool = False,
) -> None:
    """The tools a question needs; ``money_stated``: the message just gave a premium, payroll
    or base rate for the incentive question before it ("how is the incentive worked out?"
    then "our payroll is 900k and base rate is $2.10": now the amount can be worked out)."""
    code = state.jurisdiction
    follow_up_on_size = bool(
        HIRE_MORE.search(question) or ONE_MORE.search(question) or LOSE.search(question)
    )
    # "We're a landscaping company in Alberta with 8 workers": a statement of facts, no question
    # asked; what the owner wants to know is which program fits.
    just_facts = stated_here and "?" not in question and not _GUIDANCE_ALSO.search(question)
    # count_stated: the message was only a head count ("we're at 6" after a SECOR-limit one).
    if state.workers is not None and (
        _ELIGIBILITY.search(question) or follow_up_on_size or just_facts or count_stated
    ):
        plan.tools.append(("check_eligibility", _eligibility_args(state)))
    elif _ELIGIBILITY.search(question) and re.search(
        r"\bwhich (?:program|one|cert|class)|\bsecor or cor|\bcor or secor|\bqualif|\bsecor\b|"
        r"\bsmall cor\b|\bfits?\b",
        question,
        re.I,
    ):
        plan.ask_for_workers = True
    asks_amount = not _ABOUT_PROGRAM.search(question) or _AMOUNT.search(question)
    wants_rate = (
        (_INCENTIVE.search(question) and (asks_amount or money_stated))
        or _gains_with_rate(question, code)
    )
    if wants_rate or (
        state.premium is not None and find_money(question, "premium|assessment") is not None
    ):
        plan.tools.append(("estimate_incentive", _incentive_args(question, state)))
    if match := _SCHEDULE.search(question):
        plan.tools.append(
            ("audit_schedule", {"jurisdiction": code, "certified_on": match.group(1)})
        )
    elif state.certified_on and _SCHEDULE_QUESTION.search(question):
        plan.tools.append(
            ("audit_schedule", {"jurisdiction": code, "certified_on": state.certified_on})
        )
    if _OWN_PLAN(question):
        _plan_own_check(plan, question, state)
    if _COSTS.search(question) and state.workers is not None:
        sites = 1
        if (match := _SITES.search(question)) and match.group(1):
            sites = number_value(match.group(1))
        plan.tools.append(
            ("compare_costs", {"jurisdiction": code, "workers": state.workers, "sites": sites})
        )
    if re.search(r"\bscor(?:e|ed|es)\b|\bpass(?:ed)?\b|\bfail", question, re.I):
        scores = element_scores(question)
        if scores:
            audit_type = (
                "maintenance" if re.search(r"maintenance", question, re.I) else "certification"
            )
            plan.tools.append(
                (
                    "score_audit",
                    {"jurisdiction": code, "element_scores": scores, "audit_type": audit_type},
                )
            )


def _fitting_program(state: ConversationState) -> str | None:
    """The program the eligibility tool recommends for the business the state describes."""
    if state.jurisdiction is None or state.workers is None:
        return None
    try:
        result = check_eligibility(**_eligibility_args(state))
    except CorguideError:  # a count or province the tool refuses: no program to carry
        return None
    return result.recommended


def _recommended_program(state: ConversationState) -> str | None:
    """The fitting program, when an incentive of the province names it (for money questions)."""
    recommended = _fitting_program(state)
    if recommended is None or state.jurisdiction is None:
        return None
    # Only a program some incentive of the province names: otherwise the tool's own default
    # (its first incentive) answers better than "no incentive for OCOP".
    incentives = rules_for(state.jurisdiction).incentives
    named = any(recommended in incentive.programs for incentive in incentives)
    return recommended if named else None


def _gains_with_rate(question: str, code: str | None) -> bool:
    """ "Why pursue COR?" in a province whose rules hold an incentive rate: the rate is the
    first gain to name (the guidance adds the bids and the injuries), so the incentive tool
    states it. Where the rules found no incentive, the guidance alone answers."""
    if code is None or question_kind(question) != "benefit":
        return False
    return any(i.kind != "none" and i.params is not None for i in rules_for(code).incentives)


def _OWN_PLAN(question: str) -> bool:  # noqa: N802 (reads like the regexes above)
    return bool(_READINESS.search(question) or _MAKE_PLAN.search(question))


def _plan_own_check(plan: Plan, question: str, state: ConversationState) -> None:
    """The readiness check or the plan; both need the head count, to know COR or SECOR."""
    if state.workers is None:
        plan.ask_for_workers = True
        plan.act, plan.retrieve = "ask", False
        plan.reply = (
            "How many people work for you, counting owners? The readiness check and the plan "
            "depend on whether COR or SECOR fits."
        )
        return
    args: dict = {"jurisdiction": state.jurisdiction, "workers": state.workers}
    for slot in ("subcontractors", "public_contracts"):
        if getattr(state, slot):
            args[slot] = True
    if state.industry:
        args["industry"] = state.industry
    if _MAKE_PLAN.search(question):
        # The plan's first step is the program choice, so the eligibility card would repeat it.
        plan.tools[:] = [t for t in plan.tools if t[0] != "check_eligibility"]
        plan.tools.append(("certification_plan", args))
    else:
        plan.tools.append(("readiness_check", args))
