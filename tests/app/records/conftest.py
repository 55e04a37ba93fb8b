"""The policy library over a real embedded index, for the records tests."""

from __future__ import annotations

import pytest

from app.factory import open_store
from app.records.library import PolicyLibrary


@pytest.fixture
def library(settings, embedding):  # type: ignore[no-untyped-def]
    store = open_store(settings, embedding.dimension)
    yield PolicyLibrary(settings, store, embedding)
    store.close()
