"""The real-text answer benchmark's own figures and table."""

from __future__ import annotations

from evals.corpus_run import document_precision, part, table
from evals.metrics import CaseResult
from tests.evals.test_metrics import answer, case, chunk


def test_document_precision_counts_citations_in_a_gold_document() -> None:
    right, other = chunk(1), chunk(2).model_copy(update={"doc_id": "memo"})
    results = [
        CaseResult(case("a"), answer("x [1] [2]", [right, other], [right, other])),
        CaseResult(case("b"), answer("y [1]", [right], [right])),
        # Citations of unanswerable questions are judged by abstention, not here.
        CaseResult(case("u", gold=False), answer("z [1]", [other], [other])),
    ]
    assert document_precision(results) == 2 / 3
    assert document_precision([]) == 1.0


def test_each_part_is_reported_with_its_false_abstention() -> None:
    right = chunk(1)
    results = [
        CaseResult(case("a"), answer("x [1]", [right], [right])),
        CaseResult(case("b"), answer("Not found.", [right], [], abstained=True)),
        CaseResult(case("u", gold=False), answer("Not found.", [right], [], abstained=True)),
    ]
    tuned = part("tuned", results, depth=5)
    assert (tuned.answerable, tuned.unanswerable) == (2, 1)
    assert tuned.values["false_abstention"] == 0.5
    assert tuned.values["abstention_recall"] == 1.0
    printed = table([tuned]).splitlines()
    assert printed[1].split() == ["questions", "2+1"]
    assert any(line.split() == ["false_abstention", "0.500"] for line in printed)
