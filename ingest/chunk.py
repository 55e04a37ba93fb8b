"""Chunk: ``Section`` list -> ``Chunk`` list.

A chunk never spans two sections. Its size is counted with the embedding model's own
tokenizer, heading path and special tokens included, and never exceeds ``max_tokens``.
A chunk holds whole paragraphs where they fit: a section is first cut into runs of
paragraphs (a paragraph shorter than ``min_tokens`` or ending in a colon stays with the one
after it, a bulleted item with the one before it; a paragraph that a page break cut is one
paragraph again), and only a run longer than a chunk is split, between sentences (between
words only for a sentence longer than a chunk). Where a chunk ends therefore depends on its own
paragraphs alone, so an edited paragraph changes its own chunk and leaves the rest of the
section's chunks, and their embeddings, as they were. Tables are split between rows, each piece
repeating the table's caption and header row.

Each chunk knows where the numbered paragraphs of its section begin in its text
(:func:`ingest.paragraphs.line_paragraphs`; ``Chunk.paragraphs``), so a citation can name
the one it quotes, and is embedded with the lead-ins of the paragraphs it sits in
(``Chunk.context``: "(2) ... payments that do not:" above "(ii) Allow the consumer to defer
repayment of principal"), in the room its text leaves; its text stays the document's words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from app.models import Chunk, Section
from app.sentences import split_sentences
from ingest.paragraphs import BULLET, Paragraph, example_labels, lead_in, line_paragraphs

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
    last_page: int = 0
    """Where a sentence carried over a page break ends (0: on ``page``)."""
    last_label: str = ""
    paragraph: int = -1
    """The paragraph of the section it belongs to (:func:`ingest.paragraphs.line_paragraphs`);
    -1 when none."""


class _Draft(NamedTuple):
    section: Section
    group: list[_Unit]
    text: str
    marks: tuple[tuple[int, str], ...]
    heading: str
    context: str
    examples: frozenset[str] = frozenset()
    """The section's example paragraphs' labels."""

    @property
    def embed_text(self) -> str:
        return "\n".join(t for t in (self.heading, self.context, self.text) if t)


def chunk(
    sections: Sequence[Section],
    count_tokens: TokenCounter,
    *,
    max_tokens: int,
    min_tokens: int = 40,
    special_tokens: int = 2,
    doc_title: str = "",
    additive: bool = False,
) -> list[Chunk]:
    """Cut every section into chunks whose embedded text fits ``max_tokens``.

    ``additive``: the tokenizer counts texts joined by white space as the sum of their parts
    (``LocalEmbedding.additive_counts``), so chunk sizes are summed, not counted again."""
    count = _Memo(count_tokens)
    outlines = [line_paragraphs(section) for section in sections]
    units_of = [
        list(_units(section, placed))
        for section, (_, placed) in zip(sections, outlines, strict=True)
    ]
    # One batch for every sentence and heading: the tokenizer is fast in bulk, slow per call.
    count(
        [u.text for units in units_of for u in units]
        + [c for section in sections for c in _heading_candidates(section, doc_title)]
    )
    drafts: list[_Draft] = []
    for section, units, (found, _) in zip(sections, units_of, outlines, strict=True):
        if not units:
            continue
        labels = [p.label for p in found]
        examples = example_labels(found)
        heading = _heading_text(section, doc_title, count, max_tokens)
        heading_tokens = count([heading])[0] if heading else 0
        budget = max_tokens - special_tokens - heading_tokens
        tokens = count([u.text for u in units])
        units, tokens = _split_oversized(units, tokens, budget, count)
        context_tokens = _context_tokens(units, count)
        openings = {id(u) for u in {u.paragraph: u for u in reversed(units)}.values()}
        leads: dict[int, str] = {}  # a long paragraph's lead-in, read once for all its chunks
        for run_units, run_tokens in _runs(units, tokens, min_tokens):
            for group in _pack(run_units, run_tokens, context_tokens, budget, min_tokens):
                text, marks = _join(group, labels)
                room = budget - sum(count([u.text for u in group]))
                context = _lead_ins(
                    found, group[0], id(group[0]) not in openings, room, count, leads
                )
                drafts.append(_Draft(section, group, text, marks, heading, context, examples))
    if additive:
        count([u.text for d in drafts for u in d.group])  # pieces split from a unit
        sizes = [
            sum(count([t for t in (d.heading, d.context) if t]))
            + sum(count([u.text for u in d.group]))
            for d in drafts
        ]
    else:
        sizes = count_tokens([d.embed_text for d in drafts])
        over = [i for i, size in enumerate(sizes) if size + special_tokens > max_tokens]
        for i in over:  # a lead-in the sum of its parts undercounted: left out
            drafts[i] = drafts[i]._replace(context="")
            sizes[i] = count_tokens([drafts[i].embed_text])[0]
    chunks: list[Chunk] = []
    for draft, size in zip(drafts, sizes, strict=True):
        section, group = draft.section, draft.group
        kinds = {u.kind for u in group}
        chunks.append(
            Chunk(
                ordinal=len(chunks),
                section_id=section.section_id,
                section_title=section.title,
                section_path=section.path,
                text=draft.text,
                embed_text=draft.embed_text,
                context=draft.context,
                token_count=size + special_tokens,
                page_start=group[0].page,
                page_end=group[-1].last_page or group[-1].page,
                page_label_start=group[0].label,
                page_label_end=group[-1].last_label or group[-1].label,
                kind=kinds.pop() if len(kinds) == 1 else "mixed",  # type: ignore[arg-type]
                paragraphs=draft.marks,
                examples=tuple(label for _, label in draft.marks if label in draft.examples),
            )
        )
    return chunks


_LEAST_CONTEXT = 8
"""Tokens of room a chunk needs left for its lead-ins to be embedded with it."""


def _lead_ins(
    found: Sequence[Paragraph],
    first: _Unit,
    inside: bool,
    room: int,
    count_tokens: TokenCounter,
    leads: dict[int, str],
) -> str:
    """What a chunk is read in: the lead-ins of the paragraphs that enclose its first one
    (and of that paragraph too, when the chunk starts inside it), outermost first, as many
    as fit in ``room`` tokens, the nearest first; one that does not fit loses words from
    its middle, so its opening and the end that introduces the list both stay."""
    if not 0 <= first.paragraph < len(found) or room < _LEAST_CONTEXT:
        return ""
    chain: list[int] = [first.paragraph] if inside else []
    parent = found[first.paragraph].parent
    while parent is not None:
        chain.append(parent)
        parent = found[parent].parent
    for index in chain:
        if index not in leads:
            leads[index] = lead_in(found[index])
    kept: list[str] = []
    left = room - 1
    for text in filter(None, (leads[i] for i in chain)):
        size = count_tokens([text])[0]
        if size > left:
            if shortened := _shortened(text, left, count_tokens):
                kept.append(shortened)
            break
        kept.append(text)
        left -= size + 1
    return "\n".join(reversed(kept))


def _shortened(text: str, limit: int, count_tokens: TokenCounter) -> str:
    """``text`` with words taken out of its middle (an ellipsis in their place) until it fits
    ``limit`` tokens, a third of what is kept from its opening and the rest from its end;
    empty when fewer than four words would be left."""
    words = text.split()
    keep = len(words) - 1
    while keep >= 4:
        head = keep // 3
        candidate = " ".join([*words[:head], "\u2026", *words[len(words) - (keep - head) :]])
        if count_tokens([candidate])[0] <= limit:
            return candidate
        keep -= max(1, keep // 4)
    return ""


class _Memo:
    """A token counter that counts each distinct text once."""

    def __init__(self, count_tokens: TokenCounter) -> None:
        self._count = count_tokens
        self._known: dict[str, int] = {}

    def __call__(self, texts: Sequence[str]) -> list[int]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._known))
        if missing:
            self._known.update(zip(missing, self._count(missing), strict=True))
        return [self._known[t] for t in texts]


def _heading_candidates(section: Section, doc_title: str) -> list[str]:
    """The whole heading path, then the section's own heading (or the document's title)."""
    return [" > ".join(section.path), section.path[-1] if section.path else doc_title]


def _heading_text(
    section: Section, doc_title: str, count_tokens: TokenCounter, max_tokens: int
) -> str:
    """The heading path embedded with every chunk; shortened if it would crowd the text out."""
    candidates = _heading_candidates(section, doc_title)
    limit = max_tokens // 3
    for candidate in candidates:
        if candidate and count_tokens([candidate])[0] <= limit:
            return candidate
    words = (candidates[-1] or "").split()
    while words and count_tokens([" ".join(words)])[0] > limit:
        words = words[: len(words) * 3 // 4]
    return " ".join(words)


def _units(section: Section, placed: Sequence[int]) -> Iterator[_Unit]:
    """The section's sentences (a table's rows), each with the paragraph it is in
    (``placed``: the paragraph of each line, :func:`ingest.paragraphs.line_paragraphs`)."""
    first = True
    line = 0  # the next line of the section, as the paragraph parser counts them

    def take_line() -> int:
        nonlocal line
        line += 1
        return placed[line - 1] if line - 1 < len(placed) else -1

    open_sentence: _Unit | None = None  # the last sentence seen, held back for a page break
    for block in section.blocks:
        if block.kind == "table":
            if open_sentence is not None:
                yield open_sentence
                open_sentence = None
            rows = block.text.split("\n")
            starts = bool(block.table_context) and block.text.startswith(block.table_context)
            paragraph = take_line()
            for i, row in enumerate(rows):
                yield _Unit(
                    row,
                    "" if first else "\n",
                    block.page,
                    block.page_label,
                    "table",
                    table_context=block.table_context,
                    starts_table=starts and i < 2,
                    paragraph=paragraph,
                )
                first = False
            continue
        paragraphs = block.text.split("\n")
        if block.continues and open_sentence is not None:
            # The page before ended inside a paragraph: its first line goes on it, and a
            # sentence cut by the page break is put back together.
            carried, open_sentence = open_sentence, None
            paragraph = take_line() if paragraphs[0].strip() else carried.paragraph
            head = split_sentences(f"{carried.text} {paragraphs[0]}")
            spans = head[0] != carried.text
            pieces = [
                _Unit(
                    head[0],
                    carried.joiner,
                    carried.page,
                    carried.label,
                    "text",
                    last_page=block.page if spans else carried.last_page,
                    last_label=block.page_label if spans else carried.last_label,
                    paragraph=carried.paragraph,
                ),
                *(
                    _Unit(s, " ", block.page, block.page_label, "text", paragraph=paragraph)
                    for s in head[1:]
                ),
            ]
            yield from pieces[:-1]
            open_sentence = pieces[-1]
            paragraphs = paragraphs[1:]
        elif open_sentence is not None:
            yield open_sentence
            open_sentence = None
        for text in paragraphs:
            paragraph = take_line() if text.strip() else -1
            for j, sentence in enumerate(split_sentences(text)):
                if open_sentence is not None:
                    yield open_sentence
                joiner = "" if first else ("\n" if j == 0 else " ")
                open_sentence = _Unit(
                    sentence, joiner, block.page, block.page_label, "text", paragraph=paragraph
                )
                first = False
    if open_sentence is not None:
        yield open_sentence


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
        first = True
        for word, count in zip(words, word_tokens, strict=True):
            if piece and piece_tokens + count > budget:
                out_units.append(_replace(unit, " ".join(piece), first=first))
                out_tokens.append(piece_tokens)
                piece, piece_tokens, first = [], 0, False
            piece.append(word)
            piece_tokens += min(count, budget)
        if piece:
            out_units.append(_replace(unit, " ".join(piece), first=first))
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
        paragraph=unit.paragraph,
    )


def _context_tokens(units: list[_Unit], count_tokens: TokenCounter) -> dict[str, int]:
    contexts = sorted({u.table_context for u in units if u.table_context})
    return dict(zip(contexts, count_tokens(contexts), strict=True)) if contexts else {}


def _runs(
    units: list[_Unit], tokens: list[int], attach_tokens: int
) -> Iterator[tuple[list[_Unit], list[int]]]:
    """The section's paragraphs, cut where one ends that can stand on its own.

    A paragraph begins at a line break (a table, all its rows, is one paragraph). It stays with
    the next when it is shorter than ``attach_tokens``, ends in a colon (a lead-in to what
    follows) or is a table (the paragraph after a table is its notes), and a bulleted item
    stays with what comes before it (its lead-in and the items before it); a short last run
    joins the one before it. Each decision reads the two paragraphs on either side of it.
    """
    paragraphs: list[tuple[int, int]] = []  # (first unit, end) of each paragraph
    for i, unit in enumerate(units):
        starts = i == 0 or (
            unit.joiner == "\n" and not (unit.kind == "table" and units[i - 1].kind == "table")
        )
        if starts:
            paragraphs.append((i, i + 1))
        else:
            paragraphs[-1] = (paragraphs[-1][0], i + 1)
    runs: list[tuple[int, int]] = []
    start = 0
    for (first, end), following in zip(paragraphs, [*paragraphs[1:], None], strict=True):
        size = sum(tokens[first:end])
        if (
            size >= attach_tokens
            and not units[end - 1].text.rstrip().endswith(":")
            and not (
                following and units[following[0]].kind == "text" and _bulleted(units, following)
            )
            # a table's notes (the paragraph just after it) are read with it
            and not (
                following and units[end - 1].kind == "table" and units[following[0]].kind == "text"
            )
        ):
            runs.append((start, end))
            start = end
    if start < len(units):
        if runs and sum(tokens[start:]) < attach_tokens:
            runs[-1] = (runs[-1][0], len(units))
        else:
            runs.append((start, len(units)))
    for first, end in runs:
        yield units[first:end], tokens[first:end]


def _bulleted(units: list[_Unit], paragraph: tuple[int, int]) -> bool:
    return bool(BULLET.match(units[paragraph[0]].text))


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
    last_count = 0
    for unit, count in zip(units, tokens, strict=True):
        extra = 0
        if not group and unit.table_context and not unit.starts_table:
            extra = context_tokens.get(unit.table_context, 0)
        if group and (size + count > budget or (size >= target and remaining - size >= min_tokens)):
            # An item's number on a line of its own goes with its text into the next piece.
            bare = len(group) > 1 and _bare(group[-1]) and last_count + count <= budget
            carried = group.pop() if bare else None
            carried_count = last_count if carried is not None else 0
            yield group
            remaining -= size - carried_count
            group, size = ([carried], carried_count) if carried is not None else ([], 0)
            if unit.table_context and not unit.starts_table:
                extra = context_tokens.get(unit.table_context, 0)
        if not group and extra and extra + count <= budget:
            group.append(
                _Unit(
                    unit.table_context, "", unit.page, unit.label, "table", paragraph=unit.paragraph
                )
            )
            size += extra
        group.append(unit)
        size += count
        last_count = count
    if group:
        yield group


_BARE_MARKER = re.compile(r"^(?:\([A-Za-z0-9]{1,4}\)|[A-Za-z0-9]{1,4}[.)])$")


def _bare(unit: _Unit) -> bool:
    """A numbered item's marker on a line of its own ("5."): its text follows on the next."""
    return unit.kind == "text" and bool(_BARE_MARKER.match(unit.text.strip()))


def _join(group: list[_Unit], labels: Sequence[str]) -> tuple[str, tuple[tuple[int, str], ...]]:
    """The chunk's text, and where in it each paragraph begins: ``(offset, label)`` at every
    change of label (none when no unit is in a labelled paragraph)."""
    parts: list[str] = []
    marks: list[tuple[int, str]] = []
    offset = 0
    for i, unit in enumerate(group):
        joiner = unit.joiner if i else ""
        label = labels[unit.paragraph] if 0 <= unit.paragraph < len(labels) else ""
        start = offset + len(joiner)
        if not marks or marks[-1][1] != label:
            marks.append((start, label))
        parts.append(joiner + unit.text)
        offset = start + len(unit.text)
    raw = "".join(parts)
    text = raw.strip()
    lead = len(raw) - len(raw.lstrip())
    if not any(label for _, label in marks):
        return text, ()
    shifted = [(max(0, start - lead), label) for start, label in marks]
    # Two marks at one offset (a unit stripped to nothing): the later one holds.
    kept = {start: label for start, label in shifted}
    return text, tuple(sorted(kept.items()))
