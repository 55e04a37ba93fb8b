"""The regulations corpus as the question path sees it: a folder of real regulations (CFPB
RegML XML, US Code Markdown, PDFs) cut into sections and chunked as ingestion does, and the
real-text question set (``evals/corpus_questions.jsonl``) with its gold paragraphs resolved
to the sections that hold them.

RegML XML and US Code Markdown are cut into sections here (one per paragraph one level below
the section, :func:`regml_unit`; a statute's subsections, :func:`usc_sections`), then chunked
by ``ingest.chunk``; PDFs go through ``ingest.parse`` and ``ingest.sections``. Gold paragraphs
are the corpus's own identifiers, each counting as the section that holds it
(:func:`gold_candidates`): ``1002-9-a-1-i`` (12 CFR 1002.9(a)(1)(i)) is found in the section
``1002-9-a``, ``1002-9-b-2-Interp-1`` (comment 9(b)(2)-1) in ``1002-9-b-Interp``,
``15 U.S.C. 1691(d)(1)`` in ``15 U.S.C. 1691(d)``, and a PDF page (``checklist_mortgage_closing
p2``) in every section with a passage on it; only in the files the question's ``doc`` names.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from app.errors import CopilotError, DocumentError
from app.models import (
    ALL_PRODUCTS,
    FEDERAL,
    Block,
    Chunk,
    RetrievedChunk,
    Section,
    Status,
)
from evals.metrics import GoldenCase, GoldSource
from evals.metrics import Section as SectionKey

log = logging.getLogger(__name__)
CORPUS_QUESTIONS = Path(__file__).resolve().parent / "corpus_questions.jsonl"


@dataclass(frozen=True)
class Passage:
    """A chunk to index: what a hit reports (``chunk``) and the text both vectors embed."""

    chunk: RetrievedChunk
    embed_text: str


Chunker = Callable[[Sequence[Section], str], list[Chunk]]


def chunker(embedding: Any, settings: Any) -> Chunker:
    """``ingest.chunk.chunk`` with the settings and tokenizer ingestion uses."""
    from ingest.chunk import chunk

    def cut(sections: Sequence[Section], title: str) -> list[Chunk]:
        return chunk(
            sections,
            embedding.count_tokens,
            max_tokens=min(settings.chunking.max_tokens, embedding.window),
            min_tokens=settings.chunking.min_tokens,
            special_tokens=embedding.special_tokens,
            doc_title=title,
        )

    return cut


def passages_of(chunks: Sequence[Chunk], meta: dict[str, Any], first_id: int) -> list[Passage]:
    """Passages for a document's chunks; ``meta`` holds the document's fields."""
    return [
        Passage(
            chunk=RetrievedChunk(
                point_id=str(first_id + i),
                score=0.0,
                section_id=c.section_id,
                section_title=c.section_title,
                section_path=c.section_path,
                page_start=c.page_start,
                page_end=c.page_end,
                page_label_start=c.page_label_start,
                page_label_end=c.page_label_end,
                ordinal=c.ordinal,
                text=c.text,
                **meta,
            ),
            embed_text=c.embed_text,
        )
        for i, c in enumerate(chunks)
    ]


# --- the regulations corpus ----------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _clean(text: str) -> str:
    from ingest.clean import normalize

    return normalize(text)


_SKIPPED = {"fdsys", "preamble", "tableOfContents", "footnote", "graphic", "analysis"}
"""Left out: metadata, tables of contents, footnotes, images and the Federal Register
preamble's section-by-section analysis (explanation, not rule text)."""
_HEADINGS = {"title", "subject", "appendixTitle"}
_TEXT_ELEMENTS = {"paragraph", "interpParagraph"}
_HEADED = {"section", "interpSection", "appendix", "appendixSection"}
_CONTAINERS = _HEADED | {"part", "subpart", "interpretations", "change"}
_UNMARKED = re.compile(r"^p\d+$")
LONG_UNIT = 8000
"""A first-level unit with more text than this (characters) is cut at the second level."""


def _text(element: ET.Element) -> str:
    """Running text, inline references included, footnotes and images left out."""
    parts = [element.text or ""]
    for child in element:
        if _local(child.tag) not in _SKIPPED:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def regml_unit(label: str, depth: int = 1) -> str:
    """The unit a RegML label belongs to: the label cut ``depth`` paragraph levels below the
    section (``1002-9-a-1-i`` -> ``1002-9-a``; ``1026-Q-h1-A-2`` -> ``1026-Q-h1``), an
    unmarked paragraph (``1022-2-p1``) belonging to its parent; official comments keep their
    suffix (``1002-9-a-1-Interp-3`` -> ``1002-9-a-Interp``; ``1002-9-Interp-1`` ->
    ``1002-9-Interp``)."""
    parts = label.split("-")
    interp = "Interp" in parts
    if interp:
        parts = parts[: parts.index("Interp")]
    kept: list[str] = []
    for part in parts:
        if len(kept) >= 2 and _UNMARKED.match(part):
            break
        kept.append(part)
    unit = "-".join(kept[: 2 + depth])
    return f"{unit}-Interp" if interp else unit


def citation(unit: str) -> str:
    """A unit as people cite it: ``1026-32-b`` -> ``§ 1026.32(b)``, ``1026-32-b-Interp`` ->
    ``Comment 32(b)``, ``1026-Q-h1`` -> ``Appendix Q to Part 1026``."""
    interp = unit.endswith("-Interp")
    part, _, rest = unit.removesuffix("-Interp").partition("-")
    section, *paragraphs = rest.split("-") if rest else [""]
    if not section.isdigit():
        return f"Appendix {section} to Part {part}".strip() if section else f"Part {part}"
    marks = "".join(f"({p})" for p in paragraphs)
    return f"Comment {section}{marks}" if interp else f"§ {part}.{section}{marks}"


@dataclass(frozen=True)
class _Atom:
    label: str
    text: str
    heading: str
    """The title of the enclosing section, comment section or appendix."""


def _atoms(element: ET.Element, heading: str = "", label: str | None = None) -> Iterator[_Atom]:
    """The labelled pieces of text of a RegML document in order: each element's own text
    (marker, title, content; not its labelled children) under the label it belongs to."""
    tag = _local(element.tag)
    if tag in _SKIPPED:
        return
    if element.get("label"):
        label = element.get("label")
    elif tag in _CONTAINERS:
        label = None
    if tag in _HEADED:
        titles = [_text(c) for c in element if _local(c.tag) in _HEADINGS]
        title = _clean(" ".join(titles))
        if title:
            heading = f"{heading} {title}" if tag == "appendixSection" else title
    own: list[str] = [element.get("marker", "")]
    nested: list[ET.Element] = []
    for child in element:
        child_tag = _local(child.tag)
        if child_tag in _SKIPPED:
            continue
        if child_tag in _HEADINGS:
            if tag not in _CONTAINERS:  # a paragraph's title is part of its text
                own.append(_text(child))
        elif child_tag in _CONTAINERS or child_tag in _TEXT_ELEMENTS or child.get("label"):
            nested.append(child)
        elif any(_local(c.tag) in _CONTAINERS | _TEXT_ELEMENTS or c.get("label") for c in child):
            nested.append(child)  # a wrapper (``content`` of a part): look inside
        else:
            own.append(_text(child))
    text = _clean(" ".join(own))
    if label and text and text != _clean(element.get("marker", "")):
        yield _Atom(label, text, heading)
    for child in nested:
        yield from _atoms(child, heading, label)


def regml_sections(path: Path) -> tuple[list[Section], dict[str, str]]:
    """A RegML regulation or notice as sections, one per unit (:func:`regml_unit`; units
    longer than ``LONG_UNIT`` cut one level deeper), with a text block per labelled
    paragraph; and the document's title, version (FR document number) and effective date."""
    root = ET.parse(path).getroot()

    def first(name: str) -> str:
        return next((_clean(_text(e)) for e in root.iter() if _local(e.tag) == name), "")

    letter = first("regLetter")
    meta = {
        "title": " ".join(
            t
            for t in (
                f"12 CFR Part {first('section')}" if first("section") else "",
                first("title").title(),
                f"(Regulation {letter})" if letter else "",
            )
            if t
        ),
        "version": first("documentNumber") or "1",
        "effective_date": first("effectiveDate"),
    }
    titles = {
        str(e.get("label")): _clean(
            " ".join([e.get("marker", ""), *(_text(c) for c in e if _local(c.tag) in _HEADINGS)])
        )
        for e in root.iter()
        if e.get("label")
    }
    atoms = list(_atoms(root))
    sizes: dict[str, int] = {}
    for atom in atoms:
        unit = regml_unit(atom.label)
        sizes[unit] = sizes.get(unit, 0) + len(atom.text)
    grouped: dict[str, list[_Atom]] = {}
    for atom in atoms:
        unit = regml_unit(atom.label)
        if sizes[unit] > LONG_UNIT:
            unit = regml_unit(atom.label, depth=2)
        grouped.setdefault(unit, []).append(atom)
    sections = []
    for unit, members in grouped.items():
        upper = regml_unit(members[0].label)
        names = [members[0].heading or citation(upper), titles.get(upper, "")]
        if unit != upper:
            names.append(titles.get(unit, ""))
        names = [n for n in dict.fromkeys(names) if n]
        sections.append(
            Section(
                section_id=unit,
                title=names[-1] if names else unit,
                path=tuple(names) or (unit,),
                blocks=tuple(
                    Block(kind="text", text=a.text, page=1, page_label="1")
                    for a in members
                    # a heading alone is already in the chunk's heading path
                    if not (a.label in (unit, upper) and a.text == titles.get(a.label))
                ),
            )
        )
    return [s for s in sections if s.blocks], meta


_USC_TITLE = re.compile(r"^#\s*Title\s+(?P<num>\d+)")
_USC_SECTION = re.compile(r"^#+\s*§\s*(?P<num>\d+[A-Za-z0-9\-]*)\.?\s*(?P<title>.*)$")
_USC_SUBSECTION = re.compile(r"^\((?P<id>[a-z]{1,2})\)\s*(?P<rest>.*)$")


def _next_letter(current: str | None) -> str:
    """The subsection after ``current``: a, b, ... z, aa, bb, ..."""
    if current is None:
        return "a"
    if current[0] == "z":
        return "a" * (len(current) + 1)
    return chr(ord(current[0]) + 1) * len(current)


def usc_sections(path: Path) -> list[Section]:
    """US Code Markdown (each original chunk under a breadcrumb of headings) as sections,
    one per subsection, ``15 U.S.C. 1691(d)``. A subsection starts at its heading
    (``##### (d) ...``), or at a paragraph opening with the next letter in sequence and a
    capital (``(c) The term ...``), as definitions run on. Empty when the file holds no
    ``§`` section (a README, say)."""
    units: dict[str, tuple[tuple[str, ...], list[str]]] = {}
    title_number = ""
    number: str | None = None
    name = ""
    current: str | None = None

    def add(key: str, path_: tuple[str, ...], text: str | None) -> None:
        entry = units.setdefault(key, (path_, []))
        if text:
            entry[1].append(text)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = _clean(raw)
        if not line or line.startswith("<!--"):
            continue
        if match := _USC_TITLE.match(line):
            title_number = match["num"]
            continue
        if match := _USC_SECTION.match(line):
            if match["num"] != number:
                number, name, current = match["num"], match["title"], None
            continue
        heading = line.startswith("#")
        line = line.lstrip("#").strip()
        if number is None or (heading and not line.startswith("(")):
            continue
        citation = f"{title_number} U.S.C. {number}".strip()
        top = f"{citation} {name}".strip()
        sub = _USC_SUBSECTION.match(line)
        if sub and (
            (heading and sub["id"] != current)
            or (
                sub["id"] == _next_letter(current)
                and (sub["rest"][:1].isupper() or sub["rest"][:1] in "\"'")
            )
        ):
            current = sub["id"]
            title = line if heading else f"({current}) {sub['rest'][:60]}".strip()
            add(
                f"{citation}({current})",
                (top, title),
                None if heading and len(line) < 120 else line,
            )
            continue
        if heading and sub and sub["id"] == current:
            if len(line) >= 120:  # a repeated subsection heading that carries text
                add(f"{citation}({current})", (top, line), line)
            continue
        key = f"{citation}({current})" if current else citation
        add(key, (top,), line)
    return [
        Section(
            section_id=key,
            title=path_[-1],
            path=path_,
            blocks=tuple(Block(kind="text", text=t, page=1, page_label="1") for t in texts),
        )
        for key, (path_, texts) in units.items()
        if texts
    ]


def corpus_documents(folder: Path, cut: Chunker) -> Iterator[tuple[dict[str, Any], list[Chunk]]]:
    """Every document of a folder of regulations: RegML ``*.xml``, US Code ``*.md`` and
    ``*.pdf`` (through ``ingest.parse`` and ``ingest.sections``), as ``(fields, chunks)``:
    the document's fields (those of ``RetrievedChunk``) and its chunks. Unreadable files are
    skipped with a warning."""
    from ingest.parse import parse
    from ingest.sections import segment

    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        suffix = path.suffix.lower()
        version, effective, title = "1", "", path.stem
        try:
            if suffix == ".xml":
                sections, meta = regml_sections(path)
                version, effective = meta["version"], meta["effective_date"]
                title, doc_type = meta["title"] or title, "regulation"
            elif suffix in {".md", ".markdown"}:
                sections, doc_type = usc_sections(path), "statute"
            elif suffix == ".pdf":
                parsed = parse(path)
                sections, doc_type = segment(parsed), "guide"
                title = parsed.title or title
            else:
                continue
        except (DocumentError, ET.ParseError, UnicodeDecodeError) as exc:
            log.warning("skipping %s: %s", path.name, exc)
            continue
        if not sections:
            continue
        try:
            effective_date = date.fromisoformat(effective)
        except ValueError:
            effective_date = date(1970, 1, 1)
        fields = {
            "doc_id": re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()),
            "title": title,
            "version": version,
            "effective_date": effective_date,
            "status": Status.CURRENT,
            "product": ALL_PRODUCTS,
            "jurisdiction": FEDERAL,
            "doc_type": doc_type,
            "file_name": path.name,
        }
        yield fields, cut(sections, title)


def corpus_passages(folder: Path, cut: Chunker) -> tuple[list[Passage], list[str]]:
    """Every document of a folder of regulations (:func:`corpus_documents`) as passages;
    returns the passages and the names of the files read."""
    passages: list[Passage] = []
    read = []
    for fields, chunks in corpus_documents(folder, cut):
        passages += passages_of(chunks, fields, len(passages))
        read.append(fields["file_name"])
    return passages, read


# --- the question set ---------------------------------------------------------------------


_PDF_PAGE = re.compile(r"^(?P<stem>\S+) p(?P<page>[1-9]\d*)$")
_LAST_GROUP = re.compile(r"\([^()]+\)$")


def gold_candidates(gold: str) -> list[str]:
    """The section ids a gold paragraph may fall in, deepest first: the id itself, then for
    a RegML label its units (:func:`regml_unit`: ``1002-9-a-1-i`` -> ``1002-9-a-1``,
    ``1002-9-a``; ``1002-9-b-2-Interp-1`` -> ``1002-9-b-2-Interp``, ``1002-9-b-Interp``), for
    the US Code the subdivisions above it down to the subsection (``15 U.S.C. 1691(d)(1)`` ->
    ``15 U.S.C. 1691(d)``)."""
    out = [gold]
    if "U.S.C." in gold:
        while _LAST_GROUP.search(out[-1]) and _LAST_GROUP.sub("", out[-1]).endswith(")"):
            out.append(_LAST_GROUP.sub("", out[-1]))
    elif re.match(r"^\d+-", gold):
        out += [regml_unit(gold, depth) for depth in range(gold.count("-"), 0, -1)]
    return list(dict.fromkeys(out))


def load_corpus_questions(path: Path, passages: Sequence[Passage]) -> list[GoldenCase]:
    """The regulation questions that have gold (the unanswerable ones have nothing to rank),
    each gold id resolved to the sections holding it, in the files its ``doc`` names (any
    file when it names none): the section of that id or of the deepest unit above it
    (:func:`gold_candidates`); for a PDF page (``<file stem> p<N>``), every section with a
    passage on that page. Raises :class:`CopilotError` naming ids the corpus lacks."""
    held: dict[str, set[tuple[str, str, str]]] = {}
    pages: dict[tuple[str, int], set[SectionKey]] = {}
    for p in passages:
        c = p.chunk
        held.setdefault(c.section_id, set()).add((c.doc_id, c.version, c.file_name))
        if c.file_name.lower().endswith(".pdf"):
            for page in range(c.page_start, c.page_end + 1):
                pages.setdefault((c.file_name, page), set()).add(
                    (c.doc_id, c.version, c.section_id)
                )

    def resolve(gold: str, files: set[str]) -> set[SectionKey]:
        if page := _PDF_PAGE.match(gold):
            names = {f"{page['stem']}.pdf"} & files if files else {f"{page['stem']}.pdf"}
            return {s for name in names for s in pages.get((name, int(page["page"])), set())}
        for candidate in gold_candidates(gold):
            found = {
                (d, v, candidate)
                for d, v, f in held.get(candidate, set())
                if not files or f in files
            }
            if found:
                return found
        return set()

    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        data = json.loads(line)
        if not data["gold"]:
            continue
        files = set(data.get("doc", []))
        resolved = {g: resolve(g, files) for g in data["gold"]}
        unknown = [g for g, sections in resolved.items() if not sections]
        if unknown:
            raise CopilotError(
                f"{path.name} line {number}: no section {', '.join(unknown)} in the corpus"
            )
        gold = tuple(
            GoldSource(doc_id=d, version=v, section_id=s, page_label="")
            for g in data["gold"]
            for d, v, s in sorted(resolved[g])
        )
        cases.append(
            GoldenCase(
                id=data["id"],
                question=data["question"],
                category="answerable",
                gold=tuple(dict.fromkeys(gold)),
                notes=data.get("notes", ""),
            )
        )
    return cases
