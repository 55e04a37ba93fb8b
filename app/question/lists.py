"""Lists: a retrieved passage whose list runs on past its end -> the passage that goes on
with it, added to what the answer may quote ("a list question gets the whole list").

A chunk holds a paragraph or a few (:mod:`ingest.chunk`); a long list ("must provide all of
the following:" and six items) is cut between items, and the second half, which holds
fewer of the question's words, is often not among the passages found. When a passage found
ends in a list's lead-in or one of its items, the next passage of the same section is read
from the index and added after those found, marked ``completes_list`` and scored no higher
than the one it goes on from: the extractive answer quotes from it only the items of a list
whose lead-in it quotes (it is there to complete a list, not to answer on its own).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.index.store import PolicyStore
from app.models import RetrievedChunk
from app.text import LIST_ITEM


def with_list_ends(
    sources: Sequence[RetrievedChunk], vector: np.ndarray, store: PolicyStore, *, most: int = 2
) -> tuple[RetrievedChunk, ...]:
    """``sources``, then the passage after each (at most ``most``) that ends within a list:
    the next one of its section, when it is not among them already."""
    have = {(s.doc_id, s.version, s.ordinal) for s in sources}
    added: list[RetrievedChunk] = []
    for source in sources:
        if len(added) == most:
            break
        if not _runs_on(source.text) or (source.doc_id, source.version, source.ordinal + 1) in have:
            continue
        hits = store.section_hits(vector, source.doc_id, source.version, source.section_id)
        after = next(
            (c for c in (h.retrieved() for h in hits) if c.ordinal == source.ordinal + 1), None
        )
        if after is None:
            continue
        have.add((after.doc_id, after.version, after.ordinal))
        added.append(
            after.model_copy(
                update={"score": min(after.score, source.score), "completes_list": True}
            )
        )
    return (*sources, *added)


def _runs_on(text: str) -> bool:
    """Whether a passage ends in a list: its last line an item, or a lead-in (":")."""
    lines = [line for line in text.split("\n") if line.strip()]
    return bool(lines) and (bool(LIST_ITEM.match(lines[-1])) or lines[-1].rstrip().endswith(":"))


__all__ = ["with_list_ends"]
