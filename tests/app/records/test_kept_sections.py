"""Each version's parsed sections are kept at ingestion, so a diff reads them instead of
parsing both files again; sections from another parser, or unreadable ones, are not used."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest

from app.factory import open_store
from app.records.library import PolicyLibrary
from ingest import kept
from ingest.parse import parse
from ingest.sections import segment
from tests.app.records.test_library import COMPLIANCE, guide

DOC = "mortgage-underwriting-guide"


@pytest.fixture
def library(settings, embedding):  # type: ignore[no-untyped-def]
    store = open_store(settings, embedding.dimension)
    yield PolicyLibrary(settings, store, embedding)
    store.close()


def _two_versions(library: PolicyLibrary) -> list[str]:
    shas = []
    for version in ("1.0", "2.0"):
        content, fields = guide(version)
        library.add(COMPLIANCE, f"guide-{version}.pdf", content, fields)
        shas.append(hashlib.sha256(content).hexdigest())
    return shas


def _forget_diffs(library: PolicyLibrary) -> None:
    for path in (library.folder / "diffs").rglob("*.json"):
        path.unlink()


def test_kept_sections_are_the_parsed_ones_and_serve_the_diff(library, settings) -> None:  # type: ignore[no-untyped-def]
    shas = _two_versions(library)
    for sha in shas:
        source = library.source(sha)
        assert source is not None
        assert kept.kept_sections(settings, sha) == tuple(segment(parse(source)))
    expected = library.diff(DOC)
    _forget_diffs(library)
    for sha in shas:  # without the files, the diff can only come from the kept sections
        library.source(sha).unlink()  # type: ignore[union-attr]
    assert library.diff(DOC) == expected


@pytest.mark.parametrize("damage", ["other parser", "not json", "wrong shape"])
def test_unusable_kept_sections_are_parsed_again(  # type: ignore[no-untyped-def]
    library, settings, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    shas = _two_versions(library)
    expected = library.diff(DOC)
    _forget_diffs(library)
    path = kept.sections_path(settings, shas[0])
    body = json.loads(path.read_text())
    if damage == "other parser":
        path.write_text(json.dumps(body | {"parser": "0" * 16}))
    elif damage == "not json":
        path.write_bytes(path.read_bytes()[:100])
    else:
        path.write_text(json.dumps(body | {"sections": [{"section_id": 1}]}))
    assert kept.kept_sections(settings, shas[0]) is None
    with caplog.at_level(logging.WARNING):
        assert library.diff(DOC) == expected
    assert ("unreadable" in caplog.text) == (damage != "other parser")


def test_purge_removes_the_kept_sections(library, settings) -> None:  # type: ignore[no-untyped-def]
    shas = _two_versions(library)
    assert all(kept.sections_path(settings, sha).is_file() for sha in shas)
    library.purge(COMPLIANCE, DOC)
    assert not (library.folder / "sections").exists()


def test_the_parser_tag_names_the_parsing_code(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = kept.parser_tag()
    copy = tmp_path / "ingest"
    copy.mkdir()
    for name in kept._PARSER_MODULES:
        (copy / f"{name}.py").write_bytes(
            (kept.Path(kept.__file__).parent / f"{name}.py").read_bytes()
        )
    (copy / "sections.py").write_text((copy / "sections.py").read_text() + "\n# changed\n")
    monkeypatch.setattr(kept, "__file__", str(copy / "kept.py"))
    kept.parser_tag.cache_clear()
    try:
        assert kept.parser_tag() != before
    finally:
        kept.parser_tag.cache_clear()
