"""Who may do what: password hashing, sign-in against configured users, and role checks.

Underwriters ask questions and give feedback; compliance staff may also upload, retire and
purge documents and read the audit trail. The checks live here and are called by the
services, so no page or command can skip them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Literal

from app.errors import CopilotError
from app.models import User
from app.settings import AuthSection, Settings

Role = Literal["underwriter", "compliance"]
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_PREFIX = "scrypt"


class SignInError(CopilotError):
    """Unknown user or wrong password (the message does not say which)."""


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
    def __init__(self, settings: Settings) -> None:
        self._auth: AuthSection = settings.auth
        self._local = User(name=settings.app.user, role=settings.app.role)

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

    def sign_in(self, name: str, password: str) -> User:
        if self._auth.mode != "password":
            raise SignInError("password sign-in is not enabled (auth.mode is not password)")
        entry = next((u for u in self._auth.users if u.name == name), None)
        # Hash even for an unknown name, so timing does not tell which names exist.
        ok = verify_password(
            password, entry.password_hash if entry and entry.password_hash else _DUMMY
        )
        if entry is None or not ok:
            raise SignInError("unknown user or wrong password")
        return User(name=entry.name, role=entry.role)


def require(user: User, role: Role, action: str) -> None:
    """Raise unless ``user`` may perform ``action``; compliance may do everything."""
    if role == "compliance" and user.role != "compliance":
        raise PermissionDeniedError(
            f"{action} is for compliance staff; {user.name} is an {user.role}"
        )


_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
