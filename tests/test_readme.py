"""The README stays true: its coverage table is the one the rules generate."""

from pathlib import Path

from assistant.knowledge.coverage_table import coverage_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_coverage_table_matches_the_rules():
    text = README.read_text()
    start, end = text.index("<!-- coverage:start -->"), text.index("<!-- coverage:end -->")
    assert text[start:end].strip().split("\n", 1)[1].strip() == coverage_table().strip(), (
        "README coverage table is stale: paste the output of "
        "`python -m assistant.knowledge.coverage_table`"
    )


def test_readme_names_the_two_commands():
    text = README.read_text()
    assert "make chat" in text and "make test" in text
