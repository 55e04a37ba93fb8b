"""The web app's back end: cited pages with the passage marked, prefilled upload fields,
kept source files, first-start seeding and evaluation runs."""

from __future__ import annotations

import json
from pathlib import Path

from app.workspace import PASSAGE_MARK, QUOTE_MARK, highlight


def test_highlight_marks_the_passage_and_the_quote_across_reflowed_lines() -> None:
    page = (
        "3.1 Scope\nThe maximum DTI is 45% for\nsalaried applicants. Others need 40%.\n"
        "Other text <b>here</b>."
    )
    passage = "The maximum DTI is 45% for salaried applicants. Others need 40%."
    html, found = highlight(page, passage, "The maximum DTI is 45% for salaried applicants.")
    assert found
    assert html == (
        "3.1 Scope<br>"
        f"{PASSAGE_MARK}{QUOTE_MARK}The maximum DTI is 45% for<br>salaried applicants</mark>. "
        "Others need 40%</mark>.<br>Other text &lt;b&gt;here&lt;/b&gt;."
    )


def test_a_passage_running_onto_the_next_page_is_marked_to_the_page_end() -> None:
    page = "Intro. " + " ".join(f"w{i}" for i in range(30)) + " tail"
    passage = " ".join(f"w{i}" for i in range(12, 30)) + " tail continues onto the next page"
    html, found = highlight(page, passage)
    assert found
    assert (
        html
        == f"Intro. {' '.join(f'w{i}' for i in range(12))} {PASSAGE_MARK}"
        + " ".join(f"w{i}" for i in range(12, 30))
        + " tail</mark>"
    )


def test_highlight_reports_a_passage_that_is_not_there() -> None:
    html, found = highlight("Nothing relevant on this page.", "The maximum LTV is 80%.")
    assert not found and "<mark" not in html


def test_page_view_of_a_citation(app_workspace) -> None:  # type: ignore[no-untyped-def]
    ws, service, user = app_workspace
    answer = service.ask("What is the maximum DTI ratio for a personal loan?", user=user)
    citation = answer.citations[0]
    view = ws.page_view(citation)
    assert view is not None and view.found
    assert view.pdf is not None and view.pdf[:5] == b"%PDF-"
    assert view.page == citation.page
    assert view.html.count(PASSAGE_MARK) == 1
    assert view.html.count(QUOTE_MARK) == 1


def test_known_fields_prefill_a_new_version(app_workspace) -> None:  # type: ignore[no-untyped-def]
    ws, _, _ = app_workspace
    fields = ws.known_fields("mortgage-underwriting-guide")
    assert fields["version"] == "2.0"  # the current version, not the first
    assert fields["product"] == "mortgage" and fields["effective_date"] == "2026-03-01"
    assert ws.known_fields("texas-home-equity-supplement")["product"] == "mortgage, heloc"
    assert ws.known_fields("no-such-document") == {}


def test_eval_runs_are_read_oldest_first_and_bad_ones_skipped(
    app_workspace, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from app.settings import load_settings
    from app.workspace import Workspace

    shared, service, _ = app_workspace
    # Its own data folder: the sample library's is shared by the whole session.
    settings = load_settings(app={"data_dir": tmp_path / "data"})
    ws = Workspace(settings, service=service, library=shared.library)
    for stamp, value in (("2026-11-02T020000Z", 0.7), ("2026-11-01T020000Z", 0.6)):
        folder = ws.reports_folder / stamp
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text(json.dumps({"metrics": {"m": value}}))
    broken = ws.reports_folder / "2026-11-03T020000Z"
    broken.mkdir()
    (broken / "summary.json").write_text("{not json")
    runs = ws.eval_runs()
    assert [r.summary["metrics"]["m"] for r in runs] == [0.6, 0.7]


def test_seed_fills_an_empty_library_once(settings, embedding) -> None:  # type: ignore[no-untyped-def]
    from app.factory import open_store
    from app.records.library import PolicyLibrary
    from tests.conftest import SAMPLE_MANIFEST

    store = open_store(settings, embedding.dimension)
    try:
        library = PolicyLibrary(settings, store, embedding)
        first = library.seed(SAMPLE_MANIFEST)
        assert first and all(r.outcome != "failed" for r in first)
        assert library.seed(SAMPLE_MANIFEST) == []  # not empty any more: nothing happens
        # Each ingested file is kept for citations, under its content hash.
        for record in library.documents():
            for version in record.versions:
                kept = library.source(version.sha256)
                assert kept is not None and kept.name == version.file_name
    finally:
        store.close()
    assert isinstance(settings.app.data_dir, Path)


def test_page_view_is_remembered_until_the_document_is_purged(
    settings, embedding, service_parts
) -> None:  # type: ignore[no-untyped-def]
    from app.factory import build_service, open_store
    from app.models import User
    from app.records.library import PolicyLibrary
    from app.workspace import Workspace
    from tests.conftest import SAMPLE_MANIFEST

    _, redactor = service_parts
    store = open_store(settings, embedding.dimension)
    try:
        library = PolicyLibrary(settings, store, embedding)
        library.seed(SAMPLE_MANIFEST)
        service = build_service(settings, embedding=embedding, store=store, redactor=redactor)
        ws = Workspace(settings, service=service, library=library)
        user = User(name="ana", role="compliance")
        answer = service.ask("What is the maximum APR on a personal loan?", user=user)
        citation = next(c for c in answer.citations if c.doc_id == "personal-loan-policy")
        first = ws.page_view(citation)
        assert first is not None and ws.page_view(citation) is first  # remembered
        library.purge(user, "personal-loan-policy")
        assert ws.page_view(citation) is None  # gone with the document
        service.close()
    finally:
        store.close()
