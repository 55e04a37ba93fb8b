"""The audit trail: one hash-chained record per answered question or piece of feedback.

Records live in a SQLite file (``Settings.audit_path``). A record's ``hash`` is
``sha256((prev_hash + canonical_json).encode("utf-8")).hexdigest()``, where ``prev_hash`` is
the previous record's hash (:data:`GENESIS_HASH` for the first) and ``canonical_json`` is the
record without ``id`` and ``hash`` (``prev_hash`` included): sorted keys, ``(",", ":")``
separators, UTF-8 rather than ``\\u`` escapes, no NaN, dates ISO-8601, ``created_at`` in UTC
with microseconds (``2025-03-01T09:30:00.000000+00:00``). Those exact bytes are stored in the
``record`` column, so verifying never depends on re-serialising.

:meth:`SqliteAuditTrail.verify` reports an edited record (hash mismatch, or a filter column
that disagrees with the hashed JSON), a deleted or reordered one (id gap, ``prev_hash`` not
the previous record's hash) and a deleted newest record (the one-row ``chain_head`` table,
written in the same transaction as each append, no longer matches). Whoever can write the
file can still rewrite the whole chain *and* the head together; only comparing
:meth:`SqliteAuditTrail.head` with a copy kept elsewhere catches that.

Records hold redacted text only; nothing here logs their contents.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from time import monotonic, sleep
from typing import Any, Literal, Protocol

from app.errors import ConfigError, CopilotError
from app.models import AuditRecord

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first record."""
SCHEMA_VERSION = 1
_FLAGS = ("abstained", "fell_back", "needs_review")
_COLUMNS = ("created_at", "user", "role", "kind", *_FLAGS)
"""Fields copied out of the record into columns, for filtering."""

_SCHEMA = f"""
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit_records (
    id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, user TEXT NOT NULL, role TEXT NOT NULL,
    kind TEXT NOT NULL, abstained INTEGER NOT NULL, fell_back INTEGER NOT NULL,
    needs_review INTEGER NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
    record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_records_created_at ON audit_records (created_at);
CREATE INDEX IF NOT EXISTS audit_records_user ON audit_records (user, created_at);
CREATE TABLE IF NOT EXISTS chain_head (singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    count INTEGER NOT NULL, last_id INTEGER NOT NULL, last_hash TEXT NOT NULL);
-- A new file only: a chain head deleted later stays missing (and is reported).
INSERT INTO chain_head SELECT 1, 0, 0, '{GENESIS_HASH}'
    WHERE NOT EXISTS (SELECT 1 FROM schema_version);
INSERT INTO schema_version SELECT {SCHEMA_VERSION} WHERE NOT EXISTS (SELECT 1 FROM schema_version);
COMMIT;
"""


class AuditTrailError(CopilotError):
    """The audit trail cannot be written as it stands (its chain head is missing)."""


@dataclass(frozen=True)
class AuditVerification:
    """The outcome of :meth:`SqliteAuditTrail.verify`; each problem names a record id."""

    ok: bool
    checked: int
    problems: list[str] = field(default_factory=list)


class AuditSink(Protocol):
    """Where the question path sends its audit records."""

    def record(self, entry: AuditRecord) -> AuditRecord:
        """Append ``entry``; return it as stored, with ``id``, ``prev_hash`` and ``hash``."""
        ...

    def get(self, record_id: int) -> AuditRecord | None:
        """The record with this id, or None."""
        ...


def canonical_json(value: Any) -> str:
    """The one JSON text of ``value`` that is hashed and stored."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def chain_hash(prev_hash: str, payload: str) -> str:
    """The hash of a record whose canonical JSON is ``payload``."""
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _iso(moment: datetime) -> str:
    """``moment`` in UTC, fixed width (so text order is time order); naive means UTC."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.isoformat(timespec="microseconds")


def _enable_wal(conn: sqlite3.Connection, timeout_s: float) -> None:
    """Switch to WAL. This statement ignores the busy timeout, and two processes opening a
    new file at once can collide on it, so it is retried until the timeout."""
    deadline = monotonic() + timeout_s
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode == "wal":
                return
            raise sqlite3.OperationalError(f"journal mode stays {mode}, not wal")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or monotonic() > deadline:
                raise
        sleep(0.02)


def _to_record(record_id: int, digest: str, text: str) -> AuditRecord:
    return AuditRecord.model_validate({**json.loads(text), "id": record_id, "hash": digest})


def _cell(value: object) -> str:
    """A CSV cell. Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR at
    the start) gets a leading apostrophe, the usual guard for exports opened in Excel."""
    text = "" if value is None else value if isinstance(value, str) else canonical_json(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class SqliteAuditTrail:
    """The audit trail in one SQLite file (WAL mode), safe to append to from several
    threads and processes: each append is one ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, path: Path, *, timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        conn = sqlite3.connect(self.path, timeout_s, isolation_level=None, check_same_thread=False)
        try:
            _enable_wal(conn, timeout_s)
            conn.execute("PRAGMA synchronous=FULL")
            conn.executescript(_SCHEMA)
            (version,) = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ConfigError(
                f"cannot open the audit trail {self.path} ({exc}); if another copilot process "
                "holds it, retry; if the file is damaged, restore it or set audit.path."
            ) from exc
        if version != SCHEMA_VERSION:
            conn.close()
            raise ConfigError(
                f"{self.path} has audit schema version {version}; this copilot reads version "
                f"{SCHEMA_VERSION}. Upgrade the copilot or set audit.path to another file."
            )
        self._conn: sqlite3.Connection | None = conn

    @contextmanager
    def _transaction(self, mode: Literal["IMMEDIATE", "DEFERRED"]) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise RuntimeError("the audit trail is closed")
            conn = self._conn
            conn.execute(f"BEGIN {mode}")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def record(self, entry: AuditRecord) -> AuditRecord:
        """Append ``entry`` (its ``id``, ``prev_hash`` and ``hash`` are ignored) and return
        the stored record. The new id and ``prev_hash`` come from the chain head."""
        with self._transaction("IMMEDIATE") as conn:
            head = conn.execute("SELECT count, last_id, last_hash FROM chain_head").fetchone()
            if head is None:
                raise AuditTrailError(
                    f"the audit trail {self.path} has lost its chain head; verify it and "
                    "restore the file from a copy."
                )
            count, last_id, prev_hash = head
            data = entry.model_dump(mode="json", exclude={"id", "hash"})
            data.update(created_at=_iso(entry.created_at), prev_hash=prev_hash)
            text = canonical_json(data)
            digest = chain_hash(prev_hash, text)
            conn.execute(
                f"INSERT INTO audit_records (id, {', '.join(_COLUMNS)}, prev_hash, hash, record) "
                f"VALUES ({', '.join('?' * (len(_COLUMNS) + 4))})",
                (last_id + 1, *(data[c] for c in _COLUMNS), prev_hash, digest, text),
            )
            conn.execute(
                "UPDATE chain_head SET count = ?, last_id = ?, last_hash = ?",
                (count + 1, last_id + 1, digest),
            )
        return _to_record(last_id + 1, digest, text)

    def _select(
        self, where: dict[str, object], *, limit: int | None = None, newest_first: bool = False
    ) -> list[tuple[int, str, str]]:
        """``(id, hash, record)`` rows matching every ``clause: value`` whose value is set."""
        clauses = ["1", *(clause for clause, value in where.items() if value is not None)]
        params = [value for value in where.values() if value is not None]
        sql = f"SELECT id, hash, record FROM audit_records WHERE {' AND '.join(clauses)} "
        sql += "ORDER BY id DESC" if newest_first else "ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._transaction("DEFERRED") as conn:
            return conn.execute(sql, params).fetchall()

    def records(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        user: str | None = None,
        flagged: bool | None = None,
        kind: str | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[AuditRecord]:
        """Records with ``start <= created_at <= end`` (naive datetimes are UTC), of ``user``
        and ``kind``; ``flagged`` means abstained, fell back or needs review. Ordered by id
        (the order of appending)."""
        where: dict[str, object] = {
            "created_at >= ?": None if start is None else _iso(start),
            "created_at <= ?": None if end is None else _iso(end),
            "user = ?": user,
            "kind = ?": kind,
            "(abstained OR fell_back OR needs_review) = ?": flagged,
        }
        return [
            _to_record(*row) for row in self._select(where, limit=limit, newest_first=newest_first)
        ]

    def get(self, record_id: int) -> AuditRecord | None:
        """The record with this id, or None."""
        rows = self._select({"id = ?": record_id})
        return _to_record(*rows[0]) if rows else None

    def verify(self) -> AuditVerification:
        """Re-check every record's hash, its link to the previous record, its filter columns,
        and the chain head; read in one transaction, so concurrent appends are harmless."""
        problems: list[str] = []
        checked, prev_id, prev_hash = 0, 0, GENESIS_HASH
        with self._transaction("DEFERRED") as conn:
            heads = conn.execute("SELECT count, last_id, last_hash FROM chain_head").fetchall()
            for row in conn.execute(
                f"SELECT id, prev_hash, hash, record, {', '.join(_COLUMNS)} "
                "FROM audit_records ORDER BY id"
            ):
                checked += 1
                problems.extend(_check(row, prev_id, prev_hash))
                prev_id, prev_hash = row[0], row[2]
        if len(heads) != 1:
            problems.append("chain head: missing (the chain_head table was emptied)")
        elif heads[0][1] > prev_id:
            problems.append(
                f"record {heads[0][1]}: missing; the chain head ends at record {heads[0][1]}, "
                f"the table at record {prev_id} (newest record(s) deleted)"
            )
        elif heads[0] != (checked, prev_id, prev_hash):
            problems.append(
                f"record {prev_id}: the chain head expects {heads[0][0]} records ending at "
                f"record {heads[0][1]}, found {checked} (records deleted, or the newest one "
                "added or edited outside the trail)"
            )
        return AuditVerification(ok=not problems, checked=checked, problems=problems)

    def head(self) -> tuple[int, str]:
        """``(record count, hash of the newest record)``: copy it somewhere else now and then;
        a later chain that does not pass through that hash means the file was rewritten."""
        with self._transaction("DEFERRED") as conn:
            row = conn.execute("SELECT count, last_hash FROM chain_head").fetchone()
        return (0, GENESIS_HASH) if row is None else (row[0], row[1])

    def export(
        self,
        path: Path,
        fmt: Literal["csv", "jsonl"],
        *,
        start: date | None = None,
        end: date | None = None,
    ) -> int:
        """Write the records created from ``start`` to ``end`` (inclusive UTC dates), oldest
        first, to ``path``; return how many. CSV has one column per field (nested fields as
        JSON); JSONL has one record per line, ``id`` and ``hash`` included."""
        if fmt not in ("csv", "jsonl"):
            raise ValueError(f"export format must be csv or jsonl, not {fmt!r}")
        where: dict[str, object] = {
            "created_at >= ?": None if start is None else _iso(datetime.combine(start, time())),
            "created_at <= ?": None if end is None else _iso(datetime.combine(end, time.max)),
        }
        rows = [{**json.loads(text), "id": n, "hash": h} for n, h, text in self._select(where)]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with Path(path).open("w", encoding="utf-8", newline="") as out:
            if fmt == "jsonl":
                out.writelines(
                    json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in rows
                )
            else:
                writer = csv.DictWriter(out, fieldnames=list(AuditRecord.model_fields))
                writer.writeheader()
                writer.writerows({n: _cell(r.get(n)) for n in writer.fieldnames} for r in rows)
        return len(rows)

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> SqliteAuditTrail:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _check(row: tuple[Any, ...], prev_id: int, prev_hash: str) -> list[str]:
    """What is wrong with one stored record, given the one before it."""
    record_id, stored_prev, digest, text, *columns = row
    found: list[str] = []
    if record_id != prev_id + 1:
        found.append(
            f"record {record_id}: follows record {prev_id}; the record(s) between were deleted"
        )
    if stored_prev != prev_hash:
        found.append(
            f"record {record_id}: prev_hash is not the hash of record {prev_id} "
            "(a record was deleted, inserted or reordered)"
        )
    if chain_hash(str(stored_prev), str(text)) != digest:
        found.append(f"record {record_id}: hash mismatch (record edited)")
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        data = None
    if not isinstance(data, dict):
        return [*found, f"record {record_id}: the stored record is not a JSON object (edited)"]
    for name, value in zip(("prev_hash", *_COLUMNS), (stored_prev, *columns), strict=True):
        if value != data.get(name):
            found.append(
                f"record {record_id}: column {name} differs from the hashed record (edited)"
            )
    return found
