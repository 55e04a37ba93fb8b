"""Lists: a passage found that ends within a list brings the passage that goes on with it
(the sample index, the real model and service)."""

from __future__ import annotations

from app.models import Filters, User
from app.question.lists import with_list_ends

UNDERWRITER = User(name="uw1", role="underwriter")
TEXAS = "texas-home-equity-supplement"


def _section(store, embedding, question: str, section_id: str):  # type: ignore[no-untyped-def]
    vector = embedding.embed([question])[0]
    hits = store.search(vector, Filters(), limit=40, score_floor=-1.0)
    chunks = sorted(
        (h.retrieved() for h in hits if h.payload.get("section_id") == section_id),
        key=lambda c: c.ordinal,
    )
    return vector, chunks


def test_a_passage_ending_in_a_list_brings_the_rest_of_the_list(service_parts, embedding) -> None:  # type: ignore[no-untyped-def]
    store, _ = service_parts
    vector, chunks = _section(store, embedding, "self-employed applicants in Texas", "TX-6")
    first, second = chunks[0], chunks[1]
    assert second.ordinal == first.ordinal + 1
    assert first.text.rstrip().splitlines()[-1].startswith("\u2022")  # cut within its list

    found = with_list_ends([first], vector, store)
    assert [c.point_id for c in found] == [first.point_id, second.point_id]
    assert found[1].score <= first.score  # there to complete the list, not to rank it
    # Already found: nothing is added twice; and a passage that ends a list brings nothing.
    assert with_list_ends([first, second], vector, store) == (first, second)
    assert with_list_ends([second], vector, store) == (second,)


def test_the_texas_self_employed_question_gets_every_document_on_the_list(make_service) -> None:  # type: ignore[no-untyped-def]
    service = make_service()
    answer = service.ask(
        "What documents does a self-employed borrower have to provide?",
        user=UNDERWRITER,
        product="mortgage",
        jurisdiction="TX",
    )
    items = [line for line in answer.text.split("\n") if line.startswith("\u2022")]
    assert len(items) == 6, answer.text
    for words in (
        "balance sheet",
        "franchise tax account status report",
        "assumed name certificate",
    ):
        assert words in answer.text
    assert answer.citations[0].doc_id == TEXAS


def test_an_item_is_known_by_its_marker_lettered_in_capitals_too() -> None:
    from app.text import LIST_ITEM

    items = ["- Boats", "\u2022 Boats", "1. Boats", "a) Boats", "(iv) Boats", "(B) For a loan"]
    assert all(LIST_ITEM.match(item) for item in items)
    # A capital letter with a full stop opens a sentence as often as an item ("A. Smith",
    # "I. Scope" are headings or names); a word in brackets is not a marker either.
    assert not any(LIST_ITEM.match(t) for t in ["A. Smith signed.", "(Borrowers) may", "Boats"])
