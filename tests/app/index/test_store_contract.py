"""The store contract, run against every store mode (``store`` fixture: edge, local, and
server when a Qdrant server is given): versions, as-of, filters, reopening, and the chunk
collection's LlamaIndex vector store (add, query with MetadataFilters, get nodes, delete,
clear). Crash recovery and the second-process refusal are in tests/ingest."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.types import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
)

from app.index.store import PolicyStore
from app.models import DocumentMeta, FileOutcome, Filters, Status
from tests.app.index.test_store_concurrency import chunks as passages

DIM = 384


def unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


QUERY = unit(0)


def near(weight: float, seed: int) -> np.ndarray:
    """A vector with cosine about ``weight`` to QUERY: hits come back in a known order."""
    vector = weight * QUERY + (1 - weight) * unit(seed)
    return vector / np.linalg.norm(vector)


def add(
    store: PolicyStore,
    doc_id: str,
    version: str,
    effective: str,
    *,
    product: str | list[str] = "mortgage",
    jurisdiction: str | list[str] = "US-federal",
    doc_type: str = "underwriting-guide",
    weight: float = 0.8,
):  # type: ignore[no-untyped-def]
    chunks = passages(f"{doc_id} {version}", 2)
    seed = sum(map(ord, doc_id + version))
    vectors = np.stack([near(weight - 0.1 * i, seed + i) for i in range(2)])
    meta = DocumentMeta(
        doc_id=doc_id,
        title=doc_id.title(),
        product=product,
        jurisdiction=jurisdiction,
        doc_type=doc_type,
        version=version,
        effective_date=date.fromisoformat(effective),
    )
    return store.add_version(
        meta,
        file_name=f"{doc_id}-{version}.pdf",
        sha256=f"{doc_id}-{version}".ljust(64, "0"),
        pages=1,
        chunks=chunks,
        vectors=vectors,
    )


def found(store: PolicyStore, filters: Filters) -> set[tuple[str, str]]:
    hits = store.search(QUERY, filters, limit=50, score_floor=-1.0)
    return {(h.payload["doc_id"], h.payload["version"]) for h in hits}


def test_only_current_versions_answer_and_as_of_finds_the_one_in_force(store) -> None:  # type: ignore[no-untyped-def]
    add(store, "guide", "1.0", "2025-01-01")
    outcome, stored, previous = add(store, "guide", "2.0", "2026-01-01")
    assert outcome is FileOutcome.REPLACED and previous == "1.0"
    assert stored.status is Status.CURRENT
    assert found(store, Filters()) == {("guide", "2.0")}
    assert found(store, Filters(as_of=date(2025, 6, 1))) == {("guide", "1.0")}
    assert found(store, Filters(as_of=date(2026, 2, 1))) == {("guide", "2.0")}
    assert found(store, Filters(as_of=date(2024, 1, 1))) == set()
    assert store.count(doc_id="guide", status=Status.SUPERSEDED.value) == 2

    store.retire("guide")
    assert found(store, Filters()) == set()
    assert found(store, Filters(as_of=date(2025, 6, 1))) == set()
    assert store.purge("guide") == 4
    assert store.count() == 0 and store.documents() == []


def test_search_stays_exact_after_purges_compact_the_index(store) -> None:  # type: ignore[no-untyped-def]
    for n in range(30):
        add(store, f"doc-{n:02d}", "1", "2025-01-01", weight=0.3 + n / 100)
    before = store.search(QUERY, Filters(), limit=60, score_floor=-1.0)
    for n in range(0, 30, 2):
        assert store.purge(f"doc-{n:02d}") == 2
    after = store.search(QUERY, Filters(), limit=60, score_floor=-1.0)
    assert [h.point_id for h in after] == [
        h.point_id for h in before if int(h.payload["doc_id"][-2:]) % 2
    ]
    assert store.count() == 30


def test_filters_keep_to_the_product_jurisdiction_and_type(store) -> None:  # type: ignore[no-untyped-def]
    add(store, "tx-mortgage", "1", "2025-01-01", jurisdiction="TX")
    add(store, "auto", "1", "2025-01-01", product="auto", doc_type="bulletin")
    add(store, "ca-all", "1", "2025-01-01", product="all", jurisdiction="CA")

    def docs(filters: Filters) -> set[str]:
        return {doc for doc, _ in found(store, filters)}

    assert docs(Filters()) == {"tx-mortgage", "auto", "ca-all"}
    assert docs(Filters(product="mortgage")) == {"tx-mortgage", "ca-all"}  # "all" applies
    assert docs(Filters(jurisdiction="TX")) == {"tx-mortgage", "auto"}  # federal applies
    assert docs(Filters(product="auto", jurisdiction="CA")) == {"auto", "ca-all"}
    assert docs(Filters(product="auto", jurisdiction="TX")) == {"auto"}
    assert docs(Filters(doc_type="bulletin")) == {"auto"}
    assert docs(Filters(product="heloc", jurisdiction="NY")) == set()


def test_a_document_of_several_products_and_states_is_found_by_any_of_them(store) -> None:  # type: ignore[no-untyped-def]
    add(store, "home-equity", "1", "2025-01-01", product=["mortgage", "heloc"],
        jurisdiction=["TX", "CA"])  # fmt: skip
    add(store, "auto", "1", "2025-01-01", product="auto")
    assert all(p["product"] == ["auto"] for p in store.chunks("auto"))
    payloads = store.chunks("home-equity")
    assert all(p["product"] == ["mortgage", "heloc"] for p in payloads)  # a list in Qdrant
    assert all(p["jurisdiction"] == ["TX", "CA"] for p in payloads)

    def docs(**filters: str) -> set[str]:
        return {doc for doc, _ in found(store, Filters(**filters))}

    for product in ("mortgage", "heloc"):
        assert docs(product=product) == {"home-equity"}
        for state in ("TX", "CA"):
            assert docs(product=product, jurisdiction=state) == {"home-equity"}
        assert docs(product=product, jurisdiction="NY") == set()
    assert docs(product="auto") == {"auto"}
    assert docs(jurisdiction="NY") == {"auto"}  # federal applies; a TX and CA document not
    assert docs(jurisdiction="US-federal") == {"auto"}
    assert docs(product="heloc", as_of="2025-06-01") == {"home-equity"}
    # Each engine's own match on the list (the filtered search, not a check in Python).
    heloc = MetadataFilters(
        filters=[MetadataFilter(key="product", value=["heloc", "all"], operator=FilterOperator.IN)]
    )
    assert {n.metadata["doc_id"] for n in query(store, heloc).nodes} == {"home-equity"}


def test_points_and_records_written_before_lists_are_still_found(store) -> None:  # type: ignore[no-untyped-def]
    """An index written when a document had one product and one jurisdiction holds them as
    strings, in its chunk points and its catalog records: they are read as one value."""
    from qdrant_client import models

    from app.index.engine import StoredPoint

    add(store, "old-guide", "1", "2025-01-01", jurisdiction="TX")
    add(store, "new-guide", "1", "2025-01-01", product=["mortgage", "heloc"], weight=0.7)
    old = models.Filter(
        must=[models.FieldCondition(key="doc_id", match=models.MatchValue(value="old-guide"))]
    )
    store.chunk_points.set_payload({"product": "mortgage", "jurisdiction": "TX"}, old)
    (record,) = [p for p in store.records.points() if p.payload["doc_id"] == "old-guide"]
    payload = record.payload
    for version in payload["versions"]:
        version["meta"] |= {"product": "mortgage", "jurisdiction": "TX"}
    store.records.upsert([StoredPoint(id=record.id, payload=payload)])
    assert all(p["product"] == "mortgage" for p in store.chunks("old-guide"))

    stored = store.document("old-guide")
    assert stored is not None and stored.versions[0].meta.product == ("mortgage",)
    assert stored.versions[0].meta.jurisdiction == ("TX",)
    hits = store.search(QUERY, Filters(product="mortgage", jurisdiction="TX"), limit=10,
                        score_floor=-1.0)  # fmt: skip
    assert {h.payload["doc_id"] for h in hits} == {"old-guide", "new-guide"}
    chunk = next(h for h in hits if h.payload["doc_id"] == "old-guide").retrieved()
    assert (chunk.product, chunk.jurisdiction) == (("mortgage",), ("TX",))
    assert {h.payload["doc_id"] for h in store.search(
        QUERY, Filters(jurisdiction="CA", as_of=date(2025, 6, 1)), limit=10, score_floor=-1.0
    )} == {"new-guide"}  # fmt: skip
    assert found(store, Filters(product="heloc")) == {("new-guide", "1")}


def test_hits_come_best_first_above_the_floor(store) -> None:  # type: ignore[no-untyped-def]
    add(store, "strong", "1", "2025-01-01", weight=0.9)
    add(store, "weak", "1", "2025-01-01", weight=0.3)
    hits = store.search(QUERY, Filters(), limit=10, score_floor=-1.0)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and len(hits) == 4
    assert hits[0].payload["doc_id"] == "strong" and hits[0].payload["text"]
    assert hits[0].vector.shape == (DIM,)
    floor = (scores[1] + scores[2]) / 2
    assert [h.point_id for h in store.search(QUERY, Filters(), limit=10, score_floor=floor)] == [
        h.point_id for h in hits[:2]
    ]


def test_hybrid_search_finds_a_rare_term_that_dense_search_ranks_low(store) -> None:  # type: ignore[no-untyped-def]
    for doc, weight in [("near-a", 0.95), ("near-b", 0.75), ("near-c", 0.55), ("zyxwarranty", 0.0)]:
        add(store, doc, "1", "2025-01-01", weight=weight)

    def top(text: str | None) -> list[str]:
        hits = store.search(QUERY, Filters(), limit=2, score_floor=-1.0, text=text)
        return [h.payload["doc_id"] for h in hits]

    assert top(None) == ["near-a", "near-a"]
    if not store.engine.fast_sparse:
        # qdrant-client's local mode: dense search only (its BM25 search is a Python scan).
        assert top("zyxwarranty terms") == top(None)
        return
    assert top("zyxwarranty terms") == ["near-a", "zyxwarranty"]  # tie: the closer first
    hits = store.search(QUERY, Filters(), limit=8, score_floor=-1.0, text="zyxwarranty")
    assert hits[1].score == pytest.approx(float(np.dot(hits[1].vector, QUERY)), abs=1e-5)
    assert store.search(QUERY, Filters(product="auto"), limit=8, score_floor=-1.0,
                        text="zyxwarranty") == []  # fmt: skip
    floor = (hits[0].score + hits[1].score) / 2
    kept = store.search(QUERY, Filters(), limit=8, score_floor=floor, text="zyxwarranty")
    assert kept and all(h.score >= floor for h in kept)  # the floor is on cosine
    assert "zyxwarranty" not in {h.payload["doc_id"] for h in kept}


# --- the chunk collection as a LlamaIndex vector store -----------------------------------


def nodes() -> list[TextNode]:
    rows = [
        ("n1", "guide", "mortgage", "TX", 0.9),
        ("n2", "guide", "mortgage", "CA", 0.7),
        ("n3", "memo", "auto", "TX", 0.5),
        ("n4", "memo", "heloc", "NY", 0.3),
    ]
    return [
        TextNode(
            id_=f"00000000-0000-0000-0000-00000000000{n[1]}",
            text=f"text of {n}",
            metadata={"doc_id": doc, "product": product, "jurisdiction": state, "name": n},
            embedding=near(weight, i).tolist(),
        )
        for i, (n, doc, product, state, weight) in enumerate(rows)
    ]


def names(result_nodes) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.metadata["name"] for n in result_nodes]


def query(store: PolicyStore, filters: MetadataFilters | None = None, **kwargs):  # type: ignore[no-untyped-def]
    result = store.vectors.query(
        VectorStoreQuery(query_embedding=QUERY.tolist(), similarity_top_k=10, filters=filters),
        **kwargs,
    )
    return result


def test_the_vector_store_adds_and_queries_with_metadata_filters(store) -> None:  # type: ignore[no-untyped-def]
    ids = store.vectors.add(nodes())
    assert len(ids) == 4 and store.count() == 4
    result = query(store)
    assert names(result.nodes) == ["n1", "n2", "n3", "n4"]
    assert result.ids == ids and result.similarities == sorted(result.similarities, reverse=True)
    assert result.nodes[0].get_content() == "text of n1" and result.nodes[0].embedding

    eq = MetadataFilters(filters=[MetadataFilter(key="jurisdiction", value="TX")])
    assert names(query(store, eq).nodes) == ["n1", "n3"]
    within = MetadataFilters(
        filters=[MetadataFilter(key="product", value=["auto", "heloc"], operator=FilterOperator.IN)]
    )
    assert names(query(store, within).nodes) == ["n3", "n4"]
    outside = MetadataFilters(
        filters=[MetadataFilter(key="product", value=["mortgage"], operator=FilterOperator.NIN)]
    )
    assert names(query(store, outside).nodes) == ["n3", "n4"]
    other = MetadataFilters(
        filters=[MetadataFilter(key="doc_id", value="guide", operator=FilterOperator.NE)]
    )
    assert names(query(store, other).nodes) == ["n3", "n4"]
    either = MetadataFilters(
        filters=[
            MetadataFilters(
                filters=[
                    MetadataFilter(key="doc_id", value="guide"),
                    MetadataFilter(key="jurisdiction", value="CA"),
                ]
            ),
            MetadataFilter(key="jurisdiction", value="NY"),
        ],
        condition=FilterCondition.OR,
    )
    assert names(query(store, either).nodes) == ["n2", "n4"]
    negated = MetadataFilters(
        filters=[MetadataFilter(key="jurisdiction", value="TX")], condition=FilterCondition.NOT
    )
    assert names(query(store, negated).nodes) == ["n2", "n4"]
    floor = (result.similarities[1] + result.similarities[2]) / 2
    assert names(query(store, score_floor=floor).nodes) == ["n1", "n2"]
    by_doc = store.vectors.query(
        VectorStoreQuery(query_embedding=QUERY.tolist(), similarity_top_k=1, doc_ids=["memo"])
    )
    assert names(by_doc.nodes) == ["n3"]


def test_the_vector_store_gets_deletes_and_clears_nodes(store) -> None:  # type: ignore[no-untyped-def]
    ids = store.vectors.add(nodes())
    got = store.vectors.get_nodes(node_ids=[ids[2], ids[0]])
    assert sorted(names(got)) == ["n1", "n3"]
    assert sorted(names(store.vectors.get_nodes(filters=MetadataFilters(
        filters=[MetadataFilter(key="doc_id", value="memo")]
    )))) == ["n3", "n4"]  # fmt: skip

    store.vectors.delete("guide")  # by ref_doc_id
    assert sorted(names(store.vectors.get_nodes())) == ["n3", "n4"]
    store.vectors.delete_nodes(node_ids=[ids[2]])
    assert names(store.vectors.get_nodes()) == ["n4"]
    with pytest.raises(ValueError, match="name the nodes"):
        store.vectors.delete_nodes()
    store.vectors.clear()
    assert store.count() == 0 and store.vectors.get_nodes() == []
