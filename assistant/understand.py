"""Understanding a question: slots from plain words, follow-ups made standalone, and a route.

All deterministic: regular expressions over the text, so the same words always give the same
state and the same route. Text that tries to change the assistant's instructions is just text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from assistant.answer import ConversationState

_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "a dozen": 12, "dozen": 12})
_NUM = r"(\d[\d,]*|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_PEOPLE = (
    r"(?:full[- ]time\s+|part[- ]time\s+|permanent\s+|seasonal\s+|casual\s+)?"
    r"(?:workers?|employees?|staff(?:ers)?|people|guys|crew(?: members)?|men|labou?rers|"
    r"drivers|ftes?|hands|techs?|caregivers|roofers|carpenters|landscapers|persons)\b"
)

# Full names and common short forms, matched in any case; two-letter codes only in capitals,
# because "on", "ns" or "pe" in lower case are ordinary words far more often than provinces.
_JURISDICTION_PATTERNS: list[tuple[str, str]] = [
    ("BC", r"british\s+columbia|\bb\.\s?c\.|\bbc\b"),
    ("AB", r"\balberta\b|\balta\b"),
    ("SK", r"\bsaskatchewan\b|\bsask\b"),
    ("MB", r"\bmanitoba\b|\bman\.\B"),
    ("ON", r"\bontario\b|\bont\b"),
    ("QC", r"\bqu[eé]bec\b|\bque\b"),
    ("NB", r"\bnew\s+brunswick\b"),
    ("NS", r"\bnova\s+scotia\b"),
    ("PE", r"\bprince\s+edward\s+island\b|\bp\.?e\.?i\.?\b"),
    ("NL", r"\bnewfoundland\b|\blabrador\b|\bn\.l\.\B"),
    ("YT", r"\byukon\b"),
    ("NT", r"\bnorthwest\s+territories\b|\bn\.?w\.?t\.?\b"),
    ("NU", r"\bnunavut\b"),
]
_CODE_IN_CAPS = re.compile(r"\b(AB|BC|SK|MB|ON|QC|NB|NS|PE|PEI|NL|YT|NT|NWT|NU)\b")
_CODE_ALIASES = {"PEI": "PE", "NWT": "NT"}

_SUBS_NO = re.compile(
    r"\b(?:no|without|don'?t|do not|never|not)\s+(?:\w+\s+){0,2}?"
    r"(?:sub(?:contract\w*|s\b|-?trades?)|hire out|sub out)",
    re.I,
)
_SUBS_YES = re.compile(
    r"\bsub(?:contract\w*|s\b|-?trades?)|\bsub(?:bing| out|bed)\b|\bsub out\b", re.I
)
_PUBLIC = re.compile(
    r"\b(?:public|government|provincial|municipal|city|federal|crown)\s+"
    r"(?:contracts?|tenders?|work|projects?|jobs?|bids?)\b|\btenders?\b|\bbid(?:ding)? on\b"
    r"|\bhighway\b|\bprequalif",
    re.I,
)
_OWNER_OPERATOR = re.compile(
    r"\bowner[- ]operator\b|\bself[- ]employed\b|\bjust me\b|\bone[- ](?:man|person)\b"
    r"|\bsole proprietor",
    re.I,
)
_INDUSTRIES = {
    "construction": r"construct|roof|framing|concrete|electrical contractor|plumb|excavat|build",
    "trucking": r"truck|haul|transport|courier|driver",
    "landscaping": r"landscap|lawn|snow removal|gardening",
    "continuing care": r"care home|continuing care|long[- ]term care|home care|seniors",
    "oil and gas": r"oil|gas|pipeline|energy",
    "forestry": r"forest|logging|silvicult",
    "manufacturing": r"manufactur|fabricat",
    "hospitality": r"restaurant|hotel|tourism|hospitality",
    "agriculture": r"farm|agricult|ranch",
    "municipal": r"municipal|town|city works",
}

_IN_SCOPE = re.compile(
    r"\b(?:cor|secor|ocop|corel|certif\w*|recogni[sz]\w*|safety|safe|audit\w*|wcb|worksafe\w*|"
    r"wsib|wsc\w*|hazard\w*|incident\w*|inspect\w*|training|train|course\w*|rebate\w*|"
    r"incentive\w*|refund\w*|pir|prime|choices|premium\w*|contracts?|tenders?|bid\w*|"
    r"subcontract\w*|subs|employ\w*|workers?|crew|elements?|program\w*|ohs|osh|hsms|"
    r"partners?|letter of good standing|reciproc\w*|equivalen\w*|ppe|first aid|emergenc\w*|"
    r"orientation|committee|injur\w*|accident\w*|pass(?:ing)? mark|score\w*|maintenance|"
    r"iso 45001|cfcsa|ihsa|acsa|csam|scsa|nlcsa|nsny|nsa|csns|bccsa|go2hr|regulation\w*|"
    r"compliance|procurement|prequalif\w*|investigation\w*|policy|policies|"
    # workplace-safety topics outside certification: in scope, answered "not covered" + who to ask
    r"fall protection|forklifts?|scaffold\w*|ladders?|harness\w*|respirators?|asbestos|silica|"
    r"noise|confined spaces?|lockout|whmis|ergonomic\w*|heat stress|chemicals?|excavation\w*|"
    r"trench\w*|cranes?|rigging|welding|occupational|toilets?|washrooms?)\b",
    re.I,
)

_ELIGIBILITY = re.compile(
    r"\bwhich (?:program|one|certificate|cert)\b|\beligib|\bqualif|\bcan (?:i|we) (?:do|get|use|"
    r"apply|go)|\bsecor or cor\b|\bcor or secor\b|\bshould (?:i|we)\b|\bwhat happens (?:at|if|when)"
    r"|\bhire\b|\bhiring\b|\bgrow|\blimit\b|\bfit\b|\bright for\b"
    r"|\bdo (?:i|we) need (?:a |the )?(?:cor|secor)\b|"
    r"\ballowed\b|\bwhat if\b|\bwhich do\b|\bbest for\b|\bchoose\b|\bpick\b|\bwhat about\b",
    re.I,
)
_INCENTIVE = re.compile(
    r"\brebate|\bincentive|\brefund|\bdiscount|\bpir\b|\bprime\b|\bchoices\b", re.I
)
_COSTS = re.compile(
    r"\bcosts?\b|\bprice\b|\bhow much\b|\bexpensive\b|\bcheap|\bfees?\b|\bbudget", re.I
)
_SCHEDULE = re.compile(
    r"\b(?:certified|certification|cor|secor|audited)\b.{0,40}?\b(?:on|in|since)\s+"
    r"(\d{4}-\d{2}-\d{2})",
    re.I,
)
_SCORE_PAIR = re.compile(
    r"([A-Za-z][A-Za-z &/,'-]{2,60}?)\s*(?:=|:|-|at|got|scored)\s*(-?\d{1,3}(?:\.\d+)?)\s*%?", re.I
)
_HIRE_MORE = re.compile(
    r"\b(?:hire|add|take on|bring on|get)\s+" + _NUM + r"\s+(?:more|additional|extra|new)\b", re.I
)
_LOSE = re.compile(r"\b(?:lay off|let go|lose|cut)\s+" + _NUM + r"\b", re.I)
_ONE_MORE = re.compile(
    r"\b(?:hire|add) (?:one|another|a) (?:more )?(?:worker|employee|person)\b", re.I
)
_PAYROLL = re.compile(
    r"\$?\s*([\d,]+(?:\.\d+)?)\s*(k|m|million|thousand)?\s*(?:in\s+|of\s+)?payroll", re.I
)
_PREMIUM = re.compile(
    r"\$?\s*([\d,]+(?:\.\d+)?)\s*(k|m|million|thousand)?\s*(?:in\s+|of\s+|a year in\s+)?"
    r"(?:annual\s+)?(?:premiums?|assessments?)",
    re.I,
)
_BASE_RATE = re.compile(r"base rate (?:of|is)?\s*\$?\s*(\d+(?:\.\d+)?)", re.I)
_HOLDS_PROGRAM = re.compile(
    r"\b(?:hold|have|got|earned|with|as)\s+(?:a\s+|an\s+|our\s+|my\s+)?(SECOR|COR)\b", re.I
)
_FIRST_YEAR = re.compile(
    r"\bfirst[- ](?:year|time)\b|\bnew(?:ly)? certified\b|\bjust certified\b", re.I
)
_SITES = re.compile(_NUM + r"\s+(?:work)?sites?\b|\b(?:one|a single) (?:work)?site\b", re.I)


def _number(token: str) -> int:
    token = token.lower().replace(",", "")
    return _NUMBER_WORDS[token] if token in _NUMBER_WORDS else int(token)


def _money(amount: str, scale: str | None) -> float:
    value = float(amount.replace(",", ""))
    factor = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}.get((scale or "").lower(), 1)
    return value * factor


def find_jurisdiction(text: str) -> str | None:
    """The first province or territory named in the text.

    Example:
        >>> find_jurisdiction("we're a roofing crew in B.C.")
        'BC'
        >>> find_jurisdiction("we work on weekends") is None
        True
    """
    found = _mentions(text)
    return min(found)[1] if found else None


def find_jurisdictions(text: str) -> set[str]:
    """Every province or territory a text names (used to keep other places' rules out)."""
    return {code for _, code in _mentions(text)}


def _mentions(text: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for code, pattern in _JURISDICTION_PATTERNS:
        match = re.search(pattern, text, re.I)
        if match:
            found.append((match.start(), code))
    for match in _CODE_IN_CAPS.finditer(text):
        found.append((match.start(), _CODE_ALIASES.get(match.group(1), match.group(1))))
    return found


def find_workers(text: str) -> int | None:
    """A head count stated in the text ("8 workers", "a crew of twelve", "staff of 5").

    Example:
        >>> find_workers("a crew of twelve")
        12
        >>> find_workers("I have 8 guys")
        8
    """
    patterns = [
        _NUM + r"\s+" + _PEOPLE,
        r"\b(?:crew|team|staff|workforce|company|business|shop) of (?:about |around )?" + _NUM,
        r"\b(?:employ|have|hire|got)\s+(?:about |around |only )?"
        + _NUM
        + r"\b(?!\s*(?:%|\$|years?|months?|sites?))",
    ]
    for pattern in patterns:
        for match in re.finditer(pattern, text, re.I):
            if _LIMIT_WORDS.search(text[max(0, match.start() - 16) : match.start()]):
                continue  # "grows past 10 workers" names a limit, not the head count
            try:
                return _number(match.group(1))
            except ValueError:
                continue
    return None


_LIMIT_WORDS = re.compile(
    r"(?:past|over|above|beyond|exceed\w*|more than|fewer than|less than|under|up to|at least|"
    r"at most|limit of|reach(?:es)?|hits?)\s*$",
    re.I,
)


def find_industry(text: str) -> str | None:
    for name, pattern in _INDUSTRIES.items():
        if re.search(pattern, text, re.I):
            return name
    return None


def update_state(state: ConversationState, text: str) -> ConversationState:
    """The state after a user's message: newly stated slots override, the rest carry over."""
    changes: dict = {}
    if code := find_jurisdiction(text):
        changes["jurisdiction"] = code
    base = state.workers
    if (match := _HIRE_MORE.search(text)) and base is not None:
        changes["workers"] = base + _number(match.group(1))
    elif _ONE_MORE.search(text) and base is not None:
        changes["workers"] = base + 1
    elif (match := _LOSE.search(text)) and base is not None:
        changes["workers"] = max(0, base - _number(match.group(1)))
    elif (workers := find_workers(text)) is not None:
        changes["workers"] = workers
    if _SUBS_NO.search(text):
        changes["subcontractors"] = False
    elif _SUBS_YES.search(text):
        changes["subcontractors"] = True
    if _PUBLIC.search(text):
        changes["public_contracts"] = True
    if _OWNER_OPERATOR.search(text):
        changes["owner_operator"] = True
        if "workers" not in changes:
            changes["workers"] = 1  # "just me": the owner is the only worker
    if industry := find_industry(text):
        changes["industry"] = industry
    changes["last_question"] = text
    return state.model_copy(update=changes)


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

    @property
    def route(self) -> str:
        if not self.in_scope:
            return "refuse"
        if self.tools and self.retrieve:
            return "both"
        return "tool" if self.tools else "retrieval"


_JURISDICTION_DEPENDENT = re.compile(
    r"\blimit\b|\bpass(?:ing)? mark|\brebate|\bincentive|\brefund|\bpartner|\bwho (?:do|should) "
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
    r"\bwhat (?:does|do|is|are)\b|\bhow (?:do|does|long|often|is|are)\b|\binvolve|\bexplain|"
    r"\bsteps?\b|\bwhat happens\b|\bcalculat|\bwork out|\bformula|"
    r"\belements?\b|\btraining|\baudit|\bneed to\b|\brequire",
    re.I,
)


def standalone_question(question: str, state: ConversationState, names: dict[str, str]) -> str:
    """Add what the conversation established to a follow-up, so retrieval sees the context."""
    extras = []
    if state.jurisdiction and not find_jurisdiction(question):
        extras.append(f"in {names.get(state.jurisdiction, state.jurisdiction)}")
    if (
        state.workers is not None
        and find_workers(question) is None
        and _ELIGIBILITY.search(question)
    ):
        extras.append(f"with {state.workers} workers")
    return f"{question} ({', '.join(extras)})" if extras else question


def plan_question(
    question: str, state: ConversationState, names: dict[str, str], today: date | None = None
) -> Plan:
    """Decide the route for a question given the conversation so far."""
    new_state = update_state(state, question)
    standalone = standalone_question(question, new_state, names)
    stated_here = new_state != state.model_copy(update={"last_question": question})
    # A head count is about the business ("I have 8 guys in Alberta"); a place name alone is
    # not ("how much GST do I charge in Alberta?").
    in_scope = bool(_IN_SCOPE.search(question)) or (
        stated_here and find_workers(question) is not None
    )
    plan = Plan(question, standalone, new_state, in_scope)
    if not in_scope:
        plan.retrieve = False
        return plan
    code = new_state.jurisdiction
    if code is None and _JURISDICTION_DEPENDENT.search(question) and not _GENERAL.search(question):
        plan.ask_for_jurisdiction = True
    if code:
        _plan_tools(plan, question, new_state, stated_here)
    if plan.tools and not _GUIDANCE_ALSO.search(question):
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


def _plan_tools(plan: Plan, question: str, state: ConversationState, stated_here: bool) -> None:
    code = state.jurisdiction
    follow_up_on_size = bool(
        _HIRE_MORE.search(question) or _ONE_MORE.search(question) or _LOSE.search(question)
    )
    # "We're a landscaping company in Alberta with 8 workers": a statement of facts, no question
    # asked; what the owner wants to know is which program fits.
    just_facts = stated_here and "?" not in question and not _GUIDANCE_ALSO.search(question)
    if state.workers is not None and (
        _ELIGIBILITY.search(question) or follow_up_on_size or just_facts
    ):
        args = {"jurisdiction": code, "workers": state.workers}
        for slot in ("subcontractors", "public_contracts", "owner_operator"):
            if getattr(state, slot):
                args[slot] = True
        if state.industry:
            args["industry"] = state.industry
        plan.tools.append(("check_eligibility", args))
    elif _ELIGIBILITY.search(question) and re.search(
        r"\bwhich program|\bsecor or cor|\bcor or secor", question, re.I
    ):
        plan.ask_for_workers = True
    if _INCENTIVE.search(question):
        args: dict = {"jurisdiction": code}
        if match := _PAYROLL.search(question):
            args["payroll"] = _money(match.group(1), match.group(2))
        if match := _PREMIUM.search(question):
            args["premium"] = _money(match.group(1), match.group(2))
        if match := _BASE_RATE.search(question):
            args["base_rate"] = float(match.group(1))
        if match := _HOLDS_PROGRAM.search(question):
            args["program"] = match.group(1).upper()
        if _FIRST_YEAR.search(question):
            args["first_year"] = True
        plan.tools.append(("estimate_incentive", args))
    if match := _SCHEDULE.search(question):
        plan.tools.append(
            ("audit_schedule", {"jurisdiction": code, "certified_on": match.group(1)})
        )
    if _COSTS.search(question) and state.workers is not None:
        sites = 1
        if (match := _SITES.search(question)) and match.group(1):
            sites = _number(match.group(1))
        plan.tools.append(
            ("compare_costs", {"jurisdiction": code, "workers": state.workers, "sites": sites})
        )
    if re.search(r"\bscor(?:e|ed|es)\b|\bpass(?:ed)?\b|\bfail", question, re.I):
        scores = {
            name.strip(" ,").title(): float(value)
            for name, value in _SCORE_PAIR.findall(question)
            if not re.fullmatch(r"(?:i|we|our|my|audit|the audit|scored?|got)", name.strip(), re.I)
        }
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
