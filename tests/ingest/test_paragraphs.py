"""The paragraph tree of a section: markers, nesting, labels and lead-ins, on short texts
written in the shapes of statutes, regulations, official commentary, appendix outlines and
underwriting guides."""

from __future__ import annotations

import pytest

from app.models import Block, Section
from ingest.paragraphs import Paragraph, example_labels, lead_in, line_paragraphs, paragraphs


def section(*pages: str) -> Section:
    blocks = tuple(
        Block(kind="text", text=text.strip(), page=n, page_label=str(n))
        for n, text in enumerate(pages, start=1)
    )
    return Section(section_id="S", title="Test", path=("S Test",), blocks=blocks)


def outline(text: str) -> list[str]:
    """Each paragraph as ``depth * "  " + label | opening words``."""
    return [f"{'  ' * p.depth}{p.label} | {' '.join(p.text.split()[:3])}" for p in parse(text)]


def parse(text: str) -> list[Paragraph]:
    return paragraphs(section(text))


STATUTE = """
It shall be unlawful for any creditor to discriminate against any applicant, with respect to any aspect of a credit transaction
(1) on the basis of race, color, religion, or national origin;
(2) because the applicant receives public assistance; or
(3) because the applicant exercised a right under this chapter.
(b) Reasons for adverse action
(1) Within thirty days after receiving a completed application, a creditor shall notify the applicant.
(2) Each applicant denied credit is entitled to a statement of reasons. A creditor meets this duty by
(A) giving the reasons in writing as a matter of course; or
(B) giving written notice of adverse action which discloses
(i) the applicant's right to a statement of reasons within thirty days, and
(ii) the office from which the statement may be obtained, which shall be either
(I) the creditor's main office; or
(II) the branch that took the application.
(C) a third way provided by regulation.
"""

STATUTE_OUTLINE = [
    " | It shall be",
    "  (1) | (1) on the",
    "  (2) | (2) because the",
    "  (3) | (3) because the",
    " | (b) Reasons for",
    "  (1) | (1) Within thirty",
    "  (2) | (2) Each applicant",
    "    (2)(A) | (A) giving the",
    "    (2)(B) | (B) giving written",
    "      (2)(B)(i) | (i) the applicant's",
    "      (2)(B)(ii) | (ii) the office",
    "        (2)(B)(ii)(I) | (I) the creditor's",
    "        (2)(B)(ii)(II) | (II) the branch",
    "    (2)(C) | (C) a third",
]

REGULATION = """
(d) Refinancing. A creditor may refinance a covered transaction as provided in this paragraph.
(e) Qualified mortgages.
(1) Safe harbor.
(i) Loans that are not higher-priced. A creditor of a qualified mortgage, as defined in paragraph
(e)(2) of this section, complies with the repayment rule; see also
§ 1026.32(b)(1) for fees.
(2) Qualified mortgage defined. Except as provided in paragraph (f) of this section, a qualified mortgage is a covered transaction:
(i) That provides for regular periodic payments that do not:
(A) Increase the principal balance;
(B) Allow the consumer to defer repayment of principal; or
(C) Result in a balloon payment;
(ii) For which the loan term does not exceed 30 years;
(iii) For which the creditor underwrites the loan using:
(A) The maximum rate in the first five years; and
(B) Payments that repay either:
(1) The balance over the remaining term; or
(2) The loan amount over the loan term.
(3) Limits on points and fees. Points and fees may not exceed 3 percent.
(f) Balloon-payment qualified mortgages.
(g) Prepayment penalties.
(h) Evasion. A creditor may not structure a loan to evade this section.
(i) Records. A creditor keeps evidence of compliance for three years.
(j) Effective date.
"""

REGULATION_OUTLINE = [
    "(d) | (d) Refinancing. A",
    "(e) | (e) Qualified mortgages.",
    "  (e)(1) | (1) Safe harbor.",
    "    (e)(1)(i) | (i) Loans that",
    "  (e)(2) | (2) Qualified mortgage",
    "    (e)(2)(i) | (i) That provides",
    "      (e)(2)(i)(A) | (A) Increase the",
    "      (e)(2)(i)(B) | (B) Allow the",
    "      (e)(2)(i)(C) | (C) Result in",
    "    (e)(2)(ii) | (ii) For which",
    "    (e)(2)(iii) | (iii) For which",
    "      (e)(2)(iii)(A) | (A) The maximum",
    "      (e)(2)(iii)(B) | (B) Payments that",
    "        (e)(2)(iii)(B)(1) | (1) The balance",
    "        (e)(2)(iii)(B)(2) | (2) The loan",
    "  (e)(3) | (3) Limits on",
    "(f) | (f) Balloon-payment qualified",
    "(g) | (g) Prepayment penalties.",
    "(h) | (h) Evasion. A",
    "(i) | (i) Records. A",
    "(j) | (j) Effective date.",
]

COMMENTARY = """
Paragraph 43(e)(2)(i).
1. Regular periodic payments. Payments must be substantially equal.
2. Deferral of principal. A qualified mortgage may not defer principal.
Paragraph 43(e)(2)(iv).
1. Maximum interest rate. The creditor must use the maximum rate.
i. Discounted rate. Assume a rate discounted for three years.
ii. Step rate. Assume a rate that steps up.
A. A loan of $200,000 has a 30-year term.
B. The loan meets the definition.
2. Fixed-rate mortgage. Use the rate in effect at consummation.
"""

COMMENTARY_OUTLINE = [
    " | Paragraph 43(e)(2)(i).",
    "  item 1 | 1. Regular periodic",
    "  item 2 | 2. Deferral of",
    " | Paragraph 43(e)(2)(iv).",
    "  item 1 | 1. Maximum interest",
    "    item 1.i | i. Discounted rate.",
    "    item 1.ii | ii. Step rate.",
    "      item 1.ii.A | A. A loan",
    "      item 1.ii.B | B. The loan",
    "  item 2 | 2. Fixed-rate mortgage.",
]

APPENDIX = """
I. Consumer Eligibility
A. Stability of Income.
1. Effective Income. Income may not be used if it will not continue.
2. Employment History.
a. The creditor must verify two full years of employment, and the consumer must:
i. Explain any gaps in employment; and
ii. Indicate any time in school or the military.
b. Seasonal employment may be allowed.
B. Salaried Income.
1. Overtime. Overtime counts when it has continued for two years.
II. Assets
A. Deposits.
"""

APPENDIX_OUTLINE = [
    "I | I. Consumer Eligibility",
    "  I.A | A. Stability of",
    "    I.A.1 | 1. Effective Income.",
    "    I.A.2 | 2. Employment History.",
    "      I.A.2.a | a. The creditor",
    "        I.A.2.a.i | i. Explain any",
    "        I.A.2.a.ii | ii. Indicate any",
    "      I.A.2.b | b. Seasonal employment",
    "  I.B | B. Salaried Income.",
    "    I.B.1 | 1. Overtime. Overtime",
    "II | II. Assets",
    "  II.A | A. Deposits.",
]

GUIDE = """
Self-employed borrowers must document two years of income.
Required documentation:
1. Signed personal federal tax returns for the most recent two years.
2. Business tax returns, when the borrower owns 25% or more:
a. Form 1065 for partnerships;
b. Form 1120-S for S corporations.
3. A year-to-date profit and loss statement.
Income that declined by more than 20% may not be used.
The following are not acceptable:
• Cash income not reported on the tax returns.
• Income from a business that has operated for less than
two years.
An exception requires approval from a Senior Underwriter as required by Section
1. The file is otherwise declined.
"""

GUIDE_OUTLINE = [
    " | Self-employed borrowers must",
    " | Required documentation:",
    "  item 1 | 1. Signed personal",
    "  item 2 | 2. Business tax",
    "    item 2.a | a. Form 1065",
    "    item 2.b | b. Form 1120-S",
    "  item 3 | 3. A year-to-date",
    " | Income that declined",
    " | The following are",
    "   | • Cash income",
    "   | • Income from",
    " | An exception requires",
]

IDS = """
4.2 Reserves. The borrower must have reserves after closing.
4.2.1 Primary residence. Two months of PITIA.
4.2.2 Second home. Four months of PITIA.
4.3 Gifts. Gift funds are allowed.
B3-4.1-01 Minimum reserves. Reserves are measured in months.
B3-4.1-01.1 Exceptions. None are allowed.
"""

IDS_OUTLINE = [
    "4.2 | 4.2 Reserves. The",
    "  4.2.1 | 4.2.1 Primary residence.",
    "  4.2.2 | 4.2.2 Second home.",
    "4.3 | 4.3 Gifts. Gift",
    "B3-4.1-01 | B3-4.1-01 Minimum reserves.",
    "  B3-4.1-01.1 | B3-4.1-01.1 Exceptions. None",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(STATUTE, STATUTE_OUTLINE, id="statute"),
        pytest.param(REGULATION, REGULATION_OUTLINE, id="regulation"),
        pytest.param(COMMENTARY, COMMENTARY_OUTLINE, id="commentary"),
        pytest.param(APPENDIX, APPENDIX_OUTLINE, id="appendix-outline"),
        pytest.param(GUIDE, GUIDE_OUTLINE, id="guide-lists"),
        pytest.param(IDS, IDS_OUTLINE, id="decimal-and-guide-ids"),
    ],
)
def test_the_paragraph_tree_of_real_structures(text: str, expected: list[str]) -> None:
    assert outline(text) == expected


def test_a_wrapped_cross_reference_and_a_wrapped_number_are_text() -> None:
    tree = parse(REGULATION)
    (item,) = [p for p in tree if p.label == "(e)(1)(i)"]
    # "(e)(2) of this section" and "§ 1026.32(b)(1)" start lines but are references.
    assert "paragraph\n(e)(2) of this section" in item.text
    assert item.text.endswith("\u00a7 1026.32(b)(1) for fees.")
    (closing,) = [p for p in parse(GUIDE) if p.text.startswith("An exception")]
    assert closing.text.endswith("Section\n1. The file is otherwise declined.")


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        # "(i)" after "(h)", followed by "(j)": the letter.
        ("(h) Eighth.\n(i) Ninth.\n(j) Tenth.", ["(h)", "(i)", "(j)"]),
        # "(i)" after "(h)", followed by "(ii)": the first roman numeral under (h); the next
        # "(i)", followed by "(j)", is the letter.
        (
            "(h) Eighth:\n(i) First.\n(ii) Second.\n(i) Ninth.\n(j) Tenth.",
            ["(h)", "(h)(i)", "(h)(ii)", "(i)", "(j)"],
        ),
        # "(v)" after "(iv)" is a numeral; after "(u)" a letter.
        (
            "(a) Rule:\n(i) One.\n(ii) Two.\n(iii) Three.\n(iv) Four.\n(v) Five.",
            ["(a)", "(a)(i)", "(a)(ii)", "(a)(iii)", "(a)(iv)", "(a)(v)"],
        ),
        ("(u) Rule.\n(v) Next.\n(w) Last.", ["(u)", "(v)", "(w)"]),
        # "(x)" after "(ix)" is ten; after "(w)" the letter.
        ("(ix) Nine.\n(x) Ten.\n(xi) Eleven.", ["(ix)", "(x)", "(xi)"]),
        ("(w) One.\n(x) Two.\n(y) Three.", ["(w)", "(x)", "(y)"]),
        # "I." opening a section is the roman numeral; "II." follows it.
        ("I. Income\nA. Salaried\nII. Assets", ["I", "I.A", "II"]),
        # A list that has had its last item ("; and" before it): "(3)" continues the outer list.
        (
            "(1) Rule.\n(2) Rule:\n(i) Using:\n(1) One; and\n(2) Two.\n(3) Next rule.",
            ["(1)", "(2)", "(2)(i)", "(2)(i)(1)", "(2)(i)(2)", "(3)"],
        ),
        # Without it, the innermost open list.
        (
            "(1) Rule.\n(2) Rule:\n(i) Using:\n(1) One;\n(2) Two;\n(3) Three.",
            ["(1)", "(2)", "(2)(i)", "(2)(i)(1)", "(2)(i)(2)", "(2)(i)(3)"],
        ),
        # US Code style doubled letters.
        ("(z) Last single.\n(aa) First double.\n(bb) Second.", ["(z)", "(aa)", "(bb)"]),
        # "(a)(1)" at a line start opens both.
        (
            "(a)(1) Scope. This applies.\n(2) Exemptions.\n(b) Next.",
            ["(a)", "(a)(1)", "(a)(2)", "(b)"],
        ),
        # A sequence starting again beside the old one, after text.
        ("1. One.\n2. Two.\nOther steps:\n1. Again.", ["item 1", "item 2", "", "item 1"]),
    ],
)
def test_ambiguous_markers_are_read_by_their_sequence(text: str, labels: list[str]) -> None:
    assert [p.label for p in parse(text)] == labels


def test_a_number_in_a_wrapped_sentence_is_not_an_item_unless_it_continues_a_list() -> None:
    wrapped = "The borrower must provide bank statements covering a period of at least\n2. months"
    (only,) = parse(wrapped)
    assert only.marker == ""
    continuing = (
        "1. The borrower must provide bank statements for each account held\n2. Tax returns."
    )
    assert [p.label for p in parse(continuing)] == ["item 1", "item 2"]


def test_a_paragraph_running_onto_the_next_page_stays_one_paragraph() -> None:
    tree = paragraphs(
        section(
            "Required:\n• Accounts receivable agings dated no more than 30 days before the",
            "application.\n• A schedule of business debt.",
        )
    )
    assert [(p.label, [b.page for b in p.blocks]) for p in tree] == [
        ("", [1]),
        ("", [1, 2]),
        ("", [2]),
    ]
    assert tree[1].parent == 0 and tree[2].parent == 0
    assert tree[1].text.endswith("before the\napplication.")


def test_a_table_is_a_paragraph_of_its_own() -> None:
    table = Block(
        kind="table",
        text="Table 1: Limits\nTier Max LTV\nA 95%",
        page=1,
        page_label="1",
        table_context="Table 1: Limits\nTier Max LTV",
    )
    text = Block(kind="text", text="(a) Limits:\n(1) By tier.", page=1, page_label="1")
    tree = paragraphs(Section(section_id="S", title="T", path=("S T",), blocks=(text, table)))
    assert [(p.label, p.blocks[0].kind) for p in tree] == [
        ("(a)", "text"),
        ("(a)(1)", "text"),
        ("(a)", "table"),
    ]
    assert tree[2].parent == 0
    assert lead_in(tree[2]) == ""


def test_a_numbered_title_on_a_line_of_its_own_holds_the_text_and_list_below_it() -> None:
    """The US Code sets "(1) Income verification" above its text: the text, and the list it
    introduces, are inside (1). A short item that ends with a stop does not hold what
    follows it."""
    titled = "(a) Ability to repay\n(1) Income verification\nA creditor shall verify:\n(A) Tax returns; or\n(B) Payroll records."
    tree = parse(titled)
    assert [p.label for p in tree] == ["(a)", "(a)(1)", "(a)(1)(A)", "(a)(1)(B)"]
    assert tree[1].text == "(1) Income verification\nA creditor shall verify:"
    listed = "(a) The creditor verifies:\n(1) Income; and\n(2) Assets.\nNothing else is required."
    assert [p.label for p in parse(listed)] == ["(a)", "(a)(1)", "(a)(2)", "(a)"]


def test_a_numbered_title_with_a_stop_holds_the_text_below_it_in_a_run_of_titled_paragraphs() -> (
    None
):
    """The US Code as printed sets "(2) Mortgage originator ." above its text, and guides
    "1. Income Documentation." above theirs: the text and the list it introduces are inside
    the numbered paragraph, cited (2)(A), not (A) beside (2)."""
    statute = (
        "(1) Commission .\nUnless otherwise specified, the term means the trade commission.\n"
        "The Commission may delegate its duties.\n"
        '(2) Mortgage originator .\nThe term "mortgage originator"\n'
        "(A) means any person who takes an application for a mortgage;\n"
        "(B) does not include a person who only performs real estate brokerage."
    )
    tree = parse(statute)
    assert [p.label for p in tree] == ["(1)", "(2)", "(2)(A)", "(2)(B)"]
    assert tree[0].text.endswith("The Commission may delegate its duties.")
    assert tree[1].text == '(2) Mortgage originator .\nThe term "mortgage originator"'
    guide = (
        "1. Income Documentation.\nThe lender obtains two years of signed returns.\n"
        "2. Business Returns.\nThe lender obtains the business's returns as well."
    )
    assert [p.label for p in parse(guide)] == ["item 1", "item 2"]
    # A heading after the run starts a list of its own, not one inside the last item.
    headed = (
        "1. Income.\nThe lender obtains returns.\n2. Assets.\nThe lender verifies statements.\n"
        "Property Requirements\na. The property must be residential.\nb. It is owner-occupied."
    )
    assert [p.label for p in parse(headed)][-2:] == ["item a", "item b"]


@pytest.mark.parametrize(
    ("text", "after"),
    [
        # The text that closes a run of titled items is not the last item's own.
        ("1. Income.\nThe lender obtains returns.\n2. Assets.\nThe lender verifies statements.\n"
         "Loans on them are declined.", ""),
        ("(a) Records\n(1) Income.\nThe creditor keeps pay stubs.\n(2) Assets.\n"
         "The creditor keeps statements.\nLoans on them are declined.", "(a)"),
        ("1. INCOME\nThe lender verifies income.\n2. ASSETS\nThe lender verifies assets.\n"
         "Loans on them are declined.", ""),
        ("(a) Ineligible collateral\n(1) Boats.\n(2) Aircraft.\nLoans on them are declined.", "(a)"),
        ("We do not finance:\n(1) Boats.\nLoans on them are declined.", ""),
        # One item alone: nothing says it is a title.
        ("(a) Ineligible collateral\n(1) Boats.\nLoans on them are declined.", "(a)"),
        # An item before it wrapped onto a second line: that is not text below a title.
        ("Ineligible property types:\n(1) Manufactured homes not affixed to a permanent\n"
         "foundation.\n(2) Condotels.\nLoans on them are declined.", ""),
        ("(a) Documentation\n(i) Pay stubs covering the most recent thirty\ndays.\n"
         "(ii) W-2 forms.\nLoans on them are declined.", "(a)"),
    ],
)  # fmt: skip
def test_the_text_after_a_list_of_short_items_is_not_the_last_items_text(
    text: str, after: str
) -> None:
    tree = parse(text)
    assert tree[-1].marker == ""
    assert tree[-1].text == "Loans on them are declined."
    assert tree[-1].label == after


def test_a_numbered_list_that_starts_again_is_beside_the_first_not_inside_it() -> None:
    """Commentary numbers its comments 1., 2. with i., ii. below: a "1." after "ii." (a
    heading between them the page lost) starts a list of its own."""
    text = "1. General. Applies as follows:\ni. First.\nii. Second.\n1. General. Another rule.\n2. Term."
    assert [p.label for p in parse(text)] == ["item 1", "item 1.i", "item 1.ii", "item 1", "item 2"]
    # Regulations nest the same style deeper: (c)(5)(ii)(A)(1) is not a list beside (5).
    nested = "(c) Rule\n(1) Payment\n(i) Special rules\n(A) A balloon loan, using:\n(1) The maximum payment"
    assert [p.label for p in parse(nested)][-1] == "(c)(1)(i)(A)(1)"


def test_each_line_is_placed_in_its_paragraph() -> None:
    """Blank lines are not lines; a table is one; a line that runs on, or a page that goes on
    with the paragraph before, is in that paragraph."""
    text = Block(
        kind="text",
        text="(a) Limits apply to every\nloan.\n\n(1) By tier:\n(i) Tier A.\n(ii) Tier B,",
        page=1,
        page_label="1",
    )
    table = Block(kind="table", text="Tier Max LTV\nA 95%", page=1, page_label="1")
    after = Block(kind="text", text="as set out below.\n(2) By state.", page=2, page_label="2")
    tree, placed = line_paragraphs(
        Section(section_id="S", title="T", path=("S T",), blocks=(text, table, after))
    )
    labels = [tree[i].label for i in placed]
    assert labels == [
        "(a)",
        "(a)",
        "(a)(1)",
        "(a)(1)(i)",
        "(a)(1)(ii)",
        "(a)(1)",
        "(a)(1)",
        "(a)(2)",
    ]
    assert placed[-3] != placed[-2]  # the table is a paragraph of its own


def test_a_section_read_again_gives_the_same_paragraphs_whatever_the_caller_did() -> None:
    """A section's paragraphs are kept once read (chunking and the diff both read them):
    what one caller does to its list does not reach the next."""
    from ingest.paragraphs import forget_parsed

    block = Block(kind="text", text="(a) Rule one.\n(b) Rule two.", page=1, page_label="1")
    section = Section(section_id="S", title="T", path=("S T",), blocks=(block,))
    same = Section(section_id="S", title="T", path=("S T",), blocks=(block,))
    first, placed = line_paragraphs(section)
    first.clear()
    placed.append(99)
    assert [p.label for p in paragraphs(same)] == ["(a)", "(b)"]
    assert line_paragraphs(section)[1] == [0, 1]
    forget_parsed()
    assert [p.label for p in paragraphs(section)] == ["(a)", "(b)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Up to the first sentence end.
        (
            "(2) Qualified mortgage defined. Except as provided in paragraph (f) of this "
            "section, a qualified mortgage is a covered transaction.",
            "(2) Qualified mortgage defined.",
        ),
        # A paragraph that ends by introducing its list keeps that sentence too.
        (
            "(2) Qualified mortgage defined. Except as provided in paragraph (f) of this "
            "section, a qualified mortgage is a covered transaction:",
            "(2) Qualified mortgage defined. \u2026 Except as provided in paragraph (f) of this "
            "section, a qualified mortgage is a covered transaction:",
        ),
        # Up to a colon after the first few words.
        (
            "Reserves for each property type: two months for a primary residence. More text.",
            "Reserves for each property type:",
        ),
        # A colon right after a label does not end the lead-in.
        ("Note: gifts are not reserves. Other text.", "Note: gifts are not reserves."),
        # A marker alone is not split off as a sentence ("1." then "Regular ...").
        (
            "1. Regular periodic payments. Under the rule, payments must be equal.",
            "1. Regular periodic payments.",
        ),
    ],
)
def test_lead_in(text: str, expected: str) -> None:
    (paragraph,) = parse(text)
    assert lead_in(paragraph) == expected


def test_the_paragraphs_kept_are_bounded_by_their_text_and_dropped_after_the_diffs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ingest.paragraphs as kept
    from ingest.diffs import keep_diffs

    def section(n: int, words: int) -> Section:
        text = f"({chr(97 + n % 26)}) " + "word " * words
        block = Block(kind="text", text=text, page=1, page_label="1")
        return Section(section_id=str(n), title="T", path=(f"{n} T",), blocks=(block,))

    monkeypatch.setattr(kept, "_KEPT_CHARS", 1000)
    kept.forget_parsed()
    for n in range(20):
        paragraphs(section(n, 40))  # about 200 characters each
    assert 0 < kept._kept_chars <= 1000 and len(kept._kept) <= 5
    assert section(19, 40) in kept._kept and section(0, 40) not in kept._kept  # the last read
    paragraphs(section(99, 400))  # over the whole budget alone: read, not kept
    assert section(99, 400) not in kept._kept
    keep_diffs([], None, None)  # type: ignore[arg-type]
    assert not kept._kept and kept._kept_chars == 0


EXAMPLES = """
(d) Financial information exception.
(1) A creditor may use medical information relating to debts only if the information is the type
routinely used in making credit eligibility determinations.
(2) Examples of uses of medical information inconsistent with the exception.
(i) A consumer informs the loan officer that she has a potentially terminal disease.
(ii) The loan officer recommends that the consumer be denied credit because of that disease.
(3) Examples of acceptable records include:
(i) hospital bills;
(ii) pharmacy receipts.
(4) Illustration: the creditor verifies the amount of the debt.
"""
COMMENT_EXAMPLES = """
2. Payment calculation. The creditor uses the fully indexed rate.
3. Examples. The following are examples of the payment calculation.
i. Fixed-rate mortgage. The loan agreement provides for a fixed interest rate of 7 percent.
ii. Graduated payments. The payments increase 12.5 percent a year.
"""


def test_example_paragraphs_are_those_under_a_heading_of_examples() -> None:
    tree = parse(EXAMPLES)
    found = example_labels(tree)
    # A heading of examples and everything under it.
    assert {"(d)(2)", "(d)(2)(i)", "(d)(2)(ii)"} <= found
    # The rule, a list of what counts ("Examples of ... include:"), and a sentence that merely
    # opens with the word are rule text.
    assert not found & {"(d)", "(d)(1)", "(d)(3)", "(d)(3)(i)", "(d)(3)(ii)", "(d)(4)"}
    comments = parse(COMMENT_EXAMPLES)
    assert example_labels(comments) == {"item 3", "item 3.i", "item 3.ii"}
    assert next(p.label for p in comments if p.marked) == "item 2"


@pytest.mark.parametrize(
    "text",
    [
        # A list of what counts is rule text, whatever it is called.
        "(1) Examples of ineligible properties.\n(i) Houseboats and floating homes.\n"
        "(ii) Timeshares.",
        "(1) Examples of acceptable income.\n(i) Social Security benefits.",
        "(1) Examples and exceptions.\n(i) Boats are not financed.",
        # "Example" naming something.
        "1. Example Bank requires a minimum credit score of 680.\n2. Other lenders follow it.",
    ],
)
def test_rules_called_examples_are_rule_text(text: str) -> None:
    assert example_labels(parse(text)) == frozenset()


def test_a_label_borne_by_rule_text_too_is_not_an_example() -> None:
    """A second list numbered again in the same section: its "2." is a rule."""
    tree = parse(
        "1. Income must be stable.\n2. Examples.\nA borrower paid weekly for two years.\n"
        "Documentation:\n1. Pay stubs for 30 days.\n2. Two years of W-2 forms are required."
    )
    labels = [p.label for p in tree if p.marked]
    assert labels.count("item 2") == 2, labels
    assert "item 2" not in example_labels(tree)


def test_a_list_of_what_a_rule_covers_under_a_heading_of_examples_is_rule_text() -> None:
    """Regulation V's "(2) Examples." holds, first, the kinds of information the rule lets a
    creditor use (a list the rule introduces with a colon), then made-up cases."""
    tree = parse(
        "(d) Financial information exception.\n"
        "(1) A creditor may use medical information routinely used in credit decisions.\n"
        "(2) Examples.\n"
        "(i) Examples of the types of information routinely used in making credit decisions. "
        "Paragraph (d)(1) of this section permits a creditor to obtain and use information "
        "about:\n"
        "(A) The dollar amount, repayment terms and repayment history of medical debts;\n"
        "(B) The value of a medical device that may serve as collateral.\n"
        "(ii) Examples of uses of medical information consistent with the exception.\n"
        "(A) A consumer includes on an application two $20,000 debts, one to a hospital.\n"
        "(3) Example 2. Assume the following facts about the debts:\n"
        "(i) The hospital debt is past due.\n"
    )
    found = example_labels(tree)
    assert not found & {"(d)(2)(i)", "(d)(2)(i)(A)", "(d)(2)(i)(B)"}, sorted(found)
    # The heading itself, the made-up cases, and a worked example whose facts follow a colon.
    assert {"(d)(2)", "(d)(2)(ii)", "(d)(2)(ii)(A)", "(d)(3)", "(d)(3)(i)"} <= found
