"""Answers a policy change touches: the audited questions of the last N days whose citations
point at a passage of the old version that the new version changed, removed or moved.

For compliance staff: they decide whether an underwriter who acted on such an answer must be
told. A citation names the chunk point it quoted; the point of a superseded version stays in
the index (for as-of questions), so its text is read back and each change of the diff whose
old sentence it holds is listed against it.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from app.index.store import PolicyStore
from app.models import AuditRecord, User
from app.records.audit import csv_cell
from app.records.auth import require
from ingest.diff import Change, VersionDiff

CSV_FIELDS = (
    "audit_id",
    "created_at",
    "user",
    "question",
    "marker",
    "doc_id",
    "version",
    "section_id",
    "page",
    "changes",
)


@runtime_checkable
class Records(Protocol):
    """An audit trail that can be read back (the SQLite trail)."""

    def records(
        self, *, start: datetime | None = None, kind: str | None = None
    ) -> list[AuditRecord]: ...


class AffectedAnswer(BaseModel):
    """One citation of an audited answer that quoted a passage the change touched."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    audit_id: int
    created_at: datetime
    user: str
    question: str
    """As audited: redacted."""
    marker: int
    doc_id: str
    version: str
    section_id: str
    page: int | None
    changes: tuple[str, ...]
    """What changed in the cited passage, one line per change."""


def affected_answers(
    user: User,
    trail: Records,
    store: PolicyStore,
    made: VersionDiff,
    *,
    days: int,
    now: datetime | None = None,
) -> list[AffectedAnswer]:
    """The citations, in answers of the last ``days`` days, of passages of ``made``'s old
    version that its changes touch; newest answer first. Compliance staff only."""
    require(user, "compliance", "listing the answers a policy change touches")
    touched = [c for c in made.changes if c.old is not None and c.old_text]
    if not touched:
        return []
    texts = {
        point: _normal(text)
        for point, text in store.chunk_texts(made.doc_id, made.from_version).items()
    }
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    found: list[AffectedAnswer] = []
    for record in trail.records(start=since, kind="question"):
        for citation in record.citations:
            if citation.get("doc_id") != made.doc_id:
                continue
            if citation.get("version") != made.from_version:
                continue
            passage = texts.get(str(citation.get("point_id")), "")
            hits = [_describe(c) for c in touched if passage and _normal(c.old_text) in passage]
            if not hits:
                continue
            found.append(
                AffectedAnswer(
                    audit_id=int(record.id or 0),
                    created_at=record.created_at,
                    user=record.user,
                    question=record.question,
                    marker=_int(citation.get("marker")) or 0,
                    doc_id=made.doc_id,
                    version=made.from_version,
                    section_id=str(citation.get("section_id", "")),
                    page=_int(citation.get("page")),
                    changes=tuple(hits),
                )
            )
    return found


def write_csv(rows: Sequence[AffectedAnswer], path: Path) -> None:
    """The rows as CSV, one per citation; the changes of a citation joined by `` | ``
    (cells guarded against spreadsheet formulas as the audit export's are)."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_FIELDS)
        for row in rows:
            values = row.model_dump(mode="json")
            values["changes"] = " | ".join(row.changes)
            writer.writerow([csv_cell(values[name]) for name in CSV_FIELDS])


def _describe(change: Change) -> str:
    if change.kind == "changed":
        figures = "; ".join(
            f"{f.before or '(none)'} -> {f.after or '(none)'}" for f in change.figures
        )
        text = f"changed: {change.old_text} -> {change.new_text}"
        return f"{text} ({figures})" if figures else text
    if change.kind == "moved":
        return f"moved to {change.new}"
    return f"removed: {change.old_text}"


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
