"""Render the sample policy library (``src/*.md``) into PDFs and write ``manifest.json``.

Usage: ``python policies_sample/build_pdfs.py`` (or ``make samples``). The markup is
described in README.md. Output is deterministic (creation date = effective date, fixed
producer, content-derived file /ID). Each document is laid out twice: the first pass finds
the page count and heading pages, the second prints "Page n of N" and the table of
contents. Every PDF is then re-read with pypdf to check headings, header, footer and page
labels (i, ii for front matter, then 1, 2, ...); the exit status is 1 if a check fails.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent
SRC, OUT = ROOT / "src", ROOT / "pdf"
# Core fonts are declared with WinAnsiEncoding, so cp1252 gives em dashes, bullets and "§".
ENCODING = "cp1252"
# Normalised everywhere: curly quotes become straight ones (cleaner text for retrieval),
# and characters that cp1252 lacks get ASCII stand-ins. Em dashes are kept.
CHAR_MAP = str.maketrans("\u2018\u2019\u201c\u201d\u2011\u2212\u00a0", "''\"\"-- ")
CHAR_MAP.update(str.maketrans({"\u2264": "<=", "\u2265": ">=", "\u2192": "->"}))
PATTERNS = {  # allowed front-matter values (full match)
    "product": r"mortgage|heloc|auto|personal|small-business|all",
    "doc_type": r"underwriting-guide|compliance-memo|bulletin|policy",
    "jurisdiction": r"US-federal|[A-Z]{2}",
    "effective_date": r"\d{4}-\d{2}-\d{2}",
}
META_KEYS = ("doc_id", "title", "product", "jurisdiction", "doc_type", "version", "effective_date")
SEVERAL = ("product", "jurisdiction")
"""Front-matter fields that may hold several values, separated by commas."""
COVER_KEYS = ("version", "effective_date", "supersedes", "owner")
MEMO_FIELDS = ("To", "From", "CC", "Date", "Re")
ROMAN = ("i", "ii")
BODY_SIZE, LINE_H = 9.5, 4.5
HEADING_SIZE = {1: 14.0, 2: 12.0, 3: 10.5}


@dataclass
class Block:
    """One unit of content: heading, para, bullet, number (list item) or table."""

    kind: str
    text: str = ""
    level: int = 0
    label: str = ""
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Doc:
    stem: str
    meta: dict[str, str]
    blocks: list[Block]

    @property
    def front_pages(self) -> int:
        return sum(self.meta.get(key) == "true" for key in ("cover", "toc"))


def clean(text: str) -> str:
    """Map characters outside cp1252 and fail loudly on anything still unencodable."""
    out = text.translate(CHAR_MAP)
    out.encode(ENCODING)
    return out


def parse(path: Path) -> Doc:
    text = path.read_text(encoding="utf-8")
    lines = [clean(line.strip()) for line in text.splitlines()] + [""]  # "" flushes the last para
    if lines[0] != "---":
        raise ValueError(f"{path.name}: missing front matter")
    end = lines.index("---", 1)
    pairs = (line.split(":", 1) for line in lines[1:end] if line)
    meta = {key.strip(): value.strip() for key, value in pairs}
    blocks: list[Block] = []
    para: list[str] = []
    i = end + 1
    while i < len(lines):
        line, i = lines[i], i + 1
        heading = re.match(r"(#{1,3})\s+(.+)", line)
        number = re.match(r"(\d+)\.\s+(.+)", line)
        if line and not (heading or number or line.startswith(("- ", "Table:"))):
            para.append(line)
            continue
        if para:
            blocks.append(Block("para", " ".join(para)))
            para = []
        if heading:
            blocks.append(Block("heading", heading[2], level=len(heading[1])))
        elif line.startswith("Table:"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([cell.strip() for cell in lines[i].strip("|").split("|")])
                i += 1
            blocks.append(Block("table", line[6:].strip(), rows=rows))
        elif line.startswith("- "):
            blocks.append(Block("bullet", line[2:], label="\u2022"))
        elif number:
            blocks.append(Block("number", number[2], label=f"{number[1]}."))
    return Doc(path.stem, meta, blocks)


class PolicyPDF(FPDF):
    """Letter-size policy document with running header and footer."""

    def __init__(self, doc: Doc, body_total: int) -> None:
        super().__init__(format="letter", unit="mm")
        self.doc, self.body_total = doc, body_total
        self.core_fonts_encoding = ENCODING
        self.set_margins(18, 21, 18)
        self.set_auto_page_break(True, margin=19)
        self.heading_pages: list[tuple[str, int]] = []  # (heading text, absolute page)
        self.tables = 0

    def page_text(self) -> str:
        if self.page <= self.doc.front_pages:
            return f"Page {ROMAN[self.page - 1]}"
        return f"Page {self.page - self.doc.front_pages} of {self.body_total}"

    def header(self) -> None:
        if self.page <= self.doc.front_pages:  # no running header on front matter
            return
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90)
        self.set_xy(self.l_margin, 10)
        self.cell(self.epw, 4, self.doc.meta["header"], align="C")
        self.line(self.l_margin, 15, self.w - self.r_margin, 15)
        self.set_text_color(0)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90)
        self.line(self.l_margin, self.h - 15.5, self.w - self.r_margin, self.h - 15.5)
        self.set_xy(self.l_margin, self.h - 14)
        self.cell(self.epw * 0.7, 4, self.doc.meta["footer"])
        self.cell(self.epw * 0.3, 4, self.page_text(), align="R")
        self.set_text_color(0)

    def write_lines(
        self, size: float, height: float, text: str, style: str = "", align: str = "L"
    ) -> None:
        self.set_font("Helvetica", style, size)
        self.multi_cell(0, height, text, align=align, new_x="LMARGIN", new_y="NEXT")

    def cover(self) -> None:
        meta = self.doc.meta
        self.add_page(label_style="r")
        self.set_y(70)
        self.write_lines(12, 8, meta.get("org", ""), "B")
        self.write_lines(24, 11, meta["title"], "B")
        self.write_lines(13, 7, meta.get("subtitle", ""))
        self.ln(10)
        for key in (key for key in COVER_KEYS if key in meta):
            self.write_lines(11, 7, f"{key.replace('_', ' ').capitalize()}: {meta[key]}")
        if "cover_note" in meta:
            self.ln(12)
            self.write_lines(9, 5, meta["cover_note"], "I")

    def toc(self, pages: dict[str, int]) -> None:
        self.add_page(label_style="r")
        self.write_lines(16, 10, "Table of Contents", "B")
        self.ln(3)
        for block in (b for b in self.doc.blocks if b.kind == "heading" and b.level <= 2):
            indent = 0 if block.level == 1 else 6
            self.set_font("Helvetica", "B" if block.level == 1 else "", 10)
            page = pages.get(block.text, 0)
            width, text_w = self.epw - indent - 10, self.get_string_width(block.text) + 2
            dots = "." * max(3, int((width - text_w) / self.get_string_width(".")))
            self.set_x(self.l_margin + indent)
            self.cell(text_w, 6, block.text, link=self.add_link(page=page + self.doc.front_pages))
            self.cell(width - text_w, 6, dots, align="R")
            self.cell(10, 6, str(page), align="R", new_x="LMARGIN", new_y="NEXT")

    def memo_block(self) -> None:
        self.write_lines(16, 10, "MEMORANDUM", "B")
        for label in (label for label in MEMO_FIELDS if label.lower() in self.doc.meta):
            self.set_font("Helvetica", "B", BODY_SIZE)
            self.cell(18, 6, f"{label}:")
            self.write_lines(BODY_SIZE, 6, self.doc.meta[label.lower()])
        self.line(self.l_margin, self.y + 2, self.w - self.r_margin, self.y + 2)
        self.ln(5)

    def heading(self, block: Block, outline_level: int, keep: float) -> None:
        if self.y + keep > self.page_break_trigger:  # keep the heading with what follows
            self.add_page()
        self.ln(2.5 if block.level > 1 else 4)
        self.start_section(block.text, outline_level)
        self.heading_pages.append((block.text, self.page))
        size = HEADING_SIZE[block.level]
        self.write_lines(size, size * 0.55, block.text, "B")
        self.ln(1)

    def list_item(self, label: str, text: str) -> None:
        self.set_font("Helvetica", "", BODY_SIZE)
        self.set_x(self.l_margin + 4)
        self.cell(6, LINE_H, label)
        self.multi_cell(self.epw - 10, LINE_H, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def table_block(self, caption: str, rows: list[list[str]]) -> None:
        if self.y + 35 > self.page_break_trigger:
            self.add_page()
        self.tables += 1
        self.ln(1)
        self.write_lines(9.5, 5, f"Table {self.tables}: {caption}", "B")
        self.ln(1)
        self.set_font("Helvetica", "", 8.5)
        widths = [max(8, min(40, max(len(row[c]) for row in rows))) for c in range(len(rows[0]))]
        style = FontFace(emphasis="BOLD", fill_color=(225, 230, 238))
        with self.table(
            col_widths=widths, text_align="LEFT", line_height=4.2, padding=1.2, headings_style=style
        ) as table:
            for row in rows:
                table.row(row)
        self.ln(4)


def render(doc: Doc, body_total: int, pages: dict[str, int]) -> PolicyPDF:
    meta = doc.meta
    pdf = PolicyPDF(doc, body_total)
    pdf.set_title(meta["title"])
    pdf.set_author(meta.get("org", ""))
    pdf.set_subject(f"{meta['doc_type']} | {meta['product']} | {meta['jurisdiction']}")
    pdf.set_creator("policies_sample/build_pdfs.py")
    pdf.set_producer("fpdf2")
    pdf.set_creation_date(datetime.fromisoformat(meta["effective_date"]).replace(tzinfo=UTC))
    if meta.get("cover") == "true":
        pdf.cover()
    if meta.get("toc") == "true":
        pdf.toc(pages)
    pdf.add_page(label_style="D", label_start=1)
    if "to" in meta:
        pdf.memo_block()
    top = min(b.level for b in doc.blocks if b.kind == "heading")
    for i, block in enumerate(doc.blocks):
        if block.kind == "heading":
            chained = i + 1 < len(doc.blocks) and doc.blocks[i + 1].kind == "heading"
            pdf.heading(block, block.level - top, 30.0 if chained else 20.0)
        elif block.kind == "para":
            pdf.write_lines(BODY_SIZE, LINE_H, block.text, align="J")
            pdf.ln(1.8)
        elif block.kind == "table":
            pdf.table_block(block.text, block.rows)
        else:
            pdf.list_item(block.label, block.text)
    return pdf


def build(doc: Doc) -> tuple[bytes, PolicyPDF]:
    """Two layout passes, then a third render to prove the bytes are reproducible."""
    first = render(doc, 0, {})
    body_total = first.page - doc.front_pages
    pages = {text: page - doc.front_pages for text, page in first.heading_pages}
    final = render(doc, body_total, pages)
    if final.page != first.page or final.heading_pages != first.heading_pages:
        raise RuntimeError(f"{doc.stem}: layout changed between passes")
    data = bytes(final.output())
    if bytes(render(doc, body_total, pages).output()) != data:
        raise RuntimeError(f"{doc.stem}: output is not deterministic")
    return data, final


def squash(text: str) -> str:
    return " ".join(text.split())


def verify(path: Path, doc: Doc, pdf: PolicyPDF) -> list[str]:
    """Re-read the PDF with pypdf; return the problems found (empty when fine)."""
    reader = PdfReader(path)
    texts = [squash(page.extract_text()) for page in reader.pages]
    footer, header = squash(doc.meta["footer"]), squash(doc.meta["header"])
    front = doc.front_pages
    problems = []
    for number, text in enumerate(texts, 1):
        if footer not in text:
            problems.append(f"page {number}: footer missing")
        if number > front and header not in text:
            problems.append(f"page {number}: header missing")
    problems += [f"{h!r} not on page {p}" for h, p in pdf.heading_pages if h not in texts[p - 1]]
    expected = list(ROMAN[:front]) + [str(n) for n in range(1, len(texts) - front + 1)]
    if list(reader.page_labels) != expected:
        problems.append(f"page labels {reader.page_labels} != {expected}")
    if not 3 <= len(texts) <= 8:
        problems.append(f"{len(texts)} pages (expected 3 to 8)")
    return problems


def check_meta(doc: Doc) -> None:
    meta = doc.meta
    for key in ("header", "footer", *META_KEYS):
        if not meta.get(key):
            raise ValueError(f"{doc.stem}: missing front-matter field {key!r}")
    for key, pattern in PATTERNS.items():
        values = meta[key].split(",") if key in SEVERAL else [meta[key]]
        for value in values:
            if not re.fullmatch(pattern, value.strip()):
                raise ValueError(f"{doc.stem}: {key} {meta[key]!r} does not match {pattern}")


def manifest_fields(doc: Doc) -> dict[str, str | list[str]]:
    """The document's manifest entry fields; several values as a list."""
    fields: dict[str, str | list[str]] = {}
    for key in META_KEYS:
        value = doc.meta[key]
        several = key in SEVERAL and "," in value
        fields[key] = [v.strip() for v in value.split(",")] if several else value
    return fields


def main() -> int:
    OUT.mkdir(exist_ok=True)
    manifest, failed = [], False
    for source in sorted(SRC.glob("*.md")):
        doc = parse(source)
        check_meta(doc)
        data, pdf = build(doc)
        path = OUT / f"{doc.stem}.pdf"
        path.write_bytes(data)
        manifest.append({"file": f"pdf/{path.name}", **manifest_fields(doc)})
        problems = verify(path, doc, pdf)
        failed = failed or bool(problems)
        digest = hashlib.sha256(data).hexdigest()
        print(f"{path.relative_to(ROOT)}  {pdf.page:>2} pages  sha256 {digest}")
        for problem in problems:
            print(f"  PROBLEM: {problem}")
    text = json.dumps({"documents": manifest}, indent=2, ensure_ascii=False) + "\n"
    (ROOT / "manifest.json").write_text(text, encoding="utf-8")
    print(f"manifest.json: {len(manifest)} documents{'; CHECKS FAILED' if failed else ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
