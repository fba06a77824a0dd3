"""How figures read: money, percentages, dates and head counts, for every renderer of a result.

The chat text, the CLI and the UI tabs all format through these functions, so an amount reads
the same way wherever a user sees it.
"""

from __future__ import annotations

from datetime import date
from typing import Any


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def amount(value: float, *, cents: bool = False) -> str:
    """A dollar figure without the sign: whole dollars bare, cents when there are any.

    ``cents=True`` always shows two decimals (a computed estimate, as the CLI and the
    incentive tab print it).

    Example:
        >>> amount(55000.0), amount(1234.5), amount(4000, cents=True)
        ('55,000', '1,234.50', '4,000.00')
    """
    if cents or not float(value).is_integer():
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def money(value: Any, *, cents: bool = False, missing: str = "n/a") -> str:
    """Dollars as the answers show them ("$4,000", "$1,234.50"); ``missing`` when not a number.

    Example:
        >>> money(4000.0), money(412.5), money(3000, cents=True), money(None, missing="–")
        ('$4,000', '$412.50', '$3,000.00', '–')
    """
    if not _number(value):
        return missing
    return "$" + amount(value, cents=cents)


def percent(value: Any, *, places: int | None = None, missing: str = "n/a") -> str:
    """A percentage: as given ("74.33%"), or rounded to ``places`` with trailing zeros dropped.

    Example:
        >>> percent(80), percent(74.33), percent(74.333, places=1), percent(None)
        ('80%', '74.33%', '74.3%', 'n/a')
    """
    if not _number(value):
        return missing
    if places is None:
        return f"{value:g}%"
    text = f"{value:.{places}f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def day(value: date | str) -> str:
    """A date as every front end shows it: ISO, YYYY-MM-DD.

    Example:
        >>> day(date(2025, 3, 31)), day("2025-03-31")
        ('2025-03-31', '2025-03-31')
    """
    return value.isoformat() if isinstance(value, date) else str(value)


def people(n: float, fte: bool = False) -> str:
    """A count in words: ``1 worker``, ``8 workers``, ``9.50 FTEs``.

    Example:
        >>> people(1), people(8), people(9.5, fte=True)
        ('1 worker', '8 workers', '9.50 FTEs')
    """
    if fte:
        return f"{n:.2f} FTEs"
    if float(n).is_integer():
        n = int(n)
        return f"{n} worker" if n == 1 else f"{n} workers"
    return f"{n:g} FTEs"
