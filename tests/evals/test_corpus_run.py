"""`copilot eval` on a real-text set: a folder of regulations indexed afresh, the questions
asked through the service, the figures per part and the gate against the set's baseline
(the real model and index, on regulations written here in the corpus's formats)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app import cli
from tests.benchmarks.test_hybrid import REGML, USC

QUESTIONS = [
    {"id": "timing-01", "question": "How many days do we have to send the decision?",
     "gold": ["1099-1-a"], "key_facts": ["within 30 days"], "holdout": False,
     "doc": ["reg-t.xml"]},
    {"id": "withdrawn-01", "question": "The applicant withdrew. Do we owe a notice?",
     "gold": ["1099-1-Interp-1"], "key_facts": [], "holdout": True, "doc": ["reg-t.xml"]},
    {"id": "parking-01", "question": "What is the policy on employee parking?", "gold": [],
     "key_facts": [], "holdout": False, "doc": []},
]  # fmt: skip


@pytest.fixture
def corpus_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedding) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("app.factory.build_embedding", lambda settings: embedding)
    corpus = tmp_path / "regulations"
    corpus.mkdir()
    (corpus / "reg-t.xml").write_text(REGML, encoding="utf-8")
    (corpus / "15usc9999.md").write_text(USC, encoding="utf-8")
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    return corpus, questions


Evaluate = Callable[[float], tuple[int, str, Path]]


@pytest.fixture
def evaluate(
    corpus_set: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Evaluate:
    """``copilot eval`` on the set against a baseline of ``value`` (``1 - value`` for false
    abstention): its exit code, what it printed, and the reports folder."""

    def run(value: float) -> tuple[int, str, Path]:
        path = tmp_path / "corpus_baseline.json"
        metrics = {"retrieval_recall_at_5": value, "paragraph_citation_precision": value,
                   "false_abstention": 1.0 - value}  # fmt: skip
        path.write_text(json.dumps({"metrics": metrics}), encoding="utf-8")
        monkeypatch.setattr("evals.corpus_run.BASELINE", path)
        corpus, questions = corpus_set
        reports = tmp_path / "reports"
        argv = ["eval", "--dataset", str(questions), "--corpus", str(corpus),
                "--reports", str(reports)]  # fmt: skip
        code = cli.main(argv)
        return code, capsys.readouterr().out, reports

    return run


def test_the_real_text_set_reports_each_part_and_passes_its_gate(evaluate: Evaluate) -> None:
    code, out, reports = evaluate(0.0)
    assert code == 0, out
    assert "evaluation passed" in out
    header, counts, *rows = out.splitlines()[:12]
    assert header.split() == ["tuned", "held", "out", "all"]
    assert counts.split() == ["questions", "1+1", "1+0", "2+1"]
    assert any(r.startswith("paragraph_citation_precision") for r in rows)
    (summary_path,) = reports.glob("corpus/*/summary.json")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["passed"] and set(summary["parts"]) == {"tuned", "held out", "all"}
    assert summary["parts"]["all"]["metrics"]["retrieval_recall_at_5"] == 1.0
    assert summary["targets"]["paragraph_citation_precision"] == 0.85
    latency = summary["latency_ms"]
    assert 0 < latency["total"]["p50"] <= latency["total"]["p95"]
    assert {"redact", "search", "answer", "verify", "audit"} <= set(latency)
    report = (summary_path.parent / "report.md").read_text(encoding="utf-8")
    assert "ask latency over 3 questions, ms p50 / p95: " in report
    answers = (summary_path.parent / "answers.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(a)["id"] for a in answers] == [q["id"] for q in QUESTIONS]
    # The golden set's Quality page reads reports/*/summary.json: this run is not among them.
    assert not list(reports.glob("*/summary.json"))


def test_a_fall_from_the_baseline_fails_the_run_and_says_what_fell(evaluate: Evaluate) -> None:
    # A baseline no run can reach (this small set scores 1.0 and no false abstention):
    # every figure of the gate, whichever way is better, has fallen from it.
    code, out, _ = evaluate(2.0)
    assert code == cli.EXIT_FAILED
    for name in ("retrieval_recall_at_5", "paragraph_citation_precision", "false_abstention"):
        assert f"REGRESSION: {name} = " in out, out
    assert "evaluation passed" not in out


def test_a_real_text_set_needs_its_folder(
    corpus_set: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, questions = corpus_set
    assert cli.main(["eval", "--dataset", str(questions)]) == 2
    assert "give the folder of regulations it asks about with --corpus" in capsys.readouterr().err
