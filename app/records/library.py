"""The policy library as compliance staff manage it: upload, retire, purge, inspect.

Uploaded files are kept under ``<data_dir>/library/<sha256>/<file name>``, so a citation
can open the exact file it came from. Every change checks the user's role here. The command
line and the web app both change the library through this service.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.errors import DocumentError
from app.index.store import PolicyStore
from app.models import DocumentRecord, FileOutcome, FileResult, User
from app.records.affected import AffectedAnswer, Records, affected_answers
from app.records.auth import require
from app.records.conflicts import Conflict, conflicts
from app.settings import Settings
from app.text import strip_control
from ingest.diff import VersionDiff
from ingest.diffs import forget_diffs, keep_diffs, version_diff
from ingest.kept import forget, source_folder
from ingest.pipeline import Embedder

MAX_NAME_CHARS = 150
MAX_NAME_BYTES = 200
"""An upload's stored name is cut to these (its extension kept): file systems hold 255 bytes."""


def upload_name(file_name: str) -> str:
    """The name an upload is stored and reported under: its last path part, without control
    characters, at most ``MAX_NAME_CHARS`` characters and ``MAX_NAME_BYTES`` bytes in UTF-8."""
    name = strip_control(" ".join(file_name.split())).replace("\\", "/").rsplit("/", 1)[-1]
    name = name.strip()
    if not name or name.startswith("."):
        raise DocumentError(f"{file_name[:80]!r} is not a usable file name; rename the file")
    suffix = Path(name).suffix if len(Path(name).suffix) <= 16 else ""
    stem = name[: len(name) - len(suffix)][: MAX_NAME_CHARS - len(suffix)]
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem.rstrip() + suffix


class PolicyLibrary:
    def __init__(self, settings: Settings, store: PolicyStore, embedding: Embedder) -> None:
        self._settings = settings
        self._store = store
        self._embedding = embedding
        self.folder = source_folder(settings)

    def documents(self) -> list[DocumentRecord]:
        return self._store.documents()

    def document(self, doc_id: str) -> DocumentRecord | None:
        return self._store.document(doc_id)

    def chunks(self, doc_id: str, version: str | None = None) -> list[dict[str, Any]]:
        return self._store.chunks(doc_id, version)

    def source(self, sha256: str) -> Path | None:
        """The stored file with this content, if it was uploaded here."""
        folder = self.folder / sha256
        files = sorted(folder.iterdir()) if folder.is_dir() else []
        return files[0] if files else None

    def add(
        self, user: User, file_name: str, content: bytes, fields: Mapping[str, Any]
    ) -> FileResult:
        """Ingest one uploaded file with its metadata; the file is kept only if it went in.
        The name is made safe (:func:`upload_name`) before anything is written."""
        from ingest.kept import source_path, write_source
        from ingest.manifest import ManifestEntry
        from ingest.pipeline import ingest_file

        require(user, "compliance", "uploading policy documents")
        name = upload_name(file_name)
        sha = hashlib.sha256(content).hexdigest()
        target = source_path(self._settings, sha, name)
        kept = target.exists()
        try:
            if not kept:
                write_source(target, content)
            result = ingest_file(
                ManifestEntry(path=target, fields=dict(fields)),
                store=self._store,
                embedding=self._embedding,
                settings=self._settings,
            )
        except OSError as exc:
            self._discard(target, kept)
            raise DocumentError(f"{name}: could not be stored ({exc.strerror})") from exc
        except BaseException:
            self._discard(target, kept)
            raise
        if result.outcome is FileOutcome.FAILED:
            self._discard(target, kept)
        keep_diffs([result], self._store, self._settings)
        return result.model_copy(update={"path": Path(name)})

    def affected(
        self, user: User, trail: Records, made: VersionDiff, days: int | None = None
    ) -> list[AffectedAnswer]:
        """The audited answers of the last ``days`` days (``audit.affected_days``) that quoted
        a passage ``made`` changed; compliance only (see :mod:`app.records.affected`)."""
        days = days or self._settings.audit.affected_days
        return affected_answers(user, trail, self._store, made, days=days)

    def conflicts(
        self, *, product: str | None = None, jurisdiction: str | None = None
    ) -> list[Conflict]:
        """Current documents that give different figures for the same rule."""
        return conflicts(self._store, product=product, jurisdiction=jurisdiction)

    def diff(
        self, doc_id: str, from_version: str | None = None, to_version: str | None = None
    ) -> VersionDiff:
        """What changed between two versions (by default the current one and the one it
        replaced); see :mod:`ingest.diffs`."""
        return version_diff(self._store, self._settings, doc_id, from_version, to_version)

    @staticmethod
    def _discard(target: Path, kept: bool) -> None:
        """Remove an upload written for a change that failed (and its folder once empty);
        the same content kept under another name stays."""
        if kept:
            return
        target.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            target.parent.rmdir()

    def seed(self, manifest: Path) -> list[FileResult]:
        """First start: ingest the files a manifest lists when the library is empty.
        Returns the results (none when the library already holds documents)."""
        from ingest.manifest import load_manifest
        from ingest.pipeline import ingest

        if self._store.documents():
            return []
        results = ingest(
            load_manifest(manifest),
            store=self._store,
            embedding=self._embedding,
            settings=self._settings,
        )
        keep_diffs(results, self._store, self._settings)
        return results

    def retire(self, user: User, doc_id: str) -> DocumentRecord:
        require(user, "compliance", "retiring documents")
        return self._store.retire(doc_id)

    def purge(self, user: User, doc_id: str) -> int:
        """Delete a document, all its versions and the files uploaded for them."""
        require(user, "compliance", "purging documents")
        record = self._store.document(doc_id)
        removed = self._store.purge(doc_id)
        forget_diffs(self._settings, doc_id.strip().lower())
        for version in record.versions if record else ():
            still_used = any(
                v.sha256 == version.sha256 for r in self._store.documents() for v in r.versions
            )
            if not still_used:
                forget(self._settings, version.sha256)
        return removed
