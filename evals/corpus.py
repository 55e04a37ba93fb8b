"""Small readers for the regulations corpus, by the corpus's own identifiers, for checking the
real-text question set (``evals/corpus_questions.jsonl``) against it. Standard library and
pypdf only, so that anything may import them (a benchmark, the checker, a test).

Three kinds of file, three kinds of identifier:

* CFPB RegML XML (``*.xml``): every element with a ``label`` attribute (``1002-9-a-1-i``,
  ``1002-9-b-2-Interp-1``, ``1026-Q-h1-A-2-a``) is a unit; its text is its own text and its
  children's, footnotes, images and the preamble analysis left out. The Reg Z notices are
  changesets that may carry a label more than once (a change and the paragraph it holds, or
  a paragraph amended twice): each occurrence is kept.
* US Code Markdown (``*.md``): every subdivision, ``15 U.S.C. 1691(d)``,
  ``15 U.S.C. 1691(d)(2)``, ``15 U.S.C. 1602(bb)(1)(A)(i)(I)``; its text is its lines and
  those of the subdivisions under it.
* PDF (``*.pdf``): every page, ``<file stem> p<N>`` (1-based), its text as pypdf extracts it.

:func:`normalize` is how text and key facts are compared: case, whitespace (thin and
non-breaking spaces too), curly quotes and dashes ignored.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": "",
    }
)
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Text as key facts are matched in it: Unicode compatibility forms (thin and
    non-breaking spaces become spaces), straight quotes, hyphens for dashes, lower case,
    single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACE.sub(" ", text).strip().lower()


@dataclass
class Document:
    """One corpus file: its units (identifier -> the texts of each occurrence)."""

    name: str
    kind: str
    """``regml``, ``usc`` or ``pdf``."""
    units: dict[str, list[str]] = field(default_factory=dict)

    def add(self, unit: str, text: str) -> None:
        self.units.setdefault(unit, []).append(text)

    def text(self, unit: str) -> str:
        """Every occurrence of a unit's text, one after another."""
        return "\n".join(self.units.get(unit, []))


# --- RegML ---------------------------------------------------------------------------------

_SKIPPED = {"footnote", "graphic", "analysis", "tableOfContents", "fdsys", "preamble"}
_INLINE = {"ref", "def", "em", "dash"}
"""Elements inside running text (a defined term, a reference, emphasis): no space around."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: ET.Element) -> str:
    parts = [element.text or ""]
    for child in element:
        tag = _local(child.tag)
        if tag in _INLINE:
            parts.append(_text(child))
        elif tag not in _SKIPPED:
            parts.append(f" {child.get('marker', '')} {_text(child)} ")
        parts.append(child.tail or "")
    return "".join(parts)


def read_regml(path: Path) -> Document:
    """Every labelled element of a RegML regulation or notice, with its text (marker
    included, children included)."""
    document = Document(path.name, "regml")
    root = ET.parse(path).getroot()

    def walk(element: ET.Element) -> None:
        if _local(element.tag) in _SKIPPED:
            return
        label = element.get("label")
        if label:
            text = _SPACE.sub(" ", f"{element.get('marker', '')} {_text(element)}").strip()
            if text:
                document.add(label, text)
        for child in element:
            walk(child)

    walk(root)
    return document


# --- US Code Markdown ----------------------------------------------------------------------

_SECTION = re.compile(r"^#+\s*§\s*(?P<num>\d+[a-z0-9\-]*)\.")
_MARKER = re.compile(r"^\((?P<m>[0-9]+|[a-z]{1,4}|[A-Z]{1,4})\)\s*")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50}
SUBSECTION, PARAGRAPH, SUBPARAGRAPH, CLAUSE, SUBCLAUSE, ITEM = range(6)


def _roman(marker: str) -> int | None:
    """The value of a lower-case Roman numeral, or None."""
    if not marker or any(c not in _ROMAN_VALUES for c in marker):
        return None
    total = 0
    for i, c in enumerate(marker):
        value = _ROMAN_VALUES[c]
        nxt = _ROMAN_VALUES[marker[i + 1]] if i + 1 < len(marker) else 0
        total += -value if value < nxt else value
    return total


def _to_roman(value: int) -> str:
    out = ""
    for number, letters in ((50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv")):
        while value >= number:
            out, value = out + letters, value - number
    return out + "i" * value


def _levels(marker: str) -> list[int]:
    """The levels a marker may stand at, deepest first."""
    if marker.isdigit():
        return [PARAGRAPH]
    if marker.isupper():
        roman = _roman(marker.lower()) is not None
        return [SUBCLAUSE, SUBPARAGRAPH] if roman else [SUBPARAGRAPH]
    levels = []
    if _roman(marker) is not None:
        levels.append(CLAUSE)
    if len(marker) == 2 and marker[0] == marker[1]:
        levels.append(ITEM)
    levels.append(SUBSECTION)
    return levels


def _first(level: int) -> str:
    return {
        SUBSECTION: "a",
        PARAGRAPH: "1",
        SUBPARAGRAPH: "A",
        CLAUSE: "i",
        SUBCLAUSE: "I",
        ITEM: "aa",
    }[level]


def _successor(level: int, marker: str) -> str:
    if level == PARAGRAPH:
        return str(int(marker) + 1)
    if level in (CLAUSE, SUBCLAUSE):
        value = _roman(marker.lower()) or 0
        nxt = _to_roman(value + 1)
        return nxt.upper() if level == SUBCLAUSE else nxt
    if marker[-1].lower() == "z":  # z -> aa, Z -> AA
        return ("A" if marker.isupper() else "a") * (len(marker) + 1)
    return chr(ord(marker[0]) + 1) * len(marker)


def _place(stack: list[tuple[int, str]], marker: str) -> int | None:
    """Where a marker opening a line stands, given the open subdivisions: the next one at a
    level already open, or the first one just below the deepest; None if neither (a
    repeated heading, or a reference in running text)."""
    deepest = stack[-1][0] if stack else -1
    for level in _levels(marker):
        open_at = next((m for lv, m in stack if lv == level), None)
        if open_at is not None and _successor(level, open_at) == marker:
            return level
        if level == deepest + 1 and marker == _first(level):
            return level
    return None


def read_usc(path: Path) -> Document:
    """Every subdivision of a US Code section in Markdown (chunks under breadcrumbs of
    headings, as the corpus has them), with its text and its children's."""
    document = Document(path.name, "usc")
    number: str | None = None
    stack: list[tuple[int, str]] = []
    lines: list[tuple[tuple[str, ...], str]] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("<!--"):
            continue
        if match := _SECTION.match(line):
            if match["num"] != number:
                number, stack = match["num"], []
            continue
        if number is None or re.match(r"^#+\s*(Title|CHAPTER|SUBCHAPTER|PART)\b", line, re.I):
            continue
        heading = line.startswith("#")
        line = line.lstrip("#").strip()
        while match := _MARKER.match(line):
            level = _place(stack, match["m"])
            if level is None and heading and match["m"].isalpha() and match["m"].islower():
                # A subsection heading out of sequence starts that subsection, unless it
                # repeats the open one (the next chunk's breadcrumb).
                level = None if (SUBSECTION, match["m"]) in stack else SUBSECTION
            if level is None:
                break
            stack = [(lv, m) for lv, m in stack if lv < level] + [(level, match["m"])]
            line = line[match.end() :]
            if heading:
                heading = False
        if heading and _MARKER.match(line):
            continue  # a subdivision's heading repeated by the next chunk's breadcrumb
        if line:
            lines.append((tuple(m for _, m in stack), line))
    for path_, text in lines:
        for depth in range(len(path_) + 1):
            unit = f"15 U.S.C. {number}" + "".join(f"({m})" for m in path_[:depth])
            document.units.setdefault(unit, [""])
            document.units[unit][0] = f"{document.units[unit][0]}\n{text}".strip()
    return document


# --- PDF -----------------------------------------------------------------------------------


def read_pdf(path: Path) -> Document:
    """Every page of a PDF, ``<stem> p<N>``, as pypdf extracts its text."""
    from pypdf import PdfReader

    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)  # malformed-xref warnings; the level is restored after
    try:
        document = Document(path.name, "pdf")
        for number, page in enumerate(PdfReader(path).pages, start=1):
            document.add(f"{path.stem} p{number}", page.extract_text() or "")
    finally:
        logger.setLevel(level)
    return document


READERS = {".xml": read_regml, ".md": read_usc, ".pdf": read_pdf}


def read_document(path: Path) -> Document:
    """A corpus file by its suffix (``.xml``, ``.md``, ``.pdf``)."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"{path.name}: not a corpus file (.xml, .md or .pdf)")
    return reader(path)


def _is_corpus_file(path: Path) -> bool:
    """RegML XML, PDF, or Markdown holding a US Code section (not a README)."""
    suffix = path.suffix.lower()
    if suffix != ".md":
        return suffix in READERS
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return any(_SECTION.match(line.strip()) for line in lines)


def corpus_files(folder: Path) -> dict[str, Path]:
    """The corpus files under a folder, by file name."""
    return {p.name: p for p in sorted(folder.rglob("*")) if p.is_file() and _is_corpus_file(p)}
