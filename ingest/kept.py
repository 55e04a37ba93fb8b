"""What the library keeps beside the index, per file content (its SHA-256):

- the file itself, ``<data_dir>/library/<sha256>/<file name>``, so a citation can open it;
- its sections as parsed, ``<data_dir>/library/sections/<sha256>.json``, so comparing two
  versions (:mod:`ingest.diffs`) reads them back instead of parsing both files again.

Both are written whole or not at all (a temporary file renamed into place). Kept sections
carry a tag of the parser that made them (the parsing modules' source and pypdf's version):
sections from another parser are not used, the file is parsed again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from app.models import Section
from app.settings import Settings

log = logging.getLogger(__name__)

_SECTIONS = TypeAdapter(tuple[Section, ...])
_PARSER_MODULES = ("parse", "clean", "decode", "sections")


def source_folder(settings: Settings) -> Path:
    """Where the library keeps ingested files, one folder per content hash."""
    return settings.app.data_dir / "library"


def source_path(settings: Settings, sha256: str, file_name: str) -> Path:
    """Where the library keeps the file with this content, so a citation can open it."""
    return source_folder(settings) / sha256 / Path(file_name).name


def write_source(target: Path, content: bytes | Path) -> None:
    """Write ``content`` (bytes, or a file to copy) to ``target`` atomically: into a
    temporary file beside it, then renamed, so a reader never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
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


@functools.cache
def parser_tag() -> str:
    """Names the parser: a digest of the parsing modules' source and pypdf's version."""
    digest = hashlib.sha256(metadata.version("pypdf").encode())
    for name in _PARSER_MODULES:
        digest.update((Path(__file__).parent / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


def sections_path(settings: Settings, sha256: str) -> Path:
    return source_folder(settings) / "sections" / f"{sha256}.json"


def keep_sections(settings: Settings, sha256: str, sections: Sequence[Section]) -> None:
    """Keep a file's parsed sections. A failure is logged: they are only a shortcut."""
    body = {"parser": parser_tag(), "sections": _SECTIONS.dump_python(tuple(sections))}
    try:
        write_source(sections_path(settings, sha256), json.dumps(body).encode("utf-8"))
    except OSError as exc:
        log.warning("could not keep the parsed sections of %s: %s", sha256[:12], exc)


def kept_sections(settings: Settings, sha256: str) -> tuple[Section, ...] | None:
    """A file's kept sections; None when none are kept, unreadable, or from another parser."""
    path = sections_path(settings, sha256)
    try:
        body = json.loads(path.read_bytes())
        if not isinstance(body, dict) or body.get("parser") != parser_tag():
            return None
        return _SECTIONS.validate_python(body.get("sections"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, ValidationError) as exc:  # parsed again instead
        log.warning("kept sections of %s are unreadable (%s); parsing the file", path.name, exc)
        return None


def forget(settings: Settings, sha256: str) -> None:
    """Remove the file with this content and its kept sections."""
    shutil.rmtree(source_folder(settings) / sha256, ignore_errors=True)
    kept = sections_path(settings, sha256)
    kept.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not there, or still holding another file's
        kept.parent.rmdir()
