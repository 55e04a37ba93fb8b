"""The one place that turns settings into components: the embedding model, the store,
the answer backend and the question service."""

from __future__ import annotations

import gc
from datetime import timedelta
from typing import TYPE_CHECKING

from app.errors import ConfigError, IndexLockedError
from app.index.embedding import LocalEmbedding, default_model_path
from app.index.store import PolicyStore
from app.question.answer import AnswerBackend, ExtractiveBackend
from app.question.retrieve import Retriever
from app.question.service import CopilotService
from app.question.verify import Verifier
from app.settings import Settings

if TYPE_CHECKING:
    from app.question.redact import Redactor


def build_embedding(settings: Settings, *, settle: bool = True) -> LocalEmbedding:
    """The configured model. ``settle``: freeze the objects alive once it is loaded, for
    the collector to skip (see :func:`_freeze_once`); the web app's process passes False."""
    section = settings.embedding
    model = LocalEmbedding(
        section.model_path or default_model_path(),
        device=section.device,
        batch_size=section.batch_size,
        backend=section.backend,
        cache_dir=section.onnx_dir or settings.app.data_dir / "models",
    )
    if settle:
        _freeze_once()
    return model


_frozen = False


def _freeze_once() -> None:
    """The libraries imported to run the model (and the first model) live as long as the
    process: some 600,000 objects that every full garbage collection would walk again (0.3 s
    each on a 2-core machine, several times in a long ingestion). Frozen, once, after a
    collection (so no garbage is kept), the collector skips them; objects made later are
    collected as usual."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def open_store(settings: Settings, dimension: int | None, *, recover: bool = True) -> PolicyStore:
    """Open (creating if needed) the configured index, finishing any interrupted change.

    ``dimension`` is the embedding size; None opens an existing index as it is (for
    listing and lifecycle commands that embed nothing).
    """
    from qdrant_client import QdrantClient

    from app.index.engine import ClientEngine, Engine

    section = settings.store
    engine: Engine
    match section.mode:
        case "edge":
            from app.index.edge import EdgeEngine

            engine = EdgeEngine(settings.store_path)
        case "local":
            path = settings.store_path
            path.mkdir(parents=True, exist_ok=True)
            try:
                client = QdrantClient(path=str(path))
            except RuntimeError as exc:
                if "already accessed" not in str(exc):
                    raise
                raise IndexLockedError(
                    f"the index at {path} is in use by another copilot process; "
                    "stop it (or wait for it to finish) and try again, or use a Qdrant server "
                    "(QDRANT_URL) for shared access"
                ) from exc
            engine = ClientEngine(client, server=False)
        case "server":
            if not section.url:
                raise ConfigError("store.mode is server but no QDRANT_URL is set")
            api_key = section.api_key.get_secret_value() if section.api_key else None
            client = QdrantClient(url=section.url, api_key=api_key, timeout=int(section.timeout_s))
            engine = ClientEngine(client, server=True)
        case other:
            raise ConfigError(f"unknown store.mode {other!r}")
    try:
        store = PolicyStore(engine, section.collection, dimension)
    except BaseException:
        engine.close()
        raise
    if recover:
        grace = timedelta(seconds=section.staged_grace_s) if store.shared else None
        store.recover(stale_after=grace)
    return store


def build_backend(settings: Settings, embedding: LocalEmbedding) -> AnswerBackend:
    """The configured answer backend; the OpenAI-compatible one is imported only when used."""
    match settings.llm.backend:
        case "extractive":
            return ExtractiveBackend(embedding, settings.answer)
        case "openai-compatible":
            from app.question.llm import OpenAICompatibleBackend

            return OpenAICompatibleBackend(settings.llm)
        case other:
            raise ConfigError(f"unknown llm.backend {other!r}")


def build_service(
    settings: Settings,
    *,
    embedding: LocalEmbedding | None = None,
    store: PolicyStore | None = None,
    redactor: Redactor | None = None,
    backend: AnswerBackend | None = None,
) -> CopilotService:
    """Everything the question path needs, built once (model loading takes seconds).
    Parts already built elsewhere (the embedding model, the store, the redactor, an answer
    backend) are reused."""
    from app.question.conflict_notes import ConflictNotes
    from app.question.coverage import CoverageCheck
    from app.question.lexicon import LibraryLexicon
    from app.question.redact import PresidioRedactor
    from app.question.rules import LibraryOutline
    from app.question.suggest import FollowUps
    from app.records.audit import open_trail

    audit = open_trail(settings)  # first: a missing or exposed key stops before models load
    embedding = embedding or build_embedding(settings)
    store = store or open_store(settings, embedding.dimension)
    extractive = ExtractiveBackend(embedding, settings.answer)
    lexicon = LibraryLexicon(store)
    if backend is None:
        backend = (
            extractive
            if settings.llm.backend == "extractive"
            else build_backend(settings, embedding)
        )
    return CopilotService(
        settings,
        redactor=redactor or PresidioRedactor(settings.redaction),
        retriever=Retriever(store, embedding, settings.retrieval, LibraryOutline(store), lexicon),
        backend=backend,
        extractive=extractive,
        verifier=Verifier(embedding, settings.answer),
        audit=audit,
        notes=ConflictNotes(store),
        lexicon=lexicon,
        coverage=CoverageCheck(lexicon, settings.redaction.spacy_model),
        followups=FollowUps(store, lexicon),
    )
