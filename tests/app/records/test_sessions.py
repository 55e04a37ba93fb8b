"""Web sessions that outlive a reload: signed, expiring cookies and the kept conversation."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.models import Answer, Citation, User
from app.records.auth import Authenticator, hash_password
from app.records.sessions import SessionStore, fingerprint, session_key
from app.settings import load_settings

BEN = User(name="ben", role="underwriter")
KEY = session_key(b"k" * 32)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _store(tmp_path: Path, clock: Clock, key: bytes = KEY) -> SessionStore:
    return SessionStore(tmp_path / "sessions.sqlite3", key, lifetime_s=3600, clock=clock)


def _answer(question: str) -> Answer:
    citation = Citation(
        marker=1,
        point_id="p",
        doc_id="guide",
        title="Guide",
        version="2.0",
        effective_date="2026-01-01",
        file_name="guide.pdf",
        page=3,
        page_label="3",
        section_id="B3-6-02",
        section_title="Debt-to-Income Ratios",
        passage="The standard maximum DTI ratio is 43%.",
        quote="The standard maximum DTI ratio is 43%.",
    )
    return Answer(
        question=question,
        text="The standard maximum DTI ratio is 43% [1].",
        citations=(citation,),
        backend="extractive",
        model="m",
        audit_id=7,
    )


def test_a_session_comes_back_with_its_user_and_conversation(tmp_path: Path) -> None:
    clock = Clock()
    store = _store(tmp_path, clock)
    cookie = store.open(BEN, "fp")
    assert store.resume(cookie).conversation == ()  # type: ignore[union-attr]
    store.keep(cookie, [_answer("What is the maximum DTI?")])

    again = _store(tmp_path, clock).resume(cookie)  # another process, same file
    assert again is not None
    assert again.user == BEN and again.fingerprint == "fp"
    assert [a.question for a in again.conversation] == ["What is the maximum DTI?"]
    assert again.conversation[0].citations[0].section_id == "B3-6-02"
    assert again.conversation[0].audit_id == 7


def test_the_store_keeps_a_digest_of_the_id_never_the_cookie(tmp_path: Path) -> None:
    store = _store(tmp_path, Clock())
    cookie = store.open(BEN)
    token = cookie.split(".")[0]
    raw = (tmp_path / "sessions.sqlite3").read_bytes()
    assert token.encode() not in raw and cookie.encode() not in raw
    assert (tmp_path / "sessions.sqlite3").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.replace(c.split(".")[1], str(int(c.split(".")[1]) + 86_400)),  # longer life
        lambda c: c[:-1] + ("0" if c[-1] != "0" else "1"),  # a MAC not made here
        lambda c: "A" + c[1:],  # another id under the same MAC
        lambda c: c.rsplit(".", 1)[0],  # no MAC
        lambda c: "",
        lambda c: "x.y.z",
        lambda c: c.replace(c.split(".")[1], "0" + c.split(".")[1]),  # another spelling
        lambda c: c.replace(c.split(".")[1], "\u0661\u0662\u0663"),  # other digits
        lambda c: c.replace(c.split(".")[1], "9" * 5000),
        lambda c: c.replace(c.split(".")[1], "\u00b2\u00b3"),
        lambda c: c[:-1] + "\u00e9",  # a MAC that is not ASCII
    ],
)
def test_a_changed_or_made_up_cookie_opens_nothing(tmp_path: Path, change) -> None:  # type: ignore[no-untyped-def]
    store = _store(tmp_path, Clock())
    cookie = store.open(BEN)
    assert store.resume(cookie) is not None
    assert store.resume(change(cookie)) is None


def test_kept_turns_this_version_cannot_read_leave_the_session_standing(tmp_path: Path) -> None:
    store = _store(tmp_path, Clock())
    cookie = store.open(BEN)
    for stored in ("null", "5", '[{"question": 1}]', "not json"):
        with sqlite3.connect(tmp_path / "sessions.sqlite3") as conn:
            conn.execute("UPDATE sessions SET conversation = ?", (stored,))
        again = store.resume(cookie)
        assert again is not None and again.conversation == ()


def test_a_cookie_signed_under_another_key_opens_nothing(tmp_path: Path) -> None:
    clock = Clock()
    cookie = _store(tmp_path, clock).open(BEN)
    assert _store(tmp_path, clock, session_key(b"j" * 32)).resume(cookie) is None


def test_a_session_expires_and_signing_out_ends_it(tmp_path: Path) -> None:
    clock = Clock()
    store = _store(tmp_path, clock)
    first, second = store.open(BEN), store.open(BEN)
    assert store.count() == 2
    store.close(first)
    assert store.resume(first) is None  # the cookie, if kept, opens nothing
    store.keep(first, [_answer("q")])  # and nothing is kept for it
    assert store.resume(second) is not None
    clock.now += 3601
    assert store.resume(second) is None
    assert store.count() == 0
    store.open(BEN)  # opening a session clears the expired rows
    with sqlite3.connect(tmp_path / "sessions.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1


def test_a_password_change_or_a_removed_user_ends_their_sessions(tmp_path: Path) -> None:
    def settings(users: list[dict[str, str]]):  # type: ignore[no-untyped-def]
        return load_settings(app={"data_dir": tmp_path}, auth={"mode": "password", "users": users})

    old = hash_password("ben-long-password")
    auth = Authenticator(settings([{"name": "ben", "role": "underwriter", "password_hash": old}]))
    bound = auth.fingerprint(BEN)
    assert bound == fingerprint(old)
    assert auth.resumed("ben", bound) == BEN

    # The role comes from the configuration as it is now.
    promoted = Authenticator(
        settings([{"name": "ben", "role": "compliance", "password_hash": old}])
    )
    assert promoted.resumed("ben", bound) == User(name="ben", role="compliance")

    new = hash_password("a-new-long-password")
    changed = Authenticator(
        settings([{"name": "ben", "role": "underwriter", "password_hash": new}])
    )
    assert changed.resumed("ben", bound) is None
    assert Authenticator(settings([])).resumed("ben", bound) is None
    local = Authenticator(load_settings(app={"data_dir": tmp_path}))
    assert local.resumed("ben", bound) is None


def test_the_workspace_gives_a_session_to_its_own_user_only(app_workspace) -> None:  # type: ignore[no-untyped-def]
    ws, _, user = app_workspace
    cookie = ws.open_session(user)
    assert ws.resume_session(cookie, user) is not None
    # Another person signed in by the identity provider does not get this conversation.
    assert ws.resume_session(cookie, User(name="someone-else", role="compliance")) is None
    ws.sessions.close(cookie)
    assert ws.resume_session(cookie, user) is None
