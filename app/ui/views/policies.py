"""Policies: the library's inventory for everyone; upload, retire and purge for compliance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st

from app.errors import CopilotError
from app.models import (
    FEDERAL,
    FileOutcome,
    FileResult,
    FlaggedText,
    User,
    doc_id_from_name,
    split_values,
)
from app.ui.dates import CHOOSE, pick_date
from app.ui.render import md
from app.ui.views import changes
from app.workspace import Workspace

NEW = "A new document"
REFUSED = "Uploading, retiring and purging documents is for compliance staff."


def render(ws: Workspace, user: User) -> None:
    st.title("Policy library")
    if user.role == "compliance":
        _upload(ws, user)
    else:
        st.info(REFUSED)
    _inventory(ws)
    if user.role == "compliance":
        _lifecycle(ws, user)
    _document_view(ws)
    changes.render(ws, user)


def _upload(ws: Workspace, user: User) -> None:
    st.header("Upload policy documents")
    _show_results()
    form = st.session_state.setdefault("upload_form", 0)  # a new form after each upload
    ids = [r.doc_id for r in ws.documents()]
    chosen = st.selectbox(
        "New version of",
        [NEW, *ids],
        key=f"upload_target-{form}",
        help="Pick a document to prefill its details for a new version.",
    )
    known = ws.known_fields(chosen) if chosen != NEW else {}
    settings = ws.settings.ingest
    with st.form(f"upload-{form}", clear_on_submit=False):
        files = st.file_uploader(
            "Policy files (PDF, Markdown or text)",
            type=["pdf", "md", "txt"],
            accept_multiple_files=True,
            key=f"files-{form}",
        )
        left, right = st.columns(2)
        doc_id = left.text_input(
            "Document id",
            value=known.get("doc_id", ""),
            help="Leave empty to use each file's name (for several files at once).",
            key=f"doc_id-{form}-{chosen}",
        )
        title = right.text_input(
            "Title",
            value=known.get("title", ""),
            help="Empty: the title the file declares.",
            key=f"title-{form}-{chosen}",
        )
        products = left.multiselect(
            "Products",
            settings.products,
            default=_known(settings.products, known.get("product")) or settings.products[:1],
            key=f"product-{form}-{chosen}",
            help="Every product the document applies to; all: every product.",
        )
        doc_type = right.selectbox(
            "Document type",
            settings.doc_types,
            index=_index(settings.doc_types, known.get("doc_type")),
            key=f"doc_type-{form}-{chosen}",
        )
        jurisdictions = left.multiselect(
            "Jurisdictions",
            settings.jurisdictions,
            default=_known(settings.jurisdictions, known.get("jurisdiction", FEDERAL)),
            key=f"jurisdiction-{form}-{chosen}",
            help="US-federal, or every state the document applies in (type TX to find Texas).",
        )
        version = right.text_input(
            "Version", value="", placeholder=_next_hint(known), key=f"version-{form}-{chosen}"
        )
        effective = pick_date("Effective date", key=f"effective-{form}", where=left)
        submitted = st.form_submit_button("Ingest", type="primary")
    if not submitted:
        return
    if not files:
        st.error("Choose at least one file to upload.")
        return
    if doc_id.strip() and len(files) > 1:
        st.error("A document id names one document: upload one file, or leave the id empty.")
        return
    if not products or not jurisdictions:
        st.error("Choose at least one product and one jurisdiction.")
        return
    if effective is None:
        st.error(f"Choose the effective date: {CHOOSE}.")
        return
    results: list[FileResult] = []
    progress = st.progress(0.0, text="Ingesting…")
    for n, upload in enumerate(files, start=1):
        progress.progress(
            (n - 1) / len(files), text=f"Ingesting {md(upload.name)} ({n}/{len(files)})"
        )
        fields = upload_fields(
            upload.name,
            doc_id=doc_id,
            title=title,
            products=products,
            jurisdictions=jurisdictions,
            doc_type=doc_type,
            version=version,
            effective=effective,
        )
        try:
            result = ws.library.add(user, upload.name, upload.getvalue(), fields)
        except CopilotError as exc:
            result = FileResult(path=Path(upload.name), outcome=FileOutcome.FAILED, reason=str(exc))
        results.append(result)
    progress.progress(1.0, text="Done")
    # Shown once by the next run, above a new, empty form: the files and fields of this
    # upload must not be sent again with the next one.
    st.session_state["upload_results"] = results
    st.session_state["upload_form"] = form + 1
    st.rerun()


def upload_fields(
    file_name: str,
    *,
    doc_id: str,
    title: str,
    products: Sequence[str],
    jurisdictions: Sequence[str],
    doc_type: str,
    version: str,
    effective: date,
) -> dict[str, Any]:
    """One uploaded file's metadata from the form (the library checks it against the
    configured vocabulary): an empty doc id becomes the file's name, an empty title the
    one the file declares."""
    return {
        "doc_id": doc_id.strip() or doc_id_from_name(file_name),
        "title": title.strip() or None,
        "product": list(products),
        "jurisdiction": list(jurisdictions),
        "doc_type": doc_type,
        "version": version.strip(),
        "effective_date": effective.isoformat(),
    }


def _show_results() -> None:
    """The result of the last upload, once."""
    results: list[FileResult] = st.session_state.pop("upload_results", [])
    if not results:
        return
    for r in results:
        name = md(r.path.name)
        match r.outcome:
            case "new":
                st.success(
                    f"{name}: new document {md(r.doc_id or '')} version "
                    f"{md(r.version or '')} ({r.chunks} passages, {r.pages} pages)."
                )
            case "replaced":
                st.success(
                    f"{name}: {md(r.doc_id or '')} version {md(r.version or '')} replaces "
                    f"version {md(r.previous_version or '')} ({r.chunks} passages). What "
                    "changed, and the answers it touches, is under **Changes between "
                    "versions** below."
                )
                st.session_state["changes_pick"] = r.doc_id  # the changes view opens on it
            case "unchanged":
                st.info(
                    f"{name}: unchanged; {md(r.doc_id or '')} version "
                    f"{md(r.version or '')} already holds this file."
                )
            case _:
                st.error(f"{name}: failed. {md(r.reason or 'unknown reason')}")
        if r.flagged and r.outcome != "failed":
            _flagged(r.flagged)


def _flagged(flagged: tuple[FlaggedText, ...]) -> None:
    """Sentences written at a model or the reader: never quoted, shown for review."""
    st.warning(
        f"{len(flagged)} sentence(s) in this document address a model or the reader as a "
        "command. They are never quoted in answers; check whether the document was tampered "
        "with:\n\n" + "\n".join(f"- page {f.page}, {md(f.section)}: {md(f.text)}" for f in flagged)
    )


def _inventory(ws: Workspace) -> None:
    st.header("Documents and versions")
    rows = [
        {
            "doc id": r.doc_id,
            "title": v.meta.title,
            "version": v.meta.version,
            "status": "retired" if r.retired else str(v.status),
            "effective": v.meta.effective_date.isoformat(),
            "product": ", ".join(v.meta.product),
            "jurisdiction": ", ".join(v.meta.jurisdiction),
            "type": v.meta.doc_type,
            "pages": v.pages,
            "passages": v.chunks,
            "flagged": len(v.flagged),
            "file": v.file_name,
            "ingested": v.ingested_at.strftime("%Y-%m-%d %H:%M"),
        }
        for r in ws.documents()
        for v in sorted(r.versions, key=lambda v: v.meta.effective_date, reverse=True)
    ]
    if not rows:
        st.info("The library is empty.")
        return
    st.dataframe(rows, hide_index=True, width="stretch")


def _lifecycle(ws: Workspace, user: User) -> None:
    st.header("Retire or purge")
    ids = [r.doc_id for r in ws.documents()]
    if not ids:
        return
    doc_id = st.selectbox("Document", ids, key="lifecycle_doc")
    retire_col, purge_col = st.columns(2)
    with retire_col:
        st.caption("Retire: keep its history, stop citing it (a new version reinstates it).")
        sure = st.checkbox(f"Retire {md(doc_id)}: I confirm", key=f"retire-ok-{doc_id}")
        if st.button("Retire", disabled=not sure, key="retire"):
            _act(lambda: ws.library.retire(user, doc_id), f"{md(doc_id)} is retired.")
    with purge_col:
        st.caption("Purge: delete every version and its passages from the index for good.")
        typed = st.text_input("Type the document id to confirm", key=f"purge-ok-{doc_id}")
        if st.button("Purge", disabled=typed.strip() != doc_id, key="purge"):
            _act(lambda: ws.library.purge(user, doc_id), f"{md(doc_id)} is purged.")
    if message := st.session_state.pop("lifecycle_message", None):
        st.success(message)


def _act(action: Any, message: str) -> None:
    try:
        action()
    except CopilotError as exc:
        st.error(md(str(exc)))
        return
    st.session_state["lifecycle_message"] = message
    st.rerun()


def _document_view(ws: Workspace) -> None:
    st.header("Sections and passages")
    documents = ws.documents()
    if not documents:
        return
    doc_id = st.selectbox("Document to inspect", [r.doc_id for r in documents], key="view_doc")
    record = next(r for r in documents if r.doc_id == doc_id)
    versions = [v.meta.version for v in record.versions]
    version = st.selectbox("Version", versions, index=len(versions) - 1, key=f"view-{doc_id}")
    sections: dict[str, list[dict[str, Any]]] = {}
    for payload in ws.library.chunks(doc_id, version):
        sections.setdefault(
            f"{payload['section_id']} {payload['section_title']}".strip(), []
        ).append(payload)
    st.caption(f"{len(sections)} sections, {sum(map(len, sections.values()))} passages")
    flagged = next(v.flagged for v in record.versions if v.meta.version == version)
    if flagged:
        _flagged(flagged)
    for heading, chunks in sections.items():
        pages = sorted({c["page_label_start"] for c in chunks})
        with st.expander(md(f"{heading} (page {', '.join(pages)})")):
            for c in chunks:
                st.markdown(md(c["text"]))
                st.divider()


def _index(options: list[str], value: str | None) -> int:
    return options.index(value) if value in options else 0


def _known(options: list[str], values: str | None) -> list[str]:
    """Of a known document's values (``mortgage, heloc``), those the form offers."""
    return [v for v in split_values(values or "") if v in options]


def _next_hint(known: dict[str, str]) -> str:
    return f"current: {known['version']}" if known else "e.g. 1.0"
