"""Ingestion benchmark: ``python -m ingest.bench [FOLDER...] [--repeat N]``.

Ingests each folder into a fresh, temporary index (the sample policies by default) and
prints pages/s, chunks/s, the split between parsing+chunking, embedding and storing, and the
process's peak memory. Folders with a ``manifest.json`` use it; other folders get neutral
metadata (doc_id from the file name), since only throughput is measured.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from app.embedding import LocalEmbedding
from app.factory import build_embedding, open_store
from app.models import FileOutcome
from app.settings import load_settings
from ingest.chunk import chunk
from ingest.manifest import ManifestEntry, load_manifest
from ingest.parse import parse
from ingest.pipeline import expand, ingest
from ingest.sections import segment

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "policies_sample"


def _entries(folder: Path) -> list[ManifestEntry]:
    manifest = folder / "manifest.json"
    if manifest.is_file():
        return load_manifest(manifest)
    return [
        ManifestEntry(
            path=path,
            fields={
                "doc_id": path.stem.lower().replace(" ", "-")[:100],
                "title": path.stem,
                "product": "all",
                "jurisdiction": "US-federal",
                "doc_type": "policy",
                "version": "1",
                "effective_date": "2020-01-01",
            },
        )
        for path in expand([folder])
    ]


def _stage_times(
    entries: Sequence[ManifestEntry], embedding: LocalEmbedding
) -> tuple[float, float]:
    """Seconds spent parsing+chunking and embedding, outside the store."""
    prepare = embed = 0.0
    for entry in entries:
        start = time.perf_counter()
        doc = parse(entry.path)
        chunks = chunk(
            segment(doc),
            embedding.count_tokens,
            max_tokens=200,
            special_tokens=embedding.special_tokens,
        )
        middle = time.perf_counter()
        embedding.embed([c.embed_text for c in chunks])
        prepare += middle - start
        embed += time.perf_counter() - middle
    return prepare, embed


def run(folder: Path, embedding: LocalEmbedding, repeat: int) -> None:
    entries = _entries(folder)
    walls: list[float] = []
    pages = chunks = 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as data_dir:
            settings = load_settings(app={"data_dir": data_dir})
            store = open_store(settings, embedding.dimension)
            start = time.perf_counter()
            results = ingest(entries, store=store, embedding=embedding, settings=settings)
            walls.append(time.perf_counter() - start)
            store.close()
        failed = [r for r in results if r.outcome is FileOutcome.FAILED]
        for result in failed:
            print(f"  failed: {result.reason}")
        pages = sum(r.pages for r in results)
        chunks = sum(r.chunks for r in results)
    prepare, embed = _stage_times([e for e in entries if e.path.is_file()], embedding)
    wall = statistics.median(walls)
    print(f"{folder}: {len(entries)} files, {pages} pages, {chunks} chunks")
    print(
        f"  ingest median of {repeat}: {wall:.2f} s  ->  {pages / wall:.1f} pages/s, "
        f"{chunks / wall:.1f} chunks/s"
    )
    print(
        f"  one pass by stage: parse+chunk {prepare:.2f} s, embed {embed:.2f} s, "
        f"store {max(wall - prepare - embed, 0.0):.2f} s (remainder)"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[DEFAULT_FOLDER])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    embedding = build_embedding(load_settings())
    print(f"model load: {time.perf_counter() - start:.2f} s")
    for folder in args.folders:
        run(folder, embedding, args.repeat)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
