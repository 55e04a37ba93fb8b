"""An answer that quotes a figure another current document states differently says so:
who says what, which document is newer, what the documents say about which controls."""

from __future__ import annotations

from app.models import User

UNDERWRITER = User(name="uw1", role="underwriter")
FLOOD = "What is the maximum flood insurance deductible?"


def test_the_bulletin_s_deductible_comes_with_the_guide_s_and_which_amends_which(
    make_service,  # type: ignore[no-untyped-def]
) -> None:
    service = make_service()
    answer = service.ask(FLOOD, user=UNDERWRITER, product="mortgage")
    assert "$10,000" in answer.text
    (note,) = answer.notes
    assert "Mortgage Underwriting Guide (version 2.0" in note
    assert "\u201cThe maximum flood deductible is $5,000.\u201d" in note
    assert "The newer of the two is Credit Policy Bulletin 2026-04" in note
    assert "This Bulletin amends section B4-2.1-01" in note
    # The guide is cited too: its passage, with a marker of its own after the answer's.
    (guide,) = answer.note_citations
    assert guide.marker == max(c.marker for c in answer.citations) + 1
    assert f"\u201cThe maximum flood deductible is $5,000.\u201d [{guide.marker}]," in note
    assert (guide.doc_id, guide.version, guide.section_id) == (
        "mortgage-underwriting-guide",
        "2.0",
        "B4-2.1-01",
    )
    assert guide.quote == "The maximum flood deductible is $5,000."
    assert guide.quote in guide.passage and guide.page >= 1
    assert all(c.doc_id != "mortgage-underwriting-guide" for c in answer.citations)
    record = service.audit_trail(User(name="c", role="compliance")).get(answer.audit_id)
    assert record is not None and note in record.answer  # the note is audited with the answer
    audited = {c["marker"]: c for c in record.citations}
    assert audited[guide.marker]["note"] is True
    assert audited[guide.marker]["section_id"] == "B4-2.1-01"
    assert all("note" not in audited[c.marker] for c in answer.citations)
    from app.cli import format_answer

    shown = format_answer(answer)
    assert f"[{guide.marker}] Mortgage Underwriting Guide v2.0" in shown
    assert "page" in shown.split(f"[{guide.marker}]")[-1] and "(cited by a note)" in shown


def test_no_note_for_a_past_date_before_the_other_document_or_without_a_conflict(
    make_service,  # type: ignore[no-untyped-def]
) -> None:
    service = make_service()
    before = service.ask(FLOOD, user=UNDERWRITER, product="mortgage", as_of="2026-03-15")
    assert "$5,000" in before.text and before.notes == ()  # the bulletin was not yet in force
    dti = service.ask("What is the maximum DTI ratio?", user=UNDERWRITER, product="mortgage")
    assert not dti.abstained and dti.notes == ()


def test_only_a_sentence_of_precedence_about_its_own_document_says_which_controls() -> None:
    from app.records.conflicts import controls

    claims = [
        "Roof coverings older than 15 years must be replaced before closing.",
        "The Florida Office of Financial Regulation governs the licensing of originators.",
    ]
    assert controls(claims, "HELOC Underwriting Guide", "heloc-underwriting-guide") == ""
    said = "Where this Supplement is stricter or more specific, it controls."
    assert controls([*claims, said], "HELOC Underwriting Guide", "heloc-underwriting-guide") == said
    naming = "Where this Supplement conflicts with the HELOC Underwriting Guide, this Supplement controls."
    assert controls([said, naming], "HELOC Underwriting Guide", "heloc") == naming


GUIDE = """# Mortgage Guide

## G-1 Ratios and Scores

The maximum debt-to-income ratio for a mortgage loan is 43 percent. The minimum credit score
for a mortgage loan is 620.
"""
BULLETIN = """# Bulletin 7

## B-1 Changes

The maximum debt-to-income ratio for a mortgage loan is 50 percent. The minimum credit score
for a mortgage loan is 680.
"""
TEXAS = """# Texas Supplement

## T-1 Texas Ratios

The maximum debt-to-income ratio for a mortgage loan is 45 percent [1] per **bold** text.
"""


def test_each_note_cites_its_own_sentence_only_for_documents_in_the_question_s_scope(
    settings,
    embedding,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    """Two figures of the guide in one passage: two notes, each with a citation that quotes
    its own sentence. A Texas supplement counts for a Texas question only, and a bracketed
    number in its text is not read as a marker."""
    from app.factory import open_store
    from app.models import Citation, Filters
    from app.question.conflict_notes import ConflictNotes
    from ingest.manifest import ManifestEntry
    from ingest.pipeline import ingest

    docs = [
        ("guide", "Mortgage Guide", "US-federal", "2025-01-01", GUIDE),
        ("bulletin", "Bulletin 7", "US-federal", "2026-01-01", BULLETIN),
        ("texas", "Texas Supplement", "TX", "2025-06-01", TEXAS),
    ]
    entries = []
    for doc_id, title, state, effective, text in docs:
        path = tmp_path / f"{doc_id}.md"
        path.write_text(text, encoding="utf-8")
        fields = {"doc_id": doc_id, "title": title, "product": "mortgage",
                  "jurisdiction": state, "doc_type": "policy", "version": "1.0",
                  "effective_date": effective}  # fmt: skip
        entries.append(ManifestEntry(path=path, fields=fields))
    store = open_store(settings, embedding.dimension)
    try:
        assert all(r.reason is None for r in ingest(entries, store=store, embedding=embedding,
                                                    settings=settings))  # fmt: skip
        (bulletin,) = store.passages("bulletin", "1.0")
        quoted = " ".join(bulletin.text.split())
        answer = f"{quoted} [1]"
        cited = [Citation.from_chunk(1, bulletin, quoted)]
        watch = ConflictNotes(store)

        notes, added = watch.notes(answer, cited, Filters(jurisdiction="CA"))
        assert {c.doc_id for c in added} == {"guide"} and len(notes) == len(added) == 2
        assert sorted(c.marker for c in added) == [2, 3]
        for note in notes:
            (citation,) = [c for c in added if f"[{c.marker}]," in note]
            said = note.split("\u201c")[1].split("\u201d")[0]
            assert said in " ".join(citation.quote.split()), (note, citation.quote)

        # One marker after both sentences, its quote the first: the second's figure is
        # still the answer's, and gets its note.
        first = quoted.split(". ")[0] + "."
        notes, _ = watch.notes(answer, [Citation.from_chunk(1, bulletin, first)], Filters())
        assert len([n for n in notes if "Mortgage Guide" in n]) == 2, notes

        notes, added = watch.notes(answer, cited, Filters(jurisdiction="TX"))
        (texas,) = [n for n in notes if "Texas Supplement" in n]
        assert "45 percent \uff3b1\uff3d per" in texas and "[1] per" not in texas
        assert any(c.doc_id == "texas" for c in added)
    finally:
        store.close()
