"""Small helpers of the shared vocabulary."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.models import (
    ALL_PRODUCTS,
    FEDERAL,
    MAX_DOC_ID_CHARS,
    DocumentMeta,
    RetrievedChunk,
    applies,
    doc_id_from_name,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mortgage-underwriting-guide-v2.pdf", "mortgage-underwriting-guide-v2"),
        ("Mortgage Guide (v2).pdf", "mortgage-guide-v2"),
        ("TX Supplement 2.1.md", "tx-supplement-2.1"),
        ("  ..hidden.pdf", "hidden"),
        ("broken\nname.pdf", "broken-name"),
        ("Guía de préstamos.txt", "gu-a-de-pr-stamos"),
        ("ローン.pdf", "document"),
        ("a" * 300 + ".pdf", "a" * MAX_DOC_ID_CHARS),
    ],
)
def test_a_doc_id_from_an_upload_name_is_always_a_valid_id(name: str, expected: str) -> None:
    doc_id = doc_id_from_name(name)
    assert doc_id == expected
    meta = DocumentMeta(
        doc_id=doc_id, title="T", product="mortgage", jurisdiction="TX",
        doc_type="policy", version="1", effective_date="2026-01-01",
    )  # fmt: skip
    assert meta.doc_id == doc_id


META = {"doc_id": "guide", "title": "T", "doc_type": "policy", "version": "1",
        "effective_date": "2026-01-01"}  # fmt: skip


@pytest.mark.parametrize(
    ("product", "jurisdiction", "products", "jurisdictions"),
    [
        ("mortgage", "TX", ("mortgage",), ("TX",)),  # as written before lists: one string
        ("mortgage,heloc", "tx, ca", ("mortgage", "heloc"), ("TX", "CA")),
        (["Mortgage", "HELOC"], ["federal"], ("mortgage", "heloc"), ("US-federal",)),
        (("heloc", "mortgage"), ("TX",), ("heloc", "mortgage"), ("TX",)),  # the order given
        (["mortgage", "mortgage ", "MORTGAGE"], "TX,tx", ("mortgage",), ("TX",)),
        ("small business, ", " US-federal ,", ("small-business",), ("US-federal",)),
    ],
)
def test_products_and_jurisdictions_take_a_string_a_list_or_commas(
    product: object, jurisdiction: object, products: tuple[str, ...], jurisdictions: tuple[str, ...]
) -> None:
    meta = DocumentMeta(**META, product=product, jurisdiction=jurisdiction)
    assert (meta.product, meta.jurisdiction) == (products, jurisdictions)
    # Stored as lists, and read back as they were.
    dumped = meta.model_dump(mode="json")
    assert dumped["product"] == list(products)
    assert DocumentMeta.model_validate(dumped) == meta


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("product", "", "must not be empty"),
        ("product", [], "must not be empty"),
        ("product", " , ", "must not be empty"),
        ("product", ["mortgage", 3], "each value must be text"),
        ("product", 3, "give a text value or a list"),
        ("jurisdiction", "TX, Texas", "two-letter state code"),
        ("jurisdiction", [], "must not be empty"),
    ],
)
def test_empty_or_invalid_values_are_refused(field: str, value: object, message: str) -> None:
    fields: dict[str, object] = {"product": "mortgage", "jurisdiction": "TX"} | {field: value}
    with pytest.raises(ValidationError, match=message):
        DocumentMeta(**META, **fields)


@pytest.mark.parametrize(
    ("values", "wanted", "everything", "expected"),
    [
        (("mortgage",), "mortgage", ALL_PRODUCTS, True),
        (("mortgage", "heloc"), "heloc", ALL_PRODUCTS, True),  # any of its values
        (("mortgage", "heloc"), "auto", ALL_PRODUCTS, False),
        (("all",), "auto", ALL_PRODUCTS, True),  # a document for every product
        (("TX", "CA"), "CA", FEDERAL, True),
        (("TX", "CA"), "NY", FEDERAL, False),
        (("US-federal",), "NY", FEDERAL, True),  # federal rules apply in every state
        (("TX",), FEDERAL, FEDERAL, False),  # asked for federal: a state's rules do not
    ],
)
def test_a_document_applies_when_it_holds_the_value_or_the_one_for_everything(
    values: tuple[str, ...], wanted: str, everything: str, expected: bool
) -> None:
    assert applies(values, wanted, everything) is expected


def test_a_retrieved_chunk_reads_a_payload_written_before_lists() -> None:
    payload = {
        "point_id": "p", "score": 0.5, "doc_id": "guide", "title": "Guide", "version": "1",
        "effective_date": "2026-01-01", "status": "current", "product": "mortgage",
        "jurisdiction": "TX", "doc_type": "policy", "file_name": "guide.pdf", "section_id": "1",
        "section_title": "Scope", "section_path": ["1 Scope"], "page_start": 1, "page_end": 1,
        "page_label_start": "1", "page_label_end": "1", "ordinal": 0, "text": "Text.",
    }  # fmt: skip
    old = RetrievedChunk.model_validate(payload)
    assert (old.product, old.jurisdiction) == (("mortgage",), ("TX",))
    new = RetrievedChunk.model_validate(payload | {"product": ["mortgage", "heloc"]})
    assert new.product == ("mortgage", "heloc")
