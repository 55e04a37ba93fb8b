"""Typed hand-offs between the stages.

Ingestion: ``DocumentMeta`` + file -> ``ParsedDocument`` (pages) -> ``Section`` list ->
``Chunk`` list -> stored as points, catalogued as ``DocumentVersion``.
Question path: question -> ``RedactedQuestion`` -> ...
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.text import TextKind, paragraph_citation, quoted_paragraph, state_name, text_kind

_DOC_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
_STATE = re.compile(r"^[A-Z]{2}$")
FEDERAL = "US-federal"
"""The jurisdiction of a document that applies in every state."""
ALL_PRODUCTS = "all"
"""The product of a document that applies to every product."""
_FEDERAL_ALIASES = {"us-federal", "federal", "us", "usa", "us federal", "united states"}
MAX_TITLE_CHARS = 300
"""The longest title taken in (a file's own title is cut to it). Like the limit below, checked
where metadata comes in (``ingest.manifest``), not on records already stored."""
MAX_DOC_ID_CHARS = 100


def normalize_jurisdiction(value: str) -> str:
    """``US-federal`` (or an alias such as ``federal``) or a two-letter state code."""
    cleaned = value.strip()
    if cleaned.lower() in _FEDERAL_ALIASES:
        return FEDERAL
    if _STATE.match(cleaned.upper()):
        return cleaned.upper()
    raise ValueError(f"use {FEDERAL} or a two-letter state code such as TX")


def normalize_slug(value: str) -> str:
    """A product or document type as stored: lower case, words joined by ``-``."""
    return value.strip().lower().replace(" ", "-").replace("_", "-")


def split_values(value: object) -> list[str]:
    """The values of a product or jurisdiction field as given: a string (several separated
    by commas), or a list or tuple of strings; stripped, blanks dropped."""
    if isinstance(value, str):
        items: list[object] = list(value.split(","))
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError("give a text value or a list of them")
    if not all(isinstance(item, str) for item in items):
        raise ValueError("each value must be text")
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def _tags(value: object, normalize: Callable[[str], str]) -> tuple[str, ...]:
    """``value`` (see :func:`split_values`) normalised, each value once, in the order given."""
    found = dict.fromkeys(normalize(item) for item in split_values(value))
    if not found:
        raise ValueError("must not be empty")
    return tuple(found)


def applies(values: Collection[str], wanted: str, everything: str) -> bool:
    """Whether a document tagged with ``values`` (its products, or its jurisdictions)
    applies to ``wanted``: one of its values is ``wanted``, or ``everything``
    (:data:`ALL_PRODUCTS`, :data:`FEDERAL`). The rule of every product and jurisdiction
    filter, the store's own included (a keyword match on a list matches any element)."""
    return wanted in values or everything in values


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Status(StrEnum):
    """Lifecycle of a document version and of its points."""

    STAGED = "staged"
    """Written but not yet committed; never visible to questions."""
    CURRENT = "current"
    SUPERSEDED = "superseded"
    RETIRED = "retired"


def doc_id_from_name(file_name: str) -> str:
    """A document id made from a file name, for an upload whose id was left empty:
    ``"Mortgage Guide (v2).pdf"`` -> ``"mortgage-guide-v2"``; at most ``MAX_DOC_ID_CHARS``."""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name.lstrip(".") else file_name
    slug = re.sub(r"[^a-z0-9._-]+", "-", stem.lower())
    slug = re.sub(r"-{2,}", "-", slug).strip("-._")[:MAX_DOC_ID_CHARS].rstrip("-._")
    return slug or "document"


class DocumentMeta(_Frozen):
    """What compliance staff say about a document when they add it."""

    doc_id: str
    title: str = Field(min_length=1)
    product: tuple[str, ...] = Field(min_length=1)
    """The products it applies to (``all``: every one)."""
    jurisdiction: tuple[str, ...] = Field(min_length=1)
    """The jurisdictions it applies in (``US-federal``: every state)."""
    doc_type: str
    version: str = Field(min_length=1, max_length=64)
    effective_date: date

    @field_validator("doc_id")
    @classmethod
    def _doc_id(cls, value: str) -> str:
        value = value.strip().lower()
        if not _DOC_ID.match(value):
            raise ValueError(
                "use lowercase letters, digits, '.', '_' or '-' (e.g. mortgage-underwriting-guide)"
            )
        return value

    @field_validator("title", "version")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("doc_type")
    @classmethod
    def _slug(cls, value: str) -> str:
        value = normalize_slug(value)
        if not value:
            raise ValueError("must not be empty")
        return value

    # A string is one value, or several separated by commas: what records and chunk points
    # written before a document could hold several values hold, and what the command line
    # gives.
    @field_validator("product", mode="before")
    @classmethod
    def _products(cls, value: object) -> tuple[str, ...]:
        return _tags(value, normalize_slug)

    @field_validator("jurisdiction", mode="before")
    @classmethod
    def _jurisdictions(cls, value: object) -> tuple[str, ...]:
        return _tags(value, normalize_jurisdiction)


class Page(_Frozen):
    """One page of text, cleaned of running headers and footers."""

    number: int = Field(ge=1)
    """Physical page number, 1-based: what a PDF viewer's #page= expects."""
    label: str
    """The printed page label (the PDF's /PageLabels where it has them)."""
    text: str
    headings: tuple[str, ...] = ()
    """Lines the layout sets apart as headings (bold or larger type, Markdown ``#``)."""


class ParsedDocument(_Frozen):
    path: Path
    file_name: str
    sha256: str
    media_type: Literal["pdf", "markdown", "text"]
    pages: tuple[Page, ...]
    title: str | None = None
    """The title the file itself declares (PDF metadata, first Markdown heading)."""


class Block(_Frozen):
    """A paragraph, list item or whole table within a section, on one page."""

    kind: Literal["text", "table"]
    text: str
    page: int
    page_label: str
    table_context: str = ""
    """For a table: its caption and header row, repeated where the table is split."""
    continues: bool = False
    """Text carried over from the previous page: its first line goes on the paragraph (and
    perhaps the sentence) the block before it left open."""


class Section(_Frozen):
    section_id: str
    """The section's number as printed (``B3-3.1-09``, ``4.2.1``); empty for text before the
    first heading."""
    title: str
    path: tuple[str, ...]
    """Headings from the outermost section down to this one, each ``id title``."""
    blocks: tuple[Block, ...]

    @property
    def heading(self) -> str:
        return " > ".join(self.path)


class Chunk(_Frozen):
    """A piece of one section, small enough for the embedding model's window."""

    ordinal: int = Field(ge=0)
    section_id: str
    section_title: str
    section_path: tuple[str, ...]
    text: str
    embed_text: str
    """What is embedded: the section heading path, the lead-ins of the paragraphs the text
    sits in (``context``), then the text."""
    token_count: int
    """Tokens of ``embed_text`` as the embedding model counts them, special tokens included."""
    page_start: int
    page_end: int
    page_label_start: str
    page_label_end: str
    kind: Literal["text", "table", "mixed"]
    context: str = ""
    """The lead-ins of the paragraphs that enclose the text (``(e) Qualified mortgages \u2026
    (2) ... payments that do not:``), one a line, outermost first: embedded and searched
    with it, never quoted."""
    paragraphs: tuple[tuple[int, str], ...] = ()
    """Where each numbered paragraph begins in ``text``: ``(offset, label)`` at every change
    of paragraph, the label relative to the section (``(e)(2)(ii)``, ``item 3``, ``I.A.2``;
    empty for text before the first numbered paragraph). Empty when the chunk holds none."""
    examples: tuple[str, ...] = ()
    """The labels among ``paragraphs`` that are examples: under a paragraph headed "Examples"
    (:func:`ingest.paragraphs.example_labels`). They are read, never quoted as the rule."""


MAX_FLAGGED = 20
"""Flagged sentences kept per version: the count is what compliance needs first, and a few
examples show what they say."""


class FlaggedText(_Frozen):
    """A sentence of a document addressed to a model or to the reader as a command ("ignore
    previous instructions", "system: ..."): found at ingestion, never quoted as an answer,
    shown to compliance staff."""

    page: int
    section: str
    text: str


class DocumentVersion(_Frozen):
    """One version of a document as the catalog knows it."""

    meta: DocumentMeta
    status: Status
    file_name: str
    sha256: str
    pages: int
    chunks: int
    ingested_at: datetime
    flagged: tuple[FlaggedText, ...] = ()
    """Sentences addressed to a model or to the reader (see :class:`FlaggedText`)."""


class DocumentRecord(_Frozen):
    """Everything the catalog holds about one doc_id: its versions and any unfinished change.

    Writing this record is the commit point of every change to a document; the chunk points
    are brought in line with it afterwards (and again on recovery after a crash).
    """

    doc_id: str
    versions: tuple[DocumentVersion, ...]
    retired: bool = False
    pending: Literal["apply", "purge"] | None = None
    revision: int = 0
    """Raised by one on every write; a write succeeds only over the revision it read, so two
    processes changing one document at once cannot both commit (see ``app.index.store``)."""
    writer: str = ""
    """A token unique to the write that stored this revision (to tell who won a race)."""

    @property
    def current(self) -> DocumentVersion | None:
        return next((v for v in self.versions if v.status is Status.CURRENT), None)

    def version(self, version: str) -> DocumentVersion | None:
        return next((v for v in self.versions if v.meta.version == version), None)


class FileOutcome(StrEnum):
    NEW = "new"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    FAILED = "failed"


class FileResult(_Frozen):
    """What happened to one input file."""

    path: Path
    outcome: FileOutcome
    doc_id: str | None = None
    version: str | None = None
    previous_version: str | None = None
    status: Status | None = None
    pages: int = 0
    chunks: int = 0
    reason: str | None = None
    flagged: tuple[FlaggedText, ...] = ()


class RedactedEntity(_Frozen):
    """One span removed from a question; the original text is not kept."""

    entity_type: str
    placeholder: str
    score: float


class RedactedQuestion(_Frozen):
    """A question with personal data replaced by numbered placeholders (``<PERSON_1>``)."""

    text: str
    entities: tuple[RedactedEntity, ...] = ()

    @property
    def entity_types(self) -> tuple[str, ...]:
        return tuple(sorted({e.entity_type for e in self.entities}))


# --- The question path ---------------------------------------------------------------


class User(_Frozen):
    name: str = Field(min_length=1)
    role: Literal["underwriter", "compliance"]


class Filters(_Frozen):
    """What the reader narrowed the question to."""

    product: str | None = None
    """Matches documents tagged with this product (among others) or ``all``."""
    jurisdiction: str | None = None
    """Matches documents tagged with this jurisdiction (among others); a state also matches
    ``US-federal`` documents."""
    doc_type: str | None = None
    as_of: date | None = None
    """Answer from the versions in force on this date instead of the current ones."""

    @field_validator("product", "doc_type")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        return value.strip().lower().replace(" ", "-") or None if value else None

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction(cls, value: str | None) -> str | None:
        return normalize_jurisdiction(value) if value and value.strip() else None

    def describe(self) -> str:
        """The filters set, in words (``product mortgage, jurisdiction TX``); empty if none."""
        parts = [
            f"product {self.product}" if self.product else "",
            f"jurisdiction {self.jurisdiction}" if self.jurisdiction else "",
            f"document type {self.doc_type}" if self.doc_type else "",
            f"policy in force on {self.as_of:%Y-%m-%d}" if self.as_of else "",
        ]
        return ", ".join(p for p in parts if p)


class RetrievedChunk(_Frozen):
    """A chunk found for a question, with its similarity score and where it comes from."""

    point_id: str
    score: float
    doc_id: str
    title: str
    version: str
    effective_date: date
    status: Status
    product: tuple[str, ...] = Field(min_length=1)
    jurisdiction: tuple[str, ...] = Field(min_length=1)
    doc_type: str
    file_name: str
    section_id: str
    section_title: str
    section_path: tuple[str, ...]
    page_start: int
    page_end: int
    page_label_start: str
    page_label_end: str
    ordinal: int
    text: str
    paragraphs: tuple[tuple[int, str], ...] = ()
    """Where each numbered paragraph begins in ``text`` (:attr:`Chunk.paragraphs`); empty for
    a passage indexed before paragraphs were read."""
    examples: tuple[str, ...] = ()
    """The labels of its paragraphs that are examples (:attr:`Chunk.examples`); empty for a
    passage indexed before they were read."""
    context: str = ""
    """The lead-ins of the paragraphs the passage sits in (:attr:`Chunk.context`)."""
    completes_list: bool = False
    """Not found by the search: read because a passage found runs into its list
    (:mod:`app.question.lists`); quoted only as the rest of that list."""

    @field_validator("product", mode="before")
    @classmethod
    def _products(cls, value: object) -> tuple[str, ...]:
        return _tags(value, normalize_slug)  # a point written before lists: a string

    @field_validator("jurisdiction", mode="before")
    @classmethod
    def _jurisdictions(cls, value: object) -> tuple[str, ...]:
        return _tags(value, normalize_jurisdiction)

    @property
    def section(self) -> str:
        return f"{self.section_id} {self.section_title}".strip()


class Citation(_Frozen):
    """A marker ``[n]`` in an answer and the passage it points to."""

    marker: int
    point_id: str
    doc_id: str
    title: str
    version: str
    effective_date: date
    file_name: str
    page: int
    """Physical page of the passage (for opening the PDF at it)."""
    page_label: str
    section_id: str
    section_title: str
    passage: str
    """The chunk text the cited sentences come from."""
    quote: str
    """The sentence(s) of the passage that support the answer."""
    kind: TextKind = "rule"
    """What the cited section is, read from its headings: the rule, an official
    interpretation, an example or a model form (:func:`app.text.text_kind`)."""
    context: str = ""
    """The lead-ins of the paragraphs the passage sits in, one a line (what the passage is
    read within: "... payments that do not:"); empty where there are none."""
    paragraph: str = ""
    """The paragraph the quote stands in, as it is cited (``\u00a7 1026.43(e)(2)(ii)``,
    ``comment 43(e)(2)-1``, ``B3-6-02, item 3``); empty when the section is the finest
    known (:func:`app.text.paragraph_citation`)."""

    @classmethod
    def from_chunk(cls, marker: int, chunk: RetrievedChunk, quote: str) -> Citation:
        kind = text_kind(chunk.section_path, chunk.doc_type)
        label = quoted_paragraph(chunk.text, chunk.paragraphs, quote)
        return cls(
            marker=marker,
            point_id=chunk.point_id,
            doc_id=chunk.doc_id,
            title=chunk.title,
            version=chunk.version,
            effective_date=chunk.effective_date,
            file_name=chunk.file_name,
            page=chunk.page_start,
            page_label=chunk.page_label_start,
            section_id=chunk.section_id,
            section_title=chunk.section_title,
            passage=chunk.text,
            quote=quote,
            kind=kind,
            paragraph=paragraph_citation(chunk.section_id, chunk.section_path, kind, label),
            context=chunk.context,
        )


class Generation(_Frozen):
    """What an answer backend produced, before verification: text with ``[n]`` markers
    numbered after the order of the sources it was given (1-based)."""

    text: str
    backend: str
    model: str
    prompt_version: str | None = None


Support = Literal["direct", "partial", "not_found"]


class Answer(_Frozen):
    """The result of one question, as the UI, the CLI and the evaluation receive it."""

    question: str
    """The redacted question (the raw one is never kept)."""
    read_as: str = ""
    """A follow-up question as it was read in its conversation ("What about for investment
    properties?" -> "What is the maximum DTI for investment properties for a mortgage?"),
    and answered; empty when the question stood alone (see :mod:`app.question.followup`)."""
    carried: tuple[str, ...] = ()
    """What the reading took from the previous question, in words."""
    redacted_entities: tuple[str, ...] = ()
    filters: Filters = Filters()
    text: str
    citations: tuple[Citation, ...] = ()
    retrieved: tuple[RetrievedChunk, ...] = ()
    closest_sections: tuple[Citation, ...] = ()
    """When abstaining: the nearest passages for the reader to check."""
    abstained: bool = False
    fell_back: bool = False
    """The configured backend failed or its answer did not survive verification."""
    needs_review: bool = False
    dropped_sentences: int = 0
    """Sentences removed because their citation did not support them."""
    notes: tuple[str, ...] = ()
    """Another current document states a cited figure differently: who says what, which
    is newer, which controls (see :mod:`app.question.conflict_notes`); and, for a state
    rule quoted with the general one, what the documents say about which controls."""
    note_citations: tuple[Citation, ...] = ()
    """The passages the notes quote from other documents, each cited with a marker after the
    answer's own (the marker stands in the note's text). Not part of the answer's support:
    they state a different figure."""
    scope: Filters = Filters()
    """The filters the question was answered under: ``filters`` plus the product and state
    its words name (see :mod:`app.question.scope`)."""
    scope_read: tuple[str, ...] = ()
    """The fields of ``scope`` read from the question's words, not set by the reader."""
    support: Support = "direct"
    """``direct``: quoted sentences state the answer; ``partial``: some of what the question
    asks about is not in the quoted sources (``not_covered`` says what);
    ``not_found``: nothing in the sources answers it."""
    not_covered: tuple[str, ...] = ()
    """The question's specific terms the quoted sources do not mention (``partial``), or
    that the whole library does not mention or speaks of only to rule them out
    (``not_found``)."""
    gaps: tuple[str, ...] = ()
    """One line per term of ``not_covered``: where the library speaks of it, that it has
    nothing on it, or what it says to rule it out (see :mod:`app.question.coverage`); for a
    "not found" whose closest passage is a model form's wording to the applicant, that it
    is not quoted as the rule."""
    backend: str
    model: str
    prompt_version: str | None = None
    latency_ms: dict[str, float] = Field(default_factory=dict)
    audit_id: int | None = None
    suggestions: tuple[str, ...] = ()
    """Questions the reader may ask next, about the sections beside the first one cited
    (see :mod:`app.question.suggest`)."""

    @property
    def asked(self) -> str:
        """The question as it was answered: its reading when a follow-up, else itself."""
        return self.read_as or self.question

    def answered_for(self) -> str:
        """The product and state the answer is for, in words (``heloc, Texas``); empty when
        the question was answered for every product and state."""
        parts = [
            self.scope.product or "",
            state_name(self.scope.jurisdiction) if self.scope.jurisdiction else "",
        ]
        return ", ".join(p for p in parts if p)

    def cited(self) -> tuple[Citation, ...]:
        """Every passage cited: the answer's citations, then those its notes add."""
        return (*self.citations, *self.note_citations)


class AuditRecord(_Frozen):
    """One line of the audit trail: who asked what (redacted), what was found and said."""

    id: int | None = None
    created_at: datetime
    user: str
    role: str
    question: str
    """Redacted question only."""
    redacted_entities: tuple[str, ...] = ()
    filters: Filters
    retrieved: tuple[dict[str, object], ...] = ()
    """``{point_id, doc_id, version, section_id, page, score}`` per retrieved chunk."""
    answer: str
    citations: tuple[dict[str, object], ...] = ()
    backend: str
    model: str
    prompt_version: str | None = None
    latency_ms: dict[str, float] = Field(default_factory=dict)
    abstained: bool = False
    fell_back: bool = False
    needs_review: bool = False
    support: Support | None = None
    """The answer's :attr:`Answer.support` (None in records written before it was kept)."""
    scope: Filters | None = None
    """The filters the question was answered under (:attr:`Answer.scope`)."""
    read_as: str | None = None
    """A follow-up's reading in its conversation (:attr:`Answer.read_as`); None when the
    question stood alone."""
    kind: Literal["question", "feedback", "sign_in"] = "question"
    feedback: dict[str, object] | None = None
    """For ``kind == "feedback"``: ``{answer_id, rating: up|down, comment}``."""
    sign_in: dict[str, object] | None = None
    """For ``kind == "sign_in"`` (a failed password sign-in of the name in ``user``):
    ``{client, failures, too_soon, locked}``; ``client`` is the address or None."""
    prev_hash: str = ""
    hash: str = ""
