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
    from app.embedding import LocalEmbedding, default_model_path

    return LocalEmbedding(default_model_path())


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    from app.settings import load_settings

    return load_settings(app={"data_dir": tmp_path / "data"})


@pytest.fixture
def store(settings, embedding) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from app.factory import open_store

    opened = open_store(settings, embedding.dimension)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def sample_entries():  # type: ignore[no-untyped-def]
    from ingest.manifest import load_manifest

    return load_manifest(SAMPLE_MANIFEST)
