"""The Ask page: answers with citations that open, filters, redaction notice, abstention,
feedback; run through Streamlit's AppTest over the real service."""

from __future__ import annotations

import re
from datetime import date

from tests.app.ui.conftest import (
    answers,
    ask,
    choose,
    frames,
    joined,
    labels,
    page_images,
    rerun,
)


def test_answer_has_markers_and_citations_that_open_the_page(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "What documents are required for self-employed borrowers?")
    (parts,) = answers(at)
    markers = [p for p in parts if isinstance(p, dict)]
    assert markers and markers[0]["n"] == 1 and "Mortgage Underwriting Guide" in markers[0]["label"]
    assert any(isinstance(p, str) and "self-employed" in p for p in parts)
    answer = joined(at)
    shown = labels(at)
    assert shown and shown[0].startswith("[1] ")
    assert any("Self-Employed" in label for label in shown)
    # The citation's body: provenance, the passage, the page with the passage marked and
    # a link that opens the PDF at that page.
    assert "version" in answer and "effective" in answer
    assert '<mark class="passage"' in answer and '<mark class="quote"' in answer
    links = frames(at)[0]
    assert "#page=" in links and ".pdf" in links
    assert ">Download " in links


def test_a_marker_shows_its_citation_in_the_panel_with_the_page_drawn(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "What documents are required for self-employed borrowers?")
    panel = at.columns[1]
    assert "click a numbered marker" in joined(panel, "caption") and not page_images(at)

    choose(at, 0, 1)
    panel = at.columns[1]
    shown = joined(panel)
    assert shown.startswith("**Source [1]** of answer 1\n**Mortgage Underwriting Guide**"), shown
    assert "version 2.0" in shown and "effective 2026-03-01" in shown and "Section: B3-" in shown
    (image,) = page_images(at)
    shown_page = re.search(r"page (\d+)\n", shown)
    alt = re.fullmatch(
        r"Page (\d+) \(PDF page (\d+)\) of mortgage-underwriting-guide-v2\.pdf, "
        r"the quoted passage highlighted",
        image["alt"],
    )
    assert shown_page and alt and alt[1] == shown_page[1], image["alt"]
    assert image["page"] == int(alt[2]) and image["src"].startswith("data:image/png;base64,")
    assert 0 < image["top"] < image["height"]  # where the viewer scrolls to
    assert f"Page {alt[1]} (PDF page {alt[2]}) of mortgage" in joined(panel, "caption")
    assert any(f'#page={alt[2]}"' in f for f in frames(at))  # the PDF opens at that page
    assert '<div class="page-text"' not in shown  # the picture, not the page's text

    at.session_state["citation"] = (0, 9)  # a marker the answer does not have
    rerun(at)
    assert not page_images(at)


def test_a_markdown_source_shows_its_page_text_with_the_passage_marked(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    at, ws = app()
    note = (
        "# 1 Houseboats\n\nHouseboats are not eligible collateral for a personal loan; a "
        "floating home on a permanent foundation is treated as real property.\n"
    )
    fields = {
        "doc_id": "houseboat-note",
        "title": "Houseboat Note",
        "product": "personal",
        "jurisdiction": "US-federal",
        "doc_type": "bulletin",
        "version": "1.0",
        "effective_date": "2025-01-01",
    }
    user = ws.authenticator.local_user()
    result = ws.library.add(user, "houseboat-note.md", note.encode(), fields)
    assert result.outcome == "new", result.reason
    ask(at, "Are houseboats eligible collateral for a personal loan?")
    (parts,) = answers(at)
    marker = next(p for p in parts if isinstance(p, dict) and "Houseboat Note" in p["label"])
    choose(at, 0, marker["n"])
    shown = joined(at.columns[1])
    assert "Houseboat Note" in shown and '<mark class="quote"' in shown
    assert not page_images(at)


def test_jurisdiction_filter_changes_the_answer(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    at.selectbox(key="product").set_value("mortgage")
    at.selectbox(key="jurisdiction").set_value("US-federal")
    ask(at, "What documents are required for self-employed applicants?")
    assert at.expander and not any("Texas" in label for label in labels(at))

    at.selectbox(key="jurisdiction").set_value("TX")
    ask(at, "What documents are required for self-employed applicants?")
    second = at.chat_message[3]
    shown = labels(second)
    assert any("Texas" in label for label in shown), shown
    assert "Filters: product mortgage, jurisdiction TX" in joined(second, "caption")


def test_as_of_date_cites_the_version_then_in_force(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    at.selectbox(key="product").set_value("mortgage")
    at.checkbox(key="use_as_of").check()
    rerun(at)
    at.date_input(key="as_of").set_value(date(2025, 6, 1))
    ask(at, "What's the max DTI on a conventional mortgage?")
    guide = [label for label in labels(at) if label.startswith("[") and "Mortgage" in label]
    assert guide and all("version 1.0" in label for label in guide), guide
    assert "policy in force on 2025-06-01" in joined(at, "caption")

    at.date_input(key="as_of").set_value(date(2026, 6, 1))
    ask(at, "What's the max DTI on a conventional mortgage?")
    latest = [label for label in labels(at) if "Mortgage Underwriting Guide" in label][-1]
    assert "version 2.0" in latest


def test_redaction_notice_and_no_raw_pii_on_screen_or_in_the_trail(app) -> None:  # type: ignore[no-untyped-def]
    at, ws = app()
    ask(at, "Borrower SSN 529-41-8876, phone 512-555-0147: what is the maximum DTI ratio?")
    notice = joined(at, "info")
    assert "Removed before processing:" in notice
    assert "US_SSN" in notice and "PHONE_NUMBER" in notice
    assert "529-41-8876" not in joined(at) and "529\\-41\\-8876" not in joined(at)
    records = ws.service.audit_trail(ws.authenticator.local_user()).records()
    assert records and "529-41-8876" not in records[0].question
    assert "<US_SSN_1>" in records[0].question


def test_abstention_is_plain_and_lists_the_closest_sections(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "What is the capital of France?")
    warning = joined(at, "warning")
    assert "Not found in the current policy documents" in warning
    assert "The closest sections, for you to check:" in joined(at)
    assert at.expander, "the closest sections open like citations"


def test_conversation_stays_and_each_question_is_answered_alone(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "What is the maximum DTI ratio for a personal loan?")
    ask(at, "What is the capital of France?")
    messages = at.chat_message
    assert len(messages) == 4
    assert [m.name for m in messages] == ["user", "assistant", "user", "assistant"]
    # The second answer abstains even though the first found an answer.
    assert "Not found" in joined(at, "warning")


def test_feedback_is_recorded_in_the_audit_trail(app) -> None:  # type: ignore[no-untyped-def]
    at, ws = app()
    ask(at, "What is the maximum DTI ratio for a personal loan?")
    at.feedback[0].set_value(0)
    rerun(at)
    at.text_input[0].input("Cited the wrong tier; call me at 512-555-0147")
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("send-"))).click()
    rerun(at)
    assert "your feedback is recorded" in joined(at, "caption")
    user = ws.authenticator.local_user()
    feedback = ws.service.audit_trail(user).records(kind="feedback")
    assert len(feedback) == 1
    assert feedback[0].feedback is not None
    assert feedback[0].feedback["rating"] == "down"
    assert "512-555-0147" not in str(feedback[0].feedback["comment"])
    question = ws.service.audit_trail(user).records(kind="question")[0]
    assert feedback[0].feedback["answer_id"] == question.id


def test_a_question_that_cannot_be_asked_gets_a_clear_error(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "x" * 2500)
    assert "The question could not be asked" in joined(at, "error")
    assert "longer than 2000 characters" in joined(at, "error")


def test_as_of_date_from_1990_is_kept_and_none_is_never_made_up(app) -> None:  # type: ignore[no-untyped-def]
    """The as-of picker offers 1990-01-01 to 2100-12-31 (it stopped ten years back, and an
    older date became today's); ticked with no date in range, the question is refused."""
    at, _ = app()
    at.checkbox(key="use_as_of").check()
    rerun(at)
    picker = at.date_input(key="as_of")
    assert picker.value is None
    assert (picker.min, picker.max) == (date(1990, 1, 1), date(2100, 12, 31))
    picker.set_value(date(1995, 1, 1))
    ask(at, "What's the max DTI on a conventional mortgage?")
    assert "policy in force on 1995-01-01" in joined(at, "caption")

    at.date_input(key="as_of").set_value(date(1985, 1, 1))
    ask(at, "What is the maximum DTI ratio for a personal loan?")
    assert "Choose the date the policy was in force, a date from 1990-01-01" in joined(at, "error")
    assert len(at.chat_message) == 2  # not asked


def test_a_refused_question_stays_in_the_box(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    question = "What is the maximum DTI ratio? " + "x" * 2500
    ask(at, question)
    assert "longer than 2000 characters" in joined(at, "error")
    box = at.chat_input[0].proto
    assert box.set_value and box.value == question
    rerun(at)  # the next run: the message has been read, the text is still the user's
    assert not at.error


def test_a_follow_up_is_read_after_the_previous_question_and_a_suggestion_asks(app) -> None:  # type: ignore[no-untyped-def]
    at, ws = app()
    ask(at, "What is the maximum DTI for a mortgage?")
    ask(at, "What about for investment properties?")
    follow_up = at.chat_message[2]
    read = joined(follow_up, "caption")
    assert "Read as: What is the maximum DTI for investment properties for a mortgage" in read
    assert "product: mortgage" in read
    # Only the last answer offers questions to ask next: the neighbours of its section.
    suggestions = [b for b in at.button if b.key and b.key.startswith("suggest-")]
    assert suggestions[0].label.startswith("What does the mortgage policy say about")
    assert all(
        b.key.startswith(f"suggest-{at.session_state['conversation'][-1].audit_id}-")
        for b in suggestions
    )
    suggestions[0].click()
    rerun(at)
    conversation = at.session_state["conversation"]
    assert len(conversation) == 3
    assert (
        conversation[-1].question
        == "What does the mortgage policy say about monthly debt obligations?"
    )
    assert conversation[-1].read_as == ""  # a suggestion stands alone
    assert conversation[-1].citations[0].section_id == "B3-6-05"
    records = ws.service.audit_trail(ws.authenticator.local_user()).records()
    assert any(r.read_as and "investment properties" in r.read_as for r in records)


def test_a_citation_says_when_it_quotes_an_example_not_the_rule(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "Zone AE loan closing in June 2026: is a $7,500 flood deductible acceptable?")
    sections = [line for line in joined(at).splitlines() if line.startswith("Section: ")]
    assert any(s.startswith("Section: G") and s.endswith("(example)") for s in sections), sections
    assert not any("(example)" in s for s in sections if not s.startswith("Section: G")), sections
    # The bulletin numbers its paragraphs: each citation names the one its quote is in,
    # under the section and in the expander's label.
    paragraphs = [line for line in joined(at).splitlines() if line.startswith("Paragraph: ")]
    assert any(re.fullmatch(r"Paragraph: G, item 2[1-4]", p) for p in paragraphs), paragraphs
    labels = [e.label for e in at.expander if e.label.startswith("[")]
    assert any(re.search(r"\\, G\\, item 2[1-4]$", label) for label in labels), labels


def test_a_list_item_is_cited_by_its_number_and_shown_with_what_introduces_it(app) -> None:  # type: ignore[no-untyped-def]
    """The memo's fifth kind of adverse action stands in a chunk of its own: its citation
    names it ("2, item 5") and shows the sentence it is an item of."""
    at, _ = app()
    ask(at, "Does a reduction of the HELOC credit limit count as adverse action?")
    lines = joined(at).splitlines()
    assert "Paragraph: 2, item 5" in lines, lines
    assert "Within: Adverse action includes:" in lines, lines


def test_the_other_document_a_note_quotes_is_cited_under_the_answer(app) -> None:  # type: ignore[no-untyped-def]
    """The bulletin's deductible differs from the guide's: the note quotes the guide, and
    the guide's passage is among the citations, with the marker the note gives it."""
    at, _ = app()
    ask(at, "What is the maximum flood insurance deductible for a mortgage?")
    notes = [w.value for w in at.warning if "gives a different figure" in w.value]
    assert len(notes) == 1, [w.value for w in at.warning]
    marker = re.search(r"\\\[(\d+)\\\]\\?, where", notes[0])
    assert marker, notes[0]
    labels = [e.label for e in at.expander if e.label.startswith(f"[{marker.group(1)}]")]
    assert len(labels) == 1 and labels[0].endswith("cited by a note"), labels
    assert "Mortgage Underwriting Guide" in labels[0] and "Hazard and Flood" in labels[0]


def test_a_quoted_table_is_drawn_as_a_table_and_its_passage_too(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "What are the adverse action notice deadlines?")
    (parts,) = answers(at)
    (table,) = [p["table"] for p in parts if isinstance(p, dict) and "table" in p]
    assert table["caption"] == "Table 1: Adverse Action Notice Deadlines (Section 3)"
    assert table["header"] == ["Situation", "Deadline"] and table["width"] == 2
    assert len(table["rows"]) == 7
    counteroffer = next(r for r in table["rows"] if r["cells"][0] == "Counteroffer")
    assert counteroffer["cells"][1].startswith("Within 30 days; the Bank always sends")
    (marker,) = counteroffer["markers"]
    assert marker["n"] == 1 and "Compliance Memorandum" in marker["label"]

    choose(at, 0, 1)
    panel = joined(at.columns[1])
    # The cited passage's table as a Markdown table of literal cells.
    assert "| Situation | Deadline |\n| --- | --- |" in panel, panel
    assert "| Counteroffer | Within 30 days; the Bank always sends" in panel
