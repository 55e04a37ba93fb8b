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
    "1. Qualified mortgages\nA qualified mortgage may not provide for a balloon payment, "
    "negative amortization or interest-only payments. A qualified mortgage may not have a "
    "loan term exceeding 30 years.\n"
    "2. Ability-to-repay\nA creditor shall make a reasonable and good faith determination of "
    "the consumer's ability-to-repay, considering income, assets and debts.",
    "3. Points and fees\nA qualified mortgage may not carry total points and fees above 3 "
    "percent of the total loan amount.\n4. Records\nKeep evidence of compliance with the "
    "ability-to-repay rules for three years after consummation.",
)


def test_an_acronym_is_followed_by_its_words_where_the_library_writes_them_out() -> None:
    question = "Can QMs be interest-only, and what does ATR require? (Our LTV is 80%.)"
    assert spell_out(question, {"qm", "atr"}) == (
        "Can QMs (qualified mortgage) be interest-only, and what does ATR (ability-to-repay) "
        "require? (Our LTV is 80%.)"
    )
    assert spell_out(question, ()) == question
    assert spell_out("A quality manual", {"qm"}) == "A quality manual"  # words, not letters
    assert acronym_uses("A qualified mortgage under the ATR rule; the QM") == (
        {"atr", "qm"},
        {"qm"},
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
    # This library writes "qualified mortgage" and "ability-to-repay" out, never "QM".
    assert lexicon.current().spelled == {"qm", "atr"}
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
    spelled = LibraryLexicon(sample).current().spelled
    assert not spelled & {"heloc", "ltv", "dti"}, spelled
