"""What someone with write access to the audit trail's SQLite file, but not its key, can do:
plain sqlite3 and the old, unkeyed hashing rule (which is public), nothing from the copilot.

Also an unkeyed (schema version 1) trail as the copilot wrote it before the key, built
the same way: the old tables and the old rule."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import closing
from datetime import UTC
from pathlib import Path
from typing import Any

from app.models import AuditRecord

GENESIS = "0" * 64
COLUMNS = ("created_at", "user", "role", "kind", "abstained", "fell_back", "needs_review")


def sha256_chain(prev_hash: str, text: str) -> str:
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def newest(conn: sqlite3.Connection) -> tuple[int, str]:
    row = conn.execute("SELECT id, hash FROM audit_records ORDER BY id DESC LIMIT 1").fetchone()
    return row or (0, GENESIS)


def roll_head(conn: sqlite3.Connection) -> None:
    """Point the chain head at the newest record left, as a tidy attacker would."""
    last_id, last_hash = newest(conn)
    count = conn.execute("SELECT count(*) FROM audit_records").fetchone()[0]
    conn.execute(
        "UPDATE chain_head SET count = ?, last_id = ?, last_hash = ?", (count, last_id, last_hash)
    )


def rehash_from(conn: sqlite3.Connection, first: int, last: int | None = None) -> None:
    """Re-chain the records from ``first`` (to ``last``) with the unkeyed rule, then the head."""
    row = conn.execute("SELECT hash FROM audit_records WHERE id = ?", (first - 1,)).fetchone()
    prev = row[0] if row else GENESIS
    rows = conn.execute(
        "SELECT id, record FROM audit_records WHERE id >= ? AND id <= ? ORDER BY id",
        (first, 2**62 if last is None else last),
    ).fetchall()
    for record_id, text in rows:
        data = {**json.loads(text), "prev_hash": prev}
        new_text = canonical(data)
        digest = sha256_chain(prev, new_text)
        conn.execute(
            "UPDATE audit_records SET prev_hash = ?, hash = ?, record = ? WHERE id = ?",
            (prev, digest, new_text, record_id),
        )
        prev = digest
    roll_head(conn)


def delete_newest(conn: sqlite3.Connection, n: int = 1) -> None:
    last_id, _ = newest(conn)
    conn.execute("DELETE FROM audit_records WHERE id > ?", (last_id - n,))
    roll_head(conn)


def delete_all(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM audit_records")
    roll_head(conn)


def edit_and_rehash(conn: sqlite3.Connection, record_id: int = 7, last: int | None = None) -> None:
    conn.execute(
        "UPDATE audit_records SET record = json_set(record, '$.answer', 'No limit.') WHERE id = ?",
        (record_id,),
    )
    rehash_from(conn, record_id, last)


def append_forged(conn: sqlite3.Connection) -> None:
    """A record copied from the newest one, with another answer, chained by the old rule."""
    last_id, last_hash = newest(conn)
    (text,) = conn.execute("SELECT record FROM audit_records WHERE id = ?", (last_id,)).fetchone()
    data = {**json.loads(text), "prev_hash": last_hash, "answer": "Approved [1]."}
    new_text = canonical(data)
    conn.execute(
        f"INSERT INTO audit_records (id, {', '.join(COLUMNS)}, prev_hash, hash, record) "
        f"VALUES ({', '.join('?' * (len(COLUMNS) + 4))})",
        (
            last_id + 1,
            *(data[c] for c in COLUMNS),
            last_hash,
            sha256_chain(last_hash, new_text),
            new_text,
        ),
    )
    roll_head(conn)


ATTACKS: dict[str, Callable[[sqlite3.Connection], None]] = {
    "newest deleted, head rolled back": delete_newest,
    "last 100 deleted, head rolled back": lambda conn: delete_newest(conn, 100),
    "every record deleted": delete_all,
    "record edited, chain re-hashed": edit_and_rehash,
    "forged record appended": append_forged,
}


def attack(path: Path, how: Callable[[sqlite3.Connection], None]) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        how(conn)


def downgrade(conn: sqlite3.Connection) -> None:
    """Pass a keyed trail off as one written before the key: every record re-hashed by the
    old rule, the key switch marker and the head's MAC column dropped, schema version 1."""
    rehash_from(conn, 1)
    conn.execute("DROP TABLE audit_meta")
    conn.execute("ALTER TABLE chain_head DROP COLUMN mac")
    conn.execute("UPDATE schema_version SET version = 1")


UNKEYED_SCHEMA = f"""
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE audit_records (
    id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, user TEXT NOT NULL, role TEXT NOT NULL,
    kind TEXT NOT NULL, abstained INTEGER NOT NULL, fell_back INTEGER NOT NULL,
    needs_review INTEGER NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
    record TEXT NOT NULL);
CREATE INDEX audit_records_created_at ON audit_records (created_at);
CREATE INDEX audit_records_user ON audit_records (user, created_at);
CREATE TABLE chain_head (singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    count INTEGER NOT NULL, last_id INTEGER NOT NULL, last_hash TEXT NOT NULL);
INSERT INTO chain_head VALUES (1, 0, 0, '{GENESIS}');
INSERT INTO schema_version VALUES (1);
"""
"""The tables of schema version 1, as the copilot created them before the key."""


def unkeyed_trail(path: Path, entries: Iterable[AuditRecord]) -> None:
    """A schema version 1 trail holding ``entries``, hashed by the old rule, mode 0644."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(UNKEYED_SCHEMA)
        prev = GENESIS
        for record_id, entry in enumerate(entries, 1):
            data = entry.model_dump(mode="json", exclude={"id", "hash"})
            created = entry.created_at.astimezone(UTC).isoformat(timespec="microseconds")
            data.update(created_at=created, prev_hash=prev)
            text = canonical(data)
            digest = sha256_chain(prev, text)
            conn.execute(
                f"INSERT INTO audit_records (id, {', '.join(COLUMNS)}, prev_hash, hash, record) "
                f"VALUES ({', '.join('?' * (len(COLUMNS) + 4))})",
                (record_id, *(data[c] for c in COLUMNS), prev, digest, text),
            )
            conn.execute(
                "UPDATE chain_head SET count = ?, last_id = ?, last_hash = ?",
                (record_id, record_id, digest),
            )
            prev = digest
        conn.commit()
    path.chmod(0o644)
