"""The real-text question set (``evals/corpus_questions.jsonl``) asked through the service
over an index of a folder of regulations (:mod:`evals.regulations`), with no filters, exactly
as an underwriter would; its figures for the tuned part of the set and the part kept aside,
each on its own, and the gate that fails when they fall.

The figures are those of ``copilot eval`` (``evals.metrics``), plus paragraph-level citation
precision (the cited passage holds a gold paragraph: the opening of its text, as the corpus
has it) and document-level citation precision. ``copilot eval --dataset
evals/corpus_questions.jsonl --corpus DIR`` runs it (the nightly job, where a corpus folder is
configured), and so does ``python -m benchmarks.answers``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import CopilotError
from app.models import Citation, DocumentMeta, User
from evals.corpus import corpus_files, normalize, read_document
from evals.metrics import CaseResult, GoldenCase, compute, latency
from evals.regulations import chunker, corpus_documents, load_corpus_questions, passages_of

if TYPE_CHECKING:
    from app.question.service import CopilotService
    from app.settings import Settings

log = logging.getLogger(__name__)
READER = User(name="real-text-evaluation", role="compliance")


@dataclass(frozen=True)
class Part:
    """Figures for one part of the question set."""

    name: str
    answerable: int
    unanswerable: int
    values: dict[str, float]


def document_precision(results: Sequence[CaseResult]) -> float:
    """The share of citations (of answered, answerable questions) in a gold document."""
    cited = [
        c.doc_id in {g.doc_id for g in r.case.gold}
        for r in results
        if r.case.answerable
        for c in r.answer.citations
    ]
    return sum(cited) / len(cited) if cited else 1.0


_OPENING = 80
"""Characters of a gold paragraph's text (normalised) that a passage must hold to hold it."""
_DASH = re.compile(r"\s*-\s*")
"""A dash and the spaces around it: ingestion writes an em dash as a spaced hyphen ("Action
taken - counteroffers"), the source as a bare one ("Action taken\u2014counteroffers")."""


def _opening(text: str) -> str:
    """Text as a gold paragraph's opening is looked for in a cited passage: normalised, and
    one spelling for a dash however it was spaced."""
    return _DASH.sub("-", normalize(text))


_PAGE = re.compile(r"^(?P<stem>\S+) p(?P<page>[1-9]\d*)$")


def gold_paragraphs(questions: Path, folder: Path) -> dict[str, list[tuple[str, str]]]:
    """For each question: ``(file name, opening)`` of each gold paragraph, the opening being
    the first characters of the paragraph's text as the corpus has it (normalised); for a
    PDF page, ``(file name, "p<N>")``."""
    files = corpus_files(folder)
    read: dict[str, Any] = {}
    out: dict[str, list[tuple[str, str]]] = {}
    for line in questions.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        found: list[tuple[str, str]] = []
        for gold in row.get("gold", ()):
            if page := _PAGE.match(gold):
                found.append((f"{page['stem']}.pdf", f"p{page['page']}"))
                continue
            for name in row.get("doc", ()) or files:
                if name not in files:
                    continue
                document = read.get(name) or read.setdefault(name, read_document(files[name]))
                found += [(name, _opening(t)[:_OPENING]) for t in document.units.get(gold, ())]
        out[row["id"]] = found
    return out


def paragraph_precision(
    results: Sequence[CaseResult], gold: dict[str, list[tuple[str, str]]]
) -> float:
    """The share of citations (of answered, answerable questions) whose passage holds a gold
    paragraph: the opening of its text, or for a gold PDF page, a passage starting on it."""

    def holds(citation: Citation, paragraphs: list[tuple[str, str]]) -> bool:
        passage = _opening(citation.passage)
        return any(
            name == citation.file_name
            and (opening == f"p{citation.page}" if name.endswith(".pdf") else opening in passage)
            for name, opening in paragraphs
        )

    cited = [
        holds(c, gold.get(r.case.id, []))
        for r in results
        if r.case.answerable
        for c in r.answer.citations
    ]
    return sum(cited) / len(cited) if cited else 1.0


def part(
    name: str,
    results: Sequence[CaseResult],
    depth: int,
    gold: dict[str, list[tuple[str, str]]] | None = None,
) -> Part:
    values = dict(compute(results, k=depth).values)
    values["document_citation_precision"] = document_precision(results)
    if gold is not None:
        values["paragraph_citation_precision"] = paragraph_precision(results, gold)
    return Part(
        name=name,
        answerable=sum(r.case.answerable for r in results),
        unanswerable=sum(not r.case.answerable for r in results),
        values=values,
    )


SHOWN = (
    "retrieval_recall_at_5",
    "retrieval_mrr",
    "paragraph_citation_precision",
    "citation_precision",
    "document_citation_precision",
    "key_fact_recall",
    "abstention_precision",
    "abstention_recall",
    "false_abstention",
)


def table(parts: Sequence[Part]) -> str:
    width = max(len(n) for n in SHOWN) + 2
    lines = [f"{'':<{width}}" + "".join(f"{p.name:>14}" for p in parts)]
    lines.append(
        f"{'questions':<{width}}"
        + "".join(f"{f'{p.answerable}+{p.unanswerable}':>14}" for p in parts)
    )
    for metric in SHOWN:
        lines.append(
            f"{metric:<{width}}" + "".join(f"{p.values.get(metric, 0.0):>14.3f}" for p in parts)
        )
    return "\n".join(lines)


def load_cases(path: Path, passages: Sequence[Any]) -> tuple[list[GoldenCase], set[str]]:
    """Every question (the unanswerable ones too), with gold resolved to the sections that
    hold it, and the ids of those kept aside."""
    resolved = {c.id: c for c in load_corpus_questions(path, passages)}
    cases, holdout = [], set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("holdout"):
            holdout.add(row["id"])
        case = resolved.get(row["id"]) or GoldenCase(
            id=row["id"], question=row["question"], category="unanswerable"
        )
        cases.append(case.model_copy(update={"key_facts": tuple(row.get("key_facts", ()))}))
    return cases, holdout


@contextlib.contextmanager
def corpus_service(
    folder: Path, settings: Settings, keep: Path | None = None
) -> Iterator[tuple[CopilotService, list[Any]]]:
    """The question service over an index of the regulations in ``folder`` (built in
    ``keep``, or reused from it), and the passages the questions' gold is resolved with."""
    from app.factory import build_embedding, build_service, open_store

    with contextlib.ExitStack() as stack:
        data_dir = keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        data = settings.model_dump()
        data["app"]["data_dir"] = data_dir
        data["audit"]["path"] = data_dir / "audit.sqlite3"
        data["embedding"]["onnx_dir"] = (
            settings.embedding.onnx_dir or settings.app.data_dir / "models"
        )
        mode = data["store"]["mode"] if data["store"]["mode"] != "server" else "edge"
        data["store"].update(mode=mode, path=None, url=None)
        settings = type(settings)(**data)
        embedding = build_embedding(settings)
        store = open_store(settings, embedding.dimension)
        stack.callback(store.close)
        cut = chunker(embedding, settings)
        passages: list[Any] = []
        for fields, chunks in corpus_documents(folder, cut):
            passages += passages_of(chunks, fields, len(passages))
            if store.document(fields["doc_id"]) is not None:
                continue
            meta = DocumentMeta.model_validate(
                {k: fields[k] for k in DocumentMeta.model_fields if k in fields}
            )
            vectors = embedding.embed([c.embed_text for c in chunks])
            store.add_version(
                meta,
                file_name=fields["file_name"],
                sha256=f"{meta.doc_id}-{meta.version}",
                pages=max((c.page_end for c in chunks), default=1),
                chunks=chunks,
                vectors=vectors,
            )
        service = build_service(settings, embedding=embedding, store=store)
        stack.callback(service.close)
        yield service, passages


def record(result: CaseResult, holdout: bool) -> dict[str, Any]:
    answer = result.answer
    return {
        "id": result.case.id,
        "holdout": holdout,
        "question": result.case.question,
        "answerable": result.case.answerable,
        "gold": sorted({f"{g.doc_id} {g.section_id}" for g in result.case.gold}),
        "abstained": answer.abstained,
        "support": answer.support,
        "not_covered": list(answer.not_covered),
        "text": answer.text,
        "cited": [f"{c.doc_id} {c.section_id}" for c in answer.citations],
        "retrieved": [f"{c.doc_id} {c.section_id}" for c in answer.retrieved],
    }


BASELINE = Path(__file__).resolve().parent / "corpus_baseline.json"
PART_NAMES = ("tuned", "held out", "all")


def is_corpus_set(dataset: Path) -> bool:
    """Whether a question file is a real-text set (its questions name the corpus files and
    paragraphs they are answered by), not a golden set over a policy library."""
    for line in dataset.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            return isinstance(row, dict) and "doc" in row and "filters" not in row
    return False


def run(
    dataset: Path, folder: Path, *, reports: Path, settings: Settings
) -> tuple[dict[str, Part], list[str], Path]:
    """Ask the set over a fresh index of ``folder``; returns its figures per part (tuned,
    held out, all), the gate's problems (empty: passed) and the report folder. The gate
    compares the whole set with ``evals/corpus_baseline.json`` by the tolerances of
    ``thresholds.toml``'s ``corpus`` table."""
    from evals.gate import check, load_baseline, load_thresholds

    if not folder.is_dir():
        raise CopilotError(f"{folder} is not a folder of regulations")
    with corpus_service(folder, settings) as (service, passages):
        cases, holdout = load_cases(dataset, passages)
        results = [CaseResult(case, service.ask(case.question, user=READER)) for case in cases]
    depth = settings.retrieval.top_k
    gold = gold_paragraphs(dataset, folder)
    chosen = {
        "tuned": [r for r in results if r.case.id not in holdout],
        "held out": [r for r in results if r.case.id in holdout],
        "all": results,
    }
    parts = {name: part(name, chosen[name], depth, gold) for name in PART_NAMES}
    rules = load_thresholds(table="corpus")
    problems = check(parts["all"].values, rules, load_baseline(BASELINE))
    stamp = datetime.now(UTC)
    out = reports / "corpus" / stamp.strftime("%Y-%m-%dT%H%M%SZ")
    out.mkdir(parents=True, exist_ok=False)
    summary = {
        "created_at": stamp.isoformat(),
        "dataset": dataset.name,
        "corpus": folder.name,
        "passed": not problems,
        "problems": problems,
        "parts": {
            name: {"answerable": p.answerable, "unanswerable": p.unanswerable, "metrics": p.values}
            for name, p in parts.items()
        },
        "targets": {name: rule["target"] for name, rule in rules.items() if "target" in rule},
        "latency_ms": latency(results),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    (out / "report.md").write_text(
        f"# Real-text evaluation {stamp:%Y-%m-%d %H:%M} UTC\n\n"
        f"{dataset.name} over {folder.name}/, no filters, through the service.\n\n"
        f"```\n{table(list(parts.values()))}\n```\n\n{latency_line(results)}\n",
        encoding="utf-8",
    )
    with (out / "answers.jsonl").open("w", encoding="utf-8") as handle:
        for r in results:
            handle.write(json.dumps(record(r, r.case.id in holdout)) + "\n")
    return parts, problems, out


def latency_line(results: Sequence[CaseResult]) -> str:
    """Each stage's milliseconds, p50 / p95 over the questions (every one asked once, in
    order, by one process: what a server meets as questions arrive)."""
    shown = ", ".join(
        f"{stage} {v['p50']:.0f} / {v['p95']:.0f}" for stage, v in latency(results).items()
    )
    return f"ask latency over {len(results)} questions, ms p50 / p95: {shown or 'none'}"
