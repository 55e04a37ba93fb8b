"""A cited PDF page drawn with the quote highlighted where PDFium places its characters, on
a real sample policy."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.records.page_image import SCALE, PageImage, _find, _normalise, render_page
from tests.conftest import SAMPLES

GUIDE = SAMPLES / "pdf" / "mortgage-underwriting-guide-v2.pdf"
PAGE = 3
"""The guide's first page of text, after its cover and table of contents."""
QUOTE = (
    "Every loan must be approved by a human underwriter who holds a current delegated "
    "authority letter and who documents the decision on the Underwriting Transmittal "
    "(Form CR-10); automated underwriting findings are advisory only."
)
TWO_LINES = (
    'This Guide sets out the credit standards that Harbor Point Bank, N.A. (the "Bank") '
    "applies when it underwrites closed-end, first-lien conventional mortgage loans secured "
    "by one- to four-unit residential properties in the United States."
)


def inside(image: PageImage) -> bool:
    return all(
        0 <= b.left < b.right <= image.width and 0 <= b.top < b.bottom <= image.height
        for b in image.boxes
    )


def tint(image: PageImage) -> tuple[int, int, int]:
    """The most common colour inside the first highlighted box (the page behind the text)."""
    box = image.boxes[0]
    drawn = Image.open(io.BytesIO(image.png)).convert("RGB")
    crop = drawn.crop((int(box.left) + 1, int(box.top) + 1, int(box.right) - 1, int(box.bottom)))
    colours = crop.getcolors(maxcolors=crop.width * crop.height) or []
    return max(colours)[1]  # type: ignore[return-value]


def test_the_quote_is_found_and_drawn_in_yellow_inside_the_page() -> None:
    image = render_page(GUIDE, PAGE, QUOTE)
    assert image.found and image.quote_found and image.page == PAGE
    assert Image.open(io.BytesIO(image.png)).size == (image.width, image.height)
    # The whole height of the page; its blank side margins cut off.
    assert image.height == round(792 * SCALE) and 0.7 * 612 * SCALE < image.width < 612 * SCALE
    assert len(image.boxes) == 3, image.boxes  # the sentence runs over three lines
    assert inside(image)
    # In the upper half of the page, under the section's first paragraphs.
    assert 0.2 * image.height < image.boxes[0].top < 0.5 * image.height
    red, green, blue = tint(image)
    assert red > 240 and green > 200 and blue < 200, (red, green, blue)


def test_a_quote_is_found_whatever_its_spacing_case_and_line_breaks() -> None:
    reflowed = "  ".join(TWO_LINES.upper().split(" "))
    image = render_page(GUIDE, PAGE, reflowed.replace("ONE- TO", "one-\nto"))
    assert image.quote_found and len(image.boxes) == 3 and inside(image)  # "States." alone


def test_a_quote_that_is_not_on_the_page_is_reported_not_found() -> None:
    image = render_page(GUIDE, PAGE + 1, QUOTE)
    assert not image.found and not image.quote_found and image.boxes == ()
    elsewhere = render_page(GUIDE, PAGE, "Borrowers on Mars need no reserves at all, ever.")
    assert not elsewhere.found and elsewhere.png  # the page is still drawn


def test_without_the_quote_the_passage_is_highlighted_from_its_first_words_to_the_page_end() -> (
    None
):
    """A passage that runs onto the next page: its first words are on this one."""
    runs_on = QUOTE + " This sentence stands on the next page and not on this one at all."
    image = render_page(GUIDE, PAGE, "A sentence nobody wrote.", runs_on)
    assert image.found and not image.quote_found and inside(image)
    assert image.boxes[-1].bottom > 0.9 * image.height  # to the page's foot


def test_a_page_the_file_lacks_is_an_error() -> None:
    with pytest.raises(ValueError, match="has no page 99"):
        render_page(GUIDE, 99, QUOTE)


@pytest.mark.parametrize(
    ("page", "wanted", "found"),
    [
        ("The maximum DTI is 45%.", "the maximum  dti is 45 %", "The maximum DTI is 45"),
        ("docu-\r\nments are ﬁled", "documents are filed", "docu-\r\nments are ﬁled"),
        ("A rule. Another rule.", "Something else entirely", None),
        ("Short", "short", None),  # too few letters to mean anything
    ],
)
def test_find_tolerates_spacing_hyphenation_and_ligatures(
    page: str, wanted: str, found: str | None
) -> None:
    flat, index = _normalise(page)
    span = _find(flat, index, wanted)
    assert (page[span[0] : span[1]] if span else None) == found
