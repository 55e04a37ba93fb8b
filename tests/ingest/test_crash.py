"""A real process killed (SIGKILL) at each step of replacing a document version."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.factory import open_store
from app.settings import load_settings
from tests.conftest import ROOT, SAMPLE_MANIFEST
from tests.ingest.test_pipeline import GUIDE, assert_consistent

WORKER = textwrap.dedent(
    """
    import sys, time
    from app.factory import build_embedding, open_store
    from app.settings import load_settings
    from ingest.manifest import load_manifest
    from ingest.pipeline import ingest

    data_dir, manifest, step, mode = sys.argv[1:5]
    settings = load_settings(app={"data_dir": data_dir}, store={"mode": mode})
    embedding = build_embedding(settings)
    store = open_store(settings, embedding.dimension)
    entries = {e.fields["version"]: e for e in load_manifest(manifest)
               if e.fields["doc_id"] == "mortgage-underwriting-guide"}
    ingest([entries["1.0"]], store=store, embedding=embedding, settings=settings)
    chunks, records = store.chunk_points, store.records
    upsert_chunks, upsert_record = chunks.upsert, records.upsert
    set_payload = chunks.set_payload

    def stop_here():
        print("ready", flush=True)
        time.sleep(600)  # killed here

    def chunks_hook(points, **kwargs):
        if step == "staging":
            upsert_chunks(points[:7], **kwargs)
            stop_here()
        return upsert_chunks(points, **kwargs)

    def record_hook(points, **kwargs):
        result = upsert_record(points, **kwargs)
        if step == "committed":
            stop_here()
        return result

    def set_payload_hook(*args, **kwargs):
        result = set_payload(*args, **kwargs)
        if step == "applying":
            stop_here()
        return result

    chunks.upsert, records.upsert = chunks_hook, record_hook
    chunks.set_payload = set_payload_hook
    ingest([entries["2.0"]], store=store, embedding=embedding, settings=settings)
    print("finished", flush=True)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["edge", "local"])
@pytest.mark.parametrize(
    ("step", "current"), [("staging", "1.0"), ("committed", "2.0"), ("applying", "2.0")]
)
def test_a_killed_ingest_leaves_exactly_one_current_version(
    tmp_path: Path, embedding, step: str, current: str, mode: str
) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(data_dir), str(SAMPLE_MANIFEST), step, mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=60)
    assert worker.returncode == -signal.SIGKILL

    settings = load_settings(app={"data_dir": data_dir}, store={"mode": mode})
    store = open_store(settings, embedding.dimension)
    try:
        assert_consistent(store)
        record = store.document(GUIDE)
        assert record is not None and record.current is not None
        assert record.current.meta.version == current
        expected_versions = ["1.0"] if current == "1.0" else ["1.0", "2.0"]
        assert [v.meta.version for v in record.versions] == expected_versions
    finally:
        store.close()
