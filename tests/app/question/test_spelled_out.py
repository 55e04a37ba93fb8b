"""A lending acronym of the question ("QM", "ATR") is searched with its words where the
library writes them out ("qualified mortgage", "ability-to-repay"), as regulations do; a
library that abbreviates them (an underwriting guide's "HELOC", "LTV") is searched as asked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.models import Filters, RedactedQuestion
from app.question.lexicon import LibraryLexicon
from app.question.retrieve import Retriever
from app.text import acronym_uses, spell_out
from tests.app.conftest import one_document
from tests.ingest.helpers import pdf

RULES = (
    "Minimum Standards for Residential Mortgage Loans\n"
    "1.1 Qualified Mortgages\nA qualified mortgage may not provide for a balloon payment, "
    "negative amortization or interest-only payments.\n"
    "1.2 Loan Term\nA qualified mortgage may not have a loan term exceeding 30 years.\n"
    "1.3 Points and Fees\nA qualified mortgage may not carry total points and fees above 3 "
    "percent of the total loan amount.",
    "1.4 Debt-to-Income\nA qualified mortgage requires a debt-to-income ratio of 43 percent "
    "or less at consummation.\n1.5 Safe Harbor\nA qualified mortgage that is not a "
    "higher-priced covered transaction is presumed to comply with the ability-to-repay "
    "rules.\n1.6 Records\nKeep evidence that each qualified mortgage met these standards for "
    "three years after consummation.",
)


def test_an_acronym_is_followed_by_its_words_where_the_library_writes_them_out() -> None:
    question = "Can QMs be interest-only, and what does ATR require? (Our LTV is 80%.)"
    assert spell_out(question, {"qm", "atr"}) == (
        "Can QMs (qualified mortgage) be interest-only, and what does ATR (ability-to-repay) "
        "require? (Our LTV is 80%.)"
    )
    assert spell_out(question, ()) == question
    # Words, not letters; the acronym as written, in capitals; not its negation; not where
    # the question writes the words out already.
    for unchanged in (
        "A quality manual",
        "Do we lend in Aus?",
        "Can a non-QM loan have a prepayment penalty?",
        "Is a qualified mortgage (QM) exempt?",
    ):
        assert spell_out(unchanged, {"qm", "aus"}) == unchanged
    assert acronym_uses("A qualified mortgage under the ATR rule; the QM") == (
        {"atr", "qm"},
        {"qm"},
    )
    # A longer term's words are not read again as a shorter one's.
    assert acronym_uses("verbal verification of employment; combined loan-to-value") == (
        set(),
        {"vvoe", "cltv"},
    )


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, embedding) -> Iterator[tuple]:  # type: ignore[no-untyped-def,type-arg]
    fields = {
        "doc_id": "mortgage-standards", "title": "Minimum Standards for Mortgage Loans",
        "product": "mortgage", "jurisdiction": "US-federal", "doc_type": "regulation",
        "version": "2026-01", "effective_date": "2026-01-01",
    }  # fmt: skip
    root: Path = tmp_path_factory.mktemp("spelled")
    settings, store = one_document(root, "standards.pdf", pdf(*RULES), fields, embedding)
    yield settings, store
    store.close()


def test_the_library_decides_which_acronyms_a_question_is_searched_with(
    library, embedding, service_parts
) -> None:  # type: ignore[no-untyped-def]
    settings, store = library
    lexicon = LibraryLexicon(store)
    # This library writes "qualified mortgage" out in six sections, never "QM"; it spells
    # "ability-to-repay" and "debt-to-income" out once each, which decides nothing.
    assert lexicon.current().spelled == {"qm"}
    searched: list[str] = []

    class Recording:
        """The real model, remembering what it was asked to embed."""

        dimension = embedding.dimension

        def embed(self, texts: list[str]):  # type: ignore[no-untyped-def]
            searched.extend(texts)
            return embedding.embed(texts)

    retriever = Retriever(store, Recording(), settings.retrieval, lexicon=lexicon)  # type: ignore[arg-type]
    found = retriever.retrieve(RedactedQuestion(text="Can a QM be interest-only?"), Filters())
    assert searched == ["Can a QM (qualified mortgage) be interest-only?"]
    assert "interest-only payments" in found.chunks[0].text
    # The sample library's guides abbreviate: its questions are searched as asked.
    sample, _ = service_parts
    assert LibraryLexicon(sample).current().spelled == frozenset()
