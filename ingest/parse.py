"""Parse: a file on disk -> ``ParsedDocument`` (cleaned pages of text).

PDF is the primary input (pypdf, page by page); Markdown and plain text are accepted too.
Every refusal is a :class:`DocumentError` whose message says what to do about it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import multiprocessing
import os
import re
import sys
import threading
import types
import warnings
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PyPdfError, WrongPasswordError

from app.errors import DocumentError
from app.models import MAX_TITLE_CHARS, Page, ParsedDocument
from app.tabular import CELL
from ingest.clean import (
    clean_lines,
    clean_title,
    drop_running_lines,
    normalize,
    repair_hyphenation,
)
from ingest.decode import decode
from ingest.sections import CAPTION
from ingest.tables import Columns, rebuild

log = logging.getLogger(__name__)

PDF_SUFFIXES = {".pdf"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
TEXT_SUFFIXES = {".txt", ".text"}
SUPPORTED_SUFFIXES = PDF_SUFFIXES | MARKDOWN_SUFFIXES | TEXT_SUFFIXES

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|`)")
_CELL_MARK = "\x1f"
"""Stands between a Markdown table's cells until the line is cleaned (which folds tabs)."""
_MD_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|,b\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_MIN_TEXT_CHARS = 20
# A compressed PDF can hold far more than its size: these bound the work one file may cause.
_MAX_PAGE_CONTENT = 2_000_000
"""Bytes of uncompressed drawing instructions a page may hold: a dense page of text needs
under 100 KB, and pypdf reads them at about a megabyte a second."""
_MAX_CONTENT = 50_000_000
"""The same, for all the pages of a file together."""
_MAX_PAGE_CHARS = 100_000
"""Characters of text a page may yield (a dense page holds under 10,000)."""
_MAX_TABLE_PAGE_CHARS = 20_000
_MAX_TABLE_PAGE_PIECES = 4_000
"""A page with more text, or more pieces of it, is not read again with its layout for its
tables (the layout reading spaces every piece out at its place: many small pieces far apart
make it huge); its tables keep their plain lines."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse(path: Path, *, max_bytes: int | None = None, workers: int = 1) -> ParsedDocument:
    """Read ``path`` into cleaned pages. Raises :class:`DocumentError` for unusable input.

    ``workers``: processes that read a long PDF's pages side by side (0: one per CPU core;
    1: this process alone). The pages come out the same either way."""
    path = Path(path)
    if not path.is_file():
        raise DocumentError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise DocumentError(f"{path.name}: the file is empty")
    if max_bytes is not None and size > max_bytes:
        raise DocumentError(
            f"{path.name}: {size / 1e6:.0f} MB is over the {max_bytes / 1e6:.0f} MB limit "
            "(ingest.max_file_mb)"
        )
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise DocumentError(f"{path.name}: unsupported file type {suffix!r}; use {supported}")
    # Read once: the text and the hash are of the same bytes, whatever happens to the file.
    content = path.read_bytes()
    sha256 = hashlib.sha256(content).hexdigest()
    if suffix in PDF_SUFFIXES:
        with _pdf_warnings(path.name) as elsewhere:
            pages, title = _parse_pdf(path, content, sha256, cpu_workers(workers), elsewhere)
        media_type = "pdf"
    elif suffix in MARKDOWN_SUFFIXES:
        pages, title = _parse_markdown(decode(content, path.name))
        media_type = "markdown"
    else:
        pages, title = _parse_text(decode(content, path.name))
        media_type = "text"
    if sum(len(p.text.strip()) for p in pages) < _MIN_TEXT_CHARS:
        if media_type == "pdf":
            raise DocumentError(
                f"{path.name}: the PDF has no text layer (a scan?); OCR is not supported, "
                "so provide a PDF with selectable text"
            )
        raise DocumentError(f"{path.name}: the file holds no text")
    return ParsedDocument(
        path=path,
        file_name=path.name,
        sha256=sha256,
        media_type=media_type,  # type: ignore[arg-type]
        pages=tuple(pages),
        title=title,
    )


# --- PDF ------------------------------------------------------------------------------


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@contextmanager
def _pdf_warnings(name: str | None) -> Iterator[_Counter]:
    """Hold back pypdf's warnings about a damaged file (a broken one can log thousands) and
    log how many there were, once, at INFO (shown by ``copilot -v``). Yields a counter for
    the warnings of pages read in other processes; with no ``name``, logs nothing."""
    logger = logging.getLogger("pypdf")
    counter = _Counter()
    elsewhere = _Counter()
    propagate = logger.propagate
    logger.addHandler(counter)
    logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield elsewhere
    finally:
        logger.removeHandler(counter)
        logger.propagate = propagate
        elsewhere.count += counter.count + len(caught)
        if elsewhere.count and name is not None:
            log.info("%s: %d PDF warnings", name, elsewhere.count)


def _open_pdf(path: Path, content: bytes) -> PdfReader:
    head, tail = content[:1024], content[-2048:]
    if b"%PDF-" not in head:
        raise DocumentError(f"{path.name}: not a PDF file (no PDF header), despite its name")
    if b"%%EOF" not in tail:
        raise DocumentError(
            f"{path.name}: the PDF is truncated (no end-of-file marker); upload the complete file"
        )
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            # Many PDFs are encrypted only to restrict printing/copying and open without a
            # password; only a real user password stops us.
            try:
                if not reader.decrypt(""):
                    raise WrongPasswordError
            except (WrongPasswordError, FileNotDecryptedError, NotImplementedError) as exc:
                raise DocumentError(
                    f"{path.name}: the PDF is encrypted with a password; "
                    "save an unencrypted copy and ingest that"
                ) from exc
        if len(reader.pages) == 0:
            raise DocumentError(f"{path.name}: the PDF has no pages")
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise DocumentError(f"{path.name}: the PDF is corrupt and cannot be read ({exc})") from exc
    return reader


def _parse_pdf(
    path: Path, content: bytes, sha256: str, workers: int, warned: _Counter
) -> tuple[list[Page], str | None]:
    reader = _open_pdf(path, content)
    _check_content(reader, path.name)
    try:
        texts = _read_all(path, sha256, reader, workers, warned)
    except _FileChanged:
        raise DocumentError(
            f"{path.name}: the file changed while it was being read; ingest it again"
        ) from None
    except _PageFailed as failed:
        if failed.too_much:
            raise DocumentError(
                f"{path.name}: page {failed.index + 1} yields over {_MAX_PAGE_CHARS:,} "
                "characters of text, more than any page holds; the PDF is malformed"
            ) from None
        raise DocumentError(
            f"{path.name}: page {failed.index + 1} is corrupt and cannot be read ({failed.reason})"
        ) from None
    raw_pages = [lines for lines, _, _ in texts]
    emphasized = [strong for _, strong, _ in texts]
    pieces = [count for _, _, count in texts]

    labels = _pdf_page_labels(reader)
    kept, printed = drop_running_lines(raw_pages)
    kept = _with_tables(reader, raw_pages, kept, emphasized, pieces)
    if labels is None:
        labels = [printed[i] or str(i + 1) for i in range(len(kept))]
    vocabulary = Counter(
        word.lower() for lines in kept for line in lines for word in _WORD.findall(line)
    )
    pages = [
        Page(
            number=i + 1,
            label=labels[i],
            text="\n".join(repair_hyphenation(lines, vocabulary)),
            headings=tuple(sorted(emphasized[i])),
        )
        for i, lines in enumerate(kept)
    ]
    return pages, _pdf_title(reader)


def _with_tables(
    reader: PdfReader,
    raw: list[list[str]],
    kept: list[list[str]],
    headings: list[set[str]],
    pieces: list[int],
) -> list[list[str]]:
    """The pages' lines with each table row one line, its cells apart (:mod:`ingest.tables`):
    pages with a table caption, and the pages a table runs onto, are read again with their
    layout."""
    pages: list[list[str]] = []
    carried: Columns | None = None
    for i, lines in enumerate(kept):
        if (
            (carried is None and not any(CAPTION.match(line) for line in lines))
            or sum(map(len, raw[i])) > _MAX_TABLE_PAGE_CHARS
            or pieces[i] > _MAX_TABLE_PAGE_PIECES
        ):
            pages.append(lines)
            carried = None
            continue
        try:
            layout = reader.pages[i].extract_text(extraction_mode="layout")
        except Exception:  # pypdf raises many types on damaged content: keep the plain lines
            log.info("page %d: not read with its layout; its tables keep plain lines", i + 1)
            layout = ""
        if not layout:
            pages.append(lines)
            carried = None
            continue
        lines, carried = rebuild(
            lines,
            layout,
            skip=Counter(raw[i]) - Counter(lines),
            headings=frozenset(headings[i]),
            carried=carried,
        )
        pages.append(lines)
    return pages


def _pdf_title(reader: PdfReader) -> str | None:
    """The title in the PDF's metadata, cleaned and cut to length; None when there is none
    or the metadata is beyond pypdf's limits (it is only a default for the title field)."""
    try:
        metadata = reader.metadata
        raw = metadata.title if metadata is not None else None
    except Exception:  # pypdf raises many types on damaged objects; LimitReachedError too
        log.info("ignoring unreadable PDF metadata", exc_info=True)
        return None
    return clean_title(str(raw), MAX_TITLE_CHARS) if raw else None


def _check_content(reader: PdfReader, name: str) -> None:
    """Refuse, before reading any text, a file whose pages hold more drawing instructions than
    text needs (decompressing them is quick; parsing them is not)."""
    total = 0
    for number, page in enumerate(reader.pages, start=1):
        contents = page.get_contents()
        size = len(contents.get_data()) if contents is not None else 0
        if size > _MAX_PAGE_CONTENT:
            raise DocumentError(
                f"{name}: page {number} holds {size / 1e6:.1f} MB of drawing instructions, over "
                f"the {_MAX_PAGE_CONTENT / 1e6:.0f} MB a page of text needs; the PDF is "
                "malformed or mostly drawings"
            )
        total += size
        if total > _MAX_CONTENT:
            raise DocumentError(
                f"{name}: the pages hold over {_MAX_CONTENT / 1e6:.0f} MB of drawing "
                "instructions; split the document, or export it again with fewer drawings"
            )


class _TooMuchText(Exception):
    pass


# --- pages read side by side ------------------------------------------------------------

_PageText = tuple[list[str], set[str], int]
_SHARED_FROM_PAGES = 24
"""A PDF with fewer pages is read in this process alone: handing out the work costs more."""
_TASKS_PER_WORKER = 3
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_pool_failed = False
"""Set when worker processes could not be started or died: from then on, one process."""


class _FileChanged(Exception):
    """A worker process found other content under the file's name than the first process."""


class _PageFailed(Exception):
    """A page that cannot be read (raised in a worker process and carried back)."""

    def __init__(self, index: int, too_much: bool, reason: str) -> None:
        super().__init__(index, too_much, reason)
        self.index, self.too_much, self.reason = index, too_much, reason


def cpu_workers(workers: int) -> int:
    """``workers``, where 0 means one per CPU core this process may use (at most 8)."""
    if workers > 0:
        return workers
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(8, cores))


def _read_pages(reader: PdfReader, start: int, stop: int) -> list[_PageText]:
    texts = []
    for index in range(start, stop):
        try:
            texts.append(_extract_page(reader.pages[index]))
        except _TooMuchText:
            raise _PageFailed(index, True, "") from None
        except Exception as exc:  # pypdf raises many types on damaged content streams
            raise _PageFailed(index, False, str(exc)[:300]) from None
    return texts


def _read_range(path: str, sha256: str, start: int, stop: int) -> tuple[list[_PageText], int]:
    """In a worker process: the text of pages ``start`` to ``stop`` of the file (read here
    again, and refused unless it is the content the first process read), and how many
    warnings pypdf gave."""
    content = Path(path).read_bytes()
    if hashlib.sha256(content).hexdigest() != sha256:
        raise _FileChanged
    with _pdf_warnings(None) as warned:
        texts = _read_pages(_open_pdf(Path(path), content), start, stop)
    return texts, warned.count


def _shared_pool(workers: int) -> ProcessPoolExecutor:
    """The worker processes, started on first need and kept for the next file (with the
    number first asked for). They are forked from a clean server process, never from this
    one, which may hold threads, and started without the program's main module."""
    global _pool
    with _pool_lock:
        if _pool is None:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context(
                "forkserver" if "forkserver" in methods else "spawn"
            )
            if "forkserver" in methods:
                context.set_forkserver_preload([__name__])
            _pool = ProcessPoolExecutor(workers, mp_context=context)
        return _pool


@contextmanager
def _no_main_module() -> Iterator[None]:
    """While workers may be started: a bare ``__main__``, so they do not import the running
    program's main module. It may not be guarded by ``if __name__ == "__main__":`` at all: a
    Streamlit page is run as ``__main__``, and a worker would run the whole app again."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _give_up_pool(pool: ProcessPoolExecutor | None) -> None:
    global _pool, _pool_failed
    with _pool_lock:
        _pool_failed = True
        if _pool is pool:
            _pool = None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def _read_all(
    path: Path, sha256: str, reader: PdfReader, workers: int, warned: _Counter
) -> list[_PageText]:
    """Every page's text, read by ``workers`` processes side by side for a long document."""
    count = len(reader.pages)
    if workers < 2 or count < _SHARED_FROM_PAGES or _pool_failed:
        return _read_pages(reader, 0, count)
    step = -(-count // (workers * _TASKS_PER_WORKER))
    pool = None
    try:
        pool = _shared_pool(workers)
        with _no_main_module():
            futures: list[Future[tuple[list[_PageText], int]]] = [
                pool.submit(
                    _read_range, str(path.resolve()), sha256, start, min(start + step, count)
                )
                for start in range(0, count, step)
            ]
    except (OSError, RuntimeError) as exc:  # no processes to be had: read them here
        log.warning("reading PDF pages in one process from now on: %s", exc)
        _give_up_pool(pool)
        return _read_pages(reader, 0, count)
    texts: list[_PageText] = []
    try:
        for future in futures:
            part, warnings_given = future.result()
            texts += part
            warned.count += warnings_given
    except BrokenProcessPool as exc:  # a worker died (killed, out of memory): read here
        log.warning("reading PDF pages in one process from now on: a worker stopped (%s)", exc)
        _give_up_pool(pool)
        return _read_pages(reader, 0, count)
    except (_PageFailed, _FileChanged):
        raise
    except Exception as exc:  # anything else from a worker: this process reads the pages
        log.warning("reading %s's pages in this process: %s", path.name, exc)
        return _read_pages(reader, 0, count)
    finally:
        for future in futures:
            future.cancel()
    return texts


def _extract_page(page: object) -> tuple[list[str], set[str], int]:
    """The page's lines in reading order, the lines set in a bold or larger font, and how
    many pieces of text the page draws."""
    sizes: Counter[float] = Counter()
    fragments: list[tuple[str, float, bool]] = []
    chars = 0

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        nonlocal chars
        chars += len(text)
        if chars > _MAX_PAGE_CHARS:
            raise _TooMuchText
        if not text.strip():
            return
        scale = abs(cm[3] * tm[3]) if cm and tm else 1.0
        effective = round((size or 0.0) * (scale or 1.0), 1)
        name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
        sizes[effective] += len(text)
        fragments.append((text, effective, bool(_BOLD_FONT.search(name))))

    text = page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    strong = {
        " ".join(t.split())
        for t, size, bold in fragments
        if (bold or size >= body + 1.0) and len(t.split()) <= 20
    }
    return clean_lines(text or ""), strong, len(fragments)


def _pdf_page_labels(reader: PdfReader) -> list[str] | None:
    """The PDF's own page labels, or None when it defines none."""
    try:
        if "/PageLabels" not in reader.root_object:
            return None
        labels = list(reader.page_labels)
    except Exception:  # a broken label tree is not worth refusing the file over
        log.info("ignoring unreadable /PageLabels", exc_info=True)
        return None
    return labels if len(labels) == len(reader.pages) else None


# --- Markdown and text ----------------------------------------------------------------


def _parse_markdown(source: str) -> tuple[list[Page], str | None]:
    source = _HTML_COMMENT.sub("", source)
    if source.startswith("---\n"):
        end = source.find("\n---", 4)
        if end != -1:  # YAML front matter is metadata, not policy text
            source = source[source.find("\n", end + 1) + 1 :]
    pages = []
    title = None
    for number, chunk in enumerate(source.split("\f"), start=1):
        lines: list[str] = []
        headings: set[str] = set()
        for raw in chunk.splitlines():
            if _MD_TABLE_RULE.match(raw.strip()):
                continue
            line = _strip_markdown(raw.rstrip())
            match = _MD_HEADING.match(line)
            if match:
                line = match.group(2)
                headings.add(line)
                title = title or line
            lines.append(line)
        pages.append(
            Page(
                number=number,
                label=str(number),
                text="\n".join(clean_lines("\n".join(lines))).replace(_CELL_MARK, CELL),
                headings=tuple(sorted(headings)),
            )
        )
    return pages, clean_title(title, MAX_TITLE_CHARS) if title else None


def _strip_markdown(line: str) -> str:
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_EMPHASIS.sub("", line)
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|"):
        cells = [normalize(c) for c in stripped.strip("|").split("|")]
        line = _CELL_MARK.join(cells)  # a tab once the line is cleaned, as a PDF's rows
    return line


def _parse_text(source: str) -> tuple[list[Page], str | None]:
    pages = [
        Page(number=n, label=str(n), text="\n".join(clean_lines(chunk)))
        for n, chunk in enumerate(source.split("\f"), start=1)
    ]
    kept, printed = drop_running_lines([p.text.splitlines() for p in pages])
    pages = [
        Page(number=p.number, label=printed[i] or p.label, text="\n".join(kept[i]))
        for i, p in enumerate(pages)
    ]
    return pages, None


__all__ = ["SUPPORTED_SUFFIXES", "parse", "sha256_of"]
