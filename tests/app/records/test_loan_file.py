"""The conversation exported for the loan file, as Markdown and as PDF: each question as
processed, its answer, support, scope, gaps, notes and citations, with the audit record ids;
and one answer as plain text to copy. What documents and users wrote stays text."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from app.models import Answer, Citation, Filters, User
from app.records.loan_file import answer_text, conversation_markdown, conversation_pdf

UNDERWRITER = User(name="uw1", role="underwriter")
EXPORTED = datetime(2026, 12, 5, tzinfo=UTC)
HOSTILE = "**bold** [click here](https://evil.example) <img src=x onerror=alert(1)> `code` _x_"


def citation(marker: int = 1, **fields: Any) -> Citation:
    values: dict[str, Any] = {
        "marker": marker,
        "point_id": f"p{marker}",
        "doc_id": "mortgage-guide",
        "title": "Mortgage Underwriting Guide",
        "version": "2.0",
        "effective_date": date(2026, 3, 1),
        "file_name": "mortgage-guide.pdf",
        "page": 7,
        "page_label": "5",
        "section_id": "B3-6-02",
        "section_title": "Debt-to-Income Ratios",
        "passage": "The maximum DTI ratio is 45%.",
        "quote": "The maximum DTI ratio is 45%.",
    }
    return Citation(**(values | fields))


def answer(**fields: Any) -> Answer:
    values: dict[str, Any] = {
        "question": "What is the maximum DTI ratio?",
        "text": "The maximum DTI ratio is 45% [1].",
        "citations": (citation(),),
        "backend": "extractive",
        "model": "none",
        "audit_id": 41,
    }
    return Answer(**(values | fields))


def pdf_text(data: bytes) -> tuple[str, PdfReader]:
    """The PDF's text with its line breaks and runs of spaces made single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split()), reader


def test_the_export_holds_each_question_answer_citation_and_audit_id(make_service) -> None:  # type: ignore[no-untyped-def]
    service = make_service()
    dti = service.ask(
        "Borrower Maria Gonzalez: what is the maximum DTI ratio?",
        user=UNDERWRITER,
        product="mortgage",
    )
    flood = service.ask(
        "What is the maximum flood insurance deductible?", user=UNDERWRITER, product="mortgage"
    )
    hostile = service.ask("[click here](https://evil.example) boat loans?", user=UNDERWRITER)
    text = conversation_markdown([dti, flood, hostile], user=UNDERWRITER, exported_at=EXPORTED)
    assert "Maria" not in text and "Gonzalez" not in text and "\\<PERSON\\_1\\>" in text
    assert f"Audit record #{dti.audit_id}" in text and f"Audit record #{flood.audit_id}" in text
    assert "Filters: product mortgage" in text
    assert "Mortgage Underwriting Guide, version 2.0 (effective 2026-03-01)" in text
    assert "section B3-6-02 Debt-to-Income Ratios, page 5" in text
    assert "Note: Another current document gives a different figure" in text
    # The other document the note quotes is among the sources, under its own marker.
    (guide,) = flood.note_citations
    assert f"[{guide.marker}] Mortgage Underwriting Guide, version 2.0" in text.replace("\\", "")
    assert text.count("(cited by a note)") == 1
    assert f"Support: {dti.support.replace('_', ' ')}" in text
    # A link typed into a question is text, not a link, in any Markdown viewer.
    assert "](https://evil.example)" not in text and "\\[click here\\]" in text
    assert text.index("## 1.") < text.index("## 2.") < text.index("## 3.")

    # The PDF holds the same, in the same order, as plain text.
    shown, reader = pdf_text(
        conversation_pdf([dti, flood, hostile], user=UNDERWRITER, exported_at=EXPORTED)
    )
    assert "Maria" not in shown and "Gonzalez" not in shown
    assert "1. Borrower <PERSON_1>: what is the maximum DTI ratio?" in shown
    assert " ".join(dti.text.split()) in shown and " ".join(flood.text.split()) in shown
    for a in (dti, flood):
        assert f"Audit record #{a.audit_id}" in shown
        for c in a.citations:
            assert (
                f"{c.title}, version {c.version} (effective {c.effective_date:%Y-%m-%d})" in shown
            )
            assert f"page {c.page_label or c.page}" in shown
    assert "section B3-6-02 Debt-to-Income Ratios, page 5" in shown
    assert "Note: Another current document gives a different figure" in shown
    assert f"[{guide.marker}] Mortgage Underwriting Guide, version 2.0" in shown
    assert shown.count("(cited by a note)") == 1
    assert "3. [click here](https://evil.example) boat loans?" in shown
    assert shown.index("1. Borrower") < shown.index("2. What is the maximum flood")
    assert shown.index("2. What is the maximum flood") < shown.index("3. [click here]")
    assert all("/Annots" not in page for page in reader.pages)


def test_support_scope_and_gaps_are_lines_of_the_markdown_escaped_like_the_rest() -> None:
    partial = answer(
        support="partial",
        scope=Filters(product="heloc", jurisdiction="TX"),
        scope_read=("product", "jurisdiction"),
        gaps=(f"The quoted passages do not mention {HOSTILE}.",),
    )
    chosen = answer(support="direct", scope=Filters(product="mortgage"), audit_id=42)
    text = conversation_markdown([partial, chosen], user=UNDERWRITER, exported_at=EXPORTED)
    first, second = text.split("## 2.")
    assert "Support: partial" in first and "Support: direct" in second
    assert "Answered for: heloc, Texas (read from the question)" in first
    # Set by the reader, not read from the question.
    assert "Answered for: mortgage\n" in second
    assert "Gap: The quoted passages do not mention \\*\\*bold\\*\\* \\[click here\\]" in first
    assert not re.search(r"(?<!\\)(\]\(|<img)", text)
    abstained = answer(support="not_found", abstained=True, citations=())
    text = conversation_markdown([abstained], user=UNDERWRITER, exported_at=EXPORTED)
    assert "Support: not found" in text


def test_the_pdf_has_each_field_of_the_answer() -> None:
    partial = answer(
        support="partial",
        scope=Filters(product="heloc", jurisdiction="TX"),
        scope_read=("jurisdiction",),
        gaps=("The quoted passages do not mention \u2018boats\u2019.",),
        notes=("Another current document gives a different figure: 43%.",),
        citations=(citation(), citation(2, title="HELOC Bulletin", version="1.1", page_label="")),
    )
    shown, reader = pdf_text(conversation_pdf([partial], user=UNDERWRITER, exported_at=EXPORTED))
    assert shown.startswith("Policy questions and answers Exported 2026-12-05 00:00 UTC by uw1")
    for expected in (
        "1. What is the maximum DTI ratio?",
        "Audit record #41",
        "Answered for: heloc, Texas (read from the question)",
        "Support: partial",
        "The maximum DTI ratio is 45% [1].",
        "Gap: The quoted passages do not mention \u2018boats\u2019.",
        "Note: Another current document gives a different figure: 43%.",
        "[1] Mortgage Underwriting Guide, version 2.0 (effective 2026-03-01), "
        "section B3-6-02 Debt-to-Income Ratios, page 5",
        "quoted: The maximum DTI ratio is 45%.",
        # No printed page label: the PDF page.
        "[2] HELOC Bulletin, version 1.1 (effective 2026-03-01), section B3-6-02 "
        "Debt-to-Income Ratios, page 7",
    ):
        assert expected in shown, expected
    assert shown.index("Support: partial") < shown.index("The maximum DTI") < shown.index("Gap:")
    assert reader.metadata is not None and reader.metadata.title == "Policy questions and answers"


def test_a_hostile_passage_is_literal_text_in_the_pdf() -> None:
    hostile = answer(
        question=f"Is {HOSTILE} allowed?",
        text=f"It says {HOSTILE} [1].",
        citations=(citation(title=f"<b>Notice</b> {HOSTILE}", quote=f"Quoted {HOSTILE}"),),
    )
    data = conversation_pdf([hostile], user=UNDERWRITER, exported_at=EXPORTED)
    shown, reader = pdf_text(data)
    assert f"1. Is {HOSTILE} allowed?" in shown
    assert f"It says {HOSTILE} [1]." in shown
    assert f"[1] <b>Notice</b> {HOSTILE}, version 2.0" in shown
    assert f"quoted: Quoted {HOSTILE}" in shown
    assert all("/Annots" not in page for page in reader.pages)
    assert b"/URI" not in data and b"/Link" not in data


def test_a_very_long_passage_wraps_within_the_page_and_over_pages() -> None:
    words = [f"word{i}" for i in range(2500)]
    address = "https://example.test/" + "a" * 400  # one word longer than a line
    long = answer(
        text=" ".join(words[:300]) + " [1].",
        citations=(citation(quote=" ".join(words) + " " + address),),
    )
    data = conversation_pdf([long], user=UNDERWRITER, exported_at=EXPORTED)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3
    lines = [line for page in reader.pages for line in page.extract_text().split("\n")]
    assert max(len(line) for line in lines) < 130, max(lines, key=len)
    joined = " ".join(lines)
    assert all(word in joined for word in words)
    assert "".join(lines).count("a" * 60) >= 1
    last = reader.pages[-1].extract_text()
    assert f"page {len(reader.pages)} of {len(reader.pages)}" in last


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("Gon\u00e7alves \u2014 \u00a7 4.2 \u20ac5", "Gon\u00e7alves \u2014 \u00a7 4.2 \u20ac5"),
        ("\u0141\u00f3d\u017a, Pe\u0148a, caf\u00e9", "?\u00f3dz, Pena, caf\u00e9"),
        ("\u0394\u03b9\u03ba\u03b1\u03b9\u03bf\u03cd\u03c7\u03bf\u03c2 DTI", "?????????? DTI"),
        ("\u62b5\u62bc\u8d37\u6b3e 45%", "???? 45%"),
        ("\U0001f3e0 loan \u2264 80% \u2212 5", "? loan <= 80% - 5"),
        ("a\u2060b\u200bc\u202ed\u0007e\tf", "abcde f"),
        # fpdf2's page-count placeholders are text like any other.
        ("{nb} of {nb_pages} \x01pages\x01", "{nb} of {nb_pages} pages"),
    ],
)
def test_characters_helvetica_lacks_do_not_break_the_pdf(written: str, shown: str) -> None:
    other = answer(question=written, text=written, citations=(citation(title=written),))
    text, _ = pdf_text(conversation_pdf([other], user=UNDERWRITER, exported_at=EXPORTED))
    assert f"1. {shown}" in text and f"[1] {shown}, version 2.0" in text


def test_the_copy_text_is_the_answer_with_its_citations_and_audit_id_as_written() -> None:
    cited = answer(
        text=f"The maximum is 45% [1], or {HOSTILE} [2].",
        support="partial",
        scope=Filters(product="mortgage", jurisdiction="TX"),
        scope_read=("jurisdiction",),
        gaps=("The quoted passages do not mention \u2018boats\u2019.",),
        notes=("Another current document gives a different figure.",),
        citations=(
            citation(),
            citation(2, title="Texas Supplement", version="1.3", quote=f"Also  {HOSTILE}\nend"),
        ),
    )
    assert answer_text(cited) == (
        f"The maximum is 45% [1], or {HOSTILE} [2].\n"
        "\n"
        "Answered for: mortgage, Texas (read from the question)\n"
        "Support: partial\n"
        "Gap: The quoted passages do not mention \u2018boats\u2019.\n"
        "Note: Another current document gives a different figure.\n"
        "\n"
        "Sources:\n"
        "[1] Mortgage Underwriting Guide, version 2.0 (effective 2026-03-01), section B3-6-02 "
        "Debt-to-Income Ratios, page 5\n"
        '    Quoted: "The maximum DTI ratio is 45%."\n'
        "[2] Texas Supplement, version 1.3 (effective 2026-03-01), section B3-6-02 "
        "Debt-to-Income Ratios, page 5\n"
        f'    Quoted: "Also {HOSTILE} end"\n'
        "\n"
        "Audit record #41"
    )


def test_the_copy_text_of_a_not_found_answer_lists_the_closest_sections() -> None:
    abstained = answer(
        text="The policy documents do not answer this.",
        support="not_found",
        abstained=True,
        citations=(),
        closest_sections=(citation(5), citation(6, section_id="B3-6-03", section_title="")),
        audit_id=None,
    )
    text = answer_text(abstained)
    assert text.startswith("The policy documents do not answer this.\n\nSupport: not found\n")
    assert "Closest sections to check:\n[1] Mortgage Underwriting Guide" in text
    assert (
        "[2] Mortgage Underwriting Guide, version 2.0 (effective 2026-03-01), section B3-6-03, page 5"
        in text
    )
    assert "Quoted" not in text and "Audit record" not in text


def test_a_citation_of_a_paragraph_names_it_in_the_copy_text() -> None:
    cited = answer(citations=(citation(paragraph="B3-6-02, item 3"),))
    assert (
        "[1] Mortgage Underwriting Guide, version 2.0 (effective 2026-03-01), section B3-6-02 "
        "Debt-to-Income Ratios, B3-6-02, item 3, page 5\n"
    ) in answer_text(cited)


TABLE_ANSWER = "\n".join(
    [
        "Table 1: Adverse Action Notice Deadlines (Section 3) / Situation\tDeadline / "
        "Counteroffer\tWithin 30 days; the Bank sends the notice with the counteroffer [1]",
        "HELOC | freeze <b>\tNo later than 3 business days [1]",
        "The Bank's own standard is 25 days [1]",
    ]
)


def test_a_quoted_table_is_a_table_in_the_markdown_with_literal_cells() -> None:
    from markdown_it import MarkdownIt

    text = conversation_markdown(
        [answer(text=TABLE_ANSWER)], user=UNDERWRITER, exported_at=EXPORTED
    )
    html = MarkdownIt("commonmark").enable("table").render(text).replace("\u2060", "")
    assert "<caption>" not in html and "<b>" not in html
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    cells = [re.findall(r"<t[hd]>(.*?)</t[hd]>", row, re.S) for row in rows]
    assert cells == [
        ["Situation", "Deadline", "Source"],
        ["Counteroffer", "Within 30 days; the Bank sends the notice with the counteroffer", "[1]"],
        ["HELOC | freeze &lt;b&gt;", "No later than 3 business days", "[1]"],
    ]
    assert "<strong>Table 1: Adverse Action Notice Deadlines (Section 3)</strong>" in html
    assert "> The Bank's own standard is 25 days \\[1\\]" in text  # prose stays a quote


def test_a_quoted_table_is_drawn_as_a_table_in_the_pdf() -> None:
    data = conversation_pdf([answer(text=TABLE_ANSWER)], user=UNDERWRITER, exported_at=EXPORTED)
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    text = page.extract_text()
    assert "Table 1: Adverse Action Notice Deadlines (Section 3)" in text
    # The cells stand in columns: the deadline column starts right of the situation column.
    lines = page.extract_text(extraction_mode="layout").splitlines()
    (counteroffer,) = [line for line in lines if line.lstrip().startswith("Counteroffer")]
    (heloc,) = [line for line in lines if "HELOC | freeze <b>" in line]
    assert counteroffer.index("Within 30 days") == heloc.index("No later than")
    # Ruled: the table's cell borders are drawn.
    drawn = page.get_contents().get_data()  # type: ignore[union-attr]
    assert drawn.count(b" re") + drawn.count(b" l\n") >= 6


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ([f"Column {i}" for i in range(24)], [f"value {i}" for i in range(24)]),  # too many
        (["Tier", "Notes"], ["A", "word " * 1200]),  # a cell longer than a page holds
        (["Occupancy"] * 6, ["Primary residence purchase, full documentation"] * 6),
    ],
)
def test_a_table_the_page_cannot_hold_is_written_a_line_per_row(
    header: list[str], row: list[str]
) -> None:
    from app.tabular import QUOTED

    text = QUOTED.join(["Table 5: Wide", "\t".join(header), "\t".join(row)]) + " [1]"
    data = conversation_pdf([answer(text=text)], user=UNDERWRITER, exported_at=EXPORTED)
    shown, _ = pdf_text(data)
    # Every cell is there, whether drawn as a column or written after its header.
    for cell in row:
        assert " ".join(cell.split())[:60] in shown
    assert "Table 5: Wide" in shown and "[1]" in shown


def test_entities_and_maths_in_a_passage_stay_text_in_the_markdown() -> None:
    from markdown_it import MarkdownIt

    said = "Fees &#x202E;reversed &copy; and $x^2$ stay as written [1]"
    text = conversation_markdown([answer(text=said)], user=UNDERWRITER, exported_at=EXPORTED)
    html = MarkdownIt("commonmark").render(text)
    assert "\u202e" not in html and "\u00a9" not in html  # no entity decoded
    assert "&amp;#x202E;reversed &amp;copy; and $x^2$ stay as written" in html
