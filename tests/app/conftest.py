"""A sample-policy index built once per session, and the question service over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_MANIFEST


@pytest.fixture(scope="session")
def sample_data(tmp_path_factory: pytest.TempPathFactory, embedding) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """A data directory holding the whole sample library (both guide versions)."""
    from app.factory import open_store
    from app.settings import load_settings
    from ingest.manifest import load_manifest
    from ingest.pipeline import ingest

    data_dir = tmp_path_factory.mktemp("sample-data")
    settings = load_settings(app={"data_dir": data_dir})
    store = open_store(settings, embedding.dimension)
    results = ingest(
        load_manifest(SAMPLE_MANIFEST), store=store, embedding=embedding, settings=settings
    )
    assert all(r.reason is None for r in results)
    store.close()
    yield data_dir


@pytest.fixture(scope="session")
def service_parts(sample_data: Path, embedding):  # type: ignore[no-untyped-def]
    """One open store and one redactor for the session (both are slow to build)."""
    from app.factory import open_store
    from app.question.redact import PresidioRedactor
    from app.settings import load_settings

    settings = load_settings(app={"data_dir": sample_data})
    store = open_store(settings, embedding.dimension)
    yield store, PresidioRedactor(settings.redaction)
    store.close()


@pytest.fixture
def make_service(service_parts, embedding, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Builds the question service over the sample index with the given setting overrides;
    each test gets its own audit trail."""
    from app.factory import build_service
    from app.settings import load_settings

    store, redactor = service_parts

    def make(**overrides):  # type: ignore[no-untyped-def]
        settings = load_settings(
            app={"data_dir": tmp_path / "data"},
            audit={"path": tmp_path / "audit.sqlite3"},
            **overrides,
        )
        return build_service(settings, embedding=embedding, store=store, redactor=redactor)

    return make


@pytest.fixture
def app_workspace(make_service, service_parts, embedding, sample_data: Path):  # type: ignore[no-untyped-def]
    """A workspace over the shared sample index (read-only use), its service and a user."""
    from app.models import User
    from app.records.library import PolicyLibrary
    from app.settings import load_settings
    from app.workspace import Workspace

    store, _ = service_parts
    service = make_service()
    settings = load_settings(app={"data_dir": sample_data})
    ws = Workspace(settings, service=service, library=PolicyLibrary(settings, store, embedding))
    yield ws, service, User(name="tester", role="compliance")
    service.close()


def one_document(root: Path, name: str, content: bytes, fields: dict[str, str], embedding):  # type: ignore[no-untyped-def]
    """Settings and an open store under ``root`` holding one PDF, ingested as ``fields``
    say: a library made for a test."""
    from app.factory import open_store
    from app.settings import load_settings
    from ingest.manifest import ManifestEntry
    from ingest.pipeline import ingest

    path = root / name
    path.write_bytes(content)
    settings = load_settings(app={"data_dir": root / "data"}, audit={"path": root / "audit.db"})
    store = open_store(settings, embedding.dimension)
    (result,) = ingest(
        [ManifestEntry(path=path, fields=fields)], store=store, embedding=embedding,
        settings=settings,
    )  # fmt: skip
    assert result.outcome == "new", result
    return settings, store
