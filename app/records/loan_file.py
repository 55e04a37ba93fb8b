"""The loan file: a conversation exported as Markdown or PDF, to be kept with the loan's papers,
and one answer as plain text with its citations, to be pasted into a memo.

Each turn: the question as it was processed (redacted), the audit record id of the answer (so
the record can be found again), the filters, the product and state it was answered for, its
support, the answer, what the sources do not cover, any note of conflicting documents, and
every citation with its document, version, effective date, section and paragraph, page and the
quoted sentence. Both files are made from the same list of blocks, so they hold the same
content in the same order. What documents and users wrote stays text: escaped in Markdown, so
any viewer shows it as text (no link, image or markup comes out of a document or a question);
written as plain text in the PDF, which has no link or other annotation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from fpdf import FPDF
from fpdf.errors import FPDFException

from app.models import Answer, Citation, User
from app.tabular import Table, markdown_table, split_tables

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$])")
"""What makes emphasis, code, links, images, HTML, entities (``&#x202E;``), maths (``$x$``)
or tables: escaped. Every line of content starts after a prefix of ours ("> ", "- ", "## "),
so line-start signs (#, +, -) are plain."""
_JOINER = "\u2060"
_AUTOLINKED = re.compile(r"(?<=[:@])|(?<=www)(?=\.)", re.IGNORECASE)
"""After ``:`` and ``@`` and inside ``www.``: an invisible word joiner, so no viewer turns
an address in the text into a link (escaping alone does not stop GitHub's autolinks)."""

TITLE = "Policy questions and answers"
SUPPORT = {"direct": "direct", "partial": "partial", "not_found": "not found"}
""":attr:`Answer.support` in words."""

Kind = Literal["heading", "fact", "answer", "table", "remark", "label", "item", "quote"]


@dataclass(frozen=True)
class _Block:
    """One line of the file: ``ours`` is our own wording, ``theirs`` what a user, a document or
    the answerer wrote (escaped or normalised by each format)."""

    kind: Kind
    ours: str
    theirs: str = ""
    table: Table | None = None
    """For a ``table`` block: the table an answer quoted (its cells are the document's)."""


def conversation_markdown(answers: Sequence[Answer], *, user: User, exported_at: datetime) -> str:
    """The conversation, oldest question first, as Markdown."""
    lines = [f"# {TITLE}", "", _exported(user, exported_at, _text)]
    for block in _blocks(answers):
        ours, theirs = block.ours, _text(block.theirs)
        match block.kind:
            case "heading":
                lines += ["", f"## {ours}{theirs}", ""]
            case "fact":
                lines.append(f"{ours}{theirs}")
            case "answer":
                body = block.theirs.split("\n")
                lines += ["", *(f"> {_text(line)}" if line else ">" for line in body)]
            case "table" if block.table is not None:
                lines += ["", markdown_table(block.table, _cell)]
            case "remark":
                lines += ["", f"{ours}{theirs}"]
            case "label":
                lines += ["", ours, ""]
            case "item":
                lines.append(f"- {ours}{theirs}")
            case "quote":
                lines.append(f"  - {ours}{theirs}")
    return "\n".join(lines) + "\n"


def conversation_pdf(answers: Sequence[Answer], *, user: User, exported_at: datetime) -> bytes:
    """The conversation, oldest question first, as a PDF (US Letter): the same blocks as
    :func:`conversation_markdown`, as plain text that wraps within the page.

    The built-in Helvetica is used, so nothing has to be found or fetched: it covers
    Windows-1252 (Western European letters, curly quotes, dashes, bullets, the section and
    euro signs). Other characters are written as their unaccented letter where there is one,
    else as a visible ``?``.
    """
    pdf = _LoanFilePDF(exported_at)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, TITLE, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0, 4.5, _exported(user, exported_at, _latin), align="L", new_x="LMARGIN", new_y="NEXT"
    )
    for block in _blocks(answers):
        pdf.block(block)
    return bytes(pdf.output())


def answer_text(answer: Answer) -> str:
    """One answer as plain text, to paste into a memo: the answer, what it was answered for,
    its support, what the sources do not cover and any note, then its citations (document,
    version, effective date, section, page and the quoted sentence) and the audit record id."""
    lines = [answer.text.strip(), ""]
    if answer.read_as:
        lines.append(f"Read as: {answer.read_as}")
    if scope := _answered_for(answer):
        lines.append(f"Answered for: {scope}")
    lines.append(f"Support: {SUPPORT[answer.support]}")
    lines += [f"Gap: {gap}" for gap in answer.gaps]
    lines += [f"Note: {note}" for note in answer.notes]
    cited = answer.closest_sections if answer.abstained else answer.cited()
    if cited:
        lines += ["", "Closest sections to check:" if answer.abstained else "Sources:"]
        for n, c in enumerate(cited, start=1):
            lines.append(f"[{n if answer.abstained else c.marker}] {_where(c)}{_noted(answer, c)}")
            if c.quote and not answer.abstained:
                lines.append(f'    Quoted: "{_flat(c.quote)}"')
    if answer.audit_id is not None:
        lines += ["", f"Audit record #{answer.audit_id}"]
    return "\n".join(lines)


def _blocks(answers: Sequence[Answer]) -> Iterator[_Block]:
    """Every turn's lines, in the order both files show them."""
    for n, answer in enumerate(answers, start=1):
        yield _Block("heading", f"{n}. ", answer.question)
        if answer.read_as:
            yield _Block("fact", "Read as: ", answer.read_as)
        if answer.audit_id is not None:
            yield _Block("fact", f"Audit record #{answer.audit_id}")
        if scope := answer.filters.describe():
            yield _Block("fact", "Filters: ", scope)
        if scope := _answered_for(answer):
            yield _Block("fact", "Answered for: ", scope)
        yield _Block("fact", f"Support: {SUPPORT[answer.support]}")
        for part in split_tables(answer.text):
            if isinstance(part, Table):
                yield _Block("table", "", table=part)
            else:
                yield _Block("answer", "", part.text)
        for gap in answer.gaps:
            yield _Block("remark", "Gap: ", gap)
        for note in answer.notes:
            yield _Block("remark", "Note: ", note)
        if answer.abstained:
            if answer.closest_sections:
                yield _Block("label", "Closest sections to check:")
                for c in answer.closest_sections:
                    yield _Block("item", "", _where(c))
            continue
        yield _Block("label", "Sources:")
        for c in answer.cited():
            yield _Block("item", f"[{c.marker}] ", _where(c) + _noted(answer, c))
            if c.quote:
                yield _Block("quote", "quoted: ", _flat(c.quote))


def _exported(user: User, exported_at: datetime, literal: Callable[[str], str]) -> str:
    return (
        f"Exported {exported_at:%Y-%m-%d %H:%M} UTC by {literal(user.name)} ({user.role}). "
        "Questions are shown as they were processed, with personal data removed."
    )


def _answered_for(answer: Answer) -> str:
    """The product and state the answer is for, and whether they were read from the question."""
    scope = answer.answered_for()
    if scope and answer.scope_read:
        scope += " (read from the question)"
    return scope


def _where(c: Citation) -> str:
    section = " ".join(p for p in (c.section_id, c.section_title) if p)
    paragraph = f", {c.paragraph}" if c.paragraph else ""
    return (
        f"{c.title}, version {c.version} (effective {c.effective_date:%Y-%m-%d}), "
        f"section {section}{paragraph}, page {c.page_label or c.page}"
    )


def _flat(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    return _text(_flat(text))


def _text(text: str) -> str:
    """``text`` made literal for Markdown: every character with a meaning escaped."""
    flat = _flat(text) if "\n" not in text else text
    return _SPECIAL.sub(r"\\\1", _AUTOLINKED.sub(_JOINER, flat))


# The PDF.

_ENCODING = "cp1252"
"""Helvetica is declared with WinAnsiEncoding: what this codec encodes, it can draw."""
_STAND_INS = str.maketrans(
    {"\u2212": "-", "\u2011": "-", "\u2264": "<=", "\u2265": ">=", "\u2192": "->", "\u2190": "<-"}
)
_STYLE: dict[Kind, tuple[str, float, float, float]] = {
    # kind: (font style, size, line height, indent), all in points and millimetres
    "heading": ("B", 11.5, 5.5, 0),
    "fact": ("", 9, 4.5, 0),
    "answer": ("", 10, 5, 4),
    "table": ("", 9, 4.5, 4),
    "remark": ("I", 9, 4.5, 0),
    "label": ("B", 9.5, 5, 0),
    "item": ("", 9, 4.5, 4),
    "quote": ("I", 9, 4.5, 10),
}
_PAGES = "\x01pages\x01"
"""Where the page count goes: fpdf2 replaces it everywhere, so it holds control characters,
which :func:`_latin` takes out of all other text (the default ``{nb}`` could be typed)."""
_MIN_COLUMN_MM = 16.0
"""The narrowest column a table in the PDF is drawn with."""
_MAX_CELL = 1_500
"""Characters a cell may hold to be drawn in a table: a row must fit on one page."""
_SPACE_BEFORE: dict[Kind, float] = {"heading": 6, "answer": 2, "remark": 1.5, "label": 2.5}


def _latin(text: str) -> str:
    """``text`` in the characters Helvetica can draw: a letter it lacks becomes the letter
    without its accent, anything else a visible ``?``; spaces and tabs become spaces and
    invisible format characters (joiners, direction marks) are dropped."""
    out = []
    for ch in text.translate(_STAND_INS):
        if ch == "\n" or (ch.isprintable() and _drawable(ch)):
            out.append(ch)
        elif ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf"):
            continue
        else:
            bare = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            out.append(bare if bare and all(_drawable(c) for c in bare) else "?")
    return "".join(out)


def _drawable(ch: str) -> bool:
    try:
        ch.encode(_ENCODING)
    except UnicodeEncodeError:
        return False
    return ch.isprintable()


class _LoanFilePDF(FPDF):
    def __init__(self, exported_at: datetime) -> None:
        super().__init__(format="letter")
        self.core_fonts_encoding = _ENCODING
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=18)
        self.set_title(TITLE)
        self.set_creator("underwriting-policy-copilot")
        self.set_creation_date(exported_at)
        self.alias_nb_pages(_PAGES)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 4, f"{TITLE} - page {self.page_no()} of {_PAGES}", align="C")

    def block(self, block: _Block) -> None:
        if block.kind == "table" and block.table is not None:
            self.table_block(block.table)
            return
        style, size, height, indent = _STYLE[block.kind]
        self.ln(_SPACE_BEFORE.get(block.kind, 0))
        if block.kind == "heading" and self.will_page_break(height * 4):
            self.add_page()  # a question is not left alone at the foot of a page
        self.set_font("Helvetica", style, size)
        self.set_x(self.l_margin + indent)
        self.multi_cell(
            self.epw - indent,
            height,
            _latin(block.ours + block.theirs),
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )  # a word longer than the line (a long address) is broken between letters

    def table_block(self, table: Table) -> None:
        """A quoted table drawn as one: caption, header row, each row's cells and markers.
        A table the page cannot hold as columns (too many, or a cell too long to fit a row
        on a page) is written a line per row: "header: cell; ... [n]"."""
        style, size, height, indent = _STYLE["table"]
        self.ln(_SPACE_BEFORE["answer"])
        if table.caption:
            self.set_font("Helvetica", "B", size)
            self._line(table.caption, height, indent)
        self.set_font("Helvetica", style, size)
        header = [*table.header, *[""] * (table.width - len(table.header))]
        marked = any(row.markers for row in table.rows)
        rows = [[*r.cells, *[""] * (table.width - len(r.cells))] for r in table.rows]
        fits = (table.width + marked) * _MIN_COLUMN_MM <= self.epw - indent and all(
            len(cell) <= _MAX_CELL for row in rows for cell in row
        )
        if fits:
            try:
                self._grid(header, rows, table, marked, height, indent)
                return
            except (FPDFException, ValueError):  # fpdf2 could not lay it out: as lines
                self.ln(height)
        for row, cells in zip(table.rows, rows, strict=True):
            pairs = [f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=True) if c]
            self._line("; ".join(pairs) + row.markers, height, indent)

    def _grid(
        self,
        header: list[str],
        rows: list[list[str]],
        table: Table,
        marked: bool,
        height: float,
        indent: float,
    ) -> None:
        # Columns as wide as their longest cell, within limits: the text wraps in them.
        widths = [
            min(40.0, max(8.0, *(len(cells[i]) for cells in [header, *rows])))
            for i in range(table.width)
        ]
        widths += [6.0] if marked else []
        with self.table(
            col_widths=widths,
            width=self.epw - indent,
            align="RIGHT",
            line_height=height,
            text_align="LEFT",
            markdown=False,
        ) as grid:
            top = grid.row()
            for cell in [*header, *(["Source"] if marked else [])]:
                top.cell(_latin(cell))
            for row, cells in zip(table.rows, rows, strict=True):
                line = grid.row()
                for cell in [*cells, *([row.markers.strip()] if marked else [])]:
                    line.cell(_latin(cell))

    def _line(self, text: str, height: float, indent: float) -> None:
        self.set_x(self.l_margin + indent)
        self.multi_cell(
            self.epw - indent, height, _latin(text), align="L", new_x="LMARGIN", new_y="NEXT"
        )


def _noted(answer: Answer, citation: Citation) -> str:
    """What sets a citation that a note adds apart from the answer's own support."""
    return " (cited by a note)" if citation in answer.note_citations else ""
