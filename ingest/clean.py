"""Text repair shared by the parsers: whitespace and glyph normalisation, running headers and
footers, printed page numbers, and words hyphenated across line ends."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence

from app.text import strip_control

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": " - ",
        "\u2212": "-",
        "\u00ad": "",  # soft hyphen: a line-break hint, never content
        "\u200b": "",
        "\ufeff": "",
    }
)
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")  # icon-font glyphs carry no text
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")

# A well-formed roman numeral (i, iv, xii), as front matter is numbered.
_ROMAN_NUMERAL = r"(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_NUMBER = rf"([0-9]+|{_ROMAN_NUMERAL})"
# Printed page numbers as they appear in running headers and footers.
_PAGE_PATTERNS = (
    re.compile(rf"^(?:page|pg\.?|p\.)\s*{_NUMBER}(?:\s*(?:of|/)\s*[0-9]+)?$", re.I),
    re.compile(rf"^{_NUMBER}\s*(?:of|/)\s*[0-9]+$", re.I),
    re.compile(rf"^[-\s]*{_NUMBER}[-\s]*$", re.I),
)
_PAGE_IN_LINE = re.compile(rf"\b(?:page|pg\.?)\s*{_NUMBER}(?:\s*(?:of|/)\s*[0-9]+)?\b", re.I)
_DIGITS = re.compile(r"\d+")
_ROMAN = re.compile(rf"\b{_ROMAN_NUMERAL}\b", re.I)

# Prefixes whose hyphen is part of the word (self-employed, non-occupant, co-borrower).
_KEEP_HYPHEN_PREFIXES = {
    "self",
    "non",
    "co",
    "ex",
    "cross",
    "well",
    "all",
    "pre",
    "post",
    "semi",
    "quasi",
    "owner",
    "cash",
    "first",
    "second",
    "third",
    "two",
    "three",
    "four",
    "high",
    "low",
    "full",
    "part",
    "long",
    "short",
    "loan",
    "debt",
    "income",
    "credit",
    "year",
    "month",
}
_HYPHENATED_END = re.compile(r"([A-Za-z]+)-$")
_WORD_START = re.compile(r"^([a-z][A-Za-z]*)(.*)$")

ZONE = 3
"""How many lines at the top and at the bottom of a page count as header/footer zone."""


def normalize(text: str) -> str:
    """Unicode compatibility forms (ligatures, thin spaces), straight quotes, single spaces."""
    text = _PRIVATE_USE.sub("", unicodedata.normalize("NFKC", text).translate(_QUOTES))
    return _SPACES.sub(" ", text).strip()


def clean_title(raw: str, limit: int) -> str | None:
    """A title a file declares, fit to store: control characters dropped, spaces collapsed,
    cut to ``limit`` characters (at a word end, marked with an ellipsis)."""
    text = normalize(" ".join(strip_control(" ".join(raw[: limit * 4].split())).split()))
    if len(text) > limit:
        head = text[: limit - 1]
        word_end = head.rfind(" ")
        text = (head[:word_end] if word_end > limit // 2 else head).rstrip() + "\u2026"
    return text or None


def clean_lines(text: str) -> list[str]:
    """Split a page's text into normalised, non-empty lines."""
    return [line for line in (normalize(raw) for raw in text.splitlines()) if line]


def page_number_in(line: str) -> str | None:
    """The printed page number a header/footer line states, if it states one."""
    for pattern in _PAGE_PATTERNS:
        match = pattern.match(line.strip())
        if match:
            return match.group(1)
    match = _PAGE_IN_LINE.search(line)
    return match.group(1) if match else None


def _shape(line: str) -> str:
    """A line's identity across pages: page numbers dropped, other numbers folded."""
    line = _PAGE_IN_LINE.sub("page", line.lower())
    return _ROMAN.sub("#", _DIGITS.sub("#", line))


def drop_running_lines(pages: Sequence[Sequence[str]]) -> tuple[list[list[str]], list[str | None]]:
    """Remove running headers and footers; also report each page's printed page number.

    A line in the top or bottom zone of a page is a running line when the same line (page
    numbers aside) stands in that zone, above or below other text, on at least half the pages
    (and on two or more), or when it is nothing but a page number. A line that is all the text
    of the pages it stands on is their content, not a header: furniture frames a body.
    """
    threshold = max(2, (len(pages) + 1) // 2)
    zone_counts: Counter[str] = Counter()
    for lines in pages:
        zone_counts.update({_shape(line) for line in _zone(lines)})
    candidates = {shape for shape, count in zone_counts.items() if count >= threshold}
    framing: Counter[str] = Counter()
    for lines in pages:
        running = _running_indexes(lines, candidates)
        if len(running) < len(lines):  # the page has a body beside these lines
            framing.update({_shape(lines[i]) for i in running})
    repeated = {shape for shape in candidates if framing[shape] >= threshold}

    kept_pages: list[list[str]] = []
    printed: list[str | None] = []
    for lines in pages:
        running = _running_indexes(lines, repeated)
        kept_pages.append([line for i, line in enumerate(lines) if i not in running])
        printed.append(next((n for i in sorted(running) if (n := page_number_in(lines[i]))), None))
    return kept_pages, printed


def _running_indexes(lines: Sequence[str], repeated: set[str]) -> set[int]:
    """The lines of a page's zones that are bare page numbers or of a ``repeated`` shape."""
    return {
        i
        for i in _zone_indexes(lines)
        if _shape(lines[i]) in repeated or any(p.match(lines[i]) for p in _PAGE_PATTERNS)
    }


def _zone_indexes(lines: Sequence[str]) -> set[int]:
    count = len(lines)
    return set(range(min(ZONE, count))) | set(range(max(0, count - ZONE), count))


def _zone(lines: Sequence[str]) -> list[str]:
    return [lines[i] for i in sorted(_zone_indexes(lines))]


def keeps_hyphen(head: str) -> bool:
    """Whether a word broken after ``head-`` at a line end keeps its hyphen when the
    document's own spelling cannot tell: after a prefix that takes one."""
    return head.lower() in _KEEP_HYPHEN_PREFIXES


def repair_hyphenation(lines: Sequence[str], vocabulary: Mapping[str, int]) -> list[str]:
    """Rejoin words broken across line ends (``under-`` / ``writing``).

    The hyphen stays when the document itself spells the word with a hyphen elsewhere, or
    when the first part is a prefix that takes one (``self-`` / ``employed``).
    """
    out = list(lines)
    for i in range(len(out) - 1):
        end = _HYPHENATED_END.search(out[i])
        start = _WORD_START.match(out[i + 1])
        if not end or not start:
            continue
        head, tail = end.group(1), start.group(1)
        joined = (head + tail).lower()
        hyphenated = f"{head}-{tail}".lower()
        keep = vocabulary.get(hyphenated, 0) > vocabulary.get(joined, 0) or (
            head.lower() in _KEEP_HYPHEN_PREFIXES and vocabulary.get(joined, 0) == 0
        )
        word = f"{head}-{tail}" if keep else head + tail
        out[i] = out[i][: end.start()] + word
        out[i + 1] = start.group(2).lstrip()
    return [line for line in out if line]
