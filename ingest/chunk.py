"""Chunk: ``Section`` list -> ``Chunk`` list.

A chunk never spans two sections. Its size is counted with the embedding model's own
tokenizer, heading path and special tokens included, and never exceeds ``max_tokens``.
Prose is split between sentences (between words only for a sentence longer than a chunk);
tables are split between rows, each piece repeating the table's caption and header row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from app.models import Chunk, Section
from app.sentences import split_sentences

TokenCounter = Callable[[Sequence[str]], list[int]]
"""Counts the tokens of each text, without the model's special tokens."""


@dataclass(frozen=True)
class _Unit:
    text: str
    joiner: str
    """What joins this unit to the one before it in the same chunk."""
    page: int
    label: str
    kind: str
    table_context: str = ""
    """For a table row: the caption and header row to repeat when a piece starts here."""
    starts_table: bool = False


def chunk(
    sections: Sequence[Section],
    count_tokens: TokenCounter,
    *,
    max_tokens: int,
    min_tokens: int = 0,
    special_tokens: int = 2,
    doc_title: str = "",
) -> list[Chunk]:
    """Cut every section into chunks whose embedded text fits ``max_tokens``."""
    chunks: list[Chunk] = []
    for section in sections:
        heading = _heading_text(section, doc_title, count_tokens, max_tokens)
        budget = max_tokens - special_tokens - (count_tokens([heading])[0] if heading else 0)
        units = list(_units(section))
        if not units:
            continue
        tokens = count_tokens([u.text for u in units])
        units, tokens = _split_oversized(units, tokens, budget, count_tokens)
        context_tokens = _context_tokens(units, count_tokens)
        for group in _pack(units, tokens, context_tokens, budget, min_tokens):
            text = _join(group)
            embed_text = f"{heading}\n{text}" if heading else text
            kinds = {u.kind for u in group}
            chunks.append(
                Chunk(
                    ordinal=len(chunks),
                    section_id=section.section_id,
                    section_title=section.title,
                    section_path=section.path,
                    text=text,
                    embed_text=embed_text,
                    token_count=count_tokens([embed_text])[0] + special_tokens,
                    page_start=group[0].page,
                    page_end=group[-1].page,
                    page_label_start=group[0].label,
                    page_label_end=group[-1].label,
                    kind=kinds.pop() if len(kinds) == 1 else "mixed",  # type: ignore[arg-type]
                )
            )
    return chunks


def _heading_text(
    section: Section, doc_title: str, count_tokens: TokenCounter, max_tokens: int
) -> str:
    """The heading path embedded with every chunk; shortened if it would crowd the text out."""
    candidates = [" > ".join(section.path), section.path[-1] if section.path else doc_title]
    limit = max_tokens // 3
    for candidate in candidates:
        if candidate and count_tokens([candidate])[0] <= limit:
            return candidate
    words = (candidates[-1] or "").split()
    while words and count_tokens([" ".join(words)])[0] > limit:
        words = words[: len(words) * 3 // 4]
    return " ".join(words)


def _units(section: Section) -> Iterator[_Unit]:
    first = True
    for block in section.blocks:
        if block.kind == "table":
            rows = block.text.split("\n")
            starts = bool(block.table_context) and block.text.startswith(block.table_context)
            for i, row in enumerate(rows):
                yield _Unit(
                    row,
                    "" if first else "\n",
                    block.page,
                    block.page_label,
                    "table",
                    table_context=block.table_context,
                    starts_table=starts and i < 2,
                )
                first = False
            continue
        for paragraph in block.text.split("\n"):
            for j, sentence in enumerate(split_sentences(paragraph)):
                joiner = "" if first else ("\n" if j == 0 else " ")
                yield _Unit(sentence, joiner, block.page, block.page_label, "text")
                first = False


def _split_oversized(
    units: list[_Unit], tokens: list[int], budget: int, count_tokens: TokenCounter
) -> tuple[list[_Unit], list[int]]:
    """Split any unit longer than a whole chunk between words."""
    if all(t <= budget for t in tokens):
        return units, tokens
    out_units: list[_Unit] = []
    out_tokens: list[int] = []
    for unit, size in zip(units, tokens, strict=True):
        if size <= budget:
            out_units.append(unit)
            out_tokens.append(size)
            continue
        words = unit.text.split(" ")
        word_tokens = count_tokens(words)
        piece: list[str] = []
        piece_tokens = 0
        for word, count in zip(words, word_tokens, strict=True):
            if piece and piece_tokens + count > budget:
                out_units.append(_replace(unit, " ".join(piece), first=not out_units))
                out_tokens.append(piece_tokens)
                piece, piece_tokens = [], 0
            piece.append(word)
            piece_tokens += min(count, budget)
        if piece:
            out_units.append(_replace(unit, " ".join(piece), first=not out_units))
            out_tokens.append(piece_tokens)
    return out_units, out_tokens


def _replace(unit: _Unit, text: str, *, first: bool) -> _Unit:
    return _Unit(
        text,
        unit.joiner if first else " ",
        unit.page,
        unit.label,
        unit.kind,
        unit.table_context,
        unit.starts_table and first,
    )


def _context_tokens(units: list[_Unit], count_tokens: TokenCounter) -> dict[str, int]:
    contexts = sorted({u.table_context for u in units if u.table_context})
    return dict(zip(contexts, count_tokens(contexts), strict=True)) if contexts else {}


def _pack(
    units: list[_Unit],
    tokens: list[int],
    context_tokens: dict[str, int],
    budget: int,
    min_tokens: int,
) -> Iterator[list[_Unit]]:
    """Greedy packing towards equal-sized pieces, so a section does not end in a sliver."""
    remaining = sum(tokens)
    target = remaining / max(1, math.ceil(remaining / budget))
    group: list[_Unit] = []
    size = 0
    for unit, count in zip(units, tokens, strict=True):
        extra = 0
        if not group and unit.table_context and not unit.starts_table:
            extra = context_tokens.get(unit.table_context, 0)
        if group and (size + count > budget or (size >= target and remaining - size >= min_tokens)):
            yield group
            remaining -= size
            group, size = [], 0
            if unit.table_context and not unit.starts_table:
                extra = context_tokens.get(unit.table_context, 0)
        if not group and extra and extra + count <= budget:
            group.append(_Unit(unit.table_context, "", unit.page, unit.label, "table"))
            size += extra
        group.append(unit)
        size += count
    if group:
        yield group


def _join(group: list[_Unit]) -> str:
    return "".join((u.joiner if i else "") + u.text for i, u in enumerate(group)).strip()
