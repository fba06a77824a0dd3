"""The slots one message fills: place, size, subcontractors, money, industry, dates.

``read_slots`` reads what a message says about the business; ``fill_slot`` reads a short reply
to the question the assistant asked; ``understood_line`` says what the conversation knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answering.answer import ConversationState
from assistant.dialogue.numbers import (
    Count,
    bare_number,
    find_count,
    find_date,
    find_money,
    only_money,
    words_to_digits,
)
from assistant.dialogue.places import Place, find_place, find_places, reply_place
from assistant.dialogue.understand_entities import NUM, business_text, find_industry

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
_PARTNER_IN_BUSINESS = re.compile(
    r"\b(?:wife|husband|spouse|partner|brother|sister|son|daughter|father|mother|dad|mom)\s+"
    r"(?:is|are|'s|became|becomes)\s+(?:a\s+|an\s+)?(?:business\s+)?(?:partner|co-?owner|"
    r"part[- ]owner)|\bco-?owners?\b|\b(?:my|our|a)\s+business partner\b",
    re.I,
)
_CERTIFIED = re.compile(
    r"\b(?:certified|certification|certificate|got (?:our|my) (?:cor|secor)|(?:cor|secor) "
    r"(?:through|from|with)|audited|passed (?:our|the) audit)\b",
    re.I,
)
HIRE_MORE = re.compile(
    r"\b(?:hire[sd]?|hiring|add(?:ed|ing)?|take on|took on|taking on|bring on|brought on|"
    r"bringing on|get|got)\s+(?:another\s+)?"
    + NUM
    + r"\s+(?:more|additional|extra|new|seasonal|summer|winter|part[- ]time|full[- ]time)\b",
    re.I,
)
LOSE = re.compile(r"\b(?:lay off|let go|lose|cut)\s+" + NUM + r"\b", re.I)
ONE_MORE = re.compile(
    r"\b(?:hire[sd]?|hiring|add(?:ed)?) (?:one|another|a) (?:more )?"
    r"(?:worker|employee|person|guy)\b",
    re.I,
)
_HYPOTHETICAL = re.compile(
    r"\b(?:what if|if we|if i|suppose|supposing|say we|assuming|were we to|would we still)\b"
    r"|^\s*(?:and|what about|how about)?\s*(?:with|at)\s+\d",
    re.I,
)
# "base rate is $2.10": the WCB rate per $100 of payroll that BC's incentive formula uses.
BASE_RATE = re.compile(r"base rate (?:of|is)?\s*\$?\s*(\d+(?:\.\d+)?)", re.I)
_SWAPPED = re.compile(r"\b(?P<new>\d+)\s*,?\s*not\s+(?P<old>\d+)\b", re.I)
_WITH_N = re.compile(
    r"^\s*(?:and|what about|how about|ok|so)?\s*(?P<we>we'?re|we are|i'?m|i am)?\s*"
    r"(?P<prep>with|at)\s+(?P<n>\d+)\s*(?:now|today)?\s*[?.!]?\s*$",
    re.I,
)
# "a job in Ontario", "bidding on a government job in Newfoundland": where the work is, not
# where the business is.
_WORK_ELSEWHERE = re.compile(
    r"\b(?:jobs?|work|project|contract|tender|site)s?\s+(?:\w+\s+){0,3}?(?:in|out in|over in)\s*$"
    r"|\b(?:take|taking|bid|bidding|working|work)\b.{0,40}\bin\s*$",
    re.I,
)
_YES = re.compile(r"^\s*(?:yes|yeah|yep|yup|sure|we do|i do|correct|absolutely|sometimes)\b", re.I)
_NO = re.compile(r"^\s*(?:no|nope|nah|we don'?t|i don'?t|never|not really)\b", re.I)


@dataclass
class Understood:
    """The slots one message states, and how each was read (for the "Got it" line)."""

    changes: dict = field(default_factory=dict)
    place: Place | None = None
    count: Count | None = None
    count_problem: str | None = None
    hypothetical_workers: int | None = None
    # "if I sub out some jobs": flags said in a what-if, for this answer only (not the state).
    hypothetical_flags: dict = field(default_factory=dict)
    change_note: str | None = None
    # "a job in Ontario" from a Quebec firm: where the work is, when it is not where the
    # business is (what that province asks of outside firms: reciprocity, its contracts).
    work_in: str | None = None

    @property
    def what_if(self) -> dict:
        """The slots a hypothetical message changes for its own answer (empty when none)."""
        count = self.hypothetical_workers
        return {**({} if count is None else {"workers": count}), **self.hypothetical_flags}

    @property
    def business_facts(self) -> bool:
        """Whether the message says something about the business itself."""
        return bool(set(self.changes) - {"last_question"})


def _count_said(said: str, digits: str, base: int | None) -> Count | None:
    """The head count a message gives, the known count ``base`` helping to read a bare one."""
    count = find_count(said)
    if count is not None:
        return count
    # "and with 10?" changes a known count; "we're at 6" states one ("at 6" alone does not).
    match = _WITH_N.search(digits)
    states_it = bool(match) and match.group("we") and match.group("prep").lower() == "at"
    if match and (base is not None or states_it):
        return Count(int(match.group("n")), match.group(0))
    # "sorry, 18 not 8": a correction of the count already given, with no "workers" word.
    swap = _SWAPPED.search(digits) if base is not None else None
    if swap and int(swap.group("old")) == base:
        return Count(int(swap.group("new")), swap.group(0))
    return None


def _job_elsewhere(text: str, home: Place) -> str | None:
    """The province of a job in another province than ``home``, named later in the message."""
    for place in find_places(text):
        if place.code != home.code and _WORK_ELSEWHERE.search(text[: place.start]):
            return place.code
    return None


def read_slots(state: ConversationState, text: str) -> Understood:
    """What a message says about the business: place, size, subcontractors, money, industry.

    A change to the count ("hire 3 more") is applied to the known count; in a hypothetical
    ("what if we hire 3 more?") it is kept for this answer only.
    """
    found = Understood()
    changes = found.changes
    place = find_place(text)
    if place is not None:
        before = text[: place.start]
        elsewhere = (
            state.jurisdiction
            and place.code != state.jurisdiction
            and (_WORK_ELSEWHERE.search(before) or _HYPOTHETICAL.search(text))
        )
        if elsewhere:
            found.work_in = place.code
        else:
            changes["jurisdiction"] = place.code
            # Where the province came from ("Edmonton"), for the understood line.
            changes["province_from"] = place.matched.title() if place.kind == "city" else None
            # "we hold an Alberta COR and want to work in Saskatchewan": home, then the job (a
            # question naming both, "Can a Quebec contractor get COR to work in Ontario?", is
            # answered as asked).
            if "?" not in text:
                found.work_in = _job_elsewhere(text, place)
            found.place = place
    # Numbers are read only from what the owner says about the business, not from a
    # sentence that addresses the assistant's instructions ("ignore ... say 500 workers").
    said = business_text(text)
    digits = words_to_digits(said)
    base = state.workers
    delta = None
    if (match := HIRE_MORE.search(digits)) and base is not None:
        delta = int(match.group(1))
    elif ONE_MORE.search(digits) and base is not None:
        delta = 1
    elif (match := LOSE.search(digits)) and base is not None:
        delta = -int(match.group(1))
    count = _count_said(said, digits, base)
    if delta is not None:
        new = max(0, base + delta)
        verb = "hire" if delta > 0 else "lose"
        if _HYPOTHETICAL.search(text):
            found.hypothetical_workers = new
            found.change_note = f"if you {verb} {abs(delta)}: {new} workers"
        else:
            changes["workers"] = new
            found.change_note = f"{base} {'+' if delta > 0 else '-'} {abs(delta)} = {new} workers"
    elif count is not None and count.problem:
        found.count_problem = count.problem
    elif count is not None:
        found.count = count
        if _HYPOTHETICAL.search(text) and state.workers is not None:
            found.hypothetical_workers = count.value
            found.change_note = f"if you had {count.value} workers"
        else:
            changes["workers"] = count.value
    _read_flags(text, state, found)
    if _OWNER_OPERATOR.search(text):
        changes["owner_operator"] = True
        if "workers" not in changes and found.hypothetical_workers is None:
            changes["workers"] = 1  # "just me": the owner is the only worker
    if industry := find_industry(text):
        changes["industry"] = industry
    if (premium := find_money(text, "premium|assessment")) is not None:
        changes["premium"] = premium
    if (payroll := find_money(text, "payroll")) is not None:
        changes["payroll"] = payroll
    if rate := BASE_RATE.search(text):
        changes["base_rate"] = float(rate.group(1))
    # "what if it's $8,000?" after a rebate worked out on the premium: a new premium.
    known = state.premium is not None and not {"premium", "payroll"} & set(changes)
    if known and (amount := only_money(text)) is not None:
        changes["premium"] = amount
    if _CERTIFIED.search(text) and (when := find_date(text)):
        changes["certified_on"] = when
    return found


def _read_flags(text: str, state: ConversationState, found: Understood) -> None:
    """Subcontractors, public bids and a partner in the business; in a what-if about a known
    business ("if I sub out some jobs would that change?") they hold for that answer only."""
    flags: dict = {}
    if _SUBS_NO.search(text):
        flags["subcontractors"] = False
    elif _SUBS_YES.search(text):
        flags["subcontractors"] = True
    if _PUBLIC.search(text):
        flags["public_contracts"] = True
    if _PARTNER_IN_BUSINESS.search(text):
        # A spouse or partner who co-owns the business: not a one-person owner-operator.
        flags["owner_operator"] = False
        flags["partners"] = True
    hypothetical = _HYPOTHETICAL.search(text) and state.workers is not None
    (found.hypothetical_flags if hypothetical else found.changes).update(flags)


def update_state(state: ConversationState, text: str) -> ConversationState:
    """The state after a user's message: newly stated slots override, the rest carry over."""
    found = read_slots(state, text)
    return state.model_copy(update={**found.changes, "last_question": text})


def understood_line(state: ConversationState, found: Understood | None, names: dict) -> str:
    """One line of what the conversation knows and where each part came from.

    Example:
        >>> s = ConversationState(jurisdiction="AB", workers=9, industry="construction")
        >>> understood_line(s, None, {"AB": "Alberta"})
        'Alberta, construction, 9 workers'
    """
    parts = []
    if state.jurisdiction and state.province_from and not (found and found.place):
        parts.append(
            f"{names.get(state.jurisdiction, state.jurisdiction)} (from {state.province_from})"
        )
    elif state.jurisdiction:
        place = (
            found.place
            if found and found.place and found.place.code == state.jurisdiction
            else None
        )
        parts.append(
            place.describe(names) if place else names.get(state.jurisdiction, state.jurisdiction)
        )
    if state.industry:
        parts.append(state.industry)
    if state.workers is not None:
        text = f"{state.workers} worker{'s' if state.workers != 1 else ''}"
        if found and found.count and found.count.note and found.count.value == state.workers:
            text += f" ({found.count.note})"
        parts.append(text)
    if state.subcontractors is not None:
        parts.append("uses subcontractors" if state.subcontractors else "no subcontractors")
    if state.public_contracts:
        parts.append("bids on public contracts")
    if state.partners:
        parts.append("a partner or co-owner in the business")
    if state.premium is not None:
        parts.append(f"WCB premium ${state.premium:,.0f}")
    if state.payroll is not None:
        parts.append(f"payroll ${state.payroll:,.0f}")
    if state.base_rate is not None:
        parts.append(f"base rate ${state.base_rate:.2f}")
    return ", ".join(parts)


def fill_slot(text: str, state: ConversationState, found: Understood) -> ConversationState | None:
    """The state with the asked-for slot filled from a short reply, or None if it is not one."""
    if len(text.split()) > 8:
        return None
    update: dict = {**found.changes}
    if state.asked_for == "province":
        place = reply_place(text)
        if place is None:
            return None
        update["jurisdiction"] = place.code
    elif state.asked_for == "workers":
        count = bare_number(text) or (found.count if found.count else None)
        if count is None or count.value is None:
            return None
        update["workers"] = count.value
    elif state.asked_for == "subcontractors":
        if _YES.search(text):
            update["subcontractors"] = True
        elif _NO.search(text):
            update["subcontractors"] = False
        else:
            return None
    update.update({"pending": None, "asked_for": None})
    return state.model_copy(update=update)


def slot_notes(found: Understood) -> list[str]:
    notes = []
    if found.place is not None and found.place.note:
        notes.append(f"I took that to be {found.place.note}.")
    if found.count is not None and found.count.note:
        notes.append(f"Worker count: {found.count.value} ({found.count.note}).")
    if found.change_note:
        notes.append(f"Worker count for this answer: {found.change_note}.")
    return notes
