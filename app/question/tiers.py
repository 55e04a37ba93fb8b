"""Tiers: which of a section's sentences or table rows applies to a figure the question gives.

Policies state their rules in tiers: "Underwriter II: loan amounts up to $1,000,000",
"(C) For a loan amount greater than or equal to $20,000 but less than $60,000: 5 percent",
a table row "700 to 739 | $35,000 | 48 months", an approval table whose "Maximum total
exposure" column reads "$1,000,000". A question gives the applicant's figure ("a 705 score",
"a $1.7 million purchase loan"), which the policy never repeats: the tier whose range holds
it is the one that applies, and the tiers whose ranges leave it out are not.

Only ranges are read, never a figure on its own ("a fee of $450" states no range), and a
text that states two ranges of one kind that cannot both hold ("up to $500,000 ... above
$1,500,000") is left undecided. Figures are money, percentages, counts of months, years,
days or miles, and bare whole numbers of three or four digits (credit scores).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

_NUMBER = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_FIGURE = re.compile(
    r"(?P<dollar>\$\s?)?" + _NUMBER + r"(?!\.?\d)(?![-/]\d)"
    r"(?:\s?(?P<percent>%|percent\b)"
    r"|\s?(?P<scale>k|m|mm|million|billion|thousand)\b"
    r"|\s+(?P<count>months?|years?|days?|miles?)\b)?",
    re.IGNORECASE,
)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "billion": 1e9}
_ASIDE = re.compile(r"\s*\([^()]{1,60}\)")
"""A short parenthetical ("(indexed for inflation)", "(72 months from $20,000 at 740+)"): a
qualifier of a figure, not the tier's range."""

# What stands before a figure, and after it, that makes it a bound.
_AT_LEAST = re.compile(
    r"(?:at\s+least|no\s+less\s+than|not\s+less\s+than|greater\s+than\s+or\s+equal\s+to|"
    r"equal\s+to\s+or\s+greater\s+than|a\s+minimum\s+of|≥|>=)\s*$",
    re.IGNORECASE,
)
_ABOVE = re.compile(
    r"(?:more\s+than|greater\s+than|over|above|exceeding|exceeds|in\s+excess\s+of|>)\s*$",
    re.IGNORECASE,
)
_UP_TO = re.compile(
    r"(?:up\s+to|not\s+to\s+exceed|not\s+exceeding|does\s+not\s+exceed|may\s+not\s+exceed|"
    r"no\s+more\s+than|not\s+more\s+than|at\s+most|less\s+than\s+or\s+equal\s+to|"
    r"a\s+maximum\s+of|≤|<=)(?:\s+the\s+(?:[a-z]+\s+){0,2}(?:maximum|limit)\s+of)?\s*$",
    re.IGNORECASE,
)
_BELOW = re.compile(r"(?:less\s+than|fewer\s+than|under|below|<)\s*$", re.IGNORECASE)
_OR_MORE = re.compile(
    r"^(?:\+|\s+(?:or|and)\s+(?:more|higher|greater|above|over|up)\b)", re.IGNORECASE
)
_OR_LESS = re.compile(r"^\s+(?:or|and)\s+(?:less|lower|below|under|fewer)\b", re.IGNORECASE)
_THROUGH = re.compile(r"^\s*(?:-|–|—|to|through|thru|up\s+to)\s*(<)?\s*$", re.IGNORECASE)
_LIMIT = re.compile(
    r"(?:\b(?:may|must|shall|cannot|can|should|will|is|are|be)\b(?:\s+not)?(?:\s+[a-z]+){0,2}"
    r"|\b(?:does|do)\s+not)\s+(?:exceed|at\s+least|no\s+(?:more|less)\s+than|not\s+(?:more|"
    r"less)\s+than|a\s+(?:minimum|maximum)\s+of|(?:less|more|greater|fewer)\s+than|up\s+to|"
    r"under|over|below|above)\s*$"
    r"|\bnot\s+to\s+exceed\s*$|\bnot\s+exceeding\s*$",
    re.IGNORECASE,
)
"""A bound stated as what must hold ("The DTI may not exceed 43%", "must contribute at least
5%", "not to exceed $2,000"): a limit the applicant's figure is measured against, which
stays in the answer whether the figure meets it or not."""
_BETWEEN = re.compile(r"between\s*$", re.IGNORECASE)
_AND = re.compile(r"^\s*and\s*$", re.IGNORECASE)
_SPAN = re.compile(r"(?<![\w.-])(\d{3})\s?[-–]\s?(\d{3})(?![\w.-])")
"""Two whole numbers of three digits joined by a dash: a span ("680-719"), not a date or a
section number."""
_COUNTS = re.compile(
    r"\b(\d+)\s*(?:to|-|–|through)\s*(\d+)\s+(months?|years?|days?|miles?)\b", re.IGNORECASE
)
"""A span of a count with its unit said once ("1 to 3 years"): read as "1 years to 3 years"."""
_CELLS = re.compile(r"\s\|\s|\t")
_MOST = re.compile(r"^\s*(?:max|maximum)\b", re.IGNORECASE)
_LEAST = re.compile(r"^\s*(?:min|minimum)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str  # "$", "%", "month", "year", "day", "mile" or "" (a bare whole number)
    start: int
    end: int


@dataclass(frozen=True)
class Range:
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def holds(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def nearness(self, value: float) -> float:
        """How far ``value`` lies from the nearer of the range's bounds, as a share of it:
        the smallest is the tightest tier that holds it."""
        gaps = [abs(value - b) for b in (self.low, self.high) if math.isfinite(b)]
        return min(gaps) / max(abs(value), 1.0) if gaps else math.inf


def figures(text: str) -> list[Figure]:
    """The figures of ``text`` that a tier can be stated in, in order."""
    found = []
    for m in _FIGURE.finditer(text):
        raw = float(m.group(2).replace(",", ""))
        if m.group("dollar"):
            unit, value = "$", raw * _SCALE.get((m.group("scale") or "").lower(), 1.0)
        elif m.group("percent"):
            unit, value = "%", raw
        elif m.group("count"):
            unit, value = m.group("count").lower().rstrip("s"), raw
        elif m.group("scale") or "." in m.group(2) or not 100 <= raw < 10000:
            continue
        elif 1900 <= raw <= 2100 or (m.start() and text[m.start() - 1] in "§.-("):
            continue  # a year, or part of a section number
        else:
            unit, value = "", raw
        found.append(Figure(value, unit, m.start(), m.end()))
    return found


def stated_ranges(text: str) -> dict[str, Range | None]:
    """The range ``text`` states for each kind of figure it bounds; ``None`` for a kind it
    bounds two ways that cannot both hold. Figures with no bound around them count for
    nothing."""
    text = _COUNTS.sub(r"\1 \3 to \2 \3", _SPAN.sub(r"\1 to \2", _ASIDE.sub("", text)))
    marks = figures(text)
    bounds: dict[str, list[Range]] = {}
    for n, f in enumerate(marks):
        before, after = text[max(0, f.start - 60) : f.start], text[f.end : f.end + 30]
        following = marks[n + 1] if n + 1 < len(marks) else None
        gap = text[f.end : following.start] if following else ""
        if _LIMIT.search(before):
            continue  # what must hold ("may not exceed 43%"), not which tier applies
        if following and following.unit == f.unit and (m := _THROUGH.match(gap)):
            found = Range(f.value, following.value, high_open=bool(m.group(1)))
            if _ABOVE.search(before):
                found = Range(f.value, following.value, low_open=True)
        elif following and following.unit == f.unit and _BETWEEN.search(before) and _AND.match(gap):
            found = Range(f.value, following.value)
        elif _AT_LEAST.search(before) or _OR_MORE.match(after):
            found = Range(low=f.value)
        elif _ABOVE.search(before):
            found = Range(low=f.value, low_open=True)
        elif _UP_TO.search(before) or _OR_LESS.match(after):
            found = Range(high=f.value)
        elif _BELOW.search(before):
            found = Range(high=f.value, high_open=True)
        else:
            continue
        bounds.setdefault(f.unit, []).append(found)
    return {unit: _meet(ranges) for unit, ranges in bounds.items()}


def _meet(ranges: list[Range]) -> Range | None:
    """The range all of ``ranges`` describe together ("above $1,500,000, up to $2,000,000"),
    or ``None`` when they cannot all hold."""
    low = max(ranges, key=lambda r: (r.low, r.low_open))
    high = min(ranges, key=lambda r: (r.high, not r.high_open))
    met = Range(low.low, high.high, low.low_open, high.high_open)
    if met.low > met.high or (met.low == met.high and (met.low_open or met.high_open)):
        return None
    return met


def row_ranges(text: str) -> dict[str, Range | None]:
    """The ranges a table row (``caption\\nheader\\nrow``) states: its first cell's (the
    tier it is), and a figure under a "Maximum ..." or "Minimum ..." column as the bound it
    is ("Maximum total exposure: $1,000,000")."""
    lines = text.split("\n")
    header, cells = _CELLS.split(lines[-2]), _CELLS.split(lines[-1])
    key = stated_ranges(cells[0])
    if any(r is not None for r in key.values()):
        return key  # the row's tier; its "Max ..." columns are the limits of that tier
    keyed = [
        cell
        for name, cell in zip(header, cells, strict=False)
        if not (_MOST.match(name) or _LEAST.match(name)) and stated_ranges(cell)
    ]
    if keyed:
        return {}  # a tier of another kind ("4 to 5 years"): its limits choose nothing
    bounds: dict[str, list[Range]] = {}
    for name, cell in zip(header[1:], cells[1:], strict=False):
        marks = figures(_ASIDE.sub("", cell))
        if not marks or not (_MOST.match(name) or _LEAST.match(name)):
            continue
        first = marks[0]
        side = Range(high=first.value) if _MOST.match(name) else Range(low=first.value)
        bounds.setdefault(first.unit, []).append(side)
    return {unit: _meet(ranges) for unit, ranges in bounds.items()}


@dataclass(frozen=True)
class Tiers:
    """Of the texts looked at (by index): those whose range holds every figure of the
    question they state a range for, the tightest first; and those whose range holds none of
    them. A text stating no range for the question's figures, or holding one and not
    another, is in neither."""

    holding: tuple[int, ...] = ()
    excluded: frozenset[int] = frozenset()

    @property
    def apply(self) -> bool:
        """Whether the texts are tiers for the question and some are not the one it falls
        in: some hold its figure and some not, or several leave it out (the rungs of a
        ladder whose rung for it is not among them). A single range that leaves the figure
        out is no ladder: it may well be the answer ("loans above $10,000 are verified")."""
        return bool(self.excluded) and (bool(self.holding) or len(self.excluded) >= 2)


def sort_tiers(question: str, texts: Sequence[str]) -> Tiers:
    """Which of ``texts`` (the items of one list, or the rows of one table: texts alike in
    form, each a tier) are the tier that the question's own figures fall in, and which are
    tiers they fall outside."""
    asked = figures(question)
    if not asked:
        return Tiers()
    holding: list[tuple[float, int]] = []
    excluded: set[int] = set()
    for i, text in enumerate(texts):
        ranges = row_ranges(text) if text.count("\n") >= 2 else stated_ranges(text)
        judged = [(f, ranges[f.unit]) for f in asked if ranges.get(f.unit) is not None]
        if not judged:
            continue
        held = [r.holds(f.value) for f, r in judged if r is not None]
        if all(held):
            holding.append((max(r.nearness(f.value) for f, r in judged if r is not None), i))
        elif not any(held):  # held by one figure and not another: an "or" perhaps; undecided
            excluded.add(i)
    return Tiers(tuple(i for _, i in sorted(holding)), frozenset(excluded))
