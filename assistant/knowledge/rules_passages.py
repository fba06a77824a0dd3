"""The rules as readable passages for the index: one function per topic, in passage order.

Each topic function (in ``assistant.knowledge.rules_topics_programs`` and
``assistant.knowledge.rules_topics_audit``)
adds the passages of one topic of a jurisdiction's rules, or none when the rules say nothing on
it. ``render_passages`` runs them in ``PASSAGE_TOPICS`` order, so the index holds the same
passages in the same order on every ingest.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.knowledge.rules_passage_builder import PassageBuilder, RulePassage
from assistant.knowledge.rules_schema import JurisdictionRules
from assistant.knowledge.rules_topics_audit import (
    audit_cycle,
    audit_elements,
    costs,
    incentives,
    notes,
    partners,
    pass_marks,
    procurement,
    reciprocity,
    training,
)
from assistant.knowledge.rules_topics_brief import (
    cor_brief,
    incentive_program_brief,
    render_summary_passages,
    secor_brief,
    validity_brief,
)
from assistant.knowledge.rules_topics_programs import (
    no_secor,
    other_programs,
    overview,
    secor_counting,
    secor_limit,
    size_classes,
)

PassageTopic = Callable[[PassageBuilder], None]

PASSAGE_TOPICS: tuple[PassageTopic, ...] = (
    overview,
    secor_limit,
    secor_counting,
    no_secor,
    other_programs,
    size_classes,
    pass_marks,
    audit_cycle,
    audit_elements,
    partners,
    incentives,
    procurement,
    training,
    costs,
    reciprocity,
    notes,
    cor_brief,
    secor_brief,
    validity_brief,
    incentive_program_brief,
)


def render_passages(rules: JurisdictionRules) -> list[RulePassage]:
    """Render one jurisdiction's rules as short question-headed passages for the index.

    Each passage states the values with their numbers in plain sentences and ends with a
    ``Sources:`` line.

    Example:
        >>> from assistant.knowledge.rules import rules_for
        >>> passages = render_passages(rules_for("MB"))
        >>> passages[1].section
        'What is the SECOR worker limit in Manitoba?'
        >>> passages[1].text.splitlines()[0][:64]
        'In Manitoba the small-employer program (SECOR) is for employers '
    """
    builder = PassageBuilder(rules)
    for topic in PASSAGE_TOPICS:
        topic(builder)
    return builder.passages


__all__ = [
    "PASSAGE_TOPICS",
    "PassageTopic",
    "RulePassage",
    "render_passages",
    "render_summary_passages",
]
