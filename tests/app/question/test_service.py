"""The question path over the real stack: sample index, real model, real Presidio."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models import Status, User
from app.question.service import QuestionError

UNDERWRITER = User(name="uw1", role="underwriter")
GUIDE = "mortgage-underwriting-guide"


@pytest.fixture
def service(make_service):  # type: ignore[no-untyped-def]
    return make_service()


KNOWN = [
    # question, filters, doc_id, version, section_id, page label, a fact the answer states
    (
        "What is the maximum DTI ratio?",
        {"product": "mortgage"},
        GUIDE,
        "2.0",
        "B3-6-02",
        "5",
        "43%",
    ),
    (
        "What is the maximum DTI ratio?",
        {"product": "mortgage", "as_of": "2025-06-01"},
        GUIDE,
        "1.0",
        "B3-6-02",
        "5",
        "43%",
    ),
    (
        "How many months of reserves for a 3-unit property?",
        {"product": "mortgage"},
        GUIDE,
        "2.0",
        "B3-4.1-01",
        "4",
        "12 months",
    ),
    (
        "How many months of reserves for a 3-unit property?",
        {"product": "mortgage", "as_of": "2025-12-31"},
        GUIDE,
        "1.0",
        "B3-4.1-01",
        "3",
        "6 months",
    ),
    (
        "What documents are required for self-employed applicants in Texas?",
        {"jurisdiction": "TX"},
        "texas-home-equity-supplement",
        "2.1",
        "TX-6",
        "3",
        "franchise tax",
    ),
    (
        "Who can give a gift for the down payment?",
        {"product": "mortgage"},
        GUIDE,
        "2.0",
        "B3-4.3-04",
        "4",
        "gift",
    ),
    (
        "What is the minimum credit score for an auto loan?",
        {"product": "auto"},
        "auto-loan-credit-policy",
        "2.4",
        "3",
        "2",
        "600",
    ),
]


@pytest.mark.parametrize(
    ("question", "filters", "doc_id", "version", "section", "page", "fact"), KNOWN
)
def test_known_questions_cite_the_right_section_and_page(
    service, question, filters, doc_id, version, section, page, fact
) -> None:  # type: ignore[no-untyped-def]
    answer = service.ask(question, user=UNDERWRITER, **filters)
    assert not answer.abstained, answer.text
    cited = {(c.doc_id, c.version, c.section_id, c.page_label) for c in answer.citations}
    assert (doc_id, version, section, page) in cited
    assert fact.lower() in answer.text.lower()
    # Every marker in the text resolves to a citation, and every citation is used.
    markers = {int(m) for m in __import__("re").findall(r"\[(\d+)\]", answer.text)}
    assert markers == {c.marker for c in answer.citations}
    for citation in answer.citations:
        assert citation.quote.split("\n")[-1][:40] in citation.passage
        assert citation.point_id in {c.point_id for c in answer.retrieved}


@pytest.mark.parametrize(
    ("filters", "products", "jurisdictions"),
    [
        ({"product": "personal"}, {"personal", "all"}, None),
        ({"product": "heloc", "jurisdiction": "TX"}, {"heloc", "all"}, {"TX", "US-federal"}),
        ({"jurisdiction": "CA"}, None, {"CA", "US-federal"}),
        ({"jurisdiction": "US-federal"}, None, {"US-federal"}),
        ({"doc_type": "compliance-memo"}, None, None),
    ],
)
def test_filters_keep_to_the_product_or_all_and_the_state_or_federal(
    service, filters, products, jurisdictions
) -> None:  # type: ignore[no-untyped-def]
    for question in ("What are the income documentation requirements?", "What are the reserve requirements?",
                     "When is an adverse action notice required?"):  # fmt: skip
        answer = service.ask(question, user=UNDERWRITER, **filters)
        assert answer.retrieved
        for chunk in answer.retrieved:
            assert products is None or set(chunk.product) & products
            assert jurisdictions is None or set(chunk.jurisdiction) & jurisdictions
            assert filters.get("doc_type") in (None, chunk.doc_type)


def test_current_questions_never_see_superseded_versions(service) -> None:  # type: ignore[no-untyped-def]
    for question in ("What is the maximum DTI ratio?", "How many months of reserves are required?",
                     "Can a self-employed borrower qualify with one year of tax returns?",
                     "Who must sign the gift letter?"):  # fmt: skip
        answer = service.ask(question, user=UNDERWRITER, product="mortgage")
        assert all(c.status is Status.CURRENT for c in answer.retrieved)
        assert all(c.version != "1.0" for c in answer.citations if c.doc_id == GUIDE)


def test_as_of_uses_the_version_in_force_that_day(service) -> None:  # type: ignore[no-untyped-def]
    before = service.ask(
        "Who must sign the gift letter?", user=UNDERWRITER, product="mortgage", as_of="2026-02-28"
    )
    after = service.ask(
        "Who must sign the gift letter?", user=UNDERWRITER, product="mortgage", as_of="2026-03-01"
    )
    assert {c.version for c in before.retrieved if c.doc_id == GUIDE} == {"1.0"}
    assert {c.version for c in after.retrieved if c.doc_id == GUIDE} == {"2.0"}
    nothing = service.ask("What is the maximum DTI ratio?", user=UNDERWRITER, as_of="2020-01-01")
    assert (
        nothing.abstained
        and nothing.text == "Not found in the policy documents in force on 2020-01-01."
    )


SELF_EMPLOYED = "What documents does a self-employed borrower have to provide?"


@pytest.mark.parametrize(
    ("jurisdiction", "cited"),
    [
        (None, [(GUIDE, "B3-3.1-09")]),
        ("TX", [("texas-home-equity-supplement", "TX-6"), (GUIDE, "B3-3.1-09")]),
    ],
)
def test_the_answer_follows_the_jurisdiction_filter(service, jurisdiction, cited) -> None:  # type: ignore[no-untyped-def]
    # The same question: the federal guide in general; filtered to a state, the state's
    # supplement (whose rules add to or override the federal ones) first, then the general
    # rule it overlays, each cited, and what the supplement says about which controls.
    answer = service.ask(
        SELF_EMPLOYED, user=UNDERWRITER, product="mortgage", jurisdiction=jurisdiction
    )
    assert not answer.abstained, answer.text
    # Sections in the order cited (a list that runs over two passages is cited twice).
    assert list(dict.fromkeys((c.doc_id, c.section_id) for c in answer.citations)) == cited
    if jurisdiction:
        assert any("this Supplement controls" in note for note in answer.notes), answer.notes
    else:
        assert not answer.notes


def test_a_heloc_question_in_texas_finds_the_texas_supplement_tagged_mortgage_and_heloc(
    service,
) -> None:  # type: ignore[no-untyped-def]
    """The Texas home equity supplement applies to mortgages and HELOCs: filtered to HELOCs
    in Texas, its rule ($4,000) answers, not the HELOC guide's general $500."""
    answer = service.ask("What's the minimum advance on a Texas home equity line?",
                         user=UNDERWRITER, product="heloc", jurisdiction="TX")  # fmt: skip
    texas = [c for c in answer.retrieved if c.doc_id == "texas-home-equity-supplement"]
    assert texas and all(c.product == ("mortgage", "heloc") for c in texas)
    assert {(c.doc_id, c.section_id) for c in answer.citations} == {
        ("texas-home-equity-supplement", "TX-4")
    }
    assert "$4,000" in answer.text
    auto = service.ask("What's the minimum advance on a Texas home equity line?",
                       user=UNDERWRITER, product="auto", jurisdiction="TX")  # fmt: skip
    assert "texas-home-equity-supplement" not in {c.doc_id for c in auto.retrieved}


def test_the_state_rule_comes_first_whatever_the_state_preference(
    make_service,
) -> None:  # type: ignore[no-untyped-def]
    service = make_service(answer={"state_preference": 0.0})
    answer = service.ask(SELF_EMPLOYED, user=UNDERWRITER, product="mortgage", jurisdiction="TX")
    cited = list(dict.fromkeys(c.doc_id for c in answer.citations))
    assert cited == ["texas-home-equity-supplement", GUIDE]


@pytest.mark.parametrize(
    "question",
    [
        "Can we accept cryptocurrency as collateral for a boat loan?",
        "What is the bank's policy on employee parking?",
        "What is the capital of France?",
        "How many vacation days do loan officers get?",
        "What's the max LTV on a vacant land loan?",
    ],
)
def test_questions_the_policies_do_not_answer_abstain(service, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = service.ask(question, user=UNDERWRITER)
    assert answer.abstained and answer.needs_review
    assert answer.text == "Not found in the current policy documents."
    assert answer.citations == ()
    assert 1 <= len(answer.closest_sections) <= 3
    # Each section named once.
    places = [(c.doc_id, c.version, c.section_id) for c in answer.closest_sections]
    assert len(set(places)) == len(places)


def test_personal_data_is_redacted_before_retrieval_and_never_stored(
    service, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    raw = "Borrower Jane Whitfield, SSN 529-41-8876, loan #4410023871: when must an adverse action notice be sent?"
    answer = service.ask(raw, user=UNDERWRITER)
    assert "Whitfield" not in answer.question and "529-41-8876" not in answer.question
    assert {"PERSON", "US_SSN", "LOAN_NUMBER"} <= set(answer.redacted_entities)
    assert "<US_SSN_1>" in answer.question
    assert not answer.abstained
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("audit.sqlite3*"))
    assert (
        stored
        and b"Whitfield" not in stored
        and b"529-41-8876" not in stored
        and b"4410023871" not in stored
    )
    assert b"<US_SSN_1>" in stored


@pytest.mark.parametrize(
    ("question", "filters", "message"),
    [
        ("", {}, "empty"),
        ("   ", {}, "empty"),
        ("x" * 2001, {}, "longer than 2000"),
        ("What is the DTI?", {"jurisdiction": "Texas"}, "invalid filter jurisdiction"),
        ("What is the DTI?", {"as_of": "next week"}, "invalid filter as_of"),
    ],
)
def test_bad_questions_are_refused_clearly(service, question, filters, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QuestionError, match=message):
        service.ask(question, user=UNDERWRITER, **filters)


def test_every_answer_is_audited_in_a_valid_chain(service, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.records.audit import SqliteAuditTrail

    answers = [service.ask(q, user=UNDERWRITER, product="mortgage")
               for q in ("What is the maximum DTI ratio?", "What is the bank's policy on employee parking?")]  # fmt: skip
    key = (tmp_path / "data" / "audit.key").read_bytes().strip()  # made on first start
    with SqliteAuditTrail(tmp_path / "audit.sqlite3", key=key) as trail:
        records = trail.records(newest_first=False)
        assert trail.verify().ok
    assert [r.id for r in records] == [a.audit_id for a in answers]
    first, second = records
    assert (
        first.user == "uw1" and first.role == "underwriter" and first.filters.product == "mortgage"
    )
    assert first.citations and first.retrieved and first.backend == "extractive"
    # Each citation as the answer gave it: its section, paragraph and kind of text.
    assert [(c["section_id"], c["paragraph"], c["kind"]) for c in first.citations] == [
        (c.section_id, c.paragraph, c.kind) for c in answers[0].citations
    ]
    assert {"redact", "embed", "search", "answer", "verify"} <= set(first.latency_ms)
    assert second.abstained and second.needs_review


def test_feedback_is_audited_with_its_comment_redacted(service, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.records.auth import PermissionDeniedError

    answer = service.ask("What is the maximum DTI ratio?", user=UNDERWRITER, product="mortgage")
    record = service.feedback(
        answer.audit_id, "down", "Wrong for Jane Whitfield, SSN 529-41-8876", user=UNDERWRITER
    )
    assert record.kind == "feedback" and record.feedback is not None
    assert record.feedback["answer_id"] == answer.audit_id and record.feedback["rating"] == "down"
    assert "529-41-8876" not in str(record.feedback) and "<US_SSN_1>" in str(
        record.feedback["comment"]
    )
    # The record says what was removed, as a question's record does.
    assert "US_SSN" in record.redacted_entities and "PERSON" in record.redacted_entities
    plain = service.feedback(answer.audit_id, "up", user=UNDERWRITER)
    assert plain.redacted_entities == ()
    phone = service.feedback(
        answer.audit_id, "down", "Call me back at 555-123-4567 about this", user=UNDERWRITER
    )
    assert phone.feedback is not None and "555-123-4567" not in str(phone.feedback)
    assert "4567" not in str(phone.feedback) and "PHONE_NUMBER" in phone.redacted_entities
    with pytest.raises(PermissionDeniedError):
        service.audit_trail(UNDERWRITER)
    trail = service.audit_trail(User(name="ana", role="compliance"))
    assert trail.verify().ok  # type: ignore[attr-defined]


def test_feedback_only_on_ones_own_answers_with_up_or_down(service) -> None:  # type: ignore[no-untyped-def]
    from app.question.service import FeedbackError

    answer = service.ask("What is the maximum DTI ratio?", user=UNDERWRITER, product="mortgage")
    own = service.feedback(answer.audit_id, "up", user=UNDERWRITER)
    trail = service.audit_trail(User(name="ana", role="compliance"))
    before = trail.records(newest_first=False)
    refused = [
        (answer.audit_id, "up", "", User(name="uw2", role="underwriter"), "given to uw2"),
        (answer.audit_id, "up", "", User(name="ana", role="compliance"), "given to ana"),
        (9999, "down", "", UNDERWRITER, "no answer #9999"),
        (own.id, "down", "", UNDERWRITER, f"no answer #{own.id}"),  # feedback is no answer
        ("1", "up", "", UNDERWRITER, "no answer #1"),
        (answer.audit_id, "sideways", "", UNDERWRITER, "up or down, not 'sideways'"),
        (answer.audit_id, "", "", UNDERWRITER, "up or down"),
        (answer.audit_id, "down", "x" * 2001, UNDERWRITER, "longer than 2000 characters"),
    ]
    for answer_id, rating, comment, user, message in refused:
        with pytest.raises(FeedbackError, match=message):
            service.feedback(answer_id, rating, comment, user=user)
    assert trail.records(newest_first=False) == before, "a refused feedback reached the trail"
    assert trail.verify().ok
    assert [r.kind for r in before] == ["question", "feedback"]


def test_an_empty_library_says_so_instead_of_naming_unknown_terms(  # type: ignore[no-untyped-def]
    service_parts, embedding, tmp_path
) -> None:
    from app.factory import build_service, open_store
    from app.question.coverage import EMPTY_LIBRARY
    from app.settings import load_settings

    _, redactor = service_parts
    settings = load_settings(app={"data_dir": tmp_path / "empty"})
    store = open_store(settings, embedding.dimension)
    service = build_service(settings, embedding=embedding, store=store, redactor=redactor)
    try:
        answer = service.ask("What is the minimum credit score?", user=UNDERWRITER)
    finally:
        service.close()
        store.close()
    assert answer.abstained and answer.support == "not_found"
    assert answer.gaps == (EMPTY_LIBRARY,) and answer.not_covered == ()
