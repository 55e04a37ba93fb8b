"""The real-text question set (``evals/corpus_questions.jsonl``): its shape always (fields,
kinds, the holdout rule, the counts, the length of key facts), the corpus readers and the
checker (``python -m evals.corpus_check``) on small documents written here, and, when
``REGULATIONS_CORPUS`` names the corpus folder, the checker against the real corpus: every
gold paragraph exists in the file named and holds the question's key facts. No model is
loaded."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evals.corpus import normalize, read_document, read_regml, read_usc
from evals.corpus_check import (
    FIELDS,
    KINDS,
    MAX_FACT_WORDS,
    MIN_PER_DOCUMENT,
    MIN_QUESTIONS,
    MIN_UNANSWERABLE,
    OPTIONAL_FIELDS,
    PDF_ID,
    QUESTIONS,
    REGML_ID,
    REQUIRED_KINDS,
    USC_ID,
    Corpus,
    corpus_problems,
    coverage_problems,
    is_holdout,
    load,
    main,
    shape_problems,
)

ROWS = load(QUESTIONS)
ANSWERABLE = [r for r in ROWS if r["gold"]]


# --- the set's shape ---------------------------------------------------------------------------


def test_every_line_has_the_fields_and_a_known_kind() -> None:
    for row in ROWS:
        assert set(FIELDS) <= set(row) <= set(FIELDS) | set(OPTIONAL_FIELDS), row.get("id")
        assert row["kind"] in KINDS, row["id"]
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    assert len({r["question"] for r in ROWS}) == len(ROWS)


def test_counts_and_kinds() -> None:
    kinds = Counter(r["kind"] for r in ROWS)
    assert len(ROWS) >= MIN_QUESTIONS
    assert kinds["unanswerable"] >= MIN_UNANSWERABLE
    assert all(kinds[k] for k in REQUIRED_KINDS), kinds
    assert all(not r["gold"] for r in ROWS if r["kind"] == "unanswerable")
    assert all(r["gold"] for r in ROWS if r["kind"] != "unanswerable")


def test_every_document_has_questions() -> None:
    counts = Counter(d for r in ROWS for d in r["doc"])
    assert len(counts) >= 17, sorted(counts)
    assert min(counts.values()) >= MIN_PER_DOCUMENT, counts


def test_holdout_follows_the_fixed_rule_and_is_a_third() -> None:
    # The rule is pinned: changing it would move questions in or out of the holdout.
    assert is_holdout("regb-counteroffer-silence-01") and is_holdout("regb-appraisal-notice-01")
    assert not is_holdout("regb-notice-deadline-01") and not is_holdout("qm-dti-01")
    assert all(r["holdout"] is is_holdout(r["id"]) for r in ROWS)
    share = sum(r["holdout"] for r in ROWS) / len(ROWS)
    assert abs(share - 1 / 3) <= 0.03, share


def test_gold_ids_and_key_facts() -> None:
    for row in ANSWERABLE:
        for gold in row["gold"]:
            assert REGML_ID.match(gold) or USC_ID.match(gold) or PDF_ID.match(gold), gold
        assert 1 <= len(row["key_facts"]) <= 3, row["id"]
        for fact in row["key_facts"]:
            assert 0 < len(fact.split()) <= MAX_FACT_WORDS, (row["id"], fact)
        assert row["citation"] and row["doc"], row["id"]
        if row["kind"] in ("multi-paragraph", "cross-reference"):
            assert len(row["gold"]) >= 2, row["id"]


def test_the_checker_finds_no_shape_problem() -> None:
    assert shape_problems(ROWS) == []


# --- the readers --------------------------------------------------------------------------------

REGML = """<?xml version="1.0" encoding="UTF-8"?>
<regulation xmlns="eregs">
  <part label="1099"><content>
    <section label="1099-1"><subject>§\u20091099.1 Notices.</subject>
      <paragraph label="1099-1-a" marker="(a)"><title type="keyterm">Timing.</title>
        <content>A <ref target="1099-2-l" reftype="term">creditor</ref>'s notice is due within 30 days.</content>
        <paragraph label="1099-1-a-1" marker="(1)"><content>It runs from a \u201ccompleted\u201d application.<footnote>Left out.</footnote></content></paragraph>
      </paragraph>
    </section>
    <interpretations label="1099-Interp"><interpSection label="1099-1-Interp">
      <interpParagraph label="1099-1-a-Interp-1" marker="1."><title>Mailing.</title><content>Mailing counts.</content></interpParagraph>
    </interpSection></interpretations>
  </content></part>
</regulation>
"""

NOTICE = """<?xml version="1.0" encoding="UTF-8"?>
<notice xmlns="eregs"><changeset>
  <change operation="modified" label="1099-1-a-1"><paragraph label="1099-1-a-1" marker="(1)"><content>First text.</content></paragraph></change>
  <change operation="modified" label="1099-1-a-1" subpath="content"><content>Second text.</content></change>
</changeset></notice>
"""

USC = """<!-- source chunk: one.md -->

# Title 15\u2014 COMMERCE AND TRADE
### CHAPTER 99\u2014 TEST
#### \u00a7 9999. Test definitions
(a) The definitions apply.

(b) The term \u201cBureau\u201d means the Bureau.

(c) The term \u201cBoard\u201d means the Board.

(d) The term \u201corganization\u201d means a corporation.

(e) The term \u201cperson\u201d means a person.

(f) The term \u201ccredit\u201d means credit.

(g) The term \u201ccreditor\u201d means a lender.

(h) The term \u201ccredit sale\u201d means a sale.

(i) The adjective \u201cconsumer\u201d means personal.

###### (bb) High-cost Mortgage.
(1) Definition.
(A) In general .
The term means a loan, if
(i) in the case of a transaction secured
(I) by a first mortgage, the rate exceeds 6.5 percentage points; or
(II) by a junior mortgage, 8.5 percentage points;
(ii) the points and fees exceed 5 percent.
(2)

<!-- source chunk: two.md -->

# Title 15\u2014 COMMERCE AND TRADE
#### \u00a7 9999. Test definitions
###### (bb) High-cost Mortgage.
######## (A) The Bureau may adjust the points.
(B) Not below 6 points.
(cc) The term \u201creverse mortgage\u201d means a transaction
(1) securing advances; and
(2) repaid only after
(A) the transfer of the dwelling.
"""


def test_normalize_ignores_case_spacing_quotes_and_dashes() -> None:
    assert normalize("The \u201cTerm\u201d\u2014§\u20091026.32 \n  its\u2019 W\u20132") == (
        'the "term"-§ 1026.32 its\' w-2'
    )


def test_regml_units_hold_their_children_and_no_footnotes(tmp_path: Path) -> None:
    path = tmp_path / "reg.xml"
    path.write_text(REGML, encoding="utf-8")
    document = read_regml(path)
    text = document.text("1099-1-a")
    assert text.startswith("(a) Timing.")
    assert "A creditor's notice is due within 30 days." in text  # no space around the ref
    assert "(1) It runs from" in text and "Left out" not in text
    assert document.text("1099-1-a-1") == "(1) It runs from a \u201ccompleted\u201d application."
    assert document.text("1099-1-a-Interp-1") == "1. Mailing. Mailing counts."
    assert document.text("1099-9-z") == ""


def test_a_changeset_keeps_every_occurrence_of_a_label(tmp_path: Path) -> None:
    path = tmp_path / "notice.xml"
    path.write_text(NOTICE, encoding="utf-8")
    units = read_regml(path).units["1099-1-a-1"]
    assert any("First text." in u for u in units) and any("Second text." in u for u in units)


def test_us_code_subdivisions(tmp_path: Path) -> None:
    path = tmp_path / "15usc9999.md"
    path.write_text(USC, encoding="utf-8")
    document = read_usc(path)
    units = document.units
    assert document.text("15 U.S.C. 9999(i)").startswith("The adjective")  # after (h): no clause
    assert document.text("15 U.S.C. 9999(bb)(1)(A)(i)(I)").endswith("6.5 percentage points; or")
    assert "8.5 percentage points" in document.text("15 U.S.C. 9999(bb)(1)(A)(i)")
    assert document.text("15 U.S.C. 9999(bb)(1)(A)(ii)") == "the points and fees exceed 5 percent."
    # The next chunk repeats the (bb) heading: (A) continues paragraph (2), not (bb) again.
    assert document.text("15 U.S.C. 9999(bb)(2)(A)") == "The Bureau may adjust the points."
    assert document.text("15 U.S.C. 9999(bb)(2)(B)") == "Not below 6 points."
    assert "Bureau may adjust" in document.text("15 U.S.C. 9999(bb)")
    assert document.text("15 U.S.C. 9999(cc)(2)(A)") == "the transfer of the dwelling."
    assert "15 U.S.C. 9999(cc)(1)" in units and "15 U.S.C. 9999(bb)(3)" not in units


def test_pdf_pages(tmp_path: Path) -> None:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in ("First page text", "Rule of thumb: 28% of pre-tax income"):
        pdf.add_page()
        pdf.cell(text=text)
    path = tmp_path / "sheet.pdf"
    pdf.output(str(path))
    document = read_document(path)
    assert list(document.units) == ["sheet p1", "sheet p2"]
    assert "28% of pre-tax income" in document.text("sheet p2")


# --- the checker on a corpus written here ----------------------------------------------------------


def _row(
    qid: str, gold: list[str], facts: list[str], doc: list[str], **extra: Any
) -> dict[str, Any]:
    return {
        "id": qid, "question": f"What does {qid} say?", "kind": "rule", "gold": gold,
        "citation": "x", "key_facts": facts, "holdout": is_holdout(qid), "doc": doc, **extra,
    }  # fmt: skip


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "reg.xml").write_text(REGML, encoding="utf-8")
    (folder / "15usc9999.md").write_text(USC, encoding="utf-8")
    (folder / "SOURCES.md").write_text("# Sources\n\nNot a statute.\n", encoding="utf-8")
    return Corpus(folder)


def test_the_checker_accepts_true_gold_and_facts(corpus: Corpus) -> None:
    assert sorted(corpus.files) == ["15usc9999.md", "reg.xml"]  # the README is no corpus file
    rows = [
        _row("timing", ["1099-1-a", "15 U.S.C. 9999(bb)(1)(A)(i)(I)"], ["WITHIN 30  days", "6.5 percentage points"], ["reg.xml", "15usc9999.md"]),
        _row("completed", ["1099-1-a-1"], ['"completed" application'], ["reg.xml"]),
        _row("mailing", ["1099-1-a-Interp-1"], ["Mailing counts"], ["reg.xml"]),
    ]  # fmt: skip
    assert corpus_problems(rows, corpus) == []
    assert coverage_problems(rows, corpus) == ["15usc9999.md: 1 questions; at least 3 are needed"]


def test_the_checker_reports_every_problem(corpus: Corpus) -> None:
    rows = [
        _row("wrong-fact", ["1099-1-a-1"], ["within 60 days"], ["reg.xml"]),
        _row("no-such-paragraph", ["1099-1-z"], ["notice"], ["reg.xml"]),
        _row("wrong-file", ["1099-1-a"], ["30 days"], ["15usc9999.md"]),
        _row("unused-file", ["1099-1-a"], ["30 days"], ["reg.xml", "15usc9999.md"]),
        _row("missing-file", ["1099-1-a"], ["30 days"], ["other.xml"]),
    ]  # fmt: skip
    problems = "\n".join(corpus_problems(rows, corpus))
    assert "wrong-fact: key fact 'within 60 days' is in none of its gold paragraphs" in problems
    assert "no-such-paragraph: gold 1099-1-z is not in reg.xml" in problems
    assert "wrong-file: gold 1099-1-a is not in 15usc9999.md" in problems
    assert "unused-file: 15usc9999.md holds none of the gold paragraphs" in problems
    assert "missing-file: no file other.xml in the corpus" in problems


def test_the_shape_check_catches_a_bad_line() -> None:
    bad = _row(
        "Bad Id", ["1099-1-a"], ["one two three four five six seven eight nine"], ["reg.xml"]
    )
    bad["holdout"] = not bad["holdout"]
    problems = "\n".join(shape_problems([bad]))
    for expected in ("lower-case slug", "longer than 8 words", "holdout must be", "1 questions"):
        assert expected in problems


def test_the_command_prints_one_summary_line_and_fails_on_problems(
    corpus: Corpus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "q.jsonl"
    rows = [_row("wrong-fact", ["1099-1-a-1"], ["within 60 days"], ["reg.xml"])]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    folder = str(tmp_path / "corpus")
    assert main(["--corpus", folder, "--questions", str(questions)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("q.jsonl: 1 questions (1 answerable, 0 unanswerable;")
    assert any("wrong-fact: key fact" in line for line in lines[1:])


# --- against the real corpus ------------------------------------------------------------------------


@pytest.mark.skipif(
    not os.environ.get("REGULATIONS_CORPUS"), reason="REGULATIONS_CORPUS names no folder"
)
def test_the_set_is_true_to_the_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--corpus", os.environ["REGULATIONS_CORPUS"]])
    out = capsys.readouterr().out
    assert code == 0, out
