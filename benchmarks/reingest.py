"""Re-ingestion benchmark: ``python -m benchmarks.reingest [--pages N] [--changed F,F..]
[--repeat R]``.

Writes a long policy guide as a PDF (numbered sections of rule paragraphs with figures,
generated from a fixed seed, about ``--pages`` pages) and, for each share in ``--changed``
(1%, 2%, 5% and 10% by default), a new version of it with that share of its paragraphs
edited (a figure or a phrase). Then:

* first ingestion: version 1 into an empty index, ``--repeat`` times;
* re-ingestion, ``--repeat`` times for each share: version 2 into a copy of an index that
  holds version 1, reusing the vectors of unchanged chunks, and its diff against version 1
  computed and kept (what ``copilot ingest`` and an upload do). The paragraphs read in this
  process are forgotten first, as a new process starts without them;
* full re-ingestion, once for each share: version 2 into another copy with reuse turned
  off, and the top 5 of every question compared with the re-ingested index's (ids in
  order, scores to 1e-5).

Prints pages/s of first ingestion and of re-ingestion (medians), their ratio, the chunks
embedded again, the seconds by stage and whether search results are identical.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.factory import build_embedding, open_store
from app.index.embedding import LocalEmbedding
from app.index.store import PolicyStore
from app.models import FileOutcome, Filters
from app.settings import load_settings
from benchmarks.ingest import Timed
from ingest.diffs import keep_diffs
from ingest.manifest import ManifestEntry
from ingest.paragraphs import forget_parsed
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


def _shares(text: str) -> list[float]:
    try:
        shares = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of fractions: {text!r}") from None
    if not shares or any(not 0 < share <= 1 for share in shares):
        raise argparse.ArgumentTypeError("each share is a fraction above 0, at most 1")
    return shares


def _opened(template: Path, folder: Path, dimension: int) -> tuple[Any, Any]:
    """A copy of the index that holds version 1, opened: (settings, store)."""
    shutil.copytree(template, folder)
    settings = load_settings(app={"data_dir": str(folder)})
    return settings, open_store(settings, dimension)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=220)
    parser.add_argument(
        "--changed",
        type=_shares,
        default=_shares("0.01,0.02,0.05,0.10"),
        help="shares of paragraphs edited in version 2, comma-separated",
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    embedding = build_embedding(load_settings())
    counting = _Counting(embedding)
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        v1, _ = write_versions(work, args.pages, 0.0)
        rng = random.Random(11)
        questions = [
            f"What is the requirement for {rng.choice(TOPICS)} under section "
            f"{rng.randint(1, args.pages)}?"
            for _ in range(QUESTIONS)
        ]
        vectors = embedding.embed(questions)
        # First ingestion: version 1 into an empty index, --repeat times; the first of
        # these indexes is the one every re-ingestion below starts from (a copy of it).
        firsts = []
        for round_ in range(args.repeat):
            settings = load_settings(app={"data_dir": str(work / f"first-{round_}")})
            store = open_store(settings, embedding.dimension)
            forget_parsed()
            seconds, one, _ = _ingest(store, embedding, settings, _entry(v1, "1"))
            store.close()
            firsts.append(one.pages / seconds)
        template = work / "first-0"
        first_rate = statistics.median(firsts)
        for share in args.changed:
            folder = work / f"changed-{share}"
            folder.mkdir()
            _, v2 = write_versions(folder, args.pages, share)
            agains, reembedded = [], []
            splits: list[tuple[float, float, float, float]] = []
            reused: PolicyStore | None = None
            for round_ in range(args.repeat):
                if reused is not None:
                    reused.close()
                settings, reused = _opened(
                    template, folder / f"reuse-{round_}", embedding.dimension
                )
                counting.texts = 0
                embed_time = Timed(counting, "embed")
                store_time = Timed(reused, "add_version")
                forget_parsed()  # as a new process would: version 1's paragraphs read again
                again, two, diffing = _ingest(reused, counting, settings, _entry(v2, "2"))
                del counting.__dict__["embed"], reused.__dict__["add_version"]
                splits.append((embed_time.seconds, store_time.seconds, diffing, again))
                agains.append(two.pages / again)
                reembedded.append(counting.texts)
            assert reused is not None
            full_settings, full = _opened(template, folder / "full", embedding.dimension)
            full.known_vectors = lambda doc_id: {}  # type: ignore[method-assign]  # reuse off
            _ingest(full, embedding, full_settings, _entry(v2, "2"))
            identical = _same(_top(reused, vectors), _top(full, vectors))
            full.close()
            reused.close()
            again_rate = statistics.median(agains)
            embed, stored, diffing, wall = (statistics.median(x) for x in zip(*splits, strict=True))
            rows.append(
                f"{share:>7.0%} {statistics.median(reembedded):>9.0f} {again_rate:>8.1f} "
                f"{again_rate / first_rate:>6.1f}x {embed:>6.2f} {stored:>6.2f} "
                f"{diffing:>6.2f} {wall - embed - stored - diffing:>6.2f} "
                f"{'yes' if identical else 'NO':>10}"
            )
    print(
        f"generated guide: {one.pages} pages, {one.chunks} chunks; first ingestion, "
        f"median of {args.repeat}: {first_rate:.1f} pages/s"
    )
    print(f"re-ingestion of a new version, medians of {args.repeat} (seconds by stage):")
    print(
        f"{'edited':>7} {'embedded':>9} {'pages/s':>8} {'ratio':>7} {'embed':>6} {'store':>6} "
        f"{'diff':>6} {'rest':>6} {'identical':>10}"
    )
    for row in rows:
        print(row)
    print(
        "edited: share of paragraphs; embedded: chunks embedded again; ratio: to first "
        "ingestion; rest: parse, chunk and the rest; identical: top 5 of "
        f"{QUESTIONS} questions as after a full re-ingestion"
    )


if __name__ == "__main__":
    main()
