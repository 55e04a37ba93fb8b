"""Tables told apart from prose in an answer's text and in a cited passage."""

from __future__ import annotations

from app.tabular import QUOTED, Prose, Row, Table, split_tables

CAPTION = "Table 2: Maximum LTV by Credit Tier (Section 4)"
HEADER = "Tier\tNew vehicles\tUsed vehicles\tRefinances"


def test_an_answer_quoting_a_table_gives_its_caption_header_and_rows_with_markers() -> None:
    text = "\n".join(
        [
            "Tier D applicants must put 10% down [2]",
            f"{CAPTION}{QUOTED}{HEADER}{QUOTED}A\t125%\t120%\t110% [1]",
            "B / C\t120% / 115%\t115%\t105% [1] [3]",  # a slash in a cell is the document's
            "D\t100%\t95% [1]",
            "Negative equity is not permitted for Tier D [2]",
        ]
    )
    assert split_tables(text) == [
        Prose("Tier D applicants must put 10% down [2]"),
        Table(
            CAPTION,
            ("Tier", "New vehicles", "Used vehicles", "Refinances"),
            (
                Row(("A", "125%", "120%", "110%"), " [1]"),
                Row(("B / C", "120% / 115%", "115%", "105%"), " [1] [3]"),
                Row(("D", "100%", "95%"), " [1]"),  # a last cell left empty
            ),
        ),
        Prose("Negative equity is not permitted for Tier D [2]"),
    ]
    assert split_tables(text)[1].width == 4  # type: ignore[union-attr]


def test_a_second_table_starts_a_table_of_its_own() -> None:
    text = (
        f"{CAPTION}{QUOTED}{HEADER}{QUOTED}A\t125% [1]\n"
        f"Table 3: Terms / Fees{QUOTED}Vehicle\tMax term{QUOTED}New\t84 months [1]."
    )
    first, second = split_tables(text)
    assert isinstance(first, Table) and isinstance(second, Table)
    assert second.caption == "Table 3: Terms / Fees" and second.header == ("Vehicle", "Max term")
    assert second.rows == (Row(("New", "84 months"), " [1]."),)  # a model's full stop kept


def test_a_passage_holds_a_caption_then_a_header_row_then_rows() -> None:
    text = f"{CAPTION}\n{HEADER}\nA\t125%\t120%\t110%\nNegative equity may be included."
    table, notes = split_tables(text, answer=False)
    assert table == Table(
        CAPTION,
        ("Tier", "New vehicles", "Used vehicles", "Refinances"),
        (Row(("A", "125%", "120%", "110%")),),
    )
    assert notes == Prose("Negative equity may be included.")


def test_text_without_cells_is_prose_whatever_it_says() -> None:
    text = "Table 9: see Appendix B.\nA | B | C\n[1] <b>x</b>"
    assert split_tables(text) == [Prose(text)]
    assert split_tables(text, answer=False) == [Prose(text)]
    assert split_tables("") == [Prose("")]


def test_in_a_passage_a_bracketed_number_or_a_slash_is_the_documents() -> None:
    text = f"{CAPTION}\n{HEADER}\nA / B\t125% [1]\t120%\t110%\nC\tsee note [2]"
    (table,) = split_tables(text, answer=False)
    assert isinstance(table, Table)
    assert table.rows == (Row(("A / B", "125% [1]", "120%", "110%")), Row(("C", "see note [2]")))


def test_an_answer_given_before_with_plain_slashes_still_reads() -> None:
    text = f"{CAPTION} / {HEADER} / A\t125% [1]\nB\t120% [1]\nTable 3: Terms / Vehicle\tMax / New\t84 [2]"
    first, second = split_tables(text)
    assert isinstance(first, Table) and isinstance(second, Table)
    assert [r.cells[0] for r in first.rows] == ["A", "B"] and second.caption == "Table 3: Terms"


def test_nothing_an_answer_says_is_lost_around_a_table() -> None:
    # A sentence that starts like a caption stays a sentence; a row with no table above it
    # keeps its marker as text.
    text = "\n".join(
        [
            "Schedule B applies to all investment properties [1]",
            f"Table 4: Reserves{QUOTED}Units\tMonths{QUOTED}1\t6 [1]",
            "Second homes need\t2 months [2]",
        ]
    )
    parts = split_tables(text)
    assert parts[0] == Prose("Schedule B applies to all investment properties [1]")
    assert isinstance(parts[1], Table) and parts[1].rows[-1].cells == (
        "Second homes need",
        "2 months",
    )
    lone = split_tables("No table here [1]\nA\t80% [2]")
    assert lone == [Prose("No table here [1]\nA\t80% [2]")]
