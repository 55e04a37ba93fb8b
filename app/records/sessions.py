"""Web sessions that outlive a page reload: a signed, expiring cookie and the conversation.

A browser session of the web app ends when the page is reloaded or a page is opened by its
link: Streamlit starts a new one, which knows nobody. So at sign-in the app opens a
session here and hands the browser a cookie; a new page run that brings the cookie back is
the same person, with the same conversation on screen, until the session expires or they
sign out.

- The cookie is ``<id>.<expires>.<mac>``: 32 random bytes, the expiry (Unix seconds) and an
  HMAC-SHA256 of both under a key derived from the audit trail's secret key (never the key
  itself). A cookie whose MAC does not match, or whose time is past, is refused before the
  store is read.
- The store (``<data_dir>/sessions.sqlite3``, owner-only) keeps a digest of the id, never the
  id: a copy of the file signs nobody in. Each row holds the user's name and role, a
  fingerprint of their password hash (a changed password ends their sessions), the expiry
  and the conversation (redacted questions and their answers, as the page shows them).
- Signing out deletes the row: the cookie, if kept, opens nothing. Expired rows are deleted
  whenever a session is opened.
- No password or token is ever put in a URL.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.errors import CopilotError
from app.models import Answer, User

COOKIE = "copilot_session"
_COOKIE_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}\.[1-9][0-9]{0,11}\.[0-9a-f]{64}", re.ASCII)
"""What :meth:`SessionStore.open` makes: the id, the expiry in whole seconds, the MAC."""
_LABEL = b"copilot web session cookie v1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    expires REAL NOT NULL,
    conversation TEXT NOT NULL DEFAULT '[]'
)
"""


class SessionError(CopilotError):
    """The session store cannot be used (a file that cannot be opened or written)."""


@dataclass(frozen=True)
class Session:
    """A session a cookie opened: who, until when, and the conversation kept for it."""

    cookie: str
    user: User
    fingerprint: str
    expires: float
    conversation: tuple[Answer, ...]


def session_key(audit_key: bytes) -> bytes:
    """The cookie's MAC key, derived from the audit trail's key (one secret to keep)."""
    return hmac.new(audit_key, _LABEL, hashlib.sha256).digest()


def fingerprint(password_hash: str) -> str:
    """A short digest of a user's password hash: a new password makes a new fingerprint."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


class SessionStore:
    """Sessions of the web app, in a SQLite file beside the index."""

    def __init__(
        self,
        path: Path,
        key: bytes,
        *,
        lifetime_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self._key = key
        self.lifetime_s = lifetime_s
        self._clock = clock
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                path.touch(mode=0o600)
            with self._connect() as conn:
                conn.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise SessionError(f"cannot open the session store {path}: {exc}") from exc

    def open(self, user: User, user_fingerprint: str = "") -> str:
        """A new session for ``user``: the cookie value to hand the browser."""
        token = secrets.token_urlsafe(32)
        expires = int(self._clock() + self.lifetime_s)
        with self._connect() as conn:
            conn.execute("DELETE FROM sessions WHERE expires <= ?", (self._clock(),))
            conn.execute(
                "INSERT INTO sessions (digest, user, role, fingerprint, expires) "
                "VALUES (?, ?, ?, ?, ?)",
                (_digest(token), user.name, user.role, user_fingerprint, expires),
            )
        return f"{token}.{expires}.{self._mac(token, expires)}"

    def resume(self, cookie: str | None) -> Session | None:
        """The session ``cookie`` opens, or None: a cookie not made here, changed, expired
        or signed out."""
        parsed = self._parse(cookie)
        if parsed is None:
            return None
        token, expires = parsed
        with self._connect() as conn:
            row = conn.execute(
                "SELECT user, role, fingerprint, expires, conversation FROM sessions "
                "WHERE digest = ?",
                (_digest(token),),
            ).fetchone()
        if row is None or row[3] <= self._clock() or int(row[3]) != expires:
            return None
        user, role, kept, until, conversation = row
        try:
            answers = tuple(Answer.model_validate(a) for a in json.loads(conversation))
        except (ValueError, TypeError):  # not turns this version reads: the session stands
            answers = ()
        return Session(
            cookie=str(cookie),
            user=User(name=user, role=role),
            fingerprint=kept,
            expires=until,
            conversation=answers,
        )

    def keep(self, cookie: str | None, conversation: list[Answer] | tuple[Answer, ...]) -> None:
        """Keep ``conversation`` with the session (nothing when the cookie opens none)."""
        parsed = self._parse(cookie)
        if parsed is None:
            return
        # The retrieved chunks are not shown (the citations are): they are not kept.
        text = json.dumps(
            [a.model_copy(update={"retrieved": ()}).model_dump(mode="json") for a in conversation]
        )
        with self._connect() as conn:
            conn.execute(
                "UPDATE sessions SET conversation = ? WHERE digest = ? AND expires > ?",
                (text, _digest(parsed[0]), self._clock()),
            )

    def close(self, cookie: str | None) -> None:
        """Sign the session out: its row goes, and the cookie opens nothing from now on."""
        parsed = self._parse(cookie)
        if parsed is None:
            return
        with self._connect() as conn:
            conn.execute("DELETE FROM sessions WHERE digest = ?", (_digest(parsed[0]),))

    def count(self) -> int:
        """Sessions open now."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT count(*) FROM sessions WHERE expires > ?", (self._clock(),)
            ).fetchone()
        return int(row[0])

    def _parse(self, cookie: str | None) -> tuple[str, int] | None:
        """The id and expiry of a cookie made here, unchanged and not expired; None for
        anything else, whatever its shape (a browser may send any bytes)."""
        if not cookie or not _COOKIE_SHAPE.fullmatch(cookie):
            return None
        token, expires_text, mac = cookie.split(".")
        expires = int(expires_text)
        if not hmac.compare_digest(mac, self._mac(token, expires)):
            return None
        if expires <= self._clock():
            return None
        return token, expires

    def _mac(self, token: str, expires: int) -> str:
        message = f"{token}.{expires}".encode("ascii", "replace")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = sqlite3.connect(self.path, timeout=10)
        except sqlite3.Error as exc:
            raise SessionError(f"cannot open the session store {self.path}: {exc}") from exc
        try:
            with conn:
                yield conn
        except sqlite3.Error as exc:
            raise SessionError(f"the session store {self.path} failed: {exc}") from exc
        finally:
            conn.close()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def open_sessions(path: Path, audit_key: bytes, lifetime_s: float) -> SessionStore:
    """The web app's session store at ``path``, its cookies signed under the audit key."""
    store = SessionStore(path, session_key(audit_key), lifetime_s=lifetime_s)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
    return store
