"""The question's own scope and the library's vocabulary it is read with."""

from __future__ import annotations

import pytest

from app.models import Filters
from app.question.lexicon import Lexicon, product_phrases
from app.question.scope import scope

LIBRARY = Lexicon(
    products={
        "mortgage": product_phrases("mortgage", ["Mortgage Underwriting Guide"]),
        "heloc": product_phrases(
            "heloc", ["Home Equity Line of Credit (HELOC) Underwriting Guide"]
        ),
        "small-business": product_phrases("small-business", ["Small Business Lending Policy"]),
        "auto": product_phrases("auto", ["Auto Loan Credit Policy"]),
        "personal": product_phrases("personal", ["Personal Loan Credit Policy"]),
    },
    jurisdictions=frozenset({"US-federal", "TX", "CA"}),
)


def test_a_titles_acronym_gives_the_products_spelled_out_name() -> None:
    assert product_phrases("heloc", ["Home Equity Line of Credit (HELOC) Underwriting Guide"]) == (
        "heloc",
        "home equity line of credit",
    )
    # "of" belongs to the acronym or not, as the title spells it.
    assert product_phrases("sba", ["Small Business Administration (SBA) 7(a) Guide"]) == (
        "sba",
        "small business administration",
    )
    # An acronym that is not the tag names nothing.
    assert product_phrases("auto", ["Truth in Lending Act (TILA) Notes"]) == ("auto",)


@pytest.mark.parametrize(
    ("question", "product", "state"),
    [
        ("How old can a credit report be for a mortgage?", "mortgage", None),
        ("Minimum score for HELOCs in Texas?", "heloc", "TX"),
        ("Reserves on a home equity line of credit?", "heloc", None),
        ("DSCR for a small business loan in California", "small-business", "CA"),
        ("What's the max DTI?", None, None),
        # Two products or two states: which one would be a guess.
        ("Can a HELOC pay off a mortgage?", None, None),
        ("Texas or California rules for auto loans?", "auto", None),
        # A word that only contains a tag is not the tag.
        ("Is an automated valuation enough?", None, None),
        # The tag's word in another sense: the titles say "Personal Loan", "Auto Loan".
        ("Does a Texas home equity loan carry personal liability?", None, "TX"),
        ("Is a personal guarantee required from a 25% owner?", None, None),
        ("Is there an auto-pay discount on the rate?", None, None),
        ("Largest personal loan for a 705 score?", "personal", None),
        # A state's name that begins a company's name is not the state; its code after "in" is.
        ("Borrower banks with Washington Mutual; reserves for a HELOC?", "heloc", None),
        ("Annuity from New York Life as income?", None, None),
        ("Max CLTV for a HELOC in TX?", "heloc", "TX"),
        # Pasted in full-width letters or with an invisible character.
        ("Max CLTV for a HELOC in \uff34\uff45\uff58\uff41\uff53?", "heloc", "TX"),
        ("Max CLTV for a HELOC in T\u200bexas?", "heloc", "TX"),
    ],
)
def test_the_question_names_its_product_and_state(question, product, state) -> None:  # type: ignore[no-untyped-def]
    asked = scope(question, Filters(), LIBRARY)
    assert (asked.filters.product, asked.filters.jurisdiction) == (product, state)
    assert set(asked.read) == {f for f, v in (("product", product), ("jurisdiction", state)) if v}


def test_the_readers_filters_win_over_the_words() -> None:
    asked = scope(
        "Minimum score for HELOCs in Texas?",
        Filters(product="mortgage", jurisdiction="CA", doc_type="bulletin"),
        LIBRARY,
    )
    assert asked.filters == Filters(product="mortgage", jurisdiction="CA", doc_type="bulletin")
    assert asked.read == ()
    # One filter set, the other read from the words.
    asked = scope("Minimum score for HELOCs in Texas?", Filters(product="mortgage"), LIBRARY)
    assert (asked.filters.product, asked.filters.jurisdiction) == ("mortgage", "TX")
    assert asked.read == ("jurisdiction",)


def test_the_state_in_scope_is_taken_out_of_the_text_matched() -> None:
    asked = scope("What's the minimum credit score for a HELOC in Texas?", Filters(), LIBRARY)
    assert asked.text == "What's the minimum credit score for a HELOC in ?"
    # Named in the words and set as a filter alike: the filter's state is taken out too.
    asked = scope("Reserves in Texas?", Filters(jurisdiction="TX"), LIBRARY)
    assert "Texas" not in asked.text and asked.read == ()
    # Another state named stays: the question is about it.
    asked = scope("Reserves in Texas?", Filters(jurisdiction="CA"), LIBRARY)
    assert asked.text == "Reserves in Texas?"
    # So does a state the library has no document of: no rule may be quoted as its own.
    asked = scope("How often may collectors call under Florida law?", Filters(), LIBRARY)
    assert asked.filters.jurisdiction == "FL" and "Florida" in asked.text


def test_an_empty_library_names_no_product() -> None:
    assert scope("HELOC in Texas", Filters(), Lexicon()).filters == Filters(jurisdiction="TX")
