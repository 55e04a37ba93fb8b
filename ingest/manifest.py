"""Document metadata: from a manifest file, from command-line fields, validated into
``DocumentMeta`` with errors that name the field."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.errors import MetadataError
from app.models import DocumentMeta
from app.settings import IngestSection

FIELDS = ("doc_id", "title", "product", "jurisdiction", "doc_type", "version", "effective_date")
REQUIRED = tuple(f for f in FIELDS if f != "title")


@dataclass(frozen=True)
class ManifestEntry:
    path: Path
    fields: dict[str, Any] = field(default_factory=dict)


def load_manifest(path: Path) -> list[ManifestEntry]:
    """Read a manifest: JSON ``{"documents": [{"file": ..., <fields>}]}`` or CSV with a ``file``
    column. File paths are relative to the manifest's folder."""
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
        entries.append(ManifestEntry(path=(path.parent / row["file"]).resolve(), fields=fields))
    return entries


def build_meta(
    fields: Mapping[str, Any], vocabulary: IngestSection, *, default_title: str | None = None
) -> DocumentMeta:
    """Validate metadata fields; the error names every missing or invalid field."""
    values = {k: v for k, v in fields.items() if v not in (None, "")}
    if "title" not in values and default_title:
        values["title"] = default_title
    missing = [f for f in FIELDS if f not in values]
    if missing:
        raise MetadataError(f"missing metadata: {', '.join(missing)}")
    try:
        meta = DocumentMeta(**{k: values[k] for k in FIELDS})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise MetadataError(f"invalid metadata: {problems}") from None
    if meta.product not in vocabulary.products:
        raise MetadataError(
            f"invalid metadata: product: {meta.product!r} is not one of "
            + ", ".join(vocabulary.products)
        )
    if meta.doc_type not in vocabulary.doc_types:
        raise MetadataError(
            f"invalid metadata: doc_type: {meta.doc_type!r} is not one of "
            + ", ".join(vocabulary.doc_types)
        )
    return meta
