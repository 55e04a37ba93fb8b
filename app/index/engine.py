"""Where the index's points live: one small interface over a Qdrant collection, so the store
protocol (:mod:`app.index.store`) is written once for every store mode.

- :class:`ClientEngine`: qdrant-client, on a local folder (pure Python) or a Qdrant server;
- :class:`app.index.edge.EdgeEngine`: Qdrant Edge, Qdrant's own engine run in-process on a folder.

Filters are described with qdrant-client's ``models.Filter`` everywhere (a plain pydantic
model); an engine that speaks another dialect translates it.

A chunk collection may hold, beside each point's dense vector, a BM25 sparse vector
(:mod:`app.index.sparse`); a hybrid query then fuses the dense and the sparse nearest points with
Reciprocal Rank Fusion. RRF gives equal scores to equal ranks of the two lists and Qdrant
orders such ties arbitrarily, so ties are ordered here (by cosine similarity, then id) and
every point comes back with its cosine similarity to the question as its score, in fused
order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qdrant_client import QdrantClient, models

from app.index.sparse import SPARSE, Sparse

Offset = str | int | None
RRF_K = 2
"""Qdrant's default: a list's first hit scores 1/2, its second 1/3, ..."""


@dataclass(frozen=True)
class StoredPoint:
    """A point as read back from (or written to) a collection."""

    id: str
    payload: dict[str, Any] = field(default_factory=dict)
    vector: list[float] | None = None
    score: float = 0.0
    sparse: Sparse | None = None
    """The BM25 vector, in collections that hold one (written, never read back)."""


@dataclass(frozen=True)
class Hybrid:
    """The sparse side of a hybrid query."""

    sparse: Sparse
    prefetch: int
    """How many nearest points each side contributes to the fusion."""


def fused_best(
    points: Sequence[StoredPoint],
    fused: Sequence[float],
    vector: Sequence[float],
    *,
    floor: float,
    limit: int,
) -> list[StoredPoint]:
    """The best ``limit`` points of a fused query whose cosine similarity to ``vector`` is at
    least ``floor``: by fused score, ties by cosine similarity then id; each scored with its
    cosine similarity."""
    query = np.asarray(vector, dtype=np.float32)
    cosine = [float(np.asarray(p.vector, dtype=np.float32) @ query) for p in points]
    order = sorted(range(len(points)), key=lambda i: (-fused[i], -cosine[i], points[i].id))
    ranked = [
        StoredPoint(id=points[i].id, payload=points[i].payload, vector=points[i].vector,
                    score=cosine[i])
        for i in order
        if cosine[i] >= floor
    ]  # fmt: skip
    return ranked[:limit]


class Collection(ABC):
    """One collection: dense-vector chunk points, or vector-less catalog records."""

    name: str

    @abstractmethod
    def exists(self) -> bool: ...

    @abstractmethod
    def create(
        self, dimension: int | None, indexed: Sequence[str] = (), *, sparse: bool = False
    ) -> None:
        """Create it: cosine vectors of ``dimension`` (None: no vectors), with keyword
        payload indexes on the ``indexed`` fields, and BM25 vectors when ``sparse``."""

    @abstractmethod
    def dimension(self) -> int | None: ...

    @abstractmethod
    def has_sparse(self) -> bool:
        """Whether the collection holds BM25 vectors (those made before hybrid did not)."""

    @abstractmethod
    def retrieve(self, ids: Sequence[str]) -> list[StoredPoint]: ...

    @abstractmethod
    def scroll(
        self,
        flt: models.Filter | None,
        *,
        limit: int,
        offset: Offset = None,
        payload: bool | list[str] = True,
        vectors: bool = False,
    ) -> tuple[list[StoredPoint], Offset]:
        """A page of points and the offset of the next page (None: that was the last)."""

    @abstractmethod
    def count(self, flt: models.Filter | None = None) -> int: ...

    @abstractmethod
    def query(
        self,
        vector: Sequence[float],
        flt: models.Filter | None,
        *,
        limit: int,
        floor: float,
        hybrid: Hybrid | None = None,
    ) -> list[StoredPoint]:
        """The nearest points, best first, with payload, dense vector and cosine score (at
        least ``floor``); with ``hybrid``, ranked by the fusion of dense and BM25 search."""

    @abstractmethod
    def upsert(
        self,
        points: Sequence[StoredPoint],
        *,
        only_over: models.Filter | None = None,
        insert_only: bool = False,
    ) -> None:
        """Write points, durably before returning. ``only_over``: replace a point only where
        the stored one matches the filter; ``insert_only``: never replace one."""

    @abstractmethod
    def set_payload(self, payload: dict[str, Any], flt: models.Filter) -> None: ...

    @abstractmethod
    def delete(self, flt: models.Filter) -> None: ...

    def compact(self) -> None:  # noqa: B027  (a hook: nothing to do by default)
        """Reclaim the space of deleted points, where the engine leaves that to the caller
        (a Qdrant server and qdrant-client's local mode do it themselves)."""

    def points(
        self,
        flt: models.Filter | None = None,
        *,
        payload: bool | list[str] = True,
        vectors: bool = False,
    ) -> Iterator[StoredPoint]:
        """Every point (matching ``flt``), page by page."""
        offset: Offset = None
        while True:
            page, offset = self.scroll(
                flt, limit=512, offset=offset, payload=payload, vectors=vectors
            )
            yield from page
            if offset is None:
                return


class Engine(ABC):
    """The place collections live in; closing it releases the index for other processes."""

    shared: bool
    """Other processes may write to the same collections at the same time."""
    native_filters: bool
    """A filtered search costs about what an unfiltered one does (an index, not a scan)."""
    fast_sparse: bool
    """BM25 search is indexed: hybrid search costs about what dense search does."""

    @abstractmethod
    def collection(self, name: str) -> Collection: ...

    @abstractmethod
    def close(self) -> None: ...


# --- qdrant-client (local folder or server) --------------------------------------------


class ClientCollection(Collection):
    def __init__(self, client: QdrantClient, name: str) -> None:
        self.client = client
        self.name = name

    def exists(self) -> bool:
        return self.client.collection_exists(self.name)

    def create(
        self, dimension: int | None, indexed: Sequence[str] = (), *, sparse: bool = False
    ) -> None:
        vectors: models.VectorParams | dict[str, models.VectorParams] = (
            models.VectorParams(size=dimension, distance=models.Distance.COSINE)
            if dimension is not None
            else {}
        )
        self.client.create_collection(
            self.name,
            vectors_config=vectors,
            sparse_vectors_config=(
                {SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)}
                if sparse
                else None
            ),
        )
        for name in indexed:
            self.client.create_payload_index(
                self.name, name, models.PayloadSchemaType.KEYWORD, wait=True
            )

    def dimension(self) -> int | None:
        params = self.client.get_collection(self.name).config.params.vectors
        return params.size if isinstance(params, models.VectorParams) else None

    def has_sparse(self) -> bool:
        sparse = self.client.get_collection(self.name).config.params.sparse_vectors
        return bool(sparse and SPARSE in sparse)

    def retrieve(self, ids: Sequence[str]) -> list[StoredPoint]:
        found = self.client.retrieve(self.name, list(ids), with_payload=True)
        return [StoredPoint(id=str(p.id), payload=dict(p.payload or {})) for p in found]

    def scroll(
        self,
        flt: models.Filter | None,
        *,
        limit: int,
        offset: Offset = None,
        payload: bool | list[str] = True,
        vectors: bool = False,
    ) -> tuple[list[StoredPoint], Offset]:
        page, next_offset = self.client.scroll(
            self.name,
            scroll_filter=flt,
            limit=limit,
            offset=offset,
            with_payload=payload,
            with_vectors=vectors,
        )
        points = [
            StoredPoint(
                id=str(p.id),
                payload=dict(p.payload or {}),
                vector=_dense(p.vector) if vectors else None,
            )
            for p in page
        ]
        return points, next_offset if isinstance(next_offset, str | int) else None

    def count(self, flt: models.Filter | None = None) -> int:
        return self.client.count(self.name, count_filter=flt, exact=True).count

    def query(
        self,
        vector: Sequence[float],
        flt: models.Filter | None,
        *,
        limit: int,
        floor: float,
        hybrid: Hybrid | None = None,
    ) -> list[StoredPoint]:
        if hybrid is None:
            found = self.client.query_points(
                self.name,
                query=list(vector),
                query_filter=flt,
                limit=limit,
                score_threshold=floor,
                with_payload=True,
                with_vectors=True,
            ).points
            return [
                StoredPoint(
                    id=str(p.id),
                    payload=dict(p.payload or {}),
                    vector=_dense(p.vector),
                    score=float(p.score),
                )
                for p in found
            ]
        indices, values = hybrid.sparse
        fused = self.client.query_points(
            self.name,
            prefetch=[
                models.Prefetch(query=list(vector), filter=flt, limit=hybrid.prefetch),
                models.Prefetch(
                    query=models.SparseVector(indices=indices, values=values),
                    using=SPARSE,
                    filter=flt,
                    limit=hybrid.prefetch,
                ),
            ],
            query=models.RrfQuery(rrf=models.Rrf(k=RRF_K)),
            query_filter=flt,
            limit=2 * hybrid.prefetch,  # all of them: ties are ordered in fused_best
            with_payload=True,
            with_vectors=[""],
        ).points
        points = [
            StoredPoint(id=str(p.id), payload=dict(p.payload or {}), vector=_dense(p.vector))
            for p in fused
        ]
        return fused_best(points, [float(p.score) for p in fused], vector, floor=floor, limit=limit)

    def upsert(
        self,
        points: Sequence[StoredPoint],
        *,
        only_over: models.Filter | None = None,
        insert_only: bool = False,
    ) -> None:
        structs = [
            models.PointStruct(id=p.id, vector=_vectors(p), payload=p.payload) for p in points
        ]
        self.client.upsert(
            self.name,
            points=structs,
            update_filter=only_over,
            update_mode=models.UpdateMode.INSERT_ONLY if insert_only else None,
            wait=True,
        )

    def set_payload(self, payload: dict[str, Any], flt: models.Filter) -> None:
        self.client.set_payload(self.name, payload=payload, points=flt, wait=True)

    def delete(self, flt: models.Filter) -> None:
        self.client.delete(self.name, points_selector=models.FilterSelector(filter=flt), wait=True)


class ClientEngine(Engine):
    """qdrant-client: ``server`` for a Qdrant server, otherwise its local (folder or
    in-memory) mode, which scans payloads to filter."""

    def __init__(self, client: QdrantClient, *, server: bool) -> None:
        self.client = client
        self.shared = server
        self.native_filters = server
        # qdrant-client's local mode scores sparse vectors in Python: about a second per
        # hybrid search at 10,000 chunks, so the store searches it dense only.
        self.fast_sparse = server

    def collection(self, name: str) -> ClientCollection:
        return ClientCollection(self.client, name)

    def close(self) -> None:
        self.client.close()


def _dense(vector: object) -> list[float] | None:
    """The dense vector of a point as qdrant-client returns it (alone, or named "")."""
    if isinstance(vector, dict):
        vector = vector.get("")
    return [float(x) for x in vector] if isinstance(vector, list) else None


def _vectors(point: StoredPoint) -> Any:
    if point.vector is None:
        return {}
    if point.sparse is None:
        return point.vector
    indices, values = point.sparse
    return {"": point.vector, SPARSE: models.SparseVector(indices=indices, values=values)}
