"""Segment: ``ParsedDocument`` -> ``Section`` list.

Headings are found by their numbering (``B3-3.1-09``, ``4.2.1``, ``Section 5``, ``§ 1002.9``)
and by layout (bold or larger type, Markdown ``#``). Each section holds blocks of prose or
table, each on one page; wrapped lines are rejoined, tables keep their caption and rows.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from app.models import Block, ParsedDocument, Section
from app.tabular import CELL
from ingest.clean import normalize

# Numbered headings: (pattern for the id, how to derive the level from the id).
# Guide-style ids: B3-3.1-09, B1 (Fannie Mae style), TX-2.1, HB-1-3555 (a prefix of two to four
# letters); one letter before the dash is a form name (W-2, K-1), not a section.
_FANNIE = re.compile(
    r"^(?P<id>(?:[A-Z]{1,2}\d{1,2}|[A-Z]{2,4})(?:-\d{1,4}(?:\.\d{1,3})*)+|[A-Z]{1,2}\d{1,2})"
    r"(?:[\s:.]+|$)"
)
_DECIMAL = re.compile(r"^(?P<id>\d{1,3}(?:\.\d{1,3})+)\.?(?:\s+|$)")
_SINGLE = re.compile(r"^(?P<id>\d{1,2}|[IVX]{1,5}|[A-H])(?P<dot>[.)])?\s+")
_KEYWORD = re.compile(
    r"^(?P<kw>Section|SECTION|Sec\.|Article|ARTICLE|Chapter|CHAPTER|Part|PART|Subpart|SUBPART|"
    r"Title|TITLE|"
    r"Appendix|APPENDIX|Exhibit|EXHIBIT|Schedule|SCHEDULE|Supplement|SUPPLEMENT)\s+"
    r"(?P<num>(?:[0-9IVXLC]+[A-Z]?|[A-Z])(?:[.\-][0-9A-Za-z]+)*)"
    r"(?P<of>\s+to\s+(?:Part|PART)\s+\d+[A-Za-z]?)?"  # Appendix Q to Part 1026
    r"\.?(?:[\s:\-\u2013\u2014]+|$)"
)
_SECTION_SIGN = re.compile(r"^(?P<id>§+\s*\d+[A-Za-z]?(?:\.\d+[A-Za-z]?)*(?:\([A-Za-z0-9]+\))*)\s*")
_TOP_KEYWORDS = {
    "title",
    "part",
    "subpart",
    "chapter",
    "article",
    "appendix",
    "exhibit",
    "schedule",
    "supplement",
}
# A subsection heading such as "(a) Activities constituting discrimination": its id joins the
# enclosing section's ("§ 1691" -> "§ 1691(a)"). Statutes nest (a) > (1) > (A) > (i).
_PAREN = re.compile(r"^\((?P<id>[a-z]{1,2}|\d{1,3}|[A-Z]{1,2}|[ivx]{2,5})\)\s+")
_PAREN_PART = re.compile(r"\(([A-Za-z0-9]+)\)")
# The paragraph of a regulation an official interpretation speaks to, as its commentary
# heads it: "43(e)(2) Qualified mortgage defined", "Paragraph 7(d)(6)." (set in bold or as
# a heading; in running text it is a cross-reference).
_COMMENT_PARAGRAPH = re.compile(
    r"^(?:Paragraph\s+)?(?P<id>\d{1,4}[a-z]?(?:\([a-z0-9]{1,4}\))+)\.?(?:\s+|$)"
)
_DASHED = re.compile(r"^\s*[\u2013\u2014]|^\s+-\s")
"""A title set off from its number by a dash: "Section 1002.9\u2014Notifications", "\u00a7
1024.35 - Error Resolution", as the official interpretations of a regulation head the
section they interpret (the rule: "\u00a7 1002.9 Notifications.")."""

CAPTION = re.compile(
    r"^(?:Table|TABLE|Exhibit|EXHIBIT|Matrix|Schedule|Chart)\b\s*[A-Z0-9]*[\w.\-]*\s*"
    r"(?::\s*|[.\-\u2013\u2014]\s+)\S"
)
"""A table's caption: "Table 2: ...", "Exhibit A - ...", "Table 4-1. ..."; a dot or dash is
followed by a space ("Schedule K-1 shows ..." opens a sentence, not a table)."""
# Dot leaders (or the glyphs a PDF's leader font extracts as) ending in a page number.
_TOC_LINE = re.compile(r"(?:[.\u2026\u00b7_\ufffd]\s?){4,}\s*[0-9ivxlcdm]+\s*$|\s{2,}\.{2,}", re.I)
_LIST_MARKER = re.compile(
    r"^(?:[-*\u2022\u25aa\u25cf\u00a8\u2610\u2713o]\s|\(?[0-9a-zA-Z]{1,3}[.)]\s"
    r"|\([0-9a-zA-Z]{1,5}\)\s|[ivxl]{2,5}[.)]\s|[IVXL]{2,5}[.)]\s)"
)
"""A list item's mark at a line start: a bullet, ``1.``, ``a)``, ``(iv)``, and the longer
roman numerals ``(viii)``, ``viii.`` (a line that starts with one begins an item, never
runs on from the line before)."""
_END_PUNCT = (".", ",", ";", ":", "?", "!")
_MAX_HEADING_WORDS = 16
_SLIGHT = 25
"""An unnumbered heading over fewer words than this is a label, not a section."""
_WRAP_FRACTION = 0.7


@dataclass(frozen=True)
class _Heading:
    section_id: str
    title: str
    level: int
    """Depth where numbering cannot tell (keyword and unnumbered headings)."""
    dashed: bool = False
    """Printed with a dash between number and title (kept in the label: it tells an
    official interpretation's heading from the rule's, :func:`app.text.text_kind`)."""

    @property
    def label(self) -> str:
        if self.dashed and self.section_id and self.title:
            return f"{self.section_id}\u2014{self.title}"
        return f"{self.section_id} {self.title}".strip()


@dataclass
class _Line:
    text: str
    page: int
    label: str
    hinted: bool


@dataclass
class _Open:
    """The section being filled."""

    heading: _Heading | None
    path: tuple[str, ...]
    page: int = 1
    label: str = "1"
    blocks: list[Block] = field(default_factory=list)


def segment(doc: ParsedDocument) -> list[Section]:
    """Split a parsed document into sections of text and table blocks."""
    lines = list(_lines(doc))
    has_hints = any(page.headings for page in doc.pages)
    width = _typical_width([line.text for line in lines])

    sections: list[Section] = []
    stack: list[_Heading] = []
    current = _Open(heading=None, path=())
    pending: list[_Line] = []
    pending_kind: str = "text"
    table_context = ""

    continues = False  # the next block carries on a paragraph from the page before
    celled = False  # the table being read has rows with their cells apart

    def flush() -> None:
        nonlocal pending, table_context, continues
        if pending:
            if pending_kind == "table" and CAPTION.match(pending[0].text):
                table_context = "\n".join(line.text for line in pending[:2])
            context = table_context if pending_kind == "table" else ""
            block = _block(pending, pending_kind, width, context)
            if continues and current.blocks and current.blocks[-1].kind == block.kind == "text":
                block = block.model_copy(update={"continues": True})
            current.blocks.append(block)
        pending = []
        continues = False

    def close() -> None:
        flush()
        heading = current.heading
        if heading and not heading.section_id and sections and _words(current.blocks) < _SLIGHT:
            # A bold label over a few words (forms, callouts) is text, not a section.
            label = Block(
                kind="text", text=heading.title, page=current.page, page_label=current.label
            )
            previous = sections[-1]
            sections[-1] = previous.model_copy(
                update={"blocks": (*previous.blocks, label, *current.blocks)}
            )
            return
        if current.blocks or heading is not None:
            sections.append(
                Section(
                    section_id=heading.section_id if heading else "",
                    title=heading.title if heading else (doc.title or ""),
                    path=current.path,
                    blocks=tuple(current.blocks),
                )
            )

    index = 0
    while index < len(lines):
        line = lines[index]
        heading = _heading(line, has_hints, in_table=pending_kind == "table", enclosing=stack)
        if heading is not None:
            # A long heading wraps onto a second emphasized line.
            nxt = lines[index + 1] if index + 1 < len(lines) else None
            if (
                nxt is not None
                and nxt.hinted
                and nxt.page == line.page
                and len(line.text) >= _WRAP_FRACTION * width
                and _heading(nxt, has_hints, in_table=False, enclosing=()) is None
            ):
                heading = _Heading(heading.section_id, f"{heading.title} {nxt.text}", heading.level)
                index += 1
            close()
            if heading.section_id.startswith("("):
                heading = _subsection(heading, stack)
            while stack and not _contains(stack[-1], heading):
                stack.pop()
            stack.append(heading)
            current = _Open(
                heading=heading,
                path=tuple(h.label for h in stack),
                page=line.page,
                label=line.label,
            )
            pending_kind = "text"
        elif CAPTION.match(line.text):
            flush()
            pending_kind = "table"
            celled = False
            pending.append(line)
        else:
            if pending_kind == "table" and (
                _is_prose(line.text)
                # rows read with their cells apart (ingest.tables): the first line without
                # cells ends the table
                or (CELL not in line.text and celled)
            ):
                flush()
                pending_kind = "text"
            celled = celled or (pending_kind == "table" and CELL in line.text)
            if pending and pending[-1].page != line.page:
                carried = (
                    pending_kind == "text"
                    and _wrapped(pending[-1].text, line.text, width)
                    # a short line that ends no sentence opens the page: a heading or label
                    and (len(line.text) >= _WRAP_FRACTION * width or line.text.endswith(_END_PUNCT))
                )
                flush()
                continues = carried
            pending.append(line)
        index += 1
    close()
    return sections


def _lines(doc: ParsedDocument) -> Iterator[_Line]:
    for page in doc.pages:
        hints = [normalize(h) for h in page.headings if len(h.strip()) >= 3]
        for text in page.text.splitlines():
            if not text.strip() or _TOC_LINE.search(text):
                continue  # a table of contents is navigation, not policy
            hinted = any(
                text == h or (text.startswith(h) and 2 * len(h) >= len(text)) for h in hints
            )
            yield _Line(text=text, page=page.number, label=page.label, hinted=hinted)


def _words(blocks: list[Block]) -> int:
    return sum(len(b.text.split()) for b in blocks)


def _typical_width(texts: list[str]) -> float:
    if not texts:
        return 80.0
    lengths = sorted(len(t) for t in texts)
    if len(lengths) < 20:  # too few lines for a percentile to mean anything
        return float(lengths[-1])
    return float(lengths[int(0.9 * (len(lengths) - 1))])


def _commentary(enclosing: Sequence[_Heading]) -> frozenset[str]:
    """The section numbers of a regulation open on the stack ("43" for "Section 1026.43" or
    "\u00a7 1026.43"): a bold "43(e)(2) ..." under one of them heads its official
    interpretation of that paragraph (anywhere else "7(a) Loans" is an ordinary heading)."""
    found = (re.match(r"(?:Section|§)\s*\d{3,4}\.(\d+[a-z]?)$", h.section_id) for h in enclosing)
    return frozenset(m.group(1) for m in found if m)


def _heading(
    line: _Line, has_hints: bool, *, in_table: bool, enclosing: Sequence[_Heading]
) -> _Heading | None:
    """The heading ``line`` is, if it is one; ``enclosing``: the headings of the sections it
    would stand in."""
    text = line.text
    if len(text) > 140 or CAPTION.match(text):
        return None
    if (match := _FANNIE.match(text)) and ("-" in match.group("id") or line.hinted):
        section_id = match.group("id")
        level = len(re.split(r"[-.]", section_id))
        return _titled(section_id, text[match.end() :], level, line.hinted)
    if match := _DECIMAL.match(text):
        section_id = match.group("id")
        return _titled(section_id, text[match.end() :], section_id.count(".") + 1, line.hinted)
    if match := _KEYWORD.match(text):
        keyword = match.group("kw").rstrip(".").capitalize()
        number = match.group("num")
        level = 1 if keyword.lower() in _TOP_KEYWORDS else 1 + len(re.split(r"[.\-]", number))
        title = text[match.end() :]
        of = " ".join((match.group("of") or "").split())
        heading = _titled(
            f"{keyword} {number} {of}".strip(), title, level, line.hinted, title_optional=True
        )
        after = text[match.start("num") + len(number) :]
        if heading is not None and keyword == "Section" and _DASHED.match(after):
            return dataclasses.replace(heading, dashed=True)
        return heading
    if match := _SECTION_SIGN.match(text):
        section_id = re.sub(r"\s+", " ", match.group("id"))
        # Below a Part, Appendix or Supplement heading (level 1), which holds it.
        level = 2 + section_id.count("(")
        title = text[match.end() :]
        heading = _titled(section_id, title, level, line.hinted, title_optional=True)
        if heading is not None and _DASHED.match(text[match.end("id") :]):
            return dataclasses.replace(heading, dashed=True)
        return heading
    if (
        line.hinted
        and (match := _COMMENT_PARAGRAPH.match(text))
        and match.group("id").split("(")[0] in _commentary(enclosing)
    ):
        section_id = match.group("id")
        title = text[match.end() :]
        return _titled(section_id, title, 4 + section_id.count("("), hinted=True)
    if line.hinted and (match := _PAREN.match(text)):
        part = match.group("id")
        return _titled(f"({part})", text[match.end() :], _paren_depth(part), hinted=True)
    if match := _SINGLE.match(text):
        # "4. Income" is a heading only when the layout says so or, without layout, when it
        # reads like a title; otherwise it is a list item.
        title = text[match.end() :]
        if line.hinted or (not has_hints and match.group("dot") == "." and _title_case(title)):
            return _titled(match.group("id"), title, 1, line.hinted)
        return None
    if (
        line.hinted
        and not in_table
        and _looks_like_title(text, allow_period=False)
        and not _LIST_MARKER.match(text)
    ):
        return _Heading(section_id="", title=text, level=9)
    return None


def _paren_depth(part: str) -> int:
    if part.isdigit():
        return 2
    if len(part) > 1 and set(part) <= set("ivx"):
        return 4
    return 1 if part.islower() else 3


def _subsection(heading: _Heading, stack: list[_Heading]) -> _Heading:
    """Give "(1)" the full id of where it stands: "§ 1691(a)" + "(1)" -> "§ 1691(a)(1)"."""
    enclosing = next(
        (h for h in reversed(stack) if h.section_id and not h.section_id.startswith("(")), None
    )
    if enclosing is None:
        return heading
    root = _PAREN_PART.sub("", enclosing.section_id).strip()
    parts = _PAREN_PART.findall(enclosing.section_id)
    kept = [p for p in parts if _paren_depth(p) < heading.level]
    section_id = root + "".join(f"({p})" for p in kept) + heading.section_id
    return _Heading(section_id, heading.title, heading.level)


def _number(section_id: str) -> str:
    """The bare number of an id: ``Section 4.2`` -> ``4.2``, ``§ 1002.9`` -> ``1002.9``."""
    return re.sub(r"^(?:[A-Za-z]+\.?\s+|§+\s*)", "", section_id)


def _contains(outer: _Heading, inner: _Heading) -> bool:
    """Whether ``inner`` is a subsection of ``outer``.

    Numbered headings nest by their numbers (``B3-3.1`` holds ``B3-3.1-09``, ``4`` holds
    ``4.2``, ``Section 4`` holds ``4.1``), which depth alone gets wrong (``B3-2-01`` does not
    hold ``B3-3.1-01``). Structural keywords (Part, Article, Appendix...) and unnumbered
    headings nest by depth.
    """
    if not outer.section_id:
        return outer.level < inner.level
    if not inner.section_id:
        return True  # a bold subheading inside a numbered section
    a, b = _number(outer.section_id), _number(inner.section_id)
    if _COMMENT_PARAGRAPH.match(b) and re.match(r"\d+\.\d", a):
        # "43(e)(2)" interprets a paragraph of the section "Section 1026.43" heads.
        return a.rsplit(".", 1)[1] == b.split("(")[0]
    if b.startswith(a) and len(b) > len(a) and b[len(a)] in "-.(":
        return True
    return (
        outer.section_id.split()[0].lower().rstrip(".") in _TOP_KEYWORDS
        and outer.level < inner.level
    )


def _titled(
    section_id: str, title: str, level: int, hinted: bool, *, title_optional: bool = False
) -> _Heading | None:
    # "§ 1691. Scope": the full stop after a number is punctuation, not part of the title.
    title = title.strip(" -:\u2013\u2014").lstrip(". ")
    if not title:
        return _Heading(section_id, "", level) if (title_optional or hinted) else None
    if not _looks_like_title(title, allow_period=hinted):
        return None
    return _Heading(section_id, title, level)


def _looks_like_title(title: str, *, allow_period: bool) -> bool:
    words = title.split()
    if not words or len(words) > _MAX_HEADING_WORDS:
        return False
    first = title.lstrip("\"'(")[:1]
    if not (first.isupper() or first.isdigit()):
        return False
    if title.endswith(_END_PUNCT) and not (allow_period and title.endswith(".")):
        return False
    letters = sum(ch.isalpha() for ch in title)
    figures = sum(ch.isdigit() or ch in "%$" for ch in title)
    return letters > 0 and figures <= 0.3 * (letters + figures)


def _title_case(title: str) -> bool:
    words = [w for w in title.split() if len(w) > 3]
    return (
        _looks_like_title(title, allow_period=False)
        and len(title.split()) <= 8
        and all(w[0].isupper() for w in words)
    )


def _is_prose(text: str) -> bool:
    """A sentence-length line ending a sentence: the table is over."""
    return len(text.split()) >= 14 and text.endswith((".", ":"))


def _wrapped(previous: str, line: str, width: float) -> bool:
    """Whether prose ``line`` carries on the paragraph of the line before it: that line runs
    to the margin, or (in a narrow column) it simply carries on a sentence that the line
    before left open. A list marker always opens a paragraph."""
    return not _LIST_MARKER.match(line) and (
        len(previous) >= _WRAP_FRACTION * width
        or (line[:1].islower() and not previous.endswith((".", ":", ";", "?", "!")))
    )


def _block(lines: list[_Line], kind: str, width: float, table_context: str) -> Block:
    """Lines of one page and kind -> one block; wrapped prose lines are rejoined."""
    parts: list[str] = []
    for i, line in enumerate(lines):
        if i == 0:
            parts.append(line.text)
            continue
        wrapped = kind == "text" and _wrapped(lines[i - 1].text, line.text, width)
        parts.append((" " if wrapped else "\n") + line.text)
    first = lines[0]
    return Block(
        kind=kind,  # type: ignore[arg-type]
        text="".join(parts),
        page=first.page,
        page_label=first.label,
        table_context=table_context,
    )
