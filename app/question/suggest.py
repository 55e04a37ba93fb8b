"""Suggested follow-ups: the sections next to the one an answer cites -> questions about them.

An underwriter who asked about the maximum DTI often goes on to the section beside it in the
guide (monthly debt obligations, reserves). The suggestions are drawn from the document
itself, in its order: the sections after and before the first cited one, leaving out those
already cited, those without a title, front matter (revision history, contents), and any
whose title holds an instruction to a model or the reader, a link or markup (a document may
not put words in the reader's next question). Each is a question the reader can ask as it
is, in the answer's product and state; it is shown as text, and asked only when clicked.

A version's sections never change once ingested, so they are read once per version.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

from app.index.store import PolicyStore
from app.models import Citation, Filters
from app.text import state_name, state_spans, unsafe

MAX_SUGGESTIONS = 3
_REACH = 5
"""How many sections on either side are looked at."""
_LONGEST_TITLE = 120
"""A heading longer than this is a sentence run into the heading, not a title to ask about."""
_VERSIONS_KEPT = 64
_FRONT_MATTER = re.compile(
    r"\b(?:revision|change)\s+history\b|\bcontents\b|\bdocument\s+control\b|\bpreamble\b",
    re.IGNORECASE,
)
_INDENTED = re.compile(r"^(?=[^\s]*\d)[\w.-]+\s+")
"""A numbered heading's number, when it is part of the title text ("5.2 Reserves")."""


class FollowUps:
    """Questions about the sections beside a cited one."""

    def __init__(self, store: PolicyStore) -> None:
        self._store = store
        self._sections: OrderedDict[tuple[str, str], tuple[tuple[str, str], ...]] = OrderedDict()
        self._lock = threading.Lock()

    def suggest(self, citations: tuple[Citation, ...], scope: Filters) -> tuple[str, ...]:
        """Up to :data:`MAX_SUGGESTIONS` questions about the first citation's neighbours."""
        if not citations:
            return ()
        first = citations[0]
        sections = self._read(first.doc_id, first.version)
        cited = {(c.doc_id, c.section_id) for c in citations}
        ids = [section_id for section_id, _ in sections]
        if first.section_id not in ids:
            return ()
        at = ids.index(first.section_id)
        order = [at + step * side for step in range(1, _REACH + 1) for side in (1, -1)]
        questions: list[str] = []
        for i in order:
            if not 0 <= i < len(sections):
                continue
            section_id, title = sections[i]
            if (first.doc_id, section_id) in cited or not title or _FRONT_MATTER.search(title):
                continue
            if unsafe(title) or len(title) > _LONGEST_TITLE:
                continue  # a document's words may not put a command or a link in a question
            question = _question(title, first.title, scope)
            if question not in questions:
                questions.append(question)
            if len(questions) == MAX_SUGGESTIONS:
                break
        return tuple(questions)

    def _read(self, doc_id: str, version: str) -> tuple[tuple[str, str], ...]:
        key = (doc_id, version)
        with self._lock:
            if key in self._sections:
                self._sections.move_to_end(key)
                return self._sections[key]
        seen: dict[str, str] = {}
        for payload in self._store.chunks(doc_id, version):
            seen.setdefault(str(payload["section_id"]), str(payload.get("section_title", "")))
        sections = tuple(seen.items())
        with self._lock:
            self._sections[key] = sections
            while len(self._sections) > _VERSIONS_KEPT:
                self._sections.popitem(last=False)
        return sections


def _question(title: str, document: str, scope: Filters) -> str:
    """A question about the section titled ``title``, in the answer's scope."""
    subject = _INDENTED.sub("", title).strip()
    names = [(a, b) for _, a, b in state_spans(subject)]
    about = re.sub(
        r"\b[A-Z][a-z]+\b",
        lambda m: m.group(0) if any(a <= m.start() < b for a, b in names) else m.group(0).lower(),
        subject,
    )
    state = state_name(scope.jurisdiction) if scope.jurisdiction else ""
    where = f" in {state}" if state and state.lower() not in about.lower() else ""
    if scope.product:
        return f"What does the {scope.product} policy say about {about}{where}?"
    return f"What does the {document} say about {about}{where}?"
