"""Shared fixtures: the real embedding model once per session, settings on a temp data dir,
and a network guard that fails any test opening a non-loopback socket."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import netguard

# Offline by construction: libraries that would reach a hub are told not to.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def pytest_configure(config: pytest.Config) -> None:
    netguard.install()


# A Qdrant server for the suites marked `server` (read before each test hides QDRANT_*).
SERVER_URL = os.environ.get("QDRANT_URL")
SERVER_API_KEY = os.environ.get("QDRANT_API_KEY")
STORE_MODES = [
    pytest.param("edge", id="edge"),
    pytest.param("local", id="local"),
    pytest.param("server", id="server", marks=pytest.mark.server),
]

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "policies_sample"
SAMPLE_MANIFEST = SAMPLES / "manifest.json"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own config file or COPILOT_/QDRANT_ variables."""
    for name in list(os.environ):
        if name.startswith(("COPILOT_", "QDRANT_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embedding():  # type: ignore[no-untyped-def]
    """The real embedding model, loaded once for the session."""
    from app.index.embedding import LocalEmbedding, default_model_path

    return LocalEmbedding(default_model_path())


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    from app.settings import load_settings

    return load_settings(app={"data_dir": tmp_path / "data"})


def server_store_settings(settings):  # type: ignore[no-untyped-def]
    """``settings`` pointed at the test Qdrant server, in collections of its own."""
    import uuid

    if not SERVER_URL:
        pytest.fail("the server suite needs QDRANT_URL (and QDRANT_API_KEY) of a Qdrant server")
    section = settings.store.model_copy(
        update={
            "mode": "server",
            "url": SERVER_URL,
            "api_key": SERVER_API_KEY,
            "collection": f"test_{uuid.uuid4().hex[:12]}",
        }
    )
    return settings.model_copy(update={"store": section})


def store_mode(settings, mode: str):  # type: ignore[no-untyped-def]
    """``settings`` with the embedded store ``mode`` (edge or local)."""
    section = settings.store.model_copy(update={"mode": mode})
    changed = settings.model_copy(update={"store": section})
    changed.__dict__.pop("store_path", None)  # recomputed for the new mode
    return changed


def drop_collections(store) -> None:  # type: ignore[no-untyped-def]
    client = store.engine.client
    for name in (store.collection, store.catalog):
        if client.collection_exists(name):
            client.delete_collection(name)


@pytest.fixture(params=STORE_MODES)
def store(request: pytest.FixtureRequest, settings, embedding) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """An empty index, in each store mode: the same contract tests run against all."""
    from app.factory import open_store

    if request.param == "server":
        settings = server_store_settings(settings)
    else:
        settings = store_mode(settings, request.param)
    opened = open_store(settings, embedding.dimension)
    yield opened
    if request.param == "server":
        drop_collections(opened)
    opened.close()


@pytest.fixture(scope="session")
def sample_entries():  # type: ignore[no-untyped-def]
    from ingest.manifest import load_manifest

    return load_manifest(SAMPLE_MANIFEST)
