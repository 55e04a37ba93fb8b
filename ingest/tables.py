"""Tables in a PDF: each row one line, its cells apart.

Plain text extraction runs a table's cells together, one space apart, and gives a cell
wrapped over several lines as lines of their own, so "Consumer applications, including
denied, withdrawn and" / "25 months after ..." / "incomplete applications" can no longer be
told apart. For a page with a table caption ("Table 2: ..."), the page is read again with its
layout (pypdf's layout mode sets each piece of text at its column), and the table's lines are
rebuilt: one line per row, the cells separated by a tab, a wrapped cell joined up. A table
that runs onto the next page carries its columns there.

Nothing is guessed: when the rebuilt rows do not hold exactly the words of the lines they
replace, the page keeps its plain lines.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.tabular import CELL
from ingest.clean import keeps_hyphen, normalize
from ingest.sections import CAPTION

log = logging.getLogger(__name__)

_GAP = re.compile(r"\S+(?: {1,2}\S+)*")
"""A run of text with at most two spaces between its words: one cell's part of a line
(layout mode sets cells at least three spaces apart)."""
_SLACK = 2
"""Characters a cell may start off its column (right-aligned figures, centred headers)."""


@dataclass(frozen=True)
class Columns:
    """Where a table's columns start on the page (characters from the left edge)."""

    starts: tuple[int, ...]


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Row:
    pieces: tuple[_Piece, ...]
    after_gap: bool
    """A blank line stands above it: the rows are set apart by space."""


def rebuild(
    lines: Sequence[str],
    layout: str,
    *,
    skip: Counter[str],
    headings: frozenset[str] = frozenset(),
    carried: Columns | None = None,
) -> tuple[list[str], Columns | None]:
    """The page's cleaned ``lines`` with each table's rows one line, cells apart.

    ``layout``: the page read with its layout; ``skip``: the lines dropped from the page as
    running headers and footers; ``headings``: lines set in bold or larger type (a heading
    ends a table); ``carried``: the columns of a table the page before ended in. Returns the
    lines and the columns of a table this page ends in (None when it ends in none)."""
    rows = _layout_lines(layout, skip)
    out = list(lines)
    open_columns: Columns | None = None
    index = 0  # in rows
    at = 0  # in out
    if carried is not None and rows:
        # The layout's character grid is set per page: a first line with a piece for every
        # column (the header repeated, or a full row) places the columns on this page.
        if len(rows[0].pieces) == len(carried.starts):
            carried = Columns(tuple(p.start for p in rows[0].pieces))
        end = _region(rows, 0, carried, headings, header=False)
        out, at, ok = _replace(out, at, rows[0:end], carried, None, headings)
        if ok:
            index = end
            open_columns = carried if end == len(rows) else None
    while index < len(rows):
        text = _joined(rows[index])
        if not CAPTION.match(text) or index + 1 >= len(rows):
            index += 1
            continue
        header = rows[index + 1]
        columns = Columns(tuple(p.start for p in header.pieces))
        end = _region(rows, index + 1, columns, headings, header=True)
        if end > index + 2:
            out, at, ok = _replace(out, at, rows[index + 1 : end], columns, text, headings)
            open_columns = columns if ok and end == len(rows) else None
        index = max(end, index + 1)
    return out, open_columns


def _layout_lines(layout: str, skip: Counter[str]) -> list[_Row]:
    """The layout's lines of text as pieces, running headers and footers left out."""
    skipped = Counter(skip)
    rows: list[_Row] = []
    gap = False
    for raw in layout.splitlines():
        text = normalize(raw)
        if not text:
            gap = True
            continue
        if skipped[text] > 0:
            skipped[text] -= 1
            gap = False
            continue
        pieces = tuple(_Piece(m.start(), m.end(), normalize(m.group())) for m in _GAP.finditer(raw))
        rows.append(_Row(pieces, gap))
        gap = False
    return rows


def _joined(row: _Row) -> str:
    return " ".join(p.text for p in row.pieces)


def _region(
    rows: Sequence[_Row], start: int, columns: Columns, headings: frozenset[str], *, header: bool
) -> int:
    """Where the table that starts at ``rows[start]`` ends: at a caption, a heading (below
    the header row), or a line that is not laid out in the table's columns."""
    first = columns.starts[0]
    second = columns.starts[1] if len(columns.starts) > 1 else None
    end = start
    while end < len(rows):
        row = rows[end]
        text = _joined(row)
        lone = len(row.pieces) == 1 and abs(row.pieces[0].start - first) <= _SLACK
        if end > start and (CAPTION.match(text) or (lone and text in headings)):
            break  # the next table, or a heading (a header row may be bold too)
        if end == start and header:
            end += 1
            continue
        if second is None:
            break
        if not any(abs(row.pieces[0].start - c) <= _SLACK for c in columns.starts):
            break  # a line that does not start at a column: not the table's
        if lone and (row.pieces[0].end > second or (row.after_gap and end > start + 1)):
            break  # runs across the columns (prose), or stands apart at the left: a note
        end += 1
    return end


def _bold(row: _Row, headings: frozenset[str]) -> bool:
    return all(p.text in headings for p in row.pieces)


def _column_of(position: int, columns: Columns) -> int | None:
    """The column a piece starting at ``position`` is in: the last one starting at or before
    it (with some slack); None when it starts left of the first column."""
    found = None
    for i, start in enumerate(columns.starts):
        if position + _SLACK >= start:
            found = i
    return found


def _replace(
    out: list[str],
    at: int,
    rows: Sequence[_Row],
    columns: Columns,
    caption: str | None,
    headings: frozenset[str],
) -> tuple[list[str], int, bool]:
    """``out`` with the plain lines of the table (from its caption, or from ``at``) replaced by
    its rows; where the next search may start; whether they were replaced."""
    built = _rows(rows, columns, headings, header=caption is not None)
    if built is None:
        return out, at, False
    begin = at
    if caption is not None:
        try:
            begin = out.index(caption, at)
        except ValueError:
            return out, at, False
        begin += 1
    wanted = _words(built)
    stop = begin
    have: list[str] = []
    while stop < len(out) and len(_words(have)) < len(wanted):
        have.append(out[stop])
        stop += 1
    if Counter(_words(have)) != Counter(wanted):
        log.debug("table at line %d: the rebuilt rows do not hold the page's words", begin)
        return out, at, False
    return [*out[:begin], *built, *out[stop:]], begin + len(built), True


def _words(lines: Sequence[str]) -> list[str]:
    """The words of ``lines``, a word broken with a hyphen at a line end whole, hyphens left
    out (a rebuilt cell joins what a line end broke)."""
    words: list[str] = []
    carry = ""
    for token in (t for line in lines for t in line.split()):
        if token.endswith("-") and len(token) > 1:
            carry += token
            continue
        words.append((carry + token).replace("-", ""))
        carry = ""
    if carry:
        words.append(carry.replace("-", ""))
    return words


def _rows(
    rows: Sequence[_Row], columns: Columns, headings: frozenset[str], *, header: bool
) -> list[str] | None:
    """Each table row one line, cells joined by :data:`CELL`; None when the lines cannot be
    told into rows for certain (then the plain lines stay).

    Rows set apart by space are read gap to gap (a cell may be centred beside a wrapped one).
    Tight rows are read only when each row starts with its first cell: a line that carries on
    in lower case is the row above wrapped; a line with no first cell, or with nothing but one,
    could belong above or below."""
    width = len(columns.starts)
    placed: list[tuple[_Row, dict[int, str]]] = []
    for row in rows:
        cells: dict[int, str] = {}
        for piece in row.pieces:
            column = _column_of(piece.start, columns)
            if column is None or column in cells or (cells and column < max(cells)):
                return None
            if column + 1 < width and piece.end > columns.starts[column + 1] + _SLACK:
                return None  # runs into the next column: cells not set apart
            cells[column] = piece.text
        placed.append((row, cells))
    heads = 0
    if header and placed:
        # The header row: its first line, and the lines after it set in bold as it is, or
        # (below a header cell wrapped on its own) without a first cell.
        heads = 1
        bold = _bold(placed[0][0], headings)
        while heads < len(placed):
            if bold and _bold(placed[heads][0], headings):
                heads += 1
                continue
            # Lines with no first cell, then a gap: header cells wrapped, the rows below.
            j = heads
            while j < len(placed) and 0 not in placed[j][1] and not placed[j][0].after_gap:
                j += 1
            if j == heads or j == len(placed) or not placed[j][0].after_gap:
                break
            heads = j
    body = placed[heads:]
    groups: list[list[dict[int, str]]] = [[cells for _, cells in placed[:heads]]] if heads else []
    runs: list[list[tuple[_Row, dict[int, str]]]] = []
    for row, cells in body:
        if not runs or row.after_gap:
            runs.append([])
        runs[-1].append((row, cells))
    spaced = (
        bool(runs)
        and (len(runs) >= 2 or body[0][0].after_gap)
        and all(sum(_opens(c) for _, c in run) <= 1 for run in runs)
    )
    if spaced:
        groups += [[cells for _, cells in run] for run in runs]
    else:
        for _, cells in body:
            if _opens(cells) and len(cells) > 1:
                groups.append([cells])
            elif 0 in cells and not _opens(cells) and groups and (len(groups) > 1 or not heads):
                groups[-1].append(cells)  # the row above, wrapped
            else:
                return None
    lines = []
    for group in groups:
        merged = [_wrapped([c[i] for c in group if i in c]) for i in range(width)]
        while merged and not merged[-1]:
            merged.pop()
        lines.append(CELL.join(merged))
    return lines


def _opens(cells: dict[int, str]) -> bool:
    """A line that opens a row: its first cell does not carry on in lower case."""
    return 0 in cells and not cells[0][:1].islower()


def _wrapped(parts: Sequence[str]) -> str:
    """A cell's lines joined up; a word broken with a hyphen at a line end is one word again
    (the hyphen kept after a prefix that takes one: "self-" / "employed")."""
    text = ""
    for part in parts:
        broken = re.search(r"([A-Za-z]+)-$", text)
        if broken and part[:1].islower() and not text.endswith(" -"):
            text = text + part if keeps_hyphen(broken.group(1)) else text[:-1] + part
        else:
            text = f"{text} {part}" if text else part
    return text


__all__ = ["Columns", "rebuild"]
