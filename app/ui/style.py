"""The few styles the app sets over Streamlit's own: text at WCAG AA contrast."""

from __future__ import annotations

import streamlit as st

SECONDARY_OPACITY = 0.8
"""Opacity of captions and quoted passages (block quotes). Streamlit draws both at 60%,
about 3.8:1 on its light theme's backgrounds, below the 4.5:1 WCAG AA asks of text; at
80% its body text colours stay above 6:1 on the light and the dark theme's backgrounds,
and the text still reads as secondary."""

CSS = f"""<style>
[data-testid="stCaptionContainer"],
[data-testid="stMarkdownContainer"] blockquote {{
  opacity: {SECONDARY_OPACITY} !important;
}}
</style>"""


def apply() -> None:
    """Add the styles to this page (a style-only element takes no room on the page)."""
    st.html(CSS)
