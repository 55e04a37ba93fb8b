"""Failed sign-ins counted per user name and per client address, for every session of the
server process: a growing wait after each failure, then a lock.

After the n-th failure in a row of a name (or a client), no attempt with it is checked for
``auth.failure_delay_s * 2**(n - 2)`` seconds (none after the first failure; at most 30 s);
an attempt made sooner is refused and counts as a failure too. At ``auth.max_failures``
(``auth.client_max_failures`` for a client) it is locked for ``auth.lockout_s``: attempts
are refused and not counted. A lock's end, or ``lockout_s`` without a failure, forgets the
failures; a successful sign-in forgets the name's (the client keeps its count less this one).

An attempt is counted as a failure before the password is checked and withdrawn if it was
right, so sessions trying in parallel cannot all slip through the same wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from app.settings import AuthSection

MAX_WAIT_S = 30.0
KEYS_KEPT = 10_000
"""Names and clients remembered at most; failures past their lockout_s are dropped first."""


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    locked_until: float = 0.0


@dataclass(frozen=True)
class Attempt:
    """What the throttle made of one sign-in attempt."""

    outcome: Literal["check", "too soon", "locked"]
    """``check``: verify the password; ``too soon``: refused, counted as a failure;
    ``locked``: refused, not counted."""
    failures: int
    """The name's failures in a row, this attempt included when it counts."""
    wait_s: float
    """How long, should this attempt fail, until the next one is checked."""
    locked: bool
    """Whether the name or the client is locked (for ``wait_s``)."""


class SignInThrottle:
    """The failure counts of one server process (thread-safe)."""

    def __init__(self, auth: AuthSection, clock: Callable[[], float] = time.monotonic) -> None:
        self._auth = auth
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, _Failures] = {}

    def attempt(self, name: str, client: str | None) -> Attempt:
        """Admit an attempt for ``name`` from ``client`` (None where the address is not
        known: counted per name only), counting it as a failure unless it is refused."""
        now = self._clock()
        with self._lock:
            keyed = [(key, limit, self._entry(key, now)) for key, limit in self._keys(name, client)]
            locked_for = max(e.locked_until - now for _, _, e in keyed)
            if locked_for > 0:
                return Attempt("locked", keyed[0][2].count, locked_for, locked=True)
            soon = any(e.last + self._delay(e.count) > now for _, _, e in keyed)
            for key, limit, entry in keyed:
                entry.count += 1
                entry.last = now
                if entry.count >= limit:
                    entry.locked_until = now + self._auth.lockout_s
                self._keep(key, entry, now)
            locked_for = max(e.locked_until - now for _, _, e in keyed)
            wait = locked_for if locked_for > 0 else max(self._delay(e.count) for _, _, e in keyed)
            return Attempt(
                "too soon" if soon else "check", keyed[0][2].count, wait, locked=locked_for > 0
            )

    def succeeded(self, name: str, client: str | None) -> None:
        """The password was right: forget the name's failures, withdraw the client's count."""
        with self._lock:
            self._failures.pop(_user_key(name), None)
            entry = self._failures.get(_client_key(client)) if client else None
            if entry is not None:
                entry.count = max(entry.count - 1, 0)
                if entry.count < self._auth.client_max_failures:
                    entry.locked_until = 0.0

    def _keys(self, name: str, client: str | None) -> list[tuple[str, int]]:
        keys = [(_user_key(name), self._auth.max_failures)]
        if client:
            keys.append((_client_key(client), self._auth.client_max_failures))
        return keys

    def _entry(self, key: str, now: float) -> _Failures:
        entry = self._failures.get(key)
        if entry is None:
            return _Failures()
        if entry.locked_until > now:
            return entry
        if entry.locked_until or now - entry.last >= self._auth.lockout_s:
            return _Failures()  # the lock ended, or the failures are old
        return entry

    def _delay(self, count: int) -> float:
        if count < 2:
            return 0.0
        return min(self._auth.failure_delay_s * 2 ** (count - 2), MAX_WAIT_S)

    def _keep(self, key: str, entry: _Failures, now: float) -> None:
        if key not in self._failures and len(self._failures) >= KEYS_KEPT:
            for old in [k for k, e in self._failures.items() if self._entry(k, now) is not e]:
                del self._failures[old]  # forgotten already
            while len(self._failures) >= KEYS_KEPT:
                del self._failures[next(iter(self._failures))]
        self._failures[key] = entry


def _user_key(name: str) -> str:
    return "user:" + name


def _client_key(client: str | None) -> str:
    return f"client:{client}"
