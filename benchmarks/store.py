"""Store benchmark, the modes side by side:
``python -m benchmarks.store [--sizes 1000,10000,50000] [--modes edge,local] [--rounds 2]``.

Each store mode gets a fresh index in a temporary folder holding the sample policies, and
the same model, redactor and questions. At each size the index is first padded to that many
chunk points with filler documents (the sample passages under other document ids, vectors
jittered so none is a duplicate, each with a catalog record so that filters and as-of
questions treat them like real documents). Then, per mode:

- **ingest**: the sample policies are ingested again under fresh document ids (parse,
  chunk, embed, store: pages/s, and the seconds spent storing), then purged;
- **ask**: 12 fixed questions (filters, as-of dates, personal data, out-of-scope ones),
  ``--rounds`` times after a warm-up round: p50 / p95 per stage and end to end.

With ``QDRANT_URL`` set, ``--modes`` may include ``server``. Peak memory is the process's
max RSS (all modes together).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from app.factory import build_embedding, build_service, open_store
from app.index.embedding import LocalEmbedding
from app.index.engine import StoredPoint
from app.index.store import PolicyStore
from app.index.vector_store import to_node
from app.models import DocumentMeta, DocumentRecord, DocumentVersion, FileOutcome, Status, User
from app.question.redact import PresidioRedactor
from app.question.service import CopilotService
from app.settings import Settings, load_settings
from ingest.manifest import ManifestEntry, load_manifest
from ingest.pipeline import ingest

SAMPLES = Path(__file__).resolve().parent.parent / "policies_sample" / "manifest.json"
QUESTIONS: list[tuple[str, dict[str, Any]]] = [
    ("What is the maximum DTI ratio?", {"product": "mortgage"}),
    ("What is the maximum DTI ratio?", {"product": "mortgage", "as_of": "2025-06-01"}),
    ("What documents are required for self-employed applicants in Texas?", {"jurisdiction": "TX"}),
    ("How many months of reserves for a 3-unit property?", {"product": "mortgage"}),
    ("What is the maximum CLTV for a HELOC?", {"product": "heloc"}),
    ("What is the minimum credit score for an auto loan?", {"product": "auto"}),
    ("Who must sign the gift letter?", {"product": "mortgage"}),
    ("When must an adverse action notice be sent?", {}),
    ("How long are adverse action records kept?", {"jurisdiction": "CA"}),
    ("What is the minimum DSCR for a small business loan?", {"product": "small-business"}),
    (
        "Borrower Jane Whitfield, SSN 529-41-8876, phone 512-555-0147: is a flood policy needed?",
        {"product": "mortgage"},
    ),
    ("Can we accept cryptocurrency as collateral for a boat loan?", {}),
]
STAGES = ("redact", "embed", "search", "answer", "verify", "audit", "total")
USER = User(name="bench", role="compliance")


@dataclass
class Mode:
    name: str
    settings: Settings
    store: PolicyStore
    service: CopilotService
    sources: list[StoredPoint]
    """The sample policies' own points: what filler is copied from."""
    totals: dict[int, tuple[float, float]] = field(default_factory=dict)
    """Chunks -> end-to-end ask p50, p95 (ms)."""


def measure(service: CopilotService, rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for question, filters in QUESTIONS:  # warm-up: first calls build caches
        service.ask(question, user=USER, **filters)
    for _ in range(rounds):
        for question, filters in QUESTIONS:
            answer = service.ask(question, user=USER, **filters)
            for stage in STAGES:
                timings[stage].append(answer.latency_ms.get(stage, 0.0))
    return timings


def percentiles(values: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def pad(mode: Mode, target: int, rng: np.random.Generator) -> tuple[int, float]:
    """Add filler documents until the index holds ``target`` points; returns how many were
    added and the seconds spent writing them."""
    missing = target - mode.store.count()
    if missing <= 0:
        return 0, 0.0
    tag = uuid.uuid4().hex[:6]
    points = []
    for i in range(missing):
        source = mode.sources[i % len(mode.sources)]
        original = np.asarray(source.vector, dtype=np.float64)
        vector = original + rng.normal(0, 0.05, original.shape)
        payload = dict(source.payload)
        payload["doc_id"] = f"filler-{tag}-{i // len(mode.sources)}-{payload['doc_id']}"
        payload["status"] = Status.CURRENT.value
        points.append(
            StoredPoint(
                id=str(uuid.uuid4()),
                vector=(vector / np.linalg.norm(vector)).tolist(),
                payload=payload,
            )
        )
    nodes = [to_node(p) for p in points]
    start = time.perf_counter()
    for begin in range(0, len(nodes), 512):
        mode.store.vectors.add(nodes[begin : begin + 512])  # with BM25 vectors, as ingest
    seconds = time.perf_counter() - start
    _catalogue(mode.store, points)
    return len(points), seconds


def _catalogue(store: PolicyStore, points: Sequence[StoredPoint]) -> None:
    """Give filler documents catalog records, as ingestion would."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for point in points:
        p = point.payload
        seen.setdefault((p["doc_id"], p["version"]), {**p, "chunks": 0})["chunks"] += 1
    records: dict[str, list[DocumentVersion]] = {}
    for (doc_id, _), p in seen.items():
        meta = DocumentMeta(
            doc_id=doc_id,
            title=p["title"],
            product=p["product"],
            jurisdiction=p["jurisdiction"],
            doc_type=p["doc_type"],
            version=p["version"],
            effective_date=p["effective_date"],
        )
        records.setdefault(doc_id, []).append(
            DocumentVersion(
                meta=meta,
                status=Status.CURRENT,
                file_name=p["file_name"],
                sha256=p["sha256"],
                pages=1,
                chunks=p["chunks"],
                ingested_at=datetime.now(UTC),
            )
        )
    for doc_id, versions in records.items():
        written = store._commit(DocumentRecord(doc_id=doc_id, versions=tuple(versions)), over=None)
        assert written is not None, f"{doc_id} was written by someone else"


class _StoreClock:
    """Seconds spent in ``PolicyStore.add_version`` (the storing part of an ingest)."""

    def __init__(self, store: PolicyStore) -> None:
        self.seconds = 0.0
        self._store = store
        self._inner = store.add_version

    def __enter__(self) -> _StoreClock:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return self._inner(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        self._store.add_version = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        del self._store.add_version


def ingest_rate(mode: Mode, embedding: LocalEmbedding, entries: Sequence[ManifestEntry]) -> str:
    """Ingest the sample policies under fresh ids, then purge them: pages/s and store time."""
    tag = uuid.uuid4().hex[:6]
    copies = [
        ManifestEntry(path=e.path, fields=e.fields | {"doc_id": f"{e.fields['doc_id']}-{tag}"})
        for e in entries
    ]
    with _StoreClock(mode.store) as clock:
        start = time.perf_counter()
        results = ingest(copies, store=mode.store, embedding=embedding, settings=mode.settings)
        wall = time.perf_counter() - start
    failed = [r.reason for r in results if r.outcome is FileOutcome.FAILED]
    if failed:
        raise SystemExit(f"the benchmark ingest failed: {failed[0]}")
    pages = sum(r.pages for r in results if r.outcome in {FileOutcome.NEW, FileOutcome.REPLACED})
    for doc_id in {r.doc_id for r in results if r.doc_id}:
        mode.store.purge(doc_id)
    return f"{pages / wall:5.1f} pages/s (store {clock.seconds:.2f} s of {wall:.1f} s)"


def open_mode(
    name: str, data_dir: Path, embedding: LocalEmbedding, redactor: PresidioRedactor
) -> Mode:
    settings = load_settings(app={"data_dir": data_dir}, store={"mode": name})
    store = open_store(settings, embedding.dimension)
    results = ingest(load_manifest(SAMPLES), store=store, embedding=embedding, settings=settings)
    if any(r.outcome is FileOutcome.FAILED for r in results):
        raise SystemExit("the sample policies did not ingest")
    sources = [
        p for p in store.chunk_points.points(vectors=True) if p.payload["status"] == "current"
    ]
    service = build_service(settings, embedding=embedding, store=store, redactor=redactor)
    return Mode(name, settings, store, service, sources)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="index sizes, in chunks")
    parser.add_argument("--modes", default="edge,local", help="store modes, side by side")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    names = [m.strip() for m in args.modes.split(",") if m.strip()]
    base = load_settings()
    embedding = build_embedding(base)
    redactor = PresidioRedactor(base.redaction)
    entries = load_manifest(SAMPLES)
    rng = np.random.default_rng(7)
    print(f"{len(QUESTIONS)} questions x {args.rounds} rounds per cell (after a warm-up round)")
    with tempfile.TemporaryDirectory() as root:
        modes = [open_mode(n, Path(root) / n, embedding, redactor) for n in names]
        try:
            for size in sizes:
                for mode in modes:
                    added, seconds = pad(mode, size, rng)
                    chunks = mode.store.count()
                    rate = ingest_rate(mode, embedding, entries)
                    timings = measure(mode.service, args.rounds)
                    cells = "  ".join(
                        "{} {:.0f}/{:.0f}".format(stage, *percentiles(timings[stage]))
                        for stage in STAGES
                    )
                    filler = f"{1000 * seconds / added:.3f} ms/point" if added else "-"
                    print(
                        f"{mode.name:>6} {chunks:>6} chunks | ingest {rate} | "
                        f"filler writes {filler} | ask p50/p95 ms: {cells}",
                        flush=True,
                    )
                    mode.totals[size] = percentiles(timings["total"])
        finally:
            for mode in modes:
                mode.store.close()
    for other in modes[1:]:
        for size in sizes:
            (a50, a95), (b50, b95) = other.totals[size], modes[0].totals[size]
            print(
                f"{other.name}/{modes[0].name} at {size} chunks: ask p50 x{a50 / b50:.1f}, "
                f"p95 x{a95 / b95:.1f}"
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
