"""Answer backends: the sources and a question -> a ``Generation`` with ``[n]`` markers.

``ExtractiveBackend`` is the offline default. It picks the one retrieved section that best
answers the question (closest by vector, holding most of the question's specific words, and
of two comparable sections the one of the state the question is filtered to, and the rule
rather than an official interpretation of it) and quotes
that section's best sentences or table rows, each followed by its marker; it writes nothing
that is not in a source. When no sentence is close enough, it answers
``NOT FOUND``. A sentence of commentary that opens a worked example ("For example, ...",
"Assume that ...") is never quoted: it is not the rule.
The OpenAI-compatible backend lives in :mod:`app.question.llm`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from app.index.embedding import LocalEmbedding
from app.models import ALL_PRODUCTS, FEDERAL, Filters, Generation, RetrievedChunk
from app.question.tiers import sort_tiers
from app.sentences import split_sentences
from app.settings import AnswerSection
from app.tabular import CELLS, QUOTED
from app.text import (
    LIST_ITEM,
    asks_for_form,
    common_paragraph,
    content_words,
    instruction,
    label_ancestors,
    named_state,
    neutralise_markers,
    numbers,
    quoted_paragraph,
    rule_label,
    speaks_as_form,
    text_kind,
)

NOT_FOUND = "NOT FOUND"
_MAX_LIST_ITEMS = 8


def declined(text: str) -> bool:
    """Whether a backend's output says the sources do not answer the question."""
    return text.strip().upper().startswith(NOT_FOUND)


class AnswerBackend(Protocol):
    """Writes an answer from numbered sources; every sentence ends with its marker(s)."""

    name: str
    model: str

    def generate(
        self,
        question: str,
        sources: Sequence[RetrievedChunk],
        *,
        filters: Filters | None = None,
    ) -> Generation: ...


@dataclass(frozen=True)
class _Candidate:
    source: int  # 0-based index into the sources
    position: int
    text: str


def passages(source: RetrievedChunk) -> list[str]:
    """The quotable units of a passage: sentences of prose (a sentence wrapped over several
    lines is joined up); for a table, each row with the table's caption and header row in
    front of it (as they stand in the source). A table starts at its caption line
    ("Table 2: ...") and ends at the first line of prose. A table cell wrapped over several
    lines is joined up too: a line that carries on in lower case, and, in a table whose rows
    state figures, a row start without one (its first cell alone) with the line after it."""
    lines = _unwrapped([line for line in source.text.split("\n") if line.strip()])
    units: list[str] = []
    n = 0
    while n < len(lines):
        line = lines[n]
        if _CAPTION.match(line) and n + 2 < len(lines) and not _prose(lines[n + 1]):
            context = "\n".join(lines[n : n + 2])
            header = lines[n + 1].strip()
            n += 2
            rows = []
            while n < len(lines) and not _prose(lines[n]) and not _CAPTION.match(lines[n]):
                if lines[n].strip() != header:  # the header row repeated after a page break
                    rows.append(lines[n])
                n += 1
            units.extend(f"{context}\n{row}" for row in _whole_rows(rows))
            continue
        units.extend(split_sentences(line))
        n += 1
    return units


def _unwrapped(lines: list[str]) -> list[str]:
    """Lines with each line that carries on in lower case joined to the one before it (a
    sentence or a table cell wrapped over several lines). Never onto a table's caption or
    header row, never a list item ("a. condotels"), never a line of cells set apart by a
    bar or a tab."""
    joined: list[str] = []
    for line in lines:
        previous = joined[-2] if len(joined) > 1 else ""
        if (
            joined
            and not joined[-1].rstrip().endswith((".", ";", ":", "?", "!"))
            and line.lstrip()[:1].islower()
            and not _CAPTION.match(joined[-1])
            and not _CAPTION.match(previous)
            and not LIST_ITEM.match(line)
            and not CELLS.search(line)
        ):
            joined[-1] = f"{joined[-1].rstrip()} {line.strip()}"
        else:
            joined.append(line)
    return joined


def _whole_rows(rows: list[str]) -> list[str]:
    """Table rows with a row's first cell, wrapped onto a line of its own, joined to the
    rest of the row: in a table most of whose rows state a figure, a line with none."""
    figured = sum(bool(_DIGIT.search(r)) for r in rows)
    if figured * 2 <= len(rows) or any(CELLS.search(r) for r in rows):
        return rows  # cells set apart by a bar or a tab are whole rows already
    whole: list[str] = []
    pending = ""
    for row in rows:
        if not _DIGIT.search(row) and not pending:
            pending = row.strip()
            continue
        whole.append(f"{pending} {row.strip()}" if pending else row)
        pending = ""
    if pending:
        whole.append(pending)
    return whole


_CAPTION = re.compile(r"^\s*(?:table|exhibit|matrix|schedule)\b", re.IGNORECASE)


def _prose(line: str) -> bool:
    """A line of running text rather than a table row: it ends a sentence or holds one."""
    return line.rstrip().endswith((".", ";", ":", "?", "!")) or len(split_sentences(line)) > 1


class ExtractiveBackend:
    """Quotes the best-matching sentences of the one section that best answers; offline."""

    name = "extractive"

    def __init__(self, embedding: LocalEmbedding, settings: AnswerSection) -> None:
        self._embedding = embedding
        self._settings = settings
        self.model = embedding.model_name

    def generate(
        self,
        question: str,
        sources: Sequence[RetrievedChunk],
        *,
        filters: Filters | None = None,
    ) -> Generation:
        # A worked example in commentary applies a rule to a made-up case: not the rule.
        # Nor is a paragraph under a heading of examples, in commentary or rule text alike.
        # A model form's wording to the applicant ("please contact us within 60 days of
        # the date of this letter") is not the rule: quoted only when the form is asked for.
        kinds = [text_kind(s.section_path, s.doc_type) for s in sources]
        forms = asks_for_form(question)
        candidates = [
            _Candidate(i, j, text)
            for i, source in enumerate(sources)
            for j, text in enumerate(passages(source))
            if _quotable(text)
            and (
                forms
                or kinds[i] != "form"
                or not speaks_as_form(source.section_path, source.doc_type, text)
            )
            and (kinds[i] == "rule" or not _ILLUSTRATION.match(text))
            and not _in_example(source, text)
        ]
        # A passage read only to complete a list answers nothing on its own.
        found = [c for c in candidates if not sources[c.source].completes_list]
        chosen = self._choose(question, found, sources, filters) if found else []
        chosen = _list_completed(chosen, candidates, sources)
        # Among the quotes, the tiers a figure of the question falls outside ("(A) For a
        # loan amount greater than or equal to $100,000" for an $85,000 loan) are dropped
        # (whole lists included) where the tier it falls in is quoted beside them.
        out_of_tier, _ = _tiers(question, chosen, sources)
        chosen = [c for n, c in enumerate(chosen) if n not in out_of_tier]
        chosen = _with_tables_referred_to(chosen, candidates, sources)
        chosen = _with_lead_ins(chosen, candidates, sources)
        if not chosen:
            return Generation(text=NOT_FOUND, backend=self.name, model=self.model)
        # One quote per line: list items and table rows carry no full stop of their own.
        # A bracketed number inside a quote is the document's, not a citation. A table's
        # caption and header are quoted once, before its first row, joined to it by a
        # separator no document holds (app.tabular.QUOTED).
        lines, context = [], ""
        for c in chosen:
            head, _, row = c.text.rpartition("\n")
            quoted = row if head and head == context else c.text.replace("\n", QUOTED)
            context = head
            lines.append(f"{neutralise_markers(quoted)} [{c.source + 1}]")
        text = "\n".join(lines)
        return Generation(text=text, backend=self.name, model=self.model)

    def _choose(
        self,
        question: str,
        candidates: list[_Candidate],
        sources: Sequence[RetrievedChunk],
        filters: Filters | None,
    ) -> list[_Candidate]:
        """The sentences to quote: those of the one section that best answers; with a state
        in scope, when both the state's best section and the best general (federal or
        company-wide) one answer about as well, both: the state rule first, the general one
        after it."""
        asked = content_words(question)
        if not asked:
            return []
        preferred = self._preferred(question, filters)
        product = filters.product if filters else None
        scoped = frozenset(content_words(product.replace("-", " "))) if product else frozenset()
        scored = self._sections(asked, sources, preferred)
        ranked = [key for key, _ in scored]
        if not ranked:
            return []
        if preferred != FEDERAL:
            local = next((k for k in ranked if _of_state(k, preferred, sources)), None)
            general = next((k for k in ranked if not _of_state(k, preferred, sources)), None)
            if general is not None and local is not None and _overlays(local, general, sources):
                state_rule, state_best = self._quote(
                    question, asked, local, candidates, sources, scoped
                )
                rule, best = self._quote(question, asked, general, candidates, sources, scoped)
                both = state_rule and rule
                if both and min(state_best, best) >= self._settings.relative * max(
                    state_best, best
                ):
                    return state_rule + [c for c in rule if c not in state_rule]
        top = ranked[0]
        if (
            preferred == FEDERAL
            and self._settings.federal_preference
            and not _of_state(top, FEDERAL, sources)
        ):
            # No state asked about: a state's own rule is the answer only where no general
            # rule about as close answers (a California VVOE rule is not the bank's rule).
            best = dict(scored)[top]
            for key, score in scored[1:]:
                if score < self._settings.relative * best:
                    break
                if (
                    _of_state(key, FEDERAL, sources)
                    and self._quote(question, asked, key, candidates, sources, scoped, preferred)[0]
                ):
                    top = key
                    break
            scored = [(top, dict(scored)[top]), *(item for item in scored if item[0] != top)]
        quoted = self._quote(question, asked, top, candidates, sources, scoped, preferred)[0]
        instead = self._rule_instead(scored, sources) if quoted else None
        if instead is None:
            return quoted
        rule = self._quote(question, asked, instead, candidates, sources, scoped, preferred)[0]
        if not rule:
            return quoted
        # The interpretation follows the rule where it speaks to words of the question the
        # rule's sentences do not ("balloon" in a comment on the rule of equal payments):
        # its one sentence that speaks to most of them, as a second citation.
        said = set().union(*(content_words(c.text) for c in rule))
        unsaid = asked - said
        adds = [len(unsaid & content_words(c.text)) for c in quoted]
        if not any(adds):
            return rule
        return [*rule, quoted[adds.index(max(adds))]]

    def _rule_instead(
        self, scored: list[tuple[tuple[str, str, str], float]], sources: Sequence[RetrievedChunk]
    ) -> tuple[str, str, str] | None:
        """When the best section is an official interpretation: the best section of the
        rule it interprets (same document, its label or one above it: ``1026.43(e)`` for a
        comment on ``43(e)(2)``) that scores within ``rule_preference`` of it, to be quoted
        instead where it has something to quote. Never in place of "not found": only a
        section that answers is replaced."""
        (top, best), margin = scored[0], self._settings.rule_preference
        kinds = {_section_of(s): text_kind(s.section_path, s.doc_type) for s in sources}
        labels = {_section_of(s): rule_label(s.section_path) for s in sources}
        interprets = labels[top]
        if kinds[top] != "interpretation" or not interprets or margin <= 0:
            return None
        return next(
            (
                key
                for key, score in scored[1:]
                if kinds[key] == "rule"
                and key[:2] == top[:2]
                and labels[key] in label_ancestors(interprets)
                and score + margin >= best
            ),
            None,
        )

    def _quote(
        self,
        question: str,
        asked: set[str],
        home: tuple[str, str, str],
        candidates: list[_Candidate],
        sources: Sequence[RetrievedChunk],
        scoped: frozenset[str] = frozenset(),
        credit: str = "",
    ) -> tuple[list[_Candidate], float]:
        """The best sentences of section ``home`` for the question (with the list items a
        chosen lead-in introduces), and the best one's score; nothing when none is close
        enough. ``scoped``: the words of the product in scope."""
        weights = _specificity(asked, sources)
        total = sum(weights.values())
        # Figures in a question are the applicant's values ("a 705 score", "$1.7 million"),
        # which the policy states as ranges and limits: they are not words it must repeat.
        values = {w for w in asked if numbers(w)}
        needed = min(self._settings.min_shared_words, len(asked - values) or len(asked))
        own = [c for c in candidates if _section_of(sources[c.source]) == home]
        # A list item is read with the sentence that introduces it.
        words = [asked & (content_words(c.text) | _lead_in(c, sources)) for c in own]
        if credit not in ("", FEDERAL) and _of_state(home, credit, sources):
            # A state named in the question (taken out of what is matched) is what every
            # sentence of that state's own sections speaks to: it counts as a shared word
            # there, and nowhere else; only beside a word of the question's own subject
            # (the product in scope is not one: "HELOC" and "Texas" do not make a Texas
            # rule on advances an answer about credit reports).
            words = [w | {_STATE_WORD} if w - scoped else w for w in words]
            weights = {**weights, _STATE_WORD: 0.0}  # it counts, but weighs nothing
        # An answer must share words with the question, so only those are embedded.
        pool = [i for i, w in enumerate(words) if w]
        if not pool:
            return [], 0.0
        vectors = self._embedding.embed_cached([question, *(own[i].text for i in pool)])
        similarity = vectors[1:] @ vectors[0]
        overlap = np.array([sum(weights[w] for w in words[i]) / total for i in pool])
        # Rank by meaning first, words second.
        score = 0.7 * similarity + 0.3 * overlap
        settings = self._settings
        eligible = [
            int(i)
            for i in np.argsort(-score, kind="stable")
            if (
                similarity[i] >= settings.sentence_floor
                and (
                    len(words[pool[i]] - values) >= needed
                    or similarity[i] >= settings.single_word_similarity
                )
            )
            or (overlap[i] >= settings.specific_share and similarity[i] >= settings.specific_floor)
        ]
        # A figure of the question ("a 705 score", "a $1.7 million loan") picks the tier it
        # falls in among the section's tiers; the tiers it falls outside are not quoted.
        # It chooses among answers, and never makes one: a section with nothing to quote
        # stays "not found".
        out_of_tier, in_tier = _tiers(question, [own[i] for i in pool], sources)
        answers = bool(eligible)
        eligible = [i for i in eligible if i not in out_of_tier]
        close = [i for i in in_tier if similarity[i] >= settings.specific_floor]
        if close and answers:  # the tightest tier that holds the figure
            eligible = [close[0], *(i for i in eligible if i != close[0])]
        if not eligible:
            return [], 0.0
        best = float(score[eligible[0]])
        top = own[pool[eligible[0]]]
        # A table is asked for by its caption's words; the product in scope need not be there.
        table = _table_asked_for(asked - values - scoped, top, candidates, sources)
        if table:
            return sorted(table, key=lambda c: (sources[c.source].ordinal, c.position)), best
        kept = [pool[i] for i in eligible if score[i] >= settings.relative * best]
        chosen = self._with_bodies(
            question, [own[i] for i in kept[: settings.max_sentences]], own, sources
        )
        quoted = _with_list_items(chosen, candidates, sources)
        return sorted(quoted, key=lambda c: (sources[c.source].ordinal, c.position)), best

    def _with_bodies(
        self,
        question: str,
        chosen: list[_Candidate],
        own: list[_Candidate],
        sources: Sequence[RetrievedChunk],
    ) -> list[_Candidate]:
        """``chosen``, each paragraph title among them ("(e) Withdrawal of approved
        application.") followed by the sentence of its paragraph closest to the question:
        a title says what a paragraph is about, its text says the rule."""
        out: list[_Candidate] = []
        asked = content_words(question)
        for c in chosen:
            out.append(c)
            body = _body(c, own, sources)
            if not body:
                continue
            vectors = self._embedding.embed_cached([question, *(b.text for b in body)])
            similarity = vectors[1:] @ vectors[0]
            best = body[int(np.argmax(similarity))]
            close = float(similarity.max()) >= self._settings.sentence_floor
            if (close or asked & content_words(best.text)) and best not in out + chosen:
                out.append(best)
        return out

    def _preferred(self, question: str, filters: Filters | None) -> str:
        """The jurisdiction the reader asked about: the filter's, else (when
        ``state_in_question`` is on) a state the question names, else federal."""
        jurisdiction = filters.jurisdiction if filters else None
        if jurisdiction is None and self._settings.state_in_question:
            jurisdiction = named_state(question)
        return jurisdiction or FEDERAL

    def _bonus(self, source: RetrievedChunk, preferred: str) -> float:
        """What a section gains for being of the jurisdiction asked about: a state's own rules
        supplement or override the federal ones; a question about no state in particular is
        answered from the general (federal) rules."""
        if preferred not in source.jurisdiction:
            return 0.0
        if preferred == FEDERAL:
            return self._settings.federal_preference
        return self._settings.state_preference

    def _sections(
        self,
        asked: set[str],
        sources: Sequence[RetrievedChunk],
        preferred: str = FEDERAL,
    ) -> list[tuple[tuple[str, str, str], float]]:
        """The retrieved sections and their scores, best first, to quote an answer from:
        ranked by how close each is to the question (its best passage's retrieval score)
        plus the share of the question's words it holds, heading included, each word
        weighted by how few of the retrieved sections hold it; plus a bonus for a section of
        the jurisdiction asked about (``preferred``)."""
        weights = _specificity(asked, sources)
        total = sum(weights.values())
        held: dict[tuple[str, str, str], set[str]] = {}
        closeness: dict[tuple[str, str, str], float] = {}
        for source in sources:
            if source.completes_list:
                continue
            key = _section_of(source)
            held.setdefault(key, set()).update(asked & _words(source))
            closeness[key] = max(closeness.get(key, -1.0), source.score)
        bonus = {_section_of(s): self._bonus(s, preferred) for s in sources}
        scores = {
            key: closeness[key]
            + self._settings.section_coverage * sum(weights[w] for w in held[key]) / total
            + bonus[key]
            for key in held
        }
        return sorted(scores.items(), key=lambda item: item[1], reverse=True)


def _text(source: RetrievedChunk) -> str:
    return " ".join((source.title, *source.section_path, source.text))


def _section_of(source: RetrievedChunk) -> tuple[str, str, str]:
    return (source.doc_id, source.version, source.section_id)


def _overlays(
    local: tuple[str, str, str], general: tuple[str, str, str], sources: Sequence[RetrievedChunk]
) -> bool:
    """Whether a general section may be quoted after a state one as the rule it overlays:
    their documents apply to a product in common (or to every product), and the general
    section was found about as close to the question (``_OVERLAY_CLOSENESS``)."""

    def products(key: tuple[str, str, str]) -> set[str]:
        return set(next(s.product for s in sources if _section_of(s) == key))

    def closeness(key: tuple[str, str, str]) -> float:
        return max(s.score for s in sources if _section_of(s) == key)

    a, b = products(local), products(general)
    shared = ALL_PRODUCTS in a or ALL_PRODUCTS in b or bool(a & b)
    return shared and closeness(general) >= _OVERLAY_CLOSENESS * closeness(local)


_OVERLAY_CLOSENESS = 0.85
_STATE_WORD = "\x00state"
"""Stands for the state in scope among a sentence's words (no real word looks like it)."""


def _of_state(section: tuple[str, str, str], state: str, sources: Sequence[RetrievedChunk]) -> bool:
    """Whether a retrieved section's document is one of ``state``'s own rules."""
    return any(state in s.jurisdiction for s in sources if _section_of(s) == section)


def _words(source: RetrievedChunk) -> set[str]:
    """The content words of a passage and of its heading path."""
    return content_words(_text(source))


def _specificity(asked: set[str], sources: Sequence[RetrievedChunk]) -> dict[str, float]:
    """Weight of each question word: high when few of the retrieved sections hold it (an
    inverse document frequency over the sections at hand)."""
    sections: dict[tuple[str, str, str], set[str]] = {}
    for source in sources:
        sections.setdefault(_section_of(source), set()).update(_words(source))
    count = len(sections)
    return {
        w: math.log((count + 1) / (sum(w in words for words in sections.values()) + 0.5))
        for w in asked
    }


def _body(
    title: _Candidate, own: list[_Candidate], sources: Sequence[RetrievedChunk]
) -> list[_Candidate]:
    """When ``title`` is the title of a numbered paragraph (a few words and a full stop, no
    verb of rule), the sentences after it in its passage that stand in that paragraph or
    below it; otherwise none."""
    if not _TITLE.match(title.text) or _RULE_VERB.search(title.text):
        return []
    source = sources[title.source]
    label = quoted_paragraph(source.text, source.paragraphs, title.text)
    if not label:
        return []
    body: list[_Candidate] = []
    for c in sorted(own, key=lambda c: c.position):
        if c.source != title.source or c.position <= title.position:
            continue
        below = quoted_paragraph(source.text, source.paragraphs, c.text)
        if common_paragraph([label, below]) != label:  # not in the title's paragraph
            break
        body.append(c)
    return body


_TITLE = re.compile(r"^\s*(?:\(?[0-9A-Za-z]{1,4}[.)]\s+)*(?:[^\s.:;\d]+\s+){0,9}[^\s.:;\d]+\.$")
"""A paragraph title: its marker, then at most ten words (no figure) and a full stop."""
_RULE_VERB = re.compile(
    r"\b(?:is|are|was|were|be|must|may|shall|will|can|should|has|have|does|do|need|needs"
    r"|not|no|never|required|permitted|prohibited|allowed|eligible|ineligible)\b",
    re.IGNORECASE,
)
"""Words that make a short sentence a rule ("(3) Manual underwriting not permitted.")."""


def _in_example(source: RetrievedChunk, text: str) -> bool:
    """Whether a sentence of a passage stands in one of its example paragraphs; one that
    speaks of the examples from outside them ("Notwithstanding the illustrations above,
    ...") is the rule again."""
    if not source.examples or _BEYOND_EXAMPLES.search(text):
        return False
    return quoted_paragraph(source.text, source.paragraphs, text) in source.examples


_BEYOND_EXAMPLES = re.compile(
    r"\b(?:notwithstanding|regardless\s+of|in\s+addition\s+to)\b"
    r"|\b(?:examples?|illustrations?)\s+(?:above|in\s+this\s+(?:paragraph|section))\b",
    re.IGNORECASE,
)


def _quotable(text: str) -> bool:
    """Whether a unit can be quoted as an answer: not a piece of a sentence, and not a
    heading, a table caption or a table header standing alone, and never text addressed
    to a model or to the reader as a command."""
    if instruction(text):
        return False
    if "\n" in text or LIST_ITEM.match(text):
        return True
    if _fragment(text) or _CAPTION.match(text):
        return False
    return text.rstrip().endswith((".", ";", ":", "?", "!", ")")) or bool(_DIGIT.search(text))


_DIGIT = re.compile(r"\d")
_ILLUSTRATION = re.compile(
    r"""^\W*(?:\(?[0-9a-z]{1,4}[.)]\s+)?          # a list marker
    (?:for\s+(?:example|instance),|to\s+illustrate\b|by\s+way\s+of\s+illustration\b
      |assume\b|assuming\s+that\b|suppose\b|example\s*(?:\d+|:)
      |similarly,?\s+(?:if|assume|where|when)\b|(?:using|in)\s+the\s+(?:same\s+)?example\b)""",
    re.IGNORECASE | re.VERBOSE,
)
"""A sentence that opens a worked example in an official interpretation or an example
section ("For example, ...", "Assume that ...", "To illustrate, ..."): it applies a rule to
a made-up case and is not the rule itself (in rule text, "Assume a payment of 1 percent of
the balance" is the rule, and is quoted)."""


def _fragment(text: str) -> bool:
    """A piece of a sentence (a form label, a line broken off a narrow column): not worth
    quoting on its own. Table rows and list items are whole units."""
    if "\n" in text or LIST_ITEM.match(text):
        return False
    return text[:1].islower() or len(text.split()) < 4


_MARKER = re.compile(
    r"^\s*(?:([-*\u2022\u25aa\u25cf])\s|\(?([0-9]{1,3}|[a-z]{1,4}|[A-Z]{1,4})[.)]\s)"
)
"""The marker of a list item or a lettered paragraph: a bullet, ``1.``, ``(b)``, ``(B)``."""


def _tiers(
    question: str, units: Sequence[_Candidate], sources: Sequence[RetrievedChunk]
) -> tuple[set[int], list[int]]:
    """Of ``units`` (by index): the tiers a figure of the question falls outside, where
    one it falls in is among them, and those it falls in, the tightest of each table or list
    first (:mod:`app.question.tiers`). Tiers are units alike in form in one section:
    the rows of one table, or the items marked alike ("(A)", "(B)"; bullets); a sentence of
    prose is never one ("Lines of credit above $100,000 ..." is no tier beside "A Phase I
    ... is required for loans above $1,000,000")."""
    groups: dict[tuple[object, ...], list[int]] = {}
    order = sorted(
        range(len(units)), key=lambda n: (sources[units[n].source].ordinal, units[n].position)
    )
    for n in order:  # reading order: a ladder's rungs climb in it
        unit = units[n]
        section = _section_of(sources[unit.source])
        if "\n" in unit.text:
            key: tuple[object, ...] = (section, "table", unit.text.split("\n")[0])
        elif m := _MARKER.match(unit.text):
            mark = m.group(2) or ""
            kind = "bullet" if m.group(1) else "digit" if mark.isdigit() else mark.islower()
            key = (section, "list", kind)
        else:
            continue
        groups.setdefault(key, []).append(n)
    out: set[int] = set()
    holding: list[int] = []
    asked = content_words(question)
    for members in groups.values():
        tiers = sort_tiers(question, [units[n].text for n in members])
        if not tiers.apply:
            continue
        # Rungs of one ladder differ in their ranges, not in what they are about: a unit
        # left out that speaks to two or more words of the question the tiers holding its
        # figure do not ("accounts receivable agings dated no more than 30 days" beside
        # "interim financial statements dated no more than 90 days") is a condition of its
        # own, and the list is no ladder.
        said = set().union(*(content_words(units[members[i]].text) for i in tiers.holding))
        if any(
            len((content_words(units[members[i]].text) & asked) - said) >= 2 for i in tiers.excluded
        ):
            continue
        out |= {members[i] for i in tiers.excluded}
        holding += [members[i] for i in tiers.holding]
    return out, holding


def _table_asked_for(
    asked: set[str],
    top: _Candidate,
    candidates: list[_Candidate],
    sources: Sequence[RetrievedChunk],
) -> list[_Candidate]:
    """Every row of the table the best unit is a row of, when the question asks for the
    table itself: each of its words (figures aside) is in the table's caption or header
    ("What are the adverse action notice deadlines?" and "Table 1: Adverse Action Notice
    Deadlines"); empty otherwise. Rows from every retrieved passage of the table's section
    count (a table broken over a page is one table); a table of another document captioned
    alike does not."""
    if "\n" not in top.text or not asked:
        return []
    context = top.text.split("\n")[0]
    if not asked <= content_words("\n".join(top.text.split("\n")[:2])):
        return []
    home = _section_of(sources[top.source])
    rows = [
        c
        for c in candidates
        if "\n" in c.text
        and c.text.split("\n")[0] == context
        and _section_of(sources[c.source]) == home
    ]
    return list({c.text.split("\n", 2)[-1]: c for c in rows}.values())


_REFERENCE = re.compile(
    r"\b(?:in|see|on|per|under)\s+(Table|TABLE|Exhibit|EXHIBIT|Matrix|MATRIX|Schedule|SCHEDULE"
    r"|Chart|CHART)\s+([0-9]+[A-Za-z]?(?:[.-][0-9A-Za-z]+)*|[A-Z](?:[.-][0-9]+)*)\b"
    r"(?!\s+(?:of|to|in)\s)"
)
"""A sentence pointing to a table of its own document: "... are shown in Table 1" (not
"Table 2 of the Selling Guide", "Schedule C of the tax return", "on schedule a month")."""
_NOT_APPLYING = re.compile(r"\b(?:not|no|never|except|unless|instead\s+of)\b", re.IGNORECASE)
_MOST_TABLE_ROWS = 15
"""Rows of a table pointed to that are added to the answer, at most: a longer table is
left to the reader, who opens the citation."""


def _with_tables_referred_to(
    chosen: list[_Candidate], candidates: list[_Candidate], sources: Sequence[RetrievedChunk]
) -> list[_Candidate]:
    """``chosen``, each sentence that points to a table of its own document ("The maximum
    PTI and DTI for each tier are shown in Table 1.") followed by that table's rows where
    retrieved passages hold them (its caption names it: "Table 1: ..."), in reading order:
    the sentence says where the figures are, the rows are the figures. One table per
    reference (the one in the sentence's own section, else the nearest), none for a
    sentence that says where a table does not apply, nor for one too long to read here."""
    out = list(chosen)
    for c in chosen:
        if "\n" in c.text or _NOT_APPLYING.search(c.text):
            continue
        home = sources[c.source]
        added: list[_Candidate] = []
        for kind, name in _REFERENCE.findall(c.text):
            caption = re.compile(
                rf"^\s*{re.escape(kind)}\s+{re.escape(name)}(?![0-9A-Za-z.-]*[0-9A-Za-z])",
                re.IGNORECASE,
            )
            tables: dict[str, list[_Candidate]] = {}
            for r in candidates:
                source = sources[r.source]
                if (
                    "\n" in r.text
                    and caption.match(r.text)
                    and (source.doc_id, source.version) == (home.doc_id, home.version)
                ):
                    tables.setdefault(source.section_id, []).append(r)
            if not tables:
                continue
            section = min(
                tables,
                key=lambda k: (
                    k != home.section_id,
                    min(abs(sources[r.source].ordinal - home.ordinal) for r in tables[k]),
                ),
            )
            rows = {r.text.split("\n", 2)[-1]: r for r in tables[section]}
            if len(rows) > _MOST_TABLE_ROWS:
                continue
            added += sorted(
                (r for r in rows.values() if r not in out and r not in added),
                key=lambda r: (sources[r.source].ordinal, r.position),
            )
        at = out.index(c) + 1
        out[at:at] = added
    return out


def _with_list_items(
    chosen: list[_Candidate], candidates: list[_Candidate], sources: Sequence[RetrievedChunk]
) -> list[_Candidate]:
    """A sentence that introduces a list ("... all of the following:") is quoted with the
    list items that follow it: in the same passage, then in the next chunk of the same
    document when that chunk was retrieved too."""

    def reading_order(c: _Candidate) -> tuple[int, int]:
        return (sources[c.source].ordinal, c.position)

    out = list(chosen)
    for lead in chosen:
        if not lead.text.rstrip().endswith((":", "following.", "following")):
            continue
        home = sources[lead.source]
        following = [
            c
            for c in candidates
            if sources[c.source].doc_id == home.doc_id
            and sources[c.source].version == home.version
            and home.ordinal <= sources[c.source].ordinal <= home.ordinal + 1
            and reading_order(c) > reading_order(lead)
        ]
        taken: list[_Candidate] = []
        for item in sorted(following, key=reading_order)[:_MAX_LIST_ITEMS]:
            is_item = bool(LIST_ITEM.match(item.text))
            started = any(LIST_ITEM.match(t.text) for t in taken)
            # One note may stand between a lead-in and its list; the list ends at prose.
            if not is_item and (started or taken):
                break
            taken.append(item)
        if any(LIST_ITEM.match(t.text) for t in taken):
            out.extend(t for t in taken if t not in out)
    return out


def _with_lead_ins(
    quoted: list[_Candidate], candidates: list[_Candidate], sources: Sequence[RetrievedChunk]
) -> list[_Candidate]:
    """``quoted`` with the sentence that introduces each quoted list item's list before the
    first item of it quoted, where it stands in the item's passage and is not quoted
    already: an item alone ("(iii) The applicant is relying on the spouse's income ...;")
    does not say what the rule is; its lead-in ("A creditor may request any information
    concerning an applicant's spouse ... if:") does. Only the lead-in: the items chosen
    stay those that answer."""
    out: list[_Candidate] = []
    for item in quoted:
        if LIST_ITEM.match(item.text):
            lead = _introduction(item, candidates, sources)
            if lead is not None and lead not in out and lead not in quoted:
                out.append(lead)
        out.append(item)
    return out


def _introduction(
    item: _Candidate, candidates: list[_Candidate], sources: Sequence[RetrievedChunk]
) -> _Candidate | None:
    """The sentence of ``item``'s passage that introduces the list it is an item of: the
    nearest sentence before it that governs it, when that ends in a colon, may be quoted and
    says something ("A creditor may request ... if:"). With the passage's paragraph marks,
    the sentence that governs it is the nearest one in a paragraph holding the item's
    ("(c)(2)" for "(c)(2)(iii)"); without them, the nearest one that is not itself a list
    item, and none where an item ending in a colon (a sub-list's own lead-in) stands
    between. None otherwise: the sentence above the item's list, or one filtered out ("Not
    required:", an instruction), is never stepped over for another list's lead-in."""
    source = sources[item.source]
    units = passages(source)
    quotable = {c.position: c for c in candidates if c.source == item.source}
    label = quoted_paragraph(source.text, source.paragraphs, item.text)
    nested = False
    for position in range(item.position - 1, -1, -1):
        text = units[position]
        if label:
            held = quoted_paragraph(source.text, source.paragraphs, text)
            if held == label or common_paragraph([label, held]) != held:
                continue  # the item's own paragraph, or a sibling's: not above it
        elif LIST_ITEM.match(text):
            nested = nested or text.rstrip().endswith(":")
            continue
        lead = quotable.get(position)
        if lead is None or nested or not text.rstrip().endswith(":") or not content_words(text):
            return None
        return lead
    return None


def _list_completed(
    chosen: list[_Candidate], candidates: list[_Candidate], sources: Sequence[RetrievedChunk]
) -> list[_Candidate]:
    """``chosen`` with the items of a quoted list that a passage read to complete it holds,
    each after the quote it goes on from."""
    out = list(chosen)
    for item in _with_list_items(chosen, candidates, sources):
        if item in out:
            continue
        home = sources[item.source]
        before = [
            i
            for i, c in enumerate(out)
            if (sources[c.source].doc_id, sources[c.source].version) == (home.doc_id, home.version)
            and (sources[c.source].ordinal, c.position) < (home.ordinal, item.position)
        ]
        out.insert(before[-1] + 1 if before else len(out), item)
    return out


def _lead_in(item: _Candidate, sources: Sequence[RetrievedChunk]) -> set[str]:
    """The content words of the sentence that introduces a list item ("Reserves are
    required as follows:", "Required documentation:"): the item is read in its light. The
    lead-in is read even when too short to be quoted on its own."""
    if not LIST_ITEM.match(item.text):
        return set()
    before = [
        text
        for text in passages(sources[item.source])[: item.position]
        if not LIST_ITEM.match(text)
    ]
    if before and before[-1].rstrip().endswith(":"):
        return content_words(before[-1])
    return set()
