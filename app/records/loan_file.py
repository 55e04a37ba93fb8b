"""The loan file: a conversation exported as Markdown, to be kept with the loan's papers.

Each turn: the question as it was processed (redacted), the answer, any note of conflicting
documents, and every citation with its document, version, effective date, section and
paragraph, page and the quoted sentence; the audit record id of each answer, so the record
can be found again. What documents and users wrote is escaped, so the file shows it as text
in any Markdown viewer (no link, image or markup comes out of a document or a question).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from app.models import Answer, Citation, User

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
"""What makes emphasis, code, links, images, HTML or tables: escaped. Every line of content
starts after a prefix of ours ("> ", "- ", "## "), so line-start signs (#, +, -) are plain."""
_JOINER = "\u2060"
_AUTOLINKED = re.compile(r"(?<=[:@])|(?<=www)(?=\.)", re.IGNORECASE)
"""After ``:`` and ``@`` and inside ``www.``: an invisible word joiner, so no viewer turns
an address in the text into a link (escaping alone does not stop GitHub's autolinks)."""


def conversation_markdown(answers: Sequence[Answer], *, user: User, exported_at: datetime) -> str:
    """The conversation, oldest question first, as Markdown."""
    lines = [
        "# Policy questions and answers",
        "",
        f"Exported {exported_at:%Y-%m-%d %H:%M} UTC by {_text(user.name)} ({user.role}). "
        "Questions are shown as they were processed, with personal data removed.",
    ]
    for n, answer in enumerate(answers, start=1):
        lines += ["", f"## {n}. {_text(answer.question)}", ""]
        if answer.audit_id is not None:
            lines.append(f"Audit record #{answer.audit_id}")
        if scope := answer.filters.describe():
            lines.append(f"Filters: {_text(scope)}")
        lines += ["", *(f"> {_text(line)}" if line else ">" for line in answer.text.split("\n"))]
        for note in answer.notes:
            lines += ["", f"Note: {_text(note)}"]
        if answer.abstained:
            if answer.closest_sections:
                lines += ["", "Closest sections to check:", ""]
                lines += [f"- {_where(c)}" for c in answer.closest_sections]
            continue
        lines += ["", "Sources:", ""]
        for c in answer.citations:
            lines.append(f"- [{c.marker}] {_where(c)}")
            if c.quote:
                lines.append(f"  - quoted: {_text(' '.join(c.quote.split()))}")
    return "\n".join(lines) + "\n"


def _where(c: Citation) -> str:
    section = " ".join(p for p in (c.section_id, c.section_title) if p)
    return _text(
        f"{c.title}, version {c.version} (effective {c.effective_date:%Y-%m-%d}), "
        f"section {section}, page {c.page_label or c.page}"
    )


def _text(text: str) -> str:
    """``text`` made literal for Markdown: every character with a meaning escaped."""
    flat = " ".join(text.split()) if "\n" not in text else text
    return _SPECIAL.sub(r"\\\1", _AUTOLINKED.sub(_JOINER, flat))
