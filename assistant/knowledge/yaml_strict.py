"""The one YAML loader for the corpus: libyaml's safe loader, where only true/false are booleans.

YAML 1.1 reads ``ON``, ``NO``, ``YES`` and ``off`` as booleans, so an unquoted province code
(``jurisdiction: ON``) or answer would silently become ``True``. Front matter, rules files,
readiness data and the dialogue data all load through ``load_yaml`` here.
"""

from __future__ import annotations

import re

import yaml

_BOOL_TAG = "tag:yaml.org,2002:bool"
# libyaml's parser when PyYAML was built with it (the wheels are), else the pure-Python one:
# 0.4 s instead of 4.7 s for the 15 rules files on a loaded 2-core machine (2026-12-02).
_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

YAMLError = yaml.YAMLError


class StrictLoader(_BASE):  # type: ignore[misc, valid-type]
    """A safe loader whose only booleans are ``true`` and ``false`` (any capitalisation)."""


StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for key, resolvers in _BASE.yaml_implicit_resolvers.items()
}
StrictLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(text: str) -> object:
    """Parse YAML safely, with only true/false as booleans.

    Raises:
        yaml.YAMLError: the text is not valid YAML (``problem_mark`` gives the line).

    Example:
        >>> load_yaml("jurisdiction: ON\\nanswer: no\\nfinal: true")
        {'jurisdiction': 'ON', 'answer': 'no', 'final': True}
    """
    return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a safe loader subclass


__all__ = ["StrictLoader", "YAMLError", "load_yaml"]
