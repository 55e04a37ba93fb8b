"""Where the index's points live: one small interface over a Qdrant collection, so the store
protocol (:mod:`app.store`) is written once for every store mode.

- :class:`ClientEngine`: qdrant-client, on a local folder (pure Python) or a Qdrant server;
- :class:`app.edge.EdgeEngine`: Qdrant Edge, Qdrant's own engine run in-process on a folder.

Filters are described with qdrant-client's ``models.Filter`` everywhere (a plain pydantic
model); an engine that speaks another dialect translates it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from qdrant_client import QdrantClient, models

Offset = str | int | None


@dataclass(frozen=True)
class StoredPoint:
    """A point as read back from (or written to) a collection."""

    id: str
    payload: dict[str, Any] = field(default_factory=dict)
    vector: list[float] | None = None
    score: float = 0.0


class Collection(ABC):
    """One collection: dense-vector chunk points, or vector-less catalog records."""

    name: str

    @abstractmethod
    def exists(self) -> bool: ...

    @abstractmethod
    def create(self, dimension: int | None, indexed: Sequence[str] = ()) -> None:
        """Create it: cosine vectors of ``dimension`` (None: no vectors), with keyword
        payload indexes on the ``indexed`` fields."""

    @abstractmethod
    def dimension(self) -> int | None: ...

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
        self, vector: Sequence[float], flt: models.Filter | None, *, limit: int, floor: float
    ) -> list[StoredPoint]:
        """The nearest points by cosine similarity, best first, with payload and vector."""

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

    def create(self, dimension: int | None, indexed: Sequence[str] = ()) -> None:
        vectors: models.VectorParams | dict[str, models.VectorParams] = (
            models.VectorParams(size=dimension, distance=models.Distance.COSINE)
            if dimension is not None
            else {}
        )
        self.client.create_collection(self.name, vectors_config=vectors)
        for name in indexed:
            self.client.create_payload_index(
                self.name, name, models.PayloadSchemaType.KEYWORD, wait=True
            )

    def dimension(self) -> int | None:
        params = self.client.get_collection(self.name).config.params.vectors
        return params.size if isinstance(params, models.VectorParams) else None

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
                vector=list(p.vector) if vectors and isinstance(p.vector, list) else None,  # type: ignore[arg-type]
            )
            for p in page
        ]
        return points, next_offset if isinstance(next_offset, str | int) else None

    def count(self, flt: models.Filter | None = None) -> int:
        return self.client.count(self.name, count_filter=flt, exact=True).count

    def query(
        self, vector: Sequence[float], flt: models.Filter | None, *, limit: int, floor: float
    ) -> list[StoredPoint]:
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
                vector=list(p.vector) if isinstance(p.vector, list) else None,  # type: ignore[arg-type]
                score=float(p.score),
            )
            for p in found
        ]

    def upsert(
        self,
        points: Sequence[StoredPoint],
        *,
        only_over: models.Filter | None = None,
        insert_only: bool = False,
    ) -> None:
        structs = [
            models.PointStruct(
                id=p.id, vector=p.vector if p.vector is not None else {}, payload=p.payload
            )
            for p in points
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

    def collection(self, name: str) -> ClientCollection:
        return ClientCollection(self.client, name)

    def close(self) -> None:
        self.client.close()
