"""Ingest: files with metadata -> parse -> segment -> chunk -> embed -> store.

Each file is handled on its own: a bad file is reported as failed with its reason and the
others still go in. The store commits a file's new version in one step (see ``app.index.store``),
so a failure at any point leaves the index as it was. A file is checked (read, parsed, its
metadata validated) before the embedding model is needed, and the model may be given as a
loader called on first need: a batch of refused files never loads it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.errors import ConfigError, CopilotError, DocumentError, MetadataError
from app.index.embedding import LocalEmbedding
from app.index.store import PolicyStore, embed_key
from app.models import (
    MAX_FLAGGED,
    Chunk,
    FileOutcome,
    FileResult,
    FlaggedText,
    ParsedDocument,
    Section,
)
from app.sentences import split_sentences
from app.settings import Settings
from app.text import instruction, may_instruct
from ingest.chunk import chunk
from ingest.kept import keep_sections, keep_source
from ingest.manifest import ManifestEntry, absolute, build_meta
from ingest.parse import SUPPORTED_SUFFIXES, parse, sha256_of
from ingest.sections import segment

log = logging.getLogger(__name__)

Embedder = LocalEmbedding | Callable[[], LocalEmbedding]
"""The embedding model, or a function that loads it (called when a file first needs it)."""


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files named, and the supported files inside folders named (recursively, sorted)."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if _is_dir(path):
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                )
            )
        else:
            files.append(path)
    return files


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long for the file system: reported as no such file
        return False


def plan(
    paths: Sequence[Path], manifest: Sequence[ManifestEntry], overrides: Mapping[str, Any]
) -> list[ManifestEntry]:
    """Pair each file with its metadata: the manifest's entry, then the command-line fields.

    With no paths, every file in the manifest is ingested.
    """
    by_path = {absolute(entry.path): entry for entry in manifest}
    files = expand(paths) if paths else [entry.path for entry in manifest]
    plan = []
    for file in files:
        entry = by_path.get(absolute(Path(file)))
        fields = dict(entry.fields) if entry else {}
        fields.update({k: v for k, v in overrides.items() if v not in (None, "")})
        plan.append(ManifestEntry(path=Path(file), fields=fields))
    return plan


def ingest(
    entries: Sequence[ManifestEntry],
    *,
    store: PolicyStore,
    embedding: Embedder,
    settings: Settings,
    on_result: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Ingest every entry; returns one result per file, in order."""
    if not isinstance(embedding, LocalEmbedding):
        embedding = functools.cache(embedding)  # loaded once, by the first file that needs it
    results = []
    for entry in entries:
        result = ingest_file(entry, store=store, embedding=embedding, settings=settings)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def chunk_document(
    parsed: ParsedDocument | Sequence[Section],
    title: str,
    *,
    embedding: LocalEmbedding,
    settings: Settings,
) -> list[Chunk]:
    """A parsed document's chunks (or its sections'), measured in the embedding model's own
    tokens."""
    return chunk(
        segment(parsed) if isinstance(parsed, ParsedDocument) else parsed,
        embedding.count_tokens,
        max_tokens=min(settings.chunking.max_tokens, embedding.window),
        min_tokens=settings.chunking.min_tokens,
        special_tokens=embedding.special_tokens,
        doc_title=title,
        additive=embedding.additive_counts,
    )


_FLAGGED_CHARS = 300


def flag_instructions(chunks: Sequence[Chunk]) -> tuple[FlaggedText, ...]:
    """The sentences of a document that address a model or the reader as a command: never
    quoted as an answer (the answerer skips them), listed for compliance staff."""
    found: dict[str, FlaggedText] = {}
    for c in chunks:
        if not may_instruct(" ".join(c.text.split())):
            continue
        for line in c.text.splitlines():
            for sentence in split_sentences(" ".join(line.split())):
                if sentence not in found and instruction(sentence):
                    found[sentence] = FlaggedText(
                        page=c.page_start,
                        section=f"{c.section_id} {c.section_title}".strip(),
                        text=sentence[:_FLAGGED_CHARS],
                    )
                    if len(found) == MAX_FLAGGED:
                        return tuple(found.values())
    return tuple(found.values())


def embed_reusing(
    model: LocalEmbedding, store: PolicyStore, doc_id: str, chunks: Sequence[Chunk]
) -> np.ndarray:
    """The chunks' vectors: those whose exact embedded text an earlier version of the
    document already holds are reused (re-ingesting a new version embeds only what
    changed); the rest are embedded."""
    known = store.known_vectors(doc_id) if chunks else {}
    keys = [embed_key(c.embed_text) for c in chunks]
    missing = [i for i, key in enumerate(keys) if key not in known]
    fresh = model.embed([chunks[i].embed_text for i in missing]) if missing else None
    vectors = np.empty((len(chunks), model.dimension), dtype=np.float32)
    for i, key in enumerate(keys):
        if key in known:
            vectors[i] = known[key]
    if fresh is not None:
        vectors[missing] = fresh
    if known:
        log.info(
            "%s: %d of %d chunk vectors reused", doc_id, len(chunks) - len(missing), len(chunks)
        )
    return vectors


def loaded(embedding: Embedder, store: PolicyStore) -> LocalEmbedding:
    """The model itself (loading it if need be), checked against the index's vector size."""
    model = embedding if isinstance(embedding, LocalEmbedding) else embedding()
    if store.dimension is not None and store.dimension != model.dimension:
        raise ConfigError(
            f"the index was built with {store.dimension}-dimensional embeddings but the "
            f"configured model gives {model.dimension}; re-ingest into a new collection "
            "(store.collection)"
        )
    return model


def _readable(path: Path) -> None:
    try:
        if path.is_file():
            return
    except OSError as exc:  # a name too long for the file system, or not allowed in it
        raise DocumentError(f"{path.name}: cannot be opened ({exc.strerror})") from None
    raise DocumentError(f"{path}: no such file")


def ingest_file(
    entry: ManifestEntry, *, store: PolicyStore, embedding: Embedder, settings: Settings
) -> FileResult:
    path = entry.path
    doc_id = entry.fields.get("doc_id")
    try:
        if not doc_id:
            raise MetadataError("missing metadata: doc_id")
        _readable(path)
        sha = sha256_of(path)
        existing = store.unchanged(str(doc_id).strip().lower(), sha)
        if existing is not None:
            keep_source(path, sha, settings)
            return FileResult(
                path=path,
                outcome=FileOutcome.UNCHANGED,
                doc_id=existing.meta.doc_id,
                version=existing.meta.version,
                status=existing.status,
                pages=existing.pages,
                chunks=existing.chunks,
                flagged=existing.flagged,
            )
        parsed = parse(
            path,
            max_bytes=settings.ingest.max_file_mb * 1_000_000,
            workers=settings.ingest.parse_workers,
        )
        meta = build_meta(entry.fields, settings.ingest, default_title=parsed.title)
        model = loaded(embedding, store)
        sections = segment(parsed)
        chunks = chunk_document(sections, meta.title, embedding=model, settings=settings)
        if not chunks:
            raise DocumentError(f"{path.name}: no text could be extracted")
        vectors = embed_reusing(model, store, meta.doc_id, chunks)
        outcome, stored, previous = store.add_version(
            meta,
            file_name=parsed.file_name,
            sha256=parsed.sha256,
            pages=len(parsed.pages),
            chunks=chunks,
            vectors=vectors,
            flagged=flag_instructions(chunks),
        )
        keep_source(path, parsed.sha256, settings)
        keep_sections(settings, parsed.sha256, parsed.file_name, sections)
        return FileResult(
            path=path,
            outcome=outcome,
            doc_id=meta.doc_id,
            version=meta.version,
            previous_version=previous if outcome is FileOutcome.REPLACED else None,
            status=stored.status,
            pages=stored.pages,
            chunks=stored.chunks,
            flagged=stored.flagged,
        )
    except CopilotError as exc:
        return FileResult(path=path, outcome=FileOutcome.FAILED, doc_id=doc_id, reason=str(exc))
    except Exception as exc:  # one broken file must not stop the batch
        log.info("unexpected error ingesting %s", path.name, exc_info=True)
        return FileResult(
            path=path,
            outcome=FileOutcome.FAILED,
            doc_id=doc_id,
            reason=f"{path.name}: unexpected error ({type(exc).__name__}: {str(exc)[:200]}); "
            "run with -v for the details and report it",
        )
