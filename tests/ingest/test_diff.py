"""Version diffs: what changed between two versions, and nothing else.

On the sample mortgage guide 1.0 -> 2.0 (real PDFs) every change its revision history lists
is found, with its figures; on short texts, layout alone (line breaks, hyphenation, page
breaks, renumbering) is no change; with ``REGULATIONS_CORPUS``, a real statute edited in a
few places gives exactly those edits.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from app.models import Block, Section
from ingest.diff import VersionDiff, diff, report
from ingest.parse import parse
from ingest.sections import segment
from tests.conftest import SAMPLES


def section(section_id: str, *pages: str, title: str = "Rules") -> Section:
    blocks = tuple(
        Block(kind="text", text=text, page=n, page_label=str(n))
        for n, text in enumerate(pages, start=1)
    )
    return Section(
        section_id=section_id, title=title, path=(f"{section_id} {title}",), blocks=blocks
    )


def figures(made: VersionDiff) -> set[tuple[str, str]]:
    return {(f.before, f.after) for f in made.figures}


@pytest.fixture(scope="module")
def guide_diff() -> VersionDiff:
    old = segment(parse(SAMPLES / "pdf" / "mortgage-underwriting-guide-v1.pdf"))
    new = segment(parse(SAMPLES / "pdf" / "mortgage-underwriting-guide-v2.pdf"))
    return diff(
        old, new, doc_id="mortgage-underwriting-guide", from_version="1.0", to_version="2.0"
    )


def test_the_guide_s_listed_changes_are_all_found_with_their_figures(
    guide_diff: VersionDiff,
) -> None:
    found = figures(guide_diff)
    expected = {
        ("2025-01-15", "2026-03-01"),  # the effective date on the cover
        ("95%", "97%"),  # matrix: primary residence, one unit, LTV
        ("43%", "45%"),  # matrix: DTI
        ("75%", "70%"),  # matrix: investment 2-4 units, LTV
        ("700", "720"),  # matrix: investment 2-4 units, score
        ("30%", "35%"),  # mortgage insurance coverage
        ("6 months", "12 months"),  # reserves, two to four units
    }
    assert expected <= found, expected - found
    added = " ".join(c.new_text for c in guide_diff.changes if c.kind == "added")
    removed = " ".join(c.old_text for c in guide_diff.changes if c.kind == "removed")
    changed = [c for c in guide_diff.changes if c.kind == "changed"]
    assert "A DTI ratio above 45% is not eligible under any circumstances." in added
    assert "One year of personal and business tax returns may be accepted" in added
    assert "There is no exception authority for DTI ratios above 43%" in removed
    gift_letter = next(c for c in changed if "gifts of" in c.new_text)
    assert [w.text for w in gift_letter.words if w.op == "insert"] == ["only", "$10,000 or more."]
    assert ("", "$10,000") in {(f.before, f.after) for f in gift_letter.figures}
    assert any(
        w.op == "insert" and "fiancé(e)" in w.text
        for c in changed
        if c.new and c.new.section_id == "B3-4.3-04"
        for w in c.words
    )


def test_nothing_but_the_listed_changes_is_reported(guide_diff: VersionDiff) -> None:
    # The revision history lists the sections 2.0 revised; the cover and the history itself
    # change with every version.
    revised = {"B2-1.4-01", "B3-3.1-09", "B3-4.1-01", "B3-4.3-04", "B3-6-02"}
    places = {(c.new or c.old).section_id for c in guide_diff.changes}  # type: ignore[union-attr]
    assert places <= revised | {"", "B1-1-03"}, places - revised
    assert revised <= places
    assert guide_diff.count("moved") == 0
    assert guide_diff.unchanged > 100


def test_a_version_against_itself_has_no_changes() -> None:
    sections = segment(parse(SAMPLES / "pdf" / "heloc-underwriting-guide.pdf"))
    made = diff(sections, sections)
    assert made.changes == () and made.unchanged > 20


def test_spacing_page_breaks_and_renumbering_are_no_change() -> None:
    old = [
        section(
            "4.2",
            "(1) The maximum loan-to-value ratio is 80 percent.\n"
            "(2) Reserves of six months are required for investment properties.\n"
            "(3) An appraisal is required for every loan.",
        )
    ]
    new = [
        section(
            "4.2",
            "(1) A flood certificate is required for every property.\n"
            "(2) The maximum  loan-to-value ratio is 80\u00a0percent.\n"
            "(3) Reserves of six months are required for",
            "investment properties.\n(4) An appraisal is required for every loan.",
        )
    ]
    made = diff(old, new)
    assert [(c.kind, c.new_text) for c in made.changes] == [
        ("added", "A flood certificate is required for every property.")
    ]
    assert made.unchanged == 3


def test_a_changed_figure_is_called_out_with_what_it_is() -> None:
    old = [section("B3-6-02", "The maximum DTI ratio is 45%. Reserves of 6 months are required.")]
    new = [section("B3-6-02", "The maximum DTI ratio is 43%. Reserves of 12 months are required.")]
    made = diff(old, new)
    assert [str(f) for f in made.figures] == [
        "The maximum DTI ratio is 45% -> 43%",
        "Reserves of 6 months -> 12 months",
    ]
    text = report(made)
    assert "2 changed, 0 added, 0 removed, 0 moved" in text
    assert "The maximum DTI ratio is [-45%.-] {+43%.+}" in text


def test_a_paragraph_taken_to_another_section_is_moved() -> None:
    rule = "Gift funds may not be counted as reserves."
    old = [
        section("4.1", "Reserves are verified.", rule, title="Reserves"),
        section("4.3", "Gifts need a letter.", title="Gifts"),
    ]
    new = [
        section("4.1", "Reserves are verified.", title="Reserves"),
        section("4.3", "Gifts need a letter.", rule, title="Gifts"),
    ]
    made = diff(old, new)
    assert [(c.kind, c.old.section_id, c.new.section_id) for c in made.changes] == [  # type: ignore[union-attr]
        ("moved", "4.1", "4.3")
    ]


def test_a_rewritten_sentence_is_changed_and_an_unrelated_one_is_added_and_removed() -> None:
    old = [section("7", "Condominiums require a project review before approval.")]
    new = [
        section(
            "7",
            "Condominiums require a full project review before approval.",
            "Manufactured homes are not eligible.",
        )
    ]
    made = diff(old, new)
    assert [c.kind for c in made.changes] == ["changed", "added"]
    assert [w.text for w in made.changes[0].words if w.op == "insert"] == ["full"]


@pytest.mark.skipif(
    not os.environ.get("REGULATIONS_CORPUS"), reason="REGULATIONS_CORPUS names no folder"
)
def test_a_real_statute_edited_in_three_places_gives_exactly_those_edits(tmp_path: Path) -> None:
    source = Path(os.environ["REGULATIONS_CORPUS"]) / "uscode-title15"
    original = (source / "15usc1691_ecoa_scope-of-prohibition.md").read_text(encoding="utf-8")
    assert "thirty days" in original.lower()
    edited, count = re.subn("(?i)within thirty days", "within twenty-one days", original, count=1)
    assert count == 1
    added = "Each creditor shall keep a copy of every notice for twenty-five months."
    lines = edited.splitlines()
    # The first whole sentence of prose gets a sentence after it.
    target = next(
        i for i, line in enumerate(lines) if len(line.split()) > 20 and line.endswith(".")
    )
    lines[target] = f"{lines[target]} {added}"
    before_path, after_path = tmp_path / "before.md", tmp_path / "after.md"
    before_path.write_text(original, encoding="utf-8")
    after_path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    made = diff(segment(parse(before_path)), segment(parse(after_path)))
    kinds = sorted(c.kind for c in made.changes)
    assert kinds == ["added", "changed"], report(made)
    (new,) = [c for c in made.changes if c.kind == "added"]
    assert new.new_text == added
    (changed,) = [c for c in made.changes if c.kind == "changed"]
    assert [w.text.lower() for w in changed.words if w.op != "equal"] == [
        "thirty",
        "twenty-one",
    ]
