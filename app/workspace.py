"""Everything the web app needs, opened once per server process: the question service, the
policy library, sign-in, the source files behind citations and the evaluation reports.

The Streamlit pages talk to this object only; it owns the index and the models, so the UI
layer never imports Qdrant, Presidio or LlamaIndex.
"""

from __future__ import annotations

import html
import logging
import re
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from app.errors import CopilotError
from app.models import Answer, Citation, DocumentRecord, User
from app.question.service import CopilotService
from app.records.affected import AffectedAnswer, Records, write_csv
from app.records.audit_key import load_key
from app.records.auth import Authenticator, require
from app.records.conflicts import Conflict
from app.records.library import PolicyLibrary
from app.records.loan_file import conversation_markdown, conversation_pdf
from app.records.page_image import PageImage, render_page
from app.records.sessions import Session, SessionStore, open_sessions
from app.settings import Settings
from ingest.diff import VersionDiff

log = logging.getLogger(__name__)

REPORTS_FOLDER = "reports"
_VIEWS_KEPT = 256


@dataclass(frozen=True)
class PageView:
    """One page of a cited source, with the cited passage located in it."""

    title: str
    version: str
    file_name: str
    page: int
    page_label: str
    html: str
    """The page text, HTML-escaped, with the passage wrapped in ``<mark>``."""
    found: bool
    """Whether the passage was located on the page (it may run onto the next page)."""
    pdf: bytes | None
    """The source file's bytes when it is a PDF kept in the library, else None."""


class Workspace:
    """The app's back end: one per process, shared by every browser session."""

    def __init__(
        self,
        settings: Settings,
        *,
        service: CopilotService,
        library: PolicyLibrary,
        close: Any = None,
    ) -> None:
        self.settings = settings
        self.service = service
        self.library = library
        self.authenticator = Authenticator(settings, audit=service.audit_sink)
        self._close = close
        self._views: dict[tuple[str, str, int, str, str], PageView] = {}

    # -- sessions that outlive a page reload -------------------------------------------------
    @cached_property
    def sessions(self) -> SessionStore:
        return open_sessions(
            self.settings.sessions_path,
            load_key(self.settings),
            self.settings.auth.session_hours * 3600,
        )

    def open_session(self, user: User) -> str:
        """A session for ``user`` (just signed in, or the configured one): its cookie."""
        return self.sessions.open(user, self.authenticator.fingerprint(user))

    def resume_session(self, cookie: str | None, current: User | None) -> Session | None:
        """The session ``cookie`` opens for this page run. ``current`` is who the run acts
        as where the sign-in is not ours (local mode, the identity provider's): the session
        must be theirs. In password mode the session signs its user in, with the role
        configured now, unless their password has changed or they are gone."""
        found = self.sessions.resume(cookie)
        if found is None:
            return None
        if current is not None:
            return found if found.user.name == current.name else None
        user = self.authenticator.resumed(found.user.name, found.fingerprint)
        if user is None:
            self.sessions.close(cookie)
            return None
        return replace(found, user=user)

    # -- citations -------------------------------------------------------------------------
    def page_view(self, citation: Citation) -> PageView | None:
        """The cited page with the passage highlighted, or None when the source file is gone.
        Remembered per citation: every redraw of a conversation shows its citations again."""
        key = (citation.doc_id, citation.version, citation.page, citation.quote, citation.passage)
        if key in self._views:
            record = self.library.document(citation.doc_id)
            if record is not None and record.version(citation.version) is not None:
                return self._views[key]
            del self._views[key]  # purged since: the page is no longer shown
            return None
        view = self._page_view(citation)
        if view is not None:
            if len(self._views) >= _VIEWS_KEPT:
                self._views.pop(next(iter(self._views)))
            self._views[key] = view
        return view

    def _page_view(self, citation: Citation) -> PageView | None:
        record = self.library.document(citation.doc_id)
        version = record.version(citation.version) if record else None
        if version is None:
            return None
        path = self.library.source(version.sha256)
        if path is None:
            return None
        try:
            pages = _page_texts(str(path), version.sha256)
        except CopilotError as exc:  # kept before today's checks, which now refuse it
            log.warning("cannot show %s: %s", path.name, exc)
            return None
        if not 1 <= citation.page <= len(pages):
            return None
        page_html, found = highlight(pages[citation.page - 1], citation.passage, citation.quote)
        return PageView(
            title=citation.title,
            version=citation.version,
            file_name=path.name,
            page=citation.page,
            page_label=citation.page_label,
            html=page_html,
            found=found,
            pdf=path.read_bytes() if path.suffix.lower() == ".pdf" else None,
        )

    def page_image(self, citation: Citation) -> PageImage | None:
        """The cited PDF page as an image with the quote highlighted (cached per file, page
        and quote), or None when the source is not a PDF kept in the library."""
        record = self.library.document(citation.doc_id)
        version = record.version(citation.version) if record else None
        path = self.library.source(version.sha256) if version is not None else None
        if path is None or path.suffix.lower() != ".pdf":
            return None
        try:
            return render_page(path, citation.page, citation.quote, citation.passage)
        # A page the file lacks, a file gone, or PDFium's own error (a RuntimeError).
        except (ValueError, OSError, RuntimeError) as exc:
            log.warning("cannot draw page %s of %s: %s", citation.page, path.name, exc)
            return None

    # -- library ---------------------------------------------------------------------------
    # -- changes between versions ----------------------------------------------------------

    def changes(
        self, doc_id: str, from_version: str | None = None, to_version: str | None = None
    ) -> VersionDiff:
        """What changed between two versions of a document (see :mod:`ingest.diff`)."""
        return self.library.diff(doc_id, from_version, to_version)

    def affected(self, user: User, made: VersionDiff) -> list[AffectedAnswer]:
        """The audited answers that quoted a passage the change touched; compliance only."""
        trail = self.service.audit_trail(user)
        if not isinstance(trail, Records):
            raise CopilotError("this audit trail cannot be read back")
        return self.library.affected(user, trail, made)

    def affected_csv(self, rows: list[AffectedAnswer]) -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "affected.csv"
            write_csv(rows, path)
            return path.read_bytes()

    def conflicts(self, user: User) -> list[Conflict]:
        """Current documents that give different figures for the same rule; compliance only."""
        require(user, "compliance", "listing conflicting documents")
        return self.library.conflicts()

    def loan_file(self, answers: list[Answer], user: User) -> bytes:
        """The conversation as Markdown for the loan file (see :mod:`app.records.loan_file`)."""
        text = conversation_markdown(answers, user=user, exported_at=datetime.now(UTC))
        return text.encode("utf-8")

    def loan_file_pdf(self, answers: list[Answer], user: User) -> bytes:
        """The same conversation as a PDF (see :mod:`app.records.loan_file`)."""
        return conversation_pdf(answers, user=user, exported_at=datetime.now(UTC))

    def documents(self) -> list[DocumentRecord]:
        return self.library.documents()

    def known_fields(self, doc_id: str) -> dict[str, str]:
        """The metadata of a known document's current (else newest) version, to prefill a
        form; several values (products, jurisdictions) joined with ", "."""
        record = self.library.document(doc_id.strip().lower())
        if record is None or not record.versions:
            return {}
        chosen = record.current or max(record.versions, key=lambda v: v.ingested_at)
        return {
            key: ", ".join(value) if isinstance(value, list) else str(value)
            for key, value in chosen.meta.model_dump(mode="json").items()
        }

    # -- evaluation reports ----------------------------------------------------------------
    @property
    def reports_folder(self) -> Path:
        return self.settings.app.data_dir / REPORTS_FOLDER

    def eval_runs(self) -> list[EvalRun]:
        """Past evaluation runs (``copilot eval``), oldest first."""
        from evals.run import past_runs

        return [
            EvalRun(
                folder=folder,
                summary=summary,
                report=_read(folder / "report.md"),
                charts=tuple(sorted(folder.glob("*.png"))),
            )
            for folder, summary in past_runs(self.reports_folder)
        ]

    def metric_gates(self) -> dict[str, dict[str, float]]:
        """The gated metrics of ``copilot eval`` and their rules (``min``, ``max``,
        ``tolerance``), in the order evals/thresholds.toml lists them."""
        from evals.gate import load_thresholds

        return load_thresholds()

    def close(self) -> None:
        self.service.close()
        if self._close is not None:
            self._close()


@dataclass(frozen=True)
class EvalRun:
    folder: Path
    summary: dict[str, Any]
    report: str
    charts: tuple[Path, ...]


def open_workspace(settings: Settings, *, seed: Path | None = None) -> Workspace:
    """Load the models, open the index (finishing any interrupted change) and, when the index
    is empty and ``seed`` names a manifest, ingest the files it lists."""
    from app.factory import build_embedding, build_service, open_store

    # The web app's objects are left to the collector as they are: frozen, a page of the
    # app (Quality) never settled in the browser; it kept loading.
    embedding = build_embedding(settings, settle=False)
    store = open_store(settings, embedding.dimension)
    try:
        library = PolicyLibrary(settings, store, embedding)
        if seed is not None:
            results = library.seed(seed)
            for result in results:
                if result.outcome == "failed":
                    log.error("sample policy not ingested: %s", result.reason)
            if results and all(r.outcome == "failed" for r in results):
                raise CopilotError(f"none of the files in {seed} could be ingested")
        service = build_service(settings, embedding=embedding, store=store)
    except BaseException:
        store.close()
        raise
    return Workspace(settings, service=service, library=library, close=store.close)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


@lru_cache(maxsize=16)
def _page_texts(path: str, sha256: str) -> tuple[str, ...]:
    """The cleaned text of each page, as ingestion saw it (cached per file content)."""
    from ingest.parse import parse

    del sha256  # part of the cache key: a file replaced in place is parsed again
    return tuple(page.text for page in parse(Path(path)).pages)


_WORD = re.compile(r"\w+")


PASSAGE_MARK = '<mark class="passage" style="background-color:#fff3bf">'
QUOTE_MARK = '<mark class="quote" style="background-color:#ffd43b">'


def highlight(page: str, passage: str, quote: str = "") -> tuple[str, bool]:
    """Escape ``page`` for HTML, mark the span matching ``passage`` and, inside it, the
    sentence the answer quoted (``quote``) more strongly.

    Matching goes word by word, ignoring spacing, punctuation and case, since the passage
    was re-flowed when it was chunked. A passage that runs onto the next page (or began on
    the previous one) is matched by its first (or last) eight or more words and marked to
    the end (or from the start) of this page.
    """
    words = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(page)]
    span = _locate(words, passage)
    if span is None:
        return _escape(page), False
    start, end = span[0], _past_closers(page, span[1])
    inner = _locate([w for w in words if start <= w[1] and w[2] <= end], quote, exact=True)
    if inner is not None:
        inner = inner[0], _past_closers(page, inner[1])
    if inner is None:
        marked = PASSAGE_MARK + _escape(page[start:end]) + "</mark>"
    else:
        q_start, q_end = inner
        marked = (
            PASSAGE_MARK
            + _escape(page[start:q_start])
            + QUOTE_MARK
            + _escape(page[q_start:q_end])
            + "</mark>"
            + _escape(page[q_end:end])
            + "</mark>"
        )
    return _escape(page[:start]) + marked + _escape(page[end:]), True


def _past_closers(page: str, end: int) -> int:
    """Extend a span over the signs that close its last word ("45%", "(a)", a quote)."""
    while end < len(page) and page[end] in "%)]}\"'’”":
        end += 1
    return end


def _locate(
    words: list[tuple[str, int, int]], text: str, *, exact: bool = False
) -> tuple[int, int] | None:
    """The character span of ``text``'s words in ``words``: all of them in a row, or (unless
    ``exact``) a long enough run of its first words, to the end, or of its last, from the
    start."""
    wanted = [w.lower() for w in _WORD.findall(text)]
    if not wanted or not words:
        return None
    span = _find(words, wanted)
    if span is not None or exact:
        return span
    for size in range(min(len(wanted) - 1, 40), 7, -1):
        head = _find(words, wanted[:size])
        if head is not None:
            return head[0], words[-1][2]
        tail = _find(words, wanted[-size:])
        if tail is not None:
            return words[0][1], tail[1]
    return None


def _find(words: list[tuple[str, int, int]], wanted: list[str]) -> tuple[int, int] | None:
    tokens = [w for w, _, _ in words]
    n = len(wanted)
    first = wanted[0]
    for i, token in enumerate(tokens):
        if token == first and tokens[i : i + n] == wanted:
            return words[i][1], words[i + n - 1][2]
    return None


def _escape(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")
