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
_MARKERS = re.compile(r"((?:\s*\[\d+\])+)\s*$")
_QUOTED = " / "
"""How a quote joins a table's caption, header row and row on one line."""


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
    ``answer``: an answer's text, whose rows end in citation markers and whose first row of
    a table carries its caption and header; else a passage, where a ``[1]`` or a `` / `` in a
    cell is the document's."""
    parts: list[Prose | Table] = []
    caption = ""
    prose: list[str] = []
    for line in text.split("\n"):
        last = parts[-1] if parts and not prose else None
        if CELL not in line:
            if line.strip() and _is_caption_for_next(line) and caption == "":
                caption = line  # a passage's caption line, before its header row
                continue
            if caption:
                prose.append(caption)
                caption = ""
            prose.append(line)
            continue
        body, markers = _split_markers(line) if answer else (line, "")
        pieces = body.split(_QUOTED) if answer else [body]
        tabbed = [i for i, piece in enumerate(pieces) if CELL in piece]
        if len(tabbed) >= 2 and tabbed[0] <= 1:
            # An answer's first row of a table: caption / header / row.
            head = _QUOTED.join(pieces[: tabbed[0]])
            header = _QUOTED.join(pieces[tabbed[0] : tabbed[1]])
            row = _QUOTED.join(pieces[tabbed[1] :])
            table = Table(head, _cells(header), (Row(_cells(row), markers),))
        elif isinstance(last, Table) and not caption:
            table = Table(last.caption, last.header, (*last.rows, Row(_cells(body), markers)))
            parts.pop()
        else:
            # A passage's header row (after its caption, when it has one).
            table = Table(caption, _cells(body), ())
        if prose:
            parts.append(Prose("\n".join(prose)))
            prose = []
        caption = ""
        parts.append(table)
    if caption:
        prose.append(caption)
    if prose:
        parts.append(Prose("\n".join(prose)))
    return parts


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
    lines.append(line(table.header, "" if marked else None))
    lines.append("|" + " --- |" * (width + marked))
    lines += [line(row.cells, row.markers if marked else None) for row in table.rows]
    return "\n".join(lines)


def _is_caption_for_next(line: str) -> bool:
    return bool(re.match(r"^\s*(?:table|exhibit|matrix|schedule|chart)\b", line, re.I))


def _split_markers(line: str) -> tuple[str, str]:
    match = _MARKERS.search(line)
    if match is None:
        return line, ""
    return line[: match.start()], match.group(1)


def _cells(row: str) -> tuple[str, ...]:
    return tuple(cell.strip() for cell in row.split(CELL))


__all__ = ["CELL", "Prose", "Row", "Table", "markdown_table", "split_tables"]
