"""Rendering helpers shared by the pages: text made literal for Markdown, answers, citations,
and files handed to this browser session only."""

from __future__ import annotations

import base64
import html
import json
import re

import streamlit as st

from app.models import Citation
from app.tabular import Table, markdown_table, split_tables
from app.text import KIND_LABELS, lead_ins
from app.workspace import PageView, Workspace

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
"""Every ASCII punctuation sign: CommonMark lets each be backslash-escaped."""
_JOINER = "\u2060"
"""WORD JOINER: invisible, and not part of any URL, e-mail address or short code."""
_AUTOLINKED = re.compile(r"(?<=[:@])|(?<=www)(?=\.)", re.IGNORECASE)


def md(text: str) -> str:
    """``text`` shown literally wherever Streamlit reads Markdown (bodies, captions, alerts,
    labels of expanders and widgets): no emphasis, link, image, HTML, entity, LaTeX, emoji or
    icon code, colour directive, heading or list comes out of a document, a user or a model.

    Escaping is not enough on its own: Streamlit's renderer turns a URL, ``www.`` name or
    e-mail address in plain text into a link (GitHub's autolinks, found after escapes are
    undone), as it turns ``:name:`` into an emoji or icon. An invisible word joiner after each
    ``:`` and ``@`` and inside ``www.`` keeps them text; what the reader sees is unchanged.
    """
    return _PUNCTUATION.sub(r"\\\1", _AUTOLINKED.sub(_JOINER, text))


def citation_label(citation: Citation, marker: int | None = None) -> str:
    """An expander label: ``[n] title, version v, page p, paragraph`` (the section where no
    finer paragraph is known; Markdown, made literal)."""
    number = citation.marker if marker is None else marker
    section = citation.paragraph or citation.section_title or citation.section_id
    return f"[{number}] " + md(
        f"{citation.title}, version {citation.version}, "
        f"page {citation.page_label or citation.page}, {section}"
    )


def citation_body(ws: Workspace, citation: Citation) -> None:
    """The cited passage, its provenance, the page it sits on and links to the source file."""
    provenance(citation)
    passage(citation)
    view = ws.page_view(citation)
    if view is None:
        st.caption(NO_SOURCE)
        return
    source_links(view)
    page_text(view)


NO_SOURCE = "The source file is not kept in the library, so the page cannot be shown."


def provenance(citation: Citation) -> None:
    """Document, version, effective date, page, then the section."""
    st.markdown(
        f"**{md(citation.title)}** · version {md(citation.version)} · effective "
        f"{citation.effective_date:%Y-%m-%d} · page {md(citation.page_label or str(citation.page))}"
    )
    kind = f" ({KIND_LABELS[citation.kind]})" if citation.kind in KIND_LABELS else ""
    st.markdown(f"Section: {md(citation.section_id)} {md(citation.section_title)}{kind}")
    if citation.paragraph:
        st.markdown(f"Paragraph: {md(citation.paragraph)}")
    if within := lead_ins(citation.context):
        # What the passage is read within: the lead-in of the list it is an item of.
        st.markdown(f"Within: {md(' > '.join(within))}")


def passage(citation: Citation) -> None:
    """The cited passage as a quotation (text, never Markdown); a table in it as a table."""
    for part in split_tables(citation.passage, answer=False):
        if isinstance(part, Table):
            st.markdown(table_markdown(part))
        elif part.text.strip():
            st.markdown("> " + md(part.text.strip("\n")).replace("\n", "  \n> "))


def table_markdown(table: Table) -> str:
    """A table as a Markdown table whose every cell is literal text (:func:`md` escapes the
    bars too, so a cell cannot end early or add a column)."""
    return markdown_table(table, md)


def source_links(view: PageView) -> None:
    """For a PDF: links that open it at the cited page and download it."""
    if view.pdf is None:
        return
    printed = printed_page(view.page_label, view.page)
    private_file(
        view.pdf,
        view.file_name,
        "application/pdf",
        download=f"Download {view.file_name}",
        open_label=f"Open {view.file_name} at page {printed}",
        page=view.page,
    )


def printed_page(label: str, page: int) -> str:
    """The page as printed on it, with the PDF's own page number when they differ."""
    printed = label or str(page)
    return printed if printed == str(page) else f"{printed} (PDF page {page})"


NOT_LOCATED = " (the passage was not located exactly on this page)"


def page_text(view: PageView) -> None:
    """The page's text with the passage marked (escaped by :func:`app.workspace.highlight`)."""
    note = "" if view.found else NOT_LOCATED
    st.caption(md(f"Page {view.page_label or view.page} of {view.file_name}{note}"))
    st.markdown(
        '<div class="page-text" style="border:1px solid #ccc;padding:0.6rem;'
        f'font-size:0.85rem">{view.html}</div>',
        unsafe_allow_html=True,
    )


_FILE_LINKS = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; font-family: "Source Sans", "Source Sans Pro", sans-serif; font-size: 1rem;
  line-height: 1.6; color: #31333f; }}
a {{ color: #0054a3; display: block; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }}
a:not([href]) {{ visibility: hidden; }}
</style></head><body>{links}<script>
const text = atob("{data}");
const bytes = new Uint8Array(text.length);
for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
const url = URL.createObjectURL(new Blob([bytes], {{ type: {mime} }}));
for (const link of document.querySelectorAll("a[data-suffix]")) {{
  link.href = url + link.dataset.suffix;
}}
</script></body></html>"""


def private_file(
    data: bytes,
    file_name: str,
    mime: str,
    *,
    download: str,
    open_label: str | None = None,
    page: int | None = None,
) -> None:
    """Links that open (at ``page``, for a PDF) and download ``data``, for this browser session
    only.

    The bytes travel inside the page over the session's own websocket, and a script in the
    element's frame turns them into a ``blob:`` URL, which exists only in this browser tab and
    only while the element is shown. Nothing is put on Streamlit's ``/media`` route (what
    ``st.download_button`` and media files use): that route answers anyone who has the URL,
    without a cookie, until no session shows the file.
    """
    links = []
    if open_label is not None:
        suffix = f"#page={page}" if page is not None else ""
        links.append(
            f'<a class="source-link" target="_blank" rel="noopener" data-suffix="{suffix}">'
            f"{html.escape(open_label)}</a>"
        )
    links.append(
        f'<a class="source-download" download="{html.escape(file_name)}" data-suffix="">'
        f"{html.escape(download)}</a>"
    )
    st.iframe(
        _FILE_LINKS.format(
            links="".join(links),
            data=base64.b64encode(data).decode("ascii"),
            mime=json.dumps(mime).replace("<", "\\u003c"),
        ),
        height=28 * len(links),  # a line per link (long names end in an ellipsis)
        alt=download,
    )
