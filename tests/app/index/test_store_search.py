"""qdrant-client local mode's unfiltered-then-checked search must return exactly what
Qdrant's own filtered search returns, on the fast path and on the fallback; and Qdrant Edge's
exact filtered search must find the same points."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest
from qdrant_client import models

from app.index.engine import ClientEngine
from app.index.store import PolicyStore
from app.models import Filters

PRODUCTS = ["mortgage", "heloc", "auto", "all"]
STATES = ["US-federal", "TX", "CA"]
TYPES = ["underwriting-guide", "bulletin", "compliance-memo"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> PolicyStore:
    from qdrant_client import QdrantClient

    client = QdrantClient(path=str(tmp_path_factory.mktemp("search")))
    store = PolicyStore(ClientEngine(client, server=False), "chunks", 16)
    rng = np.random.default_rng(11)
    points = []
    for i in range(600):
        vector = rng.normal(size=16)
        points.append(
            models.PointStruct(
                id=str(uuid.UUID(int=i + 1)),
                vector=(vector / np.linalg.norm(vector)).tolist(),
                payload={
                    "doc_id": f"doc-{i % 7}", "version": "2" if i % 3 else "1",
                    "status": "current" if i % 3 else "superseded",
                    "product": PRODUCTS[i % 4], "jurisdiction": STATES[i % 3 if i % 11 else 1],
                    "doc_type": TYPES[(i // 5) % 3] if i % 13 else "bulletin",
                },
            )
        )  # fmt: skip
    client.upsert("chunks", points=points, wait=True)
    return store


FILTERS = [
    Filters(),
    Filters(product="mortgage"),
    Filters(product="heloc", jurisdiction="TX"),
    Filters(jurisdiction="US-federal"),
    Filters(product="auto", jurisdiction="CA", doc_type="bulletin"),  # selective: falls back
    Filters(doc_type="compliance-memo", jurisdiction="TX"),
]


@pytest.mark.parametrize(("filters", "limit"), list(itertools.product(FILTERS, [5, 30])))
def test_fast_path_equals_filtered_search(store: PolicyStore, filters: Filters, limit: int) -> None:
    rng = np.random.default_rng(limit)
    allowed = store._allowed(filters)
    assert allowed is not None
    for _ in range(10):
        vector = rng.normal(size=16).astype(np.float32)
        vector /= np.linalg.norm(vector)
        fast = store.search(vector, filters, limit=limit, score_floor=-1.0)
        exact = store._query(vector, allowed.to_metadata(), limit, -1.0)
        assert [h.point_id for h in fast] == [h.point_id for h in exact]
        assert all(allowed.accepts(h.payload) for h in fast)


def test_as_of_without_any_version_in_force_finds_nothing(store: PolicyStore) -> None:
    vector = np.ones(16, dtype=np.float32) / 4
    assert store.search(vector, Filters(as_of=date(2001, 1, 1)), limit=5, score_floor=-1.0) == []


@pytest.fixture(scope="module")
def edge_copy(
    store: PolicyStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PolicyStore]:
    from app.index.edge import EdgeEngine

    edge = PolicyStore(EdgeEngine(tmp_path_factory.mktemp("edge")), "chunks", 16)
    edge.chunk_points.upsert(list(store.chunk_points.points(vectors=True)))
    yield edge
    edge.close()


@pytest.mark.parametrize("filters", FILTERS)
def test_edge_finds_what_local_mode_finds(
    store: PolicyStore, edge_copy: PolicyStore, filters: Filters
) -> None:
    assert edge_copy.count() == store.count() == 600
    rng = np.random.default_rng(3)
    for _ in range(10):
        vector = rng.normal(size=16).astype(np.float32)
        vector /= np.linalg.norm(vector)
        local = store.search(vector, filters, limit=10, score_floor=-1.0)
        edge = edge_copy.search(vector, filters, limit=10, score_floor=-1.0)
        assert [h.point_id for h in edge] == [h.point_id for h in local]
        assert np.allclose([h.score for h in edge], [h.score for h in local], atol=1e-5)
