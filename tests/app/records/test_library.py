"""Compliance staff managing the library through the service, with role checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models import FileOutcome, Status, User
from app.records.auth import PermissionDeniedError
from app.records.library import PolicyLibrary
from tests.conftest import SAMPLE_MANIFEST

COMPLIANCE = User(name="ana", role="compliance")
UNDERWRITER = User(name="ben", role="underwriter")


def guide(version: str) -> tuple[bytes, dict[str, str]]:
    import json

    manifest = json.loads(SAMPLE_MANIFEST.read_text())
    entry = next(
        d
        for d in manifest["documents"]
        if d["doc_id"] == "mortgage-underwriting-guide" and d["version"] == version
    )
    fields = {k: v for k, v in entry.items() if k != "file"}
    return (SAMPLE_MANIFEST.parent / entry["file"]).read_bytes(), fields


def test_upload_replace_retire_and_purge(library: PolicyLibrary) -> None:
    v1, fields1 = guide("1.0")
    first = library.add(COMPLIANCE, "guide-v1.pdf", v1, fields1)
    assert (first.outcome, first.path) == (FileOutcome.NEW, Path("guide-v1.pdf"))
    record = library.document("mortgage-underwriting-guide")
    assert record is not None and record.versions[0].file_name == "guide-v1.pdf"
    stored = library.source(record.versions[0].sha256)
    assert stored is not None and stored.read_bytes() == v1

    assert library.add(COMPLIANCE, "guide-v1.pdf", v1, fields1).outcome is FileOutcome.UNCHANGED
    v2, fields2 = guide("2.0")
    second = library.add(COMPLIANCE, "guide-v2.pdf", v2, fields2)
    assert (second.outcome, second.previous_version) == (FileOutcome.REPLACED, "1.0")

    retired = library.retire(COMPLIANCE, "mortgage-underwriting-guide")
    assert {v.status for v in retired.versions} == {Status.RETIRED}
    assert library.purge(COMPLIANCE, "mortgage-underwriting-guide") == first.chunks + second.chunks
    assert library.documents() == [] and not any(library.folder.iterdir())


def test_underwriters_cannot_change_the_library(library: PolicyLibrary) -> None:
    v1, fields = guide("1.0")
    with pytest.raises(
        PermissionDeniedError, match="uploading policy documents is for compliance staff"
    ):
        library.add(UNDERWRITER, "guide.pdf", v1, fields)
    library.add(COMPLIANCE, "guide.pdf", v1, fields)
    for action in (library.retire, library.purge):
        with pytest.raises(PermissionDeniedError):
            action(UNDERWRITER, "mortgage-underwriting-guide")
    assert library.document("mortgage-underwriting-guide") is not None


def test_a_failed_upload_keeps_no_file(library: PolicyLibrary) -> None:
    _, fields = guide("1.0")
    result = library.add(COMPLIANCE, "broken.pdf", b"%PDF-1.7\nbroken", fields)
    assert result.outcome is FileOutcome.FAILED and "truncated" in (result.reason or "")
    assert not library.folder.exists() or not any(library.folder.iterdir())


def _files(library: PolicyLibrary) -> list[str]:
    """The uploaded files kept (not the sections kept with them)."""
    sections = library.folder / "sections"
    return sorted(p.name for p in library.folder.rglob("*") if p.is_file() and p.parent != sections)


def test_upload_names_are_made_safe_before_anything_is_written(library: PolicyLibrary) -> None:
    v1, fields = guide("1.0")
    long_name = "Mortgage Underwriting Guide " + "x" * 300 + ".pdf"
    first = library.add(COMPLIANCE, long_name, v1, fields)
    assert first.outcome is FileOutcome.NEW
    assert len(first.path.name) == 150 and first.path.name.endswith("xxx.pdf")
    for name, stored in [
        ("guide\x00v1.pdf", "guidev1.pdf"),
        ("guide\nv1\x1b.pdf", "guide v1.pdf"),
        ("../../etc/guide.pdf", "guide.pdf"),
        ("C:\\Users\\ana\\guide-v1.pdf", "guide-v1.pdf"),
        ("é" * 300 + ".pdf", "é" * 98 + ".pdf"),  # 200 bytes in UTF-8
    ]:
        result = library.add(COMPLIANCE, name, v1, fields)
        assert (result.outcome, result.path.name) == (FileOutcome.UNCHANGED, stored)
    assert _files(library) == sorted(
        [first.path.name, "guidev1.pdf", "guide v1.pdf", "guide.pdf", "guide-v1.pdf",
         "é" * 98 + ".pdf"]
    )  # fmt: skip


@pytest.mark.parametrize("name", ["", "\x00\x01", ".hidden.pdf", "folder/", "\u2028"])
def test_a_name_with_nothing_usable_is_refused(library: PolicyLibrary, name: str) -> None:
    from app.errors import DocumentError

    v1, fields = guide("1.0")
    with pytest.raises(DocumentError, match="is not a usable file name; rename the file"):
        library.add(COMPLIANCE, name, v1, fields)
    assert not library.folder.exists() or _files(library) == []


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    from ingest.kept import write_source

    folder = tmp_path / "library" / ("0" * 64)
    with pytest.raises(OSError):
        write_source(folder / ("x" * 300 + ".pdf"), b"%PDF-1.7 content")
    assert list(folder.iterdir()) == []


def test_a_failed_upload_keeps_the_same_content_kept_under_another_name(
    library: PolicyLibrary,
) -> None:
    v1, fields = guide("1.0")
    assert library.add(COMPLIANCE, "guide.pdf", v1, fields).outcome is FileOutcome.NEW
    refused = library.add(
        COMPLIANCE, "copy.pdf", v1, fields | {"doc_id": "copy", "jurisdiction": "ZZ"}
    )
    assert refused.outcome is FileOutcome.FAILED and "jurisdiction" in (refused.reason or "")
    assert _files(library) == ["guide.pdf"]
