"""Pasted characters made plain for the recognizers, and spans mapped back to the question as
typed. No model."""

from __future__ import annotations

import pytest

from app.question.normalise import Normalised, normalise


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("529\u201341\u20138876", "529-41-8876"),  # en dashes
        ("529\u201441\u20148876", "529-41-8876"),  # em dashes
        ("529\u201141\u22128876", "529-41-8876"),  # non-breaking hyphen, minus sign
        ("529\u200b-41-\u2060\ufeff8876", "529-41-8876"),  # zero-width space, word joiner, BOM
        ("555\u00ad0142", "5550142"),  # soft hyphen
        ("529\u00a041\u202f8876", "529 41 8876"),  # no-break and narrow no-break spaces
        ("５２９-４１-８８７６", "529-41-8876"),  # full-width digits
        ("jane＠gmail．com", "jane@gmail.com"),
        ("What DTI applies under B3-6-02?", "What DTI applies under B3-6-02?"),
    ],
)
def test_normalise(typed: str, plain: str) -> None:
    assert normalise(typed) == plain


def test_spans_map_back_over_dropped_characters() -> None:
    typed = "SSN 5\u200b29-41-\u200d8876 ok"
    plain = Normalised(typed)
    start = plain.text.index("529")
    end = start + len("529-41-8876")
    assert plain.text[start:end] == "529-41-8876"
    begin, finish = plain.span(start, end)
    assert typed[begin:finish] == "5\u200b29-41-\u200d8876"
    assert typed[finish:] == " ok"
