"""The golden question set (``evals/golden.jsonl``) is well-formed and true to the sample
policies: every gold section exists on its printed page and holds the key facts, every gold
version is the one the question's filters reach, and the counts cover what the evaluation
needs. Fast: the documents are parsed once per module; no model is loaded.

``GOLDEN_SET=my.jsonl GOLDEN_CORPUS=my_corpus/`` (a folder with ``manifest.json``) checks
another set against another corpus (see evals/README.md)."""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from app.models import ALL_PRODUCTS, FEDERAL, Filters, Section, applies, split_values
from evals.metrics import GoldenCase, normalize_fact
from ingest.manifest import load_manifest
from ingest.parse import parse
from ingest.sections import segment

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(os.environ.get("GOLDEN_SET") or ROOT / "evals" / "golden.jsonl").resolve()
CORPUS = Path(os.environ.get("GOLDEN_CORPUS") or ROOT / "policies_sample").resolve()

CATEGORIES = {"answerable", "unanswerable", "filter", "as_of", "pii"}
REQUIRED_FIELDS = {"id", "question", "category", "filters", "gold", "key_facts"}
OPTIONAL_FIELDS = {"pii_values", "notes"}
GOLD_FIELDS = {"doc_id", "version", "section_id", "page_label"}
FILTER_FIELDS = {"product", "jurisdiction", "doc_type", "as_of"}
MINIMUMS = {"answered": 60, "unanswerable": 12, "filter": 10, "as_of": 6, "pii": 10}
MIN_SECTIONS_PER_DOCUMENT = 3
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SSN = re.compile(r"^(\d{3})-(\d{2})-(\d{4})$")
INVALID_SSNS = {"123-45-6789", "078-05-1120", "219-09-9999"}
"""Famous example numbers: a realistic question does not use them."""


def _lines() -> list[tuple[int, str]]:
    text = GOLDEN.read_text(encoding="utf-8")
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _questions() -> list[dict[str, Any]]:
    """The questions that parse as JSON objects (the first test reports the others)."""
    rows = []
    for _, line in _lines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


QUESTIONS = _questions()
ANSWERABLE = [q for q in QUESTIONS if q.get("gold")]
"""Questions with gold sources: every category but ``unanswerable`` (pii, filter, as_of too)."""
PII = [q for q in QUESTIONS if q.get("category") == "pii"]


def _ids(rows: list[dict[str, Any]]) -> list[str]:
    return [str(row.get("id")) for row in rows]


class Library:
    """The corpus documents, each parsed and segmented the first time it is asked for."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], dict[str, Any]] = {}
        """Each document's manifest fields; its products and jurisdictions as tuples."""
        self.files: dict[tuple[str, str], Path] = {}
        for entry in load_manifest(CORPUS / "manifest.json"):
            fields: dict[str, Any] = {
                k: tuple(split_values(v)) if k in {"product", "jurisdiction"} else str(v)
                for k, v in entry.fields.items()
            }
            key = (fields["doc_id"], fields["version"])
            self.entries[key], self.files[key] = fields, entry.path
        self._sections: dict[tuple[str, str], list[Section]] = {}

    def sections(self, doc_id: str, version: str) -> list[Section]:
        key = (doc_id, version)
        if key not in self._sections:
            self._sections[key] = segment(parse(self.files[key]))
        return self._sections[key]

    def section(self, doc_id: str, version: str, section_id: str) -> Section | None:
        """The one section with this id, or None (no such document, version or section)."""
        if (doc_id, version) not in self.entries:
            return None
        found = [s for s in self.sections(doc_id, version) if s.section_id == section_id]
        return found[0] if len(found) == 1 else None

    @cached_property
    def corpus_text(self) -> str:
        """Every section of every document, normalised, in one string."""
        return " ".join(_text(section) for key in self.entries for section in self.sections(*key))

    def vocabulary(self, field: str) -> set[str]:
        values = [entry[field] for entry in self.entries.values()]
        return {v for value in values for v in (value if isinstance(value, tuple) else [value])}

    def reachable(self, filters: dict[str, str]) -> set[tuple[str, str]]:
        """(doc_id, version) the copilot searches under ``filters``: a product matches its
        own documents and ``all``, a state also matches ``US-federal``; the current (latest)
        version of each document, or with ``as_of`` the latest effective on that date."""
        as_of = date.fromisoformat(filters["as_of"]) if "as_of" in filters else date.max
        chosen: dict[str, dict[str, Any]] = {}
        for entry in self.entries.values():
            effective = date.fromisoformat(entry["effective_date"])
            best = chosen.get(entry["doc_id"])
            if effective <= as_of and (
                best is None or effective > date.fromisoformat(best["effective_date"])
            ):
                chosen[entry["doc_id"]] = entry
        found = set()
        for entry in chosen.values():
            if "product" in filters and not applies(
                entry["product"], filters["product"], ALL_PRODUCTS
            ):
                continue
            if "jurisdiction" in filters and not applies(
                entry["jurisdiction"], filters["jurisdiction"], FEDERAL
            ):
                continue
            if "doc_type" in filters and entry["doc_type"] != filters["doc_type"]:
                continue
            found.add((entry["doc_id"], entry["version"]))
        return found


@pytest.fixture(scope="module")
def library() -> Library:
    return Library()


def _text(section: Section, page_label: str | None = None) -> str:
    return normalize_fact(
        "\n".join(b.text for b in section.blocks if page_label in (None, b.page_label))
    )


# --- The file --------------------------------------------------------------------------


def test_every_line_is_a_question_object() -> None:
    problems = []
    for number, line in _lines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not JSON ({exc})")
            continue
        if not isinstance(row, dict):
            problems.append(f"line {number}: not a JSON object")
            continue
        missing = REQUIRED_FIELDS - set(row)
        unknown = set(row) - REQUIRED_FIELDS - OPTIONAL_FIELDS
        if missing or unknown:
            problems.append(f"line {number}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    assert not problems, "\n".join(problems)
    assert len(QUESTIONS) == len(_lines())


def test_ids_are_unique() -> None:
    counts = Counter(_ids(QUESTIONS))
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", i) for i in counts), "ids are slugs"
    assert [i for i, n in counts.items() if n > 1] == []


def test_counts_meet_the_minimums(library: Library) -> None:
    categories = Counter(q["category"] for q in QUESTIONS)
    counts = {**categories, "answered": len(ANSWERABLE)}
    short = {k: (counts.get(k, 0), n) for k, n in MINIMUMS.items() if counts.get(k, 0) < n}
    assert not short, f"(have, need): {short}"

    covered: defaultdict[str, set[str]] = defaultdict(set)
    for question in ANSWERABLE:
        for source in question["gold"]:
            covered[source["doc_id"]].add(source["section_id"])
    thin = {
        doc_id: len(covered[doc_id])
        for doc_id in library.vocabulary("doc_id")
        if len(covered[doc_id]) < MIN_SECTIONS_PER_DOCUMENT
    }
    assert not thin, f"documents with too few gold sections: {thin}"

    tables = [q for q in ANSWERABLE if any(_cites_table(library, s) for s in q["gold"])]
    assert len(tables) >= 5, "some answers must come from tables"


def _cites_table(library: Library, source: dict[str, str]) -> bool:
    section = library.section(source["doc_id"], source["version"], source["section_id"])
    return section is not None and any(b.kind == "table" for b in section.blocks)


# --- Each question -----------------------------------------------------------------------


@pytest.mark.parametrize("question", QUESTIONS, ids=_ids(QUESTIONS))
def test_question_is_well_formed(question: dict[str, Any]) -> None:
    GoldenCase.model_validate(question)  # what copilot eval loads
    assert question["category"] in CATEGORIES
    assert isinstance(question["question"], str) and question["question"].strip()
    assert all(isinstance(f, str) and f.strip() for f in question["key_facts"])
    assert isinstance(question["gold"], list)
    for source in question["gold"]:
        assert set(source) == GOLD_FIELDS
        assert all(isinstance(v, str) and v for v in source.values())
    if question["category"] == "unanswerable":
        assert question["gold"] == [] and question["key_facts"] == []
    else:
        assert question["gold"] and question["key_facts"], "an answerable question needs both"
    if question["category"] == "pii":
        values = question.get("pii_values")
        assert isinstance(values, list) and values
        for value in values:
            assert isinstance(value, str) and value in question["question"], value
    else:
        assert "pii_values" not in question


@pytest.mark.parametrize("question", QUESTIONS, ids=_ids(QUESTIONS))
def test_filters_use_the_manifest_vocabulary(question: dict[str, Any], library: Library) -> None:
    filters = question["filters"]
    assert isinstance(filters, dict) and set(filters) <= FILTER_FIELDS
    for field in ("product", "jurisdiction", "doc_type"):
        if field in filters:
            assert filters[field] in library.vocabulary(field), f"{field}={filters[field]!r}"
    if "as_of" in filters:
        assert ISO_DATE.match(filters["as_of"]), "as_of is YYYY-MM-DD"
        date.fromisoformat(filters["as_of"])
    parsed = Filters(**filters)  # what the copilot itself accepts
    assert parsed.jurisdiction == filters.get("jurisdiction")
    if question["category"] == "filter":
        assert {"product", "jurisdiction"} & set(filters)
    if question["category"] == "as_of":
        assert "as_of" in filters


@pytest.mark.parametrize("question", ANSWERABLE, ids=_ids(ANSWERABLE))
def test_gold_is_true_to_the_documents(question: dict[str, Any], library: Library) -> None:
    texts = []
    facts = [normalize_fact(f) for f in question["key_facts"]]
    for source in question["gold"]:
        doc_id, version = source["doc_id"], source["version"]
        assert (doc_id, version) in library.entries, f"{doc_id} {version} is not in the manifest"
        section = library.section(doc_id, version, source["section_id"])
        assert section is not None, f"{doc_id} {version} has no section {source['section_id']}"
        labels = {b.page_label for b in section.blocks}
        assert source["page_label"] in labels, (
            f"{source['section_id']} is on pages {sorted(labels)}, not {source['page_label']}"
        )
        on_page = _text(section, source["page_label"])
        assert any(f in on_page for f in facts), (
            f"no key fact on page {source['page_label']} of {doc_id} {version} "
            f"{source['section_id']}"
        )
        texts.append(_text(section))
    missing = [f for f in question["key_facts"] if not any(normalize_fact(f) in t for t in texts)]
    assert not missing, f"key facts in no gold section: {missing}"


@pytest.mark.parametrize("question", ANSWERABLE, ids=_ids(ANSWERABLE))
def test_gold_is_reachable_under_the_filters(question: dict[str, Any], library: Library) -> None:
    reachable = library.reachable(question["filters"])
    for source in question["gold"]:
        assert (source["doc_id"], source["version"]) in reachable, (
            f"{source['doc_id']} {source['version']} is not searched under {question['filters']}"
        )


# --- Pairs and personal data ---------------------------------------------------------------


def _gold_set(question: dict[str, Any]) -> frozenset[tuple[str, ...]]:
    return frozenset((s["doc_id"], s["version"], s["section_id"]) for s in question["gold"])


def _groups(category: str) -> dict[str, list[dict[str, Any]]]:
    groups: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for question in QUESTIONS:
        if question.get("category") == category:
            groups[question["question"]].append(question)
    return groups


def test_filter_questions_differ_only_by_their_filters() -> None:
    for text, group in _groups("filter").items():
        assert len(group) >= 2, f"{text!r} has no partner with other filters"
        filters = [json.dumps(q["filters"], sort_keys=True) for q in group]
        assert len(set(filters)) == len(group), f"{text!r}: filters repeat"
        golds = [_gold_set(q) for q in group]
        assert len(set(golds)) == len(group), f"{text!r}: gold repeats across filters"


def test_as_of_questions_differ_only_by_their_date(library: Library) -> None:
    for text, group in _groups("as_of").items():
        assert len(group) >= 2, f"{text!r} has no partner with another date"
        dates = [q["filters"]["as_of"] for q in group]
        assert len(set(dates)) == len(group), f"{text!r}: dates repeat"
        versions = [frozenset((s["doc_id"], s["version"]) for s in q["gold"]) for q in group]
        assert len(set(versions)) == len(group), f"{text!r}: same versions on different dates"
    # Some pairs must straddle two versions of one document, each version cited.
    versioned = {d for d, n in Counter(d for d, _ in library.entries).items() if n > 1}
    cited = Counter(
        (s["doc_id"], s["version"])
        for q in QUESTIONS
        if q["category"] == "as_of"
        for s in q["gold"]
        if s["doc_id"] in versioned
    )
    half = MINIMUMS["as_of"] // 2
    assert any(
        sum(n >= half for (d, _), n in cited.items() if d == doc) >= 2 for doc in versioned
    ), f"as_of gold in versions of one document: {dict(cited)}"


@pytest.mark.parametrize("question", PII, ids=_ids(PII))
def test_pii_values_are_realistic_and_only_in_the_question(
    question: dict[str, Any], library: Library
) -> None:
    """A seeded value must be nowhere in the corpus, so that finding it in an answer, a log
    or the audit trail can only mean that redaction let it through."""
    for value in question["pii_values"]:
        match = SSN.match(value)
        if match:
            area, group, serial = match.groups()
            assert value not in INVALID_SSNS
            assert area not in {"000", "666"} and not area.startswith("9"), value
            assert group != "00" and serial != "0000", value
        assert normalize_fact(value) not in library.corpus_text, f"{value!r} occurs in a policy"
        assert not any(normalize_fact(value) in normalize_fact(f) for f in question["key_facts"]), (
            value
        )
