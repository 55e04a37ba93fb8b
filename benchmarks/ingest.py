"""Ingestion benchmark: ``python -m benchmarks.ingest [FOLDER...] [--repeat N]``.

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
from typing import Any

from app.factory import build_embedding, open_store
from app.index.embedding import LocalEmbedding
from app.models import FileOutcome
from app.settings import load_settings
from ingest.manifest import ManifestEntry, load_manifest
from ingest.pipeline import expand, ingest

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


class Timed:
    """Accumulates the seconds spent inside one method of an object, for the stage split."""

    def __init__(self, target: object, method: str) -> None:
        self.seconds = 0.0
        inner = getattr(target, method)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        object.__setattr__(target, method, timed)


def run(folder: Path, embedding: LocalEmbedding, repeat: int) -> None:
    entries = _entries(folder)
    walls: list[float] = []
    embeds: list[float] = []
    stores: list[float] = []
    pages = chunks = 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as data_dir:
            settings = load_settings(app={"data_dir": data_dir})
            store = open_store(settings, embedding.dimension)
            embed_time, store_time = Timed(embedding, "embed"), Timed(store, "add_version")
            start = time.perf_counter()
            results = ingest(entries, store=store, embedding=embedding, settings=settings)
            walls.append(time.perf_counter() - start)
            embeds.append(embed_time.seconds)
            stores.append(store_time.seconds)
            del embedding.__dict__["embed"]  # type: ignore[attr-defined]
            store.close()
        failed = [r for r in results if r.outcome is FileOutcome.FAILED]
        for result in failed:
            print(f"  failed: {result.reason}")
        pages = sum(r.pages for r in results)
        chunks = sum(r.chunks for r in results)
    wall = statistics.median(walls)
    embed, stored = statistics.median(embeds), statistics.median(stores)
    print(f"{folder}: {len(entries)} files, {pages} pages, {chunks} chunks")
    print(
        f"  ingest median of {repeat}: {wall:.2f} s  ->  {pages / wall:.1f} pages/s, "
        f"{chunks / wall:.1f} chunks/s"
    )
    print(
        f"  by stage (medians): embed {embed:.2f} s, store {stored:.2f} s, "
        f"parse+chunk and the rest {wall - embed - stored:.2f} s"
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
