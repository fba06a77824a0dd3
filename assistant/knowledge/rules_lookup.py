"""The rules the tools read, and the certifying partner for an industry.

``load_rules()`` without a folder answers from the configured corpus (or its last good copy,
see ``assistant.knowledge.rules_store``); with a folder it reads that folder. The partner lookup
turns
everyday trade words ("roofer", "hauling") into the industries partners name.
"""

from __future__ import annotations

from pathlib import Path

from assistant.knowledge.rules_loader import load_rules_dir
from assistant.knowledge.rules_schema import JurisdictionRules, Partner, PartnerCounting, Sourced
from assistant.knowledge.rules_store import served_rules


def load_rules(rules_dir: Path | str | None = None) -> dict[str, JurisdictionRules]:
    """Load every rules file (13 jurisdictions and ``national``), validated and cached.

    Args:
        rules_dir: folder with the YAML files; default: the configured corpus's rules
            (``CORGUIDE_CORPUS_DIR``, or the corpus of the `Assistant` answering), or the last
            good copy saved by ingest when those are broken (see
            ``assistant.knowledge.rules_store``).

    Returns:
        Rules keyed by code (``"AB"`` ... ``"NU"``, ``"national"``), in ``JURISDICTIONS`` order.

    Raises:
        CorpusError: a file is missing or invalid (the message names the file and field).
    """
    if rules_dir is None:
        return dict(served_rules().rules)
    return load_rules_dir(rules_dir)


def rules_for(code: str, rules_dir: Path | str | None = None) -> JurisdictionRules:
    """The rules of one jurisdiction (a code from ``JURISDICTIONS`` or ``national``)."""
    return load_rules(rules_dir)[code]


def _norm_industry(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("&", "and").split())


ANY_INDUSTRY = "any industry"


# Everyday trade words -> the industry names partners use (not province-specific).
INDUSTRY_SYNONYMS: dict[str, str] = {
    "roofing": "construction",
    "roofer": "construction",
    "framing": "construction",
    "excavation": "construction",
    "concrete": "construction",
    "electrical": "construction",
    "electrician": "construction",
    "plumbing": "construction",
    "drywall": "construction",
    "carpentry": "construction",
    "masonry": "construction",
    "demolition": "construction",
    "renovation": "construction",
    "contractor": "construction",
    "builder": "construction",
    "paving": "road building",
    "trucking": "trucking",
    "truck": "trucking",
    "hauling": "trucking",
    "transport": "transportation",
    "oilfield": "oil and gas",
    "pipeline": "oil and gas",
    "drilling": "oil and gas",
    "hotel": "hospitality",
    "restaurant": "hospitality",
    "farm": "agriculture",
    "ranch": "agriculture",
    "logging": "forestry",
    "municipality": "municipal",
}


def _wanted_terms(industry: str) -> list[str]:
    wanted = _norm_industry(industry)
    terms = [wanted]
    for word in wanted.split():
        base = word[:-1] if word.endswith("s") and word[:-1] in INDUSTRY_SYNONYMS else word
        if base in INDUSTRY_SYNONYMS:
            terms.append(INDUSTRY_SYNONYMS[base])
    return terms


def _matches_specific(partner: Partner, industry: str) -> bool:
    terms = _wanted_terms(industry)
    return any(
        _norm_industry(ind) in term or term in _norm_industry(ind)
        for ind in partner.industries
        if ind != ANY_INDUSTRY
        for term in terms
    )


def partner_serves(partner: Partner, industry: str) -> bool:
    """Whether a partner serves an industry (partners open to any industry serve all)."""
    return ANY_INDUSTRY in partner.industries or _matches_specific(partner, industry)


def partners_for(
    code: str, industry: str | None = None, rules_dir: Path | str | None = None
) -> list[Partner]:
    """The certifying partners to ask, for an industry when one is given.

    A partner matches when the industry text and one of its industries contain each other
    (``"roofing construction"`` matches ``construction``); partners open to any industry come
    after the specific matches. With no match, or no industry, all partners of the jurisdiction
    are returned (in BC an employer without a partner in its industry is assigned to the
    closest one).

    Example:
        >>> [p.name for p in partners_for("ON")]
        ['Infrastructure Health & Safety Association (IHSA)']
    """
    partners = [p.value for p in rules_for(code, rules_dir).partners]
    if not industry or not _norm_industry(industry):
        return partners
    specific = [p for p in partners if _matches_specific(p, industry)]
    # Partners open to every industry are always worth naming, after the specific ones.
    general = [p for p in partners if ANY_INDUSTRY in p.industries and p not in specific]
    return specific + general if specific or general else partners


def partner_counting_for(
    code: str, industry: str | None, rules_dir: Path | str | None = None
) -> list[Sourced[PartnerCounting]]:
    """The counting rules of the partners that serve an industry (empty: partner not known).

    Only partners whose own industries match count (not "any industry" partners, and not the
    fallback to every partner), so an empty list means the tools cannot tell the partner.

    Example:
        >>> [pc.value.partner for pc in partner_counting_for("BC", "trucking")]
        ['SafetyDriven (Trucking Safety Council of BC)']
        >>> partner_counting_for("BC", None)
        []
    """
    rules = rules_for(code, rules_dir)
    if not industry or not _norm_industry(industry):
        return []
    by_name = {p.value.name: p.value for p in rules.partners}
    return [
        pc
        for pc in rules.small_employer.partner_counting
        if _matches_specific(by_name[pc.value.partner], industry)
    ]
