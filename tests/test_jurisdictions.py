"""Input parsing shared by the CLI, the chain and the UI."""

from datetime import date

import pytest

from assistant.errors import InputError
from assistant.knowledge.jurisdictions import (
    JURISDICTIONS,
    NAMES,
    parse_amount,
    parse_date,
    parse_flag,
    parse_jurisdiction,
    parse_score,
    parse_workers,
)


def test_fixed_order_and_names():
    assert JURISDICTIONS == (
        "AB", "BC", "SK", "MB", "ON", "QC", "NB", "NS", "PE", "NL", "YT", "NT", "NU",
    )  # fmt: skip
    assert set(NAMES) == set(JURISDICTIONS)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("AB", "AB"), ("ab", "AB"), ("Alberta", "AB"), ("ALTA", "AB"), ("Alta.", "AB"),
        ("BC", "BC"), ("B.C.", "BC"), ("british columbia", "BC"),
        ("SK", "SK"), ("Sask", "SK"), ("Saskatchewan", "SK"),
        ("MB", "MB"), ("Man.", "MB"), ("Manitoba", "MB"),
        ("ON", "ON"), ("Ont", "ON"), ("Ontario", "ON"),
        ("QC", "QC"), ("Québec", "QC"), ("Quebec", "QC"), ("Que", "QC"), ("PQ", "QC"),
        ("NB", "NB"), ("New Brunswick", "NB"),
        ("NS", "NS"), ("Nova Scotia", "NS"), ("N.S.", "NS"),
        ("PE", "PE"), ("PEI", "PE"), ("P.E.I.", "PE"), ("Prince Edward Island", "PE"),
        ("NL", "NL"), ("Newfoundland", "NL"), ("Newfoundland & Labrador", "NL"), ("Nfld", "NL"),
        ("YT", "YT"), ("Yukon", "YT"), ("Yukon Territory", "YT"), ("YK", "YT"),
        ("NT", "NT"), ("NWT", "NT"), ("N.W.T.", "NT"), ("Northwest Territories", "NT"),
        ("NU", "NU"), ("Nunavut", "NU"), ("  nunavut  ", "NU"),
    ],
)  # fmt: skip
def test_parse_jurisdiction_aliases(text, code):
    assert parse_jurisdiction(text) == code


@pytest.mark.parametrize("bad", ["", "   ", "Mars", "Canada", "USA", "national", "A B"])
def test_unknown_jurisdiction_lists_choices(bad):
    with pytest.raises(InputError) as err:
        parse_jurisdiction(bad)
    message = str(err.value)
    assert "valid choices" in message
    assert all(code in message for code in JURISDICTIONS)
    assert "\n" not in message


@pytest.mark.parametrize("bad", [None, 10, True, ["AB"]])
def test_jurisdiction_must_be_text(bad):
    with pytest.raises(InputError):
        parse_jurisdiction(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0), (1, 1), (8, 8), ("8", 8), (" 12 ", 12), ("1,200", 1200), (3.0, 3),
     (1_000_000, 1_000_000), ("+5", 5)],
)  # fmt: skip
def test_parse_workers_valid(value, expected):
    assert parse_workers(value) == expected


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (-1, "negative"),
        ("-3", "negative"),
        (2.5, "whole number"),
        ("2.5", "whole number"),
        (True, "yes/no"),
        (False, "yes/no"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        ("ten", "whole number"),
        ("", "whole number"),
        (None, "whole number"),
        (1_000_001, "at most"),
        ([3], "whole number"),
    ],
)
def test_parse_workers_invalid_says_why(value, why):
    with pytest.raises(InputError, match=why):
        parse_workers(value)


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 0.0), (100, 100.0), ("85%", 85.0), (72.5, 72.5)]
)
def test_parse_score_valid(value, expected):
    assert parse_score(value) == expected


@pytest.mark.parametrize("bad", [-0.1, 100.01, "abc", True, float("nan"), None])
def test_parse_score_invalid(bad):
    with pytest.raises(InputError):
        parse_score(bad)


def test_parse_date():
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    assert parse_date(date(2025, 1, 2)) == date(2025, 1, 2)


@pytest.mark.parametrize("bad", ["2025-02-30", "2023-02-29", "2025-13-01", "31/03/2025", "2025-3-1",
                                 "", "yesterday", 20250101, None])  # fmt: skip
def test_parse_date_invalid(bad):
    with pytest.raises(InputError):
        parse_date(bad)


def test_impossible_date_message():
    with pytest.raises(InputError, match="not a real date"):
        parse_date("2025-02-30")


def test_parse_amount_and_flag():
    assert parse_amount("$4,000", name="premium") == 4000.0
    with pytest.raises(InputError, match="negative"):
        parse_amount(-1, name="premium")
    with pytest.raises(InputError):
        parse_amount(True, name="premium")
    assert parse_flag(None, name="x") is False
    with pytest.raises(InputError):
        parse_flag("yes", name="x")
