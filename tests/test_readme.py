"""The README stays true where it restates something real: its coverage table is the one the
rules generate. (Tests that only looked for words in the README were dropped: they proved the
words were there, not that they were true. The layout block is checked against the tree in
test_layout.py, the Security section's limits against the constants in
test_reliability_security.py, and the bench table's writer in test_reliability_load.py.)"""

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

