"""Tiers: which of a section's table rows or list items applies to a figure the question gives.

Policies state their rules in tiers: "Underwriter II: loan amounts up to $1,000,000",
"(C) For a loan amount greater than or equal to $20,000 but less than $60,000: 5 percent",
a table row "700 to 739 | $35,000 | 48 months", an approval ladder whose "Maximum total
exposure" column reads "$250,000", "$1,000,000", "$2,500,000". A question gives the
applicant's figure ("a 705 score", "a $1.7 million purchase loan"), which the policy never
repeats: the tier whose range holds it is the one that applies, and the tiers beside it
whose ranges leave it out are not.

What is read, and what is not:
- Only ranges, never a figure on its own ("a fee of $450").
- A bound stated as what must hold is a limit, not a tier ("may not exceed 43%", "require an
  equity injection of at least 10%"): the applicant's figure is measured against it, and it
  stays in the answer whether the figure meets it or not.
- Figures of different kinds are never compared: money of a loan, of revenue and of income;
  an LTV, a DTI and other percentages; months, years, days, miles; and whole numbers of
  three or four digits only beside a word for a credit score ("a 705 score", a "Credit
  score" column), so "401(k)", "Form 1003" and "1099" are no scores.
- A figure the question itself bounds ("loans above $1,500,000") is no applicant's value.
- A text stating two ranges of one kind that cannot both hold ("up to $500,000 ... above
  $1,500,000") is left undecided.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.tabular import CELLS
from app.text import content_words

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
_SPAN = re.compile(r"(?<![\w.-])(\d{3})\s?[-–]\s?(\d{3})(?![\w.-])")
"""Two whole numbers of three digits joined by a dash: a span ("680-719"), not a date or a
section number."""
_COUNTS = re.compile(
    r"\b(\d[\d,]*)\s*(?:to|-|–|through)\s*(\d[\d,]*)\s+(months?|years?|days?|miles?)\b",
    re.IGNORECASE,
)
"""A span of a count with its unit said once ("1 to 3 years"): read as "1 years to 3 years"."""

# The kind of a figure, read from the words around it (in a table, its column's name too).
_SCORE = re.compile(r"\b(?:score|scores|fico|beacon|vantage)", re.IGNORECASE)
_MONEY_KINDS = (
    ("revenue", re.compile(r"\b(?:revenues?|sales|receipts|turnover)\b", re.IGNORECASE)),
    ("income", re.compile(r"\b(?:income|salary|salaries|earnings|earns?|wages)\b", re.IGNORECASE)),
    (
        "value",
        re.compile(
            r"\b(?:property|properties|home|house|valued|value|appraised|worth|collateral)\b",
            re.IGNORECASE,
        ),
    ),
)
_LENT_AFTER = re.compile(
    r"^\W{0,3}(?:\w+\W+){0,2}(?:loans?|lines?|exposure|mortgages?|requests?|advances?|"
    r"financ\w*|borrow\w*)\b",
    re.IGNORECASE,
)
_LENT_BEFORE = re.compile(
    r"\b(?:loans?|lines?|exposure|amounts?\s+financed|loan\s+amounts?|line\s+amounts?)"
    r"(?:\s+\w+){0,3}\W{0,3}$",
    re.IGNORECASE,
)
"""Words right after a sum, or right before it, that make it a sum lent ("a $2 million
loan", "loan amounts up to $500,000"), whatever else the sentence speaks of ("... revenues
were not reported")."""
_PERCENT_KINDS = (
    ("ltv", re.compile(r"\b(?:c?ltv|loan-to-value|combined loan-to-value)\b", re.IGNORECASE)),
    ("dti", re.compile(r"\b(?:dti|debt-to-income|pti|payment-to-income)\b", re.IGNORECASE)),
)
_AROUND = 40

# What stands before a figure, and after it, that makes it a bound. The negated and "at or"
# forms are read first: "no more than 90 days" is an upper bound, not "more than 90".
_UP_TO = re.compile(
    r"(?:up\s+to(?:\s+and\s+including)?|not\s+to\s+exceed|not\s+exceeding|(?:no|never)\s+(?:more|"
    r"greater|higher)\s+than|not\s+(?:more|greater|higher)\s+than|not\s+(?:above|over)|"
    r"equal\s+to\s+or\s+(?:less|lower)\s+than|not\s+in\s+excess"
    r"\s+of|at\s+or\s+(?:below|under)|at\s+most|less\s+than\s+or\s+equal\s+to|a\s+maximum\s+of|"
    r"≤|<=)(?:\s+the\s+(?:[a-z]+\s+){0,2}(?:maximum|limit)\s+of)?\s*$",
    re.IGNORECASE,
)
_AT_LEAST = re.compile(
    r"(?:at\s+least|(?:no|never)\s+(?:less|fewer|lower)\s+than|not\s+(?:less|fewer|lower)\s+than|"
    r"not\s+(?:below|under)|at\s+or\s+(?:above|over)|greater\s+than\s+or\s+equal\s+to|"
    r"equal\s+to\s+or\s+greater\s+than|a\s+minimum\s+of|≥|>=)\s*$",
    re.IGNORECASE,
)
_ABOVE = re.compile(
    r"(?:more\s+than|greater\s+than|higher\s+than|over|above|exceeding|exceeds|"
    r"in\s+excess\s+of|>)\s*$",
    re.IGNORECASE,
)
_BELOW = re.compile(r"(?:less\s+than|fewer\s+than|lower\s+than|under|below|<)\s*$", re.IGNORECASE)
_OR_MORE = re.compile(
    r"^(?:\+|\s+(?:or|and)\s+(?:more|higher|greater|above|over|up|better)\b)", re.IGNORECASE
)
_OR_LESS = re.compile(r"^\s+(?:or|and)\s+(?:less|lower|below|under|fewer)\b", re.IGNORECASE)
_THROUGH = re.compile(r"^\s*(?:-|–|—|to|through|thru|up\s+to)\s*(<)?\s*$", re.IGNORECASE)
_BETWEEN = re.compile(r"between\s*$", re.IGNORECASE)
_AND = re.compile(r"^\s*and\s*$", re.IGNORECASE)
_BETWEEN_AND = re.compile(
    r"(?:between|from)\s+\S+\s+(?:and|to)\s*$|\S\s*(?:-|–|to)\s*$", re.IGNORECASE
)
"""The second figure of a span the question gives ("between 700 and 720", "700-720")."""
_LIMIT = re.compile(
    r"(?:\b(?:must|may|shall|should|cannot|can|will|required|requires?|needs?|needed|limited)\b"
    r"|\b(?:does|do|did|is|are|was|were)\s+not\b)[^.;:]*$",
    re.IGNORECASE,
)
"""A bound stated as what must hold: a word of requirement or a denial earlier in its clause
("may not exceed 43%", "require an equity injection of at least 10%", "must be verified for
every loan above $10,000", "does not make loans below $5,000")."""
_MOST = re.compile(r"^\s*(?:max|maximum)\b", re.IGNORECASE)
_LEAST = re.compile(r"^\s*(?:min|minimum)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    """"$" (a loan's or an exposure's), "$revenue", "$income", "%", "%ltv", "%dti", "month",
    "year", "day", "mile", or "score"."""
    start: int
    end: int
    scale: float = 1.0
    """The scale it was written with ("$3 million": a million), which a figure before it
    may share ("$1.5 to $3 million")."""


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

    @property
    def bound(self) -> float:
        """Its one finite bound, or its lower one."""
        return self.low if math.isfinite(self.low) else self.high


def _kind(text: str, start: int, end: int, context: str, kinds: tuple) -> str:  # type: ignore[type-arg]
    """The kind named nearest the figure within a few words of it, else in ``context``."""
    low = max(0, start - _AROUND)
    found = [
        (min(abs(m.start() + low - start), abs(m.start() + low - end)), name)
        for name, words in kinds
        for m in words.finditer(text[low : end + _AROUND])
    ]
    if found:
        return min(found)[1]
    return next((name for name, words in kinds if words.search(context)), "")


def figures(text: str, context: str = "") -> list[Figure]:
    """The figures of ``text`` that a tier can be stated in, in order, each of its kind;
    ``context`` is read for the kind too (a table column's name)."""
    found = []
    for m in _FIGURE.finditer(text):
        raw = float(m.group(2).replace(",", ""))
        start, end = m.start(), m.end()
        scale = (m.group("scale") or "").lower()
        if m.group("dollar"):
            lent = _LENT_AFTER.search(text[end : end + 25]) or _LENT_BEFORE.search(
                text[max(0, start - 30) : start]
            )
            unit = "$" + ("" if lent else _kind(text, start, end, context, _MONEY_KINDS))
            value = raw * _SCALE.get(scale, 1.0)
        elif m.group("percent"):
            unit, value = "%" + _kind(text, start, end, context, _PERCENT_KINDS), raw
        elif m.group("count"):
            unit, value = m.group("count").lower().rstrip("s"), raw
        elif scale or "." in m.group(2) or not 300 <= raw <= 999:
            continue
        elif (start and text[start - 1] in "§.-(") or (end < len(text) and text[end] in "(-"):
            continue  # part of a section number, "401(k)"
        elif not _SCORE.search(f"{text[max(0, start - _AROUND) : end + _AROUND]} {context}"):
            continue  # a whole number is a score only beside a word for one
        else:
            unit, value = "score", raw
        found.append(Figure(value, unit, start, end, _SCALE.get(scale, 1.0)))
    return found


def stated_ranges(text: str, context: str = "") -> dict[str, Range | None]:
    """The range ``text`` states for each kind of figure it bounds; ``None`` for a kind it
    bounds two ways that cannot both hold. Figures with no bound around them, and bounds
    stated as requirements, count for nothing."""
    text = _COUNTS.sub(r"\1 \3 to \2 \3", _SPAN.sub(r"\1 to \2", _ASIDE.sub("", text)))
    marks = figures(text, context)
    bounds: dict[str, list[Range]] = {}
    spanned = -1  # the second figure of a span already read ("20%-<30%")
    for n, f in enumerate(marks):
        before, after = text[max(0, f.start - 60) : f.start], text[f.end : f.end + 30]
        if n == spanned or _LIMIT.search(before):
            continue  # what must hold ("may not exceed 43%"), not which tier applies
        following = marks[n + 1] if n + 1 < len(marks) else None
        found = _bound(f, following, text, before, after)
        if found is not None:
            bounds.setdefault(f.unit, []).append(found)
            if following and math.isfinite(found.low) and math.isfinite(found.high):
                spanned = n + 1
    return {unit: _meet(ranges) for unit, ranges in bounds.items()}


def _bound(f: Figure, following: Figure | None, text: str, before: str, after: str) -> Range | None:
    """The range a figure bounds, from the words around it (and the figure after it)."""
    if following and following.unit == f.unit:
        gap = text[f.end : following.start]
        low = f.value
        if f.scale == 1.0 and f.value * following.scale <= following.value:
            low = f.value * following.scale  # "$1.5 to $3 million": in millions too
        if m := _THROUGH.match(gap):
            return Range(low, following.value, low_open=bool(_ABOVE.search(before)) and not
                         _AT_LEAST.search(before), high_open=bool(m.group(1)))  # fmt: skip
        if _BETWEEN.search(before) and _AND.match(gap):
            return Range(low, following.value)
    if _UP_TO.search(before) or _OR_LESS.match(after):
        return Range(high=f.value)
    if _AT_LEAST.search(before) or _OR_MORE.match(after):
        return Range(low=f.value)
    if _ABOVE.search(before):
        return Range(low=f.value, low_open=True)
    if _BELOW.search(before):
        return Range(high=f.value, high_open=True)
    return None


def _meet(ranges: list[Range]) -> Range | None:
    """The range all of ``ranges`` describe together ("above $1,500,000, up to $2,000,000"),
    or ``None`` when they cannot all hold."""
    if (
        sum(math.isfinite(r.low) for r in ranges) > 1
        or sum(math.isfinite(r.high) for r in ranges) > 1
    ):
        return None  # two tiers in one text ("over $1 million; ... over $2 million")
    low = max(ranges, key=lambda r: (r.low, r.low_open))
    high = min(ranges, key=lambda r: (r.high, not r.high_open))
    met = Range(low.low, high.high, low.low_open, high.high_open)
    if met.low > met.high or (met.low == met.high and (met.low_open or met.high_open)):
        return None
    return met


def row_ranges(text: str) -> tuple[dict[str, Range | None], bool]:
    """The ranges a table row (``caption\\nheader\\nrow``) states, and whether they come
    from its "Maximum ..." or "Minimum ..." columns. A row's tier is its first cell's range
    ("700 to 739" under "Credit score"); then its "Maximum ..." columns are that tier's
    limits. A row keyed by a range in another column ("4 to 5 years") states none. Only a
    row whose cells state no range at all (an approver and a note) is read by a "Maximum
    ..." or "Minimum ..." column ("Maximum total exposure: $1,000,000"), one per kind of
    figure: such rows are tiers only as the rungs of a ladder (:func:`sort_tiers`)."""
    lines = text.split("\n")
    header, cells = CELLS.split(lines[-2]), CELLS.split(lines[-1])
    names = [*header, *[""] * len(cells)]
    key = stated_ranges(cells[0], names[0])
    if any(r is not None for r in key.values()):
        return key, False  # the row's tier; its "Max ..." columns are the limits of that tier
    columns = [
        (name, cell)
        for name, cell in zip(names[1:], cells[1:], strict=False)
        if _MOST.match(name) or _LEAST.match(name)
    ]
    if any(
        stated_ranges(cell, name)
        for name, cell in zip(names, cells, strict=False)
        if (name, cell) not in columns
    ):
        return {}, False  # a tier of another kind ("4 to 5 years"): its limits choose nothing
    bounds: dict[str, list[Range]] = {}
    for name, cell in columns:
        marks = figures(_ASIDE.sub("", cell), name)
        if marks:
            first = marks[0]
            side = Range(high=first.value) if _MOST.match(name) else Range(low=first.value)
            bounds.setdefault(first.unit, []).append(side)
    return {unit: ranges[0] for unit, ranges in bounds.items() if len(ranges) == 1}, True


@dataclass(frozen=True)
class Tiers:
    """Of the texts looked at (by index): those whose range holds every figure of the
    question they are a tier for, the tightest first; and those whose range holds none of
    them. A text that is no tier for the question's figures, or that one figure fits and
    another does not (an "or" perhaps), is in neither."""

    holding: tuple[int, ...] = ()
    excluded: frozenset[int] = frozenset()

    @property
    def apply(self) -> bool:
        """Whether the texts are tiers for the question and some are not the one it falls
        in: some hold its figure and some do not. Where none holds it (a figure above
        every rung), nothing is left out: the ladder is the answer."""
        return bool(self.holding) and bool(self.excluded)


def _asked(question: str) -> list[Figure]:
    """The applicant's figures in a question: not those it bounds itself ("Who approves
    loans above $1,500,000?" asks about a range, not a loan)."""
    out = []
    for f in figures(question):
        before = question[max(0, f.start - 40) : f.start]
        after = question[f.end : f.end + 20]
        if not (
            _BETWEEN_AND.search(before)
            or _UP_TO.search(before)
            or _AT_LEAST.search(before)
            or _ABOVE.search(before)
            or _BELOW.search(before)
            or _BETWEEN.search(before)
            or _OR_MORE.match(after)
            or _OR_LESS.match(after)
        ):
            out.append(f)
    return out


_QUALIFIER = re.compile(r"\s(?:with|for|of|under|in|at)\s|\(|,", re.IGNORECASE)


def _head(label: str) -> set[str]:
    """The word a row's label is about, its last before any qualifier: "inventory" of
    "Finished goods inventory", "manager" of "Relationship Manager with delegated
    authority"."""
    found = sorted(content_words(_QUALIFIER.split(label)[0]), key=label.lower().rfind)
    return set(found[-1:])


def sort_tiers(question: str, texts: Sequence[str]) -> Tiers:
    """Which of ``texts`` (the items of one list, or the rows of one table, in reading
    order: texts alike in form, each a tier) are the tier that the question's own figures
    fall in, and which are tiers they fall outside. For each kind of figure asked, the texts
    are tiers only when at least two state a range of that kind; rows read by a "Maximum
    ..." column only when those maxima climb or fall row by row and the question names none
    of the rows (an approval ladder, not a table of collateral types and their advance
    rates)."""
    asked = _asked(question)
    if not asked:
        return Tiers()
    words = content_words(question)
    stated: list[dict[str, Range | None]] = []
    by_column: list[bool] = []
    for text in texts:
        ranges, column = row_ranges(text) if text.count("\n") >= 2 else (stated_ranges(text), False)
        stated.append(ranges)
        by_column.append(column)
    judged: list[list[tuple[Figure, Range]]] = [[] for _ in texts]
    for unit in {f.unit for f in asked}:
        members = [i for i, r in enumerate(stated) if r.get(unit) is not None]
        laddered = [i for i in members if by_column[i]]
        bounds = [stated[i][unit].bound for i in laddered]  # type: ignore[union-attr]
        climbs = all(a < b for a, b in itertools.pairwise(bounds))
        falls = all(a > b for a, b in itertools.pairwise(bounds))
        named = any(_head(CELLS.split(texts[i].split("\n")[-1])[0]) & words for i in laddered)
        if laddered and (named or not (climbs or falls)):
            # Not a ladder: maxima that go up and down (advance rates by collateral), or
            # rows the question names by what they are about ("75% against inventory" asks
            # about one row's limit).
            members = [i for i in members if not by_column[i]]
        if len(members) < 2:
            continue
        for i in members:
            judged[i] += [(f, stated[i][unit]) for f in asked if f.unit == unit]  # type: ignore[misc]
    holding: list[tuple[float, int]] = []
    excluded: set[int] = set()
    for i, pairs in enumerate(judged):
        if not pairs:
            continue
        held = [r.holds(f.value) for f, r in pairs]
        if all(held):
            holding.append((max(r.nearness(f.value) for f, r in pairs), i))
        elif not any(held):
            excluded.add(i)
    return Tiers(tuple(i for _, i in sorted(holding)), frozenset(excluded))
