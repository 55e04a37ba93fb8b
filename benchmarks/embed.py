"""Embedding backend benchmark: ``python -m benchmarks.embed [--rounds N] [--threads N]``.

Cuts the sample policies into chunks with the ingest stages themselves (parse, segment,
chunk), then embeds those chunk texts with each embedding backend (torch, ONNX, ONNX int8)
in turn, round after round, so that a change in the machine's load falls on every backend
alike. Prints, per backend: the model load time (the first ONNX load includes the one-off
export into the cache folder; the first backend loaded also pays the shared imports),
median chunks/s, its ratio to torch and the best round's chunks/s, the median time to
embed one golden-set question (the query path), and how far the vectors are from torch's:
the largest and mean cosine distance (1 - cosine) over the chunks, the largest over the
questions, and the share of questions whose 5 nearest chunks are torch's 5.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.index.embedding import BACKENDS, LocalEmbedding, default_model_path
from app.settings import Settings, load_settings
from ingest.manifest import build_meta, load_manifest
from ingest.parse import parse
from ingest.pipeline import chunk_document

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = ROOT / "policies_sample" / "manifest.json"
DEFAULT_QUESTIONS = ROOT / "evals" / "golden.jsonl"


def chunk_texts(manifest: Path, embedding: LocalEmbedding, settings: Settings) -> list[str]:
    """The texts ingestion would embed for every file of ``manifest``."""
    texts: list[str] = []
    for entry in load_manifest(manifest):
        parsed = parse(entry.path, max_bytes=settings.ingest.max_file_mb * 1_000_000)
        meta = build_meta(entry.fields, settings.ingest, default_title=parsed.title)
        chunks = chunk_document(parsed, meta.title, embedding=embedding, settings=settings)
        texts.extend(c.embed_text for c in chunks)
    return texts


def questions(path: Path, count: int) -> list[str]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [str(json.loads(line)["question"]) for line in lines[:count]]


def _load(
    backend: str, settings: Settings, cache_dir: Path, threads: int, batch_size: int
) -> tuple[LocalEmbedding, float]:
    start = time.perf_counter()
    embedding = LocalEmbedding(
        settings.embedding.model_path or default_model_path(),
        batch_size=batch_size,
        backend=backend,  # type: ignore[arg-type]
        cache_dir=cache_dir,
        threads=threads,
    )
    return embedding, time.perf_counter() - start


def _distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 - cosine of each pair of unit vectors (float rounding below zero clipped)."""
    cosine = np.sum(a.astype(np.float64) * b.astype(np.float64), axis=1)
    return np.clip(1.0 - cosine, 0.0, None)


def _top(vectors: np.ndarray, queries: np.ndarray, k: int = 5) -> list[set[int]]:
    scores = queries @ vectors.T
    return [set(np.argsort(-row, kind="stable")[:k].tolist()) for row in scores]


def run(
    backends: Sequence[str],
    *,
    rounds: int,
    threads: int,
    manifest: Path,
    question_file: Path,
    question_count: int,
    settings: Settings,
    cache_dir: Path,
    batch_size: int,
) -> list[dict[str, float | str]]:
    models: dict[str, LocalEmbedding] = {}
    loads: dict[str, float] = {}
    for backend in backends:
        models[backend], loads[backend] = _load(backend, settings, cache_dir, threads, batch_size)
        print(f"{backend}: loaded in {loads[backend]:.2f} s", flush=True)
    first = models[backends[0]]
    texts = chunk_texts(manifest, first, settings)
    asked = questions(question_file, question_count)
    tokens = first.count_tokens(texts)
    print(
        f"{len(texts)} chunks from {manifest.parent.name} (mean {statistics.mean(tokens):.0f} "
        f"tokens), {len(asked)} questions, {rounds} rounds, {threads} threads, "
        f"batch {batch_size}",
        flush=True,
    )
    for model in models.values():  # warm up: first runs allocate and plan
        model.embed(texts[:batch_size])
        model.embed(asked[:1])
    chunk_times: dict[str, list[float]] = {b: [] for b in backends}
    question_times: dict[str, list[float]] = {b: [] for b in backends}
    vectors: dict[str, np.ndarray] = {}
    for number in range(rounds):
        for backend, model in models.items():
            start = time.perf_counter()
            vectors[backend] = model.embed(texts)
            chunk_times[backend].append(time.perf_counter() - start)
            for question in asked:
                start = time.perf_counter()
                model.embed([question])
                question_times[backend].append(time.perf_counter() - start)
        print(
            f"round {number + 1}: "
            + ", ".join(f"{b} {chunk_times[b][-1]:.2f} s" for b in backends),
            flush=True,
        )
    reference = "torch" if "torch" in models else backends[0]
    ref_rate = len(texts) / statistics.median(chunk_times[reference])
    ref_queries = models[reference].embed(asked)
    ref_top = _top(vectors[reference], ref_queries)
    rows: list[dict[str, float | str]] = []
    for backend, model in models.items():
        rate = len(texts) / statistics.median(chunk_times[backend])
        distance = _distance(vectors[backend], vectors[reference])
        queries = model.embed(asked)
        question_distance = _distance(queries, ref_queries)
        top = _top(vectors[backend], queries)
        same_top = sum(a == b for a, b in zip(top, ref_top, strict=True))
        rows.append(
            {
                "backend": backend,
                "load_s": loads[backend],
                "chunks_per_s": rate,
                "best_chunks_per_s": len(texts) / min(chunk_times[backend]),
                "ratio": rate / ref_rate,
                "question_ms": 1000 * statistics.median(question_times[backend]),
                "max_cos_diff": float(distance.max()),
                "mean_cos_diff": float(distance.mean()),
                "question_max_cos_diff": float(question_distance.max()),
                "same_top5": same_top / len(asked),
            }
        )
    return rows


def print_table(rows: list[dict[str, float | str]], reference: str) -> None:
    print()
    print(
        f"{'backend':<10} {'load s':>7} {'chunks/s':>9} {'x ' + reference:>9} {'best':>6} "
        f"{'question ms':>12} {'max cos diff':>13} {'mean cos diff':>14} "
        f"{'question max':>13} {'same top-5':>11}"
    )
    for r in rows:
        print(
            f"{r['backend']:<10} {r['load_s']:>7.2f} {r['chunks_per_s']:>9.1f} "
            f"{r['ratio']:>9.2f} {r['best_chunks_per_s']:>6.1f} {r['question_ms']:>12.1f} "
            f"{r['max_cos_diff']:>13.2e} "
            f"{r['mean_cos_diff']:>14.2e} {r['question_max_cos_diff']:>13.2e} "
            f"{r['same_top5']:>11.0%}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="threads per backend")
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--questions", type=int, default=20, help="golden questions to time")
    parser.add_argument("--batch-size", type=int, help="default: embedding.batch_size")
    parser.add_argument("--cache-dir", type=Path, help="ONNX exports (default: embedding.onnx_dir)")
    args = parser.parse_args(argv)
    settings = load_settings()
    cache_dir = args.cache_dir or settings.embedding.onnx_dir or settings.app.data_dir / "models"
    rows = run(
        args.backends,
        rounds=args.rounds,
        threads=args.threads,
        manifest=args.manifest,
        question_file=DEFAULT_QUESTIONS,
        question_count=args.questions,
        settings=settings,
        cache_dir=cache_dir,
        batch_size=args.batch_size or settings.embedding.batch_size,
    )
    print_table(rows, str(rows[0]["backend"]) if "torch" not in args.backends else "torch")


if __name__ == "__main__":
    main()
