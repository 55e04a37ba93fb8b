from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.errors import CopilotError
from app.models import User
from app.records.audit import SqliteAuditTrail
from app.records.auth import (
    Authenticator,
    PermissionDeniedError,
    SignInError,
    SignInThrottledError,
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


ANA, BEN = "ana's long password", "ben's long password"
USERS = [
    {"name": "ana", "role": "compliance", "password_hash": hash_password(ANA)},
    {"name": "ben", "role": "underwriter", "password_hash": hash_password(BEN)},
]


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 32630.316742207066  # where (now + 300) - now is 300.00000000000364

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def signing_in(tmp_path: Path, clock: Clock) -> Iterator[Callable[..., Any]]:
    """Makes an Authenticator (password mode, given auth overrides) over a real audit trail
    and the test's clock; returns ``(authenticator, trail)``."""
    trails: list[SqliteAuditTrail] = []

    def make(**auth: Any) -> tuple[Authenticator, SqliteAuditTrail]:
        settings = load_settings(auth={"mode": "password", "users": USERS, **auth})
        trails.append(SqliteAuditTrail(tmp_path / f"audit-{len(trails)}.sqlite3", key=b"k" * 32))
        return Authenticator(settings, audit=trails[-1], clock=clock), trails[-1]

    yield make
    for trail in trails:
        trail.close()


def refusal(auth: Authenticator, name: str, password: str, client: str | None = None) -> str:
    with pytest.raises(SignInError) as refused:
        auth.sign_in(name, password, client=client)
    return str(refused.value)


def test_twenty_wrong_passwords_lock_the_name_until_the_lock_time_has_passed(
    signing_in: Callable[..., Any], clock: Clock
) -> None:
    auth, trail = signing_in()
    messages = [refusal(auth, "ana", "twenty guesses in a row") for _ in range(20)]
    assert messages[:3] == [
        "unknown user or wrong password",
        "unknown user or wrong password; wait 1 second before trying again",
        "tried again too soon after a failure; wait 2 seconds before trying again",
    ]
    assert messages[4].endswith("; too many failed sign-ins, try again in 5 minutes")
    assert set(messages[5:]) == {"too many failed sign-ins; try again in 5 minutes"}

    clock.now += 299  # the right password is refused while the lock lasts
    with pytest.raises(SignInThrottledError, match="try again in 1 second"):
        auth.sign_in("ana", ANA)
    clock.now += 1
    assert auth.sign_in("ana", ANA) == User(name="ana", role="compliance")
    assert refusal(auth, "ana", "wrong again") == "unknown user or wrong password"

    records = trail.records(kind="sign_in", newest_first=False)
    details = [r.sign_in or {} for r in records]
    assert [r.user for r in records] == ["ana"] * 6 and {r.role for r in records} == {""}
    assert [d["failures"] for d in details] == [1, 2, 3, 4, 5, 1]
    assert [d["too_soon"] for d in details] == [False, False, True, True, True, False]
    assert [d["locked"] for d in details] == [False, False, False, False, True, False]
    assert {d["client"] for d in details} == {None}
    assert trail.verify().ok
    stored = b"".join(f.read_bytes() for f in trail.path.parent.glob(trail.path.name + "*"))
    assert b"guesses" not in stored and b"ana" in stored  # the name is kept, never a password


def test_the_wait_grows_an_early_try_fails_and_unknown_names_are_treated_alike(
    signing_in: Callable[..., Any], clock: Clock
) -> None:
    auth, _ = signing_in()
    for name in ("ben", "zoe"):  # zoe is no user: nothing tells the two apart
        waits = []
        for wait in (0, 1, 2, 4, 0):
            waits.append(refusal(auth, name, "wrong password").partition("; ")[2])
            clock.now += wait
        assert waits == [
            "",
            "wait 1 second before trying again",
            "wait 2 seconds before trying again",
            "wait 4 seconds before trying again",
            "too many failed sign-ins, try again in 5 minutes",
        ]
        clock.now += 300

    refusal(auth, "ben", "wrong password")
    refusal(auth, "ben", "wrong password")
    clock.now += 0.5  # before the 1 s wait is over: refused unchecked, and counted
    assert refusal(auth, "ben", BEN).startswith("tried again too soon after a failure")
    clock.now += 2
    assert auth.sign_in("ben", BEN).name == "ben"  # a success forgets the failures
    assert refusal(auth, "ben", "wrong password") == "unknown user or wrong password"


def test_a_client_is_locked_whatever_names_it_tries_and_other_clients_are_not(
    signing_in: Callable[..., Any], clock: Clock
) -> None:
    auth, trail = signing_in(client_max_failures=6)
    for n in range(6):
        refusal(auth, f"guess{n}", "password", client="203.0.113.9")
        clock.now += 30  # past any wait of the client's
    with pytest.raises(SignInThrottledError, match="try again in 5 minutes"):
        auth.sign_in("ben", BEN, client="203.0.113.9")
    for _ in range(3):  # successes do not add up to a wait
        assert auth.sign_in("ben", BEN, client="198.51.100.7").name == "ben"
    assert auth.sign_in("ben", BEN).name == "ben"
    details = [r.sign_in or {} for r in trail.records(kind="sign_in", newest_first=False)]
    assert [d["client"] for d in details] == ["203.0.113.9"] * 6
    assert [d["locked"] for d in details] == [False] * 5 + [True]
