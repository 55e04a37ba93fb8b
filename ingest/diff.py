"""Diff: the sections of two versions of a document -> what changed between them.

Compared paragraph by paragraph (:mod:`ingest.paragraphs`), a table row by row, in document
order. A paragraph is *unchanged* when its words are the same, whatever its page, its line
breaks, its hyphenation or its number (renumbering is not a change); *moved* when the same
words sit in another section; *changed* when a paragraph of the old version and one of the
new, at the same place in the document's order, share most of their words; otherwise
*removed* or *added*. For a changed paragraph the diff gives the words that changed and
calls out every figure that changed (``43% -> 45%``, ``6 months -> 12 months``, a date),
with the words before it that say what the figure is.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from app.models import Block, Section
from app.sentences import split_sentences
from ingest.paragraphs import paragraphs

ChangeKind = Literal["added", "removed", "changed", "moved"]

PAIR_SIMILARITY = 0.5
"""A removed and an added paragraph at the same place are one changed paragraph when at
least this share of their words match (difflib's ratio over words)."""

_PLAIN_PUNCTUATION = str.maketrans(
    {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"}
    | {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}
)
"""Dashes and curly quotes as their plain forms."""
_BULLET = re.compile(r"^[\u2022\u25aa\u25cf\u2013\u2014*\-\u00b7]\s+")
_HYPHEN_BREAK = re.compile(r"(\w)-\s*\n\s*(\w)")
_FIGURE = re.compile(
    r"""^\(?(?:
        \d{4}-\d{2}-\d{2}                    # an ISO date
      | [$\u20ac\u00a3]?\d[\d,]*(?:\.\d+)?(?:%|[kKmM]\b)?    # 43%, $10,000, 1.5, 620
      | \d+(?:st|nd|rd|th)                   # 30th
    )[.,;:)]*$""",
    re.VERBOSE,
)
_UNITS = frozenset(
    [
        "percent",
        "percentage",
        "points",
        "point",
        "days",
        "day",
        "months",
        "month",
        "years",
        "year",
        "business",
        "calendar",
        "weeks",
        "week",
        "hours",
        "hour",
        "units",
        "unit",
        "times",
    ]
)
_CONTEXT_WORDS = 6


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FigureChange(_Model):
    """A figure of a changed paragraph: ``before -> after``; one side is empty when the
    figure was only removed or only added."""

    context: str
    """The words just before the figure in the new text (the old text when it was removed)."""
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.context} {self.before or '(none)'} -> {self.after or '(none)'}".strip()


class WordChange(_Model):
    """A run of the changed paragraph's words: kept, removed or inserted."""

    op: Literal["equal", "delete", "insert"]
    text: str


class Place(_Model):
    """Where a paragraph is: its section, its label within it (``(e)(2)(ii)``, ``item 3``,
    ``table row 4``; empty for unmarked text) and its page."""

    section_id: str
    section_title: str
    label: str
    page: str

    def __str__(self) -> str:
        section = " ".join(p for p in (self.section_id, self.section_title) if p) or "(preamble)"
        label = f", {self.label}" if self.label else ""
        return f"{section}{label}, page {self.page}"


class Change(_Model):
    kind: ChangeKind
    old: Place | None = None
    new: Place | None = None
    old_text: str = ""
    new_text: str = ""
    words: tuple[WordChange, ...] = ()
    """For a changed paragraph: its words, each run kept, removed or inserted."""
    figures: tuple[FigureChange, ...] = ()


class VersionDiff(_Model):
    """What changed from one version of a document to the next."""

    doc_id: str
    from_version: str
    to_version: str
    changes: tuple[Change, ...]
    unchanged: int
    """Paragraphs (and table rows) with the same words in both versions."""

    def count(self, kind: ChangeKind) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    @property
    def figures(self) -> tuple[FigureChange, ...]:
        """The figures that changed within a paragraph (``before -> after``); the figures of
        a wholly added or removed paragraph are with its change."""
        return tuple(f for c in self.changes if c.words for f in c.figures)


@dataclass(frozen=True)
class _Unit:
    place: Place
    text: str
    """As printed, on one line."""
    key: str
    """What is compared: the words, normalised."""


def diff(
    old: Sequence[Section],
    new: Sequence[Section],
    *,
    doc_id: str = "",
    from_version: str = "",
    to_version: str = "",
) -> VersionDiff:
    """The changes from the ``old`` sections of a document to the ``new`` ones."""
    before, after = _units(old), _units(new)
    matcher = difflib.SequenceMatcher(
        a=[u.key for u in before], b=[u.key for u in after], autojunk=False
    )
    placed: list[tuple[float, Change]] = []
    removed: list[_Unit] = []
    added: list[_Unit] = []
    where: dict[int, float] = {}
    """Where each unit not kept sits in the new version's order (a removed one just before
    the first new paragraph after it)."""
    unchanged = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for j, a, b in zip(range(j1, j2), before[i1:i2], after[j1:j2], strict=True):
                if _elsewhere(a.place, b.place):
                    move = Change(kind="moved", old=a.place, new=b.place, new_text=b.text)
                    placed.append((float(j), move))
                else:
                    unchanged += 1
            continue
        where.update({id(u): j1 - 0.5 for u in before[i1:i2]})
        where.update({id(u): float(j) for j, u in enumerate(after[j1:j2], start=j1)})
        pairs, lone_old, lone_new = _pair(before[i1:i2], after[j1:j2])
        placed += [(where[id(b)], _changed(a, b)) for a, b in pairs]
        removed += lone_old
        added += lone_new
    # The same words elsewhere: moved to another section, or only put in another order.
    by_key: dict[str, list[_Unit]] = {}
    for unit in added:
        by_key.setdefault(unit.key, []).append(unit)
    moved_to: set[int] = set()
    for unit in list(removed):
        twins = by_key.get(unit.key)
        if not twins:
            continue
        twin = twins.pop(0)
        removed.remove(unit)
        moved_to.add(id(twin))
        if not _elsewhere(unit.place, twin.place):
            unchanged += 1
        else:
            move = Change(kind="moved", old=unit.place, new=twin.place, new_text=twin.text)
            placed.append((where[id(twin)], move))
    placed += [
        (
            where[id(u)],
            Change(kind="removed", old=u.place, old_text=u.text, figures=_lone(u, "before")),
        )
        for u in removed
    ]
    placed += [
        (
            where[id(u)],
            Change(kind="added", new=u.place, new_text=u.text, figures=_lone(u, "after")),
        )
        for u in added
        if id(u) not in moved_to
    ]
    placed.sort(key=lambda item: item[0])
    changes = [change for _, change in placed]
    return VersionDiff(
        doc_id=doc_id,
        from_version=from_version,
        to_version=to_version,
        changes=tuple(changes),
        unchanged=unchanged,
    )


# --- units ---------------------------------------------------------------------------------


def _units(sections: Sequence[Section]) -> list[_Unit]:
    units: list[_Unit] = []
    for section in sections:
        headers: set[str] = set()
        for paragraph in paragraphs(section):
            if any(b.kind == "table" for b in paragraph.blocks):
                units += _rows(section, paragraph.label, paragraph.blocks, headers)
                continue
            text = _one_line(paragraph.text)
            if paragraph.marker and text.startswith(paragraph.marker):
                text = text[len(paragraph.marker) :].strip()
            text = _BULLET.sub("", text)
            page = paragraph.blocks[0].page_label if paragraph.blocks else ""
            place = _place(section, paragraph.label, page)
            # Sentence by sentence: where a PDF breaks a paragraph moves with the layout.
            units += [_Unit(place, sentence, _key(sentence)) for sentence in split_sentences(text)]
    return units


def _rows(section: Section, label: str, blocks: Sequence[Block], seen: set[str]) -> list[_Unit]:
    """A table's rows; its caption and header, repeated where it runs onto another page,
    count once (``seen``: those already met in the section)."""
    units: list[_Unit] = []
    for block in blocks:
        context = {_one_line(line) for line in block.table_context.split("\n")}
        for row in (_one_line(r) for r in block.text.split("\n") if r.strip()):
            if row in context and row in seen:
                continue
            seen.add(row)
            place = _place(section, f"{label} table row {len(units) + 1}".strip(), block.page_label)
            units.append(_Unit(place, row, _key(row)))
    return units


def _elsewhere(old: Place, new: Place) -> bool:
    """In another section: its number and its title both differ (a section renumbered or
    retitled is still the same section)."""
    return old.section_id != new.section_id and old.section_title != new.section_title


def _place(section: Section, label: str, page: str) -> Place:
    return Place(section_id=section.section_id, section_title=section.title, label=label, page=page)


def _one_line(text: str) -> str:
    return " ".join(_HYPHEN_BREAK.sub(r"\1-\2", text).split())


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_PLAIN_PUNCTUATION)
    return " ".join(text.lower().split())


# --- pairing and word changes --------------------------------------------------------------


def _pair(
    old: Sequence[_Unit], new: Sequence[_Unit]
) -> tuple[list[tuple[_Unit, _Unit]], list[_Unit], list[_Unit]]:
    """Pair the removed and added paragraphs of one region that share most of their words,
    best pair first, keeping document order (a pair never crosses another)."""
    scored = sorted(
        ((_similarity(a.key, b.key), i, j) for i, a in enumerate(old) for j, b in enumerate(new)),
        reverse=True,
    )
    pairs: list[tuple[int, int]] = []
    for score, i, j in scored:
        if score < PAIR_SIMILARITY:
            break
        if any(i == p or j == q or (i < p) != (j < q) for p, q in pairs):
            continue
        pairs.append((i, j))
    pairs.sort()
    paired_old = {i for i, _ in pairs}
    paired_new = {j for _, j in pairs}
    return (
        [(old[i], new[j]) for i, j in pairs],
        [u for i, u in enumerate(old) if i not in paired_old],
        [u for j, u in enumerate(new) if j not in paired_new],
    )


def _similarity(a: str, b: str) -> float:
    matcher = difflib.SequenceMatcher(a=a.split(), b=b.split(), autojunk=False)
    return matcher.ratio()


def _changed(old: _Unit, new: _Unit) -> Change:
    a, b = old.text.split(), new.text.split()
    keys_a, keys_b = old.key.split(), new.key.split()
    matcher = difflib.SequenceMatcher(a=keys_a, b=keys_b, autojunk=False)
    words: list[WordChange] = []
    figures: list[FigureChange] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            words.append(WordChange(op="equal", text=" ".join(b[j1:j2])))
            continue
        if i2 > i1:
            words.append(WordChange(op="delete", text=" ".join(a[i1:i2])))
        if j2 > j1:
            words.append(WordChange(op="insert", text=" ".join(b[j1:j2])))
        context = " ".join(b[max(0, j1 - _CONTEXT_WORDS) : j1])
        figures += _figure_changes(context, a[i1:i2], b[j1:j2], a[i2 : i2 + 2], b[j2 : j2 + 2])
    return Change(
        kind="moved" if _elsewhere(old.place, new.place) else "changed",
        old=old.place,
        new=new.place,
        old_text=old.text,
        new_text=new.text,
        words=tuple(words),
        figures=tuple(figures),
    )


def _figure_changes(
    context: str,
    removed: Sequence[str],
    inserted: Sequence[str],
    after_removed: Sequence[str],
    after_inserted: Sequence[str],
) -> list[FigureChange]:
    """Figures of one replaced run, paired in order: ``6`` -> ``12`` becomes ``6 months ->
    12 months`` when a unit follows."""
    before = _figures(removed, after_removed)
    after = _figures(inserted, after_inserted)
    changes = []
    for old, new in _pair_figures(before, after):
        if old != new:
            changes.append(FigureChange(context=context, before=old, after=new))
    return changes


def figures_of(text: str) -> list[tuple[str, str]]:
    """Each figure of a sentence with the words before it in its clause: ``[("43%", "The
    maximum DTI ratio is")]``."""
    words = text.split()
    found = []
    start = 0
    for n, word in enumerate(words):
        for figure in _figures([word], words[n + 1 : n + 2]):
            found.append((figure, " ".join(words[max(start, n - _CONTEXT_WORDS - 2) : n])))
        if word.endswith((".", ";", ":")) and not _FIGURE.match(word):
            start = n + 1
    return found


def figure_kind(figure: str) -> str:
    """``%``, ``$``, ``date``, the unit (``months``) or ``n`` (a plain number)."""
    return _kind(figure)


def _kind(figure: str) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", figure):
        return "date"
    if figure.endswith("%"):
        return "%"
    if figure[0] in "$\u20ac\u00a3":
        return "$"
    return figure.split(" ", 1)[1].removesuffix("s") if " " in figure else "n"


def _pair_figures(before: Sequence[str], after: Sequence[str]) -> list[tuple[str, str]]:
    """Old and new figures of a replaced run, paired in order within each kind (a percentage
    with a percentage, a number of months with one); the rest stand alone."""
    pairs: list[tuple[str, str]] = []
    left = list(after)
    for old in before:
        new = next((f for f in left if _kind(f) == _kind(old)), None)
        if new is None:
            pairs.append((old, ""))
        else:
            left.remove(new)
            pairs.append((old, new))
    pairs += [("", new) for new in left]
    return pairs


def _figures(words: Sequence[str], following: Sequence[str]) -> list[str]:
    """The figures among ``words``, each with the unit after it (``6 months``). A bare number
    of one digit with no unit (``note 1``, ``item 3``) is a reference, not a figure."""
    found = []
    run = [*words, *following]
    for n, word in enumerate(words):
        if not _FIGURE.match(word):
            continue
        figure = word.strip("(").rstrip(".,;:)")
        unit = run[n + 1].lower().rstrip(".,;:)") if n + 1 < len(run) else ""
        if unit in _UNITS:
            found.append(f"{figure} {unit}")
        elif figure.isdigit() and len(figure) == 1:
            continue
        else:
            found.append(figure)
    return found


def _lone(unit: _Unit, side: Literal["before", "after"]) -> tuple[FigureChange, ...]:
    words = unit.text.split()
    figures = []
    for n, word in enumerate(words):
        for figure in _figures([word], words[n + 1 : n + 2]):
            context = " ".join(words[max(0, n - _CONTEXT_WORDS) : n])
            figures.append(
                FigureChange(
                    context=context,
                    before=figure if side == "before" else "",
                    after=figure if side == "after" else "",
                )
            )
    return tuple(figures)


def summary(made: VersionDiff) -> str:
    """One line: how many paragraphs changed, and how many figures."""
    counts = ", ".join(
        f"{made.count(kind)} {kind}" for kind in ("changed", "added", "removed", "moved")
    )
    return (
        f"{made.doc_id} {made.from_version} -> {made.to_version}: {counts} "
        f"({made.unchanged} unchanged); {len(made.figures)} figures changed"
    )


def report(made: VersionDiff) -> str:
    """The diff as plain text: the summary, the changed figures, then each change with its
    place; removed words in ``[-...-]``, inserted ones in ``{+...+}``."""
    lines = [summary(made)]
    if made.figures:
        lines += ["", "Figures changed:"]
        for change in made.changes:
            if change.words:
                lines += [f"  {change.new or change.old}: {figure}" for figure in change.figures]
    for change in made.changes:
        lines += ["", f"{change.kind.upper()}  {_places(change)}"]
        if change.kind == "changed" or (change.kind == "moved" and change.words):
            lines.append("  " + " ".join(_marked(w) for w in change.words))
        else:
            lines.append("  " + (change.new_text or change.old_text))
    return "\n".join(lines)


def _places(change: Change) -> str:
    if change.old and change.new and str(change.old) != str(change.new):
        return f"{change.old} -> {change.new}"
    return str(change.new or change.old)


def _marked(words: WordChange) -> str:
    if words.op == "delete":
        return f"[-{words.text}-]"
    if words.op == "insert":
        return f"{{+{words.text}+}}"
    return words.text
