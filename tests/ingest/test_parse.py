"""Parsing real PDFs: the sample policies as built, and every kind of bad input."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from app.errors import DocumentError
from ingest.parse import parse
from ingest.sections import segment
from tests.conftest import SAMPLES
from tests.ingest import helpers

PDFS = SAMPLES / "pdf"


@pytest.mark.parametrize(
    ("file", "section_id", "label"),
    [
        ("mortgage-underwriting-guide-v2", "B3-6-02", "5"),
        ("mortgage-underwriting-guide-v2", "B3-3.1-09", "3"),
        ("mortgage-underwriting-guide-v2", "B2-1.4-01", "2"),
        ("mortgage-underwriting-guide-v2", "B5-1-02", "6"),
        ("mortgage-underwriting-guide-v1", "B3-4.1-01", "3"),
        ("texas-home-equity-supplement", "TX-2.1", "1"),
        ("texas-home-equity-supplement", "TX-7.1", "3"),
        ("heloc-underwriting-guide", "4.2.1", "2"),
        ("compliance-memo-adverse-action", "3", "1"),
        ("compliance-memo-adverse-action", "7", "3"),
        ("bulletin-2026-04-flood-insurance", "E", "2"),
    ],
)
def test_sections_start_on_the_right_printed_page(file: str, section_id: str, label: str) -> None:
    sections = segment(parse(PDFS / f"{file}.pdf"))
    section = next(s for s in sections if s.section_id == section_id)
    assert section.blocks[0].page_label == label


def test_page_labels_come_from_the_pdf() -> None:
    doc = parse(PDFS / "mortgage-underwriting-guide-v2.pdf")
    assert [p.label for p in doc.pages] == ["i", "ii", "1", "2", "3", "4", "5", "6"]
    assert [p.number for p in doc.pages] == list(range(1, 9))


@pytest.mark.parametrize("pdf", sorted(PDFS.glob("*.pdf")), ids=lambda p: p.stem)
def test_running_headers_footers_and_page_numbers_are_gone(pdf: Path) -> None:
    doc = parse(pdf)
    for page in doc.pages:
        for line in page.text.splitlines():
            assert not line.startswith("Harbor Point Bank - "), line  # running header
            assert "Internal Use Only - Effective" not in line  # running footer
            assert "Page " + page.label not in line
    assert sum(len(p.text) for p in doc.pages) > 3000


def test_a_table_is_kept_whole_with_its_title() -> None:
    sections = segment(parse(PDFS / "mortgage-underwriting-guide-v2.pdf"))
    matrix = next(s for s in sections if s.section_id == "B2-1.4-01")
    (table,) = [b for b in matrix.blocks if b.kind == "table"]
    lines = table.text.splitlines()
    assert lines[0].startswith("Table")
    assert "LTV" in table.table_context and len(lines) >= 5


def _pdf(text: str | None = "Loan policy text that is long enough to count as a page.") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    if text is None:
        pdf.rect(20, 20, 100, 60)  # a drawing, no text: what a scan looks like to a parser
    else:
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf())))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BAD_INPUTS = [
    ("encrypted.pdf", lambda: _encrypted("s3cret"), "encrypted with a password"),
    ("truncated.pdf", lambda: _pdf()[: len(_pdf()) // 2], "truncated"),
    ("garbled.pdf", lambda: b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n", "corrupt"),
    ("notes.pdf", lambda: b"Meeting notes, not a PDF at all.\n" * 10, "not a PDF"),
    ("scan.pdf", lambda: _pdf(None), "no text layer"),
    ("empty.pdf", lambda: b"", "empty"),
    ("empty.md", lambda: b"   \n\n", "no text"),
    ("binary.txt", lambda: b"\x00\x01\x02" * 100, "binary"),
    ("policy.docx", lambda: b"PK\x03\x04", "unsupported file type"),
    ("bomb.pdf", lambda: helpers.one_page_pdf(b" " * 50_000_000), "50.0 MB of drawing"),
    ("dense.pdf", lambda: helpers.one_page_pdf(_text_op(b"A" * 1_500_000)), "over 100,000 char"),
    ("lines.pdf", lambda: helpers.one_page_pdf(_text_op(b"(loan) Tj T* " * 40_000)), "100,000"),
    ("shared.pdf", lambda: _pages_sharing(b"0 0 m\n" * 300_000, 30), "over 50 MB of drawing"),
    ("kids-loop.pdf", lambda: _kids_loop(), "corrupt"),
]


def _text_op(operands: bytes) -> bytes:
    return b"BT /F1 12 Tf 72 720 Td (" + operands + b") Tj ET"


def _pages_sharing(content: bytes, count: int) -> bytes:
    """``count`` pages that all draw the same (compressed) content stream."""
    import zlib

    data = zlib.compress(content, 9)
    kids = b" ".join(b"%d 0 R" % (4 + n) for n in range(count))
    return helpers.raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(data), data),
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"] * count,
    )


def _kids_loop() -> bytes:
    """A page tree whose node lists itself as its own kid."""
    return helpers.raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    )


@pytest.mark.parametrize(("name", "content", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_refused_with_a_clear_reason(tmp_path: Path, name, content, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(content())
    with pytest.raises(DocumentError, match=message) as raised:
        parse(path)
    assert name in str(raised.value) and "\n" not in str(raised.value)


def test_a_pdf_encrypted_only_against_editing_opens(tmp_path: Path) -> None:
    path = tmp_path / "restricted.pdf"
    path.write_bytes(_encrypted(""))
    assert "Loan policy text" in parse(path).pages[0].text


def test_markdown_headings_tables_and_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "memo.md"
    path.write_text(
        "---\nauthor: someone\n---\n<!-- generated from\nsource chunk 4 -->\n# 1. Purpose\n\nThis memo sets **reserve** rules.\n\n"
        "## 1.1 Scope\n\nApplies to [HELOC](http://x) loans.\n\n"
        "Table 1: Limits\n\n| CLTV | Score |\n|---|---|\n| 80% | 680 |\n",
        encoding="utf-8",
    )
    doc = parse(path)
    assert doc.media_type == "markdown" and doc.title == "1. Purpose"
    assert "author" not in doc.pages[0].text and "http" not in doc.pages[0].text
    assert "source chunk" not in doc.pages[0].text
    sections = segment(doc)
    assert [s.section_id for s in sections] == ["1", "1.1"]
    assert sections[1].path == ("1 Purpose", "1.1 Scope")
    table = sections[1].blocks[-1]
    assert table.kind == "table" and table.text.splitlines() == [
        "Table 1: Limits",
        "CLTV\tScore",
        "80%\t680",
    ]


def test_plain_text_pages_split_on_form_feeds(tmp_path: Path) -> None:
    path = tmp_path / "bulletin.txt"
    reserves = "Reserves must cover six months of payments for every investment property loan."
    gifts = "Gift funds need a signed gift letter and proof of the transfer from the donor."
    path.write_text(
        f"1. Reserves\n{reserves}\nPage 1 of 2\f2. Gifts\n{gifts}\nPage 2 of 2\n", encoding="utf-8"
    )
    doc = parse(path)
    assert [p.label for p in doc.pages] == ["1", "2"]
    assert "Page" not in doc.pages[1].text
    assert [(s.section_id, s.blocks[0].page) for s in segment(doc)] == [("1", 1), ("2", 2)]


SENTENCE = "Reserves must cover six months of payments for every investment property loan."


def test_the_same_sentence_on_every_page_is_content_not_a_running_header(tmp_path: Path) -> None:
    path = tmp_path / "repeated.pdf"
    path.write_bytes(helpers.pdf(SENTENCE, SENTENCE, SENTENCE, SENTENCE))
    doc = parse(path)
    assert [p.text for p in doc.pages] == [SENTENCE] * 4


def test_a_declared_title_is_cleaned_and_cut_to_length(tmp_path: Path) -> None:
    path = tmp_path / "titled.pdf"
    title = "Personal\x07 Loan\nPolicy " + "T" * 10_000_000
    path.write_bytes(helpers.with_metadata(helpers.pdf(), {"/Title": title}))
    doc = parse(path)
    assert doc.title is not None and len(doc.title) <= 300
    assert doc.title.startswith("Personal Loan Policy T")


def test_metadata_beyond_pypdfs_limits_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "keys.pdf"
    keys = {f"/K{i}": "v" for i in range(200_000)}
    path.write_bytes(helpers.with_metadata(helpers.pdf(SENTENCE), {"/Title": "Guide", **keys}))
    doc = parse(path)
    assert doc.title is None and doc.pages[0].text == SENTENCE


def test_pypdf_warnings_are_counted_in_one_line_not_streamed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    path = tmp_path / "xref.pdf"
    path.write_bytes(helpers.broken_xref(helpers.pdf(SENTENCE, SENTENCE + " Again.")))
    with caplog.at_level(logging.INFO):
        doc = parse(path)
    assert doc.pages[0].text == SENTENCE
    (record,) = caplog.records
    count, _ = record.getMessage().removeprefix("xref.pdf: ").split(" ", 1)
    assert int(count) >= 10 and record.getMessage().endswith(" PDF warnings")
    assert capsys.readouterr() == ("", "")


# --- a long PDF read by several processes --------------------------------------------------


def _long_pdf(pages: int = 30) -> bytes:
    return helpers.pdf(
        *(
            f"Section {n}. The maximum debt-to-income ratio for program {n} is {n + 30}%."
            for n in range(pages)
        )
    )


def test_pages_read_by_several_processes_come_out_the_same(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    path.write_bytes(_long_pdf())
    alone, shared = parse(path, workers=1), parse(path, workers=2)
    assert shared == alone and len(shared.pages) == 30
    assert shared.pages[29].text.startswith("Section 29. The maximum")


def test_a_bad_page_read_by_another_process_is_named(tmp_path: Path) -> None:
    good = [_text_op(b"Section %d text of the policy." % n) for n in range(29)]
    path = tmp_path / "dense.pdf"
    path.write_bytes(helpers.pages_pdf(*good[:26], _text_op(b"A" * 150_000), *good[26:]))
    for workers in (1, 2):
        with pytest.raises(DocumentError, match="page 27 yields over 100,000 char"):
            parse(path, workers=workers)


def test_warnings_of_other_processes_are_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    path = tmp_path / "xref.pdf"
    path.write_bytes(helpers.broken_xref(_long_pdf()))
    counts = []
    for workers in (1, 2):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="ingest.parse"):
            parse(path, workers=workers)
        (record,) = [r for r in caplog.records if r.getMessage().endswith(" PDF warnings")]
        counts.append(int(record.getMessage().removeprefix("xref.pdf: ").split(" ")[0]))
    assert counts[0] >= 30 and counts[1] >= counts[0]


def test_without_worker_processes_pages_are_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import ingest.parse as module

    def no_processes(workers: int) -> None:
        raise OSError("no more processes allowed")

    path = tmp_path / "long.pdf"
    path.write_bytes(_long_pdf())
    monkeypatch.setattr(module, "_shared_pool", no_processes)
    monkeypatch.setattr(module, "_pool_failed", False)
    assert parse(path, workers=2) == parse(path, workers=1)
    assert "one process from now on: no more processes allowed" in caplog.text
    assert module._pool_failed  # not tried again for the next file


def test_a_worker_process_killed_mid_file_costs_no_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import ingest.parse as module

    path = tmp_path / "long.pdf"
    path.write_bytes(_long_pdf())
    monkeypatch.setattr(module, "_pool", None)
    monkeypatch.setattr(module, "_pool_failed", False)
    pool = module._shared_pool(2)
    pool.submit(len, "started").result()
    for process in list(pool._processes.values()):  # as the kernel's out-of-memory killer would
        os.kill(process.pid, signal.SIGKILL)  # not joined: the pool's own thread reaps it
    assert parse(path, workers=2) == parse(path, workers=1)
    assert "in one process from now on" in caplog.text and module._pool is None


def test_a_file_changed_while_workers_read_it_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker processes read the file again: they check it is the content the first process
    read (here it is not), so a document is never made of two versions of a file."""
    import ingest.parse as module

    monkeypatch.setattr(module, "_pool", None)  # workers of its own, whatever ran before
    monkeypatch.setattr(module, "_pool_failed", False)
    path = tmp_path / "long.pdf"
    path.write_bytes(_long_pdf())
    content = path.read_bytes()
    with module._pdf_warnings(None) as warned, pytest.raises(DocumentError, match="changed while"):
        module._parse_pdf(path, content, "0" * 64, 2, warned)


def test_workers_never_run_the_program_s_main_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A Streamlit page runs as ``__main__`` with no ``if __name__ == "__main__":`` guard: a
    worker that imported it would run the whole app again (open the index, ingest)."""
    import sys
    import types

    import ingest.parse as module

    marker = tmp_path / "ran"
    page = tmp_path / "page.py"
    page.write_text(f"open({str(marker)!r}, 'a').write('x')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", main)
    monkeypatch.setattr(module, "_pool", None)  # workers started now, under this __main__
    monkeypatch.setattr(module, "_pool_failed", False)
    path = tmp_path / "long.pdf"
    path.write_bytes(_long_pdf())
    assert parse(path, workers=2) == parse(path, workers=1)
    assert not marker.exists() and "one process" not in caplog.text
    assert sys.modules["__main__"] is main
