"""Anchors of the audit trail, on real SQLite and anchors files: what they catch that the key
alone cannot, forged anchor lines, and `copilot audit anchor` / `verify` end to end."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app import cli
from app.records.anchors import append_anchor, verify
from app.records.audit import SqliteAuditTrail, open_trail
from app.settings import load_settings
from tests.app.records import tampering
from tests.app.records.test_audit import KEY, make

ANCHORED_AT = datetime(2025, 4, 1, 2, 0, tzinfo=UTC)


def build(path: Path, n: int, *, key: bytes = KEY, first: int = 0) -> None:
    with SqliteAuditTrail(path, key=key) as trail:
        for i in range(first, first + n):
            trail.record(make(i))


def anchor(path: Path, anchors: Path, *, key: bytes = KEY) -> None:
    with SqliteAuditTrail(path, key=key) as trail:
        result = trail.verify()
        assert result.ok, result.problems
        append_anchor(trail, result, anchors, now=ANCHORED_AT)


def checked(path: Path, anchors: Path, *, key: bytes = KEY) -> tuple[int, list[str]]:
    with SqliteAuditTrail(path, key=key) as trail:
        result = verify(trail, anchors)
    return result.anchors, result.problems


@pytest.fixture(scope="module")
def anchored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """150 records, anchored after 40 and after 150; copied by each test."""
    folder = tmp_path_factory.mktemp("anchored")
    build(folder / "audit.sqlite3", 40)
    anchor(folder / "audit.sqlite3", folder / "anchors.jsonl")
    build(folder / "audit.sqlite3", 110, first=40)
    anchor(folder / "audit.sqlite3", folder / "anchors.jsonl")
    return folder


@pytest.fixture
def folder(anchored: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "trail"
    shutil.copytree(anchored, copy)
    return copy


def test_an_untouched_trail_passes_every_anchor(folder: Path) -> None:
    assert checked(folder / "audit.sqlite3", folder / "anchors.jsonl") == (2, [])
    lines = [json.loads(line) for line in (folder / "anchors.jsonl").read_text().splitlines()]
    assert [(a["count"], a["head_id"], a["keyed_from"]) for a in lines] == [
        (40, 40, 1),
        (150, 150, 1),
    ]
    assert {a["at"] for a in lines} == {"2025-04-01T02:00:00+00:00"}
    assert set(lines[0]) == {"count", "head_id", "head", "keyed_from", "at", "mac"}


def test_the_anchors_file_is_owner_only_and_appended_to(tmp_path: Path) -> None:
    path, anchors = tmp_path / "audit.sqlite3", tmp_path / "anchors.jsonl"
    build(path, 1)
    anchor(path, anchors)
    first = anchors.read_bytes()
    anchor(path, anchors)
    assert stat.S_IMODE(anchors.stat().st_mode) == 0o600
    assert anchors.read_bytes().startswith(first) and len(anchors.read_text().splitlines()) == 2


ANCHORS_CATCH = {  # an attack in tampering.ATTACKS, and the anchor problem it must produce
    "newest deleted, head rolled back": "anchor line 2 (2025-04-01T02:00:00+00:00): the trail "
    "held 150 records, it now holds 149 (records deleted)",
    "last 100 deleted, head rolled back": "anchor line 2 (2025-04-01T02:00:00+00:00): record "
    "150 is gone",
    "every record deleted": "anchor line 1 (2025-04-01T02:00:00+00:00): the trail held 40 "
    "records, it now holds 0 (records deleted, the trail emptied)",
    "record edited, chain re-hashed": "anchor line 2 (2025-04-01T02:00:00+00:00): record 150 is "
    "not the record anchored",
}


@pytest.mark.parametrize("attack, expected", ANCHORS_CATCH.items(), ids=ANCHORS_CATCH.keys())
def test_anchors_catch_a_trail_cut_back_emptied_or_rewritten(
    folder: Path, attack: str, expected: str
) -> None:
    tampering.attack(folder / "audit.sqlite3", tampering.ATTACKS[attack])
    count, problems = checked(folder / "audit.sqlite3", folder / "anchors.jsonl")
    assert count == 2 and any(p.startswith(expected) for p in problems), problems


def test_anchors_catch_an_older_copy_put_back(tmp_path: Path) -> None:
    """Every digest and the head of the older copy are genuine: only an anchor made since
    shows that records are missing."""
    path, anchors = tmp_path / "audit.sqlite3", tmp_path / "anchors.jsonl"
    build(path, 40)
    shutil.copy(path, tmp_path / "older.sqlite3")
    build(path, 10, first=40)
    anchor(path, anchors)
    shutil.copy(tmp_path / "older.sqlite3", path)
    with SqliteAuditTrail(path, key=KEY) as trail:
        assert trail.verify().ok
    assert checked(path, anchors)[1] == [
        "anchor line 1 (2025-04-01T02:00:00+00:00): the trail held 50 records, it now holds 40 "
        "(records deleted)",
        "anchor line 1 (2025-04-01T02:00:00+00:00): record 50 is gone (the trail was cut back "
        "or replaced)",
    ]


def test_anchors_catch_a_deleted_and_restarted_trail(folder: Path) -> None:
    for file in folder.glob("audit.sqlite3*"):
        file.unlink()
    build(folder / "audit.sqlite3", 3)
    problems = checked(folder / "audit.sqlite3", folder / "anchors.jsonl")[1]
    assert [p.split(": ", 1)[1] for p in problems] == [
        "the trail held 40 records, it now holds 3 (records deleted)",
        "record 40 is gone (the trail was cut back or replaced)",
        "the trail held 150 records, it now holds 3 (records deleted)",
        "record 150 is gone (the trail was cut back or replaced)",
    ]


def test_anchors_catch_a_trail_passed_off_as_written_before_the_key(folder: Path) -> None:
    tampering.attack(folder / "audit.sqlite3", tampering.downgrade)
    problems = checked(folder / "audit.sqlite3", folder / "anchors.jsonl")[1]
    assert any("record 150 is not the record anchored" in p for p in problems), problems
    assert any("the key switch moved from record 1 to record 151" in p for p in problems)


def forge(line: dict[str, object]) -> dict[str, object]:
    return {**line, "count": 10, "head_id": 10}


def resign(line: dict[str, object]) -> dict[str, object]:
    return {**line, "count": 10, "mac": "0" * 64}


@pytest.mark.parametrize(
    "edit, expected",
    [
        (forge, "anchor line 3: HMAC mismatch (a forged or edited anchor"),
        (resign, "anchor line 3: HMAC mismatch (a forged or edited anchor"),
        (lambda line: {"count": 1}, "anchor line 3: not an anchor (edited or damaged)"),
    ],
    ids=["edited", "forged MAC", "not an anchor"],
)
def test_a_forged_or_edited_anchor_line_is_reported(
    folder: Path, edit: Callable[[dict[str, object]], dict[str, object]], expected: str
) -> None:
    anchors = folder / "anchors.jsonl"
    last = json.loads(anchors.read_text().splitlines()[-1])
    with anchors.open("a") as out:
        out.write(json.dumps(edit(last)) + "\n")
    count, problems = checked(folder / "audit.sqlite3", anchors)
    assert count == 3 and any(p.startswith(expected) for p in problems), problems


def test_anchors_made_with_another_key_are_reported(folder: Path) -> None:
    other = folder / "other.sqlite3"
    build(other, 1, key=b"another-key-0123456789abcdef-01234")
    anchor(other, folder / "anchors.jsonl", key=b"another-key-0123456789abcdef-01234")
    problems = checked(folder / "audit.sqlite3", folder / "anchors.jsonl")[1]
    assert problems == [
        "anchor line 3: HMAC mismatch (a forged or edited anchor, or one made with another key)"
    ]


# The command line, over a data directory of its own (no question is asked: no model).


def copilot(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory with a trail of 50 records, made as the copilot makes it."""
    data = tmp_path / "data"
    monkeypatch.setenv("COPILOT_APP__DATA_DIR", str(data))
    with open_trail(load_settings()) as trail:
        for i in range(50):
            trail.record(make(i))
    return data


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_cli_anchor_then_verify(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, out, err = copilot(capsys, "audit", "verify")
    assert (code, out) == (0, "audit trail intact: 50 records checked\n")
    assert err.startswith("warning: no anchors checked") and err.count("\n") == 1

    code, out, err = copilot(capsys, "audit", "anchor")
    assert code == 0 and err == ""
    assert out.startswith("anchored 50 records (newest: record 50, ") and out.count("\n") == 1
    code, out, err = copilot(capsys, "audit", "verify")
    assert (code, out, err) == (
        0,
        "audit trail intact: 50 records checked against 1 anchor(s)\n",
        "",
    )
    assert {p.name: mode(p) for p in data.iterdir()} == {
        "audit.sqlite3": 0o600,
        "audit.key": 0o600,
        "audit.anchors.jsonl": 0o600,
    }


def test_cli_reports_a_cut_back_trail_in_one_line_per_problem(
    capsys: pytest.CaptureFixture[str], data: Path
) -> None:
    assert copilot(capsys, "audit", "anchor")[0] == 0
    tampering.attack(data / "audit.sqlite3", lambda conn: tampering.delete_newest(conn, 10))
    code, out, err = copilot(capsys, "audit", "verify")
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("tampered: chain head: HMAC mismatch")
    assert any(" the trail held 50 records, it now holds 40 (records deleted)" in x for x in lines)
    assert lines[-1] == "audit trail FAILED verification: 3 problem(s)"
    assert all(x.startswith("tampered: ") for x in lines[:-1])


def test_cli_verifies_against_a_copy_of_the_anchors_kept_elsewhere(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    offsite = tmp_path / "offsite" / "anchors.jsonl"
    assert copilot(capsys, "audit", "anchor", "--anchors", str(offsite))[0] == 0
    assert not (data / "audit.anchors.jsonl").exists() and mode(offsite) == 0o600
    code, out, _ = copilot(capsys, "audit", "verify", "--anchors", str(offsite))
    assert (code, out) == (0, "audit trail intact: 50 records checked against 1 anchor(s)\n")
    # The trail and the local anchors rolled back together: the copy still tells.
    tampering.attack(data / "audit.sqlite3", tampering.delete_all)
    code, out, err = copilot(capsys, "audit", "verify", "--anchors", str(offsite))
    assert code == 1 and "the trail emptied" in out

    code, _, err = copilot(capsys, "audit", "verify", "--anchors", str(tmp_path / "nowhere"))
    assert (
        code == 2
        and err == f"error: there is no anchors file {tmp_path / 'nowhere'}; check the path.\n"
    )


def test_cli_does_not_anchor_a_tampered_trail(
    capsys: pytest.CaptureFixture[str], data: Path
) -> None:
    tampering.attack(data / "audit.sqlite3", tampering.append_forged)
    code, out, err = copilot(capsys, "audit", "anchor")
    assert code == 1 and err == "not anchored: the trail fails verification\n"
    assert "tampered: record 51: hash mismatch" in out
    assert not (data / "audit.anchors.jsonl").exists()


def test_cli_reports_a_forged_anchor_line(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    assert copilot(capsys, "audit", "anchor")[0] == 0
    anchors = data / "audit.anchors.jsonl"
    line = json.loads(anchors.read_text())
    with anchors.open("a") as out:
        out.write(json.dumps({**line, "count": 5, "head_id": 5}) + "\n")
    code, out, _ = copilot(capsys, "audit", "verify")
    assert code == 1 and out.splitlines() == [
        "tampered: anchor line 2: HMAC mismatch (a forged or edited anchor, or one made with "
        "another key)",
        "audit trail FAILED verification: 1 problem(s)",
    ]


def test_cli_refuses_a_key_file_others_can_read(
    capsys: pytest.CaptureFixture[str], data: Path
) -> None:
    key = data / "audit.key"
    key.chmod(0o644)
    for action in ("verify", "anchor", "export"):
        extra = ["--out", str(data / "out.csv")] if action == "export" else []
        code, out, err = copilot(capsys, "audit", action, *extra)
        assert (code, out) == (2, "")
        assert err == (
            f"error: the audit key file {key} may be read or changed by others (mode 644); run `chmod 600 "
            f"{key}` (and treat the key as exposed if others did read it), or set "
            "COPILOT_AUDIT__KEY.\n"
        )


def test_cli_notes_records_written_before_the_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COPILOT_APP__DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COPILOT_AUDIT__KEY", KEY.decode())
    (tmp_path / "data").mkdir()
    tampering.unkeyed_trail(tmp_path / "data" / "audit.sqlite3", [make(i) for i in range(5)])
    assert copilot(capsys, "audit", "anchor")[0] == 0
    code, out, _ = copilot(capsys, "audit", "verify")
    assert code == 0 and out.splitlines() == [
        "audit trail intact: 5 records checked against 1 anchor(s)",
        "note: records 1-5 predate the audit key; they are unchanged since the key was "
        "introduced, but what they held before, nothing can show",
    ]
    assert not (tmp_path / "data" / "audit.key").exists()  # the key came from the environment
    with closing(sqlite3.connect(tmp_path / "data" / "audit.sqlite3")) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (2,)
