"""Check the real-text question set (``evals/corpus_questions.jsonl``) against the regulations
corpus it was written from.

    python -m evals.corpus_check --corpus DIR [--questions FILE]

Without the corpus only the set's shape is checked (fields, kinds, the holdout rule, the
counts, the length of key facts); with it, also that every gold paragraph exists in the file
the question names, that every key fact occurs in the text of one of the question's gold
paragraphs (case, spacing, quotes and dashes ignored: :func:`evals.corpus.normalize`), and
that every corpus file has questions. Prints a one-line summary, then every problem; exits 1
if there is any. Loads no model; standard library and pypdf only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from evals.corpus import Document, corpus_files, normalize, read_document

QUESTIONS = Path(__file__).resolve().parent / "corpus_questions.jsonl"

REQUIRED_KINDS = (
    "list",
    "table",
    "definition",
    "numeric",
    "cross-reference",
    "multi-paragraph",
    "unanswerable",
)
KINDS = (*REQUIRED_KINDS, "rule")
"""``rule``: what a single paragraph requires or allows (a yes/no or what-must-we-do)."""
FIELDS = ("id", "question", "kind", "gold", "citation", "key_facts", "holdout", "doc")
OPTIONAL_FIELDS = ("notes",)
LISTS = ("gold", "key_facts", "doc")
MIN_QUESTIONS = 150
MIN_UNANSWERABLE = 15
MIN_PER_DOCUMENT = 3
MAX_FACT_WORDS = 8
MAX_FACTS = 3
HOLDOUT_SHARE = 1 / 3
HOLDOUT_TOLERANCE = 0.03

REGML_ID = re.compile(r"^\d{4}-[0-9A-Za-z]+(-[0-9A-Za-z]+)*$")
USC_ID = re.compile(r"^15 U\.S\.C\. \d+[a-z]*(\([0-9A-Za-z]+\))+$")
PDF_ID = re.compile(r"^(?P<stem>[A-Za-z0-9_.-]+) p(?P<page>[1-9]\d*)$")


HOLDOUT_SEED = "corpus-questions:"


def is_holdout(question_id: str) -> bool:
    """The holdout rule, fixed once and never to change: a question is held out when the
    SHA-256 of ``corpus-questions:`` followed by its id (UTF-8), read as a big-endian
    integer, is divisible by 3. It depends on the id alone, so adding questions never moves
    another one in or out of the holdout."""
    digest = hashlib.sha256(f"{HOLDOUT_SEED}{question_id}".encode()).digest()
    return int.from_bytes(digest, "big") % 3 == 0


def load(path: Path) -> list[dict[str, Any]]:
    """The set's lines as JSON objects (a line that is not one raises ValueError)."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row, dict):
            raise ValueError(f"{path.name} line {number}: not a JSON object")
        rows.append(row)
    return rows


def words(text: str) -> int:
    return len(text.split())


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _well_typed(row: dict[str, Any]) -> bool:
    """Every field is there, with the type the checks rely on."""
    return (
        all(f in row for f in FIELDS)
        and all(f in FIELDS or f in OPTIONAL_FIELDS for f in row)
        and all(isinstance(row[f], str) for f in ("id", "question", "kind", "citation"))
        and all(isinstance(row[f], list) and (not row[f] or _is_str_list(row[f])) for f in LISTS)
    )


def _row_problems(row: dict[str, Any]) -> list[str]:
    qid = row.get("id")
    where = f"{qid}:"
    if not _well_typed(row):
        missing = [f for f in FIELDS if f not in row]
        extra = [f for f in row if f not in FIELDS and f not in OPTIONAL_FIELDS]
        return [
            f"{where} needs the fields {', '.join(FIELDS)} (missing {missing}, unknown "
            f"{extra}); id, question, kind and citation strings; {', '.join(LISTS)} lists "
            "of non-empty strings"
        ]
    problems = []
    qid = str(qid)
    if not re.match(r"^[a-z0-9][a-z0-9-]*$", qid):
        problems.append(f"{where} the id must be a lower-case slug")
    if words(row["question"]) < 3:
        problems.append(f"{where} the question must be a sentence")
    kind = row["kind"]
    if kind not in KINDS:
        problems.append(f"{where} unknown kind {kind!r}")
    if row["holdout"] is not is_holdout(qid):
        problems.append(f"{where} holdout must be {is_holdout(qid)} (see is_holdout)")
    gold, facts, docs = row["gold"], row["key_facts"], row["doc"]
    if kind == "unanswerable":
        if gold or facts or docs or row["citation"]:
            problems.append(f"{where} an unanswerable question has no gold, facts, doc, citation")
        return problems
    if not gold or not docs or not row["citation"].strip():
        problems.append(f"{where} an answerable question needs gold, doc and a citation")
    if len(set(gold)) != len(gold) or len(set(docs)) != len(docs):
        problems.append(f"{where} gold and doc must not repeat")
    for section in gold:
        if not (REGML_ID.match(section) or USC_ID.match(section) or PDF_ID.match(section)):
            problems.append(f"{where} gold {section!r} is not a RegML, US Code or PDF page id")
    if kind in ("multi-paragraph", "cross-reference") and len(gold) < 2:
        problems.append(f"{where} a {kind} question needs two or more gold paragraphs")
    if not 1 <= len(facts) <= MAX_FACTS:
        problems.append(f"{where} needs 1 to {MAX_FACTS} key facts")
    for fact in facts:
        if words(fact) > MAX_FACT_WORDS:
            problems.append(f"{where} key fact {fact!r} is longer than {MAX_FACT_WORDS} words")
    return problems


def shape_problems(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Everything that can be checked without the corpus."""
    problems = [p for row in rows for p in _row_problems(row)]
    for name in ("id", "question"):
        repeated = sorted(v for v, n in Counter(str(r.get(name)) for r in rows).items() if n > 1)
        if repeated:
            problems.append(f"repeated {name}s: {', '.join(repeated)}")
    if len(rows) < MIN_QUESTIONS:
        problems.append(f"{len(rows)} questions; at least {MIN_QUESTIONS} are needed")
    kinds = Counter(str(r.get("kind")) for r in rows)
    if kinds["unanswerable"] < MIN_UNANSWERABLE:
        problems.append(f"{kinds['unanswerable']} unanswerable questions; {MIN_UNANSWERABLE}+")
    absent = [k for k in REQUIRED_KINDS if not kinds[k]]
    if absent:
        problems.append(f"no question of kind {', '.join(absent)}")
    share = sum(r.get("holdout") is True for r in rows) / max(len(rows), 1)
    if abs(share - HOLDOUT_SHARE) > HOLDOUT_TOLERANCE:
        problems.append(f"holdout share {share:.3f}, not 1/3 ± {HOLDOUT_TOLERANCE}")
    for name, count in per_document(rows).items():
        if count < MIN_PER_DOCUMENT:
            problems.append(f"{name}: {count} questions; at least {MIN_PER_DOCUMENT} are needed")
    return problems


def per_document(rows: Iterable[dict[str, Any]]) -> Counter[str]:
    """Questions per corpus file named in their ``doc``."""
    counts: Counter[str] = Counter()
    for row in rows:
        if isinstance(row.get("doc"), list):
            counts.update(str(d) for d in row["doc"])
    return counts


class Corpus:
    """The corpus files under a folder, each read the first time a question names it."""

    def __init__(self, folder: Path) -> None:
        self.files = corpus_files(folder)
        self._read: dict[str, Document] = {}

    def get(self, name: str) -> Document | None:
        if name not in self.files:
            return None
        if name not in self._read:
            self._read[name] = read_document(self.files[name])
        return self._read[name]


def coverage_problems(rows: Sequence[dict[str, Any]], corpus: Corpus) -> list[str]:
    """Every corpus file has questions."""
    counts = per_document(rows)
    return [
        f"{name}: {counts[name]} questions; at least {MIN_PER_DOCUMENT} are needed"
        for name in corpus.files
        if counts[name] < MIN_PER_DOCUMENT
    ]


def corpus_problems(rows: Sequence[dict[str, Any]], corpus: Corpus) -> list[str]:
    """Gold paragraphs exist in the files the question names, and its key facts are in
    their text."""
    problems = []
    for row in rows:
        if not _well_typed(row) or not row["gold"]:
            continue
        where = f"{row['id']}:"
        documents = {}
        for name in row["doc"]:
            document = corpus.get(name)
            if document is None:
                problems.append(f"{where} no file {name} in the corpus")
            else:
                documents[name] = document
        texts = []
        holding: set[str] = set()
        for section in row["gold"]:
            found = [n for n, d in documents.items() if d.text(section).strip()]
            if not found and documents:
                problems.append(f"{where} gold {section} is not in {', '.join(documents)}")
            holding.update(found)
            texts += [normalize(documents[n].text(section)) for n in found]
        for name in documents:
            if name not in holding:
                problems.append(f"{where} {name} holds none of the gold paragraphs")
        for fact in row["key_facts"]:
            if texts and not any(normalize(fact) in text for text in texts):
                problems.append(f"{where} key fact {fact!r} is in none of its gold paragraphs")
    return problems


def summary(rows: Sequence[dict[str, Any]], problems: Sequence[str], documents: int) -> str:
    answerable = sum(bool(r.get("gold")) for r in rows)
    held = sum(r.get("holdout") is True for r in rows)
    share = held / max(len(rows), 1)
    return (
        f"{len(rows)} questions ({answerable} answerable, {len(rows) - answerable} "
        f"unanswerable; {held} holdout = {share:.3f}) over {documents} documents: "
        + (f"{len(problems)} problems" if problems else "OK")
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evals.corpus_check",
        description="Check the real-text question set against the regulations corpus.",
    )
    parser.add_argument("--corpus", type=Path, help="the corpus folder (else: shape only)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    args = parser.parse_args(argv)
    try:
        rows = load(args.questions)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    problems = shape_problems(rows)
    documents = len(per_document(rows))
    if args.corpus is not None:
        if not args.corpus.is_dir():
            print(f"error: {args.corpus} is not a folder", file=sys.stderr)
            return 1
        corpus = Corpus(args.corpus)
        problems += coverage_problems(rows, corpus) + corpus_problems(rows, corpus)
        documents = len(corpus.files)
    print(f"{args.questions.name}: {summary(rows, problems, documents)}")
    for problem in problems:
        print(f"  {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
