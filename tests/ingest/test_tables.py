"""Tables in PDFs: each row one line, its cells a tab apart, wrapped cells whole.

On the sample policies as built (rows set apart by space, tight rows, a header wrapped over
two lines, a table running onto the next page), and on laid-out text written here for what a
sample does not show (a running footer, a heading or prose after the table, words that do not
match)."""

from __future__ import annotations

from collections import Counter

import pytest

from app.tabular import CELL
from ingest.parse import parse
from ingest.sections import segment
from ingest.tables import Columns, rebuild
from tests.conftest import SAMPLES

PDFS = SAMPLES / "pdf"


def _rows(file: str, caption: str) -> list[list[str]]:
    """The rows (header first) of the table under ``caption``, on every page it runs onto,
    as the sections hand them on."""
    for section in segment(parse(PDFS / f"{file}.pdf")):
        tables = [b for b in section.blocks if b.kind == "table"]
        if tables and tables[0].text.startswith(caption):
            lines = [line for b in tables for line in b.text.split("\n")]
            return [line.split(CELL) for line in lines[1:]]
    raise AssertionError(f"no table {caption!r} in {file}")


def test_rows_set_apart_by_space_keep_wrapped_and_centred_cells_whole() -> None:
    rows = _rows("compliance-memo-adverse-action", "Table 2: Minimum Retention Periods")
    assert rows[0] == ["Records", "Minimum retention period"]
    assert rows[1] == [
        # Both cells wrapped onto a second line.
        "Consumer applications, including denied, withdrawn and incomplete applications",
        "25 months after the date the applicant is notified of the action taken",
    ]
    # The first cell set beside the middle of a cell wrapped over three lines: the text
    # extraction gives the second cell's first line before it.
    assert rows[4] == [
        "Business applications, gross revenues above $1 million",
        "60 days after notification, or 12 months if the applicant requests reasons or "
        "records in that period (the Bank keeps them 25 months)",
    ]
    assert len(rows) == 6 and all(len(row) == 2 for row in rows)


def test_a_table_runs_onto_the_next_page_with_its_columns() -> None:
    rows = _rows("compliance-memo-adverse-action", "Table 1: Adverse Action Notice Deadlines")
    firsts = [row[0] for row in rows]
    assert firsts == [
        "Situation",
        "Completed consumer application denied",
        "Incomplete consumer application",
        "Counteroffer",
        "Adverse action on an existing account",
        "Situation",  # the header, repeated at the top of the next page
        "HELOC freeze or line reduction",
        "Business applicant with gross revenues of $1 million or less",
        "Business applicant with gross revenues above $1 million",
    ]
    assert rows[7][1] == "Within 30 days, orally or in writing; the Bank always notifies in writing"


def test_tight_rows_and_a_header_wrapped_over_two_lines() -> None:
    assert _rows("auto-loan-credit-policy", "Table 2: Maximum LTV by Credit Tier") == [
        ["Tier", "New vehicles", "Used vehicles", "Refinances"],
        ["A", "125%", "120%", "110%"],
        ["B", "120%", "115%", "105%"],
        ["C", "110%", "105%", "100%"],
        ["D", "100%", "95%", "Not eligible"],
    ]
    rows = _rows("personal-loan-policy", "Table 1: Loan Limits by Credit Score")
    assert rows[0] == [
        "Credit score",
        "Max loan amount",
        "Max term",
        "Max DTI",
        "Origination fee range",
    ]
    assert rows[1][2] == "60 months (72 months from $20,000 at 740+)"
    assert [row[0] for row in rows[1:]] == [
        "760 or higher",
        "720 to 759",
        "690 to 719",
        "660 to 689",
        "Below 660",
    ]


def test_the_prose_after_a_table_stays_prose() -> None:
    doc = parse(PDFS / "auto-loan-credit-policy.pdf")
    lines = doc.pages[1].text.split("\n")
    d_row = lines.index(f"D{CELL}600 to 639{CELL}$5,000 to $35,000{CELL}10%{CELL}40%")
    assert lines[d_row + 1].startswith("Applicants with a score below 600, or with no score")
    assert CELL not in lines[d_row + 1]
    assert sum(CELL in line for line in lines) == 5 + 5 + 6  # three tables' rows, no more


def _plain(layout: str) -> list[str]:
    """The lines plain text extraction gives of the same text: single spaces, no blanks."""
    return [" ".join(line.split()) for line in layout.splitlines() if line.strip()]


# Laid-out text, as pypdf's layout mode gives it: columns set apart by runs of spaces, rows
# by a blank line.
_PAGE = """\
                 Harbor Point Bank - Reserve Policy

Table 4: Reserves by Property Type (Section 6)
Property type          Months of reserves      Notes

Primary residence      2                       Only when the DTI is above
                                               40 percent

Second home            6

                                               Per financed property, and
Investment property    12                      never fewer than 6 in all
6.2 Gift Funds
Gifts may be used for the down payment only when a signed gift letter is in the file.
Internal Use Only                                                      Page 4 of 9
"""
_PLAIN = [
    "Harbor Point Bank - Reserve Policy",
    "Table 4: Reserves by Property Type (Section 6)",
    "Property type Months of reserves Notes",
    "Primary residence 2 Only when the DTI is above",
    "40 percent",
    "Second home 6",
    "Per financed property, and",
    "Investment property 12 never fewer than 6 in all",
    "6.2 Gift Funds",
    "Gifts may be used for the down payment only when a signed gift letter is in the file.",
    "Internal Use Only Page 4 of 9",
]


def test_rows_rebuilt_between_a_caption_and_a_heading() -> None:
    kept = _PLAIN[1:-1]  # the running header and footer are dropped before
    lines, open_columns = rebuild(
        kept,
        _PAGE,
        skip=Counter([_PLAIN[0], _PLAIN[-1]]),
        headings=frozenset({"6.2 Gift Funds"}),
    )
    assert lines == [
        "Table 4: Reserves by Property Type (Section 6)",
        f"Property type{CELL}Months of reserves{CELL}Notes",
        f"Primary residence{CELL}2{CELL}Only when the DTI is above 40 percent",
        f"Second home{CELL}6",
        # a first cell set beside the middle of a cell wrapped over two lines
        f"Investment property{CELL}12{CELL}Per financed property, and never fewer than 6 in all",
        "6.2 Gift Funds",
        "Gifts may be used for the down payment only when a signed gift letter is in the file.",
    ]
    assert open_columns is None  # the table ended on the page


def test_a_table_at_the_foot_of_a_page_hands_its_columns_to_the_next() -> None:
    page = _PAGE.split("6.2 Gift Funds")[0]
    kept = _PLAIN[1:8]
    lines, open_columns = rebuild(kept, page, skip=Counter([_PLAIN[0]]))
    assert lines[-1].startswith(f"Investment property{CELL}12{CELL}Per financed property")
    assert open_columns == Columns((0, 23, 47))
    # The next page's character grid is narrower: its first full row places the columns.
    following = (
        "Vacant land          24                    Not financed\n"
        "Mixed use            12\n"
        "The Bank does not count retirement assets at more than 60 percent of their value.\n"
    )
    plain = [
        "Vacant land 24 Not financed",
        "Mixed use 12",
        "The Bank does not count retirement assets at more than 60 percent of their value.",
    ]
    lines, still_open = rebuild(plain, following, skip=Counter(), carried=open_columns)
    assert lines == [
        f"Vacant land{CELL}24{CELL}Not financed",
        f"Mixed use{CELL}12",
        plain[2],
    ]
    assert still_open is None


@pytest.mark.parametrize(
    "plain",
    [
        # A word the layout reading does not have: nothing is rebuilt.
        [*_PLAIN[1:4], "40 percent of income", *_PLAIN[5:-1]],
        # Glued: two words the layout reading has apart.
        [*_PLAIN[1:3], "Primary residence 2 Only when the DTI isabove", *_PLAIN[4:-1]],
        # The plain reading lost a line.
        [*_PLAIN[1:5], *_PLAIN[6:-1]],
    ],
)
def test_rows_that_do_not_hold_the_same_words_are_left_as_read(plain: list[str]) -> None:
    lines, _ = rebuild(
        plain, _PAGE, skip=Counter([_PLAIN[0], _PLAIN[-1]]), headings=frozenset({"6.2 Gift Funds"})
    )
    assert lines == plain


def test_a_caption_with_no_table_under_it_changes_nothing() -> None:
    layout = (
        "Table 5: Reserve exceptions are listed in Appendix B.\n"
        "Reserves may be reduced by two months when the borrower has a credit score above 740.\n"
    )
    plain = [normal for normal in (" ".join(line.split()) for line in layout.splitlines())]
    assert rebuild(plain, layout, skip=Counter()) == (plain, None)


@pytest.mark.parametrize(
    ("layout", "why"),
    [
        (
            "Table 6: Fees\n"
            "Service          Fee\n"
            "Title            Ninety dollars, or\n"
            "search           one hundred when rushed\n",
            "a first cell that carries on in lower case beside a wrapped cell: fine",
        ),
        (
            "Table 6: Fees\n"
            "Service          Fee\n"
            "                 Ninety dollars, or\n"
            "Title search     one hundred when rushed\n"
            "Recording        $40\n",
            "tight rows, a line with no first cell: above or below?",
        ),
        (
            "Table 6: Fees\n"
            "Service          Fee\n"
            "Conventional (Fannie     $90\n"
            "Mae) loans\n"
            "Recording        $40\n",
            "tight rows, a first cell alone on a line: wrapped, or a row of its own?",
        ),
        (
            "Table 6: Fees\n"
            "Service          Fee\n"
            "Full title policy till filing $1,250\n"
            "Recording        $40\n",
            "a cell that runs into the next column: cells not set apart",
        ),
    ],
)
def test_tight_rows_that_cannot_be_told_apart_keep_their_plain_lines(layout: str, why: str) -> None:
    plain = _plain(layout)
    lines, _ = rebuild(plain, layout, skip=Counter())
    if why.endswith("fine"):
        assert lines[2] == f"Title search{CELL}Ninety dollars, or one hundred when rushed", why
    else:
        assert lines == plain, why


def test_a_short_note_standing_apart_below_tight_rows_ends_the_table() -> None:
    layout = (
        "Table 7: Limits\n"
        "Tier      LTV     CLTV\n"
        "A         95%     90%\n"
        "B         90%     85%\n"
        "\n"
        "Exceptions\n"
        "Loans outside these limits need the Chief Credit Officer's approval in writing.\n"
    )
    plain = _plain(layout)
    lines, columns = rebuild(plain, layout, skip=Counter())
    assert lines == [
        plain[0],
        f"Tier{CELL}LTV{CELL}CLTV",
        f"A{CELL}95%{CELL}90%",
        f"B{CELL}90%{CELL}85%",
        "Exceptions",
        plain[-1],
    ]
    assert columns is None


def test_a_word_broken_at_a_cell_line_end_is_whole_again() -> None:
    layout = (
        "Table 8: Documents\n"
        "\n"
        "Borrower          Documents\n"
        "\n"
        "Self-employed     Two years of tax returns and under-\n"
        "                  writing notes from a self-\n"
        "                  employed borrower's CPA\n"
    )
    lines, _ = rebuild(_plain(layout), layout, skip=Counter())
    assert lines[-1] == (
        f"Self-employed{CELL}Two years of tax returns and underwriting notes from a "
        "self-employed borrower's CPA"
    )


@pytest.mark.parametrize(
    ("line", "caption"),
    [
        ("Table 2: Maximum LTV by Credit Tier (Section 4)", True),
        ("Table 4-1. Reserves", True),
        ("Exhibit A - Fees", True),
        ("Schedule C: Profit or Loss", True),
        ("Schedule K-1 shows a history of distributions or the business has liquidity", False),
        ("Schedule K-1 income may be used only when", False),
        ("Table of Contents", False),
    ],
)
def test_a_caption_names_a_table_a_sentence_about_a_schedule_does_not(
    line: str, caption: bool
) -> None:
    from ingest.sections import CAPTION

    assert bool(CAPTION.match(line)) is caption
