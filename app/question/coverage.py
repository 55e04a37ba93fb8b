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
A short form of the question ("CFPB", "Reg B") is covered by quotes that spell it out
("Consumer Financial Protection Bureau", "Regulation B").

An answer made only of table rows is "not found" when the table has no row or column for
anything the question names, and the question names something the library never uses
("the advance rate on bitcoin"): rows for other things do not answer for it.

Terms unknown to the library do not otherwise turn an answer into "not found": measured
on the golden set and on real regulation text, readers' own words (house, wife, condo,
fourplex, QC) are as often unknown as the subjects the library lacks (bitcoin, land).
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import spacy

from app.models import Citation, Support
from app.question.lexicon import Lexicon, LibraryLexicon
from app.tabular import CELL
from app.text import LIST_ITEM, content_words, focus, instruction

EMPTY_LIBRARY = (
    "The policy library holds no current documents: compliance staff add them on the "
    "Policies page or with `copilot ingest`."
)
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_\d+>")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'&]*(?:-[A-Za-z0-9'&]+)*")
_ACRONYM = re.compile(r"\b([A-Z]{3,6})s?\b")
_ABBREVIATION = re.compile(r"\b([A-Z][a-z]{2,4})\.?\s+([A-Z0-9])\b")
"""A capitalised short word before a one-letter or one-figure name: "Reg B", "Sec. 5"."""
_LONGEST_DENIAL = 60
"""Words of the longest clause read as ruling a term out: a rule of exclusion is short."""
_SAYINGS_SHOWN = 2
"""Clauses quoted in the explanation of a term ruled out, at most."""
_LONGEST_QUOTE = 240
"""Characters of a clause quoted there, at most."""
_CONDITION = re.compile(r"\b(?:unless|except|excepting|without|if|provided that)\b", re.I)
_BOUND = re.compile(
    r"\b(?:more|less|longer|shorter|greater|fewer|later|earlier|older|newer|higher|lower)"
    r"\s+than\b|\bexceed",
    re.IGNORECASE,
)
"""A bound, not a denial: "no more than 30 days", "may not exceed 80%"."""
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being"})
_GRANTING = frozenset(
    "finance financed financing fund funded eligible acceptable accepted accept permitted "  # noqa: SIM905
    "permit allowed allow offered offer originated originate lend lent made make purchased "
    "purchase approved approve available".split()
)
"""Words that grant: denied ("are not financed"), they rule out what they govern."""
_DENYING = frozenset(
    "ineligible prohibited prohibit prohibits excluded exclude excludes unacceptable "  # noqa: SIM905
    "disallowed forbidden decline declined".split()
)
"""Words that deny: not denied themselves ("is not prohibited"), they rule out."""
_CALENDAR = frozenset(
    word
    for name in (*calendar.day_name, *calendar.month_name)
    if name
    for word in content_words(name)
)
"""Names of days and months: when something happened ("declined on Monday"), never what
the question is about, as figures are not (Python's own English names, as words are folded)."""
_SPELLED_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_JOINING = frozenset({"of", "and", "for", "the", "to", "on", "in", "&"})
_LEADING = _JOINING | {"a", "an", "this", "that", "by", "under", "from", "with"}
"""Words that may open a sentence before a name without being part of it."""


@dataclass(frozen=True)
class Coverage:
    support: Support
    not_covered: tuple[str, ...] = ()
    """``partial``: the specific terms the quotes leave out; ``not_found``: the terms the
    whole library leaves out, or those it speaks of only to rule them out."""
    explanation: tuple[str, ...] = ()
    """One line per term not covered: where the library speaks of it, or that it does not."""


def _table_lookup(
    question: str, keys: Sequence[str], citations: Sequence[Citation], lexicon: Lexicon
) -> Coverage | None:
    """ "Not found" for an answer that is rows of a table when the table has no row or
    column for what the question asks about: no word of the question (its caption's words
    aside) is in the table's rows or header, no row's code ("tier B") is named, and what
    the question asks a value for (``keys``) is something no document of the library uses
    ("the advance rate on bitcoin", "a vacant land loan"). The rows
    quoted were then chosen by the caption alone, and rows for other things ("New equipment
    80%") do not answer for the one asked about. A compound of words the library knows
    ("two-year-old") is not unknown. None otherwise."""
    if not citations or not all(CELL in c.quote for c in citations):
        return None
    caption = content_words(citations[0].quote.split("\n", 1)[0])
    lines = [line for c in citations for line in c.passage.split("\n") if CELL in line]
    held = set().union(*(content_words(line) for line in lines)) - caption
    asked = content_words(_PLACEHOLDER.sub(" ", question)) - caption
    if asked & held:
        return None
    codes = {line.split(CELL, 1)[0].strip() for line in lines}
    words = question.split()[1:]  # a capital opening the question is not a code
    if any(w.strip("?.,;:!()") in codes for w in words if len(w.strip("?.,;:!()")) <= 3):
        return None
    unknown = [
        t
        for t in keys
        if not lexicon.knows(t)
        and not ("-" in t and all(lexicon.knows(part) for part in t.split("-") if part))
    ]
    if not unknown:
        return None
    first = citations[0]
    place = f"{first.title}, {first.section_id} {first.section_title}".strip()
    where = f" in {place}" if not instruction(place) else ""
    return Coverage(
        support="not_found",
        not_covered=tuple(unknown),
        explanation=tuple(
            f"No document in the policy library uses the term \u2018{_as_asked(t, question)}"
            f"\u2019, and the table found{where} has no row for it."
            for t in unknown
        ),
    )


def _as_asked(term: str, question: str) -> str:
    """A term as the question writes it ("Christmas", not its folded form "christma")."""
    for word in _WORD.findall(question):
        if content_words(word) == {term}:
            return word
    return term


class CoverageCheck:
    def __init__(self, lexicon: LibraryLexicon, spacy_model: str) -> None:
        self._lexicon = lexicon
        self._nlp = _tagger(spacy_model)

    def terms(self, question: str) -> tuple[str, ...]:
        """The question's nouns and names, as content words, in order: a word (hyphenated
        ones whole, "self-employed", "co-op") is a term when spaCy tags a token of it as a
        noun or a proper noun, and it names no day or month."""
        text = _PLACEHOLDER.sub(lambda m: " " * len(m.group()), _clean(question))
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
                if not any(ch.isdigit() for ch in word) and word not in _CALENDAR:
                    terms[word] = None
        return tuple(terms)

    def _keys(self, question: str) -> tuple[str, ...]:
        """What the question asks a value for: the nouns that are the object of a
        preposition, and the nouns naming a kind of it ("the advance rate on bitcoin", "the
        LTV on a vacant land loan"), as content words. Not the value asked for ("the max
        advance rate", "line size"), the asker's own words ("QC found ..."), or when
        ("yesterday")."""
        text = _PLACEHOLDER.sub(lambda m: " " * len(m.group()), _clean(question))
        keys: dict[str, None] = {}
        for token in self._nlp(text):
            object_ = token.dep_ == "pobj" or (
                token.dep_ in ("compound", "nmod") and token.head.dep_ == "pobj"
            )
            if object_ and token.pos_ in ("NOUN", "PROPN") and not token.like_num:
                keys.update(dict.fromkeys(sorted(content_words(token.text))))
        return tuple(keys)

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
        # The words that only introduced a placeholder ("SSN <US_SSN_1>") name nothing asked.
        focused = focus(question)
        if lookup := _table_lookup(focused, self._keys(focused), citations, lexicon):
            return lookup
        spoken = " ".join(f"{c.title} {c.section_title} {c.quote}" for c in citations)
        acronyms, abbreviations = _short_forms(question)
        missing = tuple(
            t
            for t in terms
            if t not in quoted
            and _placed(t, lexicon)
            and not (t in acronyms and _spelled(t, spoken))
            and not (t in abbreviations and _expanded(t, abbreviations[t], spoken))
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
                    + "; ".join(
                        f"\u201c{_shortened_quote(clause)}\u201d ({place})"
                        for place, clause in denial[:_SAYINGS_SHOWN]
                    )
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
        """What the library says of ``term`` when everything it says of it rules it out
        ("Motorcycles, ... boats ... are not financed under this policy."; "advances may not
        be made by debit card, credit card or similar device"): ``(place, clause)`` for each
        clause (a sentence, or its part between semicolons) that holds the term; nothing
        when any of them does not rule it out, when a heading of its place names it (a
        section about it), or when one holds an instruction."""
        said = [
            (place, sentence, clause.strip())
            for place, sentence in lexicon.sayings(term)
            for clause in sentence.split(";")
            if term in content_words(clause)
        ]
        if said and all(
            term not in content_words(place)
            and not instruction(place)
            and not instruction(sentence)
            and self._denied(term, clause)
            for place, sentence, clause in said
        ):
            return tuple(dict.fromkeys((place, clause) for place, _, clause in said))
        return ()

    def _lists_out(self, term: str, lead: str, item: str) -> bool:
        """Whether a list item names ``term`` in a list of what is ruled out: its lead-in
        says so ("Ineligible collateral:", "The following are not financed:"), the item is
        short, and names the term whole ("- Boats", not "- Boats over 30 feet")."""
        if not _LIST_DENIAL.match(" ".join(lead.split())):
            return False
        text = LIST_ITEM.sub("", item.strip(), count=1)
        if len(text.split()) > _LONGEST_ITEM:
            return False
        doc = self._nlp(_clean(text))
        if not _holding(doc, term):
            return False
        # Nothing but the names of what is listed ("Boats and personal watercraft"): no
        # measure, clause or phrase saying which of them ("Boats over 30 feet").
        return all(t.dep_ in _NAMING for t in doc)

    def _denied(self, term: str, clause: str) -> bool:
        """Whether ``clause`` rules ``term`` out: the word that governs it (the verb of its
        clause) grants something and is denied ("are not financed", "may not be made by
        ... credit card", "No boats are financed", "are not eligible collateral"), or
        denies it ("are ineligible", "is prohibited") without being denied itself ("is not
        prohibited"). Nothing conditional ("unless", "except", "without", "if"), bounded
        ("no more than 30 days", "may not exceed 80%") or longer than
        :data:`_LONGEST_DENIAL` words counts, nor a grant for a purpose ("not eligible for
        the rate discount"), nor a denial of some of them only ("boats that ...")."""
        if (
            len(clause.split()) > _LONGEST_DENIAL
            or _CONDITION.search(clause)
            or _BOUND.search(clause)
        ):
            return False
        lead, colon, item = clause.rpartition(":")
        if colon and LIST_ITEM.match(item.strip()):
            return self._lists_out(term, lead, item)
        held = _holding(self._nlp(_clean(clause)), term)
        return bool(held) and all(_rules_out(token) for token in held)


_LIST_DENIAL = re.compile(
    r"^(?:the\s+following\s+)?(?:[\w-]+\s+){0,4}?(?:are\s+|is\s+)?"
    r"(?:ineligible|prohibited|excluded|unacceptable|not\s+(?:eligible|permitted|allowed|"
    r"financed|acceptable|accepted|offered))\b",
    re.IGNORECASE,
)
"""The line introducing a list of what is ruled out: "Ineligible collateral:", "Prohibited
property types:", "The following are not financed:", "Not eligible:"."""
_NAMING = frozenset({"ROOT", "cc", "conj", "amod", "compound", "det", "punct", "poss", "nmod"})
"""The parts of a list item that only name what is listed."""
_LONGEST_ITEM = 8
"""Words of the longest list item read as naming what the list rules out."""


def _holding(doc: spacy.tokens.Doc, term: str) -> list[spacy.tokens.Token]:
    """The tokens of ``doc`` that are ``term`` (or a part of it, hyphenated)."""
    return [t for t in doc if term in content_words(t.text) or t.lower_ in term.split("-")]


def _rules_out(term: spacy.tokens.Token) -> bool:
    """Whether the clause ``term`` stands in denies it (see :meth:`CoverageCheck._denied`)."""
    named = term.head if term.dep_ in ("compound", "amod") else term
    if any(c.dep_ in ("prep", "relcl", "acl") for c in named.children):
        return False  # some of them only: "a boat with a salvage title", "boats that ..."
    # "No boats": "no" on the term, or on the noun it names a kind of ("no boat loans").
    none = any(c.dep_ == "det" and c.lower_ == "no" for w in (term, named) for c in w.children)
    # The verb of the term's clause; a participle that only describes a noun ("loans
    # secured by boats") is passed over for the clause's own verb.
    governing = next(
        (a for a in term.ancestors if a.pos_ in ("VERB", "AUX") and a.dep_ != "acl"), None
    )
    if governing is None:
        return False
    predicates = [governing]
    if governing.lower_ in _BE:
        # "Boats are not eligible (collateral)", "Boats are ineligible collateral".
        for child in governing.children:
            if child.dep_ in ("acomp", "attr", "oprd"):
                predicates += [child, *(g for g in child.children if g.dep_ == "amod")]
    negated = _negated(governing)
    for predicate in predicates:
        word = predicate.lower_
        if any(c.dep_ == "prep" and c.lower_ == "for" for c in predicate.children):
            continue  # a grant for a purpose: "not eligible for the rate discount"
        if word in _GRANTING and (negated or none):
            return True
        if word in _DENYING and not negated and not _negated(predicate):
            return True
    return False


def _negated(word: spacy.tokens.Token) -> bool:
    """Whether ``word`` carries a "not", "never", "neither", "nothing" or "no longer"."""
    return any(
        c.dep_ == "neg"
        or c.lower_ in ("neither", "nothing", "none")
        or (c.lower_ == "longer" and any(g.lower_ == "no" for g in c.children))
        for c in word.children
    )


def _clean(text: str) -> str:
    """``text`` with what is not valid Unicode (a lone surrogate) replaced: spaCy reads it."""
    return text.encode("utf-8", "replace").decode("utf-8")


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


def _shortened_quote(clause: str) -> str:
    if len(clause) <= _LONGEST_QUOTE:
        return clause
    return clause[: _LONGEST_QUOTE - 1] + "\u2026"


def _short_forms(question: str) -> tuple[set[str], dict[str, str]]:
    """The question's words written as short forms, lower case: its acronyms (three to six
    capitals, a plural ``s`` aside: "CFPB", "APORs"), and its capitalised abbreviations
    before a one-letter or one-figure name, with that name ("Reg B": ``reg`` -> ``B``).
    None in a question written in capitals."""
    letters = [c for c in question if c.isalpha()]
    if sum(c.isupper() for c in letters) > len(letters) / 2:
        return set(), {}
    return (
        {m.group(1).lower() for m in _ACRONYM.finditer(question)},
        {m.group(1).lower(): m.group(2) for m in _ABBREVIATION.finditer(question)},
    )


def _expanded(term: str, name: str, text: str) -> bool:
    """Whether ``text`` writes out the abbreviation ``term`` before the same name: "Reg B"
    is "Regulation B" (not "Registered boats")."""
    word = re.escape(term[0].upper() + term[1:])
    return bool(re.search(rf"\b{word}[a-z]*\.?\s+{re.escape(name)}\b", text))


def _spelled(term: str, text: str) -> bool:
    """Whether ``text`` spells out the acronym ``term``: a run of capitalised words whose
    initials make it, small words such as "of" and "and" between them allowed, that is a
    whole name (no capitalised word just before or after it: "Consumer Financial
    Protection Bureau" spells CFPB; "Special Flood Hazard Area" does not spell FHA)."""
    words = _SPELLED_WORD.findall(text)
    size = len(term)
    for start, first in enumerate(words):
        if first[0].lower() != term[0] or not first[0].isupper():
            continue
        if start and words[start - 1][0].isupper() and words[start - 1].lower() not in _LEADING:
            continue
        taken, n = 0, start
        while taken < size and n < len(words):
            word = words[n]
            if taken and word.lower() in _JOINING:
                n += 1
                continue
            if word[0].lower() != term[taken] or not word[0].isupper():
                break
            taken, n = taken + 1, n + 1
        if taken == size and (n == len(words) or not words[n][0].isupper()):
            return True
    return False
