"""Writes the redaction set: lending questions carrying personal data of every type in every
shape, each value's exact span and type recorded, and policy questions with none.

    python -m evals.redaction_set             # (re)write evals/redaction.jsonl
    python -m evals.redaction_set --check     # exit 1 unless regenerating gives the same file

Seeded (Faker's own generators included), so the same seed and Faker version give the same
file byte for byte. A third of the questions, chosen by a seeded hash of their id, are marked
``holdout``: recognizers are tuned on the rest only, and both parts are reported.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evals.redaction_people import ValueMaker
from evals.redaction_text import (
    CLEAN_FILLERS,
    CLEAN_PREFIXES,
    CLOSERS,
    FRAMES,
    OPENERS,
    STEMS,
    SUBJECT_VERBS,
)
from evals.redaction_values import SHAPES, SPACES, Piece

DEFAULT_SEED = 16
SET_PATH = Path(__file__).resolve().parent / "redaction.jsonl"
PII_QUESTIONS = 2000
CLEAN_QUESTIONS = 500
FAKER_VERSION = "40.54.0"
"""The Faker release the committed set was generated with (other releases draw other names)."""
TYPES = (
    "PERSON", "US_SSN", "US_ITIN", "US_EIN", "CREDIT_CARD", "EMAIL_ADDRESS", "PHONE_NUMBER",
    "ACCOUNT_NUMBER", "ABA_ROUTING_NUMBER", "LOAN_NUMBER", "APPLICATION_NUMBER",
    "US_DRIVER_LICENSE", "DATE_OF_BIRTH", "US_STREET_ADDRESS",
)  # fmt: skip
_MARK = re.compile(r"⟦([^⟧]*)⟧|«([^»]*)»")

Segment = tuple[str, dict[str, Any] | None]
"""A run of question text and what it is: a personal value, a kept policy item, or plain."""


def holdout(seed: int, case_id: str) -> bool:
    """Whether a question is held out of tuning: a seeded hash puts a third of them there."""
    digest = hashlib.sha256(f"{seed}/{case_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 3 == 0


def marked(template: str) -> list[Segment]:
    """A stem's text split into plain runs and its marked figures and terms."""
    segments: list[Segment] = []
    cursor = 0
    for match in _MARK.finditer(template):
        segments.append((template[cursor : match.start()], None))
        figure, term = match.groups()
        kind = "figure" if figure is not None else "term"
        segments.append((figure if figure is not None else term, {"kind": kind}))
        cursor = match.end()
    segments.append((template[cursor:], None))
    return [s for s in segments if s[0]]


def piece_segments(piece: Piece) -> list[Segment]:
    return [
        (piece.before, None),
        (piece.value, {"type": piece.type, "shape": piece.shape}),
        (piece.after, None),
    ]


def _capitalised(segments: list[Segment]) -> list[Segment]:
    """The first letter of the question upper-cased, unless it starts a personal value."""
    for i, (text, info) in enumerate(segments):
        if text.strip():
            if info is None or "kind" in info:
                segments[i] = (text[0].upper() + text[1:], info)
            return segments
    return segments


class SetBuilder:
    """Builds the questions of one seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.values = ValueMaker(seed)
        self.rng = random.Random(seed * 7919 + 1)

    def pii_question(self, number: int) -> list[Segment]:
        kind = TYPES[number % len(TYPES)]
        shapes = SHAPES[kind]
        pieces = [self.values.make(kind, shapes[(number // len(TYPES)) % len(shapes)])]
        extra = self.rng.choice((0, 1, 1, 2, 2, 3))
        if kind != "PERSON" and self.rng.random() < 0.55:
            pieces.insert(0, self.values.make("PERSON"))
            extra -= 1
        for _ in range(max(0, extra)):
            taken = {p.type for p in pieces}
            pieces.append(self.values.make(self.rng.choice([t for t in TYPES if t not in taken])))
        stem = marked(self.rng.choice(STEMS))
        person = pieces[0] if pieces[0].type == "PERSON" else None
        if person is not None and not person.before and self.rng.random() < 0.5:
            # "Maria Garcia wants a cash-out refi, SSN ...; what is the max DTI ...?"
            body: list[Segment] = [*piece_segments(person), (" ", None)]
            body += marked(self.rng.choice(SUBJECT_VERBS))
            for piece in pieces[1:]:
                body += [(self.rng.choice((", ", "; ", " - ")), None), *piece_segments(piece)]
            body += [(self.rng.choice((". ", "; ", " - ", "? ")), None), *stem]
        else:
            body = self._framed(pieces, stem)
        if person is not None and self.rng.random() < 0.15:
            again = Piece("PERSON", "repeat", person.value)
            ask, rest = self.rng.choice(
                ((" Did ", " sign the note?"), (" Is ", " on title?"), (" Can ", " qualify alone?"))
            )
            body += [(ask, None), *piece_segments(again), (rest, None)]
        if self.rng.random() < 0.15:  # a longer question: a second policy question after
            body += [(" Also, ", None), *marked(self.rng.choice(STEMS))]
        segments = marked(self.rng.choice(OPENERS)) + body + marked(self.rng.choice(CLOSERS))
        return self._styled(_capitalised(segments))

    def _framed(self, pieces: list[Piece], stem: list[Segment]) -> list[Segment]:
        frame = self.rng.choice(FRAMES)
        items: list[Segment] = []
        for i, piece in enumerate(pieces):
            if i:
                last = i == len(pieces) - 1
                items.append((self.rng.choice((", and ", " and ", ", ")) if last else ", ", None))
            items += piece_segments(piece)
        out: list[Segment] = []
        for part in re.split(r"(\{items\}|\{stem\})", frame):
            out += items if part == "{items}" else stem if part == "{stem}" else [(part, None)]
        return out

    def clean_question(self) -> list[Segment]:
        parts = [marked(self.rng.choice(CLEAN_PREFIXES)), marked(self.rng.choice(STEMS))]
        filler = marked(self.rng.choice(CLEAN_FILLERS))
        if filler:
            if self.rng.random() < 0.5:
                parts.append([(" ", None), *filler])
            else:
                parts.insert(1, [*filler, (" ", None)])
        if self.rng.random() < 0.2:
            parts.append([(" Also, ", None), *marked(self.rng.choice(STEMS))])
        parts.append(marked(self.rng.choice(CLOSERS)))
        return self._styled(_capitalised([s for part in parts for s in part]))

    def _styled(self, segments: list[Segment]) -> list[Segment]:
        """Now and then the whole question typed in lower case, or pasted with hard spaces."""
        roll = self.rng.random()
        if roll < 0.08:
            style = "lower"
            segments = [(t.lower() if len(t.lower()) == len(t) else t, i) for t, i in segments]
        elif roll < 0.13:
            style = "hard-spaces"
            space = self.rng.choice(SPACES)
            segments = [(t.replace(" ", space) if i is None else t, i) for t, i in segments]
        else:
            return segments
        return [
            (t, {**i, "shape": f"{i['shape']}+{style}"} if i and "shape" in i else i)
            for t, i in segments
        ]

    def cases(self) -> Iterator[dict[str, Any]]:
        for number in range(PII_QUESTIONS):
            yield self._case(f"pii-{number:04d}", self.pii_question(number))
        for number in range(CLEAN_QUESTIONS):
            yield self._case(f"clean-{number:03d}", self.clean_question())

    def _case(self, case_id: str, segments: list[Segment]) -> dict[str, Any]:
        """One line of the set: ``pii`` holds ``[type, shape, start, end]`` per personal value
        and ``keep`` ``[kind, start, end]`` per figure or policy term (spans in ``question``)."""
        text, pii, keep, cursor = "", [], [], 0
        for chunk, info in segments:
            end = cursor + len(chunk)
            if info is not None and "type" in info:
                pii.append([info["type"], info["shape"], cursor, end])
            elif info is not None:
                keep.append([info["kind"], cursor, end])
            text += chunk
            cursor = end
        return {"id": case_id, "holdout": holdout(self.seed, case_id), "question": text,
                "pii": pii, "keep": keep}  # fmt: skip


def generate(seed: int = DEFAULT_SEED) -> str:
    """The whole set as JSONL text."""
    lines = (
        json.dumps(case, ensure_ascii=False, separators=(",", ":"))
        for case in SetBuilder(seed).cases()
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=SET_PATH)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    text = generate(args.seed)
    if args.check:
        from faker import VERSION

        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        if not same:
            print(f"{args.out} differs from what seed {args.seed} generates (Faker {VERSION}; "
                  f"the set was made with Faker {FAKER_VERSION})")  # fmt: skip
            return 1
        print(f"{args.out} is what seed {args.seed} generates")
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10))} questions to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
