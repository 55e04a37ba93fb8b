"""Redaction recall on the redaction set (``evals/redaction.jsonl``), through the whole question
service: what the answer carries as the question, what the audit record stores and what each
model request carries are checked for every personal value (see ``evals/redaction.py``).

The default run redacts a fixed sample of 300 questions and asks 25 through the service; the
slow suite and the nightly evaluation (``copilot eval --redaction``) ask all 2,500 through the
service. A failure lists the types below their target and the shapes that leaked."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from typing import Any

import pytest

from app.models import User
from evals.redaction import Outcome, PartScore, RedactionCase, leaked, load_set, score, targets
from evals.redaction_run import RecordingBackend, ask_all
from tests.fakes.openai_server import FakeChatServer

SAMPLE_SIZE = 300
SAMPLE_SEED = 16
UNDERWRITER = User(name="uw1", role="underwriter")


@pytest.fixture(scope="module")
def cases() -> list[RedactionCase]:
    return load_set()


@pytest.fixture(scope="module")
def recording_service(
    service_parts: Any, embedding: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, RecordingBackend]]:
    """The question service over the sample index, a stand-in model recording its requests."""
    from app.factory import build_service
    from app.settings import load_settings

    store, redactor = service_parts
    folder = tmp_path_factory.mktemp("redaction-recall")
    settings = load_settings(
        app={"data_dir": folder / "data"}, audit={"path": folder / "audit.sqlite3"}
    )
    recorder = RecordingBackend()
    service = build_service(
        settings, embedding=embedding, store=store, redactor=redactor, backend=recorder
    )
    yield service, recorder
    service.close()


def shortfalls(part: PartScore) -> list[str]:
    """Every way a part of the set misses its targets, with the shapes that leaked."""
    problems = []
    for kind, target in targets().items():
        if part.recall(kind) < target:
            shapes = [f"{s} ({n})" for (k, s), n in part.leaked_shapes.most_common() if k == kind]
            problems.append(
                f"{kind}: recall {part.recall(kind):.3f} < {target} "
                f"({part.leaks[kind]} of {part.totals[kind]} leaked: {', '.join(shapes)})"
            )
    if part.false_redaction_rate > 0.01:
        problems.append(
            f"{part.falsely_redacted} of {part.clean} clean questions redacted: "
            + "; ".join(e["redacted"] for e in part.examples if e["problem"] == "false redaction")
        )
    if part.figures_lost:
        problems.append(f"{part.figures_lost} policy figures or section numbers redacted")
    return problems


def test_sample_reaches_the_targets(service_parts: Any, cases: list[RedactionCase]) -> None:
    """300 questions through the service's redaction stage: what it returns is the question
    the service keeps and passes on (the next test checks that it does)."""
    _, redactor = service_parts
    sample = sorted(random.Random(SAMPLE_SEED).sample(cases, SAMPLE_SIZE), key=lambda c: c.id)
    part = score([Outcome(c, redactor.redact(c.question).text) for c in sample])["all"]
    assert not shortfalls(part), "\n".join(shortfalls(part))


def test_the_service_passes_on_only_the_redacted_question(
    recording_service: tuple[Any, RecordingBackend],
    service_parts: Any,
    cases: list[RedactionCase],
) -> None:
    """The answer, the audit record and every model request carry the redacted question (the
    model its focus, without placeholders and their labels), and no personal value."""
    from app.text import focus

    service, recorder = recording_service
    _, redactor = service_parts
    chosen = random.Random(SAMPLE_SEED + 1).sample([c for c in cases if not c.clean], 25)
    outcomes = ask_all(service, recorder, chosen)
    for outcome in outcomes:
        redacted = redactor.redact(outcome.case.question).text
        assert outcome.redacted == redacted and outcome.outbound[0] == redacted
        assert all(sent == focus(redacted) for sent in outcome.outbound[1:])
    assert recorder.questions, "no question reached the stand-in model"
    part = score(outcomes)["all"]
    assert not part.leaks, part.examples


@pytest.mark.slow
@pytest.mark.timeout(1800)  # the whole set: minutes on a quiet 2-core machine, more on a busy one
def test_whole_set_reaches_the_targets(
    recording_service: tuple[Any, RecordingBackend], cases: list[RedactionCase]
) -> None:
    service, recorder = recording_service
    parts = score(ask_all(service, recorder, cases))
    problems = [f"{name}: {p}" for name in ("tuned", "holdout") for p in shortfalls(parts[name])]
    assert not shortfalls(parts["all"]), "\n".join(problems)


@pytest.fixture
def chat_server() -> Iterator[FakeChatServer]:
    with FakeChatServer(default_text="NOT FOUND") as server:
        yield server


def test_no_personal_value_reaches_a_real_model_request(
    make_service: Any, service_parts: Any, chat_server: FakeChatServer, cases: list[RedactionCase]
) -> None:
    """The OpenAI-compatible backend against a server on loopback: the question block of each
    raw request holds none of the personal values that redaction removed."""
    service = make_service(
        llm={"backend": "openai-compatible", "base_url": chat_server.url, "model": "m",
             "timeout_s": 2.0, "max_retries": 0}
    )  # fmt: skip
    _, redactor = service_parts
    chosen = random.Random(SAMPLE_SEED).sample([c for c in cases if not c.clean], 12)
    for case in chosen:
        before = len(chat_server.requests)
        service.ask(case.question, user=UNDERWRITER)
        asked = [question_of(r.raw) for r in chat_server.requests[before:]]
        redacted = redactor.redact(case.question).text
        removed = [item for item in case.pii if not leaked(item, case, [redacted])]
        assert not [item.type for item in removed if leaked(item, case, asked)], asked
    assert chat_server.requests
    service.close()


def question_of(body: bytes) -> str:
    """The question block of a chat request (the rest is the prompt and policy passages)."""
    messages = json.loads(body)["messages"]
    user = next(m["content"] for m in messages if m["role"] == "user")
    match = re.search(r"<question>\n(.*)\n</question>", user, re.DOTALL)
    assert match is not None, "the request has no question block"
    return match.group(1)
