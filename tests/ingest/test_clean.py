from __future__ import annotations

import pytest

from ingest.clean import drop_running_lines, normalize, page_number_in, repair_hyphenation


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("Page 3 of 12", "3"),
        ("page 7", "7"),
        ("Page ii", "ii"),
        ("3 of 6", "3"),
        ("- 4 -", "4"),
        ("12", "12"),
        ("xiv", "xiv"),
        ("Internal Use Only | Page 7 of 9", "7"),
        ("Effective 2026-03-01", None),
        ("Reserves", None),
    ],
)
def test_page_number_in(line: str, number: str | None) -> None:
    assert page_number_in(line) == number


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("The\tborrower\u00a0must  sign", "The borrower must sign"),
        ("\u201cGift letter\u201d and the lender\u2019s", '"Gift letter" and the lender\'s'),
        ("\ufb01nancing over\u2009\u00a7 1002.9", "financing over § 1002.9"),
        ("co\u00adborrower", "coborrower"),
        ("Income:\ue108 $", "Income: $"),
    ],
)
def test_normalize(raw: str, clean: str) -> None:
    assert normalize(raw) == clean


@pytest.mark.parametrize(
    ("lines", "vocabulary", "expected"),
    [
        (["the under-", "writing rules"], {}, ["the underwriting", "rules"]),
        (["a self-", "employed borrower"], {}, ["a self-employed", "borrower"]),
        (["two-", "year history"], {"two-year": 3}, ["two-year", "history"]),
        (["the co-", "borrower signs"], {"coborrower": 2}, ["the coborrower", "signs"]),
        (["income -", "verified"], {}, ["income -", "verified"]),
        (["see Exhibit A-", "Rates"], {}, ["see Exhibit A-", "Rates"]),
    ],
)
def test_repair_hyphenation(
    lines: list[str], vocabulary: dict[str, int], expected: list[str]
) -> None:
    assert repair_hyphenation(lines, vocabulary) == expected


def test_running_headers_and_footers_are_dropped_and_page_numbers_read() -> None:
    bodies = ["Reserves cover six months.", "Returns for two years.", "Appraisals expire."]
    pages = [
        ["Harbor Point Bank - Auto Policy", body, f"Page {n} of 3"]
        for n, body in enumerate(bodies, start=1)
    ]
    kept, printed = drop_running_lines(pages)
    assert kept == [[body] for body in bodies]
    assert printed == ["1", "2", "3"]


def test_a_line_repeated_in_the_body_is_kept() -> None:
    body = [f"line {i}" for i in range(8)]
    pages = [["Header", *body[:4], "The same sentence.", *body[4:], "Footer"] for _ in range(3)]
    kept, _ = drop_running_lines(pages)
    assert all("The same sentence." in lines for lines in kept)
    assert all("Header" not in lines and "Footer" not in lines for lines in kept)


def test_single_page_keeps_everything_but_a_bare_page_number() -> None:
    kept, printed = drop_running_lines([["Memo", "Text.", "1"]])
    assert kept == [["Memo", "Text."]]
    assert printed == ["1"]


def test_a_line_that_is_all_the_text_of_its_pages_is_content() -> None:
    sentence = "Reserves must cover six months of payments."
    kept, _ = drop_running_lines([[sentence]] * 4)
    assert kept == [[sentence]] * 4
    kept, printed = drop_running_lines([[sentence, f"Page {n} of 4"] for n in range(1, 5)])
    assert kept == [[sentence]] * 4 and printed == ["1", "2", "3", "4"]


def test_a_header_that_frames_bodies_goes_even_from_a_page_without_one() -> None:
    bodies = ["Reserves cover six months.", "Returns for two years.", "Appraisals expire."]
    pages = [["Harbor Point Bank", body, f"Page {n}"] for n, body in enumerate(bodies, start=1)]
    pages.append(["Harbor Point Bank", "Page 4"])  # a blank page with its furniture
    kept, printed = drop_running_lines(pages)
    assert kept == [*([body] for body in bodies), []]
    assert printed == ["1", "2", "3", "4"]
