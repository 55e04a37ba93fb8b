"""Two writers on one index: conditional commits on the catalog record mean exactly one
wins a race, the other re-reads and carries on (or fails cleanly), and nothing staged or
duplicated is left behind. The second writer is injected at the worst moment: after the
first has read the record and staged its points, before it commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient

from app.errors import VersionConflictError
from app.index.edge import EdgeEngine
from app.index.engine import ClientEngine, Engine, StoredPoint
from app.index.store import PolicyStore
from app.models import Chunk, DocumentMeta, FileOutcome, Status
from tests.conftest import SERVER_API_KEY, SERVER_URL, STORE_MODES

DIM = 8


@dataclass
class Index:
    engine: Engine
    name: str


@pytest.fixture(params=STORE_MODES)
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Index]:
    """One index two stores write to: in memory for qdrant-client's local mode (the race is
    what is tested, not the disk), one Edge engine shared by both, or collections of their
    own on the test Qdrant server."""
    engine: Engine
    if request.param == "server":
        if not SERVER_URL:
            pytest.fail("the server suite needs QDRANT_URL of a Qdrant server")
        engine = ClientEngine(QdrantClient(url=SERVER_URL, api_key=SERVER_API_KEY), server=True)
        name = f"race_{uuid.uuid4().hex[:12]}"
    elif request.param == "edge":
        engine, name = EdgeEngine(tmp_path / "edge"), "policies"
    else:
        engine, name = ClientEngine(QdrantClient(":memory:"), server=False), "policies"
    index = Index(engine, name)
    yield index
    if isinstance(engine, ClientEngine) and engine.shared:
        for collection in (index.name, f"{index.name}_catalog"):
            engine.client.delete_collection(collection)
    engine.close()


def writer(index: Index) -> PolicyStore:
    return PolicyStore(index.engine, index.name, DIM)


def meta(version: str, effective: str) -> DocumentMeta:
    return DocumentMeta(
        doc_id="guide",
        title="Guide",
        product="mortgage",
        jurisdiction="US-federal",
        doc_type="policy",
        version=version,
        effective_date=date.fromisoformat(effective),
    )


def chunks(text: str, n: int = 3) -> list[Chunk]:
    return [
        Chunk(
            ordinal=i,
            section_id=f"{i + 1}",
            section_title="Section",
            section_path=(f"{i + 1} Section",),
            text=f"{text} part {i}.",
            embed_text=f"{text} part {i}.",
            token_count=5,
            page_start=1,
            page_end=1,
            page_label_start="1",
            page_label_end="1",
            kind="text",
        )
        for i in range(n)
    ]


def add(store: PolicyStore, version: str, effective: str, sha: str, text: str):  # type: ignore[no-untyped-def]
    parts = chunks(text)
    vectors = np.random.default_rng(len(sha)).normal(size=(len(parts), DIM)).astype(np.float32)
    return store.add_version(
        meta(version, effective),
        file_name=f"{sha}.pdf",
        sha256=sha,
        pages=1,
        chunks=parts,
        vectors=vectors,
    )


def interleave(store: PolicyStore, action) -> None:  # type: ignore[no-untyped-def]
    """Run ``action`` once, right after ``store`` stages its points (before it commits)."""
    original = store._upsert_chunks

    def staged_then_other(*args, **kwargs):  # type: ignore[no-untyped-def]
        original(*args, **kwargs)
        store._upsert_chunks = original  # type: ignore[method-assign]
        action()

    store._upsert_chunks = staged_then_other  # type: ignore[method-assign]


def statuses(index: Index) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for p in index.engine.collection(index.name).points():
        payload = p.payload
        found.setdefault((payload["version"], payload["sha256"]), []).append(payload["status"])
    return {k: sorted(v) for k, v in found.items()}


def test_two_new_versions_at_once_both_land_and_one_is_current(shared: Index) -> None:
    a, b = writer(shared), writer(shared)
    add(a, "1.0", "2025-01-01", "sha-1", "first")
    interleave(a, lambda: add(b, "3.0", "2026-06-01", "sha-3", "third"))
    outcome, stored, previous = add(a, "2.0", "2026-01-01", "sha-2", "second")

    record = a.document("guide")
    assert record is not None and not record.pending
    assert {v.meta.version: v.status for v in record.versions} == {
        "1.0": Status.SUPERSEDED,
        "2.0": Status.SUPERSEDED,  # filed after 3.0 committed, but older
        "3.0": Status.CURRENT,
    }
    assert outcome is FileOutcome.NEW and previous == "3.0"
    assert stored.status is Status.SUPERSEDED
    assert statuses(shared) == {
        ("1.0", "sha-1"): ["superseded"] * 3,
        ("2.0", "sha-2"): ["superseded"] * 3,
        ("3.0", "sha-3"): ["current"] * 3,
    }
    assert record.revision >= 4


def test_same_version_with_different_content_loses_cleanly(shared: Index) -> None:
    a, b = writer(shared), writer(shared)
    add(a, "1.0", "2025-01-01", "sha-1", "first")
    interleave(a, lambda: add(b, "2.0", "2026-01-01", "sha-b", "bee's text"))
    with pytest.raises(VersionConflictError, match=r"version 2\.0 is already in the index"):
        add(a, "2.0", "2026-01-01", "sha-a", "ay's text")
    assert statuses(shared) == {
        ("1.0", "sha-1"): ["superseded"] * 3,
        ("2.0", "sha-b"): ["current"] * 3,  # the winner's points, untouched
    }


def test_same_file_twice_at_once_is_unchanged_and_stays_visible(shared: Index) -> None:
    a, b = writer(shared), writer(shared)
    interleave(a, lambda: add(b, "1.0", "2025-01-01", "sha-1", "first"))
    outcome, stored, _ = add(a, "1.0", "2025-01-01", "sha-1", "first")
    assert outcome is FileOutcome.UNCHANGED and stored.status is Status.CURRENT
    # Both wrote the same points; none may be left staged (invisible to questions).
    assert statuses(shared) == {("1.0", "sha-1"): ["current"] * 3}


def test_retire_racing_an_ingest_keeps_both_changes(shared: Index) -> None:
    a, b = writer(shared), writer(shared)
    add(a, "1.0", "2025-01-01", "sha-1", "first")
    interleave(a, lambda: b.retire("guide"))
    add(a, "2.0", "2026-01-01", "sha-2", "second")
    record = a.document("guide")
    assert record is not None
    # The retire committed first; the new version then reinstated the document.
    assert not record.retired and record.current is not None
    assert record.current.meta.version == "2.0"


def test_recover_leaves_a_recent_ingest_in_progress_alone(shared: Index) -> None:
    a = writer(shared)
    add(a, "1.0", "2025-01-01", "sha-1", "first")
    fresh = datetime.now(UTC)
    a._upsert_chunks(
        meta("2.0", "2026-01-01"), "x.pdf", "sha-2", chunks("x"), np.ones((3, DIM)), fresh
    )
    old = fresh - timedelta(hours=2)
    a._upsert_chunks(
        meta("9.0", "2026-01-01"), "y.pdf", "sha-9", chunks("y"), np.ones((3, DIM)), old
    )

    repaired = a.recover(stale_after=timedelta(hours=1))
    assert repaired == ["removed the unfinished ingest of guide version 9.0"]
    assert ("2.0", "sha-2") in statuses(shared)  # someone may still be committing it
    assert ("9.0", "sha-9") not in statuses(shared)

    a.recover()  # local mode: no one else can be mid-ingest
    assert set(statuses(shared)) == {("1.0", "sha-1")}


def test_a_record_written_before_revisions_can_still_be_changed(shared: Index) -> None:
    a = writer(shared)
    add(a, "1.0", "2025-01-01", "sha-1", "first")
    record = a.document("guide")
    assert record is not None
    legacy = record.model_dump(mode="json")
    del legacy["revision"], legacy["writer"]
    (stored,) = a.records.points()
    a.records.upsert([StoredPoint(id=stored.id, payload=legacy)])  # the whole payload
    outcome, _, previous = add(a, "2.0", "2026-01-01", "sha-2", "second")
    assert outcome is FileOutcome.REPLACED and previous == "1.0"
    updated = a.document("guide")
    assert updated is not None and updated.revision >= 1
