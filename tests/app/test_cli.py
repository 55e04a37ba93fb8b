"""The copilot command line, run in-process over the real stack."""

from __future__ import annotations

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
    assert code == 0 and "purged auto-loan-credit-policy: 14 chunk(s) removed" in out
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
