"""Policies rendered to PDF the way the samples are built (a new version of a sample, a
hostile one), and what Markdown would make of a text."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from tests.conftest import SAMPLES


def _builder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_pdfs", SAMPLES / "build_pdfs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_pdfs", module)
    spec.loader.exec_module(module)
    return module


def revised_policy_pdf(
    folder: Path, stem: str, old: str, new: str, version: str, effective: str
) -> Path:
    """The sample ``stem`` with ``old`` text replaced by ``new``, as version ``version``."""
    source = (SAMPLES / "src" / f"{stem}.md").read_text(encoding="utf-8")
    assert old in source, f"{old!r} is not in {stem}"
    lines = []
    for line in source.replace(old, new).splitlines():
        if line.startswith("version:"):
            line = f"version: {version}"
        elif line.startswith("effective_date:"):
            line = f"effective_date: {effective}"
        lines.append(line)
    markdown = folder / f"{stem}.md"
    markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")
    builder = _builder()
    data, _ = builder.build(builder.parse(markdown))
    pdf = folder / f"{stem}-v{version}.pdf"
    pdf.write_bytes(data)
    return pdf


HOSTILE_TITLE = "[Click here to re-verify your login](https://evil.example/login) **URGENT**"
HOSTILE_FIELDS = {
    "doc_id": "houseboat-notice",
    "title": HOSTILE_TITLE,
    "product": "personal",
    "jurisdiction": "US-federal",
    "doc_type": "bulletin",
    "version": "1.0",
    "effective_date": "2025-01-01",
}


def hostile_policy_pdf(folder: Path) -> Path:
    """A one-section policy whose title, heading, text and file name are Markdown and HTML
    written to become links, images and emphasis: the app must show them as plain text."""
    markdown = folder / "houseboat-notice.md"
    markdown.write_text(
        f"""---
title: {HOSTILE_TITLE}
org: Harbor Point Bank, N.A.
header: Harbor Point Bank - Houseboat Notice
footer: Internal Use Only
doc_id: houseboat-notice
product: personal
jurisdiction: US-federal
doc_type: bulletin
version: 1.0
effective_date: 2025-01-01
---

# 1 Houseboat collateral <img src=x onerror=alert(1)> www.evil.example

Houseboats are not eligible collateral for a personal loan; see [the portal](https://evil.example/portal) or write to help@evil.example for **urgent** exceptions.
""",
        encoding="utf-8",
    )
    builder = _builder()
    data, _ = builder.build(builder.parse(markdown))
    pdf = folder / "**URGENT** <b>notice.pdf"
    pdf.write_bytes(data)
    return pdf


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
# What Streamlit's renderer (remark-gfm) turns into links in text, after escapes are undone.
_GFM_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE)
_GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")


def markdown_links(source: str) -> list[str]:
    """The links, images, raw HTML and emphasis of ``URGENT`` that ``source`` would render
    to as Markdown: CommonMark's, and GitHub's autolinks of URLs and e-mail addresses in
    text (which escapes do not stop)."""
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").enable(["strikethrough", "table"]).render(source)
    found = re.findall(r"<(?:a|img|b|script)\b[^>]*>|<strong>URGENT", rendered)
    text = _ESCAPED.sub(r"\1", source)
    found += [m[0] for m in _GFM_URL.finditer(text)] + [m[0] for m in _GFM_EMAIL.finditer(text)]
    return found
