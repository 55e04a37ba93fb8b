"""The evaluation run: a fresh index from a corpus, every golden question asked through the
same service the app uses, metrics, a dated report folder and the regression gate."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import CopilotError
from app.models import FileOutcome, User
from app.settings import Settings, load_settings
from evals.gate import check, load_baseline, load_thresholds
from evals.metrics import CaseResult, GoldenCase, Metrics, compute

if TYPE_CHECKING:
    from app.question.answer import AnswerBackend
    from app.question.service import CopilotService

log = logging.getLogger(__name__)
EVALS = Path(__file__).resolve().parent
DEFAULT_DATASET = EVALS / "golden.jsonl"
DEFAULT_CORPUS = EVALS.parent / "policies_sample"
EVALUATOR = User(name="nightly-evaluation", role="compliance")


def load_cases(path: Path) -> list[GoldenCase]:
    if not path.is_file():
        raise CopilotError(f"the question set {path} does not exist")
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                cases.append(GoldenCase.model_validate_json(line))
            except ValueError as exc:
                raise CopilotError(
                    f"{path.name} line {number} is not a valid case: {exc}"
                ) from None
    return cases


@contextmanager
def fresh_service(
    base: Settings,
    corpus: Path,
    *,
    backend: str | None = None,
    answer_backend: AnswerBackend | None = None,
) -> Iterator[tuple[CopilotService, Settings]]:
    """The question service over a fresh, embedded index of ``corpus`` and a fresh audit
    trail, both in a temporary folder: an evaluation never touches the real ones.
    ``answer_backend`` stands in for the configured one (to see what a model is sent)."""
    from app.factory import build_embedding, build_service, open_store
    from ingest.manifest import load_manifest
    from ingest.pipeline import ingest

    manifest = corpus / "manifest.json"
    if not manifest.is_file():
        raise CopilotError(f"{corpus} has no manifest.json describing its documents")
    with tempfile.TemporaryDirectory() as data_dir:
        data = base.model_dump()
        data["app"]["data_dir"] = Path(data_dir)
        data["audit"]["path"] = Path(data_dir) / "audit.sqlite3"
        # ONNX exports are kept where the real data directory keeps them (made once).
        data["embedding"]["onnx_dir"] = base.embedding.onnx_dir or base.app.data_dir / "models"
        embedded = data["store"]["mode"] if data["store"]["mode"] != "server" else "edge"
        data["store"].update(mode=embedded, path=None, url=None)
        if backend:
            data["llm"]["backend"] = backend
        settings = Settings(**data)
        embedding = build_embedding(settings)
        store = open_store(settings, embedding.dimension)
        try:
            ingested = ingest(
                load_manifest(manifest), store=store, embedding=embedding, settings=settings
            )
            failed = [r for r in ingested if r.outcome is FileOutcome.FAILED]
            if failed:
                raise CopilotError(f"the corpus did not ingest: {failed[0].reason}")
            service = build_service(
                settings, embedding=embedding, store=store, backend=answer_backend
            )
            try:
                yield service, settings
            finally:
                service.close()
        finally:
            store.close()


def run(
    dataset: Path = DEFAULT_DATASET,
    corpus: Path = DEFAULT_CORPUS,
    *,
    reports: Path,
    settings: Settings | None = None,
    backend: str | None = None,
) -> tuple[Metrics, list[str], Path]:
    """Evaluate; returns the metrics, the gate's problems (empty: passed) and the report folder."""
    cases = load_cases(dataset)
    with fresh_service(settings or load_settings(), corpus, backend=backend) as (
        service,
        settings,
    ):
        answers = []
        for case in cases:
            f = case.filters
            answers.append(
                service.ask(
                    case.question,
                    user=EVALUATOR,
                    product=f.get("product"),
                    jurisdiction=f.get("jurisdiction"),
                    as_of=f.get("as_of"),
                    doc_type=f.get("doc_type"),
                )
            )
        service.close()
        # Everything the audit trail holds left the redaction step: it is checked for PII too.
        audit_files = settings.audit_path.parent.glob("audit.sqlite3*")
        audit_text = b"".join(p.read_bytes() for p in audit_files)
        outbound = (audit_text.decode("utf-8", errors="replace"),)
    results = [
        CaseResult(case, answer, outbound) for case, answer in zip(cases, answers, strict=True)
    ]
    metrics = compute(results, k=settings.retrieval.top_k)
    problems = check(metrics.values, load_thresholds(backend=settings.llm.backend), load_baseline())
    folder = _write(reports, metrics, problems, dataset, corpus, settings)
    return metrics, problems, folder


def _write(
    reports: Path,
    metrics: Metrics,
    problems: list[str],
    dataset: Path,
    corpus: Path,
    settings: Settings,
) -> Path:
    from evals.report import charts, markdown

    stamp = datetime.now(UTC)
    folder = reports / stamp.strftime("%Y-%m-%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=False)
    summary = {
        "created_at": stamp.isoformat(),
        "dataset": dataset.name,
        "corpus": corpus.name,
        "backend": settings.llm.backend,
        "passed": not problems,
        "problems": problems,
        "metrics": metrics.values,
        "latency_ms": metrics.latency_ms,
        "failures": metrics.failures,
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    (folder / "report.md").write_text(markdown(summary))
    charts(folder, history(reports))
    return folder


def history(reports: Path) -> list[dict[str, Any]]:
    """Past summaries, oldest first."""
    return [summary for _, summary in past_runs(reports)]


def past_runs(reports: Path) -> list[tuple[Path, dict[str, Any]]]:
    """``(folder, summary)`` of each past run, oldest first; unreadable summaries skipped."""
    runs = []
    for path in sorted(reports.glob("*/summary.json")):
        try:
            runs.append((path.parent, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            log.warning("skipping unreadable evaluation summary %s", path)
    return runs
