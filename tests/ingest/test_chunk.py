from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models import Block, Section
from app.sentences import split_sentences
from ingest.chunk import chunk

WORDS = st.sampled_from(
    [
        "the",
        "borrower",
        "must",
        "provide",
        "two",
        "years",
        "of",
        "signed",
        "federal",
        "tax",
        "returns",
        "reserves",
        "LTV",
        "DTI",
        "43%",
        "$150,000",
        "B3-3.1-09",
        "self-employed",
        "co-borrower",
        "underwriting",
        "verification",
        "supercalifragilistic",
        "Texas",
        "§",
        "1002.9",
        "(a)(6)",
        "12-month",
        "80/20",
    ]
)
SENTENCE = st.lists(WORDS, min_size=1, max_size=60).map(lambda ws: " ".join(ws).capitalize() + ".")
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=8).map(" ".join)
# A sentence bigger than a whole chunk.
LONG_RUN = st.lists(WORDS, min_size=150, max_size=400).map(" ".join)


@st.composite
def sections(draw: st.DrawFn) -> list[Section]:
    out = []
    for index in range(draw(st.integers(1, 4))):
        blocks = []
        page = draw(st.integers(1, 3))
        for _ in range(draw(st.integers(1, 4))):
            page += draw(st.integers(0, 1))
            if draw(st.booleans()):
                rows = draw(
                    st.lists(st.lists(WORDS, min_size=1, max_size=12), min_size=1, max_size=30)
                )
                text = "\n".join(
                    ["Table 1: Limits", "Product Max LTV", *(" ".join(r) for r in rows)]
                )
                context = "Table 1: Limits\nProduct Max LTV"
                blocks.append(
                    Block(
                        kind="table",
                        text=text,
                        page=page,
                        page_label=str(page),
                        table_context=context,
                    )
                )
            else:
                paragraphs = draw(st.lists(st.one_of(PARAGRAPH, LONG_RUN), min_size=1, max_size=4))
                blocks.append(
                    Block(kind="text", text="\n".join(paragraphs), page=page, page_label=str(page))
                )
        section_id = f"{index + 1}.1"
        title = draw(
            st.sampled_from(
                ["Income", "Self-Employed Borrower Income and Documentation", "Reserves"]
            )
        )
        out.append(
            Section(
                section_id=section_id,
                title=title,
                path=(f"{index + 1} Part", f"{section_id} {title}"),
                blocks=tuple(blocks),
            )
        )
    return out


PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(doc=sections(), max_tokens=st.integers(64, 256))
def test_chunks_fit_the_window_lose_nothing_and_stay_in_their_section(
    embedding, doc, max_tokens
) -> None:  # type: ignore[no-untyped-def]
    chunks = chunk(
        doc,
        embedding.count_tokens,
        max_tokens=max_tokens,
        min_tokens=20,
        special_tokens=embedding.special_tokens,
    )

    # Token limit, measured independently with the model's own tokenizer.
    measured = embedding.count_tokens([c.embed_text for c in chunks])
    assert all(n + embedding.special_tokens <= max_tokens for n in measured)
    assert [c.token_count for c in chunks] == [n + embedding.special_tokens for n in measured]

    by_section = defaultdict(list)
    for c in chunks:
        by_section[c.section_id].append(c)
        assert c.embed_text.startswith(c.section_path[-1]) or c.embed_text.startswith(
            " > ".join(c.section_path)
        )
    assert list(by_section) == [s.section_id for s in doc]  # order kept, none skipped

    for section in doc:
        got = " ".join(c.text for c in by_section[section.section_id]).split()
        expected = " ".join(b.text for b in section.blocks).split()
        # Nothing lost, nothing invented; the only repeats are table captions and header rows.
        context_words = set(["Table", "1:", "Limits", "Product", "Max", "LTV"])
        position = 0
        for word in got:
            if position < len(expected) and word == expected[position]:
                position += 1
            else:
                assert word in context_words
        assert position == len(expected)
        pages = [p for b in section.blocks for p in [b.page]]
        for c in by_section[section.section_id]:
            assert min(pages) <= c.page_start <= c.page_end <= max(pages)

    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    again = chunk(
        doc,
        embedding.count_tokens,
        max_tokens=max_tokens,
        min_tokens=20,
        special_tokens=embedding.special_tokens,
    )
    assert again == chunks


def test_a_split_table_repeats_caption_and_header(embedding) -> None:  # type: ignore[no-untyped-def]
    rows = [
        f"Model year {2026 - i} used vehicle maximum term {84 - i} months LTV {120 - i}%"
        for i in range(40)
    ]
    context = "Table 3: Term Limits\nModel year Maximum term LTV"
    block = Block(
        kind="table",
        text="\n".join([context, *rows]),
        page=4,
        page_label="4",
        table_context=context,
    )
    section = Section(section_id="3.2", title="Terms", path=("3.2 Terms",), blocks=(block,))
    chunks = chunk([section], embedding.count_tokens, max_tokens=120, special_tokens=2)
    assert len(chunks) > 2
    for c in chunks:
        assert c.text.startswith(context)
        assert c.kind == "table"
    assert [r for c in chunks for r in c.text.splitlines()[2:]] == rows


def test_a_chunk_spanning_pages_says_so(embedding) -> None:  # type: ignore[no-untyped-def]
    blocks = (
        Block(
            kind="text", text="Reserves must cover six months of payments.", page=4, page_label="ii"
        ),
        Block(
            kind="text", text="Gift funds may not be counted as reserves.", page=5, page_label="iii"
        ),
    )
    section = Section(section_id="2", title="Reserves", path=("2 Reserves",), blocks=blocks)
    (only,) = chunk([section], embedding.count_tokens, max_tokens=200, special_tokens=2)
    assert (only.page_start, only.page_end, only.page_label_start, only.page_label_end) == (
        4,
        5,
        "ii",
        "iii",
    )


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        ("One rule. Two rules.", ["One rule.", "Two rules."]),
        (
            "See 12 C.F.R. § 1002.9 for notices. It applies.",
            ["See 12 C.F.R. § 1002.9 for notices.", "It applies."],
        ),
        ("Use e.g. Form 4506-C. Then file.", ["Use e.g. Form 4506-C.", "Then file."]),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        (
            "Harbor Point Bank, N.A. Requires two years.",
            ["Harbor Point Bank, N.A. Requires two years."],
        ),
        (
            "Max DTI is 43.5 percent. Reserves 6 months.",
            ["Max DTI is 43.5 percent.", "Reserves 6 months."],
        ),
        ("Is it allowed? Yes! Always.", ["Is it allowed?", "Yes!", "Always."]),
    ],
)
def test_split_sentences(paragraph: str, sentences: list[str]) -> None:
    assert split_sentences(paragraph) == sentences


def _guide_section(paragraphs: list[str]) -> Section:
    return Section(
        section_id="B3-4",
        title="Assets",
        path=("B3-4 Assets",),
        blocks=(Block(kind="text", text="\n".join(paragraphs), page=1, page_label="1"),),
    )


GUIDE_PARAGRAPHS = [
    f"({n}) For {topic}, the requirement under this section is {figure}. The underwriter "
    f"documents how the {topic} figure was verified and keeps the evidence in the loan file. "
    f"Exceptions need the approval of a Senior Underwriter and are reported each month."
    for n, (topic, figure) in enumerate(
        [
            ("reserves", "6 months"),
            ("gift funds", "$10,000"),
            ("rental income", "75%"),
            ("debt-to-income ratio", "43%"),
            ("loan-to-value ratio", "80%"),
            ("credit score", "680"),
            ("bankruptcy waiting period", "4 years"),
            ("appraisal age", "120 days"),
            ("flood insurance", "$250,000"),
            ("title insurance", "the loan amount"),
            ("verification of employment", "10 business days"),
            ("self-employed income", "2 years"),
        ],
        start=1,
    )
]


@pytest.mark.parametrize("edited", [0, 5, 11])
def test_an_edited_paragraph_changes_its_own_chunk_only(embedding, edited: int) -> None:  # type: ignore[no-untyped-def]
    """Re-ingestion reuses the vectors of unchanged chunks: an edit must not move the
    boundaries of the section's other chunks."""
    new = list(GUIDE_PARAGRAPHS)
    new[edited] = new[edited].replace(" is ", " is at least ", 1) + " Revised in 2026."
    before = chunk([_guide_section(GUIDE_PARAGRAPHS)], embedding.count_tokens, max_tokens=200)
    after = chunk([_guide_section(new)], embedding.count_tokens, max_tokens=200)
    assert len(before) > 3  # the section is cut into several chunks
    gone = {c.embed_text for c in before} - {c.embed_text for c in after}
    came = {c.embed_text for c in after} - {c.embed_text for c in before}
    assert len(gone) == len(came) == 1
    assert GUIDE_PARAGRAPHS[edited] in gone.pop()
    assert new[edited] in came.pop()


def test_a_lead_in_and_a_short_paragraph_stay_with_what_follows(embedding) -> None:  # type: ignore[no-untyped-def]
    paragraphs = [
        "Acceptable sources of funds for closing include the following:",
        GUIDE_PARAGRAPHS[0],
        "Note.",
        GUIDE_PARAGRAPHS[1],
        GUIDE_PARAGRAPHS[2],
        "Revised 2026.",
    ]
    chunks = chunk([_guide_section(paragraphs)], embedding.count_tokens, max_tokens=200)
    assert [c.text for c in chunks] == [
        "\n".join(paragraphs[0:2]),
        "\n".join(paragraphs[2:4]),
        "\n".join(paragraphs[4:6]),
    ]


def test_summed_chunk_sizes_are_the_counted_ones(embedding) -> None:  # type: ignore[no-untyped-def]
    """With the default model, a chunk's size is summed from its sentences and heading
    (its tokenizer splits at white space first); counted whole, it comes out the same."""
    from ingest.parse import parse
    from ingest.sections import segment
    from tests.conftest import SAMPLES

    assert embedding.additive_counts
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        sections = segment(parse(pdf))
        options = {"max_tokens": 256, "special_tokens": embedding.special_tokens, "doc_title": "T"}
        summed = chunk(sections, embedding.count_tokens, additive=True, **options)
        assert summed == chunk(sections, embedding.count_tokens, additive=False, **options)
        assert all(
            c.token_count == embedding.count_tokens([c.embed_text])[0] + embedding.special_tokens
            for c in summed
        )


REGULATION_PAGES = (
    "(e) Qualified mortgages\n"
    "(1) Safe harbor. A creditor that makes a qualified mortgage complies.\n"
    "(2) Qualified mortgage defined. A qualified mortgage is a covered transaction that "
    "provides for regular periodic payments that do not:\n"
    "(i) Result in an increase of the principal balance;\n"
    "(ii) Allow the consumer to defer repayment of principal; or\n"
    "(iii) Result in a balloon payment. The loan term may not exceed 30",
    "years.\n(3) Limits on points and fees. The points and fees may not exceed 3 percent "
    "of the total loan amount.",
)


def test_a_chunk_knows_where_each_paragraph_begins(embedding) -> None:  # type: ignore[no-untyped-def]
    """Every paragraph of a regulation section is found in its chunk, at the line that
    starts with its marker, with its label within the section; the sentence a page break
    cut stays in the paragraph it began in."""
    blocks = tuple(
        Block(kind="text", text=text, page=n, page_label=str(n), continues=n > 1)
        for n, text in enumerate(REGULATION_PAGES, start=1)
    )
    section = Section(
        section_id="§ 1026.43", title="Minimum standards", path=("§ 1026.43 Minimum standards",),
        blocks=blocks,
    )  # fmt: skip
    chunks = chunk([section], embedding.count_tokens, max_tokens=60, min_tokens=10)
    assert len(chunks) > 1
    found = []
    for c in chunks:
        offsets = [offset for offset, _ in c.paragraphs]
        assert offsets == sorted(set(offsets)) and offsets[0] == 0
        for offset, label in c.paragraphs:
            found.append((label, c.text[offset : offset + 6]))
    # A chunk that starts inside a paragraph names it at its start.
    assert [label for label, _ in found if _ and _[0] == "("] == [
        "(e)", "(e)(1)", "(e)(2)", "(e)(2)(i)", "(e)(2)(ii)", "(e)(2)(iii)", "(e)(3)",
    ]  # fmt: skip
    for label, opening in found:
        if opening.startswith("("):
            assert label.endswith(opening[: opening.index(")") + 1])
    (cut,) = [c for c in chunks if "may not exceed 30 years." in c.text]
    start = cut.text.index("The loan term")
    assert [label for offset, label in cut.paragraphs if offset <= start][-1] == "(e)(2)(iii)"


def test_a_section_without_numbered_paragraphs_has_no_marks(embedding) -> None:  # type: ignore[no-untyped-def]
    section = Section(
        section_id="2", title="Reserves", path=("2 Reserves",),
        blocks=(Block(kind="text", text="Reserves must cover six months.", page=1, page_label="1"),),
    )  # fmt: skip
    (only,) = chunk([section], embedding.count_tokens, max_tokens=100)
    assert only.paragraphs == ()


def test_a_marker_on_a_line_of_its_own_stays_with_its_text(embedding) -> None:  # type: ignore[no-untyped-def]
    """A PDF can set an item's number apart from its text ("3." then the text on the next
    line): no chunk ends with the number alone."""
    items = [
        f"{n}. A refusal of type {n} to extend credit on the terms the applicant requested, "
        "which the notice must describe in specific terms."
        for n in range(1, 3)
    ]
    text = (
        "Adverse action includes:\n" + "\n".join(items) + "\n3.\nThe suspension of advances or "
        "a reduction of the credit limit on a home equity line of credit."
    )
    section = Section(
        section_id="2", title="Adverse action", path=("2 Adverse action",),
        blocks=(Block(kind="text", text=text, page=1, page_label="1"),),
    )  # fmt: skip
    chunks = chunk([section], embedding.count_tokens, max_tokens=70, min_tokens=40)
    assert len(chunks) > 1
    assert not any(c.text.endswith("\n3.") for c in chunks)
    (last,) = [c for c in chunks if "The suspension of advances" in c.text]
    assert "3.\nThe suspension" in last.text
    assert [label for _, label in last.paragraphs][-1] == "item 3"


@pytest.mark.parametrize("long_lead", [False, True])
def test_a_chunk_is_embedded_with_the_lead_ins_of_the_paragraphs_it_sits_in(  # type: ignore[no-untyped-def]
    embedding, long_lead: bool
) -> None:
    """A chunk that starts at "(ii) Allow the consumer to defer repayment of principal" is
    embedded with what makes it a rule of qualified mortgages and a prohibition: the lead-ins
    of (e) and (e)(2). Its text stays the document's words; the whole fits the window."""
    lead = (
        "(2) Qualified mortgage defined. A qualified mortgage is a covered transaction that "
        + ("the creditor makes under the general rule of this paragraph, in good faith and "
           "after a reasonable inquiry into the consumer's means and obligations, and that "
           if long_lead else "")
        + "provides for regular periodic payments that do not:"
    )  # fmt: skip
    items = [
        "(i) Result in an increase of the principal balance, including by deferring interest "
        "that then accrues to the balance over the term;",
        "(ii) Allow the consumer to defer repayment of principal, in whole or in part, for "
        "any period of the loan term; or",
        "(iii) Result in a balloon payment, as defined in the regulation, at any time.",
    ]
    text = "\n".join(
        ["(e) Qualified mortgages", "(1) Safe harbor. A creditor complies.", lead, *items]
    )
    section = Section(
        section_id="§ 1026.43", title="Minimum standards", path=("§ 1026.43 Minimum standards",),
        blocks=(Block(kind="text", text=text, page=1, page_label="1"),),
    )  # fmt: skip
    chunks = chunk([section], embedding.count_tokens, max_tokens=80, min_tokens=10)
    (deferral,) = [c for c in chunks if "(ii) Allow the consumer" in c.text]
    assert not deferral.text.startswith("(2)")  # the case this test is about
    nearest = deferral.context.splitlines()[-1]
    assert nearest.startswith("(2) Qualified") and nearest.endswith("payments that do not:")
    # Its title and its last sentence (an ellipsis between); too long for the room left,
    # it loses words from its middle too, not its two ends.
    assert nearest.count("\u2026") == (2 if long_lead else 1)
    assert "Qualified mortgages" in deferral.context or "qualified mortgage" in deferral.context
    assert deferral.embed_text == "\n".join(
        ["§ 1026.43 Minimum standards", deferral.context, deferral.text]
    )
    assert deferral.context not in deferral.text  # never part of what is quoted
    for c in chunks:
        assert c.token_count <= 80
        assert embedding.count_tokens([c.embed_text])[0] + 2 == c.token_count
    # The first chunk holds its own lead-ins: nothing above it to add.
    assert chunks[0].context == ""


MEDICAL = """(d) Financial information exception.
(1) A creditor may obtain and use medical information pertaining to a consumer's debts only if
the information is the type routinely used in making credit eligibility determinations.
(2) Examples of uses of medical information inconsistent with the exception.
(i) The consumer informs the loan officer that she has a potentially terminal disease.
(ii) The loan officer recommends that the consumer be denied credit because of that disease."""


def test_a_chunk_names_its_example_paragraphs(embedding) -> None:  # type: ignore[no-untyped-def]
    section = Section(
        section_id="§ 1022.30", title="Medical information", path=("§ 1022.30 Medical",),
        blocks=(Block(kind="text", text=MEDICAL, page=1, page_label="1"),),
    )  # fmt: skip
    chunks = chunk([section], embedding.count_tokens, max_tokens=60, min_tokens=10)
    labels = {label for c in chunks for _, label in c.paragraphs}
    examples = {label for c in chunks for label in c.examples}
    assert examples == {"(d)(2)", "(d)(2)(i)", "(d)(2)(ii)"}
    assert {"(d)", "(d)(1)"} <= labels - examples
    for c in chunks:
        assert set(c.examples) <= {label for _, label in c.paragraphs}
