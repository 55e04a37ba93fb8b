"""Dense-only against hybrid retrieval (dense + BM25 sparse vectors, fused with Reciprocal
Rank Fusion), measured in-process with Qdrant Edge.

    python -m benchmarks.hybrid [--corpus DIR] [--dataset FILE]

Two question sets, each over an index of its own:

1. The golden set (``--dataset``, default ``evals/golden.jsonl``) over the sample policies
   (``--policies``, default ``policies_sample/``). Only its answerable cases count, as in
   ``evals.metrics``. Each is searched under its own filters, with the conditions
   ``app/index/store.py`` applies: current versions, or the versions in force on the as-of date;
   a product also matches ``all``; a state also matches ``US-federal``; the doc type.
2. With ``--corpus DIR``, a folder of regulations (CFPB RegML XML, US Code Markdown, PDFs),
   asked the questions of ``evals/corpus_questions.jsonl`` (``--corpus-questions``), with no
   filters; those without gold (unanswerable) are left out. Their gold paragraphs are the
   corpus's own identifiers, and each counts as the section holding it (see
   :func:`gold_candidates`, :func:`regml_unit` and :func:`usc_sections`): ``1002-9-a-1-i``
   (12 CFR 1002.9(a)(1)(i)) is found in the section ``1002-9-a``, ``1002-9-b-2-Interp-1``
   (comment 9(b)(2)-1) in ``1002-9-b-Interp``, ``1026-Q-h1-A-2-a`` in a part of Appendix
   Q, ``15 U.S.C. 1691(d)(1)`` in the subsection ``15 U.S.C. 1691(d)``, and a PDF page
   (``checklist_mortgage_closing p2``) in every section with a passage on it; only in the
   files the question's ``doc`` names (the two Reg Z notices both amend parts of
   § 1026.32). Without the folder the set is skipped. The corpus and the set are read by
   :mod:`evals.regulations`.

Documents are parsed, segmented and chunked as ingestion does (``ingest.parse``,
``ingest.sections``, ``ingest.chunk``; RegML XML and US Code Markdown are cut into sections
here, then chunked by ``ingest.chunk``) and embedded with the project's ``LocalEmbedding``.
Every chunk also gets a BM25 sparse vector of the same text (heading path included) from
``qdrant_edge.Bm25``; the shard applies IDF over all its points. A question is redacted and
focused as the service does, then ranked by each mode. recall@1, recall@5 and MRR come from
``evals.metrics`` (the gold-section matching of ``copilot eval``) over the ``--depth``
passages a mode returns (default: ``retrieval.top_k``, the passages the answer stage gets),
and recall over all ``--depth`` of them (how deep the gold lies: what a reranker reading that
far could bring up; give ``--prefetch`` at least the depth).
Query time is the question's embedding (dense, BM25 or both) plus the shard query; "search"
is the shard query alone. Dense search is exact (``SearchParams(exact=True)``); the shard's
WAL stays on and it is never optimised. Fused hits with equal scores are ordered by dense
similarity (Qdrant's own order of RRF ties changes from one process to the next).
``app.question.retrieve``'s near-duplicate dropping and cosine score floor are left out (a cosine
floor means nothing for a fused score); on the golden set the dense figures still equal
``copilot eval``'s retrieval recall@5 and MRR. The RegML preamble analysis (explanation, not
rule text) is not indexed; PDFs are, through ``ingest.parse``, as distractors.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

import numpy as np
import qdrant_edge as qe

from app.errors import CopilotError
from app.models import (
    ALL_PRODUCTS,
    FEDERAL,
    Answer,
    Filters,
    RetrievedChunk,
    Status,
)
from evals.metrics import CaseResult, GoldenCase, mrr, recall_at_k
from evals.regulations import (
    CORPUS_QUESTIONS,
    Chunker,
    Passage,
    chunker,
    corpus_passages,
    load_corpus_questions,
    passages_of,
)

log = logging.getLogger(__name__)
EVALS = Path(__file__).resolve().parent.parent / "evals"
DEFAULT_DATASET = EVALS / "golden.jsonl"
DEFAULT_POLICIES = EVALS.parent / "policies_sample"

DENSE = "dense"
SPARSE = "bm25"
FILTER_FIELDS = ("doc_id", "version", "status", "product", "jurisdiction", "doc_type")
_BATCH = 256


# --- modes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    """One way of ranking: dense alone, BM25 alone, or both fused with RRF."""

    name: str
    dense: bool = True
    sparse: bool = False
    k: int = 0
    """RRF's k: Qdrant scores a hit at 0-based position ``p`` of a prefetch as
    ``1 / (k + p)``, summed over the prefetches, so the top hit of a list scores ``1 / k``."""

    @property
    def fused(self) -> bool:
        return self.dense and self.sparse


# What the README's figures compare: dense search, BM25 alone, and the copilot's fusion.
MODES: tuple[Mode, ...] = (
    Mode("dense"),
    Mode("bm25", dense=False, sparse=True),
    Mode("rrf k=2", sparse=True, k=2),
)


# --- the index --------------------------------------------------------------------------


class HybridIndex:
    """A Qdrant Edge shard in a folder, holding a dense and a BM25 vector per passage. The
    passages themselves (and a copy of the dense vectors) stay in memory; the shard's
    payload holds only the fields filters need."""

    def __init__(self, path: Path, dimension: int, bm25: qe.Bm25 | None = None) -> None:
        self.bm25 = bm25 or qe.Bm25()
        config = qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=dimension, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )
        self._shard = qe.EdgeShard.create(str(path), config)
        for name in FILTER_FIELDS:
            self._shard.update(
                qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword)
            )
        self._passages: list[RetrievedChunk] = []
        self._vectors = np.zeros((0, dimension), dtype=np.float32)

    def __len__(self) -> int:
        return len(self._passages)

    def add(self, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        """Index passages with their (L2-normalised) dense vectors."""
        if len(passages) != len(vectors):
            raise ValueError("one vector per passage is required")
        for start in range(0, len(passages), _BATCH):
            batch = passages[start : start + _BATCH]
            points = [
                qe.Point(
                    len(self._passages) + i,
                    {
                        DENSE: vectors[start + i].tolist(),
                        SPARSE: self.bm25.embed_document(p.embed_text),
                    },
                    {name: _payload(getattr(p.chunk, name)) for name in FILTER_FIELDS},
                )
                for i, p in enumerate(batch)
            ]
            self._shard.update(qe.UpdateOperation.upsert_points(points))
            self._passages.extend(p.chunk for p in batch)
        self._vectors = np.vstack([self._vectors, np.asarray(vectors, dtype=np.float32)])

    def request(
        self,
        mode: Mode,
        dense: Sequence[float],
        sparse: qe.SparseVector,
        flt: qe.Filter | None,
        *,
        limit: int,
        prefetch: int,
    ) -> qe.QueryRequest:
        """The shard query for ``mode``: dense search is exact; a fused query has a dense and
        a sparse prefetch of ``prefetch`` each."""
        exact = qe.SearchParams(exact=True)
        if mode.fused:
            # The stubs type Fusion.Rrf as a class nested in Fusion, not as a Fusion.
            fusion = cast(
                qe.Fusion,
                qe.Fusion.Rrf(k=mode.k),
            )
            # A top-level filter also applies inside every prefetch (the tests check it);
            # each prefetch gets it too, so the intent is plain.
            return qe.QueryRequest(
                limit=limit,
                prefetches=[
                    qe.Prefetch(
                        limit=prefetch,
                        query=qe.Query.Nearest(list(dense), using=DENSE),
                        params=exact,
                        filter=flt,
                    ),
                    qe.Prefetch(
                        limit=prefetch, query=qe.Query.Nearest(sparse, using=SPARSE), filter=flt
                    ),
                ],
                query=fusion,
                filter=flt,
                with_payload=False,
                with_vector=False,
            )
        query = (
            qe.Query.Nearest(list(dense), using=DENSE)
            if mode.dense
            else qe.Query.Nearest(sparse, using=SPARSE)
        )
        return qe.QueryRequest(
            limit=limit,
            query=query,
            filter=flt,
            params=exact if mode.dense else None,
            with_payload=False,
            with_vector=False,
        )

    def search(
        self,
        mode: Mode,
        dense: Sequence[float],
        sparse: qe.SparseVector,
        flt: qe.Filter | None = None,
        *,
        limit: int,
        prefetch: int = 20,
    ) -> list[RetrievedChunk]:
        """The best ``limit`` passages by ``mode`` among those ``flt`` allows, best first.

        RRF gives equal scores to hits at the same (weighted) position of different lists,
        and Qdrant orders such ties differently from one process to the next. So a fused
        query fetches every candidate and ties are ordered here: by dense similarity, then
        by point id."""
        fetch = 2 * prefetch if mode.fused else limit
        points = self._shard.query(
            self.request(mode, dense, sparse, flt, limit=fetch, prefetch=prefetch)
        )
        if mode.fused and points:
            ids = [int(str(p.id)) for p in points]
            similarity = self._vectors[ids] @ np.asarray(dense, dtype=np.float32)
            order = sorted(
                range(len(points)), key=lambda i: (-points[i].score, -similarity[i], ids[i])
            )
            points = [points[i] for i in order[:limit]]
        return [
            self._passages[int(str(p.id))].model_copy(update={"score": float(p.score)})
            for p in points
        ]

    def query(self, request: qe.QueryRequest) -> list[qe.ScoredPoint]:
        """A raw shard query (for checks of the engine's own behaviour)."""
        return self._shard.query(request)

    def close(self) -> None:
        self._shard.close()


# --- filters, as app/index/store.py applies them ------------------------------------------------


@dataclass(frozen=True)
class Version:
    doc_id: str
    version: str
    effective_date: date


def statuses(versions: Sequence[Version]) -> dict[tuple[str, str], Status]:
    """Per document, the version with the latest effective date (then the last listed, as
    the last ingested) is current and the others superseded, as in ``app.index.store``."""
    newest: dict[str, tuple[date, int]] = {}
    for i, v in enumerate(versions):
        newest[v.doc_id] = max(newest.get(v.doc_id, (date.min, -1)), (v.effective_date, i))
    return {
        (v.doc_id, v.version): Status.CURRENT if newest[v.doc_id][1] == i else Status.SUPERSEDED
        for i, v in enumerate(versions)
    }


def in_force(versions: Sequence[Version], as_of: date) -> set[tuple[str, str]]:
    """(doc_id, version) of each document's version in force on ``as_of``: the latest
    effective on or before it, as in ``app.index.store``."""
    best: dict[str, tuple[date, int]] = {}
    for i, v in enumerate(versions):
        if v.effective_date <= as_of:
            best[v.doc_id] = max(best.get(v.doc_id, (date.min, -1)), (v.effective_date, i))
    return {(versions[i].doc_id, versions[i].version) for _, i in best.values()}


def _payload(value: object) -> str | list[str]:
    """A filter field as the store holds it: products and jurisdictions as a list."""
    return [str(v) for v in value] if isinstance(value, tuple) else str(value)


def _match(key: str, *values: str) -> qe.FieldCondition:
    match: qe.MatchValue | qe.MatchAny = (
        qe.MatchValue(values[0]) if len(values) == 1 else qe.MatchAny(sorted(values))
    )
    return qe.FieldCondition(key=key, match=match)


def edge_filter(filters: Filters, versions: Sequence[Version]) -> qe.Filter:
    """The Qdrant Edge filter for a question's filters: the conditions of
    ``PolicyStore._allowed`` in ``app.index.store``."""
    must: list[Any] = []
    if filters.as_of is None:
        must.append(_match("status", Status.CURRENT.value))
    else:
        allowed = in_force(versions, filters.as_of)
        if not allowed:  # nothing in force yet (an empty `should` would match everything)
            return qe.Filter(must=[qe.FieldCondition(key="doc_id", match=qe.MatchAny([]))])
        must.append(_match("status", Status.CURRENT.value, Status.SUPERSEDED.value))
        must.append(
            qe.Filter(
                should=[
                    qe.Filter(must=[_match("doc_id", d), _match("version", v)])
                    for d, v in sorted(allowed)
                ]
            )
        )
    # A match on a list (a passage's products) matches any of its values: app.models.applies.
    if filters.product:
        must.append(_match("product", filters.product, ALL_PRODUCTS))
    if filters.jurisdiction:
        must.append(_match("jurisdiction", filters.jurisdiction, FEDERAL))
    if filters.doc_type:
        must.append(_match("doc_type", filters.doc_type))
    return qe.Filter(must=must)


# --- passages from the sample policies -----------------------------------------------------


def policy_passages(
    corpus: Path, cut: Chunker, settings: Any
) -> tuple[list[Passage], list[Version]]:
    """Every document of a policy folder's ``manifest.json``, parsed, segmented and chunked
    as ingestion does, with the status each version would have in the index."""
    from ingest.manifest import build_meta, load_manifest
    from ingest.parse import parse
    from ingest.sections import segment

    manifest = corpus / "manifest.json"
    if not manifest.is_file():
        raise CopilotError(f"{corpus} has no manifest.json describing its documents")
    documents = []
    for entry in load_manifest(manifest):
        parsed = parse(entry.path, max_bytes=settings.ingest.max_file_mb * 1_000_000)
        meta = build_meta(entry.fields, settings.ingest, default_title=parsed.title)
        documents.append((meta, parsed.file_name, cut(segment(parsed), meta.title)))
    versions = [Version(m.doc_id, m.version, m.effective_date) for m, _, _ in documents]
    status = statuses(versions)
    passages: list[Passage] = []
    for meta, file_name, chunks in documents:
        fields = meta.model_dump() | {
            "status": status[(meta.doc_id, meta.version)],
            "file_name": file_name,
        }
        passages += passages_of(chunks, fields, len(passages))
    return passages, versions


# --- question sets ---------------------------------------------------------------------------


def load_golden(path: Path) -> list[GoldenCase]:
    """The answerable cases of a golden question set (the others have no gold to rank)."""
    if not path.is_file():
        raise CopilotError(f"the question set {path} does not exist")
    cases = [
        GoldenCase.model_validate_json(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [c for c in cases if c.answerable]


# --- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    mode: str
    recall_1: float
    recall_5: float
    mrr: float
    recall_depth: float
    """Recall over every passage ranked (``--depth``): how many gold sections a reranker
    reading that deep could bring to the top."""
    query_p50: float
    query_p95: float
    search_p50: float
    search_p95: float


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (as ``evals.metrics`` reports latency)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def score(results: Sequence[CaseResult]) -> tuple[float, float, float]:
    """(recall@1, recall@5, MRR) with ``evals.metrics``: a passage counts when its
    (doc_id, version, section_id) is one of the case's gold sections."""
    return recall_at_k(results, 1), recall_at_k(results, 5), mrr(results)


def result(
    case: GoldenCase, question: str, mode: Mode, hits: Sequence[RetrievedChunk]
) -> CaseResult:
    answer = Answer(
        question=question, text="", retrieved=tuple(hits), backend="retrieval", model=mode.name
    )
    return CaseResult(case, answer)


@dataclass(frozen=True)
class _Question:
    case: GoldenCase
    text: str
    dense: list[float]
    sparse: qe.SparseVector
    flt: qe.Filter | None
    dense_ms: float
    sparse_ms: float


@dataclass(frozen=True)
class Evaluation:
    rows: list[Row]
    dense_ms: tuple[float, float]
    """p50 and p95 of embedding a question with the dense model."""
    sparse_ms: tuple[float, float]
    """p50 and p95 of encoding a question as a BM25 sparse vector."""


def evaluate(
    index: HybridIndex,
    cases: Sequence[GoldenCase],
    *,
    embed: Callable[[str], np.ndarray],
    prepare: Callable[[str], str] = lambda q: q,
    filter_for: Callable[[GoldenCase], qe.Filter | None] = lambda c: None,
    modes: Sequence[Mode] = MODES,
    depth: int = 5,
    prefetch: int = 20,
) -> Evaluation:
    """Rank every case's question by every mode; one row of figures per mode.

    Each question is embedded once (timed); then each mode runs over all questions in a
    pass of its own, after one untimed query, so every mode is timed in the same state."""
    questions = []
    for case in cases:
        text = prepare(case.question)
        started = time.perf_counter()
        dense = embed(text)
        embedded = time.perf_counter()
        sparse = index.bm25.embed_query(text)
        done = time.perf_counter()
        questions.append(
            _Question(
                case,
                text,
                [float(x) for x in dense],
                sparse,
                filter_for(case),
                (embedded - started) * 1000,
                (done - embedded) * 1000,
            )
        )
    rows = []
    for mode in modes:
        if questions:
            q = questions[0]
            index.search(mode, q.dense, q.sparse, q.flt, limit=depth, prefetch=prefetch)
        results, query_ms, search_ms = [], [], []
        for q in questions:
            began = time.perf_counter()
            hits = index.search(mode, q.dense, q.sparse, q.flt, limit=depth, prefetch=prefetch)
            took = (time.perf_counter() - began) * 1000
            search_ms.append(took)
            query_ms.append(
                took + (q.dense_ms if mode.dense else 0.0) + (q.sparse_ms if mode.sparse else 0.0)
            )
            results.append(result(q.case, q.text, mode, hits))
        r1, r5, rank = score(results)
        rows.append(
            Row(
                mode=mode.name,
                recall_1=r1,
                recall_5=r5,
                mrr=rank,
                recall_depth=recall_at_k(results, depth),
                query_p50=statistics.median(query_ms or [0.0]),
                query_p95=percentile(query_ms, 95),
                search_p50=statistics.median(search_ms or [0.0]),
                search_p95=percentile(search_ms, 95),
            )
        )
    dense_ms = [q.dense_ms for q in questions]
    sparse_ms = [q.sparse_ms for q in questions]
    return Evaluation(
        rows=rows,
        dense_ms=(statistics.median(dense_ms or [0.0]), percentile(dense_ms, 95)),
        sparse_ms=(statistics.median(sparse_ms or [0.0]), percentile(sparse_ms, 95)),
    )


def table(rows: Sequence[Row], depth: int) -> str:
    header = (
        f"{'mode':<16}{'recall@1':>9}{'recall@5':>10}{f'MRR@{depth}':>8}{f'recall@{depth}':>11}"
        f"{'query p50':>11}{'query p95':>11}{'search p50':>12}{'search p95':>12}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.mode:<16}{r.recall_1:>9.3f}{r.recall_5:>10.3f}{r.mrr:>8.3f}{r.recall_depth:>11.3f}"
            f"{r.query_p50:>11.2f}{r.query_p95:>11.2f}{r.search_p50:>12.2f}{r.search_p95:>12.2f}"
        )
    return "\n".join(lines)


def verdict(rows: Sequence[Row]) -> str:
    """Which fused modes beat dense on both recall@5 and MRR."""
    dense = next(r for r in rows if r.mode == "dense")
    better = [
        r.mode
        for r in rows
        if r.mode.startswith("rrf") and r.recall_5 > dense.recall_5 and r.mrr > dense.mrr
    ]
    if better:
        return "hybrid beats dense on recall@5 and MRR with: " + ", ".join(better)
    return "no hybrid mode beats dense on both recall@5 and MRR"


def run_set(
    title: str,
    passages: Sequence[Passage],
    cases: Sequence[GoldenCase],
    *,
    embedding: Any,
    prepare: Callable[[str], str],
    filter_for: Callable[[GoldenCase], qe.Filter | None] = lambda c: None,
    depth: int,
    prefetch: int,
    out: Any = None,
) -> Evaluation:
    """Index ``passages`` in a fresh shard, evaluate ``cases`` and print the table (to
    ``out``, default standard output)."""
    out = out or sys.stdout
    started = time.perf_counter()
    vectors = embedding.embed([p.embed_text for p in passages])
    embedded = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        index = HybridIndex(Path(folder) / "shard", int(vectors.shape[1]))
        try:
            index.add(passages, vectors)
            indexed = time.perf_counter()
            embedding.embed(["warm up"])  # the first call pays one-off costs
            evaluation = evaluate(
                index,
                cases,
                embed=lambda q: embedding.embed([q])[0],
                prepare=prepare,
                filter_for=filter_for,
                depth=depth,
                prefetch=prefetch,
            )
        finally:
            index.close()
    documents = len({(p.chunk.doc_id, p.chunk.version) for p in passages})
    print(f"\n{title}", file=out)
    print(
        f"{documents} documents, {len(passages)} chunks (embedded in "
        f"{embedded - started:.1f} s, indexed in {indexed - embedded:.1f} s); "
        f"{len(cases)} questions; top {depth}, {prefetch} per prefetch",
        file=out,
    )
    print(table(evaluation.rows, depth), file=out)
    print(
        "query = question embedding (dense p50 {:.2f} / p95 {:.2f} ms; BM25 p50 {:.3f} / p95 "
        "{:.3f} ms) + search".format(*evaluation.dense_ms, *evaluation.sparse_ms),
        file=out,
    )
    print(verdict(evaluation.rows), file=out)
    return evaluation


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.hybrid",
        description="Dense against hybrid (dense + BM25, RRF) retrieval, in Qdrant Edge.",
    )
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET, help="golden set")
    parser.add_argument(
        "--policies", type=Path, default=DEFAULT_POLICIES, help="the golden set's documents"
    )
    parser.add_argument("--corpus", type=Path, help="a folder of regulations (optional)")
    parser.add_argument("--corpus-questions", type=Path, default=CORPUS_QUESTIONS)
    parser.add_argument("--depth", type=int, help="passages ranked (default retrieval.top_k)")
    parser.add_argument(
        "--prefetch", type=int, help="candidates per prefetch (default retrieval.candidates)"
    )
    parser.add_argument(
        "--no-redact", action="store_true", help="search the raw question, not the redacted one"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    from app.index.embedding import LocalEmbedding, default_model_path
    from app.settings import load_settings
    from app.text import focus

    settings = load_settings()
    depth = args.depth or settings.retrieval.top_k
    prefetch = args.prefetch or settings.retrieval.candidates
    embedding = LocalEmbedding(default_model_path())
    cut = chunker(embedding, settings)
    if args.no_redact:

        def prepare(question: str) -> str:
            return focus(question)
    else:
        from app.question.redact import PresidioRedactor

        redactor = PresidioRedactor(settings.redaction)

        def prepare(question: str) -> str:
            return focus(redactor.redact(question).text)

    try:
        cases = load_golden(args.dataset)
        passages, versions = policy_passages(args.policies, cut, settings)
        run_set(
            f"Golden set: {args.dataset.name} over {args.policies.name}/ "
            "(answerable cases, each under its filters)",
            passages,
            cases,
            embedding=embedding,
            prepare=prepare,
            filter_for=lambda c: edge_filter(Filters.model_validate(c.filters), versions),
            depth=depth,
            prefetch=prefetch,
        )
        if args.corpus is None:
            print("\nRegulations: skipped (no --corpus folder given)")
        elif not args.corpus.is_dir():
            print(f"\nRegulations: skipped ({args.corpus} is not a folder)")
        else:
            passages, read = corpus_passages(args.corpus, cut)
            if not passages:
                print(f"\nRegulations: skipped (nothing readable in {args.corpus})")
                return 0
            cases = load_corpus_questions(args.corpus_questions, passages)
            run_set(
                f"Regulations: {args.corpus_questions.name} over {args.corpus.name}/ "
                f"({len(read)} files, no filters)",
                passages,
                cases,
                embedding=embedding,
                prepare=prepare,
                depth=depth,
                prefetch=prefetch,
            )
    except CopilotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
