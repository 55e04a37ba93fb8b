"""Coverage: a question and what its answer quotes -> how far the quotes cover what was asked.

The question's specific terms are its nouns and names (a collateral type, a program, a form,
an agency: "boat", "HECM", "bitcoin"), read with spaCy's tagger, placeholders and figures
left out. The library's vocabulary (:mod:`app.question.lexicon`) tells how specific each is:
a term few sections hold (:data:`app.question.lexicon.FEW` or fewer) names something the
library treats in one place. An answer whose quotes (with their section titles and
documents' titles) leave out such a term may be quoting a neighbouring rule: its support is
``partial`` and the reader is told where the library does speak of the term. A term no
section holds is named when nothing is found ("No document in the policy library uses the
term ...": a fact about words, which it is; the library may say the same in other words).
A short form of the question ("CD", "APOR", "Reg B") is covered by quotes that spell it out
("Closing Disclosure", "average prime offer rate", "Regulation B").

Terms unknown to the library do not by themselves turn an answer into "not found": measured
on the golden set and on real regulation text, readers' own words (house, wife, condo,
fourplex, QC) are as often unknown as the subjects the library lacks (bitcoin, land).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import spacy

from app.models import Citation, Support
from app.question.lexicon import Lexicon, LibraryLexicon
from app.text import content_words, instruction, polarity

EMPTY_LIBRARY = (
    "The policy library holds no current documents: compliance staff add them on the "
    "Policies page or with `copilot ingest`."
)
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_\d+>")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'&]*(?:-[A-Za-z0-9'&]+)*")
_ACRONYM = re.compile(r"\b([A-Z]{2,6})s?\b")
_ABBREVIATION = re.compile(r"\b[A-Z][a-z]{2,4}\b(?=\.?\s+[A-Z0-9]\b)")
"""A capitalised short word before a one-letter or one-figure name: "Reg B", "Sec. 5"."""
_LIMIT = re.compile(
    r"(?:no|not)\s+(?:more|less|later|earlier|fewer|greater|sooner|older|longer)\s+than\b"
    r"|(?:not|never)\s+(?:to\s+)?exceed(?:ing)?\b",
    re.IGNORECASE,
)
"""A bound, not a denial: "no more than 30 days", "not to exceed 43%", "may never exceed"."""
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being"})
_ALLOWING = frozenset({"eligible", "acceptable", "permitted", "allowed", "available"})
_DENYING = frozenset(
    {"ineligible", "prohibited", "excluded", "unacceptable", "disallowed", "forbidden", "never"}
)
_SPELLED_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_JOINING = frozenset({"of", "and", "for", "the", "to", "on", "in", "&"})


@dataclass(frozen=True)
class Coverage:
    support: Support
    not_covered: tuple[str, ...] = ()
    """``partial``: the specific terms the quotes leave out; ``not_found``: the terms the
    whole library leaves out."""
    explanation: tuple[str, ...] = ()
    """One line per term not covered: where the library speaks of it, or that it does not."""


class CoverageCheck:
    def __init__(self, lexicon: LibraryLexicon, spacy_model: str) -> None:
        self._lexicon = lexicon
        self._nlp = _tagger(spacy_model)

    def terms(self, question: str) -> tuple[str, ...]:
        """The question's nouns and names, as content words, in order: a word (hyphenated
        ones whole, "self-employed", "co-op") is a term when spaCy tags a token of it as a
        noun or a proper noun."""
        text = _PLACEHOLDER.sub(lambda m: " " * len(m.group()), question)
        nouns = [
            (t.idx, t.idx + len(t.text))
            for t in self._nlp(text)
            if t.pos_ in ("NOUN", "PROPN") and not t.like_num
        ]
        terms: dict[str, None] = {}
        for match in _WORD.finditer(text):
            start, end = match.span()
            if not any(a < end and start < b for a, b in nouns):
                continue
            for word in sorted(content_words(match.group())):
                if not any(ch.isdigit() for ch in word):
                    terms[word] = None
        return tuple(terms)

    def check(self, question: str, citations: Sequence[Citation], *, abstained: bool) -> Coverage:
        lexicon = self._lexicon.current()
        terms = self.terms(question)
        if abstained and not lexicon.frequency:
            # Nothing to look in: no word of any question is "unknown to the library" then.
            return Coverage(support="not_found", explanation=(EMPTY_LIBRARY,))
        if abstained:
            unknown = tuple(t for t in terms if not lexicon.knows(t))
            return Coverage(
                support="not_found",
                not_covered=unknown,
                explanation=tuple(
                    f"No document in the policy library uses the term \u2018{t}\u2019."
                    for t in unknown
                ),
            )
        quoted: set[str] = set()
        for c in citations:
            quoted |= content_words(f"{c.title} {c.section_id} {c.section_title} {c.quote}")
        spoken = " ".join(f"{c.title} {c.section_title} {c.quote}" for c in citations)
        short = _shortened(question)
        missing = tuple(
            t
            for t in terms
            if t not in quoted and _placed(t, lexicon) and not (t in short and _spelled(t, spoken))
        )
        if not missing:
            return Coverage(support="direct")
        ruled_out = {t: denial for t in missing if (denial := self._ruled_out(t, lexicon))}
        if ruled_out:
            # The library's only word on it is that it is not done: that is its answer, not
            # the neighbouring rule the quotes hold.
            return Coverage(
                support="not_found",
                not_covered=tuple(ruled_out),
                explanation=tuple(
                    f"The policy library speaks of \u2018{t}\u2019 only to rule it out: "
                    + "; ".join(f"\u201c{sentence}\u201d ({place})" for place, sentence in denial)
                    + "."
                    for t, denial in ruled_out.items()
                ),
            )
        return Coverage(
            support="partial",
            not_covered=missing,
            explanation=tuple(
                f"The quoted passages do not mention \u2018{t}\u2019; the library does in: "
                + "; ".join(_places(t, lexicon))
                + "."
                for t in missing
            ),
        )

    def _ruled_out(self, term: str, lexicon: Lexicon) -> tuple[tuple[str, str], ...]:
        """What the library says of ``term`` when every sentence of it that holds the term
        denies it ("Motorcycles, ... boats ... are not financed"; "advances may not be made
        by debit card, credit card ..."): ``(place, sentence)`` each; nothing when any of
        them does not, or holds an instruction."""
        said = lexicon.sayings(term)
        if said and all(
            self._denied(term, sentence) and not instruction(sentence) and not instruction(place)
            for place, sentence in said
        ):
            return said
        return ()

    def _denied(self, term: str, sentence: str) -> bool:
        """Whether a denial in ``sentence`` governs ``term``: a "not" (or "never") on a word
        the term depends on, "no" before it or before a word it depends on, or a word of
        denial ("ineligible", "prohibited") on that path. A limit ("no more than 30 days",
        "not to exceed 43%") rules nothing out."""
        if not polarity(sentence)[0]:
            return False
        doc = self._nlp(sentence)
        held = [t for t in doc if term in content_words(t.text) or t.lower_ in term.split("-")]
        return bool(held) and all(
            any(_denial(a) for a in (token, *token.ancestors)) for token in held
        )


def _denial(word: spacy.tokens.Token) -> bool:
    """Whether ``word`` is denied: "not financed", "no boats", "ineligible"; not a bound
    ("not exceed 80%") nor a denied classification ("is not a high-cost loan": the term is
    described, not ruled out), unless what it is denied to be is allowed ("is not eligible
    collateral")."""
    if word.lower_ in _DENYING:
        return True
    described = [c for c in word.children if c.dep_ == "attr"] if word.lower_ in _BE else []
    allowed = any(
        w.lower_ in _ALLOWING for c in described for w in (c, *c.children) if w.dep_ != "det"
    )
    for child in word.children:
        if _LIMIT.match(child.doc[child.i :].text):
            continue
        if child.dep_ == "neg" and described and not allowed:
            continue
        if child.dep_ == "neg" or (child.dep_ == "det" and child.lower_ == "no"):
            return True
        if child.dep_ in ("acomp", "attr", "amod", "advmod", "oprd") and (
            child.lower_ in _DENYING or any(g.lower_ in _DENYING for g in child.children)
        ):
            return True
    return False


@functools.cache
def _tagger(name: str) -> spacy.language.Language:
    """spaCy's pipeline without its entity recogniser, loaded once per process."""
    return spacy.load(name, exclude=["ner", "lemmatizer"])


def _places(term: str, lexicon: Lexicon) -> list[str]:
    """Where the library speaks of ``term`` (few places), leaving out a heading that holds
    an instruction: a document's headings are shown only as the reader's text."""
    return [p for p in lexicon.places.get(term, ()) if not instruction(p)]


def _placed(term: str, lexicon: Lexicon) -> bool:
    return bool(_places(term, lexicon))


def _shortened(question: str) -> set[str]:
    """The question's words written as short forms, lower case: acronyms (two to six
    capitals, a plural ``s`` aside: "CFPB", "APORs") and capitalised abbreviations ("Reg")."""
    found = {m.group(1).lower() for m in _ACRONYM.finditer(question)}
    return found | {m.group().lower() for m in _ABBREVIATION.finditer(question)}


def _spelled(term: str, text: str) -> bool:
    """Whether ``text`` spells out the short form ``term``: consecutive words whose initials
    make it ("CFPB": Consumer Financial Protection Bureau; "APOR": average prime offer rate;
    a shorter one only in capitalised words: "CD", Closing Disclosure), small words such
    as "of" and "and" between them allowed; or, for an abbreviation, a capitalised word it
    begins ("Reg": Regulation)."""
    words = _SPELLED_WORD.findall(text)
    if any(w[0].isupper() and len(w) > len(term) and w.lower().startswith(term) for w in words):
        return True
    size = len(term)
    for start in range(len(words)):
        taken, n = 0, start
        while taken < size and n < len(words):
            word = words[n]
            if taken and word.lower() in _JOINING:
                n += 1
                continue
            if word[0].lower() != term[taken] or (size < 4 and not word[0].isupper()):
                break
            taken, n = taken + 1, n + 1
        if taken == size:
            return True
    return False
