"""Answers on real regulation text: the real-text question set asked through the service.

    python -m benchmarks.answers --corpus DIR [--questions FILE] [--keep DIR] [--out FILE]

The documents of a folder of regulations (CFPB RegML XML, US Code Markdown, PDFs; read and
chunked as :mod:`evals.regulations` does) are embedded into a real index (Qdrant on local
disk, as the app's default), and every question of ``evals/corpus_questions.jsonl`` is asked
through :meth:`CopilotService.ask` with no filters, exactly as an underwriter would. The
figures are those of ``copilot eval`` (``evals.metrics``), plus the share of answerable
questions answered "not found" (false abstention), paragraph-level citation precision (the
cited passage holds a gold paragraph: the opening of its text) and document-level citation
precision, for the tuned part of the set and, with ``--holdout``, the part kept aside, each on
its own (leave it off while tuning: the part kept aside is looked at only at the end).

``copilot eval --dataset evals/corpus_questions.jsonl --corpus DIR`` runs the same set
(:mod:`evals.corpus_run`) with its gate. ``--keep DIR`` keeps the index in ``DIR`` and reuses
it on the next run (it is built again when the folder is empty); ``--out FILE`` writes every
question's answer as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from app.errors import CopilotError
from evals.corpus_run import (
    READER,
    corpus_service,
    gold_paragraphs,
    latency_line,
    load_cases,
    part,
    record,
    table,
)
from evals.metrics import CaseResult
from evals.regulations import CORPUS_QUESTIONS


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.answers",
        description="The real-text question set asked through the service, tuned and held-out "
        "parts reported apart.",
    )
    parser.add_argument("--corpus", type=Path, required=True, help="a folder of regulations")
    parser.add_argument("--questions", type=Path, default=CORPUS_QUESTIONS)
    parser.add_argument("--keep", type=Path, help="build the index here, or reuse it")
    parser.add_argument("--out", type=Path, help="write each answer here (JSON lines)")
    parser.add_argument(
        "--holdout",
        action="store_true",
        help="report (and write) the part kept aside too; leave it off while tuning",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    from app.settings import load_settings

    settings = load_settings()
    if not args.corpus.is_dir():
        print(f"error: {args.corpus} is not a folder", file=sys.stderr)
        return 1
    try:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
        with corpus_service(args.corpus, settings, args.keep) as (service, passages):
            cases, holdout = load_cases(args.questions, passages)
            results = [CaseResult(case, service.ask(case.question, user=READER)) for case in cases]
    except CopilotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    timing = latency_line(results)
    depth = settings.retrieval.top_k
    tuned = [r for r in results if r.case.id not in holdout]
    aside = [r for r in results if r.case.id in holdout]
    gold = gold_paragraphs(args.questions, args.corpus)
    parts = [part("tuned", tuned, depth, gold)]
    if args.holdout:
        parts += [part("held out", aside, depth, gold), part("all", results, depth, gold)]
    else:
        results = tuned
    print(f"{args.questions.name} over {args.corpus.name}/, no filters, through the service")
    print(table(parts))
    print(timing)
    if args.out:
        with args.out.open("w", encoding="utf-8") as out:
            for r in results:
                out.write(json.dumps(record(r, r.case.id in holdout)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
