"""Document metadata: from a manifest file, from command-line fields, validated into
``DocumentMeta`` with errors that name the field."""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.errors import MetadataError
from app.models import (
    MAX_DOC_ID_CHARS,
    MAX_TITLE_CHARS,
    DocumentMeta,
    normalize_jurisdiction,
    split_values,
)
from app.settings import IngestSection
from app.text import has_control, one_line
from ingest.clean import clean_title

FIELDS = ("doc_id", "title", "product", "jurisdiction", "doc_type", "version", "effective_date")
REQUIRED = tuple(f for f in FIELDS if f != "title")

EARLIEST_EFFECTIVE = date(1900, 1, 1)
YEARS_AHEAD = 10
"""An effective date lies between 1900-01-01 and this many years after today."""
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ManifestEntry:
    path: Path
    fields: dict[str, Any] = field(default_factory=dict)


def load_manifest(path: Path) -> list[ManifestEntry]:
    """Read a manifest: JSON ``{"documents": [{"file": ..., <fields>}]}`` or CSV with a ``file``
    column. File paths are relative to the manifest's folder. A file listed twice, or a doc_id
    listed twice with the same version, is refused: which entry should win is not ours to guess.
    ``product`` and ``jurisdiction`` may hold several values: a JSON list, or a string with
    commas (a CSV cell, ``"mortgage,heloc"``).
    """
    path = Path(path)
    if not path.is_file():
        raise MetadataError(f"manifest {path} does not exist")
    try:
        if path.suffix.lower() == ".csv":
            with path.open(newline="", encoding="utf-8-sig") as handle:
                rows: list[dict[str, Any]] = list(csv.DictReader(handle))
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
            rows = data["documents"] if isinstance(data, dict) else data
    except (json.JSONDecodeError, KeyError, TypeError, csv.Error, UnicodeDecodeError) as exc:
        raise MetadataError(f"manifest {path.name} cannot be read: {exc}") from exc
    entries = []
    seen_files: dict[Path, int] = {}
    seen_versions: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not row.get("file"):
            raise MetadataError(f"manifest {path.name}, entry {number}: missing field 'file'")
        unknown = set(row) - set(FIELDS) - {"file"}
        if unknown:
            raise MetadataError(
                f"manifest {path.name}, entry {number}: "
                f"unknown field(s) {', '.join(sorted(unknown))}"
            )
        fields = {k: v for k, v in row.items() if k != "file" and v not in (None, "")}
        file = absolute(path.parent / str(row["file"]))
        if file in seen_files:
            raise MetadataError(
                f"manifest {path.name}: entries {seen_files[file]} and {number} both list "
                f"{row['file']!r}; list each file once"
            )
        seen_files[file] = number
        key = (str(fields.get("doc_id", "")).strip().lower(), str(fields.get("version", "")))
        if key[0] and key in seen_versions:
            raise MetadataError(
                f"manifest {path.name}: entries {seen_versions[key]} and {number} both give "
                f"doc_id {key[0]!r} version {key[1]!r}; give each version of a document once"
            )
        seen_versions[key] = number
        entries.append(ManifestEntry(path=file, fields=fields))
    return entries


def absolute(path: Path) -> Path:
    """``path`` resolved; only made absolute when the file system cannot hold its name (NUL,
    too long): that file is then reported as not found, not a crash."""
    try:
        return path.resolve()
    except (OSError, ValueError):
        return Path(os.path.abspath(path))


def build_meta(
    fields: Mapping[str, Any], vocabulary: IngestSection, *, default_title: str | None = None
) -> DocumentMeta:
    """Validate metadata fields; the error names every missing or invalid field.

    ``default_title`` (the one the file declares) is cleaned and shortened to fit; a title
    given explicitly that is too long or holds control characters is refused."""
    values = {k: v for k, v in fields.items() if v not in (None, "", [])}
    if "title" not in values and default_title:
        values["title"] = clean_title(default_title, MAX_TITLE_CHARS)
        if not values["title"]:
            del values["title"]
    missing = [f for f in FIELDS if f not in values]
    if missing:
        hint = " (the file declares no title; give one)" if "title" in missing else ""
        raise MetadataError(f"missing metadata: {', '.join(missing)}{hint}")
    problems = _input_problems(values, vocabulary)
    if problems:
        raise MetadataError(f"invalid metadata: {'; '.join(problems)}")
    try:
        meta = DocumentMeta(**{k: values[k] for k in FIELDS})
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise MetadataError(f"invalid metadata: {'; '.join(problems)}") from None
    unknown = [p for p in meta.product if p not in vocabulary.products]
    if unknown:
        raise MetadataError(
            f"invalid metadata: product: {unknown[0]!r} is not one of "
            + ", ".join(vocabulary.products)
        )
    if meta.doc_type not in vocabulary.doc_types:
        raise MetadataError(
            f"invalid metadata: doc_type: {meta.doc_type!r} is not one of "
            + ", ".join(vocabulary.doc_types)
        )
    return meta


def _input_problems(values: dict[str, Any], vocabulary: IngestSection) -> list[str]:
    """What is wrong with fields as they come in: lengths, control characters, the
    jurisdiction list and the effective date's range. Normalises ``values`` in place."""
    problems = []
    for name in FIELDS:
        value = values[name]
        texts = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(t, str) and has_control(" ".join(t.split())) for t in texts):
            problems.append(f"{name}: contains control characters; remove them")
    for name, limit in (("title", MAX_TITLE_CHARS), ("doc_id", MAX_DOC_ID_CHARS)):
        length = len(str(values[name]).strip())
        if length > limit:
            problems.append(
                f"{name}: {length} characters is over the {limit}-character limit; shorten it"
            )
    try:
        values["jurisdiction"] = [
            _jurisdiction(code, vocabulary) for code in split_values(values["jurisdiction"])
        ]
    except ValueError as exc:
        problems.append(f"jurisdiction: {exc}")
    try:
        values["effective_date"] = _effective_date(values["effective_date"])
    except ValueError as exc:
        problems.append(f"effective_date: {exc}")
    return [one_line(p) for p in problems]


def _jurisdiction(value: str, vocabulary: IngestSection) -> str:
    """The accepted code ``value`` stands for: itself, its one case-insensitive match in
    the list, or a federal alias (``federal``)."""
    code = value.strip()
    if code in vocabulary.jurisdictions:
        return code
    matches = {j for j in vocabulary.jurisdictions if j.lower() == code.lower()}
    if len(matches) != 1:
        try:
            matches = {normalize_jurisdiction(code)} & set(vocabulary.jurisdictions)
        except ValueError:
            matches = set()
    if len(matches) == 1:
        return matches.pop()
    raise ValueError(
        "use US-federal or a two-letter state code such as TX, DC or a territory (PR, GU, VI, "
        f"AS, MP), not {code[:40]!r} (the list is the setting ingest.jurisdictions)"
    )


def _effective_date(value: object) -> date:
    """An ISO date (YYYY-MM-DD) between 1900-01-01 and ten years from today."""
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value.strip()!r} is not a calendar date; use YYYY-MM-DD") from None
    else:
        raise ValueError(f"{str(value)[:40]!r} is not a date; use YYYY-MM-DD")
    today = date.today()
    try:
        latest = today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + YEARS_AHEAD, day=28)
    if not EARLIEST_EFFECTIVE <= day <= latest:
        raise ValueError(
            f"{day.isoformat()} is outside {EARLIEST_EFFECTIVE.isoformat()} to "
            f"{latest.isoformat()} (ten years from today); check the date"
        )
    return day
