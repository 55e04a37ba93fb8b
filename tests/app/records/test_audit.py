"""The audit trail on real SQLite files: round trips, tamper detection, two writers,
filters and exports."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import AuditKeyError, ConfigError
from app.models import AuditRecord, Filters
from app.records.audit import GENESIS_HASH, AuditTrailError, SqliteAuditTrail
from tests.app.records import tampering
from tests.conftest import ROOT

KEY = b"test-audit-key-0123456789abcdef-0123456789"
"""The trails' key in these tests (the copilot reads it from the environment or a key file)."""
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
UNSTORED = {"id", "prev_hash", "hash"}
HIT = {"doc_id": "guide", "version": "2025-01", "section_id": "B3-6", "page": 3, "score": 0.8125}


def make(i: int) -> AuditRecord:
    """Record ``i`` of a trail: two a day (09:00, 21:00 UTC) from 2025-03-01."""
    feedback = i % 10 == 9
    return AuditRecord(
        created_at=T0 + timedelta(hours=12 * i),
        user=("ana", "ben")[i % 2],
        role="underwriter",
        question=f"What is the maximum DTI for <PERSON_1> case {i}?",
        redacted_entities=("PERSON",),
        filters=Filters(product="mortgage", jurisdiction="TX"),
        retrieved=({"point_id": f"p{i}", **HIT},),
        answer=f"The maximum DTI is 45% [1]. ({i})",
        backend="extractive",
        model="minilm",
        latency_ms={"total": 12.5 + i},
        abstained=i % 7 == 0,
        fell_back=i % 11 == 0,
        needs_review=i % 13 == 5,
        kind="feedback" if feedback else "question",
        feedback={"answer_id": i, "rating": "down", "comment": "wrong"} if feedback else None,
    )


def content(record: AuditRecord) -> dict[str, Any]:
    return record.model_dump(exclude=UNSTORED)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed trail of 50 records, to be copied (never modified) by each test."""
    path = tmp_path_factory.mktemp("built") / "audit.sqlite3"
    with SqliteAuditTrail(path, key=KEY) as trail:
        for i in range(50):
            trail.record(make(i))
    return path


@pytest.fixture
def trail(built: Path, tmp_path: Path) -> Iterator[SqliteAuditTrail]:
    copy = tmp_path / "copy" / "audit.sqlite3"
    copy.parent.mkdir()
    shutil.copy(built, copy)
    with SqliteAuditTrail(copy, key=KEY) as opened:
        yield opened


@pytest.fixture(scope="module")
def built_long(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed trail of 150 records (enough to lose 100 of them), copied by each test."""
    path = tmp_path_factory.mktemp("built_long") / "audit.sqlite3"
    with SqliteAuditTrail(path, key=KEY) as trail:
        for i in range(150):
            trail.record(make(i))
    return path


@pytest.fixture
def long_path(built_long: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "audit.sqlite3"
    shutil.copy(built_long, copy)
    return copy


def raw(trail: SqliteAuditTrail, sql: str) -> None:
    """Tamper with the file behind the trail's back, as someone with file access could."""
    with closing(sqlite3.connect(trail.path)) as conn, conn:
        conn.execute(sql)


def test_round_trip_of_every_field_and_the_hash(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "audit.sqlite3"
    question = make(0).model_copy(
        update={
            "created_at": datetime(
                2025, 6, 1, 8, 30, 15, 250, tzinfo=timezone(timedelta(hours=-5))
            ),
            "filters": Filters(product="heloc", jurisdiction="federal", as_of=date(2024, 12, 31)),
            "citations": ({"marker": 1, "point_id": "p0", "page": 3, "page_label": "iii"},),
            "prompt_version": "v2",
            "latency_ms": {"retrieve": 3.25, "answer": 101.0, "total": 104.5},
            "answer": "Ünïcode “quotes” and a line\nbreak [1].",
            "id": 99,
            "hash": "ignored",
        }
    )
    with SqliteAuditTrail(path, key=KEY) as trail:
        first = trail.record(question)
        fb = make(9).model_copy(update={"feedback": {"answer_id": first.id, "rating": "up"}})
        second = trail.record(fb)
        assert trail.records(newest_first=False) == [first, second]
        assert trail.head() == (2, second.hash)
    assert (first.id, second.id) == (1, 2)
    assert content(first) == content(question) and content(second) == content(fb)
    assert first.created_at.utcoffset() == timedelta(0)
    assert first.filters.as_of == date(2024, 12, 31)
    assert second.kind == "feedback" and second.feedback == {"answer_id": 1, "rating": "up"}
    assert (first.prev_hash, second.prev_hash) == (GENESIS_HASH, first.hash)
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT prev_hash, hash, record FROM audit_records").fetchall()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
    assert {"audit_records", "chain_head", "schema_version", "audit_meta"} <= tables
    for prev, digest, text in rows:  # exactly what is keyed: prev_hash + canonical JSON
        assert hmac.new(KEY, (prev + text).encode(), hashlib.sha256).hexdigest() == digest
        data = json.loads(text)
        assert text == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert "id" not in data and "hash" not in data and data["prev_hash"] == prev
    assert json.loads(rows[0][2])["created_at"] == "2025-06-01T13:30:15.000250+00:00"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(max_size=40),
    user=st.text(min_size=1, max_size=10),
    latency=st.floats(allow_nan=False, allow_infinity=False),
)
def test_any_text_round_trips_and_verifies(
    tmp_path: Path, text: str, user: str, latency: float
) -> None:
    with SqliteAuditTrail(tmp_path / "prop.sqlite3", key=KEY) as trail:
        entry = make(1).model_copy(
            update={"question": text, "answer": text, "user": user, "latency_ms": {"x": latency}}
        )
        stored = trail.record(entry)
        assert content(stored) == content(entry)
        assert trail.records(limit=1) == [stored]
        assert trail.verify().ok


def test_untouched_trail_verifies(trail: SqliteAuditTrail) -> None:
    result = trail.verify()
    assert (result.ok, result.checked, result.problems) == (True, 50, [])
    assert trail.head() == (50, trail.records(limit=1)[0].hash)


TAMPERING = {  # what is done through raw sqlite3, and the problem it must produce
    "answer edited": (
        "UPDATE audit_records SET record = json_set(record, '$.answer', 'No.') WHERE id = 7",
        "record 7: hash mismatch",
    ),
    "user column edited": (
        "UPDATE audit_records SET user = 'mallory' WHERE id = 12",
        "record 12: column user differs",
    ),
    "flag column edited": (
        "UPDATE audit_records SET abstained = 0 WHERE id = 8",
        "record 8: column abstained differs",
    ),
    "score edited": (
        "UPDATE audit_records SET record = json_set(record, '$.retrieved[0].score', 0.99) "
        "WHERE id = 30",
        "record 30: hash mismatch",
    ),
    "middle deleted": ("DELETE FROM audit_records WHERE id = 20", "record 21: follows record 19"),
    "newest deleted": ("DELETE FROM audit_records WHERE id = 50", "record 50: missing"),
}


@pytest.mark.parametrize("sql, expected", TAMPERING.values(), ids=TAMPERING.keys())
def test_tampering_is_detected(trail: SqliteAuditTrail, sql: str, expected: str) -> None:
    raw(trail, sql)
    result = trail.verify()
    assert not result.ok and result.checked >= 49
    assert any(p.startswith(expected) for p in result.problems), result.problems


def test_swapped_records_are_detected(trail: SqliteAuditTrail) -> None:
    with closing(sqlite3.connect(trail.path)) as conn, conn:
        (a,), (b,) = conn.execute(
            "SELECT record FROM audit_records WHERE id IN (10, 11) ORDER BY id"
        )
        conn.execute("UPDATE audit_records SET record = ? WHERE id = 10", (b,))
        conn.execute("UPDATE audit_records SET record = ? WHERE id = 11", (a,))
    problems = trail.verify().problems
    assert any(p.startswith("record 10: hash mismatch") for p in problems), problems
    assert any(p.startswith("record 11: hash mismatch") for p in problems), problems


def test_appending_after_deleting_the_newest_keeps_the_gap_visible(trail: SqliteAuditTrail) -> None:
    raw(trail, "DELETE FROM audit_records WHERE id = 50")
    assert trail.record(make(50)).id == 51
    assert any(p.startswith("record 51: follows record 49") for p in trail.verify().problems)


def test_a_lost_chain_head_is_reported_and_stops_appends(trail: SqliteAuditTrail) -> None:
    raw(trail, "DELETE FROM chain_head")
    # Reopening does not quietly recreate it.
    with SqliteAuditTrail(trail.path, key=KEY) as reopened:
        assert reopened.verify().problems == [
            "chain head: missing (the chain_head table was emptied)"
        ]
        with pytest.raises(AuditTrailError, match="chain head"):
            reopened.record(make(50))


def test_a_newer_schema_is_refused(trail: SqliteAuditTrail) -> None:
    raw(trail, "UPDATE schema_version SET version = 3")
    with pytest.raises(ConfigError, match="schema version 3"):
        SqliteAuditTrail(trail.path, key=KEY)


WRITER = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from app.records.audit import SqliteAuditTrail
from app.models import AuditRecord, Filters
barrier, who = Path(sys.argv[1]), sys.argv[2]
(barrier / who).touch()  # start together once both have imported, whatever the load
deadline = time.monotonic() + 30
while len(list(barrier.iterdir())) < 2 and time.monotonic() < deadline:
    time.sleep(0.001)
with SqliteAuditTrail(barrier.parent / "shared" / "audit.sqlite3", key=sys.argv[3].encode()) as trail:
    for i in range(50):
        trail.record(AuditRecord(created_at=datetime.now(UTC), user=who, role="underwriter",
            question=f"q{i}", filters=Filters(), answer="a", backend="b", model="m"))
        time.sleep(0.02)  # leave the other writer a gap, so the two really interleave
"""


def test_two_processes_append_one_chain(tmp_path: Path) -> None:
    """Both create the (new) file at once, then append 50 records each."""
    (tmp_path / "barrier").mkdir()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path / "barrier"), who, KEY.decode()],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("ana", "ben")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    with SqliteAuditTrail(tmp_path / "shared" / "audit.sqlite3", key=KEY) as trail:
        result = trail.verify()
        assert (result.ok, result.checked) == (True, 100), result.problems
        assert [r.id for r in trail.records(newest_first=False)] == list(range(1, 101))
        users = [r.user for r in trail.records(newest_first=False)]
    assert users.count("ana") == users.count("ben") == 50
    assert sum(a != b for a, b in pairwise(users)) > 1, "the two writers never interleaved"


def test_record_filters_and_limit(trail: SqliteAuditTrail) -> None:
    made = {i + 1: make(i) for i in range(50)}

    def ids(**kwargs: Any) -> list[int]:
        return [r.id or 0 for r in trail.records(**kwargs)]

    assert ids() == list(range(50, 0, -1))
    assert ids(limit=3) == [50, 49, 48]
    assert ids(limit=3, newest_first=False) == [1, 2, 3]
    assert ids(user="ben", newest_first=False) == [n for n, r in made.items() if r.user == "ben"]
    assert ids(kind="feedback", newest_first=False) == [10, 20, 30, 40, 50]
    flagged = [n for n, r in made.items() if r.abstained or r.fell_back or r.needs_review]
    assert ids(flagged=True, newest_first=False) == flagged
    assert ids(flagged=False, newest_first=False) == sorted(set(made) - set(flagged))
    # 2025-03-02 09:00 is record 3; datetime bounds are inclusive; naive means UTC.
    window = ids(start=datetime(2025, 3, 2, 9), end=T0 + timedelta(days=2), newest_first=False)
    assert window == [3, 4, 5]
    assert ids(start=T0 + timedelta(days=1), user="ana", kind="question", limit=2) == [49, 47]


def test_export_jsonl_with_inclusive_dates(trail: SqliteAuditTrail, tmp_path: Path) -> None:
    out = tmp_path / "exports" / "audit.jsonl"
    assert trail.export(out, "jsonl", start=date(2025, 3, 2), end=date(2025, 3, 4)) == 6
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [AuditRecord.model_validate_json(line) for line in lines]
    assert [r.id for r in records] == [3, 4, 5, 6, 7, 8]
    assert records == trail.records(start=T0 + timedelta(days=1), limit=6, newest_first=False)
    for line in lines:  # with the key, an outside verifier recomputes each hash from the export
        data = json.loads(line)
        digest = data.pop("hash")
        del data["id"]
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        message = (data["prev_hash"] + text).encode()
        assert hmac.new(KEY, message, hashlib.sha256).hexdigest() == digest
    assert trail.export(out, "jsonl") == 50
    assert trail.export(out, "jsonl", start=date(2025, 4, 1)) == 0
    assert out.read_text() == ""


def test_export_csv(trail: SqliteAuditTrail, tmp_path: Path) -> None:
    out = tmp_path / "audit.csv"
    assert trail.export(out, "csv", end=date(2025, 3, 5)) == 10
    with out.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == list(AuditRecord.model_fields)
    assert [int(r["id"]) for r in rows] == list(range(1, 11))
    last, expected = rows[-1], make(9)
    assert (last["kind"], last["user"], last["answer"]) == ("feedback", "ben", expected.answer)
    assert json.loads(last["feedback"]) == expected.feedback
    assert json.loads(last["retrieved"]) == list(expected.retrieved)
    assert Filters.model_validate_json(last["filters"]) == expected.filters
    assert (last["abstained"], last["prompt_version"]) == ("false", "")
    assert last["created_at"] == "2025-03-05T21:00:00.000000+00:00"
    with pytest.raises(ValueError, match="csv or jsonl"):
        trail.export(out, "xml")  # type: ignore[arg-type]


def test_export_takes_the_filters_of_records(trail: SqliteAuditTrail, tmp_path: Path) -> None:
    """What the audit page shows is what it exports: user, kind and flag as in records()."""
    out = tmp_path / "audit.jsonl"
    chosen: dict[str, Any] = {"user": "ana", "kind": "question", "flagged": True}
    count = trail.export(out, "jsonl", start=date(2025, 3, 2), **chosen)
    exported = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    shown = trail.records(start=datetime(2025, 3, 2), newest_first=False, **chosen)
    assert exported == [r.id for r in shown] and count == len(shown) > 0


def test_csv_export_defuses_spreadsheet_formulas(tmp_path: Path) -> None:
    trail = SqliteAuditTrail(tmp_path / "audit.sqlite3", key=KEY)
    entry = make(0).model_copy(update={"question": '=HYPERLINK("http://x")', "answer": "-1 [1]"})
    trail.record(entry)
    target = tmp_path / "out.csv"
    trail.export(target, "csv")
    with target.open(newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["question"] == '\'=HYPERLINK("http://x")' and row["answer"] == "'-1 [1]"
    assert trail.verify().ok
    trail.close()


WITHOUT_THE_KEY = {  # an attack in tampering.ATTACKS, and the problem it must produce
    "newest deleted, head rolled back": "chain head: HMAC mismatch",
    "last 100 deleted, head rolled back": "chain head: HMAC mismatch",
    "every record deleted": "chain head: HMAC mismatch",
    "record edited, chain re-hashed": "record 7: hash mismatch",
    "forged record appended": "record 151: hash mismatch",
}


@pytest.mark.parametrize("attack, expected", WITHOUT_THE_KEY.items(), ids=WITHOUT_THE_KEY.keys())
def test_tampering_that_kept_the_chain_consistent_is_detected(
    long_path: Path, attack: str, expected: str
) -> None:
    """Each attack leaves a consistent SHA-256 chain and chain head behind: the unkeyed
    trail called that intact. Without the key, neither digests nor the head can be redone."""
    tampering.attack(long_path, tampering.ATTACKS[attack])
    with SqliteAuditTrail(long_path, key=KEY) as trail:
        result = trail.verify()
    assert not result.ok, f"reported intact after: {attack}"
    assert any(p.startswith(expected) for p in result.problems), result.problems


def test_nothing_is_appended_on_a_rolled_back_chain_head(long_path: Path) -> None:
    """Appending would re-sign the head and so hide the records deleted."""
    tampering.attack(long_path, tampering.delete_newest)
    with SqliteAuditTrail(long_path, key=KEY) as trail:
        with pytest.raises(AuditTrailError, match="chain head the copilot did not write"):
            trail.record(make(150))
        assert trail.verify().checked == 149


def test_a_trail_is_opened_with_its_own_key_only(trail: SqliteAuditTrail) -> None:
    with pytest.raises(AuditKeyError, match="written with another key"):
        SqliteAuditTrail(trail.path, key=b"another-key-0123456789abcdef-01234")
    raw(trail, "DELETE FROM audit_meta WHERE name = 'key_id'")
    assert trail.verify().problems == ["audit_meta: the key id is missing or edited"]


def test_the_database_and_its_wal_files_are_owner_only(tmp_path: Path) -> None:
    umask = os.umask(0o022)  # a usual umask, which leaves new files world-readable
    try:
        with SqliteAuditTrail(tmp_path / "audit.sqlite3", key=KEY) as trail:
            trail.record(make(0))
            files = {f.name: stat.S_IMODE(f.stat().st_mode) for f in tmp_path.iterdir()}
    finally:
        os.umask(umask)
    assert files == {"audit.sqlite3": 0o600, "audit.sqlite3-wal": 0o600, "audit.sqlite3-shm": 0o600}


def test_a_world_readable_trail_is_made_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite3"
    tampering.unkeyed_trail(path, [make(0)])
    wal = tmp_path / "audit.sqlite3-wal"
    wal.touch(mode=0o644)  # an empty WAL file is ignored by SQLite
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    with SqliteAuditTrail(path, key=KEY):
        assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(wal.stat().st_mode) == 0o600


def unkeyed(tmp_path: Path, n: int = 20) -> Path:
    path = tmp_path / "old" / "audit.sqlite3"
    path.parent.mkdir()
    tampering.unkeyed_trail(path, [make(i) for i in range(n)])
    return path


def test_a_trail_written_before_the_key_verifies_and_is_keyed_from_then_on(
    tmp_path: Path,
) -> None:
    path = unkeyed(tmp_path)
    with SqliteAuditTrail(path, key=KEY) as trail:
        before = trail.verify()
        assert (before.ok, before.checked, before.unkeyed, before.keyed_from) == (True, 20, 20, 21)
        assert [content(r) for r in trail.records(newest_first=False)] == [
            content(make(i)) for i in range(20)
        ]
        added = trail.record(make(20))
        after = trail.verify()
    assert (after.ok, after.checked, after.unkeyed, after.keyed_from) == (True, 21, 20, 21)
    assert added.id == 21 and added.prev_hash == before.last_hash
    with closing(sqlite3.connect(path)) as conn:
        (text,) = conn.execute("SELECT record FROM audit_records WHERE id = 21").fetchone()
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
    message = (before.last_hash + text).encode()
    assert added.hash == hmac.new(KEY, message, hashlib.sha256).hexdigest()
    with SqliteAuditTrail(path, key=KEY) as reopened:  # upgraded once, not again
        assert reopened.verify() == after


def move_switch(conn: sqlite3.Connection, keyed_from: int) -> None:
    conn.execute("UPDATE audit_meta SET value = ? WHERE name = 'keyed_from'", (keyed_from,))
    (after,) = conn.execute(
        "SELECT hash FROM audit_records WHERE id = ?", (keyed_from - 1,)
    ).fetchone()
    conn.execute("UPDATE audit_meta SET value = ? WHERE name = 'keyed_after'", (after,))


def edit_unkeyed(conn: sqlite3.Connection) -> None:
    tampering.edit_and_rehash(conn, 3, last=20)


def pass_keyed_off_as_unkeyed(conn: sqlite3.Connection) -> None:
    tampering.rehash_from(conn, 21)
    move_switch(conn, 26)


def delete_switch(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM audit_meta WHERE name = 'keyed_from'")


AFTER_THE_SWITCH = [  # done to an upgraded trail of 20 unkeyed and `keyed` keyed records
    (edit_unkeyed, 0, "record 20: not the record the key switch follows"),
    (edit_unkeyed, 5, "record 20: not the record the key switch follows"),
    (edit_unkeyed, 5, "record 21: prev_hash is not the hash of record 20"),
    (pass_keyed_off_as_unkeyed, 5, "audit_meta: HMAC mismatch of the key switch marker"),
    (delete_switch, 0, "audit_meta: the key switch marker is missing"),
]


@pytest.mark.parametrize("how, keyed, expected", AFTER_THE_SWITCH)
def test_tampering_with_an_upgraded_trail_is_detected(
    tmp_path: Path, how: Any, keyed: int, expected: str
) -> None:
    path = unkeyed(tmp_path)
    with SqliteAuditTrail(path, key=KEY) as trail:
        for i in range(keyed):
            trail.record(make(20 + i))
    tampering.attack(path, how)
    with SqliteAuditTrail(path, key=KEY) as trail:
        problems = trail.verify().problems
    assert any(p.startswith(expected) for p in problems), problems


def test_what_the_key_alone_cannot_show(long_path: Path) -> None:
    """Every record re-hashed by the old rule and the key switch marker dropped: the trail
    looks written before the key and verifies, every record unkeyed (the command line says
    so). Anchors catch it (test_audit_anchors.py)."""
    tampering.attack(long_path, tampering.downgrade)
    with SqliteAuditTrail(long_path, key=KEY) as trail:
        result = trail.verify()
    assert (result.ok, result.checked, result.unkeyed) == (True, 150, 150)


def test_get_one_record_by_id(tmp_path: Path) -> None:
    with SqliteAuditTrail(tmp_path / "audit.sqlite3", key=KEY) as trail:
        first, second = trail.record(make(0)), trail.record(make(9))
        assert trail.get(1) == first and trail.get(2) == second
        assert trail.get(3) is None and trail.get(0) is None
