"""The redaction set (``evals/redaction.jsonl``) is what its generator writes, covers every
type of personal data in every shape, and the leak metric says what it should. No model."""

from __future__ import annotations

import json
from collections import Counter
from itertools import pairwise

import pytest

from evals.redaction import (
    SET_PATH,
    TYPES,
    KeepItem,
    Outcome,
    PiiValue,
    RedactionCase,
    leaked,
    load_set,
    lost,
    score,
    significant,
    targets,
)
from evals.redaction_set import (
    CLEAN_QUESTIONS,
    DEFAULT_SEED,
    FAKER_VERSION,
    PII_QUESTIONS,
    generate,
    holdout,
)
from evals.redaction_values import SHAPES


@pytest.fixture(scope="module")
def cases() -> list[RedactionCase]:
    return load_set()


def test_regenerating_gives_the_committed_file() -> None:
    faker = pytest.importorskip("faker")
    if faker.VERSION != FAKER_VERSION:
        pytest.skip(f"the set was generated with Faker {FAKER_VERSION}, this is {faker.VERSION}")
    assert generate(DEFAULT_SEED) == SET_PATH.read_text(encoding="utf-8")


def test_counts_and_parts(cases: list[RedactionCase]) -> None:
    assert sum(not c.clean for c in cases) == PII_QUESTIONS >= 2000
    assert sum(c.clean for c in cases) == CLEAN_QUESTIONS >= 500
    assert len({c.id for c in cases}) == len(cases)
    held = [c for c in cases if c.holdout]
    assert 0.3 < len(held) / len(cases) < 0.37
    assert all(c.holdout == holdout(DEFAULT_SEED, c.id) for c in cases)


def test_every_type_in_every_shape_in_both_parts(cases: list[RedactionCase]) -> None:
    seen = Counter(
        (item.type, item.shape.split("+")[0].split("/")[0], case.holdout)
        for case in cases
        for item in case.pii
    )
    for kind in TYPES:
        for shape in SHAPES[kind]:
            assert seen[(kind, shape, False)] >= 5, (kind, shape)
            assert seen[(kind, shape, True)] >= 1, (kind, shape)


def test_spans_are_exact_and_clean_questions_hold_no_personal_data(
    cases: list[RedactionCase],
) -> None:
    raw = [json.loads(line) for line in SET_PATH.read_text(encoding="utf-8").splitlines()]
    for case, line in zip(cases, raw, strict=True):
        assert case.question == line["question"]
        for item in case.pii:
            assert item.value == case.question[item.start : item.end] and item.value.strip()
        spans = sorted((i.start, i.end) for i in (*case.pii, *case.keep))
        assert all(a[1] <= b[0] for a, b in pairwise(spans)), case.id
    assert all(c.keep for c in cases if c.clean)


def test_targets_come_from_the_gate() -> None:
    assert set(targets()) == set(TYPES)
    assert targets()["US_SSN"] == 0.995 and targets()["PERSON"] == 0.95


def case(question: str, *values: tuple[str, str], keep: tuple[str, ...] = ()) -> RedactionCase:
    items = []
    for kind, value in values:
        start = question.index(value)
        items.append(PiiValue(kind, "test", start, start + len(value), value))
    kept = []
    for value in keep:
        start = question.index(value)
        kept.append(KeepItem("figure", start, start + len(value), value))
    return RedactionCase("t", False, question, tuple(items), tuple(kept))


@pytest.mark.parametrize(
    ("question", "value", "redacted", "is_leaked"),
    [
        ("SSN 529-41-8876 for DTI?", ("US_SSN", "529-41-8876"), "SSN <US_SSN_1> for DTI?", False),
        ("SSN 529-41-8876 for DTI?", ("US_SSN", "529-41-8876"), "SSN 529-41-<US_SSN_1>?", True),
        # Pasted characters fold away: the survivor is the same digits.
        ("SSN 529\u200b-41-8876", ("US_SSN", "529\u200b-41-8876"), "SSN 529-41 <X_1>", True),
        ("SSN ５２９-41-8876", ("US_SSN", "５２９-41-8876"), "SSN 529 <X_1>", True),
        # Names: every word of two letters or more, accents and case ignored.
        ("Borrower Lê Văn Hùng asks", ("PERSON", "Lê Văn Hùng"), "Borrower <PERSON_1> asks", False),
        ("Borrower Lê Văn Hùng asks", ("PERSON", "Lê Văn Hùng"), "Borrower LE <PERSON_1> asks", True),
        # A word the question also holds outside its personal values is no evidence.
        ("Faith Banks asks about Banks", ("PERSON", "Faith Banks"), "<PERSON_1> asks about Banks", False),
        # Address words and states are not identifying on their own; the number and city are.
        ("lives at 12 Oak St, Austin, TX 78701", ("US_STREET_ADDRESS", "12 Oak St, Austin, TX 78701"),
         "lives at <A_1> St, TX", False),
        ("lives at 12 Oak St, Austin, TX 78701", ("US_STREET_ADDRESS", "12 Oak St, Austin, TX 78701"),
         "lives at <A_1>, Austin", True),
        # No token of three characters: the whole value, in a row, must not survive.
        ("DOB 5/12/84 ok", ("DATE_OF_BIRTH", "5/12/84"), "DOB 5/12/84 ok", True),
        ("DOB 5/12/84 ok", ("DATE_OF_BIRTH", "5/12/84"), "DOB <D_1> ok 5 12", False),
    ],
)  # fmt: skip
def test_leak_definition(
    question: str, value: tuple[str, str], redacted: str, is_leaked: bool
) -> None:
    c = case(question, value)
    assert leaked(c.pii[0], c, [redacted]) is is_leaked


def test_significant_tokens() -> None:
    c = case("acct 000123456789 and SSN ending 8876", ("ACCOUNT_NUMBER", "000123456789"))
    assert significant(c.pii[0], c) == {"000123456789"}
    c = case("email jane(at)gmail.com", ("EMAIL_ADDRESS", "jane(at)gmail.com"))
    assert significant(c.pii[0], c) == {"jane", "gmail", "com"}


def test_lost_figures_count_copies() -> None:
    c = case("B3-6-02 and B3-6-02", keep=("B3-6-02",))
    c = RedactionCase("t", False, c.question, (), (*c.keep, KeepItem("figure", 12, 19, "B3-6-02")))
    assert lost(c, "B3-6-02 and <X_1>", "figure") == ["b3-6-02"]
    assert lost(c, "B3‑6‑02 and B3-6-02", "figure") == []


def test_score_per_part() -> None:
    pii = case("SSN 529-41-8876", ("US_SSN", "529-41-8876"))
    clean = RedactionCase("c", True, "What DTI applies?", (), ())
    parts = score([Outcome(pii, "SSN 529-41-8876"), Outcome(clean, "What <PERSON_1> applies?")])
    assert parts["tuned"].recall("US_SSN") == 0.0 and parts["holdout"].recall("US_SSN") == 1.0
    assert parts["holdout"].falsely_redacted == 1 and parts["all"].false_redaction_rate == 1.0
    assert parts["all"].leaked_shapes[("US_SSN", "test")] == 1
