"""Tables in an answer or a passage, told apart from prose so they can be shown as tables.

A table row reaches the index as one line with its cells separated by a tab
(:mod:`ingest.tables`). The extractive answer quotes a table's first row as ``caption /
header / row [n]`` and each further row of the same table as ``row [n]``; a passage holds the
caption, the header and the rows, one per line. :func:`split_tables` turns either into prose
lines and tables. It only reads: the cells are the document's words, shown as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

CELL = "\t"
"""What separates a table row's cells in a document's text (whitespace to the embedding model
and to keyword search; nothing else in cleaned text holds one)."""
CELLS = re.compile(r"\s\|\s|\t")
"""A boundary between two cells of a row: the tab a parsed table holds, or " | " between
cells of a table written with pipes."""
_MARKERS = re.compile(r"((?:\s*\[\d+\])+[.?!]?)\s*$")
QUOTED = "\u2002/\u2002"
"""How a quote joins a table's caption, header row and row on one line: a slash between EN
SPACEs, which no document's text holds (ingestion folds every space to a plain one), so a
slash in a cell ("85% / 80%") is never taken for it."""
_QUOTED_BEFORE = " / "
"""The same, in answers given before (a caption's or a cell's own slash is read as it)."""


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    markers: str = ""
    """The citation markers after the row in an answer (``" [1]"``); empty in a passage."""


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]

    @property
    def width(self) -> int:
        return max([len(self.header), *(len(r.cells) for r in self.rows)])


@dataclass(frozen=True)
class Prose:
    text: str


def split_tables(text: str, *, answer: bool = True) -> list[Prose | Table]:
    """``text`` as runs of prose lines and tables, in order (prose keeps its line breaks).
    ``answer``: an answer's text, whose rows end in citation markers, a table's first row
    quoted with its caption and header; else a passage, a caption line, a header row and
    rows, where a ``[1]`` or a slash in a cell is the document's."""
    parts: list[Prose | Table] = []
    caption = ""
    prose: list[str] = []
    separators = (QUOTED,) if QUOTED in text else (QUOTED, _QUOTED_BEFORE)

    def flush() -> None:
        nonlocal caption, prose
        if caption:
            prose.append(caption)
            caption = ""
        if prose:
            parts.append(Prose("\n".join(prose)))
            prose = []

    for line in text.split("\n"):
        last = parts[-1] if parts and not prose and not caption else None
        if CELL not in line:
            if not answer and not caption and _CAPTION.match(line):
                caption = line  # a passage's caption, before its header row
                continue
            if caption:
                prose.append(caption)
                caption = ""
            prose.append(line)
            continue
        above = last if isinstance(last, Table) else None
        if answer:
            read = _answer_row(line, above, separators)
            if read is None:  # a line with a tab that is no table's row: text as it is
                prose.append(line)
                continue
            table, extends = read
        elif above is not None:
            table, extends = (
                Table(above.caption, above.header, (*above.rows, Row(_cells(line)))),
                True,
            )
        else:
            table, extends = Table(caption, _cells(line), ()), False
            caption = ""
        if extends:
            parts.pop()  # the table above, one row longer
        flush()
        parts.append(table)
    flush()
    return parts or [Prose("")]


def _answer_row(
    line: str, last: Table | None, separators: tuple[str, ...]
) -> tuple[Table, bool] | None:
    """An answer's line with cells: a table's first row (``caption / header / row [n]``),
    or a further row of the table just above it (then True: that table, one row longer);
    None when it is neither."""
    body, markers = _split_markers(line)
    for separator in separators:
        pieces = body.split(separator)
        tabbed = [i for i, piece in enumerate(pieces) if CELL in piece]
        if len(tabbed) >= 2 and tabbed[0] >= 1:
            head = separator.join(pieces[: tabbed[0]])
            header = separator.join(pieces[tabbed[0] : tabbed[1]])
            row = separator.join(pieces[tabbed[1] :])
            return Table(head, _cells(header), (Row(_cells(row), markers),)), False
        if separator == QUOTED and len(pieces) > 1:
            return None  # joined as a first row is, but not one
    if last is not None:
        return Table(last.caption, last.header, (*last.rows, Row(_cells(body), markers))), True
    return None


def markdown_table(table: Table, literal: Callable[[str], str]) -> str:
    """``table`` as a Markdown table, its caption in bold above it and, where its rows carry
    citation markers, a last column of them. ``literal`` makes a text literal for Markdown;
    it must escape the bar, so a cell can neither end early nor add a column."""
    width = table.width
    marked = any(row.markers for row in table.rows)

    def line(cells: Sequence[str], markers: str | None) -> str:
        padded = [*cells, *[""] * (width - len(cells))]
        if markers is not None:
            padded.append(markers.strip())
        return "| " + " | ".join(literal(cell) or " " for cell in padded) + " |"

    lines = [f"**{literal(table.caption)}**", ""] if table.caption else []
    lines.append(line(table.header, "Source" if marked else None))
    lines.append("|" + " --- |" * (width + marked))
    lines += [line(row.cells, row.markers if marked else None) for row in table.rows]
    return "\n".join(lines)


def _split_markers(line: str) -> tuple[str, str]:
    match = _MARKERS.search(line)
    if match is None:
        return line, ""
    return line[: match.start()], match.group(1)


def _cells(row: str) -> tuple[str, ...]:
    return tuple(cell.strip() for cell in row.split(CELL))


_CAPTION = re.compile(r"^\s*(?:table|exhibit|matrix|schedule|chart)\b", re.IGNORECASE)

__all__ = ["CELL", "CELLS", "QUOTED", "Prose", "Row", "Table", "markdown_table", "split_tables"]
