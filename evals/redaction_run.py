"""The redaction evaluation: every question of the redaction set asked through the question
service, and what left redaction checked for each personal value (see :mod:`evals.redaction`).

Three texts are checked per question: the question as redacted (what the answer carries), the
question the audit record stores, and the question each answer request carries (a recording
backend stands where a model would be and notes what it is sent). The report gives recall per
type and the shapes that leaked, for the tuned part, the held-out part and both together; the
gate applies the ``[redaction]`` minimums and maximums of thresholds.toml to the whole set.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import CopilotError
from app.models import Filters, Generation, RetrievedChunk, User
from app.question.answer import NOT_FOUND
from app.records.audit import SqliteAuditTrail
from app.settings import Settings, load_settings
from evals.gate import check, load_thresholds
from evals.redaction import (
    SET_PATH,
    Outcome,
    PartScore,
    RedactionCase,
    load_set,
    metric_values,
    score,
    table,
)
from evals.run import DEFAULT_CORPUS, EVALUATOR, fresh_service

if TYPE_CHECKING:
    from app.question.service import CopilotService


class RecordingBackend:
    """A stand-in model: notes the question of every answer request and declines to answer
    (``NOT FOUND``), so the service records an abstention and nothing else is generated."""

    name = "recording"
    model = "stand-in"

    def __init__(self) -> None:
        self.questions: list[str] = []

    def generate(
        self,
        question: str,
        sources: Sequence[RetrievedChunk],
        *,
        filters: Filters | None = None,
    ) -> Generation:
        self.questions.append(question)
        return Generation(text=NOT_FOUND, backend=self.name, model=self.model)


def ask_all(
    service: CopilotService,
    recorder: RecordingBackend,
    cases: Sequence[RedactionCase],
    user: User = EVALUATOR,
) -> list[Outcome]:
    """Ask every case through ``service`` (built with ``recorder`` as its answer backend)."""
    asked = []
    for case in cases:
        before = len(recorder.questions)
        answer = service.ask(case.question, user=user)
        asked.append((case, answer, tuple(recorder.questions[before:])))
    trail = service.audit_trail(user)
    if not isinstance(trail, SqliteAuditTrail):
        raise CopilotError("the redaction evaluation reads the audit trail back from SQLite")
    stored = {r.id: r.question for r in trail.records(newest_first=False)}
    return [
        Outcome(case, answer.question, (stored[answer.audit_id], *sent))
        for case, answer, sent in asked
        if answer.audit_id is not None
    ]


def run(
    dataset: Path = SET_PATH,
    corpus: Path = DEFAULT_CORPUS,
    *,
    reports: Path,
    settings: Settings | None = None,
) -> tuple[dict[str, PartScore], list[str], Path]:
    """Evaluate redaction; returns the scores per part, the gate's problems (empty: passed)
    and the report folder (``reports/redaction/<UTC time>/``)."""
    cases = load_set(dataset)
    recorder = RecordingBackend()
    with fresh_service(settings or load_settings(), corpus, answer_backend=recorder) as (
        service,
        _,
    ):
        outcomes = ask_all(service, recorder, cases)
    parts = score(outcomes)
    values = metric_values(parts["all"])
    problems = check(values, load_thresholds(table="redaction"), {})
    folder = write_report(reports / "redaction", parts, problems, dataset)
    return parts, problems, folder


def write_report(
    reports: Path, parts: dict[str, PartScore], problems: list[str], dataset: Path
) -> Path:
    stamp = datetime.now(UTC)
    folder = reports / stamp.strftime("%Y-%m-%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=False)
    summary: dict[str, Any] = {
        "created_at": stamp.isoformat(),
        "dataset": dataset.name,
        "passed": not problems,
        "problems": problems,
        "metrics": metric_values(parts["all"]),
        "parts": {name: _part_summary(part) for name, part in parts.items()},
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    (folder / "report.md").write_text(markdown(summary, parts))
    return folder


def _part_summary(part: PartScore) -> dict[str, Any]:
    return {
        "metrics": metric_values(part),
        "values": dict(part.totals),
        "leaked": dict(part.leaks),
        "leaked_shapes": {f"{k} {s}": n for (k, s), n in part.leaked_shapes.most_common()},
        "clean_questions": part.clean,
        "clean_questions_redacted": part.falsely_redacted,
        "figures_redacted": part.figures_lost,
        "policy_terms_redacted_in_pii_questions": part.terms_lost_in_pii,
    }


def markdown(summary: dict[str, Any], parts: dict[str, PartScore]) -> str:
    verdict = "PASSED" if summary["passed"] else "FAILED"
    lines = [f"# Redaction evaluation {summary['created_at'][:19]}Z: {verdict}", ""]
    lines += [f"Question set `{summary['dataset']}`, asked through the question service.", ""]
    if summary["problems"]:
        lines += ["## Gate", "", *(f"- {p}" for p in summary["problems"]), ""]
    for name in ("all", "tuned", "holdout"):
        part = parts[name]
        lines += [f"## {name.capitalize()} questions", "", *table(part), ""]
        lines.append(
            f"Figures and section numbers redacted: {part.figures_lost}. Policy terms "
            f"redacted in questions with personal data: {part.terms_lost_in_pii}."
        )
        lines.append("")
    examples = parts["all"].examples
    lines += [f"## Examples ({len(examples)})", ""]
    if examples:
        lines += ["| id | problem | redacted question |", "|---|---|---|"]
        lines += [
            f"| {e['id']} | {e['problem']} | {e['redacted'].replace('|', '/')} |".replace("\n", " ")
            for e in examples
        ]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"
