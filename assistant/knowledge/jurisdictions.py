"""Jurisdiction codes and the input parsing shared by the CLI, the chain and the UI.

Every front end turns what the user typed into the same typed values here, so "Alta", "AB" and
"alberta" all mean the same rules file, and a bad worker count is refused with the same message
everywhere.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from numbers import Number

from assistant.errors import InputError

# Fixed order: west to east, then the territories (the order of the reference compilation).
JURISDICTIONS: tuple[str, ...] = (
    "AB",
    "BC",
    "SK",
    "MB",
    "ON",
    "QC",
    "NB",
    "NS",
    "PE",
    "NL",
    "YT",
    "NT",
    "NU",
)

NAMES: dict[str, str] = {
    "AB": "Alberta",
    "BC": "British Columbia",
    "SK": "Saskatchewan",
    "MB": "Manitoba",
    "ON": "Ontario",
    "QC": "Quebec",
    "NB": "New Brunswick",
    "NS": "Nova Scotia",
    "PE": "Prince Edward Island",
    "NL": "Newfoundland and Labrador",
    "YT": "Yukon",
    "NT": "Northwest Territories",
    "NU": "Nunavut",
}

# The rules directory also holds a national file; it is not a jurisdiction a user can pick.
NATIONAL = "national"

# Written in normalized form (see _normalize): lower case, no accents or dots, single spaces.
_ALIASES: dict[str, tuple[str, ...]] = {
    "AB": ("alta", "alb", "province of alberta"),
    "BC": ("british columbia", "brit columbia", "colombie britannique"),
    "SK": ("sask", "sk", "province of saskatchewan"),
    "MB": ("man", "manitoba"),
    "ON": ("ont", "ontario"),
    "QC": ("que", "quebec", "pq", "province de quebec"),
    "NB": ("n brunswick", "nouveau brunswick"),
    "NS": ("nouvelle ecosse",),
    "PE": ("pei", "prince edward island", "ile du prince edouard", "ipe"),
    "NL": (
        "newfoundland",
        "labrador",
        "nfld",
        "nf",
        "nfld and labrador",
        "newfoundland labrador",
        "terre neuve",
        "terre neuve et labrador",
    ),
    "YT": ("yukon", "yukon territory", "yk", "yuk", "the yukon"),
    "NT": ("nwt", "northwest territories", "north west territories", "territoires du nord ouest"),
    "NU": ("nvt", "nunavut"),
}


def _normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    lowered = ascii_text.lower().replace("&", " and ").replace(".", "")
    lowered = re.sub(r"[-_/,']", " ", lowered)
    return " ".join(lowered.split())


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code in JURISDICTIONS:
        lookup[_normalize(code)] = code
        lookup[_normalize(NAMES[code])] = code
        for alias in _ALIASES.get(code, ()):
            lookup[_normalize(alias)] = code
    return lookup


_LOOKUP = _build_lookup()


def valid_choices() -> str:
    """The valid jurisdictions as one line, for error messages.

    Example:
        >>> valid_choices()[:40]
        'AB (Alberta), BC (British Columbia), SK '
    """
    return ", ".join(f"{code} ({NAMES[code]})" for code in JURISDICTIONS)


def parse_jurisdiction(value: object) -> str:
    """Turn a code, full name or common abbreviation (any case) into a two-letter code.

    Args:
        value: what the user typed, e.g. ``"Alta"``, ``"B.C."``, ``"Québec"``.

    Returns:
        The code, one of ``JURISDICTIONS``.

    Raises:
        InputError: the value is empty, not text, or not a Canadian province or territory; the
            message lists the valid choices.

    Example:
        >>> parse_jurisdiction("Alta"), parse_jurisdiction("b.c."), parse_jurisdiction("PEI")
        ('AB', 'BC', 'PE')
        >>> parse_jurisdiction("Québec"), parse_jurisdiction("Yukon Territory")
        ('QC', 'YT')
    """
    if not isinstance(value, str):
        raise InputError(
            f"jurisdiction must be text such as 'AB' or 'Alberta', got {brief(value)}; "
            f"valid choices: {valid_choices()}"
        )
    key = _normalize(value)
    if not key:
        raise InputError(f"jurisdiction is empty; valid choices: {valid_choices()}")
    code = _LOOKUP.get(key)
    if code is None:
        shown = value.strip()[:40]
        raise InputError(f"unknown jurisdiction {shown!r}; valid choices: {valid_choices()}")
    return code


MAX_WORKERS = 1_000_000
_INT_TEXT = re.compile(r"^\+?(\d{1,3}(,\d{3})+|\d+)$")


def _as_float(value: int | float | Decimal) -> float:
    """``float(value)``, with the two ways it can fail turned into values the checks refuse."""
    try:
        return float(value)
    except OverflowError:  # an int too large for a float, e.g. 10**400
        return math.inf if value > 0 else -math.inf
    except ValueError:  # Decimal("sNaN")
        return math.nan


def _shown(value: object, *, as_repr: bool = False) -> str:
    """A value for an error message, cut short (Python refuses to print ints over 4,300 digits).

    Example:
        >>> _shown(10**50), _shown(["a", 1], as_repr=True)
        ('100000000000000000000000000000000000...', "['a', 1]")
    """
    try:
        text = repr(value) if as_repr else str(value)
    except ValueError:
        return "a value too long to show"
    return text if len(text) <= 40 else text[:37] + "..."


def brief(value: object) -> str:
    """Any value as a short ``repr`` for an error message (used by the tools too)."""
    return _shown(value, as_repr=True)


def parse_workers(value: object) -> int:
    """Check a worker count: a whole number from 0 to 1,000,000.

    0 or 1 worker means an owner-operator (the owner is the only person working).

    Args:
        value: an int, a whole-number float (``8.0``), or text of digits (``"8"``, ``"1,200"``).

    Returns:
        The count as an int.

    Raises:
        InputError: negative, fractional, a bool, NaN or infinite, too large, or not a number;
            the message says which.

    Example:
        >>> parse_workers(8), parse_workers("1,200"), parse_workers(3.0)
        (8, 1200, 3)
        >>> parse_workers(2.5)
        Traceback (most recent call last):
        ...
        assistant.errors.InputError: workers must be a whole number of people, got 2.5
    """
    if isinstance(value, bool):
        raise InputError(f"workers must be a number of people, not a yes/no value ({value})")
    if isinstance(value, str):
        text = value.strip()
        if not _INT_TEXT.match(text):
            if re.match(r"^-\s*\d", text):
                raise InputError(f"workers cannot be negative, got {text!r}")
            if re.match(r"^\d+\.\d+$", text):
                return parse_workers(float(text))
            raise InputError(f"workers must be a whole number such as 8, got {text[:40]!r}")
        digits = text.replace(",", "").lstrip("+").lstrip("0")
        if len(digits) > len(str(MAX_WORKERS)):  # before int(): 5,000 digits would not convert
            raise InputError(f"workers must be at most {MAX_WORKERS:,}, got {_shown(text)}")
        number: object = int(digits or "0")
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float | Decimal):
        as_float = _as_float(value)
        if not math.isfinite(as_float):
            raise InputError(f"workers must be a finite number, got {_shown(value)}")
        if abs(as_float) > MAX_WORKERS:  # before int(): Decimal("1E+999999999") would not end
            raise InputError(f"workers must be from 0 to {MAX_WORKERS:,}, got {_shown(value)}")
        if value != int(value):
            raise InputError(f"workers must be a whole number of people, got {value}")
        number = int(value)
    elif isinstance(value, Number):
        raise InputError(f"workers must be a whole number of people, got {brief(value)}")
    else:
        raise InputError(f"workers must be a whole number such as 8, got {type(value).__name__}")
    assert isinstance(number, int)
    if number < 0:
        raise InputError(f"workers cannot be negative, got {_shown(number)}")
    if number > MAX_WORKERS:
        shown = f"{number:,}" if number < 10**30 else _shown(number)
        raise InputError(f"workers must be at most {MAX_WORKERS:,}, got {shown}")
    return number


def parse_score(value: object, *, name: str = "score") -> float:
    """Check an audit score: a percentage from 0 to 100.

    Args:
        value: a number or text such as ``"85"`` or ``"85%"``.
        name: what the score is for, used in the error message.

    Returns:
        The score as a float.

    Raises:
        InputError: not a number, a bool, NaN, or outside 0 to 100.

    Example:
        >>> parse_score(85), parse_score("72.5%")
        (85.0, 72.5)
    """
    if isinstance(value, bool):
        raise InputError(f"{name} must be a percentage from 0 to 100, not {value}")
    if isinstance(value, str):
        text = value.strip().rstrip("%").strip()
        try:
            number = float(text)
        except ValueError:
            raise InputError(
                f"{name} must be a percentage from 0 to 100, got {value.strip()[:40]!r}"
            ) from None
    elif isinstance(value, int | float | Decimal):
        number = _as_float(value)
    else:
        raise InputError(f"{name} must be a percentage from 0 to 100, got {type(value).__name__}")
    if not math.isfinite(number):
        raise InputError(f"{name} must be a finite percentage, got {_shown(value)}")
    if number < 0 or number > 100:
        raise InputError(f"{name} must be from 0 to 100, got {number:g}")
    return number


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_YEAR, MAX_YEAR = 1900, 2100


def parse_date(value: object) -> date:
    """Check a date written as ISO ``YYYY-MM-DD``.

    Args:
        value: a ``date`` or text such as ``"2025-03-31"``.

    Returns:
        The date.

    Raises:
        InputError: not in YYYY-MM-DD form, a date that does not exist (``2025-02-30``), or
            a year before 1900 or after 2100.

    Example:
        >>> parse_date("2025-03-31")
        datetime.date(2025, 3, 31)
        >>> parse_date("2025-02-30")
        Traceback (most recent call last):
        ...
        assistant.errors.InputError: 2025-02-30 is not a real date (day is out of range for month)
    """
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif not isinstance(value, str):
        raise InputError(f"date must be text in YYYY-MM-DD form, got {type(value).__name__}")
    else:
        text = value.strip()
        if not _ISO_DATE.match(text):
            raise InputError(
                f"date must be in YYYY-MM-DD form (e.g. 2025-03-31), got {text[:40]!r}"
            )
        try:
            parsed = date.fromisoformat(text)
        except ValueError as exc:
            raise InputError(f"{text} is not a real date ({exc})") from None
    # Why an upper bound: a schedule adds years to the date, and Python's dates end at 9999.
    if parsed.year < MIN_YEAR:
        raise InputError(f"date {parsed.isoformat()} is before {MIN_YEAR}; check the year")
    if parsed.year > MAX_YEAR:
        raise InputError(f"date {parsed.isoformat()} is after {MAX_YEAR}; check the year")
    return parsed


def parse_amount(value: object, *, name: str, maximum: float = 1e12) -> float:
    """Check a non-negative amount (dollars, hours or a rate), as used by the tools.

    Args:
        value: a number or text such as ``"2,000,000"`` or ``"$4,000"``.
        name: what the amount is, used in the error message.
        maximum: the largest value accepted.

    Returns:
        The amount as a float.

    Raises:
        InputError: not a number, a bool, NaN or infinite, negative, or above ``maximum``.

    Example:
        >>> parse_amount("$2,000,000", name="payroll")
        2000000.0
    """
    if isinstance(value, bool):
        raise InputError(f"{name} must be a number, not {value}")
    if isinstance(value, str):
        text = value.strip().replace(",", "").lstrip("$").strip()
        try:
            number = float(text)
        except ValueError:
            raise InputError(f"{name} must be a number, got {value.strip()[:40]!r}") from None
    elif isinstance(value, int | float | Decimal):
        number = _as_float(value)
    else:
        raise InputError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise InputError(f"{name} must be a finite number, got {_shown(value)}")
    if number < 0:
        raise InputError(f"{name} cannot be negative, got {number:g}")
    if number > maximum:
        # 1e300 written out in full is 300 digits: past a trillion-fold, show it as 1e+300.
        shown = f"{number:,.0f}" if number <= maximum * 1e3 else f"{number:.3g}"
        raise InputError(f"{name} must be at most {maximum:,.0f}, got {shown}")
    return number


def parse_flag(value: object, *, name: str) -> bool:
    """Check a yes/no option: a bool (None means no).

    Example:
        >>> parse_flag(None, name="subcontractors"), parse_flag(True, name="subcontractors")
        (False, True)
    """
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise InputError(f"{name} must be true or false, got {brief(value)}")
