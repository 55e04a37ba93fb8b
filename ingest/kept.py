"""What the library keeps beside the index, per file content (its SHA-256):

- the file itself, ``<data_dir>/library/<sha256>/<file name>``, so a citation can open it;
- its sections as parsed, ``<data_dir>/library/sections/<sha256>.json``, so comparing two
  versions (:mod:`ingest.diffs`) reads them back instead of parsing both files again.

Both are written whole or not at all (a temporary file renamed into place). Kept sections
are named by the file's content and what it is parsed as (PDF, Markdown, text), and carry a
tag of the parser that made them (the parsing code's source, pypdf's version, the Unicode
tables): sections from another parser, of other content, or unreadable are not used, the
file is parsed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import tempfile
import unicodedata
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from pydantic import TypeAdapter

from app.models import Section
from app.settings import Settings
from ingest.parse import MARKDOWN_SUFFIXES, PDF_SUFFIXES

log = logging.getLogger(__name__)

_SECTIONS = TypeAdapter(tuple[Section, ...])
_PARSER_SOURCES = (
    *(
        Path(__file__).parent / f"{name}.py"
        for name in ("parse", "clean", "decode", "sections", "tables")
    ),
    *(Path(__file__).parent.parent / "app" / f"{name}.py" for name in ("text", "tabular")),
)
_TEMPORARY = ".sections-"
_MAX_KEPT_BYTES = 256_000_000
"""Larger kept sections are not read (the largest file ingested is 100 MB by default)."""


def source_folder(settings: Settings) -> Path:
    """Where the library keeps ingested files, one folder per content hash."""
    return settings.app.data_dir / "library"


def source_path(settings: Settings, sha256: str, file_name: str) -> Path:
    """Where the library keeps the file with this content, so a citation can open it."""
    return source_folder(settings) / sha256 / Path(file_name).name


def write_source(target: Path, content: bytes | Path, *, prefix: str = "tmp") -> None:
    """Write ``content`` (bytes, or a file to copy) to ``target`` atomically: into a
    temporary file beside it (named ``prefix...``), then renamed, so a reader never sees
    half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=prefix, delete=False) as handle:
        temporary = Path(handle.name)
        try:
            if isinstance(content, Path):
                with content.open("rb") as source:
                    shutil.copyfileobj(source, handle)
            else:
                handle.write(content)
        except BaseException:
            handle.close()
            temporary.unlink(missing_ok=True)
            raise
    try:
        temporary.replace(target)
    except BaseException:  # e.g. a name the file system refuses: leave nothing behind
        temporary.unlink(missing_ok=True)
        raise


def keep_source(path: Path, sha256: str, settings: Settings) -> None:
    """Keep a copy of an ingested file in the library folder (once; the name is the file's)."""
    target = source_path(settings, sha256, path.name)
    if target.exists() or path.resolve() == target.resolve():
        return
    try:
        write_source(target, path)
    except OSError as exc:  # the index is already committed; the link is a convenience
        log.warning("could not keep a copy of %s for citations: %s", path.name, exc)


def _tag() -> str:
    digest = hashlib.sha256(f"{metadata.version('pypdf')} {unicodedata.unidata_version}".encode())
    for source in _PARSER_SOURCES:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


try:
    _PARSER_TAG = _tag()  # of the code this process runs, read when it starts
except (OSError, metadata.PackageNotFoundError) as exc:  # sources not beside the modules
    log.info("parsed sections are not kept: the parser cannot be named (%s)", exc)
    _PARSER_TAG = ""


def parser_tag() -> str:
    """Names the parser: a digest of the parsing modules' source, pypdf's version and the
    Unicode tables (empty when they cannot be read: then nothing is kept or read back)."""
    return _PARSER_TAG


def _kind(file_name: str) -> str:
    """What a file is parsed as (the same bytes read as Markdown and as text differ)."""
    suffix = Path(file_name).suffix.lower()
    for kind, suffixes in (("pdf", PDF_SUFFIXES), ("markdown", MARKDOWN_SUFFIXES)):
        if suffix in suffixes:
            return kind
    return "text"


def sections_path(settings: Settings, sha256: str, file_name: str) -> Path:
    return source_folder(settings) / "sections" / f"{sha256}.{_kind(file_name)}.json"


def keep_sections(
    settings: Settings, sha256: str, file_name: str, sections: Sequence[Section]
) -> None:
    """Keep a file's parsed sections. A failure is logged, never raised: they are only a
    shortcut, and the version they belong to is already in."""
    if not parser_tag():
        return
    path = sections_path(settings, sha256, file_name)
    try:
        body = {
            "parser": parser_tag(),
            "sha256": sha256,
            "kind": _kind(file_name),
            "sections": _SECTIONS.dump_python(tuple(sections), mode="json"),
        }
        write_source(path, json.dumps(body).encode("utf-8"), prefix=_TEMPORARY)
    except Exception as exc:
        log.warning("could not keep the parsed sections of %s: %s", file_name, exc)


def kept_sections(settings: Settings, sha256: str, file_name: str) -> tuple[Section, ...] | None:
    """A file's kept sections; None when none are kept, or they are unreadable, too large,
    from another parser, or of other content."""
    if not parser_tag():
        return None
    path = sections_path(settings, sha256, file_name)
    try:
        if path.stat().st_size > _MAX_KEPT_BYTES:
            raise ValueError(f"over {_MAX_KEPT_BYTES:,} bytes")
        body = json.loads(path.read_bytes())
        if not isinstance(body, dict) or (
            body.get("parser"),
            body.get("sha256"),
            body.get("kind"),
        ) != (parser_tag(), sha256, _kind(file_name)):
            return None
        return _SECTIONS.validate_python(body.get("sections"))
    except FileNotFoundError:
        return None
    except Exception as exc:  # unreadable, hostile, too deep: the file is parsed instead
        log.warning("kept sections of %s are unusable (%s); parsing the file", file_name, exc)
        return None


def forget(settings: Settings, sha256: str) -> None:
    """Remove the file with this content and its kept sections (and any half-written
    sections a killed process left)."""
    shutil.rmtree(source_folder(settings) / sha256, ignore_errors=True)
    folder = source_folder(settings) / "sections"
    if not folder.is_dir():
        return
    for path in [*folder.glob(f"{sha256}.*.json"), *folder.glob(f"{_TEMPORARY}*")]:
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # still holding another file's
        folder.rmdir()
