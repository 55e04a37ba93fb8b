"""Rendering helpers shared by the pages: safe Markdown, answers, citations, source links."""

from __future__ import annotations

import re

import streamlit as st

from app.models import Answer, Citation
from app.workspace import Workspace

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-!|~$])")


def md(text: str) -> str:
    """Text shown as-is inside Markdown: no emphasis, links, HTML or LaTeX from policy text."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def answer_markdown(answer: Answer) -> str:
    """The answer with its inline markers kept visible as bold ``[n]``."""
    parts = re.split(r"(\[\d+\])", answer.text)
    return "".join(f"**{p}**" if re.fullmatch(r"\[\d+\]", p) else md(p) for p in parts)


def citation_label(citation: Citation, marker: int | None = None) -> str:
    number = citation.marker if marker is None else marker
    section = citation.section_title or citation.section_id
    return (
        f"[{number}] {citation.title}, version {citation.version}, "
        f"page {citation.page_label or citation.page}, {section}"
    )


def citation_body(ws: Workspace, citation: Citation, key: str) -> None:
    """The cited passage, its provenance, the page it sits on and a link to the source."""
    st.markdown(
        f"**{md(citation.title)}** · version {md(citation.version)} · effective "
        f"{citation.effective_date:%Y-%m-%d} · page {md(citation.page_label or str(citation.page))}"
    )
    st.markdown(f"Section: {md(citation.section_id)} {md(citation.section_title)}")
    st.markdown("> " + md(citation.passage).replace("\n", "  \n> "))
    view = ws.page_view(citation)
    if view is None:
        st.caption("The source file is not kept in the library, so the page cannot be shown.")
        return
    if view.pdf is not None:
        url = _media_url(view.pdf, key, view.file_name)
        printed = view.page_label or str(view.page)
        if printed != str(view.page):
            printed += f" (PDF page {view.page})"
        if url:
            st.markdown(
                f'<a href="{url}#page={view.page}" target="_blank" rel="noopener" '
                f'class="source-link">Open {md(view.file_name)} at page {printed}</a>',
                unsafe_allow_html=True,
            )
        st.download_button(
            f"Download {view.file_name}",
            view.pdf,
            file_name=view.file_name,
            mime="application/pdf",
            key=f"dl-{key}",
        )
    note = "" if view.found else " (the passage was not located exactly on this page)"
    st.caption(f"Page {view.page_label or view.page} of {view.file_name}{note}")
    st.markdown(
        '<div class="page-text" style="border:1px solid #ccc;padding:0.6rem;'
        f'font-size:0.85rem">{view.html}</div>',
        unsafe_allow_html=True,
    )


def _media_url(data: bytes, key: str, file_name: str) -> str | None:
    """A URL, private to this session, that serves the PDF inline so a browser can open it
    at a page (``#page=N``). None where no server runs (the page still offers a download)."""
    try:
        from streamlit.runtime import exists, get_instance
    except ImportError:  # pragma: no cover - very old Streamlit
        return None
    if not exists():
        return None
    try:
        return get_instance().media_file_mgr.add(
            data, "application/pdf", f"source-{key}", file_name=file_name
        )
    except Exception:
        return None
