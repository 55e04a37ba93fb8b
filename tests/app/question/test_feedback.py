"""Pseudo-relevance feedback in retrieval: the second search, and the scores it leaves."""

from __future__ import annotations

import numpy as np
import pytest

from app.models import Filters, RedactedQuestion
from app.question.retrieve import Retriever
from app.settings import load_settings

QUESTIONS = [
    "What is the maximum loan-to-value for a cash-out refinance?",
    "How long do we keep a declined application?",
    "Can we count a borrower's part-time income?",
]


class Recording:
    """The real store, remembering the vectors it was searched with."""

    def __init__(self, store) -> None:  # type: ignore[no-untyped-def]
        self.store = store
        self.vectors: list[np.ndarray] = []
        self.found: list[list] = []  # type: ignore[type-arg]

    def search(self, vector, filters, **kwargs):  # type: ignore[no-untyped-def]
        self.vectors.append(np.asarray(vector))
        hits = self.store.search(vector, filters, **kwargs)
        self.found.append(hits)
        return hits


def retriever(store, embedding, **retrieval) -> Retriever:  # type: ignore[no-untyped-def]
    settings = load_settings(retrieval=retrieval)
    return Retriever(store, embedding, settings.retrieval)


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_second_search_starts_from_the_first_ones_passages(
    question: str, service_parts, embedding
) -> None:  # type: ignore[no-untyped-def]
    store, _ = service_parts
    recording = Recording(store)
    found = retriever(recording, embedding, feedback=5, feedback_weight=0.3).retrieve(
        RedactedQuestion(text=question), Filters()
    )
    asked, moved = recording.vectors
    first = recording.found[0]
    expected = asked + 0.3 * np.mean([h.vector for h in first[:5]], axis=0)
    expected /= np.linalg.norm(expected)
    assert np.allclose(moved, expected, atol=1e-6)
    # What the later stages read is the question's own vector and its own similarities.
    assert np.array_equal(found.query_vector, asked)
    searched = {h.point_id: h for h in recording.found[1]}
    assert found.chunks and found.chunks[0].point_id in searched
    floor = load_settings().retrieval.score_floor
    for chunk in found.chunks:
        if chunk.point_id in searched:  # not a list's next passage, read from the index
            hit = searched[chunk.point_id]
            assert chunk.score == pytest.approx(float(np.dot(hit.vector, asked)), abs=1e-5)
            assert chunk.score >= floor


def test_without_feedback_the_question_is_searched_once(service_parts, embedding) -> None:  # type: ignore[no-untyped-def]
    store, _ = service_parts
    for settings in ({"feedback": 0}, {"feedback_weight": 0.0}):
        recording = Recording(store)
        found = retriever(recording, embedding, **settings).retrieve(
            RedactedQuestion(text=QUESTIONS[0]), Filters()
        )
        assert len(recording.vectors) == 1
        first = {h.point_id: h.score for h in recording.found[0]}
        assert found.chunks
        assert all(first[c.point_id] == c.score for c in found.chunks if c.point_id in first)


def test_feedback_leaves_every_passage_its_score(service_parts, embedding) -> None:  # type: ignore[no-untyped-def]
    """A passage found by both searches has the same score in both: the floor that drops
    passages unrelated to the question is not lowered by the feedback."""
    store, _ = service_parts
    for question in QUESTIONS:
        plain = retriever(store, embedding, feedback=0).retrieve(
            RedactedQuestion(text=question), Filters()
        )
        fed = retriever(store, embedding, feedback=5).retrieve(
            RedactedQuestion(text=question), Filters()
        )
        scores = {c.point_id: c.score for c in plain.chunks}
        shared = [c for c in fed.chunks if c.point_id in scores]
        assert shared, question
        for chunk in shared:
            assert chunk.score == pytest.approx(scores[chunk.point_id], abs=1e-5)
