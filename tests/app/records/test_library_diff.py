"""A new version's diff is kept with it: computed when it replaces the old one, read back by
``copilot diff``, never half written, and removed with the document."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.cli import main
from app.errors import DocumentError
from app.factory import open_store
from app.models import AuditRecord, FileOutcome, Filters, Status
from app.records.affected import affected_answers, write_csv
from app.records.audit import open_trail
from app.records.auth import PermissionDeniedError
from app.records.library import PolicyLibrary
from ingest import diffs
from tests.app.records.test_library import COMPLIANCE, UNDERWRITER, guide

DOC = "mortgage-underwriting-guide"


def stored_diffs(library: PolicyLibrary) -> list[Path]:
    return sorted((library.folder / "diffs").rglob("*.json"))


def test_a_new_version_keeps_its_diff_and_purge_removes_it(library: PolicyLibrary) -> None:
    for version in ("1.0", "2.0"):
        content, fields = guide(version)
        library.add(COMPLIANCE, f"guide-{version}.pdf", content, fields)
    (kept,) = stored_diffs(library)
    assert kept.name == "1.0..2.0.json" and kept.stat().st_mode & 0o077 == 0
    made = library.diff(DOC)
    assert (made.from_version, made.to_version) == ("1.0", "2.0")
    assert ("6 months", "12 months") in {(f.before, f.after) for f in made.figures}
    assert json.loads(kept.read_text())["changes"] == json.loads(made.model_dump_json())["changes"]

    library.purge(COMPLIANCE, DOC)
    assert stored_diffs(library) == [] and not any(library.folder.iterdir())


def test_a_diff_that_fails_to_write_leaves_no_half_diff_and_the_new_version_current(
    library: PolicyLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    content, fields = guide("1.0")
    library.add(COMPLIANCE, "guide-1.0.pdf", content, fields)

    class FullDisk:
        """``os`` for the diff writer, with the disk full at the rename."""

        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

        @staticmethod
        def replace(*args: object) -> None:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(diffs, "os", FullDisk())
    content, fields = guide("2.0")
    result = library.add(COMPLIANCE, "guide-2.0.pdf", content, fields)
    assert result.outcome is FileOutcome.REPLACED
    record = library.document(DOC)
    assert record is not None and record.current is not None
    assert record.current.meta.version == "2.0"
    assert {v.meta.version: v.status for v in record.versions}["1.0"] is Status.SUPERSEDED
    assert list((library.folder / "diffs").rglob("*")) == [library.folder / "diffs" / DOC]

    monkeypatch.undo()
    assert library.diff(DOC).count("changed") > 0  # computed on request, then kept
    assert [p.name for p in stored_diffs(library)] == ["1.0..2.0.json"]


def test_unknown_documents_and_versions_are_refused_clearly(library: PolicyLibrary) -> None:
    with pytest.raises(DocumentError, match="no document 'nope'"):
        library.diff("nope")
    content, fields = guide("1.0")
    library.add(COMPLIANCE, "guide-1.0.pdf", content, fields)
    with pytest.raises(DocumentError, match="no earlier version"):
        library.diff(DOC)
    with pytest.raises(DocumentError, match=r"has no version '9' \(it has 1.0\)"):
        library.diff(DOC, "9")


def test_copilot_ingest_reports_the_diff_and_copilot_diff_prints_it(
    settings,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COPILOT_APP__DATA_DIR", str(settings.app.data_dir))
    for version in ("1.0", "2.0"):
        _, fields = guide(version)
        path = Path(__file__).parents[3] / "policies_sample" / "pdf"
        name = (
            "mortgage-underwriting-guide-v1.pdf"
            if version == "1.0"
            else ("mortgage-underwriting-guide-v2.pdf")
        )
        args = [f"--{k.replace('_', '-')}={v}" for k, v in fields.items()]
        assert main(["ingest", str(path / name), "--no-progress", *args]) == 0
    out = capsys.readouterr().out
    assert f"{DOC} 1.0 -> 2.0: " in out and f"copilot diff {DOC}" in out

    assert main(["diff", DOC]) == 0
    text = capsys.readouterr().out
    assert "Figures changed:" in text
    assert "6 months -> 12 months" in text
    assert main(["diff", DOC, "--from", "2.0", "--to", "1.0", "--json"]) == 0
    backwards = json.loads(capsys.readouterr().out)
    assert ("12 months", "6 months") in {
        (f["before"], f["after"]) for c in backwards["changes"] for f in c["figures"]
    }
    assert main(["diff", DOC, "--from", "3.0"]) == 2
    assert "has no version '3.0'" in capsys.readouterr().err


KILLED_WHILE_WRITING = """
import os, sys, time
from app.factory import build_embedding, open_store
from app.records.library import PolicyLibrary
from app.settings import load_settings
from ingest import diffs
from tests.app.records.test_library import COMPLIANCE, UNDERWRITER, guide

settings = load_settings(app={"data_dir": sys.argv[1]})
embedding = build_embedding(settings)
library = PolicyLibrary(settings, open_store(settings, embedding.dimension), embedding)
content, fields = guide("1.0")
library.add(COMPLIANCE, "guide-1.0.pdf", content, fields)

class HalfWritten:
    def __getattr__(self, name):
        return getattr(os, name)

    @staticmethod
    def fdopen(handle, mode):
        out = os.fdopen(handle, mode)
        real_write = out.write
        def write(data):
            real_write(data[: len(data) // 2])
            out.flush()
            print("ready", flush=True)
            time.sleep(600)  # killed here
        out.write = write
        return out

diffs.os = HalfWritten()
content, fields = guide("2.0")
library.add(COMPLIANCE, "guide-2.0.pdf", content, fields)
"""


@pytest.mark.slow
def test_a_process_killed_while_writing_the_diff_leaves_no_half_diff(
    settings,  # type: ignore[no-untyped-def]
    embedding,  # type: ignore[no-untyped-def]
) -> None:
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT

    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_WHILE_WRITING, str(settings.app.data_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    folder = settings.app.data_dir / "library" / "diffs" / DOC
    assert [p.suffix for p in folder.iterdir()] == [".tmp"]  # half a diff, never a .json
    store = open_store(settings, embedding.dimension)
    try:
        library = PolicyLibrary(settings, store, embedding)
        record = library.document(DOC)
        assert record is not None and record.current is not None
        assert record.current.meta.version == "2.0"  # committed before the diff was written
        assert library.diff(DOC).count("changed") > 0
        assert [p.name for p in folder.iterdir()] == ["1.0..2.0.json"]
    finally:
        store.close()


def asked(question: str, point: str, when: datetime, section_id: str) -> AuditRecord:
    return AuditRecord(
        created_at=when,
        user="ben",
        role="underwriter",
        question=question,
        filters=Filters(),
        answer="...",
        backend="extractive",
        model="test",
        citations=(
            {
                "marker": 1,
                "point_id": point,
                "doc_id": DOC,
                "version": "1.0",
                "section_id": section_id,
                "page": 5,
            },
        ),
    )


def test_answers_that_cited_a_changed_passage_are_listed_for_compliance(
    library: PolicyLibrary,
    settings,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    content, fields = guide("1.0")
    library.add(COMPLIANCE, "guide-1.0.pdf", content, fields)
    texts = library._store.chunk_texts(DOC, "1.0")
    reserves = next(p for p, t in texts.items() if "investment): 6 months" in t)
    # An answer from a section 2.0 left as it was (appraisals) is not listed.
    scope = next(p for p, t in texts.items() if "appraisal" in t.lower() and "6 months" not in t)
    assert reserves != scope
    now = datetime.now(UTC)
    with open_trail(settings) as trail:
        trail.record(asked("=HYPERLINK(reserves)", reserves, now - timedelta(days=3), "B3-4.1-01"))
        trail.record(asked("reserves, long ago", reserves, now - timedelta(days=400), "B3-4.1-01"))
        trail.record(
            asked("when is an appraisal needed", scope, now - timedelta(days=1), "B4-1.1-01")
        )
    content, fields = guide("2.0")
    library.add(COMPLIANCE, "guide-2.0.pdf", content, fields)
    made = library.diff(DOC)

    with open_trail(settings) as trail:
        rows = affected_answers(COMPLIANCE, trail, library._store, made, days=90)
        with pytest.raises(PermissionDeniedError):
            affected_answers(UNDERWRITER, trail, library._store, made, days=90)
    assert len(rows) == 1, [(r.question, r.changes) for r in rows]
    (row,) = rows
    assert (row.question, row.section_id, row.marker) == ("=HYPERLINK(reserves)", "B3-4.1-01", 1)
    assert row.changes == (
        "changed: Two- to four-unit property (primary residence or investment): 6 months. -> "
        "Two- to four-unit property (primary residence or investment): 12 months. "
        "(6 months -> 12 months)",
    )
    out = tmp_path / "affected.csv"
    write_csv(rows, out)
    lines = out.read_text().splitlines()
    assert lines[0].startswith("audit_id,created_at,user,question")
    assert ",'=HYPERLINK(reserves)," in lines[1]  # not run as a formula in a spreadsheet
