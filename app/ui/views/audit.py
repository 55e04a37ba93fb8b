"""Audit: every question (redacted) and feedback, the chain check, and CSV export."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import streamlit as st

from app.models import User
from app.records.auth import PermissionDeniedError
from app.ui.dates import EARLIEST, LATEST
from app.ui.render import md, private_file
from app.workspace import Workspace

SHOWN = 500
"""Records shown in the table; the export holds every record the filters select."""
FLAGS = {"All": None, "Flagged (abstained, fell back or needs review)": True, "Not flagged": False}


def render(ws: Workspace, user: User) -> None:
    st.title("Audit trail")
    try:
        trail = ws.service.audit_trail(user)
    except PermissionDeniedError as exc:
        st.error(md(str(exc)))
        return
    check = trail.verify()  # type: ignore[attr-defined]
    if check.ok:
        st.success(f"Chain verified: {check.checked} records, none altered or missing.")
    else:
        st.error(f"Chain verification FAILED over {check.checked} records:")
        for problem in check.problems:
            st.markdown(f"- {md(problem)}")

    today = datetime.now(UTC).date()
    c1, c2, c3, c4 = st.columns(4)
    start = c1.date_input("From", today - timedelta(days=30), EARLIEST, LATEST, format="YYYY-MM-DD")
    end = c2.date_input("To", today, EARLIEST, LATEST, format="YYYY-MM-DD")
    who = c3.text_input("User")
    flag = c4.selectbox("Flags", list(FLAGS))
    kind = st.radio("Records", ["question", "feedback", "sign_in", "all"], horizontal=True)
    chosen: dict[str, Any] = {  # the same filters for the table and the export
        "user": who.strip() or None,
        "flagged": FLAGS[flag],
        "kind": None if kind == "all" else kind,
    }
    records = trail.records(  # type: ignore[attr-defined]
        start=datetime.combine(start, time.min, UTC) if isinstance(start, date) else None,
        end=datetime.combine(end, time.max, UTC) if isinstance(end, date) else None,
        limit=SHOWN,
        **chosen,
    )
    st.caption(f"{len(records)} records (newest first, at most {SHOWN} shown)")
    if records:
        st.dataframe(
            [
                {
                    "id": r.id,
                    "time (UTC)": r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    "user": r.user,
                    "role": r.role,
                    "kind": r.kind,
                    "question": r.question,
                    "answer": r.answer,
                    "citations": ", ".join(
                        f"{c.get('doc_id')} v{c.get('version')} p{c.get('page')}"
                        + (" (cited by a note)" if c.get("note") else "")
                        for c in r.citations
                    ),
                    "abstained": r.abstained,
                    "fell back": r.fell_back,
                    "needs review": r.needs_review,
                    "redacted": ", ".join(r.redacted_entities),
                    "feedback": (
                        f"{r.feedback.get('rating')} on #{r.feedback.get('answer_id')}: "
                        f"{r.feedback.get('comment', '')}"
                        if r.feedback
                        else ""
                    ),
                    "sign-in": _sign_in(r.sign_in),
                }
                for r in records
            ],
            hide_index=True,
            width="stretch",
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "audit.csv"
        count = trail.export(  # type: ignore[attr-defined]
            path,
            "csv",
            start=start if isinstance(start, date) else None,
            end=end if isinstance(end, date) else None,
            **chosen,
        )
        data = path.read_bytes()
    private_file(
        data,
        f"audit-{start}-{end}.csv",
        "text/csv",
        download=f"Export {count} records (these filters) as CSV",
    )


def _sign_in(details: dict[str, object] | None) -> str:
    """A failed sign-in, in words."""
    if not details:
        return ""
    where = f" from {details.get('client')}" if details.get("client") else ""
    soon = ", too soon after the last" if details.get("too_soon") else ""
    locked = ", now locked" if details.get("locked") else ""
    return f"failed{where} ({details.get('failures')} in a row{soon}{locked})"
