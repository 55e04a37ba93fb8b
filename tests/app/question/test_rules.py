"""Rules: an official interpretation found for a question brings the rule it interprets
(labels read from real headings; a real index, model and service)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models import User
from app.question.rules import rule_label
from app.text import TextKind, common_paragraph, paragraph_citation, quoted_paragraph

REGULATION = """\
# Part 9001 Home Lending Standards (Regulation Q)

## § 9001.7 Qualified home loans.

### (a) Scope.

This section applies to every closed-end home loan made by a covered lender.

### (c) Qualified home loan defined.

A qualified home loan is a loan whose scheduled payments are substantially equal and fully \
amortize the principal over the loan term, and whose term does not exceed 30 years.

A lender must verify the borrower's income and assets before making a qualified home loan.

## Supplement I to Part 9001\u2014Official Interpretations

### Section 9001.7\u2014Qualified Home Loans

#### 7(c) Qualified home loan defined.

1. Interest-only periods. A loan that lets the borrower pay only interest for the first five \
years, with principal deferred, is not a qualified home loan, because its payments do not \
fully amortize the principal from the start.

2. Balloon payments. A loan with a balloon payment at the end of year seven is likewise \
outside the definition.
"""


@pytest.mark.parametrize(
    ("path", "label"),
    [
        (("§ 1026.43 Minimum standards.", "(e) Qualified mortgages.", "(2) Defined."), "1026.43(e)(2)"),
        (("Part 9001", "§ 9001.7 Qualified", "§ 9001.7(c) Qualified home loan defined."), "9001.7(c)"),
        (("Section 1026.43\u2014Minimum Standards", "43(e)(2) Qualified mortgage defined"), "1026.43(e)(2)"),
        (("Section 1002.7 - Rules", "7(d) Signature of spouse.", "Paragraph 7(d)(6)."), "1002.7(d)(6)"),
        (("§ 1024.36 - Requests for Information", "36(b) Contact information"), "1024.36(b)"),
        (("Section \u00a7 1024.17 - Escrow Accounts", "17(k) Timely payments."), "1024.17(k)"),
        # A heading that refers to a section is not that section: a model form, a guide.
        (("Appendix MS", "MS-3(A) - Model Form for Notice Required By \u00a7 1024.37(c)(2)"), ""),
        (("Chapter 4 Ability to Repay (\u00a7 1026.43(c))", "(c) Income"), ""),
        # A section cut at a paragraph, its heading that paragraph's title: named once.
        (("§ 1026.32(a)", "(a) Coverage."), "1026.32(a)"),
        # No section of a regulation named: no label.
        (("15 U.S.C. 1691 Scope of prohibition", "(d) Reason for adverse action"), ""),
        (("B3 Underwriting", "B3-6-02 Debt-to-Income Ratios"), ""),
        (("Comment 31(c)",), ""),
    ],
)  # fmt: skip
def test_rule_label_is_read_from_the_headings(path: tuple[str, ...], label: str) -> None:
    assert rule_label(path) == label


@pytest.mark.parametrize(
    ("section_id", "path", "kind", "paragraph", "cited"),
    [
        ("§ 1026.43", ("§ 1026.43 Minimum standards.",), "rule", "(e)(2)(ii)", "§ 1026.43(e)(2)(ii)"),
        ("(e)", ("§ 1026.43 Minimum standards.", "(e) Qualified mortgages"), "rule", "(2)(ii)", "§ 1026.43(e)(2)(ii)"),
        # A section cut at (b) whose text starts "(b) Definitions." numbers its paragraphs
        # from (b): the marker is not repeated.
        ("(b)", ("§ 1026.43 Minimum standards.", "(b) Definitions."), "rule", "(b)(12)", "§ 1026.43(b)(12)"),
        ("(b)", ("§ 1026.43 Minimum standards.", "(b) Definitions."), "rule", "(12)", "§ 1026.43(b)(12)"),
        ("43(e)(2)", ("Supplement I to Part 1026", "Section 1026.43\u2014Minimum Standards", "43(e)(2) Defined"), "interpretation", "item 1.i", "comment 43(e)(2)-1.i"),
        ("Section 1002.9", ("Section 1002.9\u2014Notifications",), "interpretation", "item 3", "comment 9-3"),
        ("B3-6-02", ("B3 Underwriting", "B3-6-02 Debt-to-Income Ratios"), "rule", "item 3", "B3-6-02, item 3"),
        ("4.2", ("4 Income", "4.2 Self-employed"), "rule", "(a)(1)", "4.2(a)(1)"),
        ("4.2", ("4 Income", "4.2 Self-employed"), "rule", "4.2.1", "4.2.1"),
        ("Appendix Q", ("Appendix Q to Part 1026",), "rule", "I.A.2.a", "Appendix Q, I.A.2.a"),
        ("§1691", ("§1691. Scope of prohibition",), "rule", "(d)(1)", "§1691(d)(1)"),
        ("15 U.S.C. 1691a(b)", ("15 U.S.C. 1691a Definitions",), "rule", "(b)(2)", "15 U.S.C. 1691a(b)(2)"),
        ("§ 1026.32(a)", ("§ 1026.32(a)", "(a) Coverage."), "rule", "(1)(i)", "§ 1026.32(a)(1)(i)"),
        # Capital-lettered paragraphs are cited as written, and their marker once.
        ("§ 1026.35(b)(2)(iii)(A)", ("§ 1026.35(b)(2)(iii)(A) Rural areas",), "rule", "(A)(1)", "§ 1026.35(b)(2)(iii)(A)(1)"),
        ("43(e)(2)(vi)(A)", ("Section 1026.43\u2014Minimum Standards", "Paragraph 43(e)(2)(vi)(A)"), "interpretation", "item 1", "comment 43(e)(2)(vi)(A)-1"),
        ("", (), "rule", "item 2", "item 2"),
        # The section itself; an absolute number outside the section (a table cell's
        # cross-reference read as a paragraph) is not cited.
        ("§ 1026.43", ("§ 1026.43 Minimum standards.",), "rule", "", ""),
        ("B1-1-03", ("B1-1-03 Revision History",), "rule", "B3-4.1-01", ""),
        ("4.2", ("4.2 Self-employed",), "rule", "4.21", ""),
        ("12", ("12 Reserves",), "rule", "120.1", ""),
        ("B3-6-02", ("B3-6-02 Debt-to-Income Ratios",), "rule", "HUD-1", ""),
    ],
)  # fmt: skip
def test_a_paragraph_is_cited_as_people_cite_it(
    section_id: str, path: tuple[str, ...], kind: TextKind, paragraph: str, cited: str
) -> None:
    assert paragraph_citation(section_id, path, kind, paragraph) == cited


@pytest.mark.parametrize(
    ("labels", "common"),
    [
        (["(e)(2)(i)"], "(e)(2)(i)"),
        (["(e)(2)(i)", "(e)(2)(ii)"], "(e)(2)"),
        (["(e)(2)(i)(A)", "(e)(2)(ii)", "(e)(3)"], "(e)"),
        (["item 1.i", "item 1.ii"], "item 1"),
        (["item 1", "item 2"], ""),
        (["(a)", "(b)"], ""),
        ([], ""),
    ],
)
def test_the_paragraph_holding_several(labels: list[str], common: str) -> None:
    assert common_paragraph(labels) == common


def test_a_quote_stands_in_the_paragraph_it_starts_in_or_the_one_holding_it_all() -> None:
    text = "(2) Defined. A loan that does not:\n(i) Increase the balance;\n(ii) Defer principal."
    marks = ((0, "(2)"), (text.index("(i)"), "(2)(i)"), (text.index("(ii)"), "(2)(ii)"))
    assert quoted_paragraph(text, marks, "(ii) Defer principal.") == "(2)(ii)"
    assert quoted_paragraph(text, marks, "A loan that does not:") == "(2)"
    # White space as the answer joined a wrapped sentence; a table row after its header.
    assert quoted_paragraph(text, marks, "(i) Increase  the\nbalance;") == "(2)(i)"
    assert quoted_paragraph(text, marks, "Table 1\nHeader\n(i) Increase the balance;") == "(2)(i)"
    assert quoted_paragraph(text, marks, "(i) Increase the balance; (ii) Defer") == "(2)"
    assert quoted_paragraph(text, marks, "Not in it.") == ""
    assert quoted_paragraph(text, (), "(ii) Defer principal.") == ""


@pytest.fixture
def regulation_service(tmp_path: Path, embedding, service_parts):  # type: ignore[no-untyped-def]
    """The service over a fresh index of one regulation, handing one passage (the closest)
    to the answer stage."""
    from app.factory import build_service, open_store
    from app.settings import load_settings
    from ingest.manifest import ManifestEntry
    from ingest.pipeline import ingest

    source = tmp_path / "regulation-q.md"
    source.write_text(REGULATION, encoding="utf-8")
    opened = []

    def make(interpreted_rules: int):  # type: ignore[no-untyped-def]
        settings = load_settings(
            app={"data_dir": tmp_path / f"data-{interpreted_rules}"},
            retrieval={"top_k": 1, "interpreted_rules": interpreted_rules},
        )
        store = open_store(settings, embedding.dimension)
        entry = ManifestEntry(path=source, fields={
            "doc_id": "reg-q", "title": "Regulation Q", "product": "mortgage",
            "jurisdiction": "US-federal", "doc_type": "regulation", "version": "1",
            "effective_date": "2025-01-01"})  # fmt: skip
        ingest([entry], store=store, embedding=embedding, settings=settings)
        service = build_service(
            settings, embedding=embedding, store=store, redactor=service_parts[1]
        )
        opened.append((service, store))
        return service

    yield make
    for service, store in opened:
        service.close()
        store.close()


ASKED = User(name="uw1", role="underwriter")


def test_the_rule_an_interpretation_speaks_to_is_quoted_first(regulation_service) -> None:  # type: ignore[no-untyped-def]
    question = "Can a qualified home loan have a balloon payment?"
    alone = regulation_service(0).ask(question, user=ASKED)
    assert [c.section_id for c in alone.retrieved] == ["7(c)"]
    assert [(c.section_id, c.kind) for c in alone.citations] == [("7(c)", "interpretation")]
    # Its quote is from the first comment on paragraph 7(c), as the index records it.
    assert alone.text.startswith("A loan that lets the borrower pay only interest")
    assert [c.paragraph for c in alone.citations] == ["comment 7(c)-1"]

    linked = regulation_service(3).ask(question, user=ASKED)
    assert [c.section_id for c in linked.retrieved] == ["7(c)", "§ 9001.7(c)"]
    # The rule first, then the interpretation, which speaks of balloon payments.
    assert [(c.section_id, c.kind) for c in linked.citations] == [
        ("§ 9001.7(c)", "rule"),
        ("7(c)", "interpretation"),
    ]
    assert linked.text.startswith("A qualified home loan is a loan whose scheduled payments")
