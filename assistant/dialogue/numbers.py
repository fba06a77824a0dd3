"""Numbers in what an owner typed: head counts, money, and counts that cannot be right.

Number words are turned into digits by `number-parser` (only on runs of cardinal words, since
it also reads "first" as 1); "a dozen" and ranges are read here. A negative or fractional head
count is never passed on as another number: it is returned as a problem to ask about.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from number_parser import parse_number as _parse_number

_CARDINALS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty "
    "ninety hundred thousand"
).split()
_FIRST = [w for w in _CARDINALS if w not in ("hundred", "thousand")]
# A run of number words that starts with a count word: "60 thousand" keeps its digits, and
# only "sixty thousand" is converted.
_WORDS_RUN = re.compile(
    r"\b(?:"
    + "|".join(_FIRST)
    + r")(?:(?:[\s-]+(?:and[\s-]+)?)(?:"
    + "|".join(_CARDINALS)
    + r"))*\b",
    re.I,
)
_DOZEN = re.compile(r"\b(?:a|one)\s+dozen\b|\bdozen\b", re.I)
_HALF_DOZEN = re.compile(r"\b(?:a\s+)?half\s+a?\s*dozen\b", re.I)

_PEOPLE = (
    r"(?:full[- ]time\s+|part[- ]time\s+|permanent\s+|seasonal\s+|casual\s+|other\s+)?"
    r"(?:workers?|employees?|staff(?:ers)?|people|guys|gals|folks|crew(?: members)?|men|"
    r"labou?rers|drivers|ftes?|hands|techs?|caregivers|roofers|carpenters|landscapers|persons|"
    r"electricians|plumbers|operators|of us|"
    # Quebec owners write in French: "avec 10 employés", "8 travailleurs".
    r"employ[ée]s?|travailleu(?:r|rs|se|ses)|salari[ée]s?)\b"
)
_NUM = r"(-?\d[\d,]*(?:\.\d+)?)"
# "6 full time and 5 part timers": everyone on the payroll counts toward a SECOR limit.
_SUM_PATTERN = re.compile(
    r"(\d+)\s+full[- ]?time(?:rs)?(?:\s+\w+)?\s*(?:,|and|plus|\+)\s*(\d+)\s+part[- ]?time(?:rs)?",
    re.I,
)
# "6 in summer and 2 in winter", "8 at our busiest": the peak is the count that decides.
_SEASONS = re.compile(
    r"(\d+)\s+(?:[a-z-]+\s+)?(?:in|over|during)\s+(?:the\s+)?(?:summer|winter|spring|fall|season|"
    r"peak)\w*(?:\s*(?:,|and|but)\s*(?:only\s+)?(\d+)\s+(?:[a-z-]+\s+)?(?:in|over|during)\s+"
    r"(?:the\s+)?\w+)?",
    re.I,
)
_PEAK = re.compile(r"(\d+)\s+(?:at (?:our|the|my) (?:busiest|peak)|at peak|tops)", re.I)
_COUNT_PATTERNS = (
    re.compile(_NUM + r"\s*(?:-|to|or)\s*" + _NUM + r"\s+" + _PEOPLE, re.I),  # a range
    re.compile(_NUM + r"\s+" + _PEOPLE, re.I),
    # "a 4-person crew", "20-man shop", "8 on the crew", "11 on the payroll"
    re.compile(_NUM + r"[- ](?:person|man|people|employee|worker)\b", re.I),
    re.compile(_NUM + r"\s+on (?:the |our |my )?(?:crew|payroll|staff|team|books)\b", re.I),
    re.compile(_NUM + r"\s+(?:full|part)[- ]?time(?:rs)?\b", re.I),
    re.compile(
        r"\b(?:crew|team|staff|workforce|company|business|shop|outfit) of (?:about |around |"
        r"roughly |only |just )?" + _NUM,
        re.I,
    ),
    re.compile(
        r"\b(?:employ|have|hire|got|are|we're|were)\s+(?:about |around |roughly |only |just )?"
        + _NUM
        + r"\b(?!\s*(?:%|\$|k\b|years?|months?|weeks?|days?|sites?|locations?|trucks?|"
        r"vehicles?|audits?|times?|elements?|hours?|thousand|million|dollars?|percent))",
        re.I,
    ),
)
# "grows past 10 workers" names a limit, not the head count.
_LIMIT_WORDS = re.compile(
    r"(?:past|over|above|beyond|exceed\w*|more than|fewer than|less than|under|up to|at least|"
    r"at most|limit of|limit is|reach(?:es)?|hits?|than)\s*$",
    re.I,
)
# "hire 3 more", "3 extra guys": a change to the count, read by the dialogue, not a count;
# "500 workers or more" states a limit.
_CHANGE_AFTER = re.compile(r"\s*(?:more|additional|extra|new|fewer|less)\b", re.I)
_LIMIT_AFTER = re.compile(r"\s*(?:or (?:more|fewer|less|over|under)|and (?:up|over|under))\b", re.I)
_PLUS_OWNER = re.compile(
    r"\b(?:plus|and|\+|not counting|not including|besides)\s+(?:me|myself|the owner|my wife|"
    r"my husband|my partner|the boss)\b",
    re.I,
)
_MONEY = re.compile(
    r"(?P<neg>-\s*)?(?P<dollar>\$)?\s*(?P<amount>\d[\d,]*(?:\.\d+)?)\s*(?P<scale>k\b|m\b|million\b|thousand\b|"
    r"grand\b)?",
    re.I,
)
# A number with no "$" and no "k"/"thousand" counts as money beside "premium" or "assessment"
# only from this much: "hazard assessment 92, training 48" is a score list, while owners give
# premiums and payrolls as "$800", "60k" or "55000" (the gold, phrasing and conversation
# splits have no bare amount under 1,000).
BARE_AMOUNT_MIN = 1000
_SCALES = {"k": 1e3, "thousand": 1e3, "grand": 1e3, "m": 1e6, "million": 1e6}


@dataclass(frozen=True)
class Count:
    """A head count read from text, or the reason it cannot be used.

    ``value`` is the count the rules decide on; ``note`` says how it was read when that is not
    obvious ("counted the owner", "a range: the larger number decides"); ``problem`` is set
    instead of a value for a count no business can have (negative, fractional).
    """

    value: int | None
    text: str
    note: str | None = None
    problem: str | None = None
    plus_owner: bool = False


# number_parser rebuilds its language tables on every call (about 25 ms per question with
# number words, measured 2026-12-02); the same few phrases recur, so their values are kept.
@functools.lru_cache(maxsize=4096)
def parse_number(phrase: str) -> int | float | None:
    return _parse_number(phrase)


def words_to_digits(text: str) -> str:
    """Number words as digits, and "a dozen" as 12.

    Example:
        >>> words_to_digits("we've got nine guys and a dozen trucks, twenty-two in all")
        "we've got 9 guys and 12 trucks, 22 in all"
    """
    text = _HALF_DOZEN.sub("6", text)
    text = _DOZEN.sub("12", text)

    def convert(match: re.Match) -> str:
        value = parse_number(match.group(0).lower().replace("-", " "))
        return str(value) if value is not None else match.group(0)

    return _WORDS_RUN.sub(convert, text)


def _as_number(token: str) -> float:
    return float(token.replace(",", ""))


def find_count(text: str) -> Count | None:
    """The business's head count stated in the text, if any.

    Example:
        >>> find_count("6 staff in summer and 2 in winter").value
        6
        >>> find_count("we have 9 guys plus me").value
        10
        >>> find_count("a crew of twelve").value
        12
        >>> find_count("8 to 12 workers").value, find_count("8 to 12 workers").note
        (12, 'a range (8 to 12): the larger number decides the limit')
        >>> find_count("2.5 workers").problem
        'a head count is a whole number of people (got 2.5)'
        >>> find_count("the SECOR limit is 10 or fewer") is None
        True
    """
    digits = words_to_digits(text)
    if match := _SUM_PATTERN.search(digits):
        full, part = int(match.group(1)), int(match.group(2))
        return Count(full + part, match.group(0), note=f"{full} full-time + {part} part-time")
    if (match := _SEASONS.search(digits)) and not _CHANGE_AFTER.match(digits[match.end(1) :]):
        values = [int(g) for g in match.groups() if g]
        return Count(
            max(values),
            match.group(0),
            note="your busiest season's count" if len(values) > 1 else None,
        )
    if (match := _PEAK.search(digits)) and not _CHANGE_AFTER.match(digits[match.end(1) :]):
        return Count(int(match.group(1)), match.group(0), note="your peak count")
    for n, pattern in enumerate(_COUNT_PATTERNS):
        for match in pattern.finditer(digits):
            before = digits[max(0, match.start() - 16) : match.start()]
            if _LIMIT_WORDS.search(before):
                continue
            number_end = match.end(2 if n == 0 else 1)
            if _CHANGE_AFTER.match(digits[number_end:]) or _LIMIT_AFTER.match(
                digits[match.end() :]
            ):
                continue
            if n == 0:
                low, high = _as_number(match.group(1)), _as_number(match.group(2))
                if low >= 0 and high >= low and low == int(low) and high == int(high):
                    return Count(
                        int(high),
                        match.group(0),
                        note=f"a range ({int(low)} to {int(high)}): the larger number decides "
                        "the limit",
                    )
                continue
            return _checked(match.group(1), match.group(0), digits[match.end() :])
    return None


def _checked(token: str, matched: str, after: str) -> Count:
    value = _as_number(token)
    if value < 0:
        return Count(None, matched, problem=f"a head count cannot be negative (got {token})")
    if value != int(value):
        return Count(
            None, matched, problem=f"a head count is a whole number of people (got {token})"
        )
    if _PLUS_OWNER.match(after.lstrip(" ,")) or _PLUS_OWNER.search(after[:24]):
        return Count(int(value) + 1, matched, note="counted you (the owner) too", plus_owner=True)
    return Count(int(value), matched)


def bare_number(text: str) -> Count | None:
    """A reply that is only a number ("12", "about a dozen", "twelve of us").

    Example:
        >>> bare_number("about a dozen").value, bare_number("-3").problem
        (12, 'a head count cannot be negative (got -3)')
        >>> bare_number("12 or 13 maybe") is None
        True
    """
    digits = words_to_digits(text).strip().lower()
    match = re.fullmatch(
        r"(?:about|around|roughly|maybe|just|only|we have|we've got|i have|it's|its|we're at|"
        r"were at|we are|we're|at|ok|okay|sorry)?\s*"
        r"(-?\d[\d,]*(?:\.\d+)?)\s*(?:of us|people|workers|employees|guys|staff)?\s*[.!]?",
        digits,
    )
    if not match:
        return None
    return _checked(match.group(1), match.group(0), "")


def find_money(text: str, keyword: str) -> float | None:
    """An amount stated beside a keyword ("premium", "payroll"): "$40,000", "40k", "60 thousand".

    The amount must sit within a few words of the keyword, before or after it.

    Example:
        >>> find_money("our premium is $55,000, what rebate would we get?", "premium")
        55000.0
        >>> find_money("a premium of 60 thousand", "premium")
        60000.0
        >>> find_money("40k in premiums", "premium")
        40000.0
        >>> find_money("we have 9 workers", "premium") is None
        True
        >>> find_money("hazard assessment 92, training 48", "premium|assessment") is None
        True
    """
    digits = words_to_digits(text)
    key = re.compile(r"\b(?:" + keyword + r")s?\b", re.I)
    best: tuple[int, float] | None = None
    for kmatch in key.finditer(digits):
        for match in _MONEY.finditer(digits):
            if not match.group("amount"):
                continue
            gap = (
                digits[match.end() : kmatch.start()]
                if match.end() <= kmatch.start()
                else digits[kmatch.end() : match.start()]
            )
            if match.start() < kmatch.end() and match.end() > kmatch.start():
                continue
            if len(gap.split()) > 5 or re.search(r"[.?!;]", gap):
                continue
            if re.search(r"\b(?:workers?|employees?|guys|staff|people|%)\b", gap, re.I):
                continue
            tail = digits[match.end() : match.end() + 12]
            if re.match(r"\s*(?:%|percent|workers?|employees?|guys|people|years?)", tail, re.I):
                continue
            value = _money_value(match)
            if value < BARE_AMOUNT_MIN and not (match.group("dollar") or match.group("scale")):
                continue  # "hazard assessment 92": an audit score beside the word, not money
            distance = abs(match.start() - kmatch.start())
            if best is None or distance < best[0]:
                best = (distance, value)
    return best[1] if best else None


def only_money(text: str) -> float | None:
    """The one amount a message gives in dollars ("$8,000", "8k", "8 grand"), when it gives
    exactly one and no other number: "what if it's $8,000?" after a rebate answer.

    Example:
        >>> only_money("what if it's $8,000?"), only_money("and 12k?"), only_money("9 workers")
        (8000.0, 12000.0, None)
        >>> only_money("$8,000 with 12 workers") is None
        True
    """
    digits = words_to_digits(text)
    amounts = [m for m in _MONEY.finditer(digits) if m.group("amount")]
    if len(amounts) != 1 or not (amounts[0].group("dollar") or amounts[0].group("scale")):
        return None
    return _money_value(amounts[0])


def _money_value(match: re.Match[str]) -> float:
    """The dollars a _MONEY match states, its scale applied ("40k": 40,000)."""
    return _as_number(match.group("amount")) * _SCALES.get((match.group("scale") or "").lower(), 1)


_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_FORMS = (
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
    re.compile(r"\b(" + _MONTH + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I),
    re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + _MONTH + r")\.?,?\s+(\d{4})\b", re.I),
)


def find_date(text: str) -> str | None:
    """A calendar date in the text as ISO text ("2025-03-31"), as written, unchecked.

    The tool that uses it checks it is a real date and says so when it is not.

    Example:
        >>> find_date("we got our COR through ACSA on March 31, 2025")
        '2025-03-31'
        >>> find_date("certified 15 June 2025"), find_date("in 2025") is None
        ('2025-06-15', True)
    """
    for n, pattern in enumerate(_DATE_FORMS):
        match = pattern.search(text)
        if not match:
            continue
        if n == 0:
            year, month, day = match.groups()
        elif n == 1:
            month, day, year = _MONTHS[match.group(1).lower()], match.group(2), match.group(3)
        else:
            day, month, year = match.group(1), _MONTHS[match.group(2).lower()], match.group(3)
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return None
