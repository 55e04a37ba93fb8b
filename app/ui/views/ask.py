"""Ask: underwriters' policy questions, answered with citations they can open."""

from __future__ import annotations

from typing import Any, NoReturn

import streamlit as st

from app.errors import CopilotError
from app.models import Answer, User
from app.records.loan_file import answer_text
from app.ui import state
from app.ui.citations import SELECTED, answer_with_markers, panel
from app.ui.dates import CHOOSE, pick_date
from app.ui.render import citation_body, citation_label, md, private_file
from app.workspace import Workspace

ANY = "Any"
QUESTION, DRAFT, REFUSED = "question", "question_draft", "question_refused"
SUGGESTED = "question_suggested"


def render(ws: Workspace, user: User) -> None:
    st.title("Ask the policy")
    filters, problem = _filters(ws)
    conversation: list[Answer] = st.session_state.setdefault("conversation", [])
    # The conversation, and beside it the source a marker points to (under it, once
    # Streamlit stacks the columns on a narrow screen, where a marker opens a dialog too).
    talk, sources = st.columns(2, gap="medium")
    with talk:
        if not conversation:
            st.caption(
                "Ask a question about underwriting policy. Answers quote the current policy "
                "documents, with numbered citations you can open. Personal details (names, "
                "SSNs, account and loan numbers, phone numbers, e-mail addresses) are removed "
                "before the question is processed."
            )
        for index, answer in enumerate(conversation):
            _turn(ws, user, answer, index)
        if refused := st.session_state.pop(REFUSED, None):
            st.error(refused)
    if (draft := st.session_state.pop(DRAFT, None)) is not None:
        st.session_state[QUESTION] = draft  # back in the box, to be shortened or fixed
    typed = st.chat_input("Ask a policy question", key=QUESTION)
    question = typed if typed is not None else st.session_state.pop(SUGGESTED, None)
    if question is not None:
        if problem:
            _refuse(question, problem)
        try:
            with talk, st.spinner("Searching the policies…"):
                answer = ws.service.ask(
                    question,
                    user=user,
                    previous=conversation[-1] if conversation else None,
                    **filters,
                )
        except CopilotError as exc:
            _refuse(question, f"The question could not be asked: {md(str(exc))}")
        conversation.append(answer)
        state.keep(ws, conversation)
        # Drawn by the next run, from the conversation, in the layout it keeps: drawn here,
        # the first answer would follow the empty conversation's caption, and the page would
        # change under the reader's first click as the next run takes the caption away.
        st.rerun()
    with talk:
        _suggestions(conversation)
    with sources:
        panel(ws, conversation)  # last: a marker clicked in this run chose what it shows
    _export(ws, user, conversation)


def _export(ws: Workspace, user: User, conversation: list[Answer]) -> None:
    """The conversation for the loan file: questions as processed, answers, citations and
    audit record ids, as a Markdown file and a PDF made in this browser tab only."""
    if not conversation:
        return
    with st.sidebar:
        st.subheader("Loan file")
        st.caption(
            "Export this conversation: the questions as processed, the answers, their "
            "citations and audit record ids."
        )
        # Short labels: the sidebar cuts a long one short, and the two must stay apart.
        private_file(
            ws.loan_file(conversation, user),
            "policy-answers.md",
            "text/markdown",
            download="Export as Markdown",
        )
        private_file(
            ws.loan_file_pdf(conversation, user),
            "policy-answers.pdf",
            "application/pdf",
            download="Export as PDF",
        )


def _refuse(question: str, message: str) -> NoReturn:
    """Show ``message`` and put the question back in the box (the box empties on sending,
    and a refused question must not be lost): it is set before the box is drawn again."""
    st.session_state[REFUSED] = message
    st.session_state[DRAFT] = question
    st.rerun()


def _turn(ws: Workspace, user: User, answer: Answer, index: int) -> None:
    """One exchange: the question as redacted (and as read, for a follow-up), then the
    answer (``index`` in the conversation)."""
    with st.chat_message("user"):
        st.markdown(md(answer.question))
        if answer.read_as:
            st.caption(
                md(f"Read as: {answer.read_as}")
                + " · "
                + md(f"carried from the previous question: {', '.join(answer.carried)}")
            )
    with st.chat_message("assistant"):
        _answer(ws, user, answer, index)


def _suggestions(conversation: list[Answer]) -> None:
    """Buttons that ask the questions suggested after the last answer (about the sections
    beside the one it cites), under the conversation."""
    if not conversation or not conversation[-1].suggestions:
        return
    answer = conversation[-1]
    st.caption("Ask next:")
    for n, suggestion in enumerate(answer.suggestions):
        if st.button(md(suggestion), key=f"suggest-{answer.audit_id}-{n}", type="tertiary"):
            st.session_state[SUGGESTED] = suggestion
            st.rerun()


def _filters(ws: Workspace) -> tuple[dict[str, Any], str | None]:
    """The chosen filters, and why they cannot be used (None when they can)."""
    settings = ws.settings
    documents = ws.documents()
    jurisdictions = sorted(
        {j for r in documents if not r.retired for v in r.versions for j in v.meta.jurisdiction}
    )
    with st.sidebar:
        st.subheader("Filters")
        product = st.selectbox(
            "Product", [ANY, *[p for p in settings.ingest.products if p != "all"]], key="product"
        )
        jurisdiction = st.selectbox("Jurisdiction", [ANY, *jurisdictions], key="jurisdiction")
        doc_type = st.selectbox("Document type", [ANY, *settings.ingest.doc_types], key="doc_type")
        past = st.checkbox("As of a past date", key="use_as_of")
        as_of = pick_date("Policy in force on", key="as_of") if past else None
        if st.button("Clear conversation"):
            st.session_state["conversation"] = []
            state.keep(ws, [])
            st.session_state.pop(SELECTED, None)
            st.rerun()
    chosen = {
        "product": None if product == ANY else product,
        "jurisdiction": None if jurisdiction == ANY else jurisdiction,
        "doc_type": None if doc_type == ANY else doc_type,
        "as_of": as_of,
    }
    if past and as_of is None:
        return (
            chosen,
            f'Choose the date the policy was in force, {CHOOSE}, or untick "As of a past date".',
        )
    return chosen, None


SUPPORT = {
    "direct": "Support: direct \u2014 the quoted sentences state the answer.",
    "partial": "Support: partial \u2014 part of what was asked is not in the quoted passages.",
    "not_found": "Support: not found.",
}


def _answer(ws: Workspace, user: User, answer: Answer, index: int) -> None:
    if answer.redacted_entities:
        st.info(
            "Removed before processing: " + md(", ".join(sorted(set(answer.redacted_entities))))
        )
    scope = f"Filters: {answer.filters.describe()}" if answer.filters.describe() else ""
    if answer.scope_read:
        scope = " \u00b7 ".join(
            p
            for p in (scope, f"Answered for: {answer.answered_for()} (read from the question)")
            if p
        )
    if answer.abstained:
        st.warning(md(answer.text))
        for gap in answer.gaps:
            st.caption(md(gap))
        if answer.closest_sections:
            st.markdown("The closest sections, for you to check:")
            for n, section in enumerate(answer.closest_sections, start=1):
                with st.expander(citation_label(section, n).removeprefix(f"[{n}] ")):
                    citation_body(ws, section)
    else:
        answer_with_markers(answer, index)
        st.caption(SUPPORT[answer.support])
        for gap in answer.gaps:
            st.info(md(gap))
        if answer.fell_back:
            st.warning(
                "The language model's answer was not available or did not pass the citation "
                "check, so this answer quotes the policy text directly."
            )
        for note in answer.notes:
            st.warning(md(note))
        if answer.dropped_sentences:
            st.caption(
                f"{answer.dropped_sentences} sentence(s) were left out because their citation "
                "did not support them; review the sources."
            )
        for citation in answer.citations:
            with st.expander(citation_label(citation)):
                citation_body(ws, citation)
        for citation in answer.note_citations:
            with st.expander(f"{citation_label(citation)} \u00b7 cited by a note"):
                citation_body(ws, citation)
    if scope:
        st.caption(md(scope))
    with st.expander("Copy answer with citations"):
        # A code block shows the text as it is (no Markdown) and has its own copy button.
        st.code(answer_text(answer), language=None, wrap_lines=True)
    _feedback(ws, user, answer)


def _feedback(ws: Workspace, user: User, answer: Answer) -> None:
    if answer.audit_id is None:
        return
    sent = st.session_state.setdefault("feedback_sent", set())
    if answer.audit_id in sent:
        st.caption("Thank you: your feedback is recorded.")
        return
    rating = st.feedback("thumbs", key=f"rating-{answer.audit_id}")
    if rating is None:
        return
    comment = st.text_input(
        "Comment (optional)",
        key=f"comment-{answer.audit_id}",
        placeholder="What was wrong or missing?" if rating == 0 else "What helped?",
    )
    if st.button("Send feedback", key=f"send-{answer.audit_id}"):
        try:
            ws.service.feedback(
                answer.audit_id, "up" if rating == 1 else "down", comment, user=user
            )
        except CopilotError as exc:
            st.error(f"Feedback was not recorded: {md(str(exc))}")
            return
        sent.add(answer.audit_id)
        st.rerun()
