"""benchmarks.hybrid: the metric computation on hand-built cases with known answers, the filters
and the fusion of the Qdrant Edge index, the real embedding model finding an exact term
only BM25 sees, the regulation parsers on small documents written here, the regulation
question set, and the command end to end on a tiny library.

``REGULATIONS_CORPUS=<folder of regulations>`` also checks that every gold paragraph of
``evals/corpus_questions.jsonl`` is in a section indexed from that corpus (no model is loaded
for it)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import qdrant_edge as qe

from app.errors import CopilotError
from app.models import Chunk, Filters, RetrievedChunk, Section, Status
from benchmarks.hybrid import (
    MODES,
    HybridIndex,
    Mode,
    Version,
    edge_filter,
    evaluate,
    in_force,
    main,
    percentile,
    result,
    score,
    statuses,
    table,
)
from evals.metrics import GoldenCase
from evals.regulations import (
    CORPUS_QUESTIONS,
    Passage,
    chunker,
    corpus_passages,
    load_corpus_questions,
    regml_sections,
    regml_unit,
    usc_sections,
)

DENSE, BM25 = MODES[0], MODES[1]
RRF = Mode("rrf k=10", sparse=True, k=10)


def chunk(
    n: int,
    section: str,
    *,
    doc_id: str = "guide",
    version: str = "2.0",
    status: Status = Status.CURRENT,
    product: str = "mortgage",
    jurisdiction: str = "US-federal",
    text: str = "",
) -> RetrievedChunk:
    return RetrievedChunk(
        point_id=str(n), score=0.0, doc_id=doc_id, title="Guide", version=version,
        effective_date=date(2026, 3, 1), status=status, product=product,
        jurisdiction=jurisdiction, doc_type="underwriting-guide", file_name="g.pdf",
        section_id=section, section_title=section, section_path=(section,), page_start=1,
        page_end=1, page_label_start="1", page_label_end="1", ordinal=n, text=text or section,
    )  # fmt: skip


def case(cid: str, *sections: tuple[str, str, str]) -> GoldenCase:
    return GoldenCase(
        id=cid, question="q", category="answerable",
        gold=tuple({"doc_id": d, "version": v, "section_id": s, "page_label": "1"} for d, v, s in sections),
    )  # fmt: skip


# --- metrics ------------------------------------------------------------------------------


def test_score_on_hand_built_rankings() -> None:
    gold = ("guide", "2.0", "B3")
    results = [
        # gold first: recall@1 and @5 hit, reciprocal rank 1
        result(case("first", gold), "q", DENSE, [chunk(1, "B3"), chunk(2, "C1")]),
        # gold second, after a passage of the same section in another version (not gold)
        result(
            case("second", gold),
            "q",
            DENSE,
            [chunk(3, "B3", version="1.0"), chunk(4, "B3"), chunk(5, "C1")],
        ),
        # gold sixth: outside the top 5, still ranked (reciprocal rank 1/6)
        result(case("sixth", gold), "q", DENSE, [chunk(10 + i, f"X{i}") for i in range(5)] + [chunk(9, "B3")]),
        # no gold retrieved
        result(case("none", gold), "q", DENSE, [chunk(20, "C1")]),
        # either of two gold sections counts; the first one found sets the rank
        result(
            case("either", gold, ("memo", "1.0", "A")),
            "q",
            DENSE,
            [chunk(30, "Z"), chunk(31, "A", doc_id="memo", version="1.0"), chunk(32, "B3")],
        ),
    ]  # fmt: skip
    recall_1, recall_5, mrr = score(results)
    assert recall_1 == pytest.approx(1 / 5)
    assert recall_5 == pytest.approx(3 / 5)
    assert mrr == pytest.approx((1 + 1 / 2 + 1 / 6 + 0 + 1 / 2) / 5)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 51.0
    assert percentile(values, 95) == 95.0
    assert percentile([], 95) == 0.0


# --- filters and fusion in the shard (hand-made vectors, no model) ------------------------

DIM = 4


def unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture
def versioned(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Two versions of a guide (2.0 effective 2026-03-01, current), a Texas and Oklahoma
    supplement and an auto and personal loan policy; every passage says the same thing, so
    only the filters tell them apart."""
    versions = [
        Version("guide", "1.0", date(2025, 1, 1)),
        Version("guide", "2.0", date(2026, 3, 1)),
        Version("tx", "1.0", date(2025, 6, 1)),
        Version("auto", "1.0", date(2025, 1, 1)),
    ]
    status = statuses(versions)
    assert status[("guide", "1.0")] is Status.SUPERSEDED
    assert status[("guide", "2.0")] is Status.CURRENT
    rows = [
        ("guide", "1.0", "mortgage", "US-federal", unit(1, 0, 0, 0)),  # the closest of all
        ("guide", "2.0", "mortgage", "US-federal", unit(1, 0.2, 0, 0)),
        ("tx", "1.0", "all", ["TX", "OK"], unit(1, 0.4, 0, 0)),
        ("auto", "1.0", ["auto", "personal"], "US-federal", unit(1, 0.6, 0, 0)),
    ]
    passages = [
        Passage(
            chunk(
                i,
                f"{d}-{v}",
                doc_id=d,
                version=v,
                status=status[(d, v)],
                product=p,
                jurisdiction=j,
                text="reserves months",
            ),
            "reserves months",
        )
        for i, (d, v, p, j, _) in enumerate(rows)
    ]
    index = HybridIndex(tmp_path / "shard", DIM)
    index.add(passages, np.stack([r[4] for r in rows]))
    yield index, versions
    index.close()


@pytest.mark.parametrize("mode", [DENSE, BM25, RRF], ids=lambda m: m.name)
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"guide-2.0", "tx-1.0", "auto-1.0"}),
        ({"product": "mortgage"}, {"guide-2.0", "tx-1.0"}),
        ({"jurisdiction": "TX"}, {"guide-2.0", "tx-1.0", "auto-1.0"}),
        ({"jurisdiction": "CA"}, {"guide-2.0", "auto-1.0"}),
        ({"jurisdiction": "OK"}, {"guide-2.0", "tx-1.0", "auto-1.0"}),  # any of its states
        ({"product": "personal"}, {"tx-1.0", "auto-1.0"}),  # any of its products
        ({"as_of": "2025-07-01"}, {"guide-1.0", "tx-1.0", "auto-1.0"}),
        ({"as_of": "2025-07-01", "product": "mortgage"}, {"guide-1.0", "tx-1.0"}),
        ({"as_of": "2024-01-01"}, set()),
    ],
)
def test_filters_apply_in_every_mode(
    versioned, mode: Mode, filters: dict[str, str], expected: set[str]
) -> None:  # type: ignore[no-untyped-def]
    index, versions = versioned
    flt = edge_filter(Filters.model_validate(filters), versions)
    hits = index.search(
        mode,
        unit(1, 0, 0, 0).tolist(),
        index.bm25.embed_query("reserves"),
        flt,
        limit=10,
        prefetch=1,
    )
    found = {h.section_id for h in hits}
    if not mode.fused or not expected:
        assert found == expected
        return
    # prefetch=1: each list contributes its best allowed passage only, so the dense one,
    # the closest allowed passage, must be there.
    closest = next(s for s in ("guide-1.0", "guide-2.0", "tx-1.0", "auto-1.0") if s in expected)
    assert closest in found and found <= expected


def test_in_force_takes_the_latest_effective_version() -> None:
    versions = [
        Version("guide", "1.0", date(2025, 1, 1)),
        Version("guide", "2.0", date(2026, 3, 1)),
    ]
    assert in_force(versions, date(2026, 2, 28)) == {("guide", "1.0")}
    assert in_force(versions, date(2026, 3, 1)) == {("guide", "2.0")}
    assert in_force(versions, date(2024, 12, 31)) == set()


def test_a_top_level_filter_reaches_the_prefetches(versioned) -> None:  # type: ignore[no-untyped-def]
    """Qdrant Edge applies a query's filter inside its prefetches: with a dense prefetch of
    one and no filter of its own, the superseded passage (point 0, the closest) must not take
    the only slot, or filtering after fusion would leave nothing. (The BM25 prefetch's query
    matches no passage.)"""
    index, versions = versioned
    request = qe.QueryRequest(
        limit=5,
        prefetches=[
            qe.Prefetch(limit=1, query=qe.Query.Nearest(unit(1, 0, 0, 0).tolist(), using="dense")),
            qe.Prefetch(limit=1, query=qe.Query.Nearest(index.bm25.embed_query("zebra"), using="bm25")),
        ],
        query=qe.Fusion.Rrf(k=10),  # type: ignore[arg-type]
        filter=edge_filter(Filters(), versions),
    )  # fmt: skip
    assert [int(str(p.id)) for p in index.query(request)] == [1]  # guide 2.0, current


def test_rrf_scores_and_ties(tmp_path: Path) -> None:
    """RRF as Qdrant computes it: the top of each list scores 1/k. A tie between the top dense
    hit and the top BM25 hit is ordered by dense similarity, whatever order Qdrant gives."""
    passages = [
        Passage(chunk(0, "dense-best", text="alpha"), "alpha"),
        Passage(chunk(1, "sparse-best", text="zebra"), "zebra"),
    ]
    index = HybridIndex(tmp_path / "shard", DIM)
    try:
        index.add(passages, np.stack([unit(1, 0, 0, 0), unit(0, 1, 0, 0)]))
        query = (unit(1, 0.1, 0, 0).tolist(), index.bm25.embed_query("zebra"))
        hits = index.search(RRF, *query, limit=2, prefetch=1)
        assert [h.section_id for h in hits] == ["dense-best", "sparse-best"]
        assert [h.score for h in hits] == pytest.approx([1 / 10, 1 / 10])
        hits = index.search(RRF, *query, limit=2, prefetch=2)
        by_id = {h.section_id: h.score for h in hits}
        # dense: dense-best at 0, sparse-best at 1; BM25: only sparse-best matches "zebra"
        assert by_id["dense-best"] == pytest.approx(1 / 10)
        assert by_id["sparse-best"] == pytest.approx(1 / 11 + 1 / 10)
    finally:
        index.close()


# --- the real embedding model ---------------------------------------------------------------

LTV = {
    "hx93": "Under program HX93 the lender finances no more than four fifths of the appraised value.",
    "purchase": "The maximum loan-to-value ratio for a purchase loan is 95 percent.",
    "cash-out": "The maximum loan-to-value ratio for a cash-out refinance is 80 percent.",
    "matrix": "Maximum loan-to-value ratios for each loan program are shown in the eligibility matrix.",
    "second-home": "For second homes the maximum loan-to-value ratio is 90 percent.",
    "investment": "Investment properties are limited to a 75 percent loan-to-value ratio.",
    "mi": "A loan-to-value ratio above 80 percent requires private mortgage insurance.",
    "reserves": "Reserves must cover six months of principal, interest, taxes and insurance.",
    "occupancy": "The maximum loan-to-value ratio depends on the loan program and on occupancy.",
}  # fmt: skip


def test_hybrid_finds_an_exact_term_dense_misses(embedding, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A program code means nothing to the embedding model: dense search ranks the passages
    that talk about loan-to-value in general above the one passage naming the program. BM25
    ranks it first, and RRF brings it into the top two."""
    passages = [
        Passage(chunk(i, key, text=text), text) for i, (key, text) in enumerate(LTV.items())
    ]
    question = "What is the maximum loan-to-value ratio for program HX93?"
    index = HybridIndex(tmp_path / "shard", embedding.dimension)
    try:
        index.add(passages, embedding.embed(list(LTV.values())))
        query = (embedding.embed([question])[0].tolist(), index.bm25.embed_query(question))
        dense = [h.section_id for h in index.search(DENSE, *query, limit=len(LTV))]
        bm25 = [h.section_id for h in index.search(BM25, *query, limit=len(LTV))]
        fused = [h.section_id for h in index.search(RRF, *query, limit=2, prefetch=len(LTV))]
        assert "hx93" not in dense[:3], dense
        assert bm25[0] == "hx93", bm25
        assert "hx93" in fused, fused
        gold = case("hx93", ("guide", "2.0", "hx93"))
        rows = {
            r.mode: r
            for r in evaluate(
                index,
                [gold.model_copy(update={"question": question})],
                embed=lambda q: embedding.embed([q])[0],
                modes=[DENSE, BM25, RRF],
                depth=5,
                prefetch=len(LTV),
            ).rows
        }
        assert rows["dense"].recall_1 == 0.0 and rows["dense"].mrr == pytest.approx(1 / 4)
        assert rows["bm25"].recall_1 == 1.0
        assert rows[RRF.name].mrr > rows["dense"].mrr
    finally:
        index.close()


# --- the regulation parsers -----------------------------------------------------------------

REGML = """<?xml version="1.0" encoding="UTF-8"?>
<regulation xmlns="eregs">
  <fdsys><cfrTitleNum>12</cfrTitleNum><title>TEST LENDING</title></fdsys>
  <preamble><regLetter>T</regLetter><cfr><title>12</title><section>1099</section></cfr>
    <documentNumber>2099-00001</documentNumber><effectiveDate>2024-01-01</effectiveDate></preamble>
  <part label="1099">
    <tableOfContents><tocSecEntry target="1099-1"><sectionSubject>Table of contents entry</sectionSubject></tocSecEntry></tableOfContents>
    <content>
      <subpart label="1099-Subpart"><content>
        <section label="1099-1"><subject>§ 1099.1 Notices.</subject>
          <paragraph label="1099-1-a" marker="(a)"><title type="keyterm">Timing.</title>
            <content>A lender shall mail the decision within 30 days.</content>
            <paragraph label="1099-1-a-1" marker="(1)"><content>The period runs from receipt of a complete <ref target="1099-2-b" reftype="term">application</ref>.</content></paragraph>
          </paragraph>
          <paragraph label="1099-1-b" marker="(b)"><title type="keyterm">Form.</title>
            <content>Notices shall be in writing.<footnote>Footnote text is left out.</footnote> Email counts.</content></paragraph>
        </section>
      </content></subpart>
      <appendix label="1099-A"><appendixTitle>Appendix A to Part 1099 - Forms</appendixTitle>
        <appendixSection label="1099-A-1"><subject>1. Model notice</subject>
          <paragraph label="1099-A-1-a"><content>Model notice wording.</content></paragraph></appendixSection>
      </appendix>
      <interpretations label="1099-Interp"><title>Supplement I to Part 1099</title>
        <interpSection label="1099-1-Interp"><title>Section 1099.1 - Notices</title>
          <interpParagraph label="1099-1-Interp-1" marker="1."><title type="keyterm">Withdrawn applications.</title>
            <content>No notice is due when the applicant withdraws.</content></interpParagraph>
          <interpParagraph label="1099-1-a-Interp"><title>1(a) Timing.</title>
            <interpParagraph label="1099-1-a-Interp-1" marker="1."><content>Mailing counts as notice.</content></interpParagraph>
          </interpParagraph>
        </interpSection>
      </interpretations>
    </content>
  </part>
  <analysis><analysisSection target="1099-1-a"><title>Analysis</title>
    <analysisParagraph>Preamble discussion is left out.</analysisParagraph></analysisSection></analysis>
</regulation>
"""

USC = """<!-- source chunk: one.md -->

# Title 15— COMMERCE AND TRADE
### CHAPTER 99— TEST
#### § 9999. Test definitions
##### (a) Notices required

(1) Within thirty days a creditor shall notify the applicant.

<!-- source chunk: two.md -->

# Title 15— COMMERCE AND TRADE
### CHAPTER 99— TEST
#### § 9999. Test definitions
###### (b) Lender .

The term “lender” means a person who lends.

(c) The term “borrower” means a person who borrows.

(d) continues the definition above, as it starts in lower case.
"""


@pytest.mark.parametrize(
    ("label", "depth", "expected"),
    [
        ("1002-9-a-1-i", 1, "1002-9-a"),
        ("1002-9-a-1-i", 2, "1002-9-a-1"),
        ("1002-9-a-1-Interp-3", 1, "1002-9-a-Interp"),
        ("1002-9-Interp-1", 1, "1002-9-Interp"),
        ("1022-2-p1", 1, "1022-2"),
        ("1026-Q-h1-A-2-p2", 1, "1026-Q-h1"),
        ("1026-Q-h1-A-2-p2", 2, "1026-Q-h1-A"),
        ("1024-31-Delinquency", 1, "1024-31-Delinquency"),
    ],
)
def test_regml_units(label: str, depth: int, expected: str) -> None:
    assert regml_unit(label, depth) == expected


def test_regml_sections(tmp_path: Path) -> None:
    path = tmp_path / "reg-t.xml"
    path.write_text(REGML, encoding="utf-8")
    sections, meta = regml_sections(path)
    assert meta == {
        "title": "12 CFR Part 1099 Test Lending (Regulation T)",
        "version": "2099-00001",
        "effective_date": "2024-01-01",
    }
    by_id = {s.section_id: s for s in sections}
    assert list(by_id) == ["1099-1-a", "1099-1-b", "1099-A-1", "1099-1-Interp", "1099-1-a-Interp"]
    assert by_id["1099-1-a"].path == ("§ 1099.1 Notices.", "(a) Timing.")
    assert [b.text for b in by_id["1099-1-a"].blocks] == [
        "(a) Timing. A lender shall mail the decision within 30 days.",
        "(1) The period runs from receipt of a complete application.",
    ]
    assert [b.text for b in by_id["1099-1-b"].blocks] == [
        "(b) Form. Notices shall be in writing. Email counts."
    ]
    text = " ".join(b.text for s in sections for b in s.blocks)
    for left_out in ("Footnote", "Preamble", "Table of contents"):
        assert left_out not in text
    assert [b.text for b in by_id["1099-1-a-Interp"].blocks] == ["1. Mailing counts as notice."]


def test_usc_sections(tmp_path: Path) -> None:
    path = tmp_path / "15usc9999.md"
    path.write_text(USC, encoding="utf-8")
    by_id = {s.section_id: s for s in usc_sections(path)}
    assert list(by_id) == ["15 U.S.C. 9999(a)", "15 U.S.C. 9999(b)", "15 U.S.C. 9999(c)"]
    assert by_id["15 U.S.C. 9999(a)"].path == (
        "15 U.S.C. 9999 Test definitions",
        "(a) Notices required",
    )
    assert [b.text for b in by_id["15 U.S.C. 9999(c)"].blocks] == [
        '(c) The term "borrower" means a person who borrows.',
        "(d) continues the definition above, as it starts in lower case.",
    ]
    readme = tmp_path / "README.md"
    readme.write_text("# Notes\n\nNot a statute.\n", encoding="utf-8")
    assert usc_sections(readme) == []


def test_corpus_end_to_end(embedding, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "reg-t.xml").write_text(REGML, encoding="utf-8")
    (corpus / "15usc9999.md").write_text(USC, encoding="utf-8")
    (corpus / "README.md").write_text("# About\n\nNot a statute.\n", encoding="utf-8")
    passages, read = corpus_passages(corpus, chunker(embedding, settings))
    assert read == ["15usc9999.md", "reg-t.xml"]
    sections = {(p.chunk.doc_id, p.chunk.version, p.chunk.section_id) for p in passages}
    assert ("reg-t", "2099-00001", "1099-1-a") in sections
    assert ("15usc9999", "1", "15 U.S.C. 9999(a)") in sections

    questions = tmp_path / "questions.jsonl"
    rows = [
        {"id": "timing", "question": "How many days do we have to send the decision?", "gold": ["1099-1-a", "15 U.S.C. 9999(a)"]},
        {"id": "withdrawn", "question": "Applicant pulled the application. Do we owe a notice?", "gold": ["1099-1-Interp"]},
    ]  # fmt: skip
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    cases = load_corpus_questions(questions, passages)
    assert cases[0].sections == {
        ("reg-t", "2099-00001", "1099-1-a"),
        ("15usc9999", "1", "15 U.S.C. 9999(a)"),
    }
    with HybridIndexFor(passages, embedding, tmp_path / "shard") as index:
        evaluation = evaluate(
            index, cases, embed=lambda q: embedding.embed([q])[0], modes=MODES, depth=5
        )
    assert [r.mode for r in evaluation.rows] == [m.name for m in MODES]
    for row in evaluation.rows:
        assert 0.0 <= row.recall_1 <= row.recall_5 <= row.recall_depth <= 1.0
        assert row.search_p50 <= row.search_p95
    assert evaluation.rows[0].recall_5 == 1.0  # dense finds both in a corpus this small
    assert table(evaluation.rows, 5).splitlines()[0].split()[1:5] == [
        "recall@1", "recall@5", "MRR@5", "recall@5"
    ]  # fmt: skip

    (tmp_path / "bad.jsonl").write_text(
        json.dumps({"id": "x", "question": "q", "gold": ["1099-9-z"]}) + "\n", encoding="utf-8"
    )
    with pytest.raises(CopilotError, match="1099-9-z"):
        load_corpus_questions(tmp_path / "bad.jsonl", passages)


class HybridIndexFor:
    """A HybridIndex over ``passages`` embedded with the real model, closed on exit."""

    def __init__(self, passages: list[Passage], embedding: Any, path: Path) -> None:
        self.index = HybridIndex(path, embedding.dimension)
        self.index.add(passages, embedding.embed([p.embed_text for p in passages]))

    def __enter__(self) -> HybridIndex:
        return self.index

    def __exit__(self, *exc: object) -> None:
        self.index.close()


# --- the regulation question set ---------------------------------------------------------------

REGML_ID = re.compile(r"^\d{4}-[0-9A-Za-z()]+(-[0-9A-Za-z()]+)*$")
USC_ID = re.compile(r"^15 U\.S\.C\. \d+[a-z]*(\([0-9A-Za-z]{1,4}\))+$")
PDF_ID = re.compile(r"^\S+ p\d+$")
FIELDS = {"id", "question", "kind", "gold", "citation", "key_facts", "holdout", "doc", "notes"}


def corpus_questions() -> list[dict[str, Any]]:
    lines = CORPUS_QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_corpus_questions_are_well_formed() -> None:
    """What this benchmark reads (evals/corpus_check.py checks the rest of the set)."""
    rows = corpus_questions()
    assert len(rows) >= 30
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["question"] for r in rows}) == len(rows)
    for row in rows:
        assert set(row) <= FIELDS, row["id"]
        assert len(set(row["gold"])) == len(row["gold"]), row["id"]
        assert bool(row["gold"]) is (row.get("kind") != "unanswerable"), row["id"]
        for section in row["gold"]:
            assert REGML_ID.match(section) or USC_ID.match(section) or PDF_ID.match(section), (
                row["id"],
                section,
            )
        assert len(row["question"].split()) >= 4, row["id"]


def passage(n: int, section: str, file_name: str, *, page: int = 1) -> Passage:
    doc_id = Path(file_name).stem.lower()
    found = chunk(n, section, doc_id=doc_id, version="1").model_copy(
        update={"file_name": file_name, "page_start": page, "page_end": page}
    )
    return Passage(found, section)


def test_paragraph_level_gold_resolves_to_the_sections_holding_it(tmp_path: Path) -> None:
    """A gold paragraph counts as the deepest section holding it, in the files the question
    names; a PDF page as every section with a passage on it; unanswerable lines are left
    out; an id no section holds is an error. (No model.)"""
    passages = [
        passage(0, "1099-1-a", "reg-t.xml"),
        passage(1, "1099-1-a-Interp", "reg-t.xml"),
        passage(2, "1099-1-a", "reg-u.xml"),  # another notice amending the same paragraph
        passage(3, "15 U.S.C. 9999(d)", "15usc9999.md"),
        passage(4, "2", "sheet.pdf", page=2),
        passage(5, "3", "sheet.pdf", page=2),
        passage(6, "4", "sheet.pdf", page=3),
    ]
    rows = [
        {"id": "para", "question": "q", "gold": ["1099-1-a-1-i", "15 U.S.C. 9999(d)(2)(A)"], "doc": ["reg-t.xml", "15usc9999.md"]},
        {"id": "comment", "question": "q", "gold": ["1099-1-a-1-Interp-3"], "doc": ["reg-t.xml"]},
        {"id": "any-file", "question": "q", "gold": ["1099-1-a"]},
        {"id": "page", "question": "q", "gold": ["sheet p2"], "doc": ["sheet.pdf"]},
        {"id": "none", "question": "q", "kind": "unanswerable", "gold": [], "doc": []},
    ]  # fmt: skip
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cases = {c.id: c.sections for c in load_corpus_questions(questions, passages)}
    assert cases == {
        "para": {("reg-t", "1", "1099-1-a"), ("15usc9999", "1", "15 U.S.C. 9999(d)")},
        "comment": {("reg-t", "1", "1099-1-a-Interp")},
        "any-file": {("reg-t", "1", "1099-1-a"), ("reg-u", "1", "1099-1-a")},
        "page": {("sheet", "1", "2"), ("sheet", "1", "3")},
    }
    for gold, doc in (
        ("1099-1-b-1", "reg-t.xml"),
        ("1099-1-a", "15usc9999.md"),
        ("sheet p9", "sheet.pdf"),
    ):
        questions.write_text(
            json.dumps({"id": "x", "question": "q", "gold": [gold], "doc": [doc]}) + "\n"
        )
        with pytest.raises(CopilotError, match=re.escape(gold)):
            load_corpus_questions(questions, passages)


def one_chunk_per_section(sections: Sequence[Section], title: str) -> list[Chunk]:
    """A chunker without a tokenizer: each section whole, for resolving gold (no model)."""
    chunks = []
    for s in (s for s in sections if s.blocks):
        pages = [b.page for b in s.blocks]
        found = Chunk(
            ordinal=len(chunks), section_id=s.section_id, section_title=s.title,
            section_path=s.path, text=" ".join(b.text for b in s.blocks), embed_text="",
            token_count=0, page_start=min(pages), page_end=max(pages), page_label_start="",
            page_label_end="", kind="text",
        )  # fmt: skip
        chunks.append(found)
    return chunks


@pytest.mark.skipif(
    not os.environ.get("REGULATIONS_CORPUS"), reason="REGULATIONS_CORPUS names no folder"
)
def test_corpus_questions_resolve_in_the_corpus() -> None:
    """Every gold paragraph of the set is in a section this benchmark indexes."""
    passages, _ = corpus_passages(Path(os.environ["REGULATIONS_CORPUS"]), one_chunk_per_section)
    cases = load_corpus_questions(CORPUS_QUESTIONS, passages)
    assert len(cases) == sum(bool(r["gold"]) for r in corpus_questions())


# --- the command ---------------------------------------------------------------------------------


def test_command_on_a_tiny_library_skips_a_missing_corpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "guide.md").write_text(
        "# Test Underwriting Guide\n\n## 1.1 Reserves\n\nBorrowers must hold six months of "
        "reserves after closing.\n\n## 1.2 Program HX93\n\nUnder program HX93 the lender "
        "finances no more than four fifths of the appraised value.\n",
        encoding="utf-8",
    )
    (policies / "manifest.json").write_text(
        json.dumps(
            {
                "documents": [
                    {
                        "file": "guide.md", "doc_id": "test-guide", "title": "Test Guide",
                        "product": "mortgage", "jurisdiction": "US-federal",
                        "doc_type": "underwriting-guide", "version": "1.0",
                        "effective_date": "2025-01-01",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )  # fmt: skip
    dataset = tmp_path / "golden.jsonl"
    gold = [{"doc_id": "test-guide", "version": "1.0", "section_id": "1.1", "page_label": "1"}]
    dataset.write_text(
        json.dumps(
            {
                "id": "reserves", "category": "answerable", "filters": {"product": "mortgage"},
                "question": "How many months of reserves are needed?", "gold": gold,
                "key_facts": ["six months"],
            }
        )
        + "\n",
        encoding="utf-8",
    )  # fmt: skip
    code = main(
        [
            "--dataset", str(dataset), "--policies", str(policies),
            "--corpus", str(tmp_path / "no-such-folder"), "--no-redact",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "1 documents, 2 chunks" in out
    assert re.search(r"^dense\s+1\.000\s+1\.000\s+1\.000", out, re.M), out
    assert "Regulations: skipped" in out
