"""A chunk's paragraphs and lead-ins in the index: kept in its payload, read back with it,
and searched by BM25 as its dense vector reads them (a real Edge index on disk)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from app.index.edge import EdgeEngine
from app.index.store import PolicyStore
from app.models import Chunk, DocumentMeta, Filters

DIM = 8


def regulation_chunk(ordinal: int, text: str, context: str) -> Chunk:
    return Chunk(
        ordinal=ordinal, section_id="§ 9001.7", section_title="Qualified home loans",
        section_path=("§ 9001.7 Qualified home loans",), text=text,
        embed_text="\n".join(filter(None, ["§ 9001.7 Qualified home loans", context, text])),
        context=context, token_count=40, page_start=3, page_end=3, page_label_start="3",
        page_label_end="3", kind="text", paragraphs=((0, f"(c)({ordinal + 1})"),),
    )  # fmt: skip


def test_a_lead_in_is_searched_with_its_chunk_and_paragraphs_come_back(tmp_path: Path) -> None:
    engine = EdgeEngine(tmp_path / "edge")
    store = PolicyStore(engine, "policies", DIM)
    try:
        chunks = [
            regulation_chunk(0, "(1) Payments stay level for the whole term.", ""),
            regulation_chunk(
                1,
                "(2) Allow the borrower to defer repayment of principal.",
                "(c) A balloon-free home loan provides for payments that do not:",
            ),
        ]
        # Dense search puts the first chunk first; only its lead-in holds the word asked.
        vectors = np.eye(2, DIM, dtype=np.float32) + 0.5
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        meta = DocumentMeta(
            doc_id="reg-q", title="Regulation Q", product="mortgage", jurisdiction="US-federal",
            doc_type="regulation", version="1", effective_date=date(2025, 1, 1),
        )  # fmt: skip
        store.add_version(
            meta, file_name="reg-q.pdf", sha256="a" * 64, pages=3, chunks=chunks, vectors=vectors
        )
        dense = store.search(vectors[0], Filters(), limit=2, score_floor=0.0)
        assert [h.payload["ordinal"] for h in dense] == [0, 1]
        hits = store.search(vectors[0], Filters(), limit=2, score_floor=0.0, text="balloon-free")
        assert [h.payload["ordinal"] for h in hits] == [1, 0]
        found = hits[0].retrieved()
        assert found.paragraphs == ((0, "(c)(2)"),)
        assert found.text == chunks[1].text  # the lead-in is searched, never quoted
    finally:
        store.close()
        engine.close()
