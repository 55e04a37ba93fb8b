"""Question-path benchmark: ``python -m app.bench [--pad 10000] [--rounds 3]``.

Builds a fresh index from the sample policies in a temporary folder, asks a fixed set of
questions (filters, as-of dates, personal data, out-of-scope ones) several times, and prints
p50 / p95 per stage and end to end. Then pads the index with filler chunks up to ``--pad``
points (copies of the sample chunks under other document ids, vectors jittered so they are
not duplicates) and measures again. Peak memory is the process's max RSS.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from qdrant_client import models

from app.factory import build_embedding, build_service, open_store
from app.models import DocumentMeta, DocumentRecord, DocumentVersion, Status, User
from app.service import CopilotService
from app.settings import load_settings
from app.store import PolicyStore
from ingest.manifest import load_manifest
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


def measure(service: CopilotService, rounds: int) -> dict[str, list[float]]:
    user = User(name="bench", role="underwriter")
    timings: dict[str, list[float]] = {stage: [] for stage in STAGES}
    slowest: dict[str, float] = {}
    for question, filters in QUESTIONS:  # warm-up: first calls build caches
        service.ask(question, user=user, **filters)
    for _ in range(rounds):
        for question, filters in QUESTIONS:
            answer = service.ask(question, user=user, **filters)
            for stage in STAGES:
                timings[stage].append(answer.latency_ms.get(stage, 0.0))
            label = f"{question[:48]} {filters}"
            slowest[label] = max(slowest.get(label, 0.0), answer.latency_ms["total"])
    for label, ms in sorted(slowest.items(), key=lambda kv: -kv[1])[:3]:
        print(f"    slowest: {ms:.0f} ms  {label}")
    return timings


def report(label: str, timings: dict[str, list[float]]) -> None:
    cells = []
    for stage in STAGES:
        values = sorted(timings[stage])
        p50 = statistics.median(values)
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        cells.append(f"{stage} {p50:.0f}/{p95:.0f}")
    print(f"{label}: p50/p95 ms  " + "  ".join(cells))


def pad(store: PolicyStore, target: int) -> int:
    """Add filler chunks until the index holds ``target`` points; returns the count."""
    existing = store.client.scroll(store.collection, limit=100_000, with_vectors=True)[0]
    rng = np.random.default_rng(7)
    count = store.count()
    batch: list[models.PointStruct] = []
    copy = 0
    while count + len(batch) < target:
        source = existing[len(batch) % len(existing)]
        vector = np.asarray(source.vector, dtype=np.float32) + rng.normal(0, 0.05, 384)
        payload = dict(source.payload or {})
        if len(batch) % len(existing) == 0:
            copy += 1
        payload["doc_id"] = f"filler-{copy}-{payload['doc_id']}"
        batch.append(
            models.PointStruct(
                id=str(uuid.uuid4()),
                vector=(vector / np.linalg.norm(vector)).tolist(),
                payload=payload,
            )
        )
        if len(batch) >= 512:
            store.client.upsert(store.collection, points=batch, wait=True)
            count += len(batch)
            batch = []
    if batch:
        store.client.upsert(store.collection, points=batch, wait=True)
        count += len(batch)
    _catalogue(store)
    return count


def _catalogue(store: PolicyStore) -> None:
    """Give the filler documents catalog records, as ingestion would, so that as-of
    questions see them like any other document."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for point in store.client.scroll(store.collection, limit=1_000_000, with_payload=True)[0]:
        payload = point.payload or {}
        if str(payload.get("doc_id", "")).startswith("filler-"):
            key = (payload["doc_id"], payload["version"])
            seen.setdefault(key, {**payload, "chunks": 0})["chunks"] += 1
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
                status=Status(p["status"]),
                file_name=p["file_name"],
                sha256=p["sha256"],
                pages=1,
                chunks=p["chunks"],
                ingested_at=datetime.fromisoformat(p["ingested_at"]),
            )
        )
    for doc_id, versions in records.items():
        written = store._commit(DocumentRecord(doc_id=doc_id, versions=tuple(versions)), over=None)
        assert written is not None, f"{doc_id} was written by someone else"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pad", type=int, default=10_000, help="index size for the second run")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(app={"data_dir": data_dir})
        embedding = build_embedding(settings)
        store = open_store(settings, embedding.dimension)
        ingest(load_manifest(SAMPLES), store=store, embedding=embedding, settings=settings)
        service = build_service(settings, embedding=embedding, store=store)
        print(f"{len(QUESTIONS)} questions x {args.rounds} rounds (after one warm-up round)")
        report(f"{store.count():>6} chunks", measure(service, args.rounds))
        start = time.perf_counter()
        total = pad(store, args.pad)
        print(f"padded to {total} chunks in {time.perf_counter() - start:.0f} s")
        report(f"{total:>6} chunks", measure(service, args.rounds))
        store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
