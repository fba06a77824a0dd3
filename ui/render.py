"""Pure functions that turn answers and tool results into what the chat page shows.

Nothing here needs a server, so every piece of the page's text can be unit-tested. The rule for
HTML: every piece of text that goes into markup passes through `html.escape` (quotes included),
links are kept only when they are http(s), and the quoted span is wrapped in ``<mark>`` inside
its (escaped) passage. Markdown for the chatbot has its raw HTML neutralized the same way, so
whatever a user types is shown as text, never run as markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlparse

from assistant.answering.answer import Answer, Citation

PASSAGE_WINDOW = 420  # characters of passage shown around the quote
_MARKDOWN_HTML = re.compile(r"[<>&]")


def esc(value: object) -> str:
    """Escape any value for HTML text or an attribute.

    Example:
        >>> esc('<b onclick="x">')
        '&lt;b onclick=&quot;x&quot;&gt;'
    """
    return html.escape("" if value is None else str(value), quote=True)


def safe_url(url: object) -> str | None:
    """The URL when it is an absolute http(s) address, else None (no javascript: links).

    Example:
        >>> safe_url("https://www.alberta.ca/x"), safe_url("javascript:alert(1)")
        ('https://www.alberta.ca/x', None)
    """
    if not isinstance(url, str):
        return None
    text = url.strip()
    parsed = urlparse(text)
    if parsed.scheme in ("http", "https") and parsed.netloc:
        return text
    return None


def neutralize_markdown(text: str) -> str:
    """Markdown whose raw HTML shows as text: ``<``, ``>`` and ``&`` become entities.

    Markdown renders entities as the characters, so ``R&D`` and ``a < b`` still read right,
    while ``<img onerror=...>`` is shown, not run.

    Example:
        >>> neutralize_markdown("<script>x</script> R&D")
        '&lt;script&gt;x&lt;/script&gt; R&amp;D'
    """
    return _MARKDOWN_HTML.sub(lambda m: {"<": "&lt;", ">": "&gt;", "&": "&amp;"}[m.group()], text)


def user_markdown(text: str) -> str:
    """A user's message as chatbot markdown (shown as typed, markup never rendered)."""
    return neutralize_markdown(text)


def answer_markdown(answer: Answer | str) -> str:
    """The answer text for the chatbot; its [n] markers match the numbered sources."""
    text = answer.answer if isinstance(answer, Answer) else answer
    return neutralize_markdown(text)


def error_markdown(message: str) -> str:
    """A clear one-line message for input the assistant cannot take (no traceback)."""
    text = message.strip()
    text = text[0].upper() + text[1:] if text else "That question cannot be answered."
    return "**Sorry:** " + neutralize_markdown(
        text if text.endswith((".", "!", "?")) else text + "."
    )


# ---- sources -------------------------------------------------------------------------------


def highlight_passage(passage: str, quote: str, window: int = PASSAGE_WINDOW) -> str:
    """The passage as escaped HTML with the quote wrapped in ``<mark>``.

    Long passages are cut to about ``window`` characters around the quote (with an ellipsis).
    When the quote is not in the passage (it always is after the guard, but the UI must not
    trust that) the quote alone is shown, marked.

    Example:
        >>> highlight_passage("SECOR suits <10> workers. It is cheaper.", "It is cheaper.")
        'SECOR suits &lt;10&gt; workers. <mark>It is cheaper.</mark>'
    """
    quote = quote or ""
    passage = passage or ""
    start = passage.find(quote) if quote else -1
    if start < 0:
        return f"<mark>{esc(quote)}</mark>" if quote else esc(_clip(passage, window))
    end = start + len(quote)
    spare = max(0, window - len(quote))
    left = max(0, start - spare // 2)
    right = min(len(passage), end + spare - (start - left))
    left = max(0, min(left, right - window))
    before, after = passage[left:start], passage[end:right]
    if left > 0:
        before = "…" + before.lstrip()
    if right < len(passage):
        after = after.rstrip() + "…"
    return f"{esc(before)}<mark>{esc(quote)}</mark>{esc(after)}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _citation_field(citation: Citation | Mapping[str, Any], name: str) -> Any:
    if isinstance(citation, Mapping):
        return citation.get(name, "")
    return getattr(citation, name, "")


def citation_dates(citation: Citation | Mapping[str, Any]) -> str:
    """`Citation.dates` for a citation or its dict: "source dated 2017; checked 2026-11-30".

    Example:
        >>> citation_dates({"url": "https://www.ihsa.ca/COR/COR-FAQ-s.aspx",
        ...                 "last_verified": "2026-11-30"})
        'source date unknown; checked 2026-11-30'
    """
    if isinstance(citation, Citation):
        return citation.dates()
    url = _citation_field(citation, "url")
    checked = _citation_field(citation, "last_verified")
    return Citation(
        n=0,
        source="",
        section="",
        quote="",
        url=url if isinstance(url, str) else "",
        last_verified=checked if isinstance(checked, str) else "",
    ).dates()


def source_card(citation: Citation | Mapping[str, Any]) -> str:
    """One source: number, title, section, the passage with its quote marked, link, dates."""
    get = lambda name: _citation_field(citation, name)  # noqa: E731
    n = get("n")
    title = get("title") or get("source") or "Source"
    section = get("section")
    url = safe_url(get("url"))
    passage = highlight_passage(get("passage") or "", get("quote") or "")
    parts = [f'<div class="cg-source" id="cg-source-{esc(n)}">']
    parts.append(
        f'<div class="cg-source-head"><span class="cg-num">[{esc(n)}]</span> '
        f'<span class="cg-title">{esc(title)}</span></div>'
    )
    if section:
        parts.append(f'<div class="cg-section">{esc(section)}</div>')
    parts.append(f'<blockquote class="cg-passage">{passage}</blockquote>')
    meta = []
    if url:
        host = urlparse(url).netloc.removeprefix("www.")
        meta.append(
            f'<a class="cg-link" href="{esc(url)}" target="_blank" '
            f'rel="noopener noreferrer nofollow">{esc(host)}</a>'
        )
    elif get("reference"):  # a source with no web address: its name, as the corpus gives it
        meta.append(f'<span class="cg-reference">{esc(get("reference"))}</span>')
    meta.append(f'<span class="cg-dates">{esc(citation_dates(citation))}</span>')
    if meta:
        parts.append(f'<div class="cg-meta">{" · ".join(meta)}</div>')
    parts.append("</div>")
    return "".join(parts)


def sources_html(citations: Iterable[Citation | Mapping[str, Any]]) -> str:
    """The sources panel under an answer: one card per citation, in marker order.

    Example:
        >>> from assistant.answering.answer import Citation
        >>> c = Citation(n=1, source="ab", section="Limit", quote="ten", url="https://x.ca",
        ...              title="Alberta", passage="up to ten workers", last_verified="2025-01-01")
        >>> "<mark>ten</mark>" in sources_html([c])
        True
    """
    cards = [source_card(c) for c in citations]
    if not cards:
        return EMPTY_SOURCES
    return (
        '<div class="cg-sources"><div class="cg-panel-title">Sources</div>'
        + "".join(cards)
        + "</div>"
    )


EMPTY_SOURCES = (
    '<div class="cg-sources cg-empty"><div class="cg-panel-title">Sources</div>'
    "<p>Ask a question: the passages behind the answer appear here, "
    "with the quoted words highlighted.</p></div>"
)


# ---- what the conversation understood --------------------------------------------------------

NOTHING_UNDERSTOOD = (
    "Nothing yet: tell me your province or town, your trade and how many workers you have."
)


def understood_html(understood: str | None, turn: int = 0, problem: str | None = None) -> str:
    """The side panel's one line of what the conversation understood (the state's own line).

    ``turn`` (answers so far) is kept on the element, so a script can tell a new line from the
    last one; ``problem`` is a panel value that cannot be used (say, "2.5" workers).

    Example:
        >>> understood_html("Alberta (from Edmonton), construction", 1)
        '<div class="cg-understood" data-turn="1"><b>Understood:</b> Alberta (from Edmonton), construction</div>'
    """  # noqa: E501
    text = " ".join((understood or "").split())
    body = (
        f"<b>Understood:</b> {esc(text)}"
        if text
        else f'<b>Understood:</b> <span class="cg-dim">{esc(NOTHING_UNDERSTOOD)}</span>'
    )
    if problem:
        body += f'<div class="cg-warn">{esc(problem)}</div>'
    return f'<div class="cg-understood" data-turn="{int(turn)}">{body}</div>'


# ---- eligibility ---------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _text_of(item: Any) -> str:
    """Readable text of a reason/warning that may be a string or a small dict."""
    if isinstance(item, Mapping):
        for key in ("text", "message", "reason", "warning", "name"):
            if item.get(key):
                return str(item[key])
        return ", ".join(f"{k}: {v}" for k, v in item.items())
    return str(item)


def _step_html(step: Any) -> str:
    """A next step: a named partner as a link (when its address is http(s)), else its text."""
    if not isinstance(step, Mapping):
        return esc(step)
    name = step.get("name")
    url = safe_url(step.get("url"))
    if name and url:
        host = urlparse(url).netloc.removeprefix("www.")
        return (
            f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer nofollow">'
            f'{esc(name)}</a> <span class="cg-dim">{esc(host)}</span>'
        )
    return esc(name or _text_of(step))


def _decision_line(result: Mapping[str, Any]) -> str:
    recommended = result.get("recommended")
    names = result.get("local_names") or {}
    if recommended:
        local = names.get(recommended) if isinstance(names, Mapping) else None
        if local and local.startswith(recommended):
            return f"Recommended: {local}"
        if local and local != recommended:
            return f"Recommended: {recommended} ({local})"
        return f"Recommended: {recommended}"
    if result.get("program_exists") is False:
        return "No COR program was found here"
    return "No certification program fits as described"


def eligibility_card(result: Mapping[str, Any] | None) -> str:
    """The eligibility card: the decision, the reasons, the warnings, the partners to contact.

    Takes the ``check_eligibility`` result as a dict (``ToolCall.result`` or
    ``EligibilityResult.model_dump()``); returns "" for none.
    """
    if not result:
        return ""
    place = result.get("province_name") or result.get("province") or ""
    workers = result.get("workers")
    facts = [str(place)] if place else []
    if isinstance(workers, int | float) and not isinstance(workers, bool):
        facts.append(f"{workers:g} worker" + ("" if workers == 1 else "s"))
    for flag, label in (
        ("subcontractors", "uses subcontractors"),
        ("public_contracts", "bids on public contracts"),
    ):
        if result.get(flag):
            facts.append(label)
    parts = ['<div class="cg-card cg-eligibility">']
    parts.append(
        f'<div class="cg-card-kicker">Which program? · {esc(" · ".join(facts))}</div>'
        f'<div class="cg-decision">{esc(_decision_line(result))}</div>'
    )
    eligible = [str(p) for p in _as_list(result.get("eligible"))]
    if eligible:
        names = result.get("local_names") or {}
        chips = "".join(
            f'<span class="cg-chip" title="{esc(names.get(p, p))}">{esc(p)}</span>'
            for p in eligible
        )
        parts.append(f'<div class="cg-row"><b>Eligible:</b> {chips}</div>')
    warnings = [_text_of(w) for w in _as_list(result.get("warnings"))]
    if warnings:
        parts.append(
            '<div class="cg-sub cg-warn">Check before you rely on this</div><ul class="cg-warn">'
            + "".join(f"<li>{esc(w)}</li>" for w in warnings)
            + "</ul>"
        )
    # Reasons and contacts fold away: the answer text already walks through the reasons.
    reasons = [_text_of(r) for r in _as_list(result.get("reasons"))]
    if reasons:
        parts.append(
            f'<details class="cg-more"><summary>Why ({len(reasons)} reasons)</summary><ul>'
            + "".join(f"<li>{esc(r)}</li>" for r in reasons)
            + "</ul></details>"
        )
    steps = _as_list(result.get("next_steps") or result.get("partners"))
    if steps:
        named = any(isinstance(s, Mapping) and s.get("name") for s in steps)
        label = f"Certifying partners to contact ({len(steps)})" if named else "What to do next"
        parts.append(
            f'<details class="cg-more"{" open" if len(steps) <= 2 else ""}>'
            f"<summary>{esc(label)}</summary><ul>"
            + "".join(f"<li>{_step_html(s)}</li>" for s in steps)
            + "</ul></details>"
        )
    parts.append("</div>")
    return "".join(parts)


def eligibility_from_answer(answer: Answer) -> dict[str, Any] | None:
    """The ``check_eligibility`` result of an answer's last such tool call, if any."""
    for call in reversed(answer.tool_calls):
        if call.name == "check_eligibility":
            return call.result
    return None


# ---- the answer as a JSON-able dict (the `chat` API endpoint) ------------------------------


def answer_payload(answer: Answer) -> dict[str, Any]:
    """``answer.contract()`` plus each citation's title, dates and number, and the dialogue."""
    payload = answer.contract()
    for item, citation in zip(payload["citations"], answer.citations, strict=True):
        item.update(
            n=citation.n,
            title=citation.title,
            last_verified=citation.last_verified,
            dates=citation.dates(),
            reference=citation.reference,
        )
    payload["state"] = answer.state.model_dump(mode="json")
    payload["not_covered"] = answer.not_covered
    payload["asked_back"] = answer.asked_back
    payload["route"] = answer.route
    return payload


# ---- chat message footers ------------------------------------------------------------------


def _md_text(text: object) -> str:
    """Plain text safe inside markdown (HTML neutralized, link and table syntax defused)."""
    value = neutralize_markdown(" ".join(str(text or "").split()))
    return value.replace("[", "(").replace("]", ")").replace("|", "\\|")


def _md_url(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


def sources_footer(citations: Iterable[Citation | Mapping[str, Any]]) -> str:
    """A compact list of an answer's sources, kept under the answer in the chat history.

    Example:
        >>> from assistant.answering.answer import Citation
        >>> c = Citation(n=1, source="ab", section="Limit", quote="q", url="https://x.ca/a",
        ...              title="Alberta", last_verified="2025-01-01")
        >>> sources_footer([c]).splitlines()[-1]
        '1. [Alberta](https://x.ca/a), *Limit* (source date unknown; checked 2025-01-01)'
    """
    lines = []
    for c in citations:
        get = lambda name, c=c: _citation_field(c, name)  # noqa: E731
        title = _md_text(get("title") or get("source") or "Source")
        url = safe_url(get("url"))
        label = f"[{title}]({_md_url(url)})" if url else title
        section = _md_text(get("section"))
        line = f"{get('n')}. {label}" + (f", *{section}*" if section else "")
        line += f" ({_md_text(citation_dates(c))})"
        lines.append(line)
    if not lines:
        return ""
    return "\n\n**Sources**\n\n" + "\n".join(lines)


def chat_message(answer: Answer) -> str:
    """The assistant's chat message: the answer, then the list of its sources."""
    return answer_markdown(answer) + sources_footer(answer.citations)
