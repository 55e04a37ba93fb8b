"""The app's styles: captions and quoted passages reach WCAG AA contrast in both themes."""

from __future__ import annotations

import pytest

from app.ui.style import CSS, SECONDARY_OPACITY

# Streamlit's theme colours: (body text, page background, secondary background).
THEMES = {
    "light": ("#2F2D2B", "#FFFFFF", "#F8F8F7"),
    "dark": ("#EDEBE8", "#171614", "#2D2B27"),
}
AA = 4.5


def rgb(colour: str) -> tuple[int, ...]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def luminance(colour: tuple[float, ...]) -> float:
    def channel(value: float) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(text: str, background: str, opacity: float) -> float:
    fg = tuple(
        opacity * t + (1 - opacity) * b for t, b in zip(rgb(text), rgb(background), strict=True)
    )
    light, dark = sorted((luminance(fg), luminance(rgb(background))), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("theme", THEMES)
def test_secondary_text_reaches_aa_on_every_background(theme: str) -> None:
    text, *backgrounds = THEMES[theme]
    for background in backgrounds:
        assert contrast(text, background, SECONDARY_OPACITY) >= AA, (theme, background)
        if theme == "light":  # where Streamlit's own 60% falls short
            assert contrast(text, background, 0.6) < AA


def test_the_style_covers_captions_and_passages() -> None:
    assert '[data-testid="stCaptionContainer"]' in CSS
    assert "blockquote" in CSS and f"opacity: {SECONDARY_OPACITY}" in CSS
