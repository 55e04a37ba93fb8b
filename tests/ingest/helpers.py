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


def raw_pdf(*objects: bytes, trailer: bytes = b"/Root 1 0 R") -> bytes:
    """A PDF written by hand, object ``n`` being ``objects[n - 1]``, with a correct
    cross-reference table: for structures no PDF library would write."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def one_page_pdf(content: bytes, *, compress: bool = True) -> bytes:
    """A one-page PDF (Helvetica) whose page draws ``content`` (a content stream)."""
    import zlib

    data = zlib.compress(content, 9) if compress else content
    flate = b" /Filter /FlateDecode" if compress else b""
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(data), flate, data),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    )


def pages_pdf(*contents: bytes) -> bytes:
    """A PDF (Helvetica) whose page ``n`` draws ``contents[n]`` (a content stream)."""
    kids = b" ".join(b"%d 0 R" % (4 + 2 * n) for n in range(len(contents)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(contents)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for n, content in enumerate(contents):
        objects += [
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>" % (5 + 2 * n),
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        ]
    return raw_pdf(*objects)
