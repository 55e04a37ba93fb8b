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
import unicodedata
from collections import OrderedDict

from app.index.store import PolicyStore
from app.models import Citation, Filters
from app.question.lexicon import LibraryLexicon
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
_TITLE = re.compile(r"[^\W_][\w\s&/,.:;()'\u2019-]*", re.UNICODE)
"""What a title to ask about may hold: words, figures, spaces and a little punctuation;
no markup, no quotes or brackets that could frame an instruction, no control characters."""
_ADDRESS = re.compile(
    r"\b[\w-]+\.[a-z]{2,}\b(?:/|\.|$)|\b(?:https?|ftp|mailto|tel|www)\b|@|\d{3}[-. ]\d{3,4}\b",
    re.IGNORECASE,
)
"""A domain name, a scheme, an e-mail or a telephone number: never in a suggested question."""


class FollowUps:
    """Questions about the sections beside a cited one."""

    def __init__(self, store: PolicyStore, lexicon: LibraryLexicon | None = None) -> None:
        self._store = store
        self._lexicon = lexicon
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
        product = self._product_phrase(scope.product)
        document = first.title if _askable(first.title) else "policy"
        questions: list[str] = []
        for i in order:
            if not 0 <= i < len(sections):
                continue
            section_id, title = sections[i]
            if (first.doc_id, section_id) in cited or _FRONT_MATTER.search(title):
                continue
            subject = _subject(title, section_id)
            if not _askable(subject):
                continue  # a document's words may not put a command or a link in a question
            question = _question(subject, document, product, scope.jurisdiction)
            if question not in questions:
                questions.append(question)
            if len(questions) == MAX_SUGGESTIONS:
                break
        return tuple(questions)

    def _product_phrase(self, product: str | None) -> str:
        """How the library names the product in scope ("auto loan" for ``auto``), so that a
        suggestion, when asked, is read in the same scope."""
        if not product:
            return ""
        phrases = self._lexicon.current().products.get(product, ()) if self._lexicon else ()
        return min(phrases, key=len) if phrases else product

    def _read(self, doc_id: str, version: str) -> tuple[tuple[str, str], ...]:
        key = (doc_id, version)
        with self._lock:
            if key in self._sections:
                self._sections.move_to_end(key)
                return self._sections[key]
        seen: dict[str, str] = {}
        for payload in self._store.chunks(doc_id, version):
            title = payload.get("section_title")
            seen.setdefault(
                str(payload.get("section_id", "")), title if isinstance(title, str) else ""
            )
        sections = tuple(seen.items())
        with self._lock:
            self._sections[key] = sections
            while len(self._sections) > _VERSIONS_KEPT:
                self._sections.popitem(last=False)
        return sections


def _subject(title: str, section_id: str) -> str:
    """The title as a subject: compatibility forms folded, the section's own number taken
    off its front ("B3-6-05 Monthly Debt Obligations")."""
    subject = unicodedata.normalize("NFKC", title).strip()
    if section_id and subject.startswith(section_id + " "):
        subject = subject[len(section_id) :].strip()
    return subject


def _askable(text: str) -> bool:
    """Whether ``text`` may stand in a suggested question: short, words and figures only,
    no instruction, link, address or number to call."""
    return (
        0 < len(text) <= _LONGEST_TITLE
        and bool(re.search(r"[^\W\d_]{2}", text))
        and bool(_TITLE.fullmatch(text))
        and not _ADDRESS.search(text)
        and unsafe(text) is None
    )


def _question(subject: str, document: str, product: str, jurisdiction: str | None) -> str:
    """A question about ``subject``, in the answer's product and state."""
    names = [(a, b) for _, a, b in state_spans(subject)]
    about = re.sub(
        r"\b[A-Z][a-z]+\b",
        lambda m: m.group(0) if any(a <= m.start() < b for a, b in names) else m.group(0).lower(),
        subject,
    )
    state = state_name(jurisdiction) if jurisdiction else ""
    named = bool(names) or re.search(r"\b[A-Z]{2}\b", subject)
    where = f" in {state}" if state and state != jurisdiction and not named else ""
    if product:
        return f"What does the {product} policy say about {about}{where}?"
    return f"What does the {document} say about {about}{where}?"
