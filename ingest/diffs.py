"""Version diffs kept with the library: computed when a new version replaces one, stored
beside the kept files (``<data_dir>/library/diffs/<doc_id>/<from>..<to>.json``), and read
back (or computed, for any two kept versions) by ``copilot diff`` and the app. The sections
compared are those kept when each version was ingested (:mod:`ingest.kept`); a version
ingested without them is parsed again from its kept file.

A diff is written whole or not at all (a temporary file renamed into place), after the new
version is committed; a crash in between leaves no diff, and the next request computes it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from app.errors import DocumentError
from app.index.store import PolicyStore
from app.models import DocumentRecord, DocumentVersion, FileOutcome, FileResult, Section
from app.settings import Settings
from ingest.diff import VersionDiff, diff
from ingest.kept import kept_sections, source_folder, source_path
from ingest.paragraphs import forget_parsed
from ingest.parse import parse
from ingest.sections import segment

log = logging.getLogger(__name__)


def version_diff(
    store: PolicyStore,
    settings: Settings,
    doc_id: str,
    from_version: str | None = None,
    to_version: str | None = None,
) -> VersionDiff:
    """The diff between two kept versions of ``doc_id``: by default the current version (or
    the newest) against the one before it. Raises :class:`DocumentError` when the document,
    a version or its kept file is missing."""
    record = store.document(doc_id.strip().lower())
    if record is None:
        raise DocumentError(f"no document {doc_id!r}; see `copilot docs`")
    new = _version(record, to_version) if to_version else _default_to(record)
    old = _version(record, from_version) if from_version else _before(record, new)
    if old.meta.version == new.meta.version:
        raise DocumentError(f"{doc_id}: compare two different versions")
    path = _path(settings, record.doc_id, old.meta.version, new.meta.version)
    stored = _load(path)
    if stored is not None:
        return stored
    made = diff(
        _sections(settings, record.doc_id, old),
        _sections(settings, record.doc_id, new),
        doc_id=record.doc_id,
        from_version=old.meta.version,
        to_version=new.meta.version,
    )
    _save(path, made)
    return made


def keep_diff(
    store: PolicyStore, settings: Settings, doc_id: str, previous: str, current: str
) -> VersionDiff | None:
    """After ``current`` replaced ``previous``: compute and store their diff. A failure is
    logged, never raised: the new version is already in."""
    try:
        return version_diff(store, settings, doc_id, previous, current)
    except (DocumentError, OSError) as exc:
        log.warning("no diff of %s %s -> %s: %s", doc_id, previous, current, exc)
        return None


def keep_diffs(
    results: Sequence[FileResult], store: PolicyStore, settings: Settings
) -> list[VersionDiff]:
    """The diff of every version in ``results`` that replaced another, computed and kept.
    The paragraphs that ingestion kept for it are dropped after."""
    made = []
    try:
        for result in results:
            if result.outcome is FileOutcome.REPLACED and result.doc_id and result.previous_version:
                kept = keep_diff(
                    store, settings, result.doc_id, result.previous_version, str(result.version)
                )
                if kept is not None:
                    made.append(kept)
    finally:
        forget_parsed()
    return made


def forget_diffs(settings: Settings, doc_id: str) -> None:
    """Remove the stored diffs of a purged document."""
    folder = _folder(settings) / doc_id
    for path in folder.glob("*.json") if folder.is_dir() else ():
        path.unlink(missing_ok=True)
    for empty in (folder, folder.parent):
        with contextlib.suppress(OSError):  # not there, or still holding something
            empty.rmdir()


def _version(record: DocumentRecord, version: str) -> DocumentVersion:
    found = record.version(version.strip())
    if found is None:
        known = ", ".join(v.meta.version for v in record.versions)
        raise DocumentError(f"{record.doc_id} has no version {version!r} (it has {known})")
    return found


def _ordered(record: DocumentRecord) -> list[DocumentVersion]:
    return sorted(record.versions, key=lambda v: (v.meta.effective_date, v.ingested_at))


def _default_to(record: DocumentRecord) -> DocumentVersion:
    return record.current or _ordered(record)[-1]


def _before(record: DocumentRecord, new: DocumentVersion) -> DocumentVersion:
    ordered = _ordered(record)
    earlier = ordered[: ordered.index(new)]
    if not earlier:
        raise DocumentError(
            f"{record.doc_id} {new.meta.version} has no earlier version to compare with"
        )
    return earlier[-1]


def _sections(settings: Settings, doc_id: str, version: DocumentVersion) -> Sequence[Section]:
    """The version's sections as kept at ingestion, or parsed again from its kept file."""
    kept = kept_sections(settings, version.sha256, version.file_name)
    if kept is not None:
        return kept
    path = source_path(settings, version.sha256, version.file_name)
    if not path.is_file():
        raise DocumentError(
            f"{doc_id} {version.meta.version}: its file {version.file_name} is not kept in the "
            "library, so it cannot be compared; ingest that version again"
        )
    return segment(parse(path))


def _folder(settings: Settings) -> Path:
    return source_folder(settings) / "diffs"


def _path(settings: Settings, doc_id: str, old: str, new: str) -> Path:
    return _folder(settings) / doc_id / f"{_safe(old)}..{_safe(new)}.json"


def _safe(version: str) -> str:
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in version)[:64]


def _load(path: Path) -> VersionDiff | None:
    try:
        return VersionDiff.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError) as exc:  # unreadable: computed again and rewritten
        log.warning("stored diff %s is unreadable (%s); computing it again", path.name, exc)
        return None


def _save(path: Path, made: VersionDiff) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(".diff-*.tmp"):  # left by a process killed while writing
        stale.unlink(missing_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".diff-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(made.model_dump_json(indent=1).encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
