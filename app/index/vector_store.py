"""The chunk collection as a LlamaIndex vector store, in every store mode.

:class:`ChunkVectorStore` is LlamaIndex's ``BasePydanticVectorStore`` over one collection of
an engine (:mod:`app.index.engine`): nodes in, nodes out, filters as LlamaIndex
``MetadataFilters``. The policy store writes and searches chunk points through it; its
catalog records and status changes (which no vector store interface describes) go to the
engine directly.

A node is stored as one point: id = node id, vector = the node's embedding, payload = the
node's metadata plus ``text``. ``ref_doc_id`` is the ``doc_id`` metadata field. In a
collection with BM25 vectors each node also gets one, of the text ``keywords`` picks from it;
a query in ``VectorStoreQueryMode.HYBRID`` mode with a ``query_str`` then fuses dense and
BM25 search (:mod:`app.index.engine`); similarities stay cosine similarities, in fused order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from llama_index.core.schema import BaseNode, TextNode
from llama_index.core.vector_stores.types import (
    BasePydanticVectorStore,
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
    VectorStoreQueryMode,
    VectorStoreQueryResult,
)
from pydantic import PrivateAttr
from qdrant_client import models

from app.index.engine import Collection, Hybrid, StoredPoint
from app.index.sparse import encode_document, encode_query

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


def to_point(node: BaseNode, keywords: Callable[[BaseNode], str] | None = None) -> StoredPoint:
    return StoredPoint(
        id=node.node_id,
        vector=list(node.get_embedding()),
        payload=dict(node.metadata) | {TEXT: node_text(node)},
        sparse=encode_document(keywords(node)) if keywords else None,
    )


def node_text(node: BaseNode) -> str:
    # A TextNode's get_content() formats all its metadata even when it leaves it out.
    return node.text if isinstance(node, TextNode) else node.get_content()


class ChunkVectorStore(BasePydanticVectorStore):
    """LlamaIndex vector store over one chunk collection (Edge, local or server)."""

    stores_text: bool = True
    flat_metadata: bool = False
    _collection: Collection = PrivateAttr()
    _keywords: Callable[[BaseNode], str] = PrivateAttr()
    _hybrid: bool | None = PrivateAttr(default=None)

    def __init__(
        self,
        collection: Collection,
        keywords: Callable[[BaseNode], str] = node_text,
        **kwargs: Any,
    ) -> None:
        """``keywords``: the text of a node its BM25 vector is made of (when the collection
        holds BM25 vectors)."""
        super().__init__(**kwargs)
        self._collection = collection
        self._keywords = keywords

    @property
    def client(self) -> Collection:
        return self._collection

    @property
    def hybrid(self) -> bool:
        """Whether the collection holds BM25 vectors (and can be searched in hybrid mode)."""
        if self._hybrid is None and self._collection.exists():
            self._hybrid = self._collection.has_sparse()  # fixed when it was created
        return bool(self._hybrid)

    def add(self, nodes: Sequence[BaseNode], **kwargs: Any) -> list[str]:
        keywords = self._keywords if self.hybrid else None
        points = [to_point(n, keywords) for n in nodes]
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
        """Nearest nodes by cosine similarity, or in hybrid mode (``query_str`` needed) by
        the fusion of dense and BM25 search; ``score_floor`` (keyword) drops nodes less
        similar than that."""
        if query.query_embedding is None:
            raise ValueError("this vector store is searched by embedding")
        hybrid = None
        if query.mode is VectorStoreQueryMode.HYBRID:
            if not query.query_str:
                raise ValueError("a hybrid query needs its query_str")
            if self.hybrid:
                prefetch = max(query.sparse_top_k or 0, query.similarity_top_k)
                hybrid = Hybrid(encode_query(query.query_str), prefetch)
        found = self._collection.query(
            query.query_embedding,
            _select(query.node_ids, query.filters, query.doc_ids),
            limit=query.similarity_top_k,
            floor=float(kwargs.get("score_floor", -1.0)),
            hybrid=hybrid,
        )
        return VectorStoreQueryResult(
            nodes=[to_node(p) for p in found],
            similarities=[p.score for p in found],
            ids=[p.id for p in found],
        )
