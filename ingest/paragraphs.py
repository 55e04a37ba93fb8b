"""Paragraphs: ``Section`` -> the tree of its numbered, lettered and bulleted paragraphs.

Policy and legal text is an outline: ``(a)(1)(i)(A)(1)`` in regulations and statutes,
``1.`` / ``i.`` / ``A.`` in official commentary, ``I.A.2.a`` in appendices, ``1.2.3`` and
``B3-3.1-09`` items, numbered, lettered and bulleted lists in guides. A marker counts only at
the start of a line, so an inline reference ("paragraph (e)(2) of this section",
"§ 1026.32(b)(1)") is text. A marker opens a paragraph when it continues a sequence that is
open (``(B)`` after ``(A)``, at whatever depth) or starts one (``(1)``, ``a.``, ``i.``) under
the paragraph before it. Ambiguous markers (``(i)``, ``(v)``, ``(x)``: a roman numeral or a
letter) are read the way the markers that follow continue (``(ii)`` or ``(j)``). Unmarked text
sits beside the list it follows; a line that ends with a colon, or a short heading-like line,
is the parent of a list that starts right after it.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from app.models import Block, Section
from app.sentences import split_sentences

_PAREN_RUN = re.compile(r"^((?:\((?:[a-z]{1,4}|[A-Z]{1,4}|\d{1,3})\))+)(?=\s|$)\s*")
_PAREN = re.compile(r"\(([A-Za-z]{1,4}|\d{1,3})\)")
_PLAIN = re.compile(r"^(\d{1,3}|([A-Za-z])\2{0,2}|[ivxlIVXL]{2,7})([.)])(?=\s|$)\s*")
_DECIMAL = re.compile(r"^(\d{1,3}(?:\.\d{1,3})+)\.?\s+(?=[A-Z(\"'\u201c])")
_GUIDE_ID = re.compile(
    r"^((?:[A-Z]{1,2}\d{1,2}|[A-Z]{2,4})(?:-\d{1,4}(?:\.\d{1,3})*)+)\.?\s+(?=[A-Z(\"'\u201c])"
)
# A bulleted list item's mark (a Word sub-bullet is a letter o).
BULLET = re.compile(r"^([-*\u2022\u25aa\u25cf\u25e6\u25a0\u25a1\u2013\u00a8o])\s+")
_ROMAN = re.compile(r"^(?=[ivxl]+$)l?x{0,3}(ix|iv|v?i{0,3})$")
# A line that runs on from a wrapped cross reference: "... under paragraph" / "(f) of this
# section", "(A) and (B)".
_REFERENCE_WORDS = re.compile(r"^(?:of|through|and|or|above|below|to\s+(?:this|that))\b|^[,;)]")
_REFERENCE_END = re.compile(
    r"(?:\b(?:paragraphs?|sections?|subsections?|subparagraphs?|clauses?|comments?|"
    r"in|under|see)|\u00a7+)$",
    re.IGNORECASE,
)
_LAST_BUT_ONE = re.compile(r"[;,]\s*(?:and|or)$|\b(?:and|or)$")
_TAIL = 64
"""Characters at a line's end that the two patterns above need (their matches are short, so
one that started this far back could not reach the end): searched, not the whole line."""
_TERMINAL = (".", ":", ";", "?", "!", ")", '"', "'", "\u201d")
_LOOKAHEAD = 80
"""Lines searched ahead for the marker that settles an ambiguous one."""
_KEPT_CHARS = 4_000_000
"""Text of the sections whose paragraphs are kept once read: a 1,000-page guide (a long
guide's sections hold about 3,000 characters a page)."""


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a section, in document order: a numbered, lettered or bulleted item
    with its own text (not its sub-paragraphs'), or a piece of unmarked text (a lead-in
    sentence, a note, a table)."""

    index: int
    parent: int | None
    """The enclosing paragraph's index; ``None`` at the top of the section."""
    depth: int
    marker: str
    """The marker as printed (``(B)``, ``3.``, ``1.2.3``, a bullet); empty for unmarked text."""
    label: str
    """Where the paragraph is within its section, as it is cited: ``(e)(2)(i)(B)``,
    ``item 3``, ``item 3(b)``, ``I.A.2.a``, ``1.2.3``. Bullets and unmarked text carry their
    enclosing paragraph's label; empty at the top of the section."""
    name: str
    """The paragraph's own part of its label (``(B)``, ``3``, ``1.2.3``), for a range; empty
    for bullets and unmarked text."""
    blocks: tuple[Block, ...]
    """Its own text, one block per page (a table is one block)."""

    @property
    def marked(self) -> bool:
        return bool(self.marker)

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


def paragraphs(section: Section) -> list[Paragraph]:
    """The paragraphs of ``section`` in document order, each knowing its parent."""
    return list(_parsed(section)[0])


def line_paragraphs(section: Section) -> tuple[list[Paragraph], list[int]]:
    """The paragraphs of ``section``, and for each line of its text (each non-blank line of
    a text block, in order; a table block counts as one line) the index of the paragraph
    that holds it."""
    found, placed = _parsed(section)
    return list(found), list(placed)


_Outline = tuple[tuple[Paragraph, ...], tuple[int, ...]]
_kept: OrderedDict[Section, tuple[_Outline, int]] = OrderedDict()
_kept_chars = 0
_kept_lock = threading.Lock()


def _parsed(section: Section) -> _Outline:
    """The section's paragraphs and line placement, kept for the sections read last (up to
    :data:`_KEPT_CHARS` characters of text): ingestion reads a section twice, to chunk it
    and to diff it against the version before, and the second time is free."""
    global _kept_chars
    with _kept_lock:
        found = _kept.get(section)
        if found is not None:
            _kept.move_to_end(section)
            return found[0]
    parser = _Parser(section)
    outline = (tuple(parser.parse()), tuple(parser.placed))
    size = sum(len(b.text) for b in section.blocks)
    if size <= _KEPT_CHARS:
        with _kept_lock:
            if section not in _kept:
                _kept[section] = (outline, size)
                _kept_chars += size
            while _kept_chars > _KEPT_CHARS:
                _, (_, dropped) = _kept.popitem(last=False)
                _kept_chars -= dropped
    return outline


def forget_parsed() -> None:
    """Drop the paragraphs kept (what a new process starts with); ingestion does when it is
    done with a batch, so nothing is held between uploads."""
    global _kept_chars
    with _kept_lock:
        _kept.clear()
        _kept_chars = 0


def lead_in(paragraph: Paragraph) -> str:
    """The words of a paragraph that its sub-paragraphs depend on: its text up to the first
    sentence end (or a colon after the first few words), and, when it ends by introducing a
    list with a colon, that last sentence too (``"... that do not:"``). Empty for a table."""
    if not paragraph.blocks or all(b.kind == "table" for b in paragraph.blocks):
        return ""
    text = " ".join(paragraph.text.split())
    marker = paragraph.marker if text.startswith(paragraph.marker) else ""
    body = text[len(marker) :].strip()
    sentences = split_sentences(body)
    if not sentences:
        return marker
    first = sentences[0]
    colon = first.find(": ")
    if colon >= 0 and len(first[:colon].split()) >= 3:
        first = first[: colon + 1]
    parts = [first]
    last = sentences[-1]
    if len(sentences) > 1 and last.endswith(":") and last not in first:
        parts.append(last)
    return " ".join(filter(None, [marker, " \u2026 ".join(parts)]))


_EXAMPLES = re.compile(
    r"^(?:worked\s+|illustrative\s+)?(?:examples?|illustrations?)"
    r"(?:\.$|\s+of\s|\s+\(?(?:\d{1,3}|[A-Za-z]|[ivxIVX]{1,4})[.):]*(?:\s|$))",
    re.IGNORECASE,
)
"""A paragraph that opens with these words is the heading of examples ("3. Examples.",
"Example 2.", "(iii) Examples of uses of medical information inconsistent with the
exception."); "Example Bank requires ..." names a bank."""
_KINDS_OF = re.compile(r"^examples\s+of\s", re.IGNORECASE)
"""The title of a list of what a rule covers ("Examples of the types of information ..."),
when the paragraph goes on to introduce it with a colon."""
_TITLE_LIKE = re.compile(
    r"^(?!.*:)(?!.*\b(?:include|includes|including|are|is|may|must|acceptable|unacceptable"
    r"|eligible|ineligible|required|prohibited|permitted|allowed|approved)\b)"
    r"(?:\S+\s+){0,15}\S*\.$",
    re.IGNORECASE,
)
"""A heading, not a sentence of rule: short, ending in a full stop, without the verb of a
list of what counts ("Examples of acceptable documents include:", "Examples of ineligible
properties." are rule text)."""


def example_labels(found: Sequence[Paragraph]) -> frozenset[str]:
    """The labels of the paragraphs of a section that are examples: a marked paragraph whose
    own text opens with a heading "Example(s) ..." or "Illustration(s) ..." after its marker,
    and every paragraph under it. They apply a rule to a made-up case: they are read, and
    never quoted as the rule."""
    heads: set[int] = set()
    kinds: set[int] = set()
    for p in found:
        if not p.marked or not p.blocks:
            continue
        text = " ".join(p.text.split())
        body = text[len(p.marker) :].lstrip() if text.startswith(p.marker) else text
        title = (split_sentences(body) or [""])[0]
        if _EXAMPLES.match(title) and _TITLE_LIKE.match(title):
            # "(i) Examples of the types of information routinely used ... Paragraph
            # (d)(1)(i) permits a creditor to obtain and use information about:" and its
            # items: a list of what the rule covers, not a made-up case.
            listed = body != title and body.endswith(":") and _KINDS_OF.match(title)
            (kinds if listed else heads).add(p.index)
    labels: set[str] = set()
    ruled: set[str] = set()
    for p in found:
        index: int | None = p.index
        while index is not None and index not in heads and index not in kinds:
            index = found[index].parent
        (labels if index is not None and index in heads else ruled).add(p.label)
    # A label a paragraph of rule text also bears (a second list numbered again) is not
    # known to be an example.
    return frozenset(labels - ruled - {""})


# --- the parser ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    text: str
    block: Block
    table: bool = False


@dataclass(frozen=True)
class _Marker:
    """One marker at a line start with its possible readings: ``(style, value)`` pairs, a
    style being the punctuation and the kind of numbering (``(a``, ``(i``, ``.1``, ``)A``)."""

    printed: str
    name: str
    readings: tuple[tuple[str, int], ...]


@dataclass
class _Level:
    style: str
    value: int
    index: int
    """The paragraph at this level."""
    marked: bool
    key: str = ""
    """For decimal and guide ids: the id (they nest by their numbers)."""
    last: bool = False
    """The item before this one ended with "and" / "or": this is the list's last item, so a
    marker that could continue it more likely continues an outer list."""


@dataclass
class _Draft:
    parent: int | None
    depth: int
    marker: str
    label: str
    name: str
    blocks: list[Block]
    table: bool = False
    titled: bool = False
    """A numbered title that took the text below it ("(4) Income verification")."""


class _Parser:
    def __init__(self, section: Section) -> None:
        self.lines: list[_Line] = []
        for block in section.blocks:
            if block.kind == "table":
                self.lines.append(_Line(block.text, block, table=True))
                continue
            for text in block.text.split("\n"):
                if text.strip():
                    self.lines.append(_Line(text.strip(), block))
        self.markers = [None if line.table else _markers(line.text) for line in self.lines]
        self.drafts: list[_Draft] = []
        self.stack: list[_Level] = []
        self.placed: list[int] = []
        """For each line: the paragraph it went into (a line always goes into the last one)."""

    def parse(self) -> list[Paragraph]:
        for position, line in enumerate(self.lines):
            found = self.markers[position]
            if found is None or not self._open(position, found):
                self._unmarked(line, position, rejected=found is not None)
            self.placed.append(len(self.drafts) - 1)
        return [
            Paragraph(
                index=i,
                parent=d.parent,
                depth=d.depth,
                marker=d.marker,
                label=d.label,
                name=d.name,
                blocks=tuple(d.blocks),
            )
            for i, d in enumerate(self.drafts)
        ]

    # A marked line -------------------------------------------------------------------------

    def _open(self, position: int, found: tuple[list[_Marker], str]) -> bool:
        """Open the paragraphs a line's markers start; False when they are not markers here."""
        markers, rest = found
        line = self.lines[position]
        previous = self._previous_text()
        first = markers[0]
        if first.printed.startswith("("):
            if _REFERENCE_WORDS.match(rest) or (
                previous and _REFERENCE_END.search(previous[-_TAIL:])
            ):
                return False
            if len(markers) > 1 and rest[:1].islower():
                return False
        placements: list[tuple[int, str, int]] = []
        stack = list(self.stack)
        for k, marker in enumerate(markers):
            placed = self._place(marker, stack, position, wrapped=_mid_sentence(previous))
            if placed is None:
                return False
            depth, style, value = placed
            placements.append(placed)
            del stack[depth:]
            stack.append(_Level(style, value, -1 - k, marked=True, key=marker.name))
        ends_list = bool(_LAST_BUT_ONE.search(previous[-_TAIL:]))
        for k, (marker, (depth, style, value)) in enumerate(zip(markers, placements, strict=True)):
            continues = depth < len(self.stack) and self.stack[depth].style == style
            del self.stack[depth:]
            parent = self.stack[-1].index if self.stack else None
            last = k == len(markers) - 1
            if len(markers) == 1:
                text = line.text  # the document's own words, spacing and all
            else:
                text = (marker.printed + (" " + rest if rest else "")) if last else marker.printed
            name = _name(style, marker.name)
            label = _join_label(self._marked_label(parent), style, name)
            self.drafts.append(
                _Draft(
                    parent=parent,
                    depth=self._depth(parent),
                    marker=marker.printed,
                    label=label,
                    name=name if not style.startswith("bullet") else "",
                    blocks=[_piece(line.block, text)],
                )
            )
            self.stack.append(
                _Level(
                    style,
                    value,
                    len(self.drafts) - 1,
                    marked=True,
                    key=marker.name,
                    last=continues and ends_list and k == 0,
                )
            )
        return True

    def _place(
        self, marker: _Marker, stack: list[_Level], position: int, *, wrapped: bool
    ) -> tuple[int, str, int] | None:
        """Where a marker goes: ``(stack depth, style, value)``, or None when it is text."""
        style0 = marker.readings[0][0]
        if style0 in ("decimal", "guide"):
            return self._place_id(marker, stack, style0, wrapped=wrapped)
        if style0.startswith("bullet"):
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth].style == style0:
                    return depth, style0, 0
            return len(stack), style0, 0
        continuing: list[tuple[int, str, int]] = []
        opening: list[tuple[int, str, int]] = []
        started = any(level.marked for level in stack)
        for style, value in marker.readings:
            # The innermost open list it continues; an outer one when that list has had its
            # last item ("(1) ...; and" / "(2) ..." / "(3) Limits on ..." is (e)(3)).
            matches = [
                depth
                for depth in range(len(stack) - 1, -1, -1)
                if stack[depth].style == style and stack[depth].value + 1 == value
            ]
            if matches:
                open_ = [d for d in matches if not stack[d].last]
                continuing.append((open_[0] if open_ else matches[0], style, value))
            if value == 1 or not started:
                # A sequence that starts again at the same style is a new list beside the old.
                same = bool(stack) and stack[-1].style == style
                depth = len(stack) - 1 if same else len(stack)
                if not same and value == 1 and style[0] in ".)":
                    # "1." under an item of a "1." list (commentary numbers 1., i., A.; a
                    # heading the page lost stood between): beside that list, not inside it.
                    outer = [d for d, level in enumerate(stack) if level.style == style]
                    depth = outer[0] if outer else depth
                opening.append((depth, style, value))
        if wrapped and not style0.startswith("("):
            opening = []  # "1." after a sentence that wrapped is a number, not an item
        options = continuing + opening
        if not options:
            return None
        styles = {style for _, style, _ in options}
        if len(styles) > 1:
            settled = self._settle(options, position)
            if settled is not None:
                return settled
        if continuing:
            return max(continuing, key=lambda o: o[0])  # the innermost open sequence
        return min(opening, key=lambda o: o[2])  # a first value over a later one

    def _settle(
        self, options: list[tuple[int, str, int]], position: int
    ) -> tuple[int, str, int] | None:
        """The reading whose next marker (``(ii)`` after ``(i)``, ``(j)`` after ``(i)``)
        comes first in the lines that follow."""
        wanted = {(style, value + 1): option for option in options for _, style, value in [option]}
        end = min(len(self.lines), position + 1 + _LOOKAHEAD)
        for later in range(position + 1, end):
            found = self.markers[later]
            if found is None:
                continue
            for marker in found[0]:
                for reading in marker.readings:
                    if reading in wanted:
                        return wanted[reading]
        return None

    def _place_id(
        self, marker: _Marker, stack: list[_Level], style: str, *, wrapped: bool
    ) -> tuple[int, str, int] | None:
        """Decimal (``1.2.3``) and guide (``B3-3.1-09``) ids nest by their numbers."""
        key = marker.name
        for depth in range(len(stack) - 1, -1, -1):
            level = stack[depth]
            inside = len(key) > len(level.key) and key[len(level.key)] in ".-"
            if level.style == style and key.startswith(level.key) and inside:
                return depth + 1, style, 0
        # Under none: beside the outermost id (ids are numbered absolutely).
        same = [d for d, level in enumerate(stack) if level.style in ("decimal", "guide")]
        if same:
            return same[0], style, 0
        if wrapped:
            return None
        return len(stack), style, 0

    # Unmarked text -------------------------------------------------------------------------

    def _unmarked(self, line: _Line, position: int, *, rejected: bool = False) -> None:
        """A line of text without a marker (or with one that is not a marker here)."""
        last = self.drafts[-1] if self.drafts else None
        if last is not None and not line.table and not last.table:
            bare = bool(last.marker) and _text(last) == last.marker
            # "(4) Income verification" on a line of its own titles the text that follows.
            # A title that took the text below it takes the rest of that text too, while the
            # next item of its list is still to come (the last item's text may be followed
            # by the text that closes the list: that is not its own).
            index = len(self.drafts) - 1
            titled = (last.titled and self._next_item(index, position) is not None) or (
                (_titled(last) or self._titled_with_stop(index, position))
                and line.text[:1].isupper()
            )
            bare = bare or titled
            previous = last.blocks[-1].text
            runs_on = not previous.endswith(_TERMINAL) and (
                line.text[:1].islower()
                or (rejected and _mid_sentence(previous))
                or line.text[:1] in "(\u00a7"
                or bool(_REFERENCE_END.search(previous[-_TAIL:]))
            )
            if runs_on or bare:
                _append(last, line)
                last.titled = last.titled or titled
                return
        # Beside the list it follows: a sibling of the last item, or of the text that
        # introduced that list.
        marked = [d for d, level in enumerate(self.stack) if level.marked]
        while self.stack and not self.stack[-1].marked:
            self.stack.pop()
        if marked:
            top = marked[-1]
            if top >= 1 and not self.stack[top - 1].marked:
                # The list hangs from a line of text: this text follows that line's level.
                parent = self.drafts[self.stack[top - 1].index].parent
                del self.stack[top - 1 :]
            else:
                parent = self.stack[top - 1].index if top >= 1 else None
        else:
            parent = None
        self.drafts.append(
            _Draft(
                parent=parent,
                depth=self._depth(parent),
                marker="",
                label=self._marked_label(parent),
                name="",
                blocks=[_piece(line.block, line.text)],
                table=line.table,
            )
        )
        if not line.table:
            # Any line of text may introduce a list that starts right after it ("It shall be
            # unlawful for any creditor" / "(1) on the basis of ..."); the list's labels do
            # not change, as unmarked text carries its parent's label.
            self.stack.append(_Level("text", 0, len(self.drafts) - 1, marked=False))

    def _titled_with_stop(self, index: int, position: int) -> bool:
        """A numbered paragraph that so far is its number and a short title ending in a full
        stop ("(2) Mortgage originator ." / "1. Income Documentation."), in a run of such
        titles each with text below it: what comes next is its text. The run is read from
        the paragraph before it in its list (a title that took the text below it), or for
        the first of the list, from the next one (a title with a stop too). An item of a
        list of short lines ("(1) Boats." / "(2) Aircraft." / "Loans on them are declined.")
        is not a title: the text after the list is not its text."""
        draft = self.drafts[index]
        title = _line_alone(draft)
        if title is None or not _stop_title(title):
            return False
        for earlier in range(index - 1, -1, -1):  # the item before it in its list
            if earlier == draft.parent:
                break
            before = self.drafts[earlier]
            if before.parent == draft.parent and before.depth == draft.depth and before.marker:
                return before.titled
        found = self._next_item(index, position)
        return found is not None and len(found[0]) == 1 and _stop_title(found[1])

    def _next_item(self, index: int, position: int) -> tuple[list[_Marker], str] | None:
        """The markers and text of the next item of the list paragraph ``index`` is an item
        of, when it starts within :data:`_LOOKAHEAD` lines after line ``position``."""
        level = next((level for level in self.stack if level.index == index), None)
        if level is None or not level.marked:
            return None
        for later in range(position + 1, min(len(self.lines), position + 1 + _LOOKAHEAD)):
            found = self.markers[later]
            if found is not None and (level.style, level.value + 1) in found[0][0].readings:
                return found
        return None

    # Helpers ---------------------------------------------------------------------------------

    def _previous_text(self) -> str:
        if not self.drafts or self.drafts[-1].table:
            return ""
        return self.drafts[-1].blocks[-1].text.rsplit("\n", 1)[-1]

    def _depth(self, parent: int | None) -> int:
        return 0 if parent is None else self.drafts[parent].depth + 1

    def _marked_label(self, parent: int | None) -> str:
        return "" if parent is None else self.drafts[parent].label


def _markers(text: str) -> tuple[list[_Marker], str] | None:
    """The markers a line starts with and the text after them, or None."""
    if match := _PAREN_RUN.match(text):
        found = []
        for name in _PAREN.findall(match.group(1)):
            readings = _readings(name, "(")
            if not readings:
                return None
            found.append(_Marker(f"({name})", name, readings))
        return found, text[match.end() :]
    if match := _DECIMAL.match(text):
        return [_Marker(text[: match.end()].strip(), match.group(1), (("decimal", 0),))], text[
            match.end() :
        ]
    if match := _GUIDE_ID.match(text):
        return [_Marker(text[: match.end()].strip(), match.group(1), (("guide", 0),))], text[
            match.end() :
        ]
    if match := _PLAIN.match(text):
        name, punct = match.group(1), match.group(3)
        readings = _readings(name, punct)
        if readings:
            return [_Marker(name + punct, name, readings)], text[match.end() :]
        return None
    if match := BULLET.match(text):
        return [_Marker(match.group(1), "", ((f"bullet{match.group(1)}", 0),))], text[match.end() :]
    return None


def _readings(name: str, form: str) -> tuple[tuple[str, int], ...]:
    """``(style, value)`` for each way the marker can be read: ``i`` is the letter i (9) or
    the roman numeral 1; ``aa`` (US Code style) is the 27th letter."""
    if name.isdigit():
        return ((form + "1", int(name)),)
    out = []
    if name.isalpha() and len(set(name)) == 1 and len(name) <= 3:
        kind = "a" if name.islower() else "A"
        out.append((form + kind, ord(name[0].lower()) - 96 + 26 * (len(name) - 1)))
    if _ROMAN.match(name.lower()) and name.lower() != "l" and (name.islower() or name.isupper()):
        out.append((form + ("i" if name.islower() else "I"), _roman(name.lower())))
    return tuple(out)


def _roman(text: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50}
    total = 0
    for i, ch in enumerate(text):
        value = values[ch]
        total += -value if i + 1 < len(text) and values[text[i + 1]] > value else value
    return total


def _name(style: str, name: str) -> str:
    if style.startswith("bullet"):
        return ""
    return f"({name})" if style.startswith("(") else name


def _join_label(parent: str, style: str, name: str) -> str:
    """A paragraph's label from its enclosing paragraph's: ``(e)(2)`` + ``(i)``, ``item 3`` +
    ``(b)`` -> ``item 3(b)``, ``I.A`` + ``2`` -> ``I.A.2``; ids (``1.2.3``) stand alone."""
    if style.startswith("bullet"):
        return parent
    if style in ("decimal", "guide"):
        return name
    if style.startswith("("):
        return parent + name
    if not parent:
        # An outline (I.A.2.a, A.1.b) is cited bare; a numbered or lettered list by item.
        return name if style[1:] in ("A", "I") else f"item {name}"
    return f"{parent}.{name}"


def _piece(block: Block, text: str) -> Block:
    return Block(
        kind=block.kind,
        text=text,
        page=block.page,
        page_label=block.page_label,
        table_context=block.table_context,
    )


def _text(draft: _Draft) -> str:
    return "\n".join(b.text for b in draft.blocks).strip()


_TITLE_WORDS = 12


def _titled(draft: _Draft) -> bool:
    """A numbered paragraph that so far is its number and a title alone, with no stop after
    it (the US Code's "(4) Income verification" above its text): what comes next is its
    text, not a paragraph beside it. A bullet is never a title."""
    title = _line_alone(draft)
    return (
        title is not None
        and 0 < len(title.split()) <= _TITLE_WORDS
        and not title.endswith((*_TERMINAL, ",", "\u2014", "-"))
        and title[:1].isupper()
    )


def _line_alone(draft: _Draft) -> str | None:
    """The text after the number of a numbered paragraph that so far is one line; None for
    a bullet or a paragraph with more."""
    if not draft.name or len(draft.blocks) != 1 or "\n" in draft.blocks[0].text:
        return None
    return draft.blocks[0].text[len(draft.marker) :].strip()


def _stop_title(text: str) -> bool:
    """Whether the text after a marker is a short title ending in a full stop."""
    title = text.strip()
    return (
        0 < len(title.split()) <= _TITLE_WORDS
        and title.endswith(".")
        and title[:1].isupper()
        and not title.endswith(("..", "e.g.", "i.e."))
    )


def _append(draft: _Draft, line: _Line) -> None:
    last = draft.blocks[-1]
    if last.page == line.block.page and last.kind == line.block.kind:
        draft.blocks[-1] = last.model_copy(update={"text": f"{last.text}\n{line.text}"})
    else:
        draft.blocks.append(_piece(line.block, line.text))


def _mid_sentence(previous: str) -> bool:
    """Whether a line ends inside a sentence that wraps onto the next line."""
    words = previous.split(maxsplit=8)
    return len(words) >= 8 and not previous.endswith(_TERMINAL) and not previous.endswith(":")
