"""People's names from spaCy's NER, less the policy vocabulary it mistakes for names, and
grown to the whole name where it found only part of one ("Caoimhe Ní Dhomhnaill", "Castañeda,
Adolfo").
"""

from __future__ import annotations

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from spacy.lang.en.stop_words import STOP_WORDS

from app.question.vocabulary import (
    FIELD_WORDS,
    NAME_LIKE,
    NOT_NAMES,
    POLICY_TERMS,
    is_english,
    words,
)

_TOKEN = regex.compile(r"\S+")
NAME_WORD = r"\p{Lu}[\p{L}\p{M}'’-]*"
"""A capitalised word of a name, any script with upper case: ``Nguyễn``, ``O'Brien``, ``GRAU``."""
PARTICLES = frozenset(
    words(
        "de del della di da das do dos du la las le los van von der den ten ní nic ó mac bin "
        "binti al el y"
    )
)
"""Small words inside names: ``de la Garza``, ``Ní Dhomhnaill``, ``van der Berg``."""
PARTICLE = "(?:" + "|".join(sorted(PARTICLES, key=len, reverse=True)) + ")"
_NEXT = regex.compile(rf",?[ \t]+((?:(?i:{PARTICLE})\s+){{0,2}}{NAME_WORD})")
_PREVIOUS = regex.compile(rf"(?<![\w'’-])({NAME_WORD}(?:\s+(?i:{PARTICLE})){{0,2}}),?[ \t]+\Z")


def trim_policy_terms(text: str, start: int, end: int) -> tuple[int, int] | None:
    """What is left of a name span once policy vocabulary is taken off its edges.

    A span made only of policy terms, stop words ("Does"), acronyms, numbers or
    placeholders is dropped (None), unless it is two or more words that are all names
    as well ("Grace Price"). Policy words that are also names (Virginia, Will, Chase) are
    only trimmed when nothing but policy vocabulary is left. What is left must hold a
    capitalised word; a trailing possessive ``'s`` stays outside the span.
    """
    tokens = [(start + m.start(), start + m.end()) for m in _TOKEN.finditer(text[start:end])]
    words = [text[s:e] for s, e in tokens]
    policy = [False] * len(words)
    for i in range(len(words)):  # mark one- to three-word policy phrases
        for n in (3, 2, 1):
            if i + n <= len(words) and norm(" ".join(words[i : i + n])) in POLICY_TERMS:
                policy[i : i + n] = [True] * n
                break
    for i, word in enumerate(words):
        technical = any(c.isdigit() or c in "§<>_@/" for c in word)
        acronym = len(words) == 1 and word.isupper() and len(norm(word)) <= 6
        label = norm(word) in FIELD_WORDS or norm(word) in NOT_NAMES  # "Gift came from"
        policy[i] = policy[i] or technical or acronym or label or norm(word) in STOP_WORDS
    if all(policy) and not (len(words) > 1 and all(norm(w) in NAME_LIKE for w in words)):
        return None
    strippable = [p and norm(w) not in NAME_LIKE for p, w in zip(policy, words, strict=True)]
    while strippable[0]:
        words, tokens, strippable = words[1:], tokens[1:], strippable[1:]
    while strippable[-1]:
        words, tokens, strippable = words[:-1], tokens[:-1], strippable[:-1]
    if not any(word[0].isupper() for word in words):
        return None
    end = tokens[-1][1]
    if words[-1].endswith(("'s", "’s")) and len(words[-1]) > 2:
        end -= 2
    return tokens[0][0], end


def norm(word: str) -> str:
    return word.strip(".,;:!?'\"()[]").removesuffix("'s").removesuffix("’s").casefold()


def name_word(word: str) -> bool:
    """Whether a capitalised word can be part of a name: not policy vocabulary, a stop word,
    a common word of lending text or the label of other personal data."""
    folded = norm(word)
    code = len(folded) == 2 and not word.isupper()  # "Vi" is a name, "VI" the Virgin Islands
    return not (
        (folded in POLICY_TERMS and folded not in NAME_LIKE and not code)
        or folded in STOP_WORDS
        or folded in NOT_NAMES
        or folded in FIELD_WORDS
    )


def grow(text: str, start: int, end: int, limit: int = 3) -> tuple[int, int]:
    """The name span grown over the capitalised name words right before and after it (no
    policy word, so "Texas, Maria Garcia" stays "Texas, " and a name)."""
    for _ in range(limit):
        match = _NEXT.match(text, end)
        if match is None or not _growing(match.group(1).split()[-1]):
            break
        end = match.end(1)
    for _ in range(limit):
        match = _PREVIOUS.search(text[:start])
        if match is None or not _growing(match.group(1).split()[0]):
            break
        start = match.start(1)
    return start, end


def _growing(word: str) -> bool:
    folded = norm(word)
    code = len(folded) == 2 and not word.isupper()
    return name_word(word) and (code or folded not in POLICY_TERMS)


class PolicyAwarePersonRecognizer(SpacyRecognizer):
    """spaCy PERSON entities minus policy vocabulary: policy terms and acronyms at the
    edges of a span are trimmed, and a span with nothing else (or no proper noun) left is
    dropped. What is left grows over adjacent name words spaCy left out."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language, supported_entities=["PERSON"])

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """spaCy's PERSON results, each trimmed by :func:`trim_policy_terms` and grown by
        :func:`grow`; a span without a proper noun ("Gift letter") is dropped."""
        doc = nlp_artifacts.tokens if nlp_artifacts is not None else None
        kept = []
        for result in super().analyze(text, entities, nlp_artifacts):
            for start, end in _segments(text, result.start, result.end):
                span = trim_policy_terms(text, start, end)
                if span is None:
                    continue
                tokens = doc.char_span(*span, alignment_mode="expand") if doc else None
                if tokens is not None and not any(token.pos_ == "PROPN" for token in tokens):
                    continue
                if tokens is not None and _noun_modifier(tokens):
                    continue
                part = RecognizerResult("PERSON", *grow(text, *span), result.score)
                part.recognition_metadata = dict(result.recognition_metadata)
                kept.append(part)
        return kept


_SEPARATOR = regex.compile(r"\s+[-–—]\s+|[;:()\[\]]|,\s*(?=[^,]*[\d@#<])")


def _segments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A spaCy span cut where a list separates one item from the next ("Nadine Kerin, Acct
    XXXX-5346 - Faith" is "Nadine Kerin", "Acct XXXX-5346" and "Faith")."""
    cuts = [(start + m.start(), start + m.end()) for m in _SEPARATOR.finditer(text[start:end])]
    bounds = [start, *(edge for cut in cuts for edge in cut), end]
    pieces = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    return [(a, b) for a, b in pieces if text[a:b].strip()]


def _noun_modifier(tokens: object) -> bool:
    """A lone word modifying a common noun ("the Grace period", "a Visa balance") or heading
    an "of" phrase ("a Bill of sale") names a thing, not a person."""
    words = list(tokens)  # type: ignore[call-overload]
    if len(words) != 1:
        return False
    word = words[0]
    following = word.nbor() if word.i + 1 < len(word.doc) else None
    if following is None:
        return False
    if word.dep_ == "compound" and word.head.pos_ == "NOUN" and word.head.text.islower():
        return True
    return (
        following.text in ("of", "-")
        and following.i + 1 < len(word.doc)
        and (word.doc[following.i + 1].text.islower())
    )


_LOWER_BEFORE = regex.compile(r"(?<![\w'’-])([\p{Ll}\p{M}][\p{Ll}\p{M}'’-]*),?\s+\Z")
_LOWER_AFTER = regex.compile(r"\A,?\s+([\p{Ll}\p{M}][\p{Ll}\p{M}'’-]*)(?![\w'’-])")


def adjoining(text: str, start: int, end: int, english: frozenset[str]) -> tuple[int, int]:
    """The span grown over a lower-case word next to it that is no English word, policy
    vocabulary or label: the rest of a lower-case name ("dương, <PERSON_1>", "<PERSON_1> vi")."""
    before = _LOWER_BEFORE.search(text[:start])
    if before is not None and _foreign(before.group(1), english):
        start = before.start(1)
    after = _LOWER_AFTER.match(text[end:])
    if after is not None and _foreign(after.group(1), english):
        end += after.end(1)
    return start, end


def _foreign(word: str, english: frozenset[str]) -> bool:
    folded = norm(word)
    return (
        len(folded) >= 2
        and not is_english(folded, english)
        and (folded not in POLICY_TERMS and name_word(word))
    )
