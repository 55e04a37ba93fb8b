"""Policies: the changes between two versions side by side with the changed figures first,
the answers a change touches and the conflicting documents (the last two for compliance)."""

from __future__ import annotations

from app.models import User
from tests.app.ui.conftest import labels, rerun
from tests.app.ui.test_policies_page import open_policies

GUIDE = "mortgage-underwriting-guide"


def choose(at, doc_id: str):  # type: ignore[no-untyped-def]
    at.selectbox(key="changes_pick").set_value(doc_id)
    return rerun(at)


def test_compliance_sees_the_changes_the_answers_they_touch_and_the_conflicts(app) -> None:  # type: ignore[no-untyped-def]
    at, ws = open_policies(app)
    # An answer given under version 1.0 that quoted the reserves rule 2.0 changed.
    asked = ws.service.ask(
        "How many months of reserves for a two-unit primary residence?",
        user=User(name="ben", role="underwriter"),
        as_of="2025-06-01",
    )
    assert any(c.version == "1.0" for c in asked.citations)
    at = choose(rerun(at), GUIDE)
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(m.value for m in at.markdown)
    assert f"{GUIDE} 1.0 -> 2.0:" in text.replace("\\", "")
    figures = next(d.value for d in at.dataframe if "before" in d.value.columns)
    pairs = set(zip(figures["before"], figures["after"], strict=True))
    assert {("6 months", "12 months"), ("43%", "45%"), ("2025-01-15", "2026-03-01")} <= pairs
    changed = [label for label in labels(at) if label.startswith("Changed: B3-4.1-01")]
    assert changed, labels(at)
    # Removed words struck through on the left, inserted ones marked on the right.
    html = " ".join(m.value for m in at.markdown if "<del" in m.value or "<ins" in m.value)
    assert "<del" in html and "<ins" in html and "6</del>" in html and "12</ins>" in html

    affected = next(d.value for d in at.dataframe if "question (redacted)" in d.value.columns)
    assert list(affected["question (redacted)"]) == [asked.question]
    assert "6 months -> 12 months" in affected["what changed"][0]
    assert any("$10,000 against $5,000" in label for label in labels(at)), labels(at)


def test_a_document_s_hostile_words_show_as_text_in_the_changes(app) -> None:  # type: ignore[no-untyped-def]
    from app.ui.views.changes import _side
    from ingest.diff import WordChange

    words = (
        WordChange(op="equal", text="<script>alert(1)</script>"),
        WordChange(op="delete", text="<img src=x>"),
        WordChange(op="insert", text="[link](https://evil.example)"),
    )
    left = _side(words, "delete", "")
    assert "<script>" not in left and "&lt;script&gt;" in left and "&lt;img src=x&gt;" in left
    assert "[link](https://evil.example)" not in left  # the other side's words stay out


def test_underwriters_see_the_changes_but_not_the_answers_or_conflicts(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = open_policies(app, app={"role": "underwriter"})
    at = choose(at, GUIDE)
    assert any(label.startswith("Changed: B3-6-02") for label in labels(at)), labels(at)
    assert not any("question (redacted)" in d.value.columns for d in at.dataframe)
    assert not any("Conflicting figures" in h.value for h in at.header)
