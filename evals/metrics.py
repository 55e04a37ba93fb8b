"""Evaluation metrics: deterministic functions of golden cases and the answers given.

No model judges anything here. A *section* is (doc_id, version, section_id); a citation or
retrieved passage counts for a case when its section is one of the case's gold sections.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.models import Answer

Section = tuple[str, str, str]
CATEGORIES = ("answerable", "unanswerable", "filter", "as_of", "pii")


class GoldSource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    doc_id: str
    version: str
    section_id: str
    page_label: str

    @property
    def section(self) -> Section:
        return (self.doc_id, self.version, self.section_id)


class GoldenCase(BaseModel):
    """One line of a golden question set (see evals/README.md for the schema)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    question: str
    category: str = Field(pattern="^(" + "|".join(CATEGORIES) + ")$")
    filters: dict[str, str] = Field(default_factory=dict)
    gold: tuple[GoldSource, ...] = ()
    key_facts: tuple[str, ...] = ()
    pii_values: tuple[str, ...] = ()
    notes: str = ""
    """Why the case is there (for people; never scored)."""

    @property
    def answerable(self) -> bool:
        return bool(self.gold)

    @property
    def sections(self) -> set[Section]:
        return {g.section for g in self.gold}


@dataclass(frozen=True)
class CaseResult:
    """A case, the answer it got, and everything that left the redaction step for it."""

    case: GoldenCase
    answer: Answer
    outbound: tuple[str, ...] = ()
    """Texts sent beyond redaction (to the model, the logs, the audit trail)."""


@dataclass
class Metrics:
    values: dict[str, float] = field(default_factory=dict)
    latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)


_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
}  # fmt: skip
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b")


def normalize_fact(text: str) -> str:
    """Text as key facts are matched in it: case and spacing ignored, and a number written
    out up to twelve read as its figure ("three business days" is "3 business days")."""
    text = " ".join(text.lower().split())
    return _NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m.group(1)], text)


def _retrieved_sections(answer: Answer, k: int) -> list[Section]:
    return [(c.doc_id, c.version, c.section_id) for c in answer.retrieved[:k]]


def recall_at_k(results: Sequence[CaseResult], k: int) -> float:
    """Share of answerable cases with a gold section among the first k passages retrieved."""
    cases = [r for r in results if r.case.answerable]
    if not cases:
        return 1.0
    hits = sum(bool(set(_retrieved_sections(r.answer, k)) & r.case.sections) for r in cases)
    return hits / len(cases)


def mrr(results: Sequence[CaseResult]) -> float:
    """Mean reciprocal rank of the first gold section retrieved (0 when none is)."""
    cases = [r for r in results if r.case.answerable]
    if not cases:
        return 1.0
    total = 0.0
    for r in cases:
        ranks = [
            i for i, s in enumerate(_retrieved_sections(r.answer, 10**6), 1) if s in r.case.sections
        ]
        total += 1 / ranks[0] if ranks else 0.0
    return total / len(cases)


def citation_precision(results: Sequence[CaseResult]) -> float:
    """Share of citations (in answerable cases) whose passage is from a gold section.
    Every citation that reaches an Answer has passed the support check."""
    cited = [
        (c.doc_id, c.version, c.section_id) in r.case.sections
        for r in results
        if r.case.answerable
        for c in r.answer.citations
    ]
    return sum(cited) / len(cited) if cited else 1.0


def citation_recall(results: Sequence[CaseResult]) -> float:
    """Share of answerable cases whose answer cites a gold section."""
    cases = [r for r in results if r.case.answerable]
    if not cases:
        return 1.0
    cited = sum(
        bool({(c.doc_id, c.version, c.section_id) for c in r.answer.citations} & r.case.sections)
        for r in cases
    )
    return cited / len(cases)


def citations_resolve(results: Sequence[CaseResult]) -> float:
    """Share of answers whose every citation is one of the passages retrieved for it."""
    if not results:
        return 1.0
    ok = sum(
        {c.point_id for c in r.answer.citations} <= {c.point_id for c in r.answer.retrieved}
        for r in results
    )
    return ok / len(results)


def key_fact_recall(results: Sequence[CaseResult]) -> float:
    """Mean share of a case's key facts that its answer states."""
    scores = [
        sum(normalize_fact(f) in normalize_fact(r.answer.text) for f in r.case.key_facts)
        / len(r.case.key_facts)
        for r in results
        if r.case.answerable and r.case.key_facts
    ]
    return statistics.fmean(scores) if scores else 1.0


def abstention(results: Sequence[CaseResult]) -> tuple[float, float]:
    """(precision, recall) of abstaining, the unanswerable cases being the positives."""
    abstained = [r for r in results if r.answer.abstained]
    positives = [r for r in results if not r.case.answerable]
    true = [r for r in abstained if not r.case.answerable]
    precision = len(true) / len(abstained) if abstained else 1.0
    recall = len(true) / len(positives) if positives else 1.0
    return precision, recall


def false_abstention(results: Sequence[CaseResult]) -> float:
    """The share of answerable questions answered "not found"."""
    answerable = [r for r in results if r.case.answerable]
    return sum(r.answer.abstained for r in answerable) / len(answerable) if answerable else 0.0


def wrong_version_citations(results: Sequence[CaseResult]) -> int:
    """Citations of a gold document in a version other than the gold one."""
    count = 0
    for r in results:
        versions = {(g.doc_id, g.version) for g in r.case.gold}
        docs = {g.doc_id for g in r.case.gold}
        count += sum(
            c.doc_id in docs and (c.doc_id, c.version) not in versions for c in r.answer.citations
        )
    return count


def pii_leaks(results: Sequence[CaseResult]) -> int:
    """Seeded personal values found in anything that left the redaction step."""
    leaks = 0
    for r in results:
        texts = [r.answer.question, r.answer.text, *r.outbound]
        for value in r.case.pii_values:
            pattern = re.compile(re.escape(value), re.IGNORECASE)
            leaks += sum(bool(pattern.search(t)) for t in texts)
    return leaks


def latency(results: Sequence[CaseResult]) -> dict[str, dict[str, float]]:
    """p50 and p95 per stage, in milliseconds."""
    stages: dict[str, list[float]] = {}
    for r in results:
        for stage, ms in r.answer.latency_ms.items():
            stages.setdefault(stage, []).append(ms)
    return {
        stage: {"p50": _percentile(v, 50), "p95": _percentile(v, 95)} for stage, v in stages.items()
    }


def _percentile(values: Iterable[float], q: int) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def failures(results: Sequence[CaseResult], k: int) -> list[dict[str, Any]]:
    """A row per case that missed: what was expected and what came back."""
    rows = []
    for r in results:
        problems = []
        cited = {(c.doc_id, c.version, c.section_id) for c in r.answer.citations}
        if r.case.answerable:
            if r.answer.abstained:
                problems.append("abstained")
            elif not cited & r.case.sections:
                problems.append("no gold citation")
            if not set(_retrieved_sections(r.answer, k)) & r.case.sections:
                problems.append(f"gold not in top {k}")
            missing = [
                f
                for f in r.case.key_facts
                if normalize_fact(f) not in normalize_fact(r.answer.text)
            ]
            if missing and not r.answer.abstained:
                problems.append("missing facts: " + ", ".join(missing))
        elif not r.answer.abstained:
            problems.append("answered an unanswerable question")
        if pii_leaks([r]):
            problems.append("PII leaked")
        if problems:
            rows.append(
                {
                    "id": r.case.id,
                    "question": r.answer.question,
                    "expected": ", ".join(
                        f"{g.doc_id} {g.version} {g.section_id} p.{g.page_label}"
                        for g in r.case.gold
                    )
                    or "abstain",
                    "got": "abstained"
                    if r.answer.abstained
                    else ", ".join(
                        f"{c.doc_id} {c.version} {c.section_id} p.{c.page_label}"
                        for c in r.answer.citations
                    ),
                    "problems": "; ".join(problems),
                }
            )
    return rows


def compute(results: Sequence[CaseResult], k: int = 5) -> Metrics:
    precision, recall = abstention(results)
    return Metrics(
        values={
            f"retrieval_recall_at_{k}": recall_at_k(results, k),
            "retrieval_mrr": mrr(results),
            "citation_precision": citation_precision(results),
            "citation_recall": citation_recall(results),
            "citations_resolve": citations_resolve(results),
            "key_fact_recall": key_fact_recall(results),
            "abstention_precision": precision,
            "abstention_recall": recall,
            "false_abstention": false_abstention(results),
            "wrong_version_citations": float(wrong_version_citations(results)),
            "pii_leaks": float(pii_leaks(results)),
        },
        latency_ms=latency(results),
        failures=failures(results, k),
    )
