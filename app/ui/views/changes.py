"""Policies, continued: what changed between two versions of a document (side by side, the
changed figures first), the audited answers a change touches and the current documents whose
figures disagree (both for compliance staff)."""

from __future__ import annotations

import html
from typing import Any

import streamlit as st

from app.errors import CopilotError
from app.models import DocumentRecord, User
from app.ui.render import md, private_file
from app.workspace import Workspace
from ingest.diff import Change, VersionDiff, WordChange, summary

SHOWN = 200
"""Changes shown on the page; the CLI's ``copilot diff`` prints them all."""
_DELETED = "background:#fde8e8;color:#7a0000;text-decoration:line-through"
_INSERTED = "background:#e3f4e6;color:#0b4f1c;text-decoration:none;font-weight:600"


def render(ws: Workspace, user: User) -> None:
    st.header("Changes between versions")
    documents = [r for r in ws.documents() if len(r.versions) > 1]
    if not documents:
        st.caption("No document has more than one version yet.")
    else:
        made = _chosen_diff(documents, ws)
        if made is not None:
            _show(made)
            if user.role == "compliance":
                _affected(ws, user, made)
    if user.role == "compliance":
        _conflicts(ws, user)


def _chosen_diff(documents: list[DocumentRecord], ws: Workspace) -> VersionDiff | None:
    ids = [r.doc_id for r in documents]
    if st.session_state.get("changes_pick") not in ids:
        st.session_state["changes_pick"] = ids[0]
    doc_id = st.selectbox("Document", ids, key="changes_pick")
    record = next(r for r in documents if r.doc_id == doc_id)
    versions = [
        v.meta.version
        for v in sorted(record.versions, key=lambda v: (v.meta.effective_date, v.ingested_at))
    ]
    left, right = st.columns(2)
    old = left.selectbox("From version", versions, index=len(versions) - 2, key=f"from-{doc_id}")
    new = right.selectbox("To version", versions, index=len(versions) - 1, key=f"to-{doc_id}")
    if old == new:
        st.info("Choose two different versions.")
        return None
    try:
        return ws.changes(doc_id, old, new)
    except CopilotError as exc:
        st.error(md(str(exc)))
        return None


def _show(made: VersionDiff) -> None:
    st.markdown(md(summary(made)))
    if made.figures:
        st.subheader("Figures changed")
        st.dataframe(
            [
                {
                    "where": str(c.new or c.old),
                    "what": f.context,
                    "before": f.before or "(none)",
                    "after": f.after or "(none)",
                }
                for c in made.changes
                if c.words
                for f in c.figures
            ],
            hide_index=True,
            width="stretch",
        )
    if len(made.changes) > SHOWN:
        st.caption(f"The first {SHOWN} of {len(made.changes)} changes; `copilot diff` lists all.")
    for change in made.changes[:SHOWN]:
        place = change.new or change.old
        with st.expander(md(f"{change.kind.capitalize()}: {place}")):
            old, new = st.columns(2)
            old.markdown(f"**{md(made.from_version)}**")
            new.markdown(f"**{md(made.to_version)}**")
            before, after = _sides(change)
            old.markdown(_box(before), unsafe_allow_html=True)
            new.markdown(_box(after), unsafe_allow_html=True)


def _sides(change: Change) -> tuple[str, str]:
    """Both versions' text as escaped HTML, removed words struck through on the left and
    inserted ones marked on the right."""
    if not change.words:
        return html.escape(change.old_text), html.escape(change.new_text)
    return _side(change.words, "delete", _DELETED), _side(change.words, "insert", _INSERTED)


def _side(words: tuple[WordChange, ...], shown: str, style: str) -> str:
    parts = []
    for w in words:
        if w.op == "equal":
            parts.append(html.escape(w.text))
        elif w.op == shown:
            tag = "del" if shown == "delete" else "ins"
            parts.append(f'<{tag} style="{style}">{html.escape(w.text)}</{tag}>')
    return " ".join(parts)


def _box(text: str) -> str:
    return (
        '<div style="border:1px solid #ccc;padding:0.5rem;font-size:0.9rem;min-height:2rem">'
        f"{text or '&#8212;'}</div>"
    )


def _affected(ws: Workspace, user: User, made: VersionDiff) -> None:
    days = ws.settings.audit.affected_days
    st.subheader(f"Answers that cited a changed passage (last {days} days)")
    try:
        rows = ws.affected(user, made)
    except CopilotError as exc:
        st.error(md(str(exc)))
        return
    if not rows:
        st.caption(f"No answer of the last {days} days quoted a passage these changes touch.")
        return
    table: list[dict[str, Any]] = [
        {
            "audit id": r.audit_id,
            "asked": f"{r.created_at:%Y-%m-%d %H:%M}",
            "user": r.user,
            "question (redacted)": r.question,
            "cited": f"[{r.marker}] {r.section_id}, page {r.page}",
            "what changed": " | ".join(r.changes),
        }
        for r in rows
    ]
    st.dataframe(table, hide_index=True, width="stretch")
    private_file(
        ws.affected_csv(rows),
        f"{made.doc_id}-{made.from_version}-{made.to_version}-affected.csv",
        "text/csv",
        download=f"Export these {len(rows)} answers as CSV",
    )


def _conflicts(ws: Workspace, user: User) -> None:
    st.header("Conflicting figures between current documents")
    try:
        found = ws.conflicts(user)
    except CopilotError as exc:
        st.error(md(str(exc)))
        return
    if not found:
        st.caption("No two current documents give different figures for the same rule.")
        return
    st.caption(
        "Documents that apply to the same loans and state different figures for what reads as "
        "the same rule, newest first: for compliance staff to resolve."
    )
    for c in found:
        with st.expander(
            md(f"{c.newer.figure} against {c.older.figure}: {', '.join(sorted(c.shared))}")
        ):
            for label, s in (("Newer", c.newer), ("Older", c.older)):
                st.markdown(
                    f"**{label}:** {md(s.title)} version {md(s.version)} (effective "
                    f"{s.effective_date:%Y-%m-%d}), {md(s.section)}, page {s.page}"
                )
                st.markdown("> " + md(s.sentence))
            st.caption(md(c.precedence or "Neither document says which one controls."))
