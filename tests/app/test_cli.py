"""The copilot command line, run in-process over the real stack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import cli
from tests.conftest import SAMPLE_MANIFEST, SAMPLES


@pytest.fixture(autouse=True)
def _shared_model(monkeypatch: pytest.MonkeyPatch, embedding) -> None:  # type: ignore[no-untyped-def]
    # The real model, loaded once per session rather than once per command.
    monkeypatch.setattr("app.factory.build_embedding", lambda settings: embedding)


def copilot(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_inventory_retire_and_purge(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = copilot(capsys, "ingest", "--manifest", str(SAMPLE_MANIFEST))
    assert code == 0
    assert "9 new, 1 replaced, 0 unchanged, 0 failed" in out
    assert (
        "replaced   mortgage-underwriting-guide-v2.pdf: "
        "mortgage-underwriting-guide 2.0 is current (was 1.0)" in out
    )

    code, out, _ = copilot(capsys, "ingest", "--manifest", str(SAMPLE_MANIFEST))
    assert code == 0 and "0 new, 0 replaced, 10 unchanged, 0 failed" in out

    code, out, _ = copilot(capsys, "docs")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:6] == ["DOC", "ID", "VERSION", "STATUS", "EFFECTIVE", "PAGES"]
    guide = [line.split() for line in lines if line.startswith("mortgage-underwriting-guide ")]
    assert [row[1:4] for row in guide] == [
        ["2.0", "current", "2026-03-01"],
        ["1.0", "superseded", "2025-01-15"],
    ]
    assert lines[-1] == "9 documents, 10 versions"

    code, out, _ = copilot(capsys, "retire", "personal-loan-policy")
    assert code == 0 and "retired personal-loan-policy" in out
    code, out, _ = copilot(capsys, "docs")
    assert any(
        line.startswith("personal-loan-policy") and " retired " in line for line in out.splitlines()
    )

    code, _, err = copilot(capsys, "purge", "auto-loan-credit-policy")
    assert code == 2 and "pass --yes" in err
    code, out, _ = copilot(capsys, "purge", "auto-loan-credit-policy", "--yes")
    assert code == 0 and "purged auto-loan-credit-policy: 17 chunk(s) removed" in out
    code, out, _ = copilot(capsys, "docs")
    assert (
        "auto-loan-credit-policy" not in out and out.splitlines()[-1] == "8 documents, 9 versions"
    )


def test_a_failed_file_is_reported_and_sets_the_exit_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    good = SAMPLES / "pdf" / "personal-loan-policy.pdf"
    meta = ["--product", "personal", "--jurisdiction", "US-federal", "--doc-type", "policy",
            "--version", "1.6", "--effective-date", "2025-04-01"]  # fmt: skip
    code, out, _ = copilot(capsys, "ingest", str(good), "--doc-id", "personal-loan-policy", *meta)
    assert code == 0 and "new        personal-loan-policy.pdf" in out
    code, out, _ = copilot(capsys, "ingest", str(empty), "--doc-id", "other", *meta)
    assert code == 1
    assert "failed     empty.pdf: empty.pdf: the file is empty" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ingest"], "name files or folders to ingest"),
        (["retire", "no-such-doc"], "no document 'no-such-doc' in the index"),
        (["ingest", "--manifest", "missing.json"], "manifest missing.json does not exist"),
    ],
)
def test_user_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = copilot(capsys, *argv)
    assert code == 2
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


@pytest.fixture
def sample_copy(monkeypatch: pytest.MonkeyPatch, sample_data: Path, tmp_path: Path) -> Path:
    """The sample library's index, a copy of its own (the shared one may be held open by
    another fixture), and a fresh audit trail: the audit file's path is returned."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(sample_data, data)
    audit = tmp_path / "audit.sqlite3"
    monkeypatch.setenv("COPILOT_APP__DATA_DIR", str(data))
    monkeypatch.setenv("COPILOT_AUDIT__PATH", str(audit))
    return audit


def test_ask_batch_and_audit_commands(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sample_copy: Path,
    tmp_path: Path,
) -> None:
    import json
    import sqlite3

    audit = sample_copy
    monkeypatch.setenv("COPILOT_APP__USER", "cli-user")

    code, out, _ = copilot(capsys, "ask", "What is the maximum DTI ratio?", "--product", "mortgage")
    assert code == 0
    assert out.splitlines()[0] == "The standard maximum DTI ratio is 43% [1]."
    assert (
        "[1] Mortgage Underwriting Guide v2.0 (effective 2026-03-01), section B3-6-02 Debt-to-Income Ratios, page 5"
        in out
    )

    code, out, _ = copilot(capsys, "ask", "Who parks where?", "--json")
    answer = json.loads(out)
    assert code == 0 and answer["abstained"] is True and answer["closest_sections"]

    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        '{"id": "q1", "question": "What is the maximum DTI ratio?", "product": "mortgage", "as_of": "2025-06-01"}\n'
        '{"id": "q2", "question": "   "}\n'
        '{"id": "q3", "question": "When must an adverse action notice be sent?"}\n'
    )
    code, out, _ = copilot(capsys, "ask", "--questions", str(questions), "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [r["id"] for r in rows] == ["q1", "q2", "q3"]
    assert rows[0]["citations"][0]["version"] == "1.0"
    assert rows[1] == {"id": "q2", "error": "the question is empty; type a policy question"}
    assert rows[2]["citations"]

    code, out, _ = copilot(capsys, "audit", "verify")
    assert code == 0 and out.strip() == "audit trail intact: 4 records checked"
    target = tmp_path / "export.jsonl"
    code, out, _ = copilot(capsys, "audit", "export", "--format", "jsonl", "--out", str(target))
    assert code == 0 and "wrote 4 record(s)" in out
    assert all(json.loads(line)["user"] == "cli-user" for line in target.read_text().splitlines())

    with sqlite3.connect(audit) as db:
        db.execute("UPDATE audit_records SET record = replace(record, '43%', '50%') WHERE id = 1")
    code, out, _ = copilot(capsys, "audit", "verify")
    assert code == 1 and "tampered: " in out and "FAILED verification" in out


def test_serve_binds_loopback_with_usage_statistics_off(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COPILOT_APP__PORT", "8612")
    code, out, _ = copilot(capsys, "serve", "--dry-run")
    assert code == 0
    assert "streamlit run " in out and out.split()[4].endswith("app/ui/main.py")
    assert "--server.address 127.0.0.1" in out
    assert "--server.port 8612" in out
    assert "--browser.gatherUsageStats false" in out


@pytest.mark.parametrize("to_mode", ["edge", "local"])
def test_migrate_copies_the_whole_index_to_another_store(
    capsys, monkeypatch, tmp_path: Path, sample_data: Path, embedding, to_mode: str
) -> None:  # type: ignore[no-untyped-def]
    """From the default Edge index to a new Edge or qdrant-client local one."""
    import shutil

    from app.factory import open_store
    from app.settings import load_settings

    data = tmp_path / "data"
    shutil.copytree(sample_data, data)
    monkeypatch.setenv("COPILOT_APP__DATA_DIR", str(data))
    target = tmp_path / "moved"
    code, out, err = copilot(capsys, "migrate", "--to-path", str(target), "--to-mode", to_mode)
    assert code == 0, err
    copied = re.search(r"copied 9 documents \((\d+) chunk points\)", out)
    assert copied, out

    before = open_store(load_settings(app={"data_dir": data}), None)
    moved_to = load_settings(app={"data_dir": data}, store={"path": target, "mode": to_mode})
    after = open_store(moved_to, None)
    try:
        assert int(copied[1]) == before.count() > 200, out

        def same(records):  # type: ignore[no-untyped-def]
            return [r.model_copy(update={"revision": 0, "writer": ""}) for r in records]

        assert same(after.documents()) == same(before.documents())  # versions and statuses
        assert after.count() == before.count()
        assert after.count(status="current") == before.count(status="current")
        assert after.count(status="staged") == 0
        vector = embedding.embed(["What is the maximum DTI ratio?"])[0]
        from app.models import Filters

        found = [h.point_id for h in before.search(vector, Filters(), limit=5, score_floor=0)]
        moved = [h.point_id for h in after.search(vector, Filters(), limit=5, score_floor=0)]
        assert moved == found
    finally:
        before.close()
        after.close()

    code, _, err = copilot(capsys, "migrate", "--to-path", str(target), "--to-mode", to_mode)
    assert code != 0 and "already holds documents" in err


def test_a_citation_of_an_official_interpretation_says_so() -> None:
    from datetime import date

    from app.cli import format_answer
    from app.models import Citation, RetrievedChunk, Status
    from tests.app.records.test_loan_file import answer

    def cited(path: tuple[str, ...]) -> Citation:
        chunk = RetrievedChunk(
            point_id="p1", score=0.7, doc_id="reg-z", title="Regulation Z", version="2014",
            effective_date=date(2014, 1, 10), status=Status.CURRENT, product="mortgage",
            jurisdiction="US-federal", doc_type="regulation", file_name="reg-z.pdf",
            section_id="43(f)", section_title="Balloon-payment qualified mortgages",
            section_path=path, page_start=9, page_end=9, page_label_start="9",
            page_label_end="9", ordinal=3, text="1. A balloon-payment loan ...",
        )  # fmt: skip
        return Citation.from_chunk(1, chunk, "1. A balloon-payment loan ...")

    comment = cited(("Section 1026.43\u2014Minimum Standards", "43(f) Balloon-payment"))
    rule = cited(("§ 1026.43 Minimum standards.", "(f) Balloon-payment qualified mortgages."))
    assert (comment.kind, rule.kind) == ("interpretation", "rule")
    assert "(official interpretation), page 9" in format_answer(answer(citations=(comment,)))
    assert "interpretation" not in format_answer(answer(citations=(rule,)))
    # An audit record or a saved answer from before the field reads as rule text.
    assert Citation.model_validate(rule.model_dump(exclude={"kind"})).kind == "rule"


def test_a_citation_names_the_paragraph_its_quote_stands_in() -> None:
    """The CLI and a saved answer's JSON name the paragraph: "§ 1026.43(e)(2)(ii)" for the
    rule, "comment 43(e)(2)-1.i" for its official interpretation."""
    from datetime import date

    from app.cli import format_answer
    from app.models import Citation, RetrievedChunk, Status
    from tests.app.records.test_loan_file import answer

    rule_text = (
        "(2) Qualified mortgage defined. A qualified mortgage is a loan that does not:\n"
        "(i) Increase the principal balance;\n"
        "(ii) Allow the consumer to defer repayment of principal; or"
    )

    def cited(path: tuple[str, ...], text: str, marks, quote: str) -> Citation:  # type: ignore[no-untyped-def]
        chunk = RetrievedChunk(
            point_id="p1", score=0.7, doc_id="reg-z", title="Regulation Z", version="2014",
            effective_date=date(2014, 1, 10), status=Status.CURRENT, product="mortgage",
            jurisdiction="US-federal", doc_type="regulation", file_name="reg-z.pdf",
            section_id=path[-1].split()[0], section_title="Qualified mortgages",
            section_path=path, page_start=9, page_end=9, page_label_start="9",
            page_label_end="9", ordinal=3, text=text, paragraphs=marks,
        )  # fmt: skip
        return Citation.from_chunk(1, chunk, quote)

    marks = ((0, "(2)"), (rule_text.index("(i)"), "(2)(i)"), (rule_text.index("(ii)"), "(2)(ii)"))
    rule = cited(
        ("§ 1026.43 Minimum standards.", "(e) Qualified mortgages."),
        rule_text,
        marks,
        "(ii) Allow the consumer to defer repayment of principal; or",
    )
    assert rule.paragraph == "§ 1026.43(e)(2)(ii)"
    assert ", § 1026.43(e)(2)(ii), page 9" in format_answer(answer(citations=(rule,)))
    comment_text = "1. Interest-only loans.\ni. A loan whose payments defer principal is not one."
    comment = cited(
        ("Section 1026.43—Minimum Standards", "43(e)(2) Qualified mortgage defined"),
        comment_text,
        ((0, "item 1"), (comment_text.index("i. A"), "item 1.i")),
        "i. A loan whose payments defer principal is not one.",
    )
    assert comment.paragraph == "comment 43(e)(2)-1.i"
    assert "(official interpretation), comment 43(e)(2)-1.i, page 9" in format_answer(
        answer(citations=(comment,))
    )
    # A quote that is not in the passage (white space aside) names no paragraph; nor does
    # a passage indexed before paragraphs were read.
    assert cited(rule.section_id and ("§ 1026.43 M",), rule_text, marks, "Other.").paragraph == ""
    assert cited(("§ 1026.43 M",), rule_text, (), "(i) Increase the").paragraph == ""
    assert Citation.model_validate(rule.model_dump(exclude={"paragraph"})).paragraph == ""


def test_a_source_printed_says_what_its_passage_is_read_within() -> None:
    """The terminal shows a citation's lead-ins, as the app does: an item quoted from a
    passage that starts inside a list is read under the sentence that opens the list."""
    from datetime import date

    from app.cli import format_answer
    from app.models import Citation, RetrievedChunk, Status
    from tests.app.records.test_loan_file import answer

    def cited(context: str) -> Citation:
        chunk = RetrievedChunk(
            point_id="p1", score=0.7, doc_id="reg-x", title="Regulation X", version="2017",
            effective_date=date(2017, 10, 19), status=Status.CURRENT, product="mortgage",
            jurisdiction="US-federal", doc_type="regulation", file_name="reg-x.pdf",
            section_id="1024.41(c)", section_title="Evaluation", section_path=("§ 1024.41",),
            page_start=4, page_end=4, page_label_start="4", page_label_end="4", ordinal=2,
            text="(B) The application was not complete more than 37 days before a sale; or",
            context=context,
        )  # fmt: skip
        return Citation.from_chunk(1, chunk, chunk.text)

    lead = "(ii) A servicer is not required to provide a notice if:\n\x1b[2J(3) Timing."
    printed = format_answer(answer(citations=(cited(lead),))).splitlines()
    at = next(n for n, line in enumerate(printed) if line.startswith("  [1] Regulation X"))
    assert printed[at + 1] == (
        "      within: (ii) A servicer is not required to provide a notice if: > "
        "\\x1b[2J(3) Timing."
    )  # the document's text, its control characters shown escaped
    alone = format_answer(answer(citations=(cited(""),)))
    assert "within:" not in alone


def test_a_quoted_table_prints_as_aligned_columns_with_its_markers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sample_copy: Path
) -> None:
    monkeypatch.setattr("app.cli._terminal_width", lambda: 100)
    code, out, _ = copilot(capsys, "ask", "What are the adverse action notice deadlines?")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Table 1: Adverse Action Notice Deadlines (Section 3)"
    deadline = lines[1].index("Deadline")
    assert lines[1].startswith("Situation ") and lines[2].strip(" \u2500-") == ""
    rows = {
        "Counteroffer": "Within 30 days; the Bank always sends the",
        "HELOC freeze or line reduction": "No later than 3 business days after the",
    }
    for first, second in rows.items():
        (line,) = [line for line in lines if line.startswith(first)]
        assert line[deadline:].startswith(second), line  # the second column lines up
        assert line.rstrip().endswith(("[1]", "[2]"))  # the row's marker, in a column of its own
    assert max(len(line) for line in lines[: lines.index("")]) <= 100


def test_aligned_cells_are_printed_as_the_text_they_are() -> None:
    from app.tabular import QUOTED

    text = QUOTED.join(
        [
            "Table 1: [bold]Limits[/bold]",
            "Tier\t:smile: [red]x[/red]",
            "A\t[link=https://e.x]y[/link] [1]",
        ]
    )
    out = cli.aligned(text, width=80)
    assert "[bold]Limits[/bold]" in out and ":smile:" in out and "[red]x[/red]" in out
    assert "[link=https://e.x]y[/link]" in out
    # A control character in a document is shown, escaped, never sent to the terminal.
    escaped = cli.aligned(
        QUOTED.join(["Table 2: X", "A\tB", "80%\x1b[3D95%\tx [1]"]) + "\nred\x1b[31m"
    )
    assert "\x1b" not in escaped and "80%\\x1b[3D95%" in escaped and "red\\x1b[31m" in escaped
    assert cli.aligned("No table here [1]\nSecond line") == "No table here [1]\nSecond line"


def test_a_table_too_wide_for_the_terminal_prints_a_line_per_row_and_loses_no_cell() -> None:
    from app.tabular import QUOTED

    header = "\t".join(f"Column{i}" for i in range(20))
    row = "\t".join(f"v{i}" for i in range(20))
    out = cli.aligned(QUOTED.join(["Table 9: Wide", header, row]) + " [1]", width=80)
    line = out.splitlines()[1]
    assert all(f"Column{i}: v{i}" in line for i in range(20)) and line.endswith("[1]")
