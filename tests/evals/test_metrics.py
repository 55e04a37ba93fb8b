"""Metric functions and the gate on small hand-built runs with known answers."""

from __future__ import annotations

from datetime import date

import pytest

from app.models import Answer, Citation, RetrievedChunk, Status
from evals.gate import check, load_thresholds
from evals.metrics import CaseResult, GoldenCase, compute

GOLD = {"doc_id": "guide", "version": "2.0", "section_id": "B3-6-02", "page_label": "5"}


def chunk(n: int, section: str = "B3-6-02", version: str = "2.0") -> RetrievedChunk:
    return RetrievedChunk(
        point_id=f"p{n}", score=0.8 - n / 100, doc_id="guide", title="Guide", version=version,
        effective_date=date(2026, 3, 1), status=Status.CURRENT, product="mortgage",
        jurisdiction="US-federal", doc_type="underwriting-guide", file_name="g.pdf",
        section_id=section, section_title="T", section_path=(section,), page_start=5, page_end=5,
        page_label_start="5", page_label_end="5", ordinal=n, text="The standard maximum DTI ratio is 43%.",
    )  # fmt: skip


def answer(
    text: str,
    retrieved: list[RetrievedChunk],
    cited: list[RetrievedChunk],
    *,
    question: str = "q",
    abstained: bool = False,
) -> Answer:
    return Answer(
        question=question, text=text, retrieved=tuple(retrieved), abstained=abstained,
        citations=tuple(Citation.from_chunk(i, c, c.text) for i, c in enumerate(cited, 1)),
        backend="extractive", model="m", latency_ms={"total": 100.0, "search": 10.0},
    )  # fmt: skip


def case(
    cid: str, *, gold: bool = True, facts: tuple[str, ...] = ("43%",), pii: tuple[str, ...] = ()
) -> GoldenCase:
    return GoldenCase(
        id=cid, question="What is the maximum DTI?", category="pii" if pii else ("answerable" if gold else "unanswerable"),
        gold=(GOLD,) if gold else (), key_facts=facts if gold else (), pii_values=pii,
    )  # fmt: skip


def perfect() -> list[CaseResult]:
    right = chunk(1)
    return [
        CaseResult(
            case("a"),
            answer(
                "The standard maximum DTI ratio is 43% [1].", [right, chunk(2, "B3-4")], [right]
            ),
        ),
        CaseResult(
            case("u", gold=False),
            answer(
                "Not found in the current policy documents.", [chunk(3, "X")], [], abstained=True
            ),
        ),
    ]


def test_a_perfect_run_scores_one_everywhere() -> None:
    values = compute(perfect()).values
    assert values == {
        "retrieval_recall_at_5": 1.0, "retrieval_mrr": 1.0, "citation_precision": 1.0,
        "citation_recall": 1.0, "citations_resolve": 1.0, "key_fact_recall": 1.0,
        "abstention_precision": 1.0, "abstention_recall": 1.0, "false_abstention": 0.0,
        "wrong_version_citations": 0.0, "pii_leaks": 0.0,
    }  # fmt: skip
    assert compute(perfect()).failures == []
    assert check(values, load_thresholds(), baseline={}) == []
    assert check(values, load_thresholds(backend="extractive"), baseline={}) == []


def test_each_backend_has_its_own_abstention_targets() -> None:
    general = load_thresholds()
    extractive = load_thresholds(backend="extractive")
    model = load_thresholds(backend="openai-compatible")
    assert general["abstention_recall"]["min"] == model["abstention_recall"]["min"] == 0.9
    assert extractive["abstention_recall"]["min"] == 0.85
    assert extractive["false_abstention"]["max"] == general["false_abstention"]["max"] == 0.08
    # A run at the extractive targets passes its own gate, not the model's.
    values = compute(perfect()).values | {
        "abstention_recall": 0.86, "abstention_precision": 0.46, "false_abstention": 0.07,
    }  # fmt: skip
    assert check(values, extractive, baseline={}) == []
    assert any("abstention_recall" in p for p in check(values, model, baseline={}))
    # Too many answerable questions answered "not found" fails either.
    worse = values | {"false_abstention": 0.09}
    assert any("false_abstention" in p for p in check(worse, extractive, baseline={}))


def test_an_empty_run_is_all_abstentions_and_fails_the_gate() -> None:
    results = [
        CaseResult(case("a"), answer("Not found.", [], [], abstained=True)),
        CaseResult(case("u", gold=False), answer("Not found.", [], [], abstained=True)),
    ]
    metrics = compute(results)
    assert metrics.values["retrieval_recall_at_5"] == 0.0 and metrics.values["retrieval_mrr"] == 0.0
    assert metrics.values["citation_recall"] == 0.0 and metrics.values["key_fact_recall"] == 0.0
    assert (
        metrics.values["abstention_precision"] == 0.5 and metrics.values["abstention_recall"] == 1.0
    )
    assert [f["id"] for f in metrics.failures] == ["a"]
    assert "abstained" in metrics.failures[0]["problems"]
    assert any("retrieval_recall_at_5" in p for p in check(metrics.values, load_thresholds(), {}))


def test_ranks_and_wrong_sections() -> None:
    right = chunk(3)
    results = [
        CaseResult(
            case("a"),
            answer(
                "Reserves are 6 months [1].", [chunk(1, "X"), chunk(2, "Y"), right], [chunk(1, "X")]
            ),
        )
    ]
    values = compute(results).values
    assert values["retrieval_mrr"] == pytest.approx(1 / 3)
    assert values["citation_precision"] == 0.0 and values["citation_recall"] == 0.0
    assert values["key_fact_recall"] == 0.0
    assert compute(results, k=2).values["retrieval_recall_at_2"] == 0.0


def test_a_wrong_version_citation_is_counted() -> None:
    old = chunk(1, version="1.0")
    results = [CaseResult(case("a"), answer("The maximum DTI is 43% [1].", [old], [old]))]
    values = compute(results).values
    assert values["wrong_version_citations"] == 1.0
    assert any("wrong_version_citations" in p for p in check(values, load_thresholds(), {}))


def test_a_leaked_ssn_is_counted_wherever_it_left() -> None:
    ssn = "529-41-8876"
    leaked_in_question = CaseResult(
        case("p1", pii=(ssn,)),
        answer("43% [1].", [chunk(1)], [chunk(1)], question=f"SSN {ssn} DTI?"),
    )
    leaked_in_audit = CaseResult(
        case("p2", pii=(ssn,)),
        answer("43% [1].", [chunk(1)], [chunk(1)], question="SSN <US_SSN_1>"),
        outbound=(f'{{"q": "{ssn}"}}',),
    )
    clean = CaseResult(
        case("p3", pii=(ssn,)),
        answer("43% [1].", [chunk(1)], [chunk(1)], question="SSN <US_SSN_1>"),
        outbound=("<US_SSN_1>",),
    )
    metrics = compute([leaked_in_question, leaked_in_audit, clean])
    assert metrics.values["pii_leaks"] == 2.0
    assert {f["id"] for f in metrics.failures if "PII leaked" in f["problems"]} == {"p1", "p2"}


def test_the_gate_fails_on_a_drop_from_the_baseline_beyond_tolerance() -> None:
    thresholds = {"citation_recall": {"min": 0.5, "tolerance": 0.03}, "pii_leaks": {"max": 0}}
    baseline = {"citation_recall": 0.90, "pii_leaks": 0.0}
    assert check({"citation_recall": 0.88, "pii_leaks": 0.0}, thresholds, baseline) == []
    problems = check({"citation_recall": 0.85, "pii_leaks": 0.0}, thresholds, baseline)
    assert problems == [
        "citation_recall = 0.850, 0.050 worse than the baseline 0.900 (tolerance 0.03)"
    ]
    assert check({"citation_recall": 0.95, "pii_leaks": 1.0}, thresholds, baseline) == [
        "pii_leaks = 1.000, above the maximum 0"
    ]
    assert check({"pii_leaks": 0.0}, thresholds, baseline) == ["citation_recall: not measured"]


def test_a_key_fact_written_in_words_is_found_as_a_figure_and_the_other_way() -> None:
    right = chunk(1)
    stated = answer("Notice is due within 3 business days [1].", [right], [right])
    spelled = answer("Notice is due within three business days [1].", [right], [right])
    other = answer("Notice is due within 30 business days [1].", [right], [right])
    facts = ("three business days",)
    for given, expected in ((stated, 1.0), (spelled, 1.0), (other, 0.0)):
        values = compute([CaseResult(case("a", facts=facts), given)]).values
        assert values["key_fact_recall"] == expected, given.text
    values = compute([CaseResult(case("a", facts=("3 business days",)), spelled)]).values
    assert values["key_fact_recall"] == 1.0


def test_a_cited_passage_holds_its_paragraph_however_a_dash_was_spaced() -> None:
    """Ingestion writes an em dash as a spaced hyphen; the gold paragraph's opening, read
    from the source, has it bare. The passage still holds the paragraph; a neighbour of it
    does not."""
    from evals.corpus_run import paragraph_precision

    def cited(text: str) -> CaseResult:
        source = chunk(1).model_copy(update={"file_name": "reg-c.xml", "text": text})
        return CaseResult(case("a"), answer(f"{text} [1]", [source], [source]))

    gold = {"a": [("reg-c.xml", "9. action taken-counteroffers. if a financial institution")]}
    same = cited("9. Action taken - counteroffers. If a financial institution makes a counteroffer")
    other = cited("10. Action taken - file closed. If a financial institution sends a notice")
    assert paragraph_precision([same], gold) == 1.0
    assert paragraph_precision([other], gold) == 0.0
    assert paragraph_precision([same, other], gold) == 0.5
