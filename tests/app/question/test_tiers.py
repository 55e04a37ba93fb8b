"""Tiers: the range each tier of a policy states, read as written, and the tier a figure of
the question falls in; through the service, over the sample library and over a ladder of
lettered paragraphs in a PDF, the tier that applies is quoted and the tiers beside it are
not."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.models import Answer, User
from app.question.tiers import Range, figures, row_ranges, sort_tiers, stated_ranges
from app.tabular import Table, split_tables
from tests.app.conftest import one_document
from tests.ingest.helpers import pdf

UNDERWRITER = User(name="uw1", role="underwriter")
INF = math.inf


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("Underwriter I: loan amounts up to $500,000, with no exception authority.", "$",
         Range(-INF, 500_000)),
        ("Committee: loan amounts above $1,500,000, up to the program maximum of $2,000,000.",
         "$", Range(1_500_000, 2_000_000, low_open=True)),
        ("(C) For a loan amount greater than or equal to $20,000 (indexed for inflation) but "
         "less than $60,000 (indexed for inflation): 5 percent of the total loan amount", "$",
         Range(20_000, 60_000, high_open=True)),
        ("Credit score 760 or higher", "score", Range(760, INF)),
        ("Score 680-719", "score", Range(680, 719)),
        ("FICO at or above 740", "score", Range(740, INF)),
        ("between 36% and 49%", "%", Range(36, 49)),
        ("20%-<30%", "%", Range(20, 30, high_open=True)),
        ("LTV no greater than 80%", "%ltv", Range(-INF, 80)),
        ("statements dated no more than 90 days before the application", "day",
         Range(-INF, 90)),
        ("1 to 3 years", "year", Range(1, 3)),
        ("Loans of $1.5 million or more", "$", Range(1_500_000, INF)),
        ("Loans of $1.5 to $3 million", "$", Range(1_500_000, 3_000_000)),
        ("Exposure in excess of $250k", "$", Range(250_000, INF, low_open=True)),
        ("A credit score below 700", "score", Range(-INF, 700, high_open=True)),
        ("Business applicants with gross revenues above $1 million", "$revenue",
         Range(1_000_000, INF, low_open=True)),
        ("Underwriter I: loan amounts equal to or less than $500,000", "$", Range(-INF, 500_000)),
        ("agings never more than 30 days old", "day", Range(-INF, 30)),
    ],
)  # fmt: skip
def test_a_tier_is_read_as_written(text: str, unit: str, expected: Range) -> None:
    assert stated_ranges(text)[unit] == expected


@pytest.mark.parametrize(
    "text",
    [
        "The maximum DTI ratio may not exceed 43%.",  # limits, not tiers
        "The borrower must contribute at least 5% of the purchase price.",
        "Start-ups require an equity injection of at least 10% of total project costs.",
        "The Affiliate does not make consumer loans below $5,000.",
        "Cash back may not exceed the lesser of 2% of the loan amount or $2,000.",
        "A fee of $450 applies to every line.",  # a figure, no range
        "See B3-6-02, section 1026.43 and the 2026 bulletin.",  # no figures at all
        "Form 1003 and a 401(k) statement of 700 or more pages",  # no scores either
    ],
)
def test_limits_and_lone_figures_state_no_tier(text: str) -> None:
    assert stated_ranges(text) == {}


def test_two_ranges_of_one_kind_in_one_text_leave_it_undecided() -> None:
    ranges = stated_ranges("Loans up to $500,000 go to an underwriter; above $1,500,000 to CCO.")
    assert ranges == {"$": None}
    two = stated_ranges("6 months for loans over $1 million; 12 months for loans over $2 million")
    assert two == {"$": None}


def test_a_sum_lent_is_told_from_revenue_income_and_a_propertys_value() -> None:
    lent = figures("A $2 million loan was declined; gross revenues were not reported.")
    assert [f.unit for f in lent] == ["$"]
    others = figures("$3 million in annual turnover, income of $8,500 and a $450,000 property")
    assert [f.unit for f in others] == ["$revenue", "$income", "$value"]


def test_the_questions_figures_are_read_with_their_kind() -> None:
    found = figures("705 score, $1.25M loan, $1.7 million, $15k, 47% DTI, 14 months, 2026, 401(k)")
    assert [(f.value, f.unit) for f in found] == [
        (705, "score"), (1_250_000, "$"), (1_700_000, "$"), (15_000, "$"), (47, "%dti"),
        (14, "month"),
    ]  # fmt: skip


SCORES = "Table 1: Limits\nCredit score\tMax loan amount\tMax term"
APPROVERS = "Table 2: Approval authority\nApprover\tMaximum total exposure\tNotes"
AGES = "Table 3: Terms\nVehicle\tModel year age\tMax mileage\tMin amount for max term"
COLLATERAL = "Table 4: Advance rates\nCollateral\tMaximum advance rate\tValuation basis"


def test_a_rows_tier_is_its_first_cell_and_its_maximum_columns_are_that_tiers_limits() -> None:
    key = row_ranges(f"{SCORES}\n700 to 739\t$35,000\t48 months")
    assert key == ({"score": Range(700, 739)}, False)
    # No range in the row but a "Maximum ..." column: the approver's ceiling, as a rung.
    rung = row_ranges(f"{APPROVERS}\nRegional Credit Officer\t$1,000,000\tOne exception")
    assert rung == ({"$": Range(-INF, 1_000_000)}, True)
    # Keyed by another column's range ("4 to 5 years"): its minimum amount chooses nothing.
    assert row_ranges(f"{AGES}\nUsed\t4 to 5 years\t75,000\t$15,000") == ({}, False)


APPROVAL_LADDER = [
    f"{APPROVERS}\nRelationship Manager\t$250,000\tRisk ratings 1 to 5",
    f"{APPROVERS}\nRegional Credit Officer\t$1,000,000\tOne exception",
    f"{APPROVERS}\nSenior Credit Officer\t$2,500,000\tExceptions",
    f"{APPROVERS}\nLoan Committee\t$5,000,000\tRisk rating 7 or worse",
]


def test_the_tier_a_figure_falls_in_is_found_and_the_tightest_comes_first() -> None:
    tiers = sort_tiers("Who approves $2 million of total exposure?", APPROVAL_LADDER)
    assert tiers.holding == (2, 3) and tiers.excluded == {0, 1} and tiers.apply
    # No figure in the question, or a figure it bounds itself: no tier.
    assert not sort_tiers("Who approves exceptions?", APPROVAL_LADDER).apply
    assert not sort_tiers("Who approves exposure above $1,000,000?", APPROVAL_LADDER).apply
    spans = sort_tiers("Exposure between $900,000 and $1,200,000: who approves?", APPROVAL_LADDER)
    assert not spans.apply


def test_a_figure_above_every_rung_leaves_the_ladder_whole() -> None:
    tiers = sort_tiers("Who approves $7 million of total exposure?", APPROVAL_LADDER)
    assert tiers.holding == () and not tiers.apply


def test_maxima_that_go_up_and_down_or_a_row_the_question_names_are_no_ladder() -> None:
    rows = [
        f"{COLLATERAL}\nFinished goods inventory\t50%\tLower of cost or market",
        f"{COLLATERAL}\nUsed equipment\t75%\tOrderly liquidation value",
        f"{COLLATERAL}\nDeposits held at the Bank\t100%\tBalance",
        f"{COLLATERAL}\nMarketable securities\t70%\tMarket value",
    ]
    assert not sort_tiers("Can we advance 75% on collateral?", rows).apply
    assert not sort_tiers("Can we advance 75% against inventory?", rows[:2]).apply


def test_one_range_is_no_ladder_nor_are_figures_of_another_kind() -> None:
    # "Loans above $10,000 are verified" answers a question about a $5,000 loan.
    assert not sort_tiers("Do we verify a $5,000 loan?", ["- Loans above $10,000."]).apply
    revenue = ["- Revenues of $1 million or less: 30 days.", "- Revenues above $1 million."]
    assert not sort_tiers("A $1.5 million mortgage was denied: deadline?", revenue).apply
    assert sort_tiers("Revenue of $1.5 million: deadline?", revenue).holding == (1,)


def test_a_text_one_figure_holds_and_another_does_not_is_undecided() -> None:
    # "... every loan above $10,000 or an applicant with a score below 700": an "or".
    items = [
        "- Every loan above $10,000 and every applicant with a credit score below 700.",
        "- Loans up to $10,000 with a credit score of 700 or more.",
        "- Loans up to $5,000 with a credit score below 650.",
    ]
    tiers = sort_tiers("A $15,000 loan and a 745 score: do we verify income?", items)
    assert tiers.holding == () and tiers.excluded == {2}


# --- Through the service --------------------------------------------------------------


@pytest.fixture
def sample(make_service):  # type: ignore[no-untyped-def]
    return make_service()


def rows(answer: Answer) -> dict[str, tuple[str, ...]]:
    tables = [t for t in split_tables(answer.text) if isinstance(t, Table)]
    return {row.cells[0]: row.cells for table in tables for row in table.rows}


def test_a_credit_score_gets_the_row_of_its_tier(sample) -> None:  # type: ignore[no-untyped-def]
    # Was: the rows "760 or higher" and "660 to 689" ($10,000), neither a 705 score's.
    answer = sample.ask(
        "Applicant has a 705 score. Largest personal loan and longest term we can offer?",
        user=UNDERWRITER,
        product="personal",
    )
    assert list(rows(answer)) == ["690 to 719"], answer.text
    assert "$25,000" in answer.text and "48 months" in answer.text


def test_an_exposure_gets_the_approvers_whose_ceiling_holds_it_the_lowest_first(sample) -> None:  # type: ignore[no-untyped-def]
    # Was: the Relationship Manager's and the Regional Credit Officer's rows ($250,000 and
    # $1,000,000), neither of whom may approve $2 million.
    answer = sample.ask(
        "Who approves a small business relationship with $2 million total exposure?",
        user=UNDERWRITER,
        product="small-business",
    )
    found = rows(answer)
    assert "Senior Credit Officer" in found, answer.text
    assert not {"Relationship Manager with delegated authority", "Regional Credit Officer"} & set(
        found
    )


LADDER = (
    "Points and Fees Limits\n1. Limits on points and fees\n"
    "A loan is eligible for purchase only if its total points and fees do not exceed:\n"
    "(A) For a loan amount greater than or equal to $100,000: 3 percent of the total loan "
    "amount;\n"
    "(B) For a loan amount greater than or equal to $60,000 but less than $100,000: $3,000;\n"
    "(C) For a loan amount greater than or equal to $20,000 but less than $60,000: 5 percent "
    "of the total loan amount;\n"
    "(D) For a loan amount less than $20,000: $1,000.\n"
    "2. Appraisals\nAn appraisal is required for every loan secured by real estate."
)


@pytest.fixture(scope="module")
def ladder(
    tmp_path_factory: pytest.TempPathFactory, embedding, service_parts
) -> Iterator[Callable]:  # type: ignore[no-untyped-def,type-arg]
    from app.factory import build_service

    fields = {
        "doc_id": "points-and-fees", "title": "Points and Fees Limits", "product": "mortgage",
        "jurisdiction": "US-federal", "doc_type": "bulletin", "version": "1",
        "effective_date": "2026-01-01",
    }  # fmt: skip
    root: Path = tmp_path_factory.mktemp("tiers")
    settings, store = one_document(root, "points-and-fees.pdf", pdf(LADDER), fields, embedding)
    _, redactor = service_parts
    built = build_service(settings, embedding=embedding, store=store, redactor=redactor)
    yield lambda question: built.ask(question, user=UNDERWRITER)
    built.close()
    store.close()


@pytest.mark.parametrize(
    ("question", "tier", "others"),
    [
        ("The loan amount is $85,000. What is the cap on points and fees?", "(B)", "ACD"),
        ("Points and fees limit for a loan amount of $250,000?", "(A)", "BCD"),
        ("What's the points and fees cap for a $15k loan amount?", "(D)", "ABC"),
    ],
)
def test_a_loan_amount_gets_its_rung_of_the_ladder_and_no_other(
    ladder, question, tier, others
) -> None:  # type: ignore[no-untyped-def]
    answer = ladder(question)
    assert not answer.abstained, answer.text
    assert f"{tier} For a loan amount" in answer.text, answer.text
    assert not any(f"({o}) For a loan amount" in answer.text for o in others), answer.text


def test_without_a_figure_no_rung_is_left_out(ladder) -> None:  # type: ignore[no-untyped-def]
    answer = ladder("What is the cap on points and fees for each loan amount?")
    quoted = [o for o in "ABCD" if f"({o}) For a loan amount" in answer.text]
    assert len(quoted) >= 2, answer.text


@pytest.mark.parametrize(
    "question",
    [
        "How much of a $400,000 loan amount does the SBA guarantee?",
        "What escrow cushion applies to a $150,000 loan amount?",
    ],
)
def test_a_tier_that_holds_the_figure_never_turns_not_found_into_an_answer(
    ladder, question
) -> None:  # type: ignore[no-untyped-def]
    # (A) holds the figure but says nothing of a guaranty or an escrow cushion.
    answer = ladder(question)
    assert answer.abstained and answer.citations == (), answer.text


def test_conditions_dated_alike_are_not_tiers(sample) -> None:  # type: ignore[no-untyped-def]
    # "... agings dated no more than 30 days" and "Interim financial statements ... dated no
    # more than 90 days" are two documents' conditions, not rungs: a 45-day-old aging is
    # answered by the 30-day rule, which is not left out for the 90-day one.
    answer = sample.ask(
        "Our accounts receivable aging for a small business line of credit is 45 days old. "
        "Is that acceptable?",
        user=UNDERWRITER,
        product="small-business",
    )
    assert "agings dated no more than 30 days" in answer.text, answer.text


def test_a_borrower_is_no_sum_lent_nor_is_turnover() -> None:
    found = figures("Small business borrower with $3 million in annual turnover: who approves?")
    assert [f.unit for f in found] == ["$revenue"]
