"""Qdrant Edge: Qdrant's own engine run in-process, one shard folder per collection.

The embedded default store mode. Compared with qdrant-client's local mode (pure Python) it
filters through payload indexes instead of scanning, writes through a write-ahead log (a
killed process keeps exactly the acknowledged writes) and reopens in a fraction of the time.

- Shards are made with ``EdgeShard.create`` and opened with ``EdgeShard.load``.
- The write-ahead log stays on: it is also what refuses a second process
  (:class:`~app.errors.IndexLockedError`).
- Search is exact (no HNSW graph is ever built): below some 100k chunks an exact filtered
  search takes milliseconds, and an approximate one would only cost recall.

``qdrant-edge-py`` is beta and its API has changed between releases: it is pinned, and only
this module imports it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe
from qdrant_client import models

from app.errors import ConfigError, IndexLockedError
from app.index.engine import RRF_K, Collection, Engine, Hybrid, Offset, StoredPoint, fused_best
from app.index.sparse import SPARSE

_LAYOUT = "collections.json"
"""Beside the shard folders: each collection's vector size (None: vector-less) and whether
it holds BM25 vectors."""
_NO_VECTORS = "none"
"""Edge needs some vector in a shard's config; vector-less collections get an unused
sparse one."""


def _id(value: object) -> str:
    return str(value)


def _condition(condition: Any) -> Any:
    """A qdrant-client condition in Edge's dialect (the subset the store uses)."""
    if isinstance(condition, models.Filter):
        return to_edge_filter(condition)
    if isinstance(condition, models.FieldCondition):
        match = condition.match
        if isinstance(match, models.MatchValue):
            return qe.FieldCondition(condition.key, match=qe.MatchValue(match.value))
        if isinstance(match, models.MatchAny):
            values: Any = list(match.any)
            return qe.FieldCondition(condition.key, match=qe.MatchAny(values))
        raise ValueError(f"unsupported match on {condition.key!r}: {match!r}")
    if isinstance(condition, models.HasIdCondition):
        return qe.HasIdCondition({_id(i) for i in condition.has_id})
    if isinstance(condition, models.IsEmptyCondition):
        return qe.IsEmptyCondition(condition.is_empty.key)
    raise ValueError(f"unsupported filter condition {condition!r}")


def _conditions(part: Any) -> list[Any] | None:
    if part is None:
        return None
    items = part if isinstance(part, list) else [part]
    return [_condition(c) for c in items]


def _optional(flt: models.Filter | None) -> qe.Filter | None:
    return to_edge_filter(flt) if flt is not None else None


def to_edge_filter(flt: models.Filter) -> qe.Filter:
    return qe.Filter(
        must=_conditions(flt.must),
        should=_conditions(flt.should),
        must_not=_conditions(flt.must_not),
    )


def _point(record: Any, *, vectors: bool, score: float = 0.0) -> StoredPoint:
    vector = record.vector if vectors else None
    if isinstance(vector, dict):
        vector = vector.get("")
    return StoredPoint(
        id=_id(record.id),
        payload=dict(record.payload or {}),
        vector=list(vector) if isinstance(vector, list) else None,
        score=score,
    )


def _locked(exc: Exception) -> bool:
    text = str(exc)
    return "WouldBlock" in text or "lock" in text.lower()


class EdgeCollection(Collection):
    def __init__(self, engine: EdgeEngine, name: str) -> None:
        self.engine = engine
        self.name = name

    @property
    def shard(self) -> qe.EdgeShard:
        return self.engine.shard(self.name)

    def exists(self) -> bool:
        return self.name in self.engine.layout()

    def create(
        self, dimension: int | None, indexed: Sequence[str] = (), *, sparse: bool = False
    ) -> None:
        self.engine.create(self.name, dimension, indexed, sparse=sparse)

    def dimension(self) -> int | None:
        return self.engine.layout()[self.name].get("dimension")

    def has_sparse(self) -> bool:
        return bool(self.engine.layout()[self.name].get("sparse"))

    def retrieve(self, ids: Sequence[str]) -> list[StoredPoint]:
        found = self.shard.retrieve(list(ids), True, False)
        return [_point(p, vectors=False) for p in found]

    def scroll(
        self,
        flt: models.Filter | None,
        *,
        limit: int,
        offset: Offset = None,
        payload: bool | list[str] = True,
        vectors: bool = False,
    ) -> tuple[list[StoredPoint], Offset]:
        page, next_offset = self.shard.scroll(
            qe.ScrollRequest(
                offset=str(offset) if offset is not None else None,
                limit=limit,
                filter=_optional(flt),
                with_payload=payload,
                with_vector=vectors,
            )
        )
        points = [_point(p, vectors=vectors) for p in page]
        return points, _id(next_offset) if next_offset is not None else None

    def count(self, flt: models.Filter | None = None) -> int:
        return int(self.shard.count(qe.CountRequest(exact=True, filter=_optional(flt))))

    def query(
        self,
        vector: Sequence[float],
        flt: models.Filter | None,
        *,
        limit: int,
        floor: float,
        hybrid: Hybrid | None = None,
    ) -> list[StoredPoint]:
        dense = [float(x) for x in vector]
        edge_filter = _optional(flt)
        exact = qe.SearchParams(exact=True)
        if hybrid is None:
            found = self.shard.query(
                qe.QueryRequest(
                    limit=limit,
                    query=qe.Query.Nearest(dense),
                    filter=edge_filter,
                    score_threshold=floor,
                    with_payload=True,
                    with_vector=True,
                    params=exact,
                )
            )
            return [_point(p, vectors=True, score=float(p.score)) for p in found]
        # The stubs type Fusion.Rrf as a class nested in Fusion rather than a Fusion.
        fusion: Any = qe.Fusion.Rrf(k=RRF_K)
        fused = self.shard.query(
            qe.QueryRequest(
                limit=2 * hybrid.prefetch,  # all of them: ties are ordered in fused_best
                prefetches=[
                    qe.Prefetch(
                        limit=hybrid.prefetch,
                        query=qe.Query.Nearest(dense),
                        params=exact,
                        filter=edge_filter,
                    ),
                    qe.Prefetch(
                        limit=hybrid.prefetch,
                        query=qe.Query.Nearest(qe.SparseVector(*hybrid.sparse), using=SPARSE),
                        filter=edge_filter,
                    ),
                ],
                query=fusion,
                filter=edge_filter,
                with_payload=True,
                with_vector=[""],
            )
        )
        points = [_point(p, vectors=True) for p in fused]
        return fused_best(points, [float(p.score) for p in fused], dense, floor=floor, limit=limit)

    def upsert(
        self,
        points: Sequence[StoredPoint],
        *,
        only_over: models.Filter | None = None,
        insert_only: bool = False,
    ) -> None:
        edge_points = [qe.Point(p.id, _vectors(p), p.payload) for p in points]
        self.shard.update(
            qe.UpdateOperation.upsert_points(
                edge_points,
                condition=_optional(only_over),
                update_mode=qe.UpdateMode.InsertOnly if insert_only else None,
            )
        )

    def set_payload(self, payload: dict[str, Any], flt: models.Filter) -> None:
        self.shard.update(qe.UpdateOperation.set_payload_by_filter(to_edge_filter(flt), payload))

    def compact(self) -> None:
        # Edge runs its optimizers only when asked. With an indexing threshold of 0 they
        # vacuum deleted points and merge segments, and never build an HNSW graph (measured:
        # 10,000 deleted of 20,000 points in 0.7 s).
        self.shard.optimize()

    def delete(self, flt: models.Filter) -> None:
        self.shard.update(qe.UpdateOperation.delete_points_by_filter(to_edge_filter(flt)))


class EdgeEngine(Engine):
    """Collections as Edge shards under ``root``; a second process opening the same
    collection is refused by the shard's write-ahead log lock."""

    shared = False
    native_filters = True
    fast_sparse = True

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._shards: dict[str, qe.EdgeShard] = {}
        try:
            for name in self.layout():  # now, so a second process is refused at open
                self.shard(name)
        except BaseException:
            self.close()
            raise

    def layout(self) -> dict[str, dict[str, Any]]:
        path = self.root / _LAYOUT
        if not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ConfigError(f"{path} is damaged: {exc}") from None
        return {str(k): dict(v) for k, v in data.items()}

    def _write_layout(self, layout: dict[str, dict[str, Any]]) -> None:
        path = self.root / _LAYOUT
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        temporary.write_text(json.dumps(layout, indent=1, sort_keys=True), encoding="utf-8")
        temporary.replace(path)

    def collection(self, name: str) -> EdgeCollection:
        return EdgeCollection(self, name)

    def shard(self, name: str) -> qe.EdgeShard:
        opened = self._shards.get(name)
        if opened is None:
            if name not in self.layout():
                raise ConfigError(f"no collection {name!r} in the index at {self.root}")
            opened = self._shards[name] = self._load(self.root / name)
        return opened

    def _load(self, folder: Path) -> qe.EdgeShard:
        try:
            return qe.EdgeShard.load(str(folder))
        except Exception as exc:
            if _locked(exc):
                raise IndexLockedError(
                    f"the index at {self.root} is in use by another copilot process; "
                    "stop it (or wait for it to finish) and try again, or use a Qdrant "
                    "server (QDRANT_URL) for shared access"
                ) from exc
            raise ConfigError(f"cannot open the index at {folder}: {exc}") from exc

    def create(
        self, name: str, dimension: int | None, indexed: Sequence[str], *, sparse: bool
    ) -> None:
        folder = self.root / name
        if folder.exists():
            # A create that died before the layout was written (nothing in it was ever
            # committed), unless another process is creating it right now.
            with contextlib.suppress(ConfigError):  # too little of it was written to open
                self._load(folder).close()
            shutil.rmtree(folder)
        optimizers = qe.EdgeOptimizersConfig(indexing_threshold=0)
        if dimension is None:
            config = qe.EdgeConfig(
                sparse_vectors={_NO_VECTORS: qe.EdgeSparseVectorParams()}, optimizers=optimizers
            )
        else:
            config = qe.EdgeConfig(
                vectors=qe.EdgeVectorParams(size=dimension, distance=qe.Distance.Cosine),
                sparse_vectors=(
                    {SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)}
                    if sparse
                    else None
                ),
                optimizers=optimizers,
            )
        shard = qe.EdgeShard.create(str(folder), config)
        for field in indexed:
            shard.update(qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Keyword))
        shard.flush()
        self._shards[name] = shard
        self._write_layout(self.layout() | {name: {"dimension": dimension, "sparse": sparse}})

    def close(self) -> None:
        for shard in self._shards.values():
            shard.close()
        self._shards.clear()


def _vectors(point: StoredPoint) -> Any:
    if point.vector is None:
        return {}
    if point.sparse is None:
        return point.vector
    return {"": point.vector, SPARSE: qe.SparseVector(*point.sparse)}
