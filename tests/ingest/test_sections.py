from __future__ import annotations

import pytest

from ingest.sections import segment
from tests.ingest.helpers import document

LONG = (
    "The lender must verify the borrower's income with documents dated within 120 days of "
    "the note date, and must keep copies of each document in the loan file."
)


@pytest.mark.parametrize(
    ("line", "section_id", "title"),
    [
        ("B3-3.1-09 Self-Employed Borrower Income", "B3-3.1-09", "Self-Employed Borrower Income"),
        ("B3-6-02: Debt-to-Income Ratios", "B3-6-02", "Debt-to-Income Ratios"),
        ("TX-2.1 Maximum Combined Loan-to-Value", "TX-2.1", "Maximum Combined Loan-to-Value"),
        ("HB-1-3555 Guaranteed Loans", "HB-1-3555", "Guaranteed Loans"),
        ("4.2.1 Documentation Requirements", "4.2.1", "Documentation Requirements"),
        ("4.2. Reserves", "4.2", "Reserves"),
        ("Section 5 - Adverse Action Notices", "Section 5", "Adverse Action Notices"),
        ("SECTION 12.3 Record Retention", "Section 12.3", "Record Retention"),
        ("Article IV Eligibility", "Article IV", "Eligibility"),
        ("Appendix A: Definitions", "Appendix A", "Definitions"),
        ("§ 1002.9 Notifications", "§ 1002.9", "Notifications"),
        ("§ 1691. Scope of prohibition", "§ 1691", "Scope of prohibition"),
        ("Title 15 - COMMERCE AND TRADE", "Title 15", "COMMERCE AND TRADE"),
        ("§1026.43(c) Repayment ability", "§1026.43(c)", "Repayment ability"),
        ("1. Purpose", "1", "Purpose"),
    ],
)
def test_numbered_headings_are_found(line: str, section_id: str, title: str) -> None:
    sections = segment(document(f"Preamble text.\n{line}\n{LONG}"))
    assert [(s.section_id, s.title) for s in sections[1:]] == [(section_id, title)]


@pytest.mark.parametrize(
    "line",
    [
        "1. The borrower must provide two years of signed federal tax returns.",
        "2.5 times the monthly payment is the minimum residual income.",
        "4.2.1 the lender may waive this requirement",
        "W-2 forms for the most recent two years",
        "K-1 Schedules for Each Partnership",
        "1 90% 45% 680",
        "3.5 4.5 5.5",
        "Table 2: Maximum LTV by Occupancy",
    ],
)
def test_body_lines_are_not_headings(line: str) -> None:
    sections = segment(document(f"{line}\n{LONG}"))
    assert [s.section_id for s in sections] == [""]


def test_sections_nest_by_their_numbers_not_their_depth() -> None:
    doc = document(
        "\n".join(
            [
                "B3 Underwriting the Borrower",
                "B3-2-01 Ability to Repay",
                LONG,
                "B3-3.1 Employment and Other Sources of Income",
                "B3-3.1-09 Self-Employed Borrower Income",
                LONG,
            ]
        ),
        headings=("B3 Underwriting the Borrower",),
    )
    decimal = document(
        "\n".join(
            ["4. Credit", "4.1 Scores", LONG, "4.1.2 Tradelines", LONG, "5. Collateral", LONG]
        )
    )
    paths = {s.section_id: s.path for s in [*segment(doc), *segment(decimal)]}
    assert paths["B3-2-01"] == ("B3 Underwriting the Borrower", "B3-2-01 Ability to Repay")
    assert paths["B3-3.1-09"] == (
        "B3 Underwriting the Borrower",
        "B3-3.1 Employment and Other Sources of Income",
        "B3-3.1-09 Self-Employed Borrower Income",
    )
    assert paths["4.1.2"] == ("4 Credit", "4.1 Scores", "4.1.2 Tradelines")
    assert paths["5"] == ("5 Collateral",)


def test_table_of_contents_lines_are_skipped() -> None:
    doc = document(
        "Contents\nB3-6-02 Debt-to-Income Ratios ........ 7\n4.2 Reserves . . . . . . 12",
        f"B3-6-02 Debt-to-Income Ratios\n{LONG}",
    )
    sections = segment(doc)
    assert [s.section_id for s in sections if s.section_id] == ["B3-6-02"]
    assert sections[-1].blocks[0].page == 2
    assert all("...." not in b.text for s in sections for b in s.blocks)


def test_a_table_keeps_its_caption_and_rows_together() -> None:
    doc = document(
        "\n".join(
            [
                "2.1 Eligibility Matrix",
                "Table 1: Maximum LTV and DTI",
                "Occupancy Units Max LTV Max DTI",
                "Principal residence 1 97% 45%",
                "Second home 1 90% 45%",
                LONG,
            ]
        )
    )
    section = segment(doc)[-1]
    table, prose = section.blocks
    assert table.kind == "table"
    assert table.text.splitlines() == [
        "Table 1: Maximum LTV and DTI",
        "Occupancy Units Max LTV Max DTI",
        "Principal residence 1 97% 45%",
        "Second home 1 90% 45%",
    ]
    assert table.table_context == "Table 1: Maximum LTV and DTI\nOccupancy Units Max LTV Max DTI"
    assert prose.kind == "text" and prose.text == LONG


def test_a_table_continued_on_the_next_page_keeps_its_context() -> None:
    doc = document(
        "3. Limits\nTable 4: Term Limits\nModel year Max term\n2026 84 months",
        "2020 60 months\n2018 48 months",
    )
    blocks = segment(doc)[-1].blocks
    assert [(b.kind, b.page) for b in blocks] == [("table", 1), ("table", 2)]
    assert blocks[1].table_context == "Table 4: Term Limits\nModel year Max term"


def test_wrapped_lines_are_rejoined_and_list_items_kept_apart() -> None:
    wide = "The borrower must provide the following documents to the underwriter before"
    doc = document(
        "\n".join(
            [
                "2. Documents",
                wide,
                "approval of the loan:",
                "- two years of federal tax returns;",
                "- a year-to-date profit and loss statement.",
                "Short line.",
                "Next paragraph starts here.",
            ]
        )
    )
    text = segment(doc)[-1].blocks[0].text
    assert text.splitlines() == [
        f"{wide} approval of the loan:",
        "- two years of federal tax returns;",
        "- a year-to-date profit and loss statement.",
        "Short line.",
        "Next paragraph starts here.",
    ]


def test_a_long_roman_numeral_opens_an_item_after_a_line_that_runs_to_the_margin() -> None:
    """ "(viii)" and "(xiii)" are list marks as "(ii)" is: an item that starts after a line
    running to the margin is not joined onto it (it would be cited as the item before)."""
    wide = "(vii) The consumer's current debt obligations, alimony, and child support;"
    doc = document(
        "\n".join(["2. Repayment ability", wide, "(viii) The consumer's credit history; and",
                   wide.replace("(vii)", "(xiii)"), "ix. Residual income."])
    )  # fmt: skip
    text = segment(doc)[-1].blocks[0].text
    assert text.splitlines()[-4:] == [
        wide,
        "(viii) The consumer's credit history; and",
        wide.replace("(vii)", "(xiii)"),
        "ix. Residual income.",
    ]


def test_layout_headings_and_slight_labels() -> None:
    doc = document(
        f"Closing Checklist\n{LONG}\n{LONG}\nTotal monthly\n$ 1,250\nNext Steps\n{LONG}",
        headings=("Closing Checklist", "Total monthly", "Next Steps"),
    )
    sections = segment(doc)
    assert [(s.section_id, s.title) for s in sections] == [
        ("", "Closing Checklist"),
        ("", "Next Steps"),
    ]
    # The bold label over one figure stays as text of the section it sits in.
    assert "Total monthly\n$ 1,250" in "\n".join(b.text for b in sections[0].blocks)


def test_blocks_carry_their_page() -> None:
    doc = document(f"1. Scope\n{LONG}", f"{LONG}\n2. Income\n{LONG}")
    sections = segment(doc)
    scope = next(s for s in sections if s.section_id == "1")
    assert [b.page for b in scope.blocks] == [1, 2]
    income = next(s for s in sections if s.section_id == "2")
    assert [b.page for b in income.blocks] == [2]


def test_statute_subsections_take_their_full_citation() -> None:
    body = "It shall be unlawful for any creditor to discriminate against any applicant."
    heads = (
        "§ 1691. Scope of prohibition",
        "(a) Activities constituting discrimination",
        "(1) Notice",
        "(A) Oral notice",
        "(b) Activities not constituting discrimination",
    )
    doc = document("\n".join(["§ 1691. Scope of prohibition", "(a) Activities constituting discrimination", body,
                               "(1) on the basis of race, color or religion;", "(1) Notice", body, "(A) Oral notice", body,
                               "(b) Activities not constituting discrimination", body]), headings=heads)  # fmt: skip
    sections = segment(doc)
    assert [s.section_id for s in sections] == [
        "§ 1691",
        "§ 1691(a)",
        "§ 1691(a)(1)",
        "§ 1691(a)(1)(A)",
        "§ 1691(b)",
    ]
    assert sections[3].path[-2:] == ("§ 1691(a)(1) Notice", "§ 1691(a)(1)(A) Oral notice")
    assert sections[4].path == (
        "§ 1691 Scope of prohibition",
        "§ 1691(b) Activities not constituting discrimination",
    )
    # A numbered list item in body text is not a heading.
    assert "(1) on the basis of race" in sections[1].blocks[0].text


def test_lines_of_a_narrow_column_are_rejoined_into_sentences() -> None:
    wide = "A line of ordinary body text that runs all the way to the right margin of the page."
    doc = document("\n".join(["3. Closing", wide, "By law, you must receive your", "Closing Disclosure three",
                              "business days before closing.", "Bring a photo ID."]))  # fmt: skip
    text = segment(doc)[-1].blocks[0].text
    assert "Closing Disclosure three business days before closing." in text
    assert text.endswith("closing.\nBring a photo ID.")


def test_leader_glyphs_mark_table_of_contents_lines() -> None:
    doc = document(
        "Right to Cancel form \ufffd\ufffd\ufffd\ufffd\ufffd\ufffd 4\nThe borrower may cancel within three business days."
    )
    assert all("Cancel form" not in b.text for s in segment(doc) for b in s.blocks)


def test_a_paragraph_cut_by_a_page_break_is_put_back_together(embedding) -> None:  # type: ignore[no-untyped-def]
    from ingest.chunk import chunk

    wide = "The borrower must provide two years of signed federal tax returns, with all of"
    doc = document(
        f"2. Documents\n{LONG}\n{wide}",
        "their schedules, before approval. Copies stay in the loan file.\n- a bank statement.",
        "- a profit and loss statement.\nA new paragraph on this page.",
    )
    blocks = segment(doc)[-1].blocks
    assert [(b.page, b.continues) for b in blocks] == [(1, False), (2, True), (3, False)]
    (only,) = chunk(segment(doc)[-1:], embedding.count_tokens, max_tokens=200)
    assert f"{wide} their schedules, before approval. Copies stay" in only.text
    assert (only.page_start, only.page_end) == (1, 3)


def test_a_page_that_opens_with_a_label_starts_a_new_paragraph() -> None:
    wide = (
        "Your closing costs are detailed on page 2 of this form, with the cash you need to "
        "close and the credits the seller gives you. See page 3 for details."
    )
    doc = document(f"2. Costs\n{LONG}\n{wide}", "Loan Costs Other Costs\nA. Origination charges.")
    blocks = segment(doc)[-1].blocks
    assert [(b.page, b.continues) for b in blocks] == [(1, False), (2, False)]


def test_a_regulations_official_interpretations_nest_under_their_supplement() -> None:
    """Rule text, then the supplement of official interpretations, as a printed regulation
    sets them: the commentary keeps the dash of its section heading and its paragraph
    headings ("7(c) ...") nest under the section they interpret; a cross-reference in
    running text ("7(c) of this part ...") is not a heading."""
    from app.text import text_kind

    body = "A covered lender shall verify the borrower's income before making the loan."
    heads = (
        "§ 9001.7 Qualified home loans.",
        "(c) Qualified home loan defined.",
        "Appendix A to Part 9001\u2014Model Notice Forms",
        "Supplement I to Part 9001\u2014Official Interpretations",
        "Section 9001.7\u2014Qualified Home Loans",
        "7(c) Qualified home loan defined.",
        "Paragraph 7(c)(2).",
        "§ 9001.9 - Error Resolution Procedures",
        "9(b) Scope of error resolution.",
    )
    lines = [heads[0], heads[1], body, heads[2], body, heads[3], heads[4], heads[5],
             "1. Interest-only periods are outside the definition.",
             "7(c) of this part applies to every lender.", heads[6], "1. Balloons are too.",
             heads[7], heads[8], "1. An error asserted by telephone is outside it."]  # fmt: skip
    sections = segment(document("\n".join(lines), headings=heads))
    by_id = {s.section_id: s for s in sections}
    assert list(by_id) == [
        "§ 9001.7",
        "§ 9001.7(c)",
        "Appendix A to Part 9001",
        "Supplement I to Part 9001",
        "Section 9001.7",
        "7(c)",
        "7(c)(2)",
        "§ 9001.9",
        "9(b)",
    ]
    # "§ 9001.9 - ..." (with a dash) is the interpretation's heading, under the supplement.
    assert by_id["9(b)"].path == (
        "Supplement I to Part 9001 Official Interpretations",
        "§ 9001.9\u2014Error Resolution Procedures",
        "9(b) Scope of error resolution.",
    )
    assert by_id["7(c)(2)"].path == (
        "Supplement I to Part 9001 Official Interpretations",
        "Section 9001.7\u2014Qualified Home Loans",
        "7(c) Qualified home loan defined.",
        "7(c)(2)",
    )
    assert "7(c) of this part applies" in by_id["7(c)"].blocks[0].text
    kinds = {s.section_id: text_kind(s.path) for s in sections}
    assert kinds == {
        "§ 9001.7": "rule",
        "§ 9001.7(c)": "rule",
        "Appendix A to Part 9001": "form",
        "Supplement I to Part 9001": "interpretation",
        "Section 9001.7": "interpretation",
        "7(c)": "interpretation",
        "7(c)(2)": "interpretation",
        "§ 9001.9": "interpretation",
        "9(b)": "interpretation",
    }


def test_a_company_guides_bracketed_headings_stay_where_they_were() -> None:
    """ "7(a) Loan Requirements" and "401(k) and IRA Accounts" in a company guide are
    ordinary headings under their numbered sections, not a regulation's commentary."""
    body = (
        "The borrower must document every account with two months of complete statements "
        "from the institution that holds it, showing the owner's name, the balance and every "
        "deposit made during the period."
    )
    heads = ("5 SBA Lending", "5.1 General", "7(a) Loan Requirements", "5.3 Assets",
             "401(k) and IRA Accounts")  # fmt: skip
    lines = [heads[0], heads[1], body, heads[2], body, heads[3], body, heads[4], body]
    sections = segment(document("\n".join(lines), headings=heads))
    paths = [s.path for s in sections]
    assert ("5 SBA Lending", "5.1 General", "7(a) Loan Requirements") in paths
    assert ("5 SBA Lending", "5.3 Assets", "401(k) and IRA Accounts") in paths


def test_a_heading_of_section_signs_takes_linear_time() -> None:
    import time

    from app.text import rule_label

    start = time.perf_counter()
    rule_label(("§" * 100_000, "§" * 50_000 + " 1026.43"))
    assert time.perf_counter() - start < 1.0
