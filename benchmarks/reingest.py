"""Re-ingestion benchmark: ``python -m benchmarks.reingest [--pages N] [--changed F] [--repeat R]``.

Writes a long policy guide as a PDF (numbered sections of rule paragraphs with figures,
generated from a fixed seed, about ``--pages`` pages) and a new version of it with a share
``--changed`` of its paragraphs edited (a figure or a phrase). Then, in a fresh temporary
index each round:

* first ingestion: version 1 into the empty index;
* re-ingestion: version 2 over it, reusing the vectors of unchanged chunks, and its diff
  against version 1 computed and kept (what ``copilot ingest`` and an upload do);
* full re-ingestion: version 1 then 2 into another index with reuse turned off, and the top
  5 of every question compared with the re-ingested index's (ids in order, scores to 1e-5).

Prints pages/s of first ingestion and re-ingestion (medians over ``--repeat`` rounds), their
ratio, the chunks embedded again, and whether search results are identical.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.factory import build_embedding, open_store
from app.index.embedding import LocalEmbedding
from app.models import FileOutcome, Filters
from app.settings import load_settings
from benchmarks.ingest import Timed
from ingest.diffs import keep_diffs
from ingest.manifest import ManifestEntry
from ingest.pipeline import ingest

QUESTIONS = 40
TOPICS = (
    "reserves",
    "debt-to-income ratio",
    "loan-to-value ratio",
    "credit score",
    "appraisal",
    "gift funds",
    "self-employed income",
    "rental income",
    "flood insurance",
    "title insurance",
    "bankruptcy waiting period",
    "verification of employment",
)


def _paragraph(rng: random.Random, faker: Any, section: int, n: int) -> str:
    topic = rng.choice(TOPICS)
    figure = rng.choice(
        (f"{rng.randint(2, 24)} months", f"{rng.randint(30, 97)}%", f"${rng.randint(1, 90)},000")
    )
    return (
        f"({n}) For {topic}, the requirement under section {section} is {figure}. "
        f"{faker.sentence(nb_words=14)} {faker.sentence(nb_words=12)} "
        f"{faker.sentence(nb_words=16)}"
    )


def write_versions(folder: Path, pages: int, changed: float, seed: int = 7) -> tuple[Path, Path]:
    """Two versions of one generated guide; returns their paths."""
    from faker import Faker
    from fpdf import FPDF

    rng = random.Random(seed)
    faker = Faker("en_US")
    faker.seed_instance(seed)
    sections: list[tuple[str, list[str]]] = []
    # A section of six ~45-word paragraphs fills a little under half a Letter page.
    for s in range(1, round(pages * 2.2) + 1):
        title = f"{s}.1 {faker.catch_phrase().title()}"
        sections.append((title, [_paragraph(rng, faker, s, n) for n in range(1, 7)]))
    edited = [(t, list(ps)) for t, ps in sections]
    every = [(i, j) for i, (_, ps) in enumerate(edited) for j in range(len(ps))]
    for i, j in rng.sample(every, round(len(every) * changed)):
        edited[i][1][j] = edited[i][1][j].replace(" is ", " is at least ", 1) + " Revised."
    paths = []
    for version, content in (("1", sections), ("2", edited)):
        pdf = FPDF(format="Letter")
        pdf.set_auto_page_break(True, margin=20)
        pdf.add_page()
        pdf.set_font("Helvetica", size=10)
        for title, paragraphs in content:
            pdf.set_font("Helvetica", style="B", size=12)
            pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=10)
            for paragraph in paragraphs:
                pdf.multi_cell(0, 5, paragraph, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1)
        path = folder / f"long-guide-v{version}.pdf"
        pdf.output(str(path))
        paths.append(path)
    return paths[0], paths[1]


def _entry(path: Path, version: str) -> ManifestEntry:
    return ManifestEntry(
        path=path,
        fields={
            "doc_id": "long-guide",
            "title": "Long Guide",
            "product": "mortgage",
            "jurisdiction": "US-federal",
            "doc_type": "underwriting-guide",
            "version": version,
            "effective_date": f"2025-0{version}-01",
        },
    )


def _ingest(
    store: Any, embedding: Any, settings: Any, entry: ManifestEntry
) -> tuple[float, Any, float]:
    """Ingest one file as ``copilot ingest`` does, its diff included: (seconds in all, the
    result, seconds of the diff)."""
    start = time.perf_counter()
    (result,) = ingest([entry], store=store, embedding=embedding, settings=settings)
    if result.outcome is FileOutcome.FAILED:
        raise SystemExit(f"ingestion failed: {result.reason}")
    ingested = time.perf_counter()
    made = keep_diffs([result], store, settings)
    if result.outcome is FileOutcome.REPLACED and not made:
        raise SystemExit("the new version's diff was not made")
    end = time.perf_counter()
    return end - start, result, end - ingested


class _Counting:
    def __init__(self, model: LocalEmbedding) -> None:
        self.model, self.texts = model, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def __call__(self) -> _Counting:
        return self

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.model.embed(texts)


def _top(store: Any, vectors: np.ndarray) -> list[list[tuple[str, float]]]:
    return [
        [(h.point_id, h.score) for h in store.search(v, Filters(), limit=5, score_floor=-1.0)]
        for v in vectors
    ]


def _same(a: list[list[tuple[str, float]]], b: list[list[tuple[str, float]]]) -> bool:
    return all(
        [p for p, _ in x] == [p for p, _ in y]
        and np.allclose([s for _, s in x], [s for _, s in y], atol=1e-5)
        for x, y in zip(a, b, strict=True)
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=220)
    parser.add_argument("--changed", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    embedding = build_embedding(load_settings())
    counting = _Counting(embedding)
    firsts, agains, reembedded, identical = [], [], [], []
    splits: list[tuple[float, float, float, float]] = []
    with tempfile.TemporaryDirectory() as work:
        v1, v2 = write_versions(Path(work), args.pages, args.changed)
        rng = random.Random(11)
        questions = [
            f"What is the requirement for {rng.choice(TOPICS)} under section "
            f"{rng.randint(1, args.pages)}?"
            for _ in range(QUESTIONS)
        ]
        vectors = embedding.embed(questions)
        pages = chunks = 0
        for round_ in range(args.repeat):
            settings = load_settings(app={"data_dir": f"{work}/reuse-{round_}"})
            store = open_store(settings, embedding.dimension)
            first, one, _ = _ingest(store, counting, settings, _entry(v1, "1"))
            counting.texts = 0
            embed_time = Timed(counting, "embed")
            store_time = Timed(store, "add_version")
            again, two, diffing = _ingest(store, counting, settings, _entry(v2, "2"))
            splits.append((embed_time.seconds, store_time.seconds, diffing, again))
            del counting.__dict__["embed"], store.__dict__["add_version"]
            firsts.append(one.pages / first)
            agains.append(two.pages / again)
            reembedded.append(counting.texts)
            pages, chunks = two.pages, two.chunks
            full_settings = load_settings(app={"data_dir": f"{work}/full-{round_}"})
            full = open_store(full_settings, embedding.dimension)
            full.known_vectors = lambda doc_id: {}  # type: ignore[method-assign]  # reuse off
            _ingest(full, embedding, full_settings, _entry(v1, "1"))
            _ingest(full, embedding, full_settings, _entry(v2, "2"))
            identical.append(_same(_top(store, vectors), _top(full, vectors)))
            full.close()
            store.close()
    first_rate, again_rate = statistics.median(firsts), statistics.median(agains)
    print(
        f"generated guide: {pages} pages, {chunks} chunks; version 2 edits "
        f"{args.changed:.0%} of its paragraphs"
    )
    print(f"first ingestion, median of {args.repeat}: {first_rate:.1f} pages/s")
    print(
        f"re-ingestion,    median of {args.repeat}: {again_rate:.1f} pages/s "
        f"({again_rate / first_rate:.1f}x); chunks embedded again: "
        f"{statistics.median(reembedded):.0f} of {chunks}"
    )
    embed, stored, diffing, wall = (statistics.median(x) for x in zip(*splits, strict=True))
    print(
        f"  re-ingestion by stage (medians): embed {embed:.2f} s, store {stored:.2f} s, "
        f"diff {diffing:.2f} s, parse+chunk and the rest {wall - embed - stored - diffing:.2f} s"
    )
    print(
        f"search results identical to a full re-ingestion ({QUESTIONS} questions, top 5): "
        f"{'yes' if all(identical) else 'NO'}"
    )


if __name__ == "__main__":
    main()
