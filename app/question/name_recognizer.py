"""Names that spaCy's small model misses, found by the company they keep.

:class:`LabelledNameRecognizer` takes the name after a word that introduces a person
("Borrower", "co-signer", "my client", "Ms."), in whatever case it is typed: ``Borrower:
GUERRERO, JORGE``, ``co-borrower jacob salazar``, ``Applicant Faith Banks``, ``co-signer
Lauren``. :class:`ContextualNameRecognizer` takes name words that personal details follow
("Darnell Price, phone ...", "Evelyn Park (evelyn...)"), that a verb follows ("MARISTELA GRAU
co-signed", "harshil ganguly owns two rentals") or that stand in a list of other personal
data. Spans holding policy vocabulary ("Texas Home Equity (50(a)(6))") are never names.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from app.question.person_recognizer import (
    NAME_WORD,
    PARTICLE,
    PARTICLES,
    grow,
    name_word,
    norm,
)
from app.question.vocabulary import (
    FIELD_WORDS,
    NAME_LIKE,
    NOT_NAMES,
    PERSON_LABEL,
    POLICY_TERMS,
    TITLES,
    is_english,
)

_VERBS = frozenset({"VERB", "AUX"})
_NOT_IN_NAMES = frozenset({"VERB", "AUX", "ADP", "DET", "PRON", "CCONJ", "SCONJ", "PART", "NUM"})
_WORD = regex.compile(
    r"\G[ \t]*(,[ \t]*)?([\p{L}\p{M}](?:[\p{L}\p{M}'’-]*[\p{L}\p{M}])?\.?)(?![\w'’-])"
)
"""One word after a label (letters, inner apostrophes and hyphens, an initial's full stop),
and whether a comma came before it."""
_LIST_END = regex.compile(r"(?:\s*[,;(\[]|\s+-\s|\s*$|\s+and\b|\.(?:\s|$))")
_FIELDS = (
    r"ssn|social|soc|ss#|s\.s|dob|d\.o\.b|date of birth|born|birth|phone|cell|mobile|tel|ph\b|"
    r"e-?mail|contact|acct|account|a/c|bank|checking|savings|loan|ln\b|app(?:lication)?\b|id\b|"
    r"#|itin|ein|fein|tax|tin\b|individual taxpayer|dl\b|dln|driver|lives|home|mailing|"
    r"property|address|routing|aba|rtn|card|cc\b|visa|mastercard|amex|<"
)


def _spacy_tokens(nlp_artifacts: NlpArtifacts | None, start: int, end: int) -> list[Any]:
    doc = nlp_artifacts.tokens if nlp_artifacts is not None else None
    span = doc.char_span(start, end, alignment_mode="expand") if doc is not None else None
    return list(span) if span is not None else []


def _next_token(nlp_artifacts: NlpArtifacts | None, end: int) -> Any:
    doc = nlp_artifacts.tokens if nlp_artifacts is not None else None
    if doc is None:
        return None
    return next((t for t in doc if t.idx >= end and not t.is_space), None)


def _next_is_verb(nlp_artifacts: NlpArtifacts | None, end: int) -> bool:
    after = _next_token(nlp_artifacts, end)
    return after is not None and after.pos_ in _VERBS and after.text[0].islower()


class NameRecognizer(EntityRecognizer):
    """A PERSON recognizer that knows which lower-case words are English (to tell ``faith``
    from ``ganguly``) from the spaCy model's lemmatizer tables."""

    SCORE: ClassVar[float] = 0.75

    def __init__(
        self,
        supported_language: str = "en",
        policy_terms: frozenset[str] = POLICY_TERMS,
        english: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(
            supported_entities=["PERSON"],
            supported_language=supported_language,
            name=type(self).__name__,
        )
        self._policy_terms = policy_terms
        self._english = english

    def load(self) -> None:
        """Nothing to load: patterns only."""

    def known_word(self, token: Any) -> bool:
        """Whether a spaCy token is an English word (or an inflection of one)."""
        return is_english(token.lower_, self._english) or token.lemma_.lower() in self._english

    def lower_case_name(self, tokens: list[Any], listed: bool = False) -> bool:
        """Lower-case words are a name when none is a verb, a preposition or the like, and one
        is a proper noun or no English word ("jacob salazar", "harshil ganguly", not "wants a"
        or "income"); ``listed`` (the words end an item of a list) is enough evidence."""
        words = [t for t in tokens if t.is_alpha and t.lower_ not in PARTICLES]
        if not words or any(t.is_stop for t in words):
            return False
        evidence = any(t.pos_ == "PROPN" or not self.known_word(t) for t in words)
        if listed:  # spaCy tags unknown lower-case words as verbs: trust only inflections
            inflected = any(t.pos_ in _VERBS and t.lemma_.lower() != t.lower_ for t in words)
            return evidence or not inflected
        return evidence and not any(t.pos_ in _NOT_IN_NAMES for t in words)


class LabelledNameRecognizer(NameRecognizer):
    """PERSON from the words after a person label or a title, in any case."""

    LABEL: ClassVar[regex.Pattern[str]] = regex.compile(
        rf"(?<![\w-]){PERSON_LABEL}\b\.?(?:[ \t]*[:=,-][ \t]*|[ \t]+is[ \t]+|[ \t]+)",
        regex.IGNORECASE,
    )
    SCORE = 0.8
    MAX_WORDS: ClassVar[int] = 5

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for label in self.LABEL.finditer(text):
            span = self._name_after(text, label.end(), nlp_artifacts)
            if span is not None:
                results.append(RecognizerResult("PERSON", *span, self.SCORE))
        return results

    def _name_after(
        self, text: str, start: int, nlp_artifacts: NlpArtifacts | None
    ) -> tuple[int, int] | None:
        words: list[tuple[int, int, bool]] = []  # (start, end, after a comma)
        cursor = start
        while len(words) < self.MAX_WORDS + 1:
            match = _WORD.match(text, cursor)
            if match is None:
                break
            word = match.group(2)
            if norm(word) in TITLES and not words:
                cursor = match.end()  # "Borrower Ms. Đặng": the title belongs to the label
                continue
            if not self._name_word(word, bool(words)):
                break
            words.append((match.start(2), match.end(2), match.group(1) is not None))
            cursor = match.end()
            if word.endswith(".") and len(word) > 2:
                break  # a full stop ends the name
        words = self._before_comma_or_form(words)
        if not words:
            return None
        begin, end = words[0][0], words[-1][1]
        if text[end - 1] == "." and end - words[-1][0] > 2:
            end -= 1  # a full stop, not an initial
        if text[begin].islower():
            listed = _LIST_END.match(text, end) is not None
            if not self.lower_case_name(_spacy_tokens(nlp_artifacts, begin, end), listed):
                return None
        return begin, end

    def _name_word(self, word: str, inside: bool) -> bool:
        folded = norm(word)
        if not folded:
            return False
        if inside and folded in PARTICLES:
            return True  # "de la Garza", "Ní Dhomhnaill", "mac giolla"
        if folded in STOP_WORDS:
            return False
        if folded in NAME_LIKE and (word[0].isupper() or inside):
            return True  # "Borrower Will Price", "Borrower: BANKS, RICH", "molly chase"
        if folded in FIELD_WORDS or folded in NOT_NAMES or folded in TITLES:
            return False
        code = len(folded) == 2 and not word.isupper()  # "Vi" is a name, "VI" a state code
        return code or folded not in self._policy_terms

    @staticmethod
    def _before_comma_or_form(
        words: list[tuple[int, int, bool]],
    ) -> list[tuple[int, int, bool]]:
        """Words after a comma belong to the name only in the "Surname, Given" form: one or
        two words before the comma, at most three after."""
        for i, (_, _, comma) in enumerate(words):
            if comma and (i > 2 or len(words) - i > 3):
                return words[:i]
        return words


class ContextualNameRecognizer(NameRecognizer):
    """PERSON from a name-shaped span plus a person-introducing word or other personal data
    before it, personal details after it, or a verb after it."""

    NAME: ClassVar[regex.Pattern[str]] = regex.compile(
        rf"(?<![\w'’-]){NAME_WORD}(?:\s+\p{{Lu}}\.)?"
        rf"(?:,?\s+(?:(?i:{PARTICLE})\s+){{0,2}}{NAME_WORD}){{0,3}}(?![\w'’-])"
    )
    BEFORE: ClassVar[re.Pattern[str]] = re.compile(
        r"(?:\b(?:applicant|borrower|co-?borrower|guarantor|co-?signer|customer|client|member|"
        r"spouse|wife|husband|mr|mrs|ms|miss|dr|named|name|owner|employee|officer|agent)\.?:?"
        r"|<[A-Z_]+_\d+>\s*(?:[,;]|and|[,;]\s*and)?)\s*$",
        re.IGNORECASE,
    )
    AFTER: ClassVar[re.Pattern[str]] = re.compile(
        rf"^(?:\s*\(|'s\b|’s\b|,\s*(?:\(|a\b|an\b|age|aged|\d)"
        rf"|[,;]?\s*(?:and\s+|was\s+|is\s+)?(?:{_FIELDS})"
        r"|\s+(?:wants|needs|has|had|is|was|applied|applies|asks|asked|would|owns|earns|works|"
        r"called|emailed|lives|bought|sold|and (?:his|her|their)))",
        re.IGNORECASE,
    )
    """Personal details (or a verb) right after a name: ``, SSN``, `` and DOB``, `` (email)``."""
    WINDOW: ClassVar[int] = 40
    """Characters looked at before and after a span for its context."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for match in self.NAME.finditer(text):
            span = self._trim(text, match.start(), match.end())
            if span is not None and self._in_context(text, *span, nlp_artifacts):
                start, end = grow(text, *span)
                results.append(RecognizerResult("PERSON", start, end, self.SCORE))
        results += self._lower_case_names(text, nlp_artifacts)
        return results

    def _in_context(
        self, text: str, start: int, end: int, nlp_artifacts: NlpArtifacts | None
    ) -> bool:
        before = text[max(0, start - self.WINDOW) : start]
        after = text[end : end + self.WINDOW]
        words = text[start:end].replace(",", " ").split()
        details = self.AFTER.match(after) is not None
        if len(words) == 1:
            # One word is a name when personal details follow a proper noun ("Mohammed,
            # credit card ...") or a verb follows no English word ("Mitali has a gift").
            tokens = _spacy_tokens(nlp_artifacts, start, end)
            if words[0].isupper() or norm(words[0]) in NAME_LIKE or not tokens:
                return False
            if details:
                return all(t.pos_ == "PROPN" for t in tokens)
            english = any(self.known_word(t) for t in tokens)
            return not english and _next_is_verb(nlp_artifacts, end)
        if all(norm(w) in NAME_LIKE for w in words):  # "Grace Price", "Austin, Texas"
            return details or self.BEFORE.search(before) is not None
        return bool(self.BEFORE.search(before) or details or _next_is_verb(nlp_artifacts, end))

    def _lower_case_names(
        self, text: str, nlp_artifacts: NlpArtifacts | None
    ) -> list[RecognizerResult]:
        """Two or three lower-case words that read as a name, when personal details follow
        them (``michael alexander, 4111 ...``) or a verb follows them at the start of a clause
        (``harita dhingra wants a cash-out``)."""
        doc = nlp_artifacts.tokens if nlp_artifacts is not None else None
        if doc is None or not any(c.islower() for c in text):
            return []
        results: list[RecognizerResult] = []
        taken = -1
        for i, token in enumerate(doc):
            if not (token.is_alpha and token.is_lower) or token.i <= taken:
                continue
            finish = token.idx + len(token)
            details = self.AFTER.match(text[finish : finish + self.WINDOW]) is not None
            listed = _LIST_END.match(text, finish) is not None
            if not (details or listed or _next_is_verb(nlp_artifacts, finish)):
                continue
            for size in (3, 2):
                run = list(doc[max(0, i - size + 1) : i + 1])
                if len(run) < size or any(
                    not (t.is_alpha and t.is_lower and self._name_part(t.text)) for t in run
                ):
                    continue
                begin = run[0].idx
                before = text[max(0, begin - self.WINDOW) : begin]
                introduced = self.BEFORE.search(before) is not None
                if details:
                    placed = True
                elif listed:  # "<LOAN_NUMBER_1> and odalys malo gallego."
                    placed = introduced
                else:  # a verb follows: the run must start the clause
                    placed = introduced or self._subject(text, begin)
                if placed and self.lower_case_name(run):
                    results.append(RecognizerResult("PERSON", begin, finish, self.SCORE))
                    taken = token.i
                    break
        return results

    @staticmethod
    def _subject(text: str, start: int) -> bool:
        """Whether ``start`` begins a clause or a list item."""
        return regex.search(r"(?:\A|[.;:?!(\n,-])\s*\Z", text[:start]) is not None

    def _name_part(self, word: str) -> bool:
        folded = norm(word)
        if folded in NAME_LIKE:
            return True
        return name_word(word) and (folded not in self._policy_terms or len(folded) == 2)

    def _trim(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """The span without policy words at its edges ("Applicant Priya Raman" -> "Priya
        Raman"); None unless what remains holds no policy word. Policy phrases ("New York",
        "Home Possible"), acronyms in mixed case ("CEMA") and a policy word set off by a comma
        ("Texas, Tiffany Hall") are not parts of a name."""
        spans = [
            (m.start() + start, m.end() + start) for m in re.finditer(r"[^\s,]+", text[start:end])
        ]
        words = [text[a:b] for a, b in spans]
        upper = text[start:end].isupper()
        upper_name = upper and len(words) > 2 and len(words[-1]) == 2
        if upper_name and all(self._name_part(w) for w in words[:-1]):
            return start, end  # "HỒ BẢO VI": a state code ends an upper-case name
        part = [self._name_part(w) and (upper or not w.isupper() or len(w) < 2) for w in words]
        for i in range(len(words)):
            for n in (3, 2):
                if i + n <= len(words) and norm(" ".join(words[i : i + n])) in self._policy_terms:
                    part[i : i + n] = [False] * n
        for i in range(len(words) - 1):  # "Texas, Tiffany Hall", "Tiffany Hall, Texas"
            if "," in text[spans[i][1] : spans[i + 1][0]]:
                for j in (i, i + 1):
                    if norm(words[j]) in self._policy_terms and j in (0, len(words) - 1):
                        part[j] = False
        keep = [i for i, ok in enumerate(part) if ok]
        if not keep:
            return None
        first, last = keep[0], keep[-1]
        if any(
            not part[i] and norm(words[i]) not in PARTICLES and not re.fullmatch(r"\w\.", words[i])
            for i in range(first, last + 1)
        ):
            return None
        return spans[first][0], spans[last][1]
