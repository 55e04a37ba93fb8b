"""BM25 sparse vectors for hybrid retrieval: a passage's and a question's terms as Qdrant
sparse vectors (hashed token ids, no vocabulary to keep), scored with BM25 and IDF by the
store itself. The encoder is Qdrant Edge's in-process one, used in every store mode, so the
same text gives the same vector whichever store holds it."""

from __future__ import annotations

from functools import cache

import qdrant_edge as qe

SPARSE = "bm25"
"""The sparse vector's name in the chunk collection."""

Sparse = tuple[list[int], list[float]]
"""A sparse vector: token ids and their weights."""


@cache
def _encoder() -> qe.Bm25:
    return qe.Bm25()


def encode_document(text: str) -> Sparse:
    vector = _encoder().embed_document(text)
    return list(vector.indices), list(vector.values)


def encode_query(text: str) -> Sparse:
    vector = _encoder().embed_query(text)
    return list(vector.indices), list(vector.values)
