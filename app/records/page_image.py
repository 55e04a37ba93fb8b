"""A cited PDF page drawn as an image, with the quoted text highlighted where the PDF
itself places it (PDFium's character boxes, not a guess from the extracted text)."""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SCALE = 1.5
"""Pixels per PDF point: 108 dpi, a US Letter page 918 x 1188 px, legible beside the chat."""
QUOTE_FILL = (255, 212, 59, 140)
"""The quoted sentence: the strong yellow of the page text's ``mark.quote``, translucent."""
PASSAGE_FILL = (255, 243, 191, 90)
_MARGIN_PT = 18
"""Blank kept either side of the text when the page's side margins are cut."""
_FALLBACK_WORDS = 8
"""A passage that runs onto the next page is found by its first (or last) eight words."""
_SENTENCE_END = re.compile(r"(?<=[.;:])\s")
# PDFium is not thread-safe, and Streamlit serves each browser session from its own thread.
_PDFIUM = threading.Lock()


@dataclass(frozen=True)
class Box:
    """A highlighted rectangle in image pixels (origin top left)."""

    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class PageImage:
    """One PDF page as a PNG, cut to the width of its text, with the cited text highlighted
    on it."""

    png: bytes
    width: int
    height: int
    page: int
    """1-based page number in the PDF."""
    found: bool
    """Whether the quote or the passage was located on the page."""
    quote_found: bool
    """Whether the quoted sentence itself was located (and drawn strongest)."""
    boxes: tuple[Box, ...]
    """The highlighted rectangles: the quote's, else the passage's."""


def render_page(path: Path, page: int, quote: str, passage: str = "") -> PageImage:
    """Draw page ``page`` (1-based) of the PDF at ``path`` and highlight ``quote`` on it;
    when the quote is not on the page, the passage (or its first or last words, for one
    that runs across a page break) is highlighted instead. Raises ``ValueError`` for a page
    the file does not have."""
    return _render(str(path), path.stat().st_mtime_ns, page, quote, passage)


@lru_cache(maxsize=64)
def _render(path: str, mtime: int, page: int, quote: str, passage: str) -> PageImage:
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    del mtime  # part of the cache key: a file replaced in place is drawn again
    with _PDFIUM:
        document = pdfium.PdfDocument(path)
        try:
            if not 1 <= page <= len(document):
                raise ValueError(f"{Path(path).name} has no page {page}")
            pdf_page = document[page - 1]
            width_pt, height_pt = pdf_page.get_size()
            chars, text = _chars(pdf_page)
            spans = _spans(text, quote, passage)
            bitmap = pdf_page.render(scale=SCALE)
            image = bitmap.to_pil().convert("RGBA")
        finally:
            document.close()
    # Cut to the text's own width (the page's side margins are blank): a page shown in a
    # narrow panel is then drawn a quarter larger.
    lefts = [box[0] for _, box in chars if box is not None]
    rights = [box[2] for _, box in chars if box is not None]
    left = max(0.0, (min(lefts, default=0.0) - _MARGIN_PT) * SCALE)
    right = min(image.width, (max(rights, default=width_pt) + _MARGIN_PT) * SCALE)
    if right - left < image.width / 3:  # hardly any text: keep the whole page
        left, right = 0.0, float(image.width)
    boxes: list[tuple[Box, tuple[int, int, int, int]]] = []
    for (start, end), fill in spans:
        boxes += [
            (Box(b.left - left, b.top, b.right - left, b.bottom), fill)
            for b in _line_boxes(chars[start:end], height_pt)
        ]
    image = image.crop((int(left), 0, int(right), image.height))
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for box, fill in boxes:
        draw.rectangle((box.left, box.top, box.right, box.bottom), fill=fill)
    out = io.BytesIO()
    Image.alpha_composite(image, layer).convert("RGB").save(out, format="PNG", optimize=True)
    quote_boxes = tuple(box for box, fill in boxes if fill == QUOTE_FILL)
    return PageImage(
        png=out.getvalue(),
        width=image.width,
        height=image.height,
        page=page,
        found=bool(spans),
        quote_found=any(fill == QUOTE_FILL for _, fill in spans),
        boxes=quote_boxes or tuple(box for box, _ in boxes),
    )


_Char = tuple[str, tuple[float, float, float, float] | None]


def _chars(pdf_page: object) -> tuple[list[_Char], str]:
    """Each character PDFium reads on the page with its loose box (None for the line breaks
    it generates), and their text, one string index per character."""
    import pypdfium2.raw as raw

    textpage = pdf_page.get_textpage()  # type: ignore[attr-defined]
    try:
        chars: list[_Char] = []
        for index in range(textpage.count_chars()):
            char = chr(raw.FPDFText_GetUnicode(textpage, index))
            generated = raw.FPDFText_IsGenerated(textpage, index) == 1
            box = None if generated or char.isspace() else textpage.get_charbox(index, loose=True)
            chars.append((char, box))
    finally:
        textpage.close()
    return chars, "".join(char for char, _ in chars)


def _spans(
    text: str, quote: str, passage: str
) -> list[tuple[tuple[int, int], tuple[int, int, int, int]]]:
    """Character spans of ``text`` to highlight, each with its fill: the passage lightly and
    the quote strongly, as the page text view marks them; the quote alone when the passage
    is not found, the passage alone when the quote is not."""
    flat, index = _normalise(text)
    spans = []
    whole = _find(flat, index, passage, partial=True) if passage else None
    if whole is not None:
        spans.append((whole, PASSAGE_FILL))
    strong = _find(flat, index, quote) if quote else None
    if strong is not None:
        spans.append((strong, QUOTE_FILL))
    return spans


def _normalise(text: str) -> tuple[str, list[int]]:
    """``text`` reduced to its letters and digits, lower case and compatibility-decomposed
    (a ligature "ﬁ" is "fi"), with the index in ``text`` of each character kept: spacing,
    line breaks, punctuation and end-of-line hyphens then no longer stop a match."""
    flat: list[str] = []
    index: list[int] = []
    for i, char in enumerate(text):
        for part in unicodedata.normalize("NFKC", char).lower():
            if part.isalnum():
                flat.append(part)
                index.append(i)
    return "".join(flat), index


def _find(
    flat: str, index: list[int], wanted: str, *, partial: bool = False
) -> tuple[int, int] | None:
    """The span in the page text of ``wanted``; with ``partial``, failing that, of its
    first (or last) words to the end (from the start) of the page, for a passage that runs
    across a page break, or of its first sentence."""
    target, _ = _normalise(wanted)
    candidates: list[tuple[str, str | None]] = [(target, None)]
    words = wanted.split()
    if partial and len(words) > _FALLBACK_WORDS:
        candidates.append((_normalise(" ".join(words[:_FALLBACK_WORDS]))[0], "to-end"))
        candidates.append((_normalise(" ".join(words[-_FALLBACK_WORDS:]))[0], "from-start"))
    if partial:
        first = _SENTENCE_END.split(wanted.strip(), maxsplit=1)[0]
        candidates.append((_normalise(first)[0], None))
    for needle, extend in candidates:
        if len(needle) < 12:  # a few letters match anywhere
            continue
        at = flat.find(needle)
        if at < 0:
            continue
        start, end = index[at], index[at + len(needle) - 1] + 1
        if extend == "to-end":
            end = index[-1] + 1
        elif extend == "from-start":
            start = index[0]
        return start, end
    return None


def _line_boxes(chars: list[_Char], height_pt: float) -> list[Box]:
    """One rectangle per line of ``chars``, in image pixels: a new line starts where a
    character does not overlap the previous one's height or lies left of it."""
    lines: list[list[float]] = []  # left, bottom, right, top in PDF points
    for _, box in chars:
        if box is None:
            continue
        left, bottom, right, top = box
        if right <= left or top <= bottom:
            continue
        last = lines[-1] if lines else None
        if last is not None and bottom < last[3] and top > last[1] and left >= last[0] - 1:
            last[0], last[1] = min(last[0], left), min(last[1], bottom)
            last[2], last[3] = max(last[2], right), max(last[3], top)
        else:
            lines.append([left, bottom, right, top])
    return [
        Box(
            left=left * SCALE,
            top=(height_pt - top) * SCALE,
            right=right * SCALE,
            bottom=(height_pt - bottom) * SCALE,
        )
        for left, bottom, right, top in lines
    ]
