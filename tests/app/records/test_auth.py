from __future__ import annotations

import pytest

from app.errors import CopilotError
from app.models import User
from app.records.auth import (
    Authenticator,
    PermissionDeniedError,
    SignInError,
    hash_password,
    require,
    verify_password,
)
from app.settings import load_settings


def test_password_hashes_verify_and_differ_each_time() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("correct horse battery", first) and verify_password(
        "correct horse battery", second
    )
    assert not verify_password("correct horse batterY", first)
    assert not verify_password("anything", "not-a-hash")
    with pytest.raises(CopilotError, match="12 characters"):
        hash_password("short")


def test_sign_in_against_configured_users() -> None:
    settings = load_settings(auth={"mode": "password", "users": [
        {"name": "ana", "role": "compliance", "password_hash": hash_password("ana's long password")},
        {"name": "ben", "role": "underwriter", "password_hash": hash_password("ben's long password")},
    ]})  # fmt: skip
    auth = Authenticator(settings)
    assert auth.local_user() is None
    assert auth.sign_in("ana", "ana's long password") == User(name="ana", role="compliance")
    assert auth.sign_in("ben", "ben's long password").role == "underwriter"
    for name, password in (("ana", "ben's long password"), ("zoe", "whatever it is"), ("", "")):
        with pytest.raises(SignInError, match="unknown user or wrong password"):
            auth.sign_in(name, password)


def test_local_mode_is_one_configured_user() -> None:
    auth = Authenticator(load_settings(app={"user": "desk", "role": "underwriter"}))
    assert auth.local_user() == User(name="desk", role="underwriter")


def test_roles() -> None:
    require(User(name="a", role="compliance"), "compliance", "purging documents")
    require(User(name="b", role="underwriter"), "underwriter", "asking")
    with pytest.raises(
        PermissionDeniedError,
        match="purging documents is for compliance staff; b is an underwriter",
    ):
        require(User(name="b", role="underwriter"), "compliance", "purging documents")


def test_hash_password_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from app import cli

    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert cli.main(["hash-password"]) == 0
    assert verify_password("a long enough password", capsys.readouterr().out.strip())
