"""The chunk collection as a LlamaIndex vector store, in every store mode.

:class:`ChunkVectorStore` is LlamaIndex's ``BasePydanticVectorStore`` over one collection of
an engine (:mod:`app.engine`): nodes in, nodes out, filters as LlamaIndex
``MetadataFilters``. The policy store writes and searches chunk points through it; its
catalog records and status changes (which no vector store interface describes) go to the
engine directly.

A node is stored as one point: id = node id, vector = the node's embedding, payload = the
node's metadata plus ``text``. ``ref_doc_id`` is the ``doc_id`` metadata field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llama_index.core.schema import BaseNode, TextNode
from llama_index.core.vector_stores.types import (
    BasePydanticVectorStore,
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
    VectorStoreQueryResult,
)
from pydantic import PrivateAttr
from qdrant_client import models

from app.engine import Collection, StoredPoint

TEXT = "text"
REF_DOC = "doc_id"


def _leaf(item: MetadataFilter) -> tuple[str, models.Condition]:
    """One metadata filter as (``must`` or ``must_not``, condition)."""
    value = item.value
    match item.operator:
        case FilterOperator.EQ:
            return "must", models.FieldCondition(
                key=item.key,
                match=models.MatchValue(value=value),  # type: ignore[arg-type]
            )
        case FilterOperator.NE:
            return "must_not", models.FieldCondition(
                key=item.key,
                match=models.MatchValue(value=value),  # type: ignore[arg-type]
            )
        case FilterOperator.IN | FilterOperator.ANY:
            return "must", models.FieldCondition(
                key=item.key,
                match=models.MatchAny(any=list(value)),  # type: ignore[arg-type]
            )
        case FilterOperator.NIN:
            return "must_not", models.FieldCondition(
                key=item.key,
                match=models.MatchAny(any=list(value)),  # type: ignore[arg-type]
            )
        case FilterOperator.IS_EMPTY:
            return "must", models.IsEmptyCondition(is_empty=models.PayloadField(key=item.key))
        case other:
            raise ValueError(f"metadata filter operator {other.value!r} is not supported")


def to_filter(filters: MetadataFilters) -> models.Filter:
    """LlamaIndex metadata filters (nested, AND / OR / NOT) as a Qdrant filter."""
    positive: list[models.Condition] = []
    negative: list[models.Condition] = []
    for item in filters.filters:
        if isinstance(item, MetadataFilters):
            positive.append(to_filter(item))
            continue
        kind, condition = _leaf(item)
        if kind == "must":
            positive.append(condition)
        else:
            negative.append(condition)
    match filters.condition:
        case FilterCondition.AND | None:
            return models.Filter(must=positive or None, must_not=negative or None)
        case FilterCondition.OR:
            alternatives = positive + [models.Filter(must_not=[c]) for c in negative]
            return models.Filter(should=alternatives or None)
        case FilterCondition.NOT:
            inner = models.Filter(must=positive or None, must_not=negative or None)
            return models.Filter(must_not=[inner])
        case other:
            raise ValueError(f"metadata filter condition {other!r} is not supported")


def _select(
    node_ids: Sequence[str] | None,
    filters: MetadataFilters | None,
    doc_ids: Sequence[str] | None = None,
) -> models.Filter | None:
    parts: list[models.Condition] = []
    if node_ids is not None:
        parts.append(models.HasIdCondition(has_id=list(node_ids)))
    if doc_ids is not None:
        parts.append(models.FieldCondition(key=REF_DOC, match=models.MatchAny(any=list(doc_ids))))
    if filters is not None and filters.filters:
        parts.append(to_filter(filters))
    return models.Filter(must=parts) if parts else None


def to_node(point: StoredPoint) -> TextNode:
    metadata = {k: v for k, v in point.payload.items() if k != TEXT}
    return TextNode(
        id_=point.id,
        text=str(point.payload.get(TEXT, "")),
        metadata=metadata,
        embedding=point.vector,
    )


def to_point(node: BaseNode) -> StoredPoint:
    return StoredPoint(
        id=node.node_id,
        vector=list(node.get_embedding()),
        payload=dict(node.metadata) | {TEXT: node.get_content()},
    )


class ChunkVectorStore(BasePydanticVectorStore):
    """LlamaIndex vector store over one chunk collection (Edge, local or server)."""

    stores_text: bool = True
    flat_metadata: bool = False
    _collection: Collection = PrivateAttr()

    def __init__(self, collection: Collection, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._collection = collection

    @property
    def client(self) -> Collection:
        return self._collection

    def add(self, nodes: Sequence[BaseNode], **kwargs: Any) -> list[str]:
        points = [to_point(n) for n in nodes]
        if points:
            self._collection.upsert(points)
        return [p.id for p in points]

    def delete(self, ref_doc_id: str, **delete_kwargs: Any) -> None:
        self._collection.delete(
            models.Filter(
                must=[models.FieldCondition(key=REF_DOC, match=models.MatchValue(value=ref_doc_id))]
            )
        )

    def delete_nodes(
        self,
        node_ids: list[str] | None = None,
        filters: MetadataFilters | None = None,
        **delete_kwargs: Any,
    ) -> None:
        selected = _select(node_ids, filters)
        if selected is None:
            raise ValueError("name the nodes to delete (ids or filters); clear() deletes all")
        self._collection.delete(selected)

    def clear(self) -> None:
        self._collection.delete(models.Filter())

    def get_nodes(
        self, node_ids: list[str] | None = None, filters: MetadataFilters | None = None
    ) -> list[BaseNode]:
        return [to_node(p) for p in self._collection.points(_select(node_ids, filters))]

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        """Nearest nodes by cosine similarity; ``score_floor`` (keyword) drops weaker ones."""
        if query.query_embedding is None:
            raise ValueError("this vector store is searched by embedding")
        found = self._collection.query(
            query.query_embedding,
            _select(query.node_ids, query.filters, query.doc_ids),
            limit=query.similarity_top_k,
            floor=float(kwargs.get("score_floor", -1.0)),
        )
        return VectorStoreQueryResult(
            nodes=[to_node(p) for p in found],
            similarities=[p.score for p in found],
            ids=[p.id for p in found],
        )
