"""The audit trail: one keyed, hash-chained record per answered question or piece of feedback.

Records live in a SQLite file (``Settings.audit_path``, readable by its owner only). A record's
``hash`` is ``HMAC-SHA256(key, prev_hash + canonical_json)`` in hex, where ``key`` is the trail's
secret (:mod:`app.records.audit_key`; the file never holds it), ``prev_hash`` is the previous
record's hash (:data:`GENESIS_HASH` for the first) and ``canonical_json`` is the record without
``id`` and ``hash`` (``prev_hash`` included): sorted keys, ``(",", ":")`` separators, UTF-8
rather than ``\\u`` escapes, no NaN, dates ISO-8601, ``created_at`` in UTC with microseconds
(``2025-03-01T09:30:00.000000+00:00``). Those exact bytes are stored in the ``record`` column,
so verifying never depends on re-serialising.

:meth:`SqliteAuditTrail.verify` reports an edited or forged record (digest mismatch, or a filter
column that disagrees with the hashed JSON), a deleted or reordered one (id gap, ``prev_hash``
not the previous record's hash) and deleted newest records: the one-row ``chain_head`` table
(count, newest id and hash), written in the same transaction as each append, carries an HMAC
too, so rolling it back, emptying the trail or appending outside the copilot needs the key.
What the key cannot stop is putting back an *older* copy of the file or of its chain head:
anchors (:mod:`app.records.anchors`), the signed head kept off the machine, catch that.

Trails written before the key (schema version 1, ``hash = sha256(prev_hash + canonical_json)``)
are upgraded when opened: their records keep the old digest and are verified by the old rule,
and the ``audit_meta`` table marks the switch under an HMAC (``keyed_from``, the first keyed
record's id, and ``keyed_after``, the hash it follows). The first keyed record's HMAC covers
the last unkeyed hash, so from the switch on the older records cannot be changed unnoticed;
that they were not rewritten *before* the switch, nothing can show.

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
from typing import Any, Literal, Protocol

from app.errors import CopilotError
from app.models import AuditRecord
from app.records.audit_file import GENESIS_HASH, connect, head_mac, read_switch
from app.records.audit_key import load_key, mac, record_digest, same
from app.settings import Settings

_FLAGS = ("abstained", "fell_back", "needs_review")
_COLUMNS = ("created_at", "user", "role", "kind", *_FLAGS)
"""Fields copied out of the record into columns, for filtering."""


class AuditTrailError(CopilotError):
    """The audit trail cannot be written as it stands (its chain head is missing, or was
    not written by the copilot)."""


@dataclass(frozen=True)
class AuditVerification:
    """The outcome of :meth:`SqliteAuditTrail.verify`; each problem is one line, naming the
    record, the chain head, the key switch marker (audit_meta) or the anchor at fault."""

    ok: bool
    checked: int
    problems: list[str] = field(default_factory=list)
    last_id: int = 0
    """The newest record checked, and its hash: what an anchor pins."""
    last_hash: str = GENESIS_HASH
    keyed_from: int = 1
    """The first record keyed with the audit key; older ones predate it."""
    unkeyed: int = 0
    """Records checked by the old, unkeyed rule (written before the key)."""
    anchors: int = 0
    """Anchors the trail was checked against (:func:`app.records.anchors.verify`)."""


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
    """The unkeyed hash of a record written before the key (schema version 1), whose
    canonical JSON is ``payload``; keyed records use :func:`record_digest`."""
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _iso(moment: datetime) -> str:
    """``moment`` in UTC, fixed width (so text order is time order); naive means UTC."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.isoformat(timespec="microseconds")


def _to_record(record_id: int, digest: str, text: str) -> AuditRecord:
    return AuditRecord.model_validate({**json.loads(text), "id": record_id, "hash": digest})


def csv_cell(value: object) -> str:
    """A CSV cell. Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR at
    the start) gets a leading apostrophe, the usual guard for exports opened in Excel."""
    text = "" if value is None else value if isinstance(value, str) else canonical_json(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class SqliteAuditTrail:
    """The audit trail in one SQLite file (WAL mode), safe to append to from several
    threads and processes: each append is one ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, path: Path, *, key: bytes, timeout_s: float = 30.0) -> None:
        if not key:
            raise ValueError("the audit trail needs its key")
        self.path = Path(path)
        self._key = key
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = connect(self.path, key, timeout_s)

    def mac(self, purpose: str, text: str) -> str:
        """The HMAC of ``text`` under the trail's key, for what is kept outside the file
        (anchors); ``purpose`` keeps MACs made for one use from passing for another."""
        return mac(self._key, purpose, text)

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
        the stored record. The new id and ``prev_hash`` come from the chain head, which is
        checked first: appending on a rolled-back head would hide the records deleted."""
        with self._transaction("IMMEDIATE") as conn:
            head = conn.execute("SELECT count, last_id, last_hash, mac FROM chain_head").fetchone()
            if head is None:
                raise AuditTrailError(
                    f"the audit trail {self.path} has lost its chain head; verify it and "
                    "restore the file from a copy."
                )
            count, last_id, prev_hash, stored_mac = head
            if not same(stored_mac, head_mac(self._key, count, last_id, prev_hash)):
                raise AuditTrailError(
                    f"the audit trail {self.path} has a chain head the copilot did not write "
                    "(records deleted or added outside it); run `copilot audit verify` and "
                    "restore the file from a copy."
                )
            data = entry.model_dump(mode="json", exclude={"id", "hash"})
            data.update(created_at=_iso(entry.created_at), prev_hash=prev_hash)
            text = canonical_json(data)
            digest = record_digest(self._key, prev_hash, text)
            conn.execute(
                f"INSERT INTO audit_records (id, {', '.join(_COLUMNS)}, prev_hash, hash, record) "
                f"VALUES ({', '.join('?' * (len(_COLUMNS) + 4))})",
                (last_id + 1, *(data[c] for c in _COLUMNS), prev_hash, digest, text),
            )
            new_head = (count + 1, last_id + 1, digest)
            conn.execute(
                "UPDATE chain_head SET count = ?, last_id = ?, last_hash = ?, mac = ?",
                (*new_head, head_mac(self._key, *new_head)),
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
        where = _where(start, end, user=user, flagged=flagged, kind=kind)
        return [
            _to_record(*row) for row in self._select(where, limit=limit, newest_first=newest_first)
        ]

    def get(self, record_id: int) -> AuditRecord | None:
        """The record with this id, or None."""
        rows = self._select({"id = ?": record_id})
        return _to_record(*rows[0]) if rows else None

    def verify(self) -> AuditVerification:
        """Re-check every record's digest (keyed, or by the old rule before the key switch),
        its link to the previous record, its filter columns, the key switch marker and the
        chain head; read in one transaction, so concurrent appends are harmless."""
        problems: list[str] = []
        checked = unkeyed = prev_id = 0
        prev_hash = GENESIS_HASH
        with self._transaction("DEFERRED") as conn:
            keyed_from, keyed_after = read_switch(conn, self._key, problems)
            heads = conn.execute("SELECT count, last_id, last_hash, mac FROM chain_head").fetchall()
            after = GENESIS_HASH if keyed_from <= 1 else None  # hash of record keyed_from - 1
            for row in conn.execute(
                f"SELECT id, prev_hash, hash, record, {', '.join(_COLUMNS)} "
                "FROM audit_records ORDER BY id"
            ):
                keyed = row[0] >= keyed_from
                checked, unkeyed = checked + 1, unkeyed + (not keyed)
                problems.extend(_check(row, prev_id, prev_hash, self._key if keyed else None))
                prev_id, prev_hash = row[0], row[2]
                after = prev_hash if prev_id == keyed_from - 1 else after
        if after != keyed_after:
            problems.append(
                f"record {keyed_from - 1}: not the record the key switch follows (records "
                "written before the key were deleted or rewritten)"
            )
        problems.extend(self._check_head(heads, checked, prev_id, prev_hash))
        return AuditVerification(
            ok=not problems,
            checked=checked,
            problems=problems,
            last_id=prev_id,
            last_hash=prev_hash,
            keyed_from=keyed_from,
            unkeyed=unkeyed,
        )

    def _check_head(
        self, heads: list[tuple[Any, ...]], checked: int, prev_id: int, prev_hash: str
    ) -> list[str]:
        """What is wrong with the chain head, given the newest record found."""
        if len(heads) != 1:
            return ["chain head: missing (the chain_head table was emptied)"]
        count, last_id, last_hash, stored_mac = heads[0]
        found = []
        if not same(stored_mac, head_mac(self._key, count, last_id, last_hash)):
            found.append(
                "chain head: HMAC mismatch (rewritten without the key: newest records deleted "
                "and the head rolled back, or records appended outside the copilot)"
            )
        if last_id > prev_id:
            found.append(
                f"record {last_id}: missing; the chain head ends at record {last_id}, "
                f"the table at record {prev_id} (newest record(s) deleted)"
            )
        elif (count, last_id, last_hash) != (checked, prev_id, prev_hash):
            found.append(
                f"record {prev_id}: the chain head expects {count} records ending at "
                f"record {last_id}, found {checked} (records deleted, or the newest one "
                "added or edited outside the trail)"
            )
        return found

    def head(self) -> tuple[int, str]:
        """``(record count, hash of the newest record)``, as the chain head says."""
        with self._transaction("DEFERRED") as conn:
            row = conn.execute("SELECT count, last_hash FROM chain_head").fetchone()
        return (0, GENESIS_HASH) if row is None else (row[0], row[1])

    def digest(self, record_id: int) -> str | None:
        """The stored hash of record ``record_id`` (:data:`GENESIS_HASH` for 0), None if the
        trail holds no such record."""
        if record_id == 0:
            return GENESIS_HASH
        with self._transaction("DEFERRED") as conn:
            row = conn.execute("SELECT hash FROM audit_records WHERE id = ?", (record_id,))
            found = row.fetchone()
        return None if found is None else str(found[0])

    def export(
        self,
        path: Path,
        fmt: Literal["csv", "jsonl"],
        *,
        start: date | None = None,
        end: date | None = None,
        user: str | None = None,
        flagged: bool | None = None,
        kind: str | None = None,
    ) -> int:
        """Write the records created from ``start`` to ``end`` (inclusive UTC dates), of
        ``user``, ``kind`` and ``flagged`` as in :meth:`records`, oldest first, to ``path``;
        return how many. CSV has one column per field (nested fields as
        JSON); JSONL has one record per line, ``id`` and ``hash`` included (the hash can be
        recomputed with the audit key, or by the old rule for records older than the key)."""
        if fmt not in ("csv", "jsonl"):
            raise ValueError(f"export format must be csv or jsonl, not {fmt!r}")
        where = _where(
            None if start is None else datetime.combine(start, time()),
            None if end is None else datetime.combine(end, time.max),
            user=user,
            flagged=flagged,
            kind=kind,
        )
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
                writer.writerows({n: csv_cell(r.get(n)) for n in writer.fieldnames} for r in rows)
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


def _where(
    start: datetime | None,
    end: datetime | None,
    *,
    user: str | None,
    flagged: bool | None,
    kind: str | None,
) -> dict[str, object]:
    """The filters of :meth:`SqliteAuditTrail.records` and of its export, as SQL clauses."""
    return {
        "created_at >= ?": None if start is None else _iso(start),
        "created_at <= ?": None if end is None else _iso(end),
        "user = ?": user,
        "kind = ?": kind,
        "(abstained OR fell_back OR needs_review) = ?": flagged,
    }


def _check(row: tuple[Any, ...], prev_id: int, prev_hash: str, key: bytes | None) -> list[str]:
    """What is wrong with one stored record, given the one before it; ``key`` is None for a
    record written before the key (checked by the old, unkeyed rule)."""
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
    if key is None and chain_hash(str(stored_prev), str(text)) != digest:
        found.append(f"record {record_id}: hash mismatch (record edited)")
    elif key is not None and not same(digest, record_digest(key, str(stored_prev), str(text))):
        found.append(
            f"record {record_id}: hash mismatch (record edited, or written without the audit key)"
        )
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


def open_trail(settings: Settings) -> SqliteAuditTrail:
    """The configured audit trail, keyed with the configured key (made on first start)."""
    return SqliteAuditTrail(settings.audit_path, key=load_key(settings))
