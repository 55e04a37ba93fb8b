"""Redaction metrics over the redaction set: recall per type of personal data, false redaction
of clean questions, and policy figures lost. Deterministic; no model judges anything.

A personal value **leaks** when one of its significant tokens survives in a text that left
redaction (the question as redacted, the question the audit record stores, the question a model
request carries). Texts are compared folded: NFKC (full-width digits become digits), invisible
characters dropped, accents stripped (``Nguyễn`` is ``nguyen``), case ignored. A value's tokens
are its runs of digits and its runs of letters, and its significant tokens are:

- for a name, every token of two letters or more (``Li``, ``Vu`` count);
- for any other value, every token of three characters or more, less the words that only
  describe an address (state names and codes, street suffixes, unit words, directions) and
  the ``at``/``dot`` of a spelled-out e-mail address;
- in both cases less any token that the question also holds outside its personal values (a
  surname that is also a policy word the question uses, "may" in a date and in the question).

A token survives when it is a whole token of the text with placeholders (``<US_SSN_1>``)
removed. A value with no significant token (``DOB 5/12/84``) leaks when all its tokens survive
in a row. A clean question is **falsely redacted** when its redacted text differs from it; a
**figure** (section number, amount, rate, date, form number) is lost when the redacted question
holds fewer copies of it than the question did.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import CopilotError
from evals.gate import load_thresholds

SET_PATH = Path(__file__).resolve().parent / "redaction.jsonl"
TYPES = (
    "US_SSN", "US_ITIN", "US_EIN", "CREDIT_CARD", "EMAIL_ADDRESS", "PHONE_NUMBER",
    "ACCOUNT_NUMBER", "ABA_ROUTING_NUMBER", "LOAN_NUMBER", "APPLICATION_NUMBER",
    "US_DRIVER_LICENSE", "DATE_OF_BIRTH", "PERSON", "US_STREET_ADDRESS",
)  # fmt: skip
"""The types of personal data in the set, as reported (application numbers are redacted as
loan numbers and counted on their own)."""


def targets() -> dict[str, float]:
    """The recall each type must reach: the ``[redaction]`` minimums of thresholds.toml."""
    rules = load_thresholds(table="redaction")
    return {kind: rules[f"recall_{kind.lower()}"]["min"] for kind in TYPES}


_INVISIBLE: dict[int, str | None] = {
    **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f")),
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-"),
}
_TOKEN = re.compile(r"\d+|[^\W\d_]+")
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_\d+>")
_STATES = (
    "alabama alaska arizona arkansas california colorado connecticut delaware florida georgia "
    "hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts "
    "michigan minnesota mississippi missouri montana nebraska nevada new hampshire jersey mexico "
    "york north carolina dakota ohio oklahoma oregon pennsylvania rhode island south tennessee "
    "texas utah vermont virginia washington west wisconsin wyoming"
)
_ADDRESS_WORDS = frozenset(
    (
        _STATES + " street ave avenue road blvd boulevard drive lane court way place ter terrace "
        "cir circle pkwy parkway hwy highway trl trail loop pike run row cove pass bend point "
        "ridge xing trace path apt apartment unit suite ste box post office north south east "
        "west calle avenida camino paseo via del de la"
    ).split()
)
_EMAIL_WORDS = frozenset({"at", "dot"})


def fold(text: str) -> str:
    """Text as the metric compares it: NFKC, invisible characters dropped, dashes as ``-``, no
    accents, case-folded."""
    text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    text = text.replace("Đ", "D").replace("đ", "d")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return bare.casefold()


def tokens(text: str) -> list[str]:
    """Runs of digits and runs of letters, folded."""
    return _TOKEN.findall(fold(text))


@dataclass(frozen=True)
class PiiValue:
    type: str
    shape: str
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class KeepItem:
    kind: str  # "figure" or "term"
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class RedactionCase:
    """One question of the redaction set."""

    id: str
    holdout: bool
    question: str
    pii: tuple[PiiValue, ...]
    keep: tuple[KeepItem, ...]

    @property
    def clean(self) -> bool:
        return not self.pii

    @property
    def part(self) -> str:
        return "holdout" if self.holdout else "tuned"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RedactionCase:
        q = data["question"]
        pii = tuple(PiiValue(t, shape, s, e, q[s:e]) for t, shape, s, e in data["pii"])
        keep = tuple(KeepItem(kind, s, e, q[s:e]) for kind, s, e in data["keep"])
        if any(not p.value.strip() for p in pii) or any(not k.value.strip() for k in keep):
            raise ValueError("an item's span is empty")
        return cls(data["id"], bool(data["holdout"]), q, pii, keep)


def load_set(path: Path = SET_PATH) -> list[RedactionCase]:
    if not path.is_file():
        raise CopilotError(f"the redaction set {path} does not exist")
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                cases.append(RedactionCase.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise CopilotError(
                    f"{path.name} line {number} is not a valid case: {exc}"
                ) from None
    return cases


def significant(item: PiiValue, case: RedactionCase) -> set[str]:
    """The tokens of ``item`` whose survival means it leaked (see the module docstring)."""
    minimum = 2 if item.type == "PERSON" else 3
    found = {t for t in tokens(item.value) if len(t) >= minimum}
    if item.type == "US_STREET_ADDRESS":
        found -= _ADDRESS_WORDS
    elif item.type == "EMAIL_ADDRESS":
        found -= _EMAIL_WORDS
    return found - set(tokens(_outside_pii(case)))


def _outside_pii(case: RedactionCase) -> str:
    text, cursor = [], 0
    for item in sorted(case.pii, key=lambda p: p.start):
        text.append(case.question[cursor : item.start])
        cursor = max(cursor, item.end)
    text.append(case.question[cursor:])
    return " ".join(text)


def leaked(item: PiiValue, case: RedactionCase, texts: Iterable[str]) -> bool:
    """Whether ``item`` survives in any of ``texts``."""
    wanted = significant(item, case)
    sequence = tokens(item.value)
    for text in texts:
        found = tokens(_PLACEHOLDER.sub(" ", text))
        if wanted & set(found):
            return True
        if not wanted and _contains(found, sequence):
            return True
    return False


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def lost(case: RedactionCase, redacted: str, kind: str) -> list[str]:
    """The ``kind`` keep items of ``case`` the redacted question no longer holds."""
    wanted = Counter(fold(k.value) for k in case.keep if k.kind == kind)
    have = fold(redacted)
    return [value for value, count in wanted.items() if have.count(value) < count]


@dataclass(frozen=True)
class Outcome:
    """What came out of redaction for one case: the question as redacted, and the other
    texts that left redaction (the audit record's question, the model request's question)."""

    case: RedactionCase
    redacted: str
    outbound: tuple[str, ...] = ()

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.redacted, *self.outbound)


@dataclass
class PartScore:
    """Recall per type, false redaction and lost figures over one part of the set."""

    totals: Counter[str] = field(default_factory=Counter)
    leaks: Counter[str] = field(default_factory=Counter)
    leaked_shapes: Counter[tuple[str, str]] = field(default_factory=Counter)
    clean: int = 0
    falsely_redacted: int = 0
    figures_lost: int = 0
    terms_lost_in_pii: int = 0
    examples: list[dict[str, str]] = field(default_factory=list)

    def recall(self, kind: str) -> float:
        total = self.totals[kind]
        return 1.0 - self.leaks[kind] / total if total else 1.0

    @property
    def false_redaction_rate(self) -> float:
        return self.falsely_redacted / self.clean if self.clean else 0.0


def score(outcomes: Sequence[Outcome], examples: int = 40) -> dict[str, PartScore]:
    """``{"all", "tuned", "holdout"}`` -> its :class:`PartScore`."""
    parts = {"all": PartScore(), "tuned": PartScore(), "holdout": PartScore()}
    for outcome in outcomes:
        case = outcome.case
        for part in (parts["all"], parts[case.part]):
            _add(part, outcome, examples)
    return parts


def _add(part: PartScore, outcome: Outcome, examples: int) -> None:
    case = outcome.case
    part.figures_lost += len(lost(case, outcome.redacted, "figure"))
    if case.clean:
        part.clean += 1
        if outcome.redacted != case.question:
            part.falsely_redacted += 1
            _example(part, examples, case, outcome.redacted, "false redaction")
        return
    part.terms_lost_in_pii += len(lost(case, outcome.redacted, "term"))
    for item in case.pii:
        part.totals[item.type] += 1
        if leaked(item, case, outcome.texts):
            part.leaks[item.type] += 1
            part.leaked_shapes[(item.type, item.shape)] += 1
            _example(part, examples, case, outcome.redacted, f"{item.type} {item.shape}")


def _example(part: PartScore, limit: int, case: RedactionCase, redacted: str, why: str) -> None:
    if len(part.examples) < limit:
        part.examples.append({"id": case.id, "problem": why, "redacted": redacted})


def metric_values(part: PartScore) -> dict[str, float]:
    """The gate's view of a part: ``recall_<type>``, ``false_redaction_rate``,
    ``figures_redacted``."""
    values = {f"recall_{kind.lower()}": part.recall(kind) for kind in TYPES}
    values["false_redaction_rate"] = part.false_redaction_rate
    values["figures_redacted"] = float(part.figures_lost)
    return values


def table(part: PartScore) -> list[str]:
    """Markdown rows: type, values, leaked, recall, target, the shapes that leaked most."""
    limits = load_thresholds(table="redaction")
    rows = [
        "| type | values | leaked | recall | target | leaked shapes |",
        "|---|---|---|---|---|---|",
    ]
    for kind, target in targets().items():
        shapes = sorted(
            ((n, shape) for (k, shape), n in part.leaked_shapes.items() if k == kind), reverse=True
        )
        shown = ", ".join(f"{shape} {n}" for n, shape in shapes[:6])
        rows.append(
            f"| {kind} | {part.totals[kind]} | {part.leaks[kind]} | {part.recall(kind):.3f} "
            f"| {target} | {shown} |"
        )
    rows.append(
        f"| clean questions redacted | {part.clean} | {part.falsely_redacted} | "
        f"{part.false_redaction_rate:.3f} | <= {limits['false_redaction_rate']['max']} | |"
    )
    return rows
