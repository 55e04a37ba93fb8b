"""Metadata as it comes in: every field checked, errors naming the field."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from app.errors import MetadataError
from app.settings import IngestSection
from ingest.manifest import build_meta, load_manifest

VOCABULARY = IngestSection()
FIELDS = {
    "doc_id": "personal-loan-policy",
    "title": "Personal Loan Policy",
    "product": "personal",
    "jurisdiction": "US-federal",
    "doc_type": "policy",
    "version": "1.6",
    "effective_date": "2025-04-01",
}


def ten_years_from_today() -> date:
    today = date.today()
    try:
        return today.replace(year=today.year + 10)
    except ValueError:
        return today.replace(year=today.year + 10, day=28)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"jurisdiction": "ZZ"}, "jurisdiction: use US-federal or a two-letter state code"),
        ({"jurisdiction": "XX"}, "not 'XX'"),
        ({"jurisdiction": "T X"}, "jurisdiction:"),
        ({"effective_date": "0"}, "effective_date: '0' is not a date; use YYYY-MM-DD"),
        ({"effective_date": 0}, "effective_date: '0' is not a date"),
        ({"effective_date": "9999-12-31"}, "effective_date: 9999-12-31 is outside 1900-01-01"),
        ({"effective_date": "0001-01-01"}, "effective_date: 0001-01-01 is outside"),
        ({"effective_date": "1899-12-31"}, "effective_date: 1899-12-31 is outside"),
        ({"effective_date": "2025-02-30"}, "'2025-02-30' is not a calendar date"),
        ({"effective_date": "20250401"}, "effective_date: '20250401' is not a date"),
        ({"effective_date": "2025-W14-2"}, "effective_date"),
        ({"title": "x" * 100_000}, "title: 100000 characters is over the 300-character limit"),
        ({"title": "Guide\x1b[2J"}, "title: contains control characters"),
        ({"title": "Guide\u202eredli"}, "title: contains control characters"),
        ({"version": "1.0\x00"}, "version: contains control characters"),
        ({"doc_id": "a" * 101}, "doc_id: 101 characters is over the 100-character limit"),
        ({"product": "mortgage,boats"}, "product: 'boats' is not one of mortgage, heloc"),
        ({"product": ["heloc", "boats"]}, "product: 'boats' is not one of"),
        ({"product": ["heloc", "\x1b[2J"]}, "product: contains control characters"),
        ({"jurisdiction": ["TX", "ZZ"]}, "jurisdiction: use US-federal or a two-letter"),
        ({"jurisdiction": "TX, Texas"}, "not 'Texas'"),
    ],
)
def test_out_of_range_fields_are_refused_by_name(change: dict[str, object], message: str) -> None:
    with pytest.raises(MetadataError, match="invalid metadata") as raised:
        build_meta(FIELDS | change, VOCABULARY)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value) and len(str(raised.value)) < 400


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        ({"jurisdiction": "tx"}, "jurisdiction", ("TX",)),
        ({"jurisdiction": " pr "}, "jurisdiction", ("PR",)),
        ({"jurisdiction": "us-federal"}, "jurisdiction", ("US-federal",)),
        ({"jurisdiction": "federal"}, "jurisdiction", ("US-federal",)),
        ({"jurisdiction": "DC"}, "jurisdiction", ("DC",)),
        ({"jurisdiction": "MP"}, "jurisdiction", ("MP",)),
        ({"jurisdiction": "tx,ca"}, "jurisdiction", ("TX", "CA")),
        ({"jurisdiction": ["tx", "federal"]}, "jurisdiction", ("TX", "US-federal")),
        ({"product": "mortgage,heloc"}, "product", ("mortgage", "heloc")),
        ({"product": ["heloc", "Mortgage"]}, "product", ("heloc", "mortgage")),
        ({"effective_date": "1900-01-01"}, "effective_date", date(1900, 1, 1)),
        ({"effective_date": date(2025, 4, 1)}, "effective_date", date(2025, 4, 1)),
        ({"title": "x" * 300}, "title", "x" * 300),
        ({"doc_id": "a" * 100}, "doc_id", "a" * 100),
    ],
)
def test_fields_in_range_are_taken_and_normalised(
    change: dict[str, object], field: str, value: object
) -> None:
    meta = build_meta(FIELDS | change, VOCABULARY)
    assert getattr(meta, field) == value


def test_effective_dates_run_to_ten_years_from_today() -> None:
    latest = ten_years_from_today()
    assert build_meta(FIELDS | {"effective_date": latest.isoformat()}, VOCABULARY)
    later = date.fromordinal(latest.toordinal() + 1).isoformat()
    with pytest.raises(MetadataError, match="effective_date"):
        build_meta(FIELDS | {"effective_date": later}, VOCABULARY)


def test_the_jurisdiction_list_is_a_setting() -> None:
    texas_only = IngestSection(jurisdictions=["TX", "US-federal"])
    assert build_meta(FIELDS | {"jurisdiction": "tx"}, texas_only).jurisdiction == ("TX",)
    with pytest.raises(MetadataError, match="not 'CA'"):
        build_meta(FIELDS | {"jurisdiction": "CA"}, texas_only)
    with pytest.raises(MetadataError, match="not 'CA'"):
        build_meta(FIELDS | {"jurisdiction": ["TX", "CA"]}, texas_only)  # each value checked
    with pytest.raises(ValueError, match="two-letter upper-case codes"):
        IngestSection(jurisdictions=["Texas"])


def test_a_files_own_title_is_cleaned_and_cut_not_refused() -> None:
    fields = {k: v for k, v in FIELDS.items() if k != "title"}
    meta = build_meta(fields, VOCABULARY, default_title="Loan\x00 Policy\n" + "word " * 100_000)
    assert meta.title.startswith("Loan Policy word")
    assert len(meta.title) <= 300 and meta.title.endswith("\u2026")
    with pytest.raises(MetadataError, match="missing metadata: title"):
        build_meta(fields, VOCABULARY, default_title="\x00\x01")


def _manifest(tmp_path: Path, *rows: dict[str, str]) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"documents": list(rows)}))
    return path


def test_a_file_listed_twice_is_refused_naming_both_entries(tmp_path: Path) -> None:
    rows = [
        {"file": "a.pdf", **FIELDS, "doc_id": "first"},
        {"file": "b.pdf", **FIELDS, "doc_id": "other"},
        {"file": "./a.pdf", **FIELDS, "doc_id": "second"},
    ]
    with pytest.raises(MetadataError) as raised:
        load_manifest(_manifest(tmp_path, *rows))
    assert "entries 1 and 3 both list './a.pdf'" in str(raised.value)


def test_a_doc_id_and_version_listed_twice_is_refused(tmp_path: Path) -> None:
    rows = [
        {"file": "a.pdf", **FIELDS},
        {"file": "b.pdf", **FIELDS, "version": "2.0"},  # another version: fine
        {"file": "c.pdf", **FIELDS, "doc_id": "Personal-Loan-Policy "},
    ]
    with pytest.raises(MetadataError) as raised:
        load_manifest(_manifest(tmp_path, *rows))
    assert "entries 1 and 3 both give doc_id 'personal-loan-policy' version '1.6'" in str(
        raised.value
    )
    assert len(load_manifest(_manifest(tmp_path, *rows[:2]))) == 2


def test_a_manifest_may_name_files_the_file_system_cannot_hold(tmp_path: Path) -> None:
    rows = [
        {"file": "a\x00b.pdf", **FIELDS},
        {"file": "x" * 300 + ".pdf", **FIELDS, "version": "2"},
    ]
    entries = load_manifest(_manifest(tmp_path, *rows))  # refused per file when ingested
    assert [e.path.name[:3] for e in entries] == ["a\x00b", "xxx"]


def test_a_manifest_gives_several_products_or_jurisdictions_as_a_list_or_with_commas(
    tmp_path: Path,
) -> None:
    several = {"product": ["mortgage", "heloc"], "jurisdiction": ["TX", "federal"]}
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"documents": [
        {"file": "a.pdf", **FIELDS, **several},
        {"file": "b.pdf", **FIELDS, "doc_id": "single"},  # one value: a string, as before
    ]}))  # fmt: skip
    listed, single = load_manifest(path)
    meta = build_meta(listed.fields, VOCABULARY)
    assert (meta.product, meta.jurisdiction) == (("mortgage", "heloc"), ("TX", "US-federal"))
    meta = build_meta(single.fields, VOCABULARY)
    assert (meta.product, meta.jurisdiction) == (("personal",), ("US-federal",))

    table = tmp_path / "manifest.csv"
    table.write_text(
        "file,doc_id,title,product,jurisdiction,doc_type,version,effective_date\n"
        'a.pdf,tx-supplement,TX Supplement,"mortgage,heloc",TX,policy,2.1,2025-11-01\n'
    )
    (row,) = load_manifest(table)
    assert build_meta(row.fields, VOCABULARY).product == ("mortgage", "heloc")
    with pytest.raises(MetadataError, match="missing metadata: product"):
        build_meta(FIELDS | {"product": []}, VOCABULARY)
