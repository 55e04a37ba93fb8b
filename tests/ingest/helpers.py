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
