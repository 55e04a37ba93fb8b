"""Each version's parsed sections are kept at ingestion, so a diff reads them instead of
parsing both files again; sections from another parser, or unreadable ones, are not used."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest

from app.records.library import PolicyLibrary
from ingest import kept
from ingest.parse import parse
from ingest.sections import segment
from tests.app.records.test_library import COMPLIANCE, guide

DOC = "mortgage-underwriting-guide"


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
        assert kept.kept_sections(settings, sha, source.name) == tuple(segment(parse(source)))
    expected = library.diff(DOC)
    _forget_diffs(library)
    for sha in shas:  # without the files, the diff can only come from the kept sections
        library.source(sha).unlink()  # type: ignore[union-attr]
    assert library.diff(DOC) == expected


@pytest.mark.parametrize("damage", ["other parser", "other content", "not json", "wrong shape"])
def test_unusable_kept_sections_are_parsed_again(  # type: ignore[no-untyped-def]
    library, settings, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    shas = _two_versions(library)
    expected = library.diff(DOC)
    _forget_diffs(library)
    path = kept.sections_path(settings, shas[0], "guide-1.0.pdf")
    body = json.loads(path.read_text())
    if damage == "other parser":
        path.write_text(json.dumps(body | {"parser": "0" * 16}))
    elif damage == "other content":
        path.write_text(json.dumps(body | {"sha256": shas[1]}))
    elif damage == "not json":
        path.write_bytes(path.read_bytes()[:100])
    else:
        path.write_text(json.dumps(body | {"sections": [{"section_id": 1}]}))
    assert kept.kept_sections(settings, shas[0], "guide-1.0.pdf") is None
    with caplog.at_level(logging.WARNING):
        assert library.diff(DOC) == expected
    assert ("unusable" in caplog.text) == (damage in ("not json", "wrong shape"))


def test_purge_removes_the_kept_sections(library, settings) -> None:  # type: ignore[no-untyped-def]
    shas = _two_versions(library)
    assert all(
        kept.sections_path(settings, sha, f"guide-{v}.pdf").is_file()
        for sha, v in zip(shas, ("1.0", "2.0"), strict=True)
    )
    library.purge(COMPLIANCE, DOC)
    assert not (library.folder / "sections").exists()


def test_the_parser_tag_names_the_parsing_code(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    copies = []
    for source in kept._PARSER_SOURCES:
        copy = tmp_path / source.name
        copy.write_bytes(source.read_bytes())
        copies.append(copy)
    monkeypatch.setattr(kept, "_PARSER_SOURCES", tuple(copies))
    assert kept._tag() == kept.parser_tag()
    copies[-1].write_text(copies[-1].read_text() + "\n# changed\n")
    assert kept._tag() != kept.parser_tag()


def test_the_same_bytes_read_as_markdown_and_as_text_keep_their_own_sections(settings) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    folder = Path(settings.app.data_dir)
    folder.mkdir(parents=True)
    text = "# Reserves\n\nTwo months of reserves.\n\n# Gifts\n\nGifts are allowed.\n"
    markdown, plain = folder / "reserves.md", folder / "reserves.txt"
    markdown.write_text(text)
    plain.write_text(text)
    sha = hashlib.sha256(text.encode()).hexdigest()
    for path in (markdown, plain):
        kept.keep_sections(settings, sha, path.name, segment(parse(path)))
    as_markdown, as_text = tuple(segment(parse(markdown))), tuple(segment(parse(plain)))
    assert as_markdown != as_text
    assert kept.kept_sections(settings, sha, "reserves.md") == as_markdown
    assert kept.kept_sections(settings, sha, "reserves.txt") == as_text


def test_sections_that_cannot_be_kept_never_fail_the_ingest(  # type: ignore[no-untyped-def]
    library, settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from app.models import FileOutcome

    def broken(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(kept._SECTIONS, "dump_python", broken)
    content, fields = guide("1.0")
    with caplog.at_level(logging.WARNING):
        result = library.add(COMPLIANCE, "guide-1.0.pdf", content, fields)
    assert result.outcome is FileOutcome.NEW and "could not keep the parsed sections" in caplog.text
    assert library.source(hashlib.sha256(content).hexdigest()) is not None


def test_kept_sections_nested_too_deep_are_parsed_again(library, settings) -> None:  # type: ignore[no-untyped-def]
    shas = _two_versions(library)
    expected = library.diff(DOC)
    _forget_diffs(library)
    path = kept.sections_path(settings, shas[0], "guide-1.0.pdf")
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert kept.kept_sections(settings, shas[0], "guide-1.0.pdf") is None
    assert library.diff(DOC) == expected
