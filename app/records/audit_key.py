"""The audit trail's secret key, the keyed digests made with it, and the owner-only files.

The key is ``audit.key`` (from the environment variable ``COPILOT_AUDIT__KEY``, never the config
file) or else the text of the key file (``audit.key_file``, default ``<data_dir>/audit.key``),
which is created on first start with 64 random hex characters, readable by its owner only.
A key file that anyone else may read or change is refused: whoever reads the key can rewrite
the trail without a trace. The database that holds the trail never holds the key.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from app.errors import AuditKeyError, ConfigError
from app.settings import Settings

MIN_KEY_CHARS = 32
_GENERATE = "generate one with `openssl rand -hex 32`"


def load_key(settings: Settings) -> bytes:
    """The trail's key: ``audit.key`` if set, else the key file (created when missing)."""
    if settings.audit.key is not None:
        return _checked(settings.audit.key.get_secret_value(), "COPILOT_AUDIT__KEY")
    path = settings.audit_key_path
    if not path.exists():
        _create_key_file(path)
    return _read_key_file(path)


def record_digest(key: bytes, prev_hash: str, payload: str) -> str:
    """A keyed record's digest: HMAC-SHA256 of ``prev_hash + payload`` (hex)."""
    return hmac.new(key, (prev_hash + payload).encode("utf-8"), hashlib.sha256).hexdigest()


def mac(key: bytes, purpose: str, text: str) -> str:
    """HMAC-SHA256 (hex) of ``text`` for one ``purpose`` (the chain head, the key switch, an
    anchor). The purpose prefix is not hex, so no such MAC can pass for a record digest."""
    message = f"copilot-audit-{purpose}:{text}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def same(a: object, b: str) -> bool:
    """Constant-time comparison of a stored value with the expected digest."""
    return isinstance(a, str) and hmac.compare_digest(a.encode(), b.encode())


def make_private(path: Path, *, create: bool = True) -> None:
    """Make ``path`` readable and writable by its owner only (0600); create it empty first
    when it is missing and ``create`` is set."""
    try:
        if create:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        if path.exists() and path.stat().st_mode & 0o077:
            path.chmod(0o600)
    except OSError as exc:
        raise ConfigError(
            f"cannot make {path} readable by its owner only ({exc.strerror}); "
            f"run `chmod 600 {path}` as its owner."
        ) from exc


def _create_key_file(path: Path) -> None:
    """A new random key, written to a private temporary file and then linked into place:
    the key file appears whole or not at all, and when two processes start at once, the
    first link wins and both use that key."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            try:
                os.write(fd, (secrets.token_hex(32) + "\n").encode())
                os.fsync(fd)
            finally:
                os.close(fd)
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as exc:
        raise AuditKeyError(
            f"cannot create the audit key file {path} ({exc.strerror or exc}); let the "
            "copilot's user write to its folder, or set COPILOT_AUDIT__KEY."
        ) from exc


def _read_key_file(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise AuditKeyError(
            f"cannot read the audit key file {path} ({exc.strerror}); give the copilot's "
            "user access to it, or set COPILOT_AUDIT__KEY."
        ) from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise AuditKeyError(f"the audit key file {path} is not a regular file.")
        if info.st_mode & 0o077:
            raise AuditKeyError(
                f"the audit key file {path} may be read or changed by others (mode "
                f"{stat.S_IMODE(info.st_mode):o}); run `chmod 600 {path}` (and treat the key "
                "as exposed if others did read it), or set COPILOT_AUDIT__KEY."
            )
        text = handle.read().decode("utf-8", errors="replace")
    return _checked(text, str(path))


def _checked(text: str, where: str) -> bytes:
    key = text.strip()
    if len(key) < MIN_KEY_CHARS:
        raise AuditKeyError(
            f"the audit key in {where} is {'empty' if not key else 'too short'}: it needs at "
            f"least {MIN_KEY_CHARS} characters; {_GENERATE}."
        )
    return key.encode("utf-8")
