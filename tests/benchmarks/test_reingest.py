"""The re-ingestion benchmark's generated versions differ in the share of paragraphs asked,
and nothing else; its comparison of search results tells equal from different."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from benchmarks.reingest import _same, write_versions


def test_the_new_version_edits_the_share_of_paragraphs_asked(tmp_path: Path) -> None:
    v1, v2 = write_versions(tmp_path, pages=6, changed=0.1)
    old = "\n".join(p.extract_text() for p in PdfReader(v1).pages)
    new = "\n".join(p.extract_text() for p in PdfReader(v2).pages)
    paragraphs = old.count("For ")
    edits = new.count("Revised.")
    assert len(PdfReader(v1).pages) >= 5
    assert edits == round(paragraphs * 0.1) and "Revised." not in old
    undone = new.replace(" is at least ", " is ").replace(" Revised.", "")
    assert " ".join(undone.split()) == " ".join(old.split())


def test_search_results_compare_by_ids_in_order_and_scores() -> None:
    one = [[("a", 0.9), ("b", 0.8)]]
    assert _same(one, [[("a", 0.9 + 1e-7), ("b", 0.8)]])
    assert not _same(one, [[("b", 0.9), ("a", 0.8)]])
    assert not _same(one, [[("a", 0.9), ("b", 0.7)]])


def test_the_shares_edited_are_read_as_fractions_and_bad_ones_refused() -> None:
    import argparse

    import pytest

    from benchmarks.reingest import _shares

    assert _shares("0.01, 0.05,0.1") == [0.01, 0.05, 0.1]
    for bad in ("", "five", "0", "1.5", "-0.1"):
        with pytest.raises(argparse.ArgumentTypeError):
            _shares(bad)
