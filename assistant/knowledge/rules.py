"""Machine-readable COR/SECOR rules per jurisdiction: one import for the schema and its readers.

The pieces live in their own modules; this one re-exports them, so ``from assistant.knowledge.rules
import X`` works for every reader:

- ``rules_schema``: the models (every fact a ``Sourced`` value with its sources);
- ``rules_loader``: parse and validate the files of one folder, cached;
- ``rules_lookup``: the served rules (``load_rules``, ``rules_for``) and the partner lookup;
- ``rules_prose``: values in plain words (partner names, counting bases, money);
- ``rules_passages``: the readable passages for the index, one function per topic.
"""

from __future__ import annotations

from assistant.knowledge.jurisdictions import NAMES
from assistant.knowledge.rules_loader import (
    DEFAULT_RULES_DIR,
    RULE_FILES,
    load_rules_dir,
    load_rules_file,
)
from assistant.knowledge.rules_lookup import (
    ANY_INDUSTRY,
    INDUSTRY_SYNONYMS,
    load_rules,
    partner_counting_for,
    partner_serves,
    partners_for,
    rules_for,
)
from assistant.knowledge.rules_passages import (
    PASSAGE_TOPICS,
    RulePassage,
    render_passages,
    render_summary_passages,
)
from assistant.knowledge.rules_prose import counting_phrase, short_partner_name
from assistant.knowledge.rules_schema import (
    INCENTIVE_PARAMS,
    Alternative,
    AuditRules,
    AuditType,
    Confidence,
    CorProgram,
    CostItem,
    Counting,
    Cycle,
    IncentiveKind,
    IncentiveRule,
    JurisdictionRules,
    OtherProgram,
    OtherProgramConditions,
    Partner,
    PartnerCounting,
    PassMarks,
    ProcurementRule,
    ProgramId,
    SizeClass,
    SmallEmployerProgram,
    Sourced,
    SourceList,
    SourceRef,
    Topic,
    Training,
    WorkerLimit,
)

__all__ = [
    "ANY_INDUSTRY",
    "Alternative",
    "AuditRules",
    "AuditType",
    "Confidence",
    "CorProgram",
    "CostItem",
    "Counting",
    "Cycle",
    "DEFAULT_RULES_DIR",
    "INCENTIVE_PARAMS",
    "INDUSTRY_SYNONYMS",
    "IncentiveKind",
    "IncentiveRule",
    "JurisdictionRules",
    "NAMES",
    "OtherProgram",
    "OtherProgramConditions",
    "PASSAGE_TOPICS",
    "Partner",
    "PartnerCounting",
    "PassMarks",
    "ProcurementRule",
    "ProgramId",
    "RULE_FILES",
    "RulePassage",
    "SizeClass",
    "SmallEmployerProgram",
    "SourceList",
    "SourceRef",
    "Sourced",
    "Topic",
    "Training",
    "WorkerLimit",
    "counting_phrase",
    "load_rules",
    "load_rules_dir",
    "load_rules_file",
    "partner_counting_for",
    "partner_serves",
    "partners_for",
    "render_passages",
    "render_summary_passages",
    "rules_for",
    "short_partner_name",
]
