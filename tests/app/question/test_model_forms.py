"""A model form beside the rule it serves, through the whole question path: a sample letter
holds the very words of a question about the letter, but the rule states what the letter must
say and when it is due, so the rule is ranked first; a question that asks for the form itself
still gets the form first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from app.index.store import Hit
from app.models import Answer, RetrievedChunk, User
from app.question.retrieve import _forms_after
from app.text import text_kind
from tests.app.conftest import one_document
from tests.ingest.helpers import pdf

UNDERWRITER = User(name="uw1", role="underwriter")
RULE = (
    "A creditor shall notify an applicant of action taken within 30 days after receiving a "
    "completed application. A notification of denial shall be in writing and shall state "
    "the specific principal reasons for the denial."
)
FORM = (
    "Form C-1. Sample notice of action taken and statement of reasons. Dear Applicant: "
    "Thank you for your recent loan application. Your request was carefully considered, and "
    "we regret that we are unable to approve your application at this time, for the "
    "following reasons: insufficient income; too short a period of employment."
)
PAGES = (
    "Adverse Action Procedures\n1. Notice of action taken\n" + RULE,
    "2. Record retention\nKeep each application and the notice sent for 25 months after "
    "the notice is sent.\n3. Credit reports\nA credit report may be no older than 90 days "
    "at closing.",
    "Appendix C - Sample Notification Forms\n" + FORM,
)


@pytest.fixture(scope="module")
def ask(tmp_path_factory: pytest.TempPathFactory, embedding, service_parts) -> Iterator[Callable]:  # type: ignore[no-untyped-def,type-arg]
    """``ask(question, form_demotion)``: the question asked of a library holding only the
    procedures above, with forms ranked after that many passages (3 is the default)."""
    from app.factory import build_service

    fields = {
        "doc_id": "adverse-action-procedures", "title": "Adverse Action Procedures",
        "product": "all", "jurisdiction": "US-federal", "doc_type": "underwriting_guide",
        "version": "2026-01", "effective_date": "2026-01-01",
    }  # fmt: skip
    root: Path = tmp_path_factory.mktemp("forms")
    settings, store = one_document(
        root, "adverse-action-procedures.pdf", pdf(*PAGES), fields, embedding
    )
    _, redactor = service_parts
    services = {}

    def asking(question: str, form_demotion: int = 3) -> Answer:
        if form_demotion not in services:
            retrieval = settings.retrieval.model_copy(update={"form_demotion": form_demotion})
            services[form_demotion] = build_service(
                settings.model_copy(update={"retrieval": retrieval}),
                embedding=embedding, store=store, redactor=redactor,
            )  # fmt: skip
        return services[form_demotion].ask(question, user=UNDERWRITER)

    yield asking
    for built in services.values():
        built.close()
    store.close()


def kinds(found: tuple[RetrievedChunk, ...]) -> list[str]:
    return [text_kind(c.section_path, c.doc_type) for c in found]


def test_a_question_about_the_letter_ranks_the_rule_before_the_sample_letter(ask) -> None:  # type: ignore[no-untyped-def]
    question = "We are unable to approve the application: what does the letter have to say?"
    # In the search's own order the sample letter comes first: it holds the question's words.
    found = ask(question, form_demotion=0).retrieved
    assert kinds(found) == ["form", "rule"], [c.text[:60] for c in found]
    assert found[0].score > found[1].score  # by far the closer of the two
    answer = ask(question)
    assert kinds(answer.retrieved) == ["rule", "form"], [c.text[:60] for c in answer.retrieved]
    assert answer.retrieved[0].text.startswith("Adverse Action Procedures")


def test_a_question_that_asks_for_the_form_keeps_it_first(ask) -> None:  # type: ignore[no-untyped-def]
    answer = ask("What does the sample notice of action taken say?")
    assert kinds(answer.retrieved)[0] == "form", [c.text[:60] for c in answer.retrieved]
    assert [c.section_id for c in answer.citations] == ["Appendix C"], answer.text


def hit(name: str, form: bool, score: float = 0.5) -> Hit:
    path = ["Appendix C Sample Notification Forms"] if form else ["3. Notices"]
    return Hit(name, score, {"section_path": path, "doc_type": "regulation"}, np.zeros(3))


def test_a_form_waits_for_that_many_passages_of_other_text_found_below_it() -> None:
    hits = [hit("form-1", True), hit("rule-1", False), hit("form-2", True)]
    hits += [hit(f"rule-{n}", False) for n in range(2, 6)]
    order = [h.point_id for h in _forms_after(hits, 3)]
    assert order == ["rule-1", "rule-2", "rule-3", "form-1", "rule-4", "form-2", "rule-5"]
    assert [h.point_id for h in _forms_after(hits, 0)] == [h.point_id for h in hits]
    # Fewer passages of other text below a form than it must wait for: it comes last.
    assert [h.point_id for h in _forms_after(hits[:3], 3)] == ["rule-1", "form-1", "form-2"]
    # A passage too far from the question to be kept is nothing to wait for.
    weak = [hit("form-1", True), hit("weak", False, 0.1), hit("rule-1", False)]
    assert [h.point_id for h in _forms_after(weak, 1, 0.25)] == ["weak", "rule-1", "form-1"]
    assert [h.point_id for h in _forms_after(weak, 1)] == ["weak", "form-1", "rule-1"]


def test_a_forms_wording_is_not_quoted_as_the_answer_to_a_question_about_the_rule(ask) -> None:  # type: ignore[no-untyped-def]
    # Only the sample letter speaks of insufficient income: it illustrates what a notice
    # may look like, and says nothing of what a creditor may or must do.
    question = "Can we turn down an applicant for insufficient income and too short employment?"
    answer = ask(question)
    assert "form" in kinds(answer.retrieved), [c.text[:60] for c in answer.retrieved]
    assert answer.abstained, answer.text
    assert all(c.kind != "form" for c in answer.citations)
    assert any(c.section_id == "Appendix C" for c in answer.closest_sections)
    assert any("closest is a model form" in gap for gap in answer.gaps), answer.gaps
    # Asked of the sample letter itself, its wording is the answer.
    asked_of_form = ask("Does the sample letter give insufficient income as a reason?")
    assert not asked_of_form.abstained, asked_of_form.text
    assert [c.kind for c in asked_of_form.citations] == ["form"], asked_of_form.text
    assert "insufficient income" in asked_of_form.text
    # A "not found" with no form near it says nothing of forms.
    unrelated = ask("What is the maximum loan-to-value for a houseboat?")
    assert unrelated.abstained, unrelated.text
    assert not any("model form" in gap for gap in unrelated.gaps), unrelated.gaps


FORMS = ("Appendix C to Part 1002 - Sample Notification Forms", "Form C-1")


@pytest.mark.parametrize(
    ("path", "text", "wording"),
    [
        # A sample letter's words to the applicant, or a blank to fill in: the form's own.
        (
            FORMS,
            "If you would like a statement of specific reasons why your application "
            "was denied, please contact us within 60 days of the date of this letter.",
            True,
        ),
        (FORMS, "Our credit decision was based on information from [name of agency].", True),
        (FORMS, "I understand that the lender may verify my income.", True),
        (FORMS, "Credit application incomplete ____", True),
        # The appendix speaking of its forms, in the third person: read as the rule.
        (
            FORMS,
            "A creditor will not satisfy the notice requirement by simply checking the "
            "closest identifiable factor listed.",
            False,
        ),
        (
            ("Appendix A to Part 1003 - Form and Instructions", "Instructions for completion"),
            "You must enter the amount of the loan or application in thousands.",
            False,
        ),
        # Rule text is never a form's wording, whoever it addresses.
        (("Section 4 Notices",), "You must tell the applicant within 30 days.", False),
        (FORMS, "The U.S. Department of Housing and Urban Development is the agency.", False),
    ],
)
def test_a_forms_own_wording_is_told_from_what_speaks_of_the_form(
    path: tuple[str, ...], text: str, wording: bool
) -> None:
    from app.text import speaks_as_form

    assert speaks_as_form(path, "regulation", text) is wording


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("What does the sample notice of action taken say?", True),
        ("Is there a model clause for the ECOA notice?", True),
        ("What does the statement of credit denial tell the applicant?", True),
        ("What does Appendix C say to applicants about the appraisal?", True),
        ("What must a notice of adverse action contain?", False),
        ("We are unable to approve: what does the letter have to say?", False),
        ("If our decline letter doesn't list the reasons, what time limits apply?", False),
        ("What's our deadline to get the decision letter out to the applicant?", False),
    ],
)
def test_a_question_asks_for_a_form_by_its_words_or_by_what_a_notice_says(
    question: str, asks: bool
) -> None:
    from app.text import asks_for_form

    assert asks_for_form(question) is asks


@pytest.mark.parametrize(
    ("doc_type", "kind"),
    [
        ("sample-form", "form"),
        ("model-form", "form"),
        ("forms", "form"),
        ("template", "form"),
        ("consumer-guide", "rule"),
        ("formal-guidance", "rule"),
        ("underwriting-guide", "rule"),
    ],
)
def test_every_section_of_a_document_typed_as_a_form_is_a_form(doc_type: str, kind: str) -> None:
    """The CFPB's sample note and right-to-cancel notice carry no heading that says "sample
    form": a document type that says so makes each of their sections one, so a note's "If I
    do not pay ... I will be in default" is not quoted for a question about the rule."""
    from app.text import speaks_as_form

    path = ("Mortgage Closing Documents", "6. Borrower's Failure to Pay as Required")
    assert text_kind(path, doc_type) == kind
    wording = "If I do not pay the full amount of each monthly payment, I will be in default."
    assert speaks_as_form(path, doc_type, wording) is (kind == "form")
