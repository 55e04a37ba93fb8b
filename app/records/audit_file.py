"""The audit trail's SQLite file: opened owner-only in WAL mode, its tables and schema version,
the upgrade of trails written before the key, and the MACs of its chain head and key switch.

Schema version 2 adds the ``mac`` column of ``chain_head`` and the ``audit_meta`` table:
``key_id`` (tells a wrong key from tampering), ``keyed_from`` (the first record keyed with the
key), ``keyed_after`` (the hash that record follows) and ``switch_mac`` over those two. A new
file is keyed from record 1; a version 1 file (plain SHA-256 chain) is upgraded when opened
and keyed from its next record on.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from time import monotonic, sleep

from app.errors import AuditKeyError, ConfigError
from app.records.audit_key import mac, make_private, same

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first record."""
SCHEMA_VERSION = 2
UNKEYED_VERSION = 1
"""Trails written before the key: plain SHA-256 chains, upgraded when opened."""

_TABLES = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS audit_records (
    id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, user TEXT NOT NULL, role TEXT NOT NULL,
    kind TEXT NOT NULL, abstained INTEGER NOT NULL, fell_back INTEGER NOT NULL,
    needs_review INTEGER NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
    record TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS audit_records_created_at ON audit_records (created_at)",
    "CREATE INDEX IF NOT EXISTS audit_records_user ON audit_records (user, created_at)",
    """CREATE TABLE IF NOT EXISTS chain_head (singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    count INTEGER NOT NULL, last_id INTEGER NOT NULL, last_hash TEXT NOT NULL,
    mac TEXT NOT NULL DEFAULT '')""",
    "CREATE TABLE IF NOT EXISTS audit_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


def key_id(key: bytes) -> str:
    return mac(key, "key-id", "")[:16]


def head_mac(key: bytes, count: int, last_id: int, last_hash: str) -> str:
    return mac(key, "head", f"{count}:{last_id}:{last_hash}")


def switch_mac(key: bytes, keyed_from: int, keyed_after: str) -> str:
    return mac(key, "switch", f"{keyed_from}:{keyed_after}")


def connect(path: Path, key: bytes, timeout_s: float) -> sqlite3.Connection:
    """Open (creating, or upgrading, if needed) the trail at ``path`` for ``key``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Owner-only before SQLite opens it: SQLite gives its -wal and -shm files its mode.
    make_private(path)
    for suffix in ("-wal", "-shm"):
        make_private(path.with_name(path.name + suffix), create=False)
    conn = sqlite3.connect(path, timeout_s, isolation_level=None, check_same_thread=False)
    try:
        _enable_wal(conn, timeout_s)
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("BEGIN IMMEDIATE")
        _prepare(conn, path, key)
        conn.execute("COMMIT")
    except BaseException as exc:
        conn.close()  # rolls back what is not committed
        if isinstance(exc, sqlite3.DatabaseError):
            raise ConfigError(
                f"cannot open the audit trail {path} ({exc}); if another copilot process "
                "holds it, retry; if the file is damaged, restore it or set audit.path."
            ) from exc
        raise
    return conn


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


def _prepare(conn: sqlite3.Connection, path: Path, key: bytes) -> None:
    """Create a new file's tables, or upgrade an unkeyed trail; check the key."""
    for statement in _TABLES:
        conn.execute(statement)
    (version,) = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    if version is None:  # a new file; a chain head deleted later stays missing
        head = (0, 0, GENESIS_HASH)
        conn.execute("INSERT INTO chain_head VALUES (1, ?, ?, ?, ?)", (*head, head_mac(key, *head)))
        _mark_switch(conn, key, 1, GENESIS_HASH)
        conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
    elif version == UNKEYED_VERSION:
        _upgrade(conn, key)
    elif version != SCHEMA_VERSION:
        raise ConfigError(
            f"{path} has audit schema version {version}; this copilot reads version "
            f"{SCHEMA_VERSION}. Upgrade the copilot or set audit.path to another file."
        )
    row = conn.execute("SELECT value FROM audit_meta WHERE name = 'key_id'").fetchone()
    if row is not None and not same(row[0], key_id(key)):
        raise AuditKeyError(
            f"the audit trail {path} was written with another key (or its key id was edited); "
            "give the copilot the key it was written with (COPILOT_AUDIT__KEY or "
            "audit.key_file), or set audit.path to a new file."
        )


def _upgrade(conn: sqlite3.Connection, key: bytes) -> None:
    """Key an unkeyed trail from its next record on: the records so far keep their SHA-256
    digests, and the switch is marked after the newest one."""
    conn.execute("ALTER TABLE chain_head ADD COLUMN mac TEXT NOT NULL DEFAULT ''")
    head = conn.execute("SELECT count, last_id, last_hash FROM chain_head").fetchone()
    if head is None:  # lost before the upgrade: verify reports it, appends stay refused
        newest = "SELECT id, hash FROM audit_records ORDER BY id DESC LIMIT 1"
        last_id, last_hash = conn.execute(newest).fetchone() or (0, GENESIS_HASH)
    else:
        _, last_id, last_hash = head
        conn.execute("UPDATE chain_head SET mac = ?", (head_mac(key, *head),))
    _mark_switch(conn, key, last_id + 1, last_hash)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))


def _mark_switch(conn: sqlite3.Connection, key: bytes, keyed_from: int, keyed_after: str) -> None:
    meta = {
        "key_id": key_id(key),
        "keyed_from": str(keyed_from),
        "keyed_after": keyed_after,
        "switch_mac": switch_mac(key, keyed_from, keyed_after),
    }
    conn.executemany("INSERT OR REPLACE INTO audit_meta VALUES (?, ?)", meta.items())


def read_switch(conn: sqlite3.Connection, key: bytes, problems: list[str]) -> tuple[int, str]:
    """``(keyed_from, keyed_after)`` from the key switch marker; what is wrong with it goes
    to ``problems`` (a missing marker reads as keyed from record 1)."""
    meta = dict(conn.execute("SELECT name, value FROM audit_meta").fetchall())
    if not same(meta.get("key_id"), key_id(key)):
        problems.append("audit_meta: the key id is missing or edited")
    try:
        keyed_from, keyed_after = int(meta["keyed_from"]), str(meta["keyed_after"])
    except (KeyError, ValueError):
        problems.append("audit_meta: the key switch marker is missing (edited)")
        return 1, GENESIS_HASH
    if not same(meta.get("switch_mac"), switch_mac(key, keyed_from, keyed_after)):
        problems.append(
            "audit_meta: HMAC mismatch of the key switch marker (edited, to pass keyed records "
            "off as unkeyed ones)"
        )
    return keyed_from, keyed_after
