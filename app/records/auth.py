"""Who may do what: password hashing, sign-in against configured users, and role checks.

Underwriters ask questions and give feedback; compliance staff may also upload, retire and
purge documents and read the audit trail. The checks live here and are called by the
services, so no page or command can skip them. Failed password sign-ins are throttled per
user name and client (:mod:`app.records.throttle`) and each is written to the audit trail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import math
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from app.errors import CopilotError
from app.models import AuditRecord, Filters, User
from app.records.sessions import fingerprint
from app.records.throttle import Attempt, SignInThrottle
from app.settings import AuthSection, Settings

if TYPE_CHECKING:
    from app.records.audit import AuditSink

log = logging.getLogger(__name__)

Role = Literal["underwriter", "compliance"]
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_PREFIX = "scrypt"


class SignInError(CopilotError):
    """Unknown user or wrong password (the message does not say which)."""


class SignInThrottledError(SignInError):
    """Too many failed sign-ins for the user name or from the client: refused unchecked."""


class PermissionDeniedError(CopilotError):
    """The signed-in user's role does not allow the action."""


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64), for the ``auth.users`` setting."""
    if len(password) < 12:
        raise CopilotError("use a password of at least 12 characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    fields = (_PREFIX, str(_SCRYPT["n"]), str(_SCRYPT["r"]), str(_SCRYPT["p"]),
              base64.b64encode(salt).decode(), base64.b64encode(digest).decode())  # fmt: skip
    return "$".join(fields)


def verify_password(password: str, encoded: str) -> bool:
    try:
        prefix, n, r, p, salt, digest = encoded.split("$")
        if prefix != _PREFIX:
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt),
                                n=int(n), r=int(r), p=int(p), dklen=len(expected))  # fmt: skip
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


class Authenticator:
    """Who is signed in: one per server process (the web app's workspace holds it), so its
    count of failed sign-ins is shared by every browser session."""

    def __init__(
        self,
        settings: Settings,
        *,
        audit: AuditSink | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._auth: AuthSection = settings.auth
        self._local = User(name=settings.app.user, role=settings.app.role)
        self._audit = audit
        self._throttle = SignInThrottle(settings.auth, clock)

    @property
    def mode(self) -> str:
        return self._auth.mode

    def local_user(self) -> User | None:
        """The single configured user when sign-in is off (mode ``local``)."""
        return self._local if self._auth.mode == "local" else None

    def oidc_user(self, email: str | None, name: str | None = None) -> User:
        """The user an identity provider vouched for, with the role configured for their
        e-mail address (``auth.users``), else ``auth.oidc_default_role``."""
        if self._auth.mode != "oidc":
            raise SignInError("single sign-on is not configured (auth.mode is not oidc)")
        if not email:
            raise SignInError("the identity provider did not give an e-mail address")
        entry = next((u for u in self._auth.users if u.name.lower() == email.lower()), None)
        return User(name=email, role=entry.role if entry else self._auth.oidc_default_role)

    def sign_in(self, name: str, password: str, *, client: str | None = None) -> User:
        """The configured user ``name`` if ``password`` is theirs. ``client`` is the address
        the attempt comes from, where known. Raises :class:`SignInThrottledError` while the
        name or client must wait or is locked, else :class:`SignInError` on a failure."""
        if self._auth.mode != "password":
            raise SignInError("password sign-in is not enabled (auth.mode is not password)")
        name = name[:_NAME_KEPT]
        attempt = self._throttle.attempt(name, client)
        if attempt.outcome == "locked":
            raise SignInThrottledError(
                f"too many failed sign-ins; try again in {_duration(attempt.wait_s)}"
            )
        if attempt.outcome == "too soon":
            self._failed(name, client, attempt)
            raise SignInThrottledError(f"tried again too soon after a failure{_next_try(attempt)}")
        entry = next((u for u in self._auth.users if u.name == name), None)
        # Hash even for an unknown name, so timing does not tell which names exist.
        ok = verify_password(
            password, entry.password_hash if entry and entry.password_hash else _DUMMY
        )
        if entry is None or not ok:
            self._failed(name, client, attempt)
            raise SignInError(f"unknown user or wrong password{_next_try(attempt)}")
        self._throttle.succeeded(name, client)
        return User(name=entry.name, role=entry.role)

    def fingerprint(self, user: User) -> str:
        """What a session of ``user`` is bound to: their password hash's fingerprint in
        password mode (a new password ends their sessions), else nothing."""
        entry = next((u for u in self._auth.users if u.name == user.name), None)
        return fingerprint(entry.password_hash) if entry is not None else ""

    def resumed(self, name: str, bound_to: str) -> User | None:
        """The user a kept session stands for, with the role configured now: None in a mode without
        passwords, for a name no longer configured, or one whose password has changed."""
        if self._auth.mode != "password":
            return None
        entry = next((u for u in self._auth.users if u.name == name), None)
        if entry is None or not hmac.compare_digest(fingerprint(entry.password_hash), bound_to):
            return None
        return User(name=entry.name, role=entry.role)

    def _failed(self, name: str, client: str | None, attempt: Attempt) -> None:
        """Log a failed sign-in and write it to the audit trail (never the password)."""
        log.warning(
            "failed sign-in for %r from %s (%d in a row%s)",
            name,
            client or "an unknown address",
            attempt.failures,
            ", locked" if attempt.locked else "",
        )
        if self._audit is None:
            return
        details: dict[str, object] = {
            "client": client,
            "failures": attempt.failures,
            "too_soon": attempt.outcome == "too soon",
            "locked": attempt.locked,
        }
        self._audit.record(
            AuditRecord(
                created_at=datetime.now(UTC),
                user=name,
                role="",
                question="",
                filters=Filters(),
                answer="",
                backend="",
                model="",
                kind="sign_in",
                sign_in=details,
            )
        )


def require(user: User, role: Role, action: str) -> None:
    """Raise unless ``user`` may perform ``action``; compliance may do everything."""
    if role == "compliance" and user.role != "compliance":
        raise PermissionDeniedError(
            f"{action} is for compliance staff; {user.name} is an {user.role}"
        )


_NAME_KEPT = 200
"""Characters of a user name kept for counting and recording failures (names are short)."""


def _next_try(attempt: Attempt) -> str:
    if attempt.locked:
        return f"; too many failed sign-ins, try again in {_duration(attempt.wait_s)}"
    if attempt.wait_s > 0:
        return f"; wait {_duration(attempt.wait_s)} before trying again"
    return ""


def _duration(seconds: float) -> str:
    seconds = round(seconds, 3)  # (now + 300) - now is not always 300.0
    if seconds > 90:
        return f"{math.ceil(seconds / 60)} minutes"
    whole = max(math.ceil(seconds), 1)
    return f"{whole} second{'s' if whole != 1 else ''}"


_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
