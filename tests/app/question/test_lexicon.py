"""The library's vocabulary, read from a real store and kept current as it changes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.question.lexicon import Lexicon, LibraryLexicon


@pytest.fixture
def library_store(sample_data: Path, embedding, tmp_path: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A copy of the sample index, for this test to change."""
    from app.factory import open_store
    from app.settings import load_settings

    copy = tmp_path / "data"
    shutil.copytree(sample_data, copy)
    store = open_store(load_settings(app={"data_dir": copy}), embedding.dimension)
    yield store
    store.close()


def test_the_lexicon_follows_the_library(library_store) -> None:  # type: ignore[no-untyped-def]
    store = library_store
    lexicon = LibraryLexicon(store)
    first = lexicon.current()
    assert "heloc" in first.products and "home equity line of credit" in first.products["heloc"]
    assert "all" not in first.products
    assert first.knows("boat") and not first.knows("bitcoin")
    # A word the library speaks of in one place only is placed.
    assert first.places["boat"] == ("Auto Loan Credit Policy, 1.1 Scope",)
    # And what it says of it there: the sentence that holds it, once.
    ((place, sentence),) = first.sayings("boat")
    assert place == "Auto Loan Credit Policy, 1.1 Scope"
    assert sentence.startswith("Motorcycles, recreational vehicles, boats and vehicles")
    assert sentence.endswith("are not financed under this policy.")
    assert first.sayings("loan") == ()  # in many sections: not placed
    assert first.jurisdictions == {"US-federal", "TX", "CA"}
    assert lexicon.current() is first  # read once per state of the library
    store.retire("auto-loan-credit-policy")
    after = lexicon.current()
    assert after is not first
    assert "auto" not in after.products and not after.knows("boat")


def test_a_list_item_is_said_with_the_line_that_introduces_its_list() -> None:
    place = "Consumer Lending Policy, 2.3 Collateral"
    lexicon = Lexicon(
        places={"boat": (place,)},
        texts={
            place: (
                "Ineligible collateral:\n- Boats and personal watercraft\n- Aircraft\n"
                "Boats are titled in the borrower's name. 1. Boat trailers follow the boat.",
            )
        },
    )
    assert lexicon.sayings("boat") == (
        (place, "Ineligible collateral: - Boats and personal watercraft"),
        (place, "Boats are titled in the borrower's name."),
        (place, "Boat trailers follow the boat."),
    )
