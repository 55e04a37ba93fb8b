"""Rules: the official interpretations retrieved for a question -> the rule text they
interpret, added to what the answer may quote ("small to big").

A regulation's commentary is printed apart from its rule, often pages away, and is
written in the words a question uses ("Can a qualified mortgage be interest-only?"), so a
search finds the comment and not the rule. Each comment says which paragraph of the rule
it interprets, in its headings: ``Section 1026.43\u2014Minimum Standards`` and ``43(e)(2)
Qualified mortgage defined\u2014general`` interpret ``\u00a7 1026.43(e)(2)``. The rule
sections carry the same label in theirs (``\u00a7 1026.43 Minimum standards...`` then
``(e) Qualified mortgages.``). So for every comment retrieved, the rule section of the same
document whose label is the comment's or the nearest one above it (``1026.43(e)`` for
``1026.43(e)(2)``) is read, and its passages closest to the question join the sources,
after those retrieved, scored by their own similarity. The answerer then quotes the rule
where it answers about as well as the comment (:mod:`app.question.answer`).

The labels are read from the library's headings once per state of the library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.index.store import PerLibraryState, PolicyStore
from app.models import RetrievedChunk
from app.text import label_ancestors, rule_label, text_kind


@dataclass(frozen=True)
class Outline:
    """The labelled rule sections of each current document version."""

    sections: dict[tuple[str, str], dict[str, tuple[str, ...]]]
    """``(doc_id, version)`` -> rule label -> the ids of the sections with that label."""

    def rule_of(self, source: RetrievedChunk) -> tuple[str, ...]:
        """The sections of rule text that ``source`` (an official interpretation)
        interprets: those of its own label, or the nearest label above it; none for rule
        text itself."""
        if text_kind(source.section_path, source.doc_type) != "interpretation":
            return ()
        rules = self.sections.get((source.doc_id, source.version), {})
        found = (rules[a] for a in label_ancestors(rule_label(source.section_path)) if a in rules)
        return next(found, ())


def read_outline(store: PolicyStore) -> Outline:
    sections: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
    for record, current in store.current_versions():
        labels: dict[str, dict[str, None]] = {}
        for payload in store.chunks(record.doc_id, current.meta.version):
            path = tuple(payload.get("section_path") or ())
            if text_kind(path, str(payload.get("doc_type", ""))) != "rule":
                continue
            label = rule_label(path)
            if label:
                labels.setdefault(label, {})[str(payload.get("section_id", ""))] = None
        if labels:
            sections[(record.doc_id, current.meta.version)] = {
                label: tuple(ids) for label, ids in labels.items()
            }
    return Outline(sections=sections)


class LibraryOutline(PerLibraryState[Outline]):
    """The rule labels of a store's current documents, read again only when they change."""

    def __init__(self, store: PolicyStore) -> None:
        super().__init__(store, read_outline)


def with_rules(
    sources: Sequence[RetrievedChunk],
    vector: np.ndarray,
    outline: Outline,
    store: PolicyStore,
    *,
    per_section: int = 2,
    most: int = 3,
) -> tuple[RetrievedChunk, ...]:
    """``sources``, then the passages of the rule sections their official interpretations
    interpret (at most ``most`` sections, ``per_section`` passages each, the closest to the
    question ``vector`` first) that are not among them already."""
    have = {s.point_id for s in sources}
    seen = {(s.doc_id, s.version, s.section_id) for s in sources}
    added: list[RetrievedChunk] = []
    wanted = 0
    for source in sources:
        for section in outline.rule_of(source):
            key = (source.doc_id, source.version, section)
            if key in seen or wanted == most:
                continue
            seen.add(key)
            wanted += 1
            hits = store.section_hits(vector, source.doc_id, source.version, section)
            added += [h.retrieved() for h in hits[:per_section] if h.point_id not in have]
    return (*sources, *added)
