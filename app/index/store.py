"""The policy index in Qdrant: chunk points plus a catalog of documents and their versions.

Two collections: ``<name>`` holds one point per chunk (vector and payload), ``<name>_catalog``
holds one vector-less point per doc_id (a :class:`DocumentRecord`). A single-point write is
atomic in every Qdrant mode, a multi-point one is not; so every change to a document follows
one protocol, safe against a crash at any step:

1. new chunk points are written with status ``staged`` (never visible to questions);
2. the document's catalog record is written with ``pending`` set: the commit point;
3. chunk statuses are brought in line with the record (``current`` / ``superseded`` /
   ``retired``) or, for a purge, the points are deleted;
4. ``pending`` is cleared.

:meth:`PolicyStore.recover` (run whenever the store is opened) finishes step 3 for any record
still pending and deletes staged points that no record claims, so a killed process leaves
either the old state or the new one, never both current and never neither.

Several processes may write at once (server mode: apps uploading, an ingest job). Each
record carries a ``revision``; a record is written only over the revision its writer read
(Qdrant's conditional upsert, atomic for one point), so of two concurrent changes to one
document exactly one commits and the other re-reads the record and tries again. Chunk point
ids include the file's hash, so two files filed as the same version never share points, and
steps 3 and 4 are idempotent, so any process may finish a change another left pending.
Staged points are only treated as abandoned once they are older than ``stale_after``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar

import numpy as np
from llama_index.core.schema import BaseNode, TextNode
from llama_index.core.vector_stores.types import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
    VectorStoreQueryMode,
)
from qdrant_client import models

from app.errors import (
    ConcurrentChangeError,
    ConfigError,
    UnknownDocumentError,
    VersionConflictError,
)
from app.index.engine import Collection, Engine, StoredPoint
from app.index.vector_store import TEXT, ChunkVectorStore, node_text, to_node
from app.models import (
    ALL_PRODUCTS,
    FEDERAL,
    Chunk,
    DocumentMeta,
    DocumentRecord,
    DocumentVersion,
    FileOutcome,
    Filters,
    FlaggedText,
    RetrievedChunk,
    Status,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

_NAMESPACE = uuid.UUID("5b0e3a52-8f3c-4d7e-9a53-0c6f1d2b7e41")
_BATCH = 128
_COMMIT_ATTEMPTS = 8
INDEXED_FIELDS = ("doc_id", "version", "status", "product", "jurisdiction", "doc_type", "sha256")
"""Keyword payload indexes on the chunk points (every field a filter or a write selects by)."""


def embed_key(embed_text: str) -> str:
    """What identifies a chunk's vector: the SHA-256 of the exact text embedded (heading path
    and lead-ins included), so that a changed context is a changed key."""
    return hashlib.sha256(embed_text.encode("utf-8")).hexdigest()


def point_id(doc_id: str, version: str, ordinal: int, sha256: str) -> str:
    """Deterministic: the same chunk of the same file always lands on the same point, and
    two different files filed as the same version never share one."""
    return str(uuid.uuid5(_NAMESPACE, f"{doc_id}\x1f{version}\x1f{ordinal}\x1f{sha256}"))


def _record_id(doc_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"doc\x1f{doc_id}"))


def _revision_of(record: DocumentRecord) -> models.Filter:
    """The catalog point of ``record`` as it was read: same id, same revision. Records
    written before revisions existed have none."""
    same: models.Condition
    if record.revision:
        same = models.FieldCondition(key="revision", match=models.MatchValue(value=record.revision))
    else:
        same = models.IsEmptyCondition(is_empty=models.PayloadField(key="revision"))
    return models.Filter(must=[models.HasIdCondition(has_id=[_record_id(record.doc_id)]), same])


def _parse_time(value: object) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _match(**fields: str) -> models.Filter:
    return models.Filter(must=[_condition(k, v) for k, v in fields.items()])


def _condition(key: str, *values: str) -> models.FieldCondition:
    match: models.MatchValue | models.MatchAny = (
        models.MatchValue(value=values[0])
        if len(values) == 1
        else models.MatchAny(any=list(values))
    )
    return models.FieldCondition(key=key, match=match)


def statuses(versions: Sequence[DocumentVersion], retired: bool) -> list[Status]:
    """The version with the latest effective date (then the latest ingested) is current."""
    if retired:
        return [Status.RETIRED] * len(versions)
    if not versions:
        return []
    newest = max(
        range(len(versions)),
        key=lambda i: (versions[i].meta.effective_date, versions[i].ingested_at),
    )
    return [Status.CURRENT if i == newest else Status.SUPERSEDED for i in range(len(versions))]


def _with_statuses(record: DocumentRecord) -> DocumentRecord:
    new = statuses(record.versions, record.retired)
    versions = tuple(
        v.model_copy(update={"status": s}) for v, s in zip(record.versions, new, strict=True)
    )
    return record.model_copy(update={"versions": versions})


@dataclass(frozen=True)
class Hit:
    """A point found by :meth:`PolicyStore.search`."""

    point_id: str
    score: float
    payload: dict[str, Any]
    vector: np.ndarray

    def retrieved(self) -> RetrievedChunk:
        """The hit as the question path hands it on: its payload's fields and its score."""
        return passage_of(self.point_id, self.score, self.payload)


def passage_of(point: str, score: float, payload: dict[str, Any]) -> RetrievedChunk:
    """A chunk point as the question path hands it on: its payload's fields and a score."""
    fields = {n: payload[n] for n in RetrievedChunk.model_fields if n in payload}
    return RetrievedChunk(point_id=point, score=score, **fields)


def in_force(records: Sequence[DocumentRecord], as_of: date) -> list[tuple[str, str]]:
    """(doc_id, version) of each document's version in force on ``as_of``: the latest
    effective on or before that date. Retired documents are out of answers altogether."""
    found = []
    for record in records:
        if record.retired:
            continue
        dated = [v for v in record.versions if v.meta.effective_date <= as_of]
        if dated:
            best = max(dated, key=lambda v: (v.meta.effective_date, v.ingested_at))
            found.append((record.doc_id, best.meta.version))
    return found


_CATALOG_TTL_S = 5.0
"""Server mode: how long as-of searches may reuse the catalog they read (other processes may
change it meanwhile). Embedded modes reuse it until this store changes it."""
_OVERFETCH = 20
_MIN_OVERFETCH = 400


@dataclass(frozen=True)
class _Allowed:
    """The filters as plain sets, turned into a Qdrant filter or checked against a payload:
    one description, so the two can never disagree."""

    fields: dict[str, frozenset[str]]
    """payload key -> the values it may take."""
    versions: frozenset[tuple[str, str]] | None
    """(doc_id, version) pairs allowed, for as-of questions; None: any."""

    def to_metadata(self) -> MetadataFilters:
        """As LlamaIndex metadata filters (what the chunk vector store is searched with)."""
        parts: list[MetadataFilter | MetadataFilters] = [
            MetadataFilter(key=key, value=sorted(values), operator=FilterOperator.IN)
            for key, values in self.fields.items()
        ]
        if self.versions is not None:
            # One clause per version number ("1.0" of any of these documents), not one per
            # document: a filter of hundreds of clauses is slow to evaluate.
            by_version: dict[str, list[str]] = {}
            for doc_id, version in sorted(self.versions):
                by_version.setdefault(version, []).append(doc_id)
            either = [
                MetadataFilters(
                    filters=[
                        MetadataFilter(key="version", value=version),
                        MetadataFilter(key="doc_id", value=docs, operator=FilterOperator.IN),
                    ]
                )
                for version, docs in by_version.items()
            ]
            parts.append(MetadataFilters(filters=either, condition=FilterCondition.OR))  # type: ignore[arg-type]
        return MetadataFilters(filters=parts)  # type: ignore[arg-type]

    def accepts(self, payload: dict[str, Any]) -> bool:
        """As Qdrant matches: a field holding a list (a document's products) passes when
        any of its values is allowed."""
        for key, values in self.fields.items():
            held = payload.get(key)
            if values.isdisjoint(held if isinstance(held, list) else [held]):
                return False
        return (
            self.versions is None
            or (payload.get("doc_id"), payload.get("version")) in self.versions
        )


def _keywords(node: BaseNode) -> str:
    """What a chunk's BM25 vector is made of: its document title, heading path, the lead-ins
    of its enclosing paragraphs and its text (what its dense vector is made of, near
    enough)."""
    meta = node.metadata
    return "\n".join(
        [
            meta.get("title", ""),
            *meta.get("section_path", []),
            meta.get("context", ""),
            node_text(node),
        ]
    )


def _hit(node: BaseNode, score: float) -> Hit:
    return Hit(
        point_id=node.node_id,
        score=score,
        payload=node.metadata | {TEXT: node_text(node)},
        vector=np.asarray(node.get_embedding(), dtype=np.float32),
    )


class PolicyStore:
    """Versioned document storage over a Qdrant engine (:mod:`app.index.engine`): Qdrant Edge,
    qdrant-client's local mode or a Qdrant server."""

    def __init__(self, engine: Engine, collection: str, dimension: int | None) -> None:
        self.engine = engine
        self.collection = collection
        self.catalog = f"{collection}_catalog"
        self.chunk_points: Collection = engine.collection(collection)
        self.records: Collection = engine.collection(self.catalog)
        self.vectors = ChunkVectorStore(self.chunk_points, keywords=_keywords)
        """The chunk points as a LlamaIndex vector store: how chunks are added and searched."""
        self.dimension = dimension
        self.shared = engine.shared
        """Other processes may write to the same index (a Qdrant server)."""
        self._catalog_cache: tuple[float, list[DocumentRecord]] | None = None
        self._ensure_collections()

    def close(self) -> None:
        self.engine.close()

    # --- reading ---------------------------------------------------------------------

    def document(self, doc_id: str) -> DocumentRecord | None:
        found = self.records.retrieve([_record_id(doc_id)])
        return DocumentRecord.model_validate(found[0].payload) if found else None

    def documents(self) -> list[DocumentRecord]:
        records = [DocumentRecord.model_validate(p.payload) for p in self.records.points()]
        return sorted(records, key=lambda r: r.doc_id)

    def current_versions(self) -> list[tuple[DocumentRecord, DocumentVersion]]:
        """Each document that is not retired, with its current version."""
        return [(r, r.current) for r in self.documents() if r.current is not None and not r.retired]

    def library_state(self) -> tuple[tuple[str, int, bool], ...]:
        """What changes whenever a document is ingested, retired or purged: each document's
        id, revision and retirement. What is read from the whole library is read again
        only when this changes."""
        return tuple((r.doc_id, r.revision, r.retired) for r in self.documents())

    def chunks(self, doc_id: str, version: str | None = None) -> list[dict[str, Any]]:
        """Payloads of a document's chunk points, in document order."""
        fields = {"doc_id": doc_id} | ({"version": version} if version else {})
        if not self._has_chunks:
            return []
        payloads = [p.payload for p in self.chunk_points.points(_match(**fields))]
        return sorted(payloads, key=lambda p: (p["version"], p["ordinal"]))

    def passages(self, doc_id: str, version: str) -> list[RetrievedChunk]:
        """A document version's chunks as passages (what a citation is made of), in
        document order."""
        if not self._has_chunks:
            return []
        points = self.chunk_points.points(_match(doc_id=doc_id, version=version))
        return sorted((passage_of(p.id, 0.0, p.payload) for p in points), key=lambda c: c.ordinal)

    def known_vectors(self, doc_id: str) -> dict[str, np.ndarray]:
        """The vectors of a document's chunk points, by :func:`embed_key` of the text they
        embed, for a new version to reuse where its text (and context) is unchanged. Points
        written before the key was stored have none and give nothing."""
        if not self._has_chunks:
            return {}
        found = self.chunk_points.points(_match(doc_id=doc_id), payload=["embed_sha"], vectors=True)
        return {
            str(p.payload["embed_sha"]): np.asarray(p.vector, dtype=np.float32)
            for p in found
            if p.payload.get("embed_sha") and p.vector is not None
        }

    def section_hits(
        self, vector: np.ndarray, doc_id: str, version: str, section_id: str
    ) -> list[Hit]:
        """The points of one section of one version, as hits scored by their similarity to
        ``vector``, best first (a section is a few passages: they are scored here)."""
        if not self._has_chunks:
            return []
        query = np.asarray(vector, dtype=np.float32)
        found = self.chunk_points.points(
            _match(doc_id=doc_id, version=version, section_id=section_id), vectors=True
        )
        hits = [
            Hit(point_id=p.id, score=float(v @ query), payload=dict(p.payload), vector=v)
            for p in found
            if p.vector is not None
            for v in [np.asarray(p.vector, dtype=np.float32)]
        ]
        return sorted(hits, key=lambda h: (-h.score, h.point_id))

    def chunk_texts(self, doc_id: str, version: str) -> dict[str, str]:
        """The text of each chunk point of one version, by point id."""
        if not self._has_chunks:
            return {}
        found = self.chunk_points.points(_match(doc_id=doc_id, version=version), payload=["text"])
        return {str(p.id): str(p.payload.get("text", "")) for p in found}

    def count(self, **fields: str) -> int:
        if not self._has_chunks:
            return 0
        return self.chunk_points.count(_match(**fields) if fields else None)

    def search(
        self,
        vector: np.ndarray,
        filters: Filters,
        *,
        limit: int,
        score_floor: float,
        text: str | None = None,
    ) -> list[Hit]:
        """The points nearest ``vector`` among those the filters allow, best first; with
        the question's ``text``, ranked by the fusion of dense and BM25 search (hybrid)
        where the index holds BM25 vectors and the engine searches them fast (not
        qdrant-client's local mode)."""
        if not self._has_chunks:
            return []
        if not self.engine.fast_sparse:
            text = None
        allowed = self._allowed(filters)
        if allowed is None:
            return []
        if not self.engine.native_filters:
            # qdrant-client's local mode (dense search only: text is None here) checks a
            # filter point by point in Python, but searches without one as a single matrix
            # product. So: search unfiltered, over-fetching, and filter the hits here. If
            # enough of the best points pass, they are exactly the best points that pass;
            # otherwise fall back to the filtered search.
            overfetch = max(limit * _OVERFETCH, _MIN_OVERFETCH)
            points = self._query(vector, None, overfetch, score_floor)
            passed = [h for h in points if allowed.accepts(h.payload)]
            if len(passed) >= limit or len(points) < overfetch:
                return passed[:limit]
        return self._query(vector, allowed.to_metadata(), limit, score_floor, text)

    def _query(
        self,
        vector: np.ndarray,
        filters: MetadataFilters | None,
        limit: int,
        score_floor: float,
        text: str | None = None,
    ) -> list[Hit]:
        found = self.vectors.query(
            VectorStoreQuery(
                query_embedding=vector.tolist(),
                similarity_top_k=limit,
                filters=filters,
                query_str=text,
                mode=VectorStoreQueryMode.HYBRID if text else VectorStoreQueryMode.DEFAULT,
            ),
            score_floor=score_floor,
        )
        return [
            _hit(n, s) for n, s in zip(found.nodes or [], found.similarities or [], strict=True)
        ]

    def _allowed(self, filters: Filters) -> _Allowed | None:
        """What the filters let through; None when nothing can (no version in force on the
        as-of date)."""
        fields: dict[str, frozenset[str]] = {}
        versions: frozenset[tuple[str, str]] | None = None
        if filters.as_of is None:
            fields["status"] = frozenset({Status.CURRENT.value})
        else:
            versions = frozenset(in_force(self._catalog_for_search(), filters.as_of))
            if not versions:
                return None
            # Never the staged points of an unfinished (or losing) ingest of that version.
            fields["status"] = frozenset({Status.CURRENT.value, Status.SUPERSEDED.value})
        # A document applies when it holds the value asked for or the one meaning every
        # value (app.models.applies): a match of either on its list of values.
        if filters.product:
            fields["product"] = frozenset({filters.product, ALL_PRODUCTS})
        if filters.jurisdiction:
            fields["jurisdiction"] = frozenset({filters.jurisdiction, FEDERAL})
        if filters.doc_type:
            fields["doc_type"] = frozenset({filters.doc_type})
        return _Allowed(fields=fields, versions=versions)

    # --- writing ---------------------------------------------------------------------

    def unchanged(self, doc_id: str, sha256: str) -> DocumentVersion | None:
        """The version of ``doc_id`` already holding exactly this file, if any."""
        record = self.document(doc_id)
        if record is None:
            return None
        return next((v for v in record.versions if v.sha256 == sha256), None)

    def add_version(
        self,
        meta: DocumentMeta,
        *,
        file_name: str,
        sha256: str,
        pages: int,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        flagged: Sequence[FlaggedText] = (),
    ) -> tuple[FileOutcome, DocumentVersion, str | None]:
        """Store a version of a document; returns the outcome, the stored version and the
        version that was current before (if any)."""
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk is required")
        if not self._has_chunks:
            self.dimension = int(vectors.shape[1])
            self._ensure_collections()
        staged = False
        for _ in range(_COMMIT_ATTEMPTS):
            record = self._settled(meta.doc_id)
            base = record or DocumentRecord(doc_id=meta.doc_id, versions=())
            same = next((v for v in base.versions if v.sha256 == sha256), None)
            if same is not None:
                current = base.current
                return FileOutcome.UNCHANGED, same, current.meta.version if current else None
            clash = base.version(meta.version)
            if clash is not None:
                if staged:
                    self._drop_staged(meta.doc_id, meta.version, sha256)
                raise VersionConflictError(
                    f"{meta.doc_id} version {meta.version} is already in the index with "
                    f"different content ({clash.file_name}); give the new file a new version "
                    "number, or purge the document first"
                )
            previous = base.current.meta.version if base.current else None
            ingested_at = datetime.now(UTC)
            if not staged:
                self._upsert_chunks(meta, file_name, sha256, chunks, vectors, ingested_at)
                staged = True
            version = DocumentVersion(
                meta=meta,
                status=Status.STAGED,
                file_name=file_name,
                sha256=sha256,
                pages=pages,
                chunks=len(chunks),
                ingested_at=ingested_at,
                flagged=tuple(flagged),
            )
            updated = _with_statuses(
                base.model_copy(
                    update={
                        "versions": (*base.versions, version),
                        "retired": False,
                        "pending": "apply",
                    }
                )
            )
            committed = self._commit(updated, over=record)  # the commit point
            if committed is None:
                continue  # another process changed the document meanwhile: read it again
            self._finish(committed)
            stored = committed.version(meta.version)
            assert stored is not None
            if previous is None:
                outcome = FileOutcome.NEW
            elif stored.status is Status.CURRENT:
                outcome = FileOutcome.REPLACED
            else:
                outcome = FileOutcome.NEW  # an older version filed for the record
            return outcome, stored, previous
        self._repair_after_race(meta.doc_id, meta.version, sha256)
        raise ConcurrentChangeError(
            f"{meta.doc_id} kept being changed by other processes; nothing of this ingest "
            "was kept: run it again"
        )

    def retire(self, doc_id: str) -> DocumentRecord:
        """Withdraw every version of a document from answers; its points stay for the record."""
        for _ in range(_COMMIT_ATTEMPTS):
            record = self._require(doc_id)
            updated = _with_statuses(
                record.model_copy(update={"retired": True, "pending": "apply"})
            )
            committed = self._commit(updated, over=record)
            if committed is not None:
                return self._finish(committed)
        raise ConcurrentChangeError(f"{doc_id} kept being changed by other processes; try again")

    def purge(self, doc_id: str) -> int:
        """Delete a document and all its points; returns how many points were removed."""
        for _ in range(_COMMIT_ATTEMPTS):
            record = self._require(doc_id)
            count = self.count(doc_id=doc_id)
            committed = self._commit(record.model_copy(update={"pending": "purge"}), over=record)
            if committed is not None:
                self._finish(committed)
                if self._has_chunks:
                    self.chunk_points.compact()  # a purge is rare and frees the most space
                return count
        raise ConcurrentChangeError(f"{doc_id} kept being changed by other processes; try again")

    def recover(self, *, stale_after: timedelta | None = None) -> list[str]:
        """Finish changes a killed process left half-done; returns what was repaired.

        Staged points no record claims are deleted when older than ``stale_after`` (None:
        all of them, right for local mode, where no other process can be mid-ingest)."""
        repaired: list[str] = []
        records = {r.doc_id: r for r in self.documents()}
        for record in records.values():
            if record.pending:
                self._finish(record)
                repaired.append(f"finished the interrupted {record.pending} of {record.doc_id}")
        committed = {
            (r.doc_id, v.meta.version, v.sha256)
            for r in records.values()
            if r.pending != "purge"
            for v in r.versions
        }
        cutoff = None if stale_after is None else datetime.now(UTC) - stale_after
        orphans: set[tuple[str, ...]] = set()
        staged = (
            self.chunk_points.points(
                _match(status=Status.STAGED.value),
                payload=["doc_id", "version", "sha256", "ingested_at"],
            )
            if self._has_chunks
            else iter(())
        )
        for point in staged:
            payload = point.payload
            key = (
                str(payload.get("doc_id")),
                str(payload.get("version")),
                str(payload.get("sha256")),
            )
            if key in committed:
                continue
            if cutoff is not None and _parse_time(payload.get("ingested_at")) > cutoff:
                continue  # possibly another process's ingest in progress
            orphans.add(key)
        for doc_id, version, sha256 in sorted(orphans):
            self._drop_staged(doc_id, version, sha256)
            repaired.append(f"removed the unfinished ingest of {doc_id} version {version}")
        for message in repaired:
            log.warning(message)
        return repaired

    # --- internals -------------------------------------------------------------------

    def _settled(self, doc_id: str) -> DocumentRecord | None:
        """The document's record with any committed change finished (None: no record)."""
        record = self.document(doc_id)
        while record is not None and record.pending:
            if record.pending == "purge":
                self._finish(record)
                return None
            record = self._finish(record)
        return record

    def _require(self, doc_id: str) -> DocumentRecord:
        record = self._settled(doc_id)
        if record is None:
            raise UnknownDocumentError(
                f"no document {doc_id!r} in the index; `copilot docs` lists them"
            )
        return record

    def _catalog_for_search(self) -> list[DocumentRecord]:
        """The catalog, read again only when it may have changed: an as-of search needs
        every document's versions, and reading thousands of records takes a while."""
        now = time.monotonic()
        cached = self._catalog_cache
        if cached is None or (self.shared and now - cached[0] > _CATALOG_TTL_S):
            cached = self._catalog_cache = (now, self.documents())
        return cached[1]

    def _finish(self, record: DocumentRecord) -> DocumentRecord:
        """Steps 3 and 4 of the protocol for a record whose change is committed. Idempotent:
        any process may finish a change; if another already moved the record on, the
        record as it now stands is returned."""
        if record.pending == "purge":
            self._delete(_match(doc_id=record.doc_id))
            self.records.delete(_revision_of(record))
            self._catalog_cache = None
            return record
        self._sync_statuses(record)
        done = self._commit(record.model_copy(update={"pending": None}), over=record)
        if done is None:
            now = self.document(record.doc_id)
            return now if now is not None else record.model_copy(update={"pending": None})
        return done

    def _sync_statuses(self, record: DocumentRecord) -> None:
        for version in record.versions if self._has_chunks else ():
            self.chunk_points.set_payload(
                {"status": version.status.value},
                _match(doc_id=record.doc_id, version=version.meta.version, sha256=version.sha256),
            )

    def _commit(
        self, record: DocumentRecord, *, over: DocumentRecord | None
    ) -> DocumentRecord | None:
        """Write ``record`` only if the stored record is still ``over`` (None: there is
        none); returns what was written, or None when another process got there first."""
        self._catalog_cache = None
        token = uuid.uuid4().hex
        new = record.model_copy(
            update={"revision": (over.revision if over else 0) + 1, "writer": token}
        )
        point = StoredPoint(id=_record_id(new.doc_id), payload=new.model_dump(mode="json"))
        if over is None:
            self.records.upsert([point], insert_only=True)
        else:
            self.records.upsert([point], only_over=_revision_of(over))
        stored = self.document(new.doc_id)
        return new if stored is not None and stored.writer == token else None

    def _drop_staged(self, doc_id: str, version: str, sha256: str) -> None:
        self._delete(
            _match(doc_id=doc_id, version=version, sha256=sha256, status=Status.STAGED.value)
        )

    def _repair_after_race(self, doc_id: str, version: str, sha256: str) -> None:
        """After giving up: make the points match the record again (a concurrent ingest of
        the same file may have re-staged points it had finished) and drop our own."""
        record = self._settled(doc_id)
        if record is not None:
            self._sync_statuses(record)
            if any(v.sha256 == sha256 for v in record.versions):
                return
        self._drop_staged(doc_id, version, sha256)

    def _upsert_chunks(
        self,
        meta: DocumentMeta,
        file_name: str,
        sha256: str,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        ingested_at: datetime,
    ) -> None:
        common = {
            "doc_id": meta.doc_id,
            "title": meta.title,
            "version": meta.version,
            "effective_date": meta.effective_date.isoformat(),
            "status": Status.STAGED.value,
            "product": list(meta.product),
            "jurisdiction": list(meta.jurisdiction),
            "doc_type": meta.doc_type,
            "file_name": file_name,
            "sha256": sha256,
            "ingested_at": ingested_at.isoformat(),
        }
        for start in range(0, len(chunks), _BATCH):
            batch = chunks[start : start + _BATCH]
            nodes = [
                TextNode(
                    id_=point_id(meta.doc_id, meta.version, c.ordinal, sha256),
                    embedding=vectors[start + i].tolist(),
                    text=c.text,
                    metadata=common
                    | {
                        "ordinal": c.ordinal,
                        "section_id": c.section_id,
                        "section_title": c.section_title,
                        "section_path": list(c.section_path),
                        "page_start": c.page_start,
                        "page_end": c.page_end,
                        "page_label_start": c.page_label_start,
                        "page_label_end": c.page_label_end,
                        "pages": list(range(c.page_start, c.page_end + 1)),
                        "kind": c.kind,
                        "paragraphs": [list(mark) for mark in c.paragraphs],
                        "examples": list(c.examples),
                        "context": c.context,
                        "token_count": c.token_count,
                        "embed_sha": embed_key(c.embed_text),
                    },
                )
                for i, c in enumerate(batch)
            ]
            self.vectors.add(nodes)

    def _delete(self, flt: models.Filter) -> None:
        if self._has_chunks:
            self.chunk_points.delete(flt)

    def _ensure_collections(self) -> None:
        if not self.records.exists():
            self.records.create(None)
        self._has_chunks = self.chunk_points.exists()
        if not self._has_chunks and self.dimension is not None:
            self._has_chunks = True
            # qdrant-client's local mode has no payload indexes (it scans).
            indexed = INDEXED_FIELDS if self.engine.native_filters else ()
            self.chunk_points.create(self.dimension, indexed, sparse=True)
        elif self._has_chunks:
            size = self.chunk_points.dimension()
            if self.dimension is None:
                self.dimension = size
            elif size is not None and size != self.dimension:
                raise ConfigError(
                    f"the index was built with {size}-dimensional embeddings but the configured "
                    "model "
                    f"gives {self.dimension}; re-ingest into a new collection (store.collection)"
                )


def copy_index(source: PolicyStore, target: PolicyStore) -> tuple[int, int]:
    """Copy every document and chunk point of ``source`` into the empty ``target`` (another
    mode or place); returns ``(documents, points)``. Points land ``staged`` and each
    document's record then commits them, so an interrupted copy leaves nothing visible
    that is not whole: run it again on an emptied target."""
    if target.documents():
        raise ConfigError(
            "the destination index already holds documents; migrate into an empty one "
            "(or purge them there first)"
        )
    source.recover()
    records = source.documents()
    points = 0
    if records:
        if source.dimension is None:
            raise ConfigError("the source index has documents but no chunk collection")
        target.dimension = source.dimension
        target._ensure_collections()
        staged = {"status": Status.STAGED.value}
        offset = None
        while True:
            batch, offset = source.chunk_points.scroll(None, limit=256, offset=offset, vectors=True)
            # Through the target's vector store: it makes the BM25 vectors its index holds.
            target.vectors.add(
                [
                    to_node(StoredPoint(id=p.id, vector=p.vector, payload=p.payload | staged))
                    for p in batch
                ]
            )
            points += len(batch)
            if offset is None:
                break
    for record in records:
        fresh = record.model_copy(update={"pending": "apply", "revision": 0, "writer": ""})
        committed = target._commit(fresh, over=None)
        if committed is None:
            raise ConcurrentChangeError(f"{record.doc_id} was written by another process")
        target._finish(committed)
    copied = target.count()
    if copied != points:
        raise ConfigError(f"copied {points} points but the destination holds {copied}")
    return len(records), points


class PerLibraryState(Generic[T]):
    """What ``read`` makes of a store's whole library, made again only when the library
    changes (:meth:`PolicyStore.library_state`): a document ingested, retired or purged."""

    def __init__(self, store: PolicyStore, read: Callable[[PolicyStore], T]) -> None:
        self._store = store
        self._read = read
        self._lock = threading.Lock()
        self._state: object = None
        self._value: T | None = None

    def current(self) -> T:
        state = self._store.library_state()
        with self._lock:
            if self._value is None or state != self._state:
                self._value = self._read(self._store)
                self._state = state
            return self._value
