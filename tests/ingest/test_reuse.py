"""Re-ingestion reuses work: a new version embeds only the chunks whose embedded text (their
words and their context) an earlier version does not hold, and searches exactly as a full
re-ingestion would."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.factory import open_store
from app.index.embedding import LocalEmbedding
from app.models import Filters
from ingest.manifest import ManifestEntry
from tests.conftest import store_mode
from tests.ingest.test_pipeline import GUIDE, entry, run

QUESTIONS = (
    "What is the maximum DTI ratio?",
    "How many months of reserves for a two-unit property?",
    "Can a gift come from a fiance?",
    "What documents does a self-employed borrower provide?",
    "How old can the credit report be?",
)


class Counting:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, model: LocalEmbedding) -> None:
        self.model = model
        self.embedded: list[str] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.model, name)

    def __call__(self) -> Counting:  # the pipeline takes a model or a loader
        return self

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += list(texts)
        return self.model.embed(texts)


def results(store, embedding: LocalEmbedding) -> list[list[tuple[str, float]]]:  # type: ignore[no-untyped-def]
    found = []
    for question in QUESTIONS:
        vector = embedding.embed([question])[0]
        hits = store.search(vector, Filters(), limit=8, score_floor=-1.0)
        found.append([(h.point_id, h.score) for h in hits])
    return found


def test_a_new_version_embeds_only_what_changed_and_searches_as_a_full_ingest(
    store,
    embedding,
    settings,
    sample_entries,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    counting = Counting(embedding)
    run(store, counting, settings, entry(sample_entries, GUIDE, "1.0"))
    first = len(counting.embedded)
    counting.embedded.clear()
    (second,) = run(store, counting, settings, entry(sample_entries, GUIDE, "2.0"))
    reembedded = len(counting.embedded)
    assert 0 < reembedded < second.chunks // 2, (reembedded, second.chunks)
    assert first > reembedded

    # The same two versions ingested in full, with nothing reused, into an index of its own.
    mode = store.engine.__class__.__name__
    full_settings = store_mode(
        settings.model_copy(
            update={"app": settings.app.model_copy(update={"data_dir": tmp_path / "full"})}
        ),
        "edge" if "Edge" in mode else "local",
    )
    full = open_store(full_settings, embedding.dimension)
    try:
        full.known_vectors = lambda doc_id: {}  # type: ignore[method-assign]
        run(full, embedding, full_settings, entry(sample_entries, GUIDE, "1.0"))
        run(full, embedding, full_settings, entry(sample_entries, GUIDE, "2.0"))
        reused, fresh = results(store, embedding), results(full, embedding)
    finally:
        full.close()
    for mine, theirs in zip(reused, fresh, strict=True):
        assert [p for p, _ in mine] == [p for p, _ in theirs]
        assert np.allclose([s for _, s in mine], [s for _, s in theirs], atol=1e-5)


def test_a_changed_heading_is_a_changed_context_and_is_embedded_again(
    store,
    embedding,
    settings,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    body = (
        "Two months of reserves are required for a one-unit primary residence. "
        "Reserves must be verified with the two most recent bank statements."
    )
    gifts = "Gift funds may be used for the down payment on a primary residence."
    versions = {
        "1": f"# Guide\n\n## 1 Reserves\n\n{body}\n\n## 2 Gifts\n\n{gifts}\n",
        "2": f"# Guide\n\n## 1 Reserve Requirements\n\n{body}\n\n## 2 Gifts\n\n{gifts}\n",
    }
    counting = Counting(embedding)
    for version, text in versions.items():
        path = tmp_path / f"guide-{version}.md"
        path.write_text(text)
        counting.embedded.clear()
        fields = {
            "doc_id": "guide",
            "title": "Guide",
            "product": "mortgage",
            "jurisdiction": "US-federal",
            "doc_type": "policy",
            "version": version,
            "effective_date": f"2025-0{version}-01",
        }
        run(store, counting, settings, ManifestEntry(path=path, fields=fields))
    assert counting.embedded and all("Reserve Requirements" in t for t in counting.embedded)
    assert not any("Gift funds" in t for t in counting.embedded)
