"""Conflicts: current documents that apply to the same loans and give different figures for
the same rule (a bulletin and the guide it amends, a state supplement and the federal guide).

A rule statement is a sentence with a figure (a percentage, an amount, a number of months or
days, a score; not a year or the number of a form, section or version); what it is about is
the meaningful words before the figure in its clause. Two statements conflict when they come
from different current documents whose products and jurisdictions overlap (share a value;
``all`` and ``US-federal`` overlap every product and state), their figures are of the same kind and
differ, and what they are about is the same: at least ``MIN_SHARED`` words shared, and most
of the shorter one's. Listed for compliance staff to resolve, newest document first in each
pair, with what either document says about which one controls (a sentence that names the
other document and amends, supersedes, replaces or takes precedence over it).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations

from app.index.store import PolicyStore
from app.models import ALL_PRODUCTS, FEDERAL, DocumentRecord, RetrievedChunk, applies
from app.sentences import split_sentences
from app.text import content_words, instruction
from ingest.diff import figure_kind, figures_of

MIN_SHARED = 3
"""Words of the subject two statements must share (the figure's own words excluded)."""
MIN_OVERLAP = 0.6
"""Shared words as a share of the shorter subject."""
_COMMON = 300
"""A subject word found in more statements than this is not used to find candidate pairs
(it still counts when a pair is checked)."""
_YEAR = re.compile(r"(?:19|20)\d\d")
_NAMING = frozenset(
    (
        "form",
        "forms",
        "version",
        "versions",
        "section",
        "sections",
        "page",
        "pages",
        "note",
        "notes",
        "item",
        "items",
        "table",
        "tables",
        "chapter",
        "chapters",
        "schedule",
        "schedules",
        "line",
        "lines",
        "part",
        "parts",
        "appendix",
        "no.",
        "number",
        "revision",
    )
)
_SECTION_REF = re.compile(r"\b(?:[Ss]ections?|\u00a7+)\s*([A-Z]?\d[\w.\-]*\w)")
_PRECEDENCE = re.compile(
    r"\b(?:amend(?:s|ed)?|supersed(?:es|ed)|replac(?:es|ed)|controls?|prevails?|"
    r"takes? precedence|governs?|overrides?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Statement:
    doc_id: str
    title: str
    version: str
    effective_date: date
    product: tuple[str, ...]
    jurisdiction: tuple[str, ...]
    section_id: str
    section: str
    """``B3-6-02 Debt-to-Income Ratios``."""
    page: str
    """As printed on the page (its label)."""
    sentence: str
    figure: str
    subject: frozenset[str]
    passage: RetrievedChunk | None = field(default=None, compare=False, repr=False)
    """The chunk the sentence is read from (what a citation of it is made of)."""


@dataclass(frozen=True)
class Conflict:
    newer: Statement
    older: Statement
    """The statement of the document with the earlier effective date."""
    precedence: str = ""
    """What one of the two documents says about the other: amends, supersedes, controls."""

    @property
    def shared(self) -> frozenset[str]:
        return self.newer.subject & self.older.subject


def conflicts(
    store: PolicyStore, *, product: str | None = None, jurisdiction: str | None = None
) -> list[Conflict]:
    """Pairs of conflicting statements among the current documents (of ``product`` and
    ``jurisdiction`` when given), newest first."""
    statements: list[Statement] = []
    claims: dict[str, list[str]] = {}
    """Per document: its sentences that say it amends, supersedes or controls something."""
    for record in store.documents():
        read = _statements(store, record, claims.setdefault(record.doc_id, []))
        statements += [s for s in read if _applies(s, product, jurisdiction)]
    pairs: dict[tuple[str, ...], tuple[Statement, Statement]] = {}
    for a, b in _candidates(statements):
        if _conflict(a, b):
            newer, older = sorted((a, b), key=lambda s: (s.effective_date, s.doc_id), reverse=True)
            # One pair of figures between two documents is one conflict, however often it is
            # stated; the shortest statements of it are shown (the rule, not a summary).
            key = (newer.doc_id, newer.figure, older.doc_id, older.figure)
            kept = pairs.get(key)
            if kept is None or _length(newer, older) < _length(*kept):
                pairs[key] = (newer, older)
    found = [
        Conflict(
            newer,
            older,
            _precedence(claims[newer.doc_id], newer, older)
            or _precedence(claims[older.doc_id], older, newer),
        )
        for newer, older in pairs.values()
    ]
    return sorted(found, key=lambda c: (c.newer.effective_date, c.newer.doc_id), reverse=True)


def _candidates(statements: list[Statement]) -> Iterator[tuple[Statement, Statement]]:
    """The pairs worth checking: from different documents, with figures of one kind, sharing
    at least two words that are not in every other statement. Found through an index of
    words, not by trying every pair (a library holds tens of thousands of statements)."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for n, statement in enumerate(statements):
        by_kind[figure_kind(statement.figure)].append(n)
    for members in by_kind.values():
        postings: dict[str, list[int]] = defaultdict(list)
        for n in members:
            for word in statements[n].subject:
                postings[word].append(n)
        shared: Counter[tuple[int, int]] = Counter()
        for ids in postings.values():
            if len(ids) > _COMMON:
                continue  # a word this common tells nothing about which rule it is
            for x, y in combinations(ids, 2):
                if statements[x].doc_id != statements[y].doc_id:
                    shared[(x, y)] += 1
        for (x, y), count in shared.items():
            if count >= 2:
                yield statements[x], statements[y]


def _statements(
    store: PolicyStore, record: DocumentRecord, claims: list[str]
) -> Iterable[Statement]:
    """The document's rule statements; its sentences of precedence go into ``claims``."""
    current = record.current
    if current is None or record.retired:
        return
    meta = current.meta
    for chunk in store.passages(record.doc_id, meta.version):
        section = " ".join(p for p in (chunk.section_id, chunk.section_title) if p)
        for line in chunk.text.split("\n"):
            for sentence in split_sentences(line):
                if instruction(sentence):
                    continue  # flagged at ingestion and never quoted: neither a rule nor a claim
                if _PRECEDENCE.search(sentence):
                    claims.append(sentence)
                for figure, before in figures_of(sentence):
                    if _reference(figure, before):
                        continue
                    subject = content_words(before) - content_words(figure)
                    yield Statement(
                        doc_id=record.doc_id,
                        title=meta.title,
                        version=meta.version,
                        effective_date=meta.effective_date,
                        product=meta.product,
                        jurisdiction=meta.jurisdiction,
                        section_id=chunk.section_id,
                        section=section,
                        page=chunk.page_label_start or str(chunk.page_start),
                        sentence=sentence,
                        figure=figure,
                        subject=frozenset(w for w in subject if not w[:1].isdigit()),
                        passage=chunk,
                    )


def _length(*statements: Statement) -> int:
    return sum(len(s.sentence) for s in statements)


def _precedence(claims: list[str], speaker: Statement, other: Statement) -> str:
    """The first of ``speaker``'s sentences of precedence (``claims``) that names ``other``'s
    document (its title or id); empty when there is none."""
    names = {other.title.lower(), other.doc_id.lower()}
    for sentence in claims:
        if not any(n in sentence.lower() for n in names):
            continue
        # "amends section B4-2.1-01" speaks of that section only.
        named = _SECTION_REF.findall(sentence)
        if named and other.section_id not in named:
            continue
        return f"{speaker.title}: {sentence}"
    return ""


def claims_of(store: PolicyStore, doc_id: str, version: str) -> list[str]:
    """A document version's sentences of precedence (it amends, supersedes or controls
    something), in document order; sentences addressed to a model or the reader left out."""
    return [
        sentence
        for chunk in store.chunks(doc_id, version)
        for line in str(chunk["text"]).split("\n")
        for sentence in split_sentences(line)
        if _PRECEDENCE.search(sentence) and not instruction(sentence)
    ]


def controls(claims: Sequence[str], other_title: str, other_doc_id: str) -> str:
    """Which of ``claims`` says which of its document and another controls: a sentence
    that speaks of its own document ("this Supplement") and says it controls, prevails,
    governs, supersedes or takes precedence; the first naming the other document (its title
    or id), else the first naming no document at all ("Where this Supplement is stricter,
    it controls."); empty when none does. "Roofs must be replaced" is no such sentence."""
    said = [c for c in claims if _SELF.search(c) and _CONTROLS.search(c)]
    names = (other_title.lower(), other_doc_id.lower())
    naming = [c for c in said if any(n in c.lower() for n in names)]
    general = [c for c in said if not _NAMES_DOCUMENT.search(c)]
    return next(iter(naming or general), "")


_SELF = re.compile(
    r"\bth(?:is|ese)\s+(?:supplement|policy|policies|guide|bulletin|memorandum|memo|document)",
    re.IGNORECASE,
)
_CONTROLS = re.compile(
    r"\b(?:controls?|prevails?|governs?|supersed(?:es|ed)|takes? precedence|overrides?)\b",
    re.IGNORECASE,
)
_NAMES_DOCUMENT = re.compile(
    r"\b(?:[A-Z][a-z]+ )+(?:Guide|Policy|Supplement|Bulletin|Memorandum)\b"
)


def _reference(figure: str, before: str) -> bool:
    """A number that names something rather than sets a limit: a year, or a form, version,
    section, page, note, item, table or chapter number."""
    last = before.split()[-1].lower().strip("(,") if before.split() else ""
    if figure_kind(figure) != "n":
        return False
    return bool(_YEAR.fullmatch(figure)) or last in _NAMING


def _applies(statement: Statement, product: str | None, jurisdiction: str | None) -> bool:
    return (product is None or _overlap(statement.product, (product,), ALL_PRODUCTS)) and (
        jurisdiction is None or _overlap(statement.jurisdiction, (jurisdiction,), FEDERAL)
    )


def _overlap(a: tuple[str, ...], b: tuple[str, ...], everything: str) -> bool:
    """Two documents' products (or jurisdictions) overlap when either applies to one of the
    other's: a value in common, or ``everything`` on either side."""
    return any(applies(a, v, everything) for v in b) or any(applies(b, v, everything) for v in a)


def _conflict(a: Statement, b: Statement) -> bool:
    if a.doc_id == b.doc_id or a.figure == b.figure:
        return False
    if figure_kind(a.figure) != figure_kind(b.figure):
        return False
    if not (
        _overlap(a.product, b.product, ALL_PRODUCTS)
        and _overlap(a.jurisdiction, b.jurisdiction, FEDERAL)
    ):
        return False
    shared = len(a.subject & b.subject)
    smaller = min(len(a.subject), len(b.subject))
    return shared >= MIN_SHARED and smaller > 0 and shared / smaller >= MIN_OVERLAP
