"""The library's own vocabulary, read from the documents in it: the products they are tagged
with and the names those products go by in the documents' titles, and the words each current
section holds (how many sections, of which documents). The question's scope and the check
that a quoted section is about what was asked both read it; nothing in it is written by hand.

It is read from the store once per state of the library (its documents, their revisions and
retirements) and reused until a document is ingested, retired or purged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.index.store import PerLibraryState, PolicyStore
from app.models import ALL_PRODUCTS
from app.sentences import split_sentences
from app.text import LIST_ITEM, acronym_uses, content_words

# "Home Equity Line of Credit (HELOC)": a title's words spelled out before their acronym.
_ACRONYM = re.compile(r"((?:[A-Za-z][\w'-]*\s+){1,8})\(([A-Z]{2,8})\)")
FEW = 1
"""The most sections a word may be found in for :attr:`Lexicon.places` to list them."""
_KIND_WORDS = frozenset(
    "underwriting guide guidelines policy policies supplement manual handbook bulletin "  # noqa: SIM905
    "memorandum standards program lending".split()
)
"""Words that say what kind of document a title is, after a product's name in it."""
_SMALL = frozenset({"of", "and", "for", "the", "to", "on", "a", "an", "in"})
_WRITTEN, _MORE = 5, 3
"""An acronym is searched with its words where at least this many of the library's sections
write them out, and more than this many times as many as abbreviate it: a few sections
that happen to spell it out ("profit and loss" in one guide) decide nothing."""


@dataclass(frozen=True)
class Lexicon:
    """What the current documents of the library say, word by word."""

    products: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Each product tag (``all`` aside) and the phrases naming it, lower case: the tag's own
    words and, where a title spells out the tag's acronym, the words spelled out."""
    frequency: Counter[str] = field(default_factory=Counter)
    """Content word -> how many current sections (heading path and title included) hold it."""
    jurisdictions: frozenset[str] = frozenset()
    """The jurisdictions the current documents are tagged with."""
    places: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """For a word few sections hold (:data:`FEW` or fewer): where it is, as ``title,
    section`` (the section's id and title), in library order."""
    texts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The passages' text of each place of :attr:`places`."""
    spelled: frozenset[str] = frozenset()
    """The lending acronyms (:data:`app.text.SPELLED_OUT`) that the library's sections write
    out ("qualified mortgage") far more often than they abbreviate ("QM"): a question's "QM"
    is searched with its words there (:func:`app.text.spell_out`)."""

    def knows(self, word: str) -> bool:
        return self.frequency.get(word, 0) > 0

    def sayings(self, word: str) -> tuple[tuple[str, str], ...]:
        """What the library says of a word few sections hold: ``(place, sentence)`` for each
        sentence (or list item, or table row) of its places that holds it, once each. A list
        item comes after the line that introduces its list ("Ineligible collateral: - Boats"):
        it says nothing without it."""
        found: dict[tuple[str, str], None] = {}
        for place in self.places.get(word, ()):
            for text in self.texts.get(place, ()):
                lead = ""
                for line in text.split("\n"):
                    line = " ".join(line.split())
                    item = bool(LIST_ITEM.match(line))
                    if not item:
                        lead = line if line.endswith(":") else ""
                    if item and lead:
                        if word in content_words(line):
                            found[(place, f"{lead} {line}")] = None
                        continue
                    for sentence in split_sentences(line):
                        if word in content_words(sentence):
                            found[(place, sentence)] = None
        return tuple(found)

    def product_spans(self, text: str) -> list[tuple[str, int, int]]:
        """Where ``text`` names a product, as ``(tag, start, end)``: by one of the phrases
        of :attr:`products` (any case, any spacing or hyphen between its words, a plural
        ``s`` at the end)."""
        found = []
        for tag, phrases in self.products.items():
            for phrase in phrases:
                words = r"[\s_-]+".join(re.escape(w) for w in phrase.split())
                for m in re.finditer(rf"\b{words}s?\b", text, re.IGNORECASE):
                    found.append((tag, m.start(), m.end()))
        return sorted(found, key=lambda f: f[1])


def _phrase(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def product_phrases(tag: str, titles: Iterable[str]) -> tuple[str, ...]:
    """The phrases that name ``tag`` in a question, as its documents' titles use them: the
    tag's words with the title's word after them (``Auto Loan Credit Policy`` -> ``auto
    loan``: "auto" alone is also "auto-pay"), or alone where a word of the kind of document
    follows (``Mortgage Underwriting Guide`` -> ``mortgage``); and the words a title spells
    out before the tag as an acronym (``Home Equity Line of Credit (HELOC)`` -> ``heloc``
    and ``home equity line of credit``). Without a title using it, the tag's words alone."""
    own = _phrase(tag)
    phrases: list[str] = []
    for title in titles:
        words = _phrase(title).split()
        size = len(own.split())
        for n in range(len(words) - size + 1):
            if " ".join(words[n : n + size]) != own:
                continue
            after = words[n + size] if n + size < len(words) else ""
            alone = not after or after in _KIND_WORDS or after[0].isdigit()
            phrases.append(own if alone else f"{own} {after}")
    if not phrases:
        phrases.append(own)
    for title in titles:
        for match in _ACRONYM.finditer(title):
            acronym = match.group(2)
            if acronym.lower() != tag.lower():
                continue
            words = match.group(1).split()
            # The spelled-out words are the last ones whose initials make the acronym.
            letters, taken = list(acronym.lower()), []
            for word in reversed(words):
                if not letters:
                    break
                if word[0].lower() == letters[-1]:
                    letters.pop()
                elif word.lower() not in _SMALL:  # "of" may be in the acronym or not
                    break
                taken.append(word)
            if not letters:
                phrases.append(_phrase(" ".join(reversed(taken))))
    return tuple(dict.fromkeys(p for p in phrases if p))


def read_lexicon(store: PolicyStore) -> Lexicon:
    """The vocabulary of the current (not retired) documents of ``store``."""
    frequency: Counter[str] = Counter()
    tagged: dict[str, list[str]] = {}
    found: dict[str, list[str]] = {}
    texts: dict[str, list[str]] = {}
    jurisdictions: set[str] = set()
    short: Counter[str] = Counter()
    long: Counter[str] = Counter()
    for record, current in store.current_versions():
        meta = current.meta
        jurisdictions.update(meta.jurisdiction)
        for product in meta.product:
            if product != ALL_PRODUCTS:
                tagged.setdefault(product, []).append(meta.title)
        held: dict[str, set[str]] = {}
        for payload in store.chunks(record.doc_id, meta.version):
            words = content_words(
                " ".join((payload.get("title", ""), *payload.get("section_path", ())))
            ) | content_words(str(payload.get("text", "")))
            section = " ".join(
                str(p) for p in (payload.get("section_id"), payload.get("section_title")) if p
            )
            place = f"{meta.title}, {section}"
            held.setdefault(place, set()).update(words)
            texts.setdefault(place, []).append(str(payload.get("text", "")))
        for place, words in held.items():
            abbreviated, written = acronym_uses("\n".join(texts[place]))
            short.update(abbreviated)
            long.update(written)
            frequency.update(words)
            for word in words:
                found.setdefault(word, []).append(place)
    places = {w: tuple(p) for w, p in found.items() if len(p) <= FEW}
    placed = {p for where in places.values() for p in where}
    return Lexicon(
        products={tag: product_phrases(tag, names) for tag, names in sorted(tagged.items())},
        frequency=frequency,
        jurisdictions=frozenset(jurisdictions),
        places=places,
        texts={p: tuple(t) for p, t in texts.items() if p in placed},
        spelled=frozenset(a for a, n in long.items() if n >= _WRITTEN and n > _MORE * short[a]),
    )


class LibraryLexicon(PerLibraryState[Lexicon]):
    """The lexicon of a store, read again only when its documents change."""

    def __init__(self, store: PolicyStore) -> None:
        super().__init__(store, read_lexicon)
