"""Citations beside the answer: the answer's ``[n]`` markers as buttons, and the panel that
shows the source a marker points to (the PDF page drawn with the quote highlighted)."""

from __future__ import annotations

import base64
import re
from functools import partial
from typing import Any

import streamlit as st

from app.models import Answer, Citation
from app.tabular import Table, split_tables
from app.ui.render import (
    NO_SOURCE,
    NOT_LOCATED,
    md,
    page_text,
    passage,
    printed_page,
    provenance,
    source_links,
)
from app.workspace import Workspace

SELECTED = "citation"
"""Session key of the citation the panel shows: ``(answer index, marker)``."""
_DIALOG = "citation_dialog"
NARROW_PX = 640
"""Below this width Streamlit stacks columns, so the panel would fall under the whole
conversation: a marker then opens the source in a dialog instead."""

# The answer arrives as data and becomes text nodes (textContent), never HTML: a model's or
# a document's words cannot become markup, a link or a script here.
_JS = f"""
function marker(part, data, setTriggerValue) {{
  const button = document.createElement("button");
  button.type = "button";
  button.className = "copilot-marker";
  button.textContent = "[" + part.n + "]";
  button.title = part.label;
  button.setAttribute("aria-label", "Show source " + part.n + ": " + part.label);
  button.setAttribute("aria-pressed", String(part.n === data.selected));
  button.onclick = () => setTriggerValue(
    "marker", {{ n: part.n, narrow: window.innerWidth < {NARROW_PX} }}
  );
  return button;
}}

function cell(tag, text) {{
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}}

function table(spec, data, setTriggerValue) {{
  const node = document.createElement("table");
  node.className = "copilot-table";
  if (spec.caption) node.appendChild(cell("caption", spec.caption));
  const marked = spec.rows.some((row) => row.markers.length > 0);
  const head = node.createTHead().insertRow();
  for (let i = 0; i < spec.width; i++) {{
    const th = cell("th", spec.header[i] || "");
    th.scope = "col";
    head.appendChild(th);
  }}
  if (marked) head.appendChild(cell("th", "Source"));
  const body = node.createTBody();
  for (const row of spec.rows) {{
    const tr = body.insertRow();
    for (let i = 0; i < spec.width; i++) tr.appendChild(cell("td", row.cells[i] || ""));
    if (marked) {{
      const td = document.createElement("td");
      td.className = "copilot-row-markers";
      for (const part of row.markers) {{
        td.appendChild(
          typeof part === "string"
            ? document.createTextNode(part)
            : marker(part, data, setTriggerValue)
        );
      }}
      tr.appendChild(td);
    }}
  }}
  return node;
}}

export default function (component) {{
  const {{ data, setTriggerValue, parentElement }} = component;
  let root = parentElement.querySelector(".copilot-answer");
  if (!root) {{
    root = document.createElement("div");
    root.className = "copilot-answer";
    parentElement.appendChild(root);
  }}
  root.replaceChildren();
  for (const part of data.parts) {{
    if (typeof part === "string") {{
      root.appendChild(document.createTextNode(part));
    }} else if (part.table) {{
      root.appendChild(table(part.table, data, setTriggerValue));
    }} else {{
      root.appendChild(marker(part, data, setTriggerValue));
    }}
  }}
}}
"""
_CSS = """
.copilot-answer { white-space: pre-wrap; line-height: 1.6; margin-bottom: 0.5rem; }
.copilot-marker {
  font: inherit; font-weight: 600; color: #0054a3; background: none; cursor: pointer;
  border: 1px solid transparent; border-radius: 0.25rem; padding: 0 0.1rem; margin: 0;
}
.copilot-marker:hover, .copilot-marker:focus-visible { border-color: #0054a3; }
.copilot-marker[aria-pressed="true"] { background: #fff3bf; border-color: #0054a3; }
.copilot-table {
  border-collapse: collapse; margin: 0.25rem 0 0.5rem; white-space: normal;
  display: block; max-width: 100%; overflow-x: auto;
}
.copilot-table caption { caption-side: top; text-align: left; font-weight: 600; }
.copilot-table th, .copilot-table td {
  border: 1px solid #c8c8c8; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top;
}
.copilot-table th { background: #f3f4f6; }
.copilot-row-markers { white-space: nowrap; }
"""
# Not style-isolated: the answer stays in the page's own text (what a reader selects and
# copies, and what a browser test reads), and the class names above are the app's own.
_markers = st.components.v2.component(
    "copilot_answer_markers", js=_JS, css=_CSS, isolate_styles=False
)


def answer_with_markers(answer: Answer, index: int) -> None:
    """The answer's text with each ``[n]`` a button that shows citation n in the panel."""
    labels = {c.marker: short_label(c) for c in answer.citations}
    parts: list[Any] = []
    for block in split_tables(answer.text):
        if isinstance(block, Table):
            # A quoted table is drawn as one, its cells text nodes; the row's markers last.
            rows = [
                {"cells": list(row.cells), "markers": _with_markers(row.markers, labels)}
                for row in block.rows
            ]
            spec = {"caption": block.caption, "header": list(block.header), "rows": rows}
            parts.append({"table": {**spec, "width": block.width}})
            continue
        parts.extend(_with_markers(block.text, labels, keep_text=True))
    chosen = st.session_state.get(SELECTED)
    key = f"answer-{index}"
    _markers(
        key=key,
        data={"parts": parts, "selected": chosen[1] if chosen and chosen[0] == index else None},
        on_marker_change=partial(_clicked, index, key),
    )


def _with_markers(text: str, labels: dict[int, str], *, keep_text: bool = False) -> list[Any]:
    """``text`` as pieces: each ``[n]`` of a citation a marker, the rest text (dropped unless
    ``keep_text``: a table row's markers stand alone in their cell)."""
    parts: list[Any] = []
    for piece in re.split(r"(\[\d+\])", text):
        number = int(piece[1:-1]) if re.fullmatch(r"\[\d+\]", piece) else None
        if number in labels:
            parts.append({"n": number, "label": labels[number]})
        elif piece and (keep_text or piece.strip()):
            parts.append(piece)
    return parts


def _clicked(index: int, key: str) -> None:
    """Choose the clicked marker before the page is drawn again (so the answer shows it
    pressed, and the panel shows its source, in the same run)."""
    clicked = st.session_state[key].get("marker")
    if isinstance(clicked, dict) and isinstance(clicked.get("n"), int):
        st.session_state[SELECTED] = (index, clicked["n"])
        st.session_state[_DIALOG] = bool(clicked.get("narrow"))


def short_label(citation: Citation) -> str:
    """Plain text (for a tooltip): ``title, page p``."""
    return f"{citation.title}, page {citation.page_label or citation.page}"


def selected(conversation: list[Answer]) -> Citation | None:
    """The citation chosen by a marker in this conversation, if it still exists."""
    chosen = st.session_state.get(SELECTED)
    if not chosen or not 0 <= chosen[0] < len(conversation):
        return None
    return next((c for c in conversation[chosen[0]].citations if c.marker == chosen[1]), None)


def panel(ws: Workspace, conversation: list[Answer]) -> None:
    """The chosen citation, or a hint; a click on a narrow screen opens it in a dialog too."""
    citation = selected(conversation)
    with st.container(border=True, key="citation-panel"):
        if citation is None:
            st.caption(
                "Sources: click a numbered marker such as [1] in an answer to see the "
                "passage here, on its page of the source document."
                if conversation
                else "Sources of the answers show here."
            )
            return
        _source(ws, citation, chosen_answer(), "panel")
    if st.session_state.pop(_DIALOG, False):
        _dialog(ws, citation, chosen_answer())


def chosen_answer() -> int:
    """The position (1 first) in the conversation of the answer whose marker was chosen."""
    return int(st.session_state[SELECTED][0]) + 1


@st.dialog("Source", width="large")
def _dialog(ws: Workspace, citation: Citation, answer: int) -> None:
    _source(ws, citation, answer, "dialog")


def _source(ws: Workspace, citation: Citation, answer: int, where: str) -> None:
    # Which answer it belongs to: a conversation cites the same [1] many times.
    st.markdown(f"**Source {md(f'[{citation.marker}]')}** of answer {answer}")
    provenance(citation)
    view = ws.page_view(citation)
    if view is None:
        passage(citation)
        st.caption(NO_SOURCE)
        return
    if not page_picture(ws, citation, where):
        page_text(view)  # Markdown and text sources: the passage in context
    source_links(view)
    passage(citation)


_VIEWER_JS = """
export default function (component) {
  const { data, parentElement } = component;
  let box = parentElement.querySelector(".copilot-page");
  if (!box) {
    box = document.createElement("div");
    box.className = "copilot-page";
    box.appendChild(document.createElement("img"));
    parentElement.appendChild(box);
  }
  const img = box.querySelector("img");
  const place = () => {
    // The first highlighted line a quarter of the way down the visible part of the page.
    const scale = img.clientWidth / data.width;
    box.scrollTop = Math.max(0, data.top * scale - box.clientHeight / 4);
  };
  img.onload = place;
  img.className = "page-image";
  img.alt = data.alt;
  img.dataset.page = String(data.page);
  img.width = data.width;
  img.height = data.height;
  if (img.getAttribute("src") !== data.src) img.src = data.src; else place();
}
"""
_VIEWER_CSS = """
.copilot-page { max-height: 70vh; overflow-y: auto; border: 1px solid #ccc; }
.copilot-page img { display: block; width: 100%; height: auto; }
"""
_viewer = st.components.v2.component(
    "copilot_page_image", js=_VIEWER_JS, css=_VIEWER_CSS, isolate_styles=False
)


def page_picture(ws: Workspace, citation: Citation, where: str) -> bool:
    """The cited PDF page drawn with the quote highlighted, scrolled to it, and a caption
    naming the page; False when it cannot be drawn (not a PDF, or the file is gone). The
    image travels inside the page as a ``data:`` URL, like the source file's links: nothing
    goes on Streamlit's public ``/media`` route."""
    image = ws.page_image(citation)
    if image is None:
        return False
    note = "" if image.found else NOT_LOCATED
    shown = f"Page {printed_page(citation.page_label, image.page)} of {citation.file_name}{note}"
    _viewer(
        key=f"{where}-page",
        data={
            "src": "data:image/png;base64," + base64.b64encode(image.png).decode("ascii"),
            "alt": shown + (", the quoted passage highlighted" if image.found else ""),
            "page": image.page,
            "width": image.width,
            "height": image.height,
            "top": image.boxes[0].top if image.boxes else 0,
        },
    )
    st.caption(md(shown))
    return True
