"""Build parsed documents from plain lines, for segmenter and chunker tests."""

from __future__ import annotations

from pathlib import Path

from app.models import Page, ParsedDocument


def document(
    *pages: str, headings: tuple[str, ...] = (), title: str = "Test Policy"
) -> ParsedDocument:
    return ParsedDocument(
        path=Path("test.txt"),
        file_name="test.txt",
        sha256="0" * 64,
        media_type="text",
        pages=tuple(
            Page(number=n, label=str(n), text=text.strip(), headings=headings)
            for n, text in enumerate(pages, start=1)
        ),
        title=title,
    )


def pdf(*pages: str | None, title: str | None = None) -> bytes:
    """A real PDF (fpdf2): one page per text, ``None`` for a page with a drawing and no text
    (what a scan looks like to a parser)."""
    from fpdf import FPDF

    out = FPDF()
    if title is not None:
        out.set_title(title)
    for text in pages or ("Loan policy text that is long enough to count as a page.",):
        out.add_page()
        if text is None:
            out.rect(20, 20, 100, 60)
        else:
            out.set_font("Helvetica", size=11)
            out.multi_cell(0, 6, text)
    return bytes(out.output())


def with_metadata(source: bytes, metadata: dict[str, str]) -> bytes:
    """``source`` rewritten by pypdf with this document information dictionary."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source)))
    writer.add_metadata(metadata)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def broken_xref(source: bytes) -> bytes:
    """``source`` with every cross-reference offset wrong: pypdf recovers each object by
    searching, warning once per entry."""
    import re

    head, xref, tail = source.rpartition(b"\nxref\n")
    return head + xref + re.sub(rb"(?m)^\d{10} (\d{5}) n", rb"0000000001 \1 n", tail)
