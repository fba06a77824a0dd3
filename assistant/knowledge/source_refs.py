"""What may stand as a source: a web address, or one of two named sources without one.

Guidance front matter, ``Sources:`` lines and every rules value cite their sources. Two sources
have no web address: the industry article the product starts from (our copy carries no address)
and the caveats of the reference compilation the corpus was written from. Any other source must
be a URL; an unknown label is an error. The corpus loader and the rules schema both check
against this one list.
"""

from __future__ import annotations

SEED_ARTICLE = "industry article: Cor vs Se-Cor (consultancy explainer of 2023-08-13)"
REFERENCE_CAVEATS = "reference compilation: cor-secor-facts.md section 15 (caveats)"
NAMED_SOURCES = frozenset({SEED_ARTICLE, REFERENCE_CAVEATS})

__all__ = ["NAMED_SOURCES", "REFERENCE_CAVEATS", "SEED_ARTICLE"]
