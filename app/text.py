"""Word-level helpers shared by the extractive answerer and the citation check, and the
characters that must not reach a one-line message or a stored name unescaped."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Literal

_WORD = re.compile(r"[a-z][a-z0-9'&-]*|\d+(?:[.,]\d+)*%?")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Words that carry no meaning of their own in a policy question or answer.
STOP = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "either",
        "else",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "least",
        "less",
        "may",
        "me",
        "might",
        "more",
        "most",
        "must",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "per",
        "same",
        "shall",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "yes",
        "you",
        "your",
        "policy",
        "policies",
        "bank",
        "bank's",
        "guide",
        "section",
        "required",
        "require",
        "requires",
        "requirement",
        "requirements",
        "rule",
        "rules",
        "apply",
        "applies",
        "applicable",
        "allowed",
        "permitted",
        "acceptable",
        "loan",
        "loans",
        "lender",
        "borrower",
        "borrowers",
        "applicant",
        "applicants",
    ]
)


# Spelled-out lending terms and their acronyms count as the same word.
_SPELLED = (
    (r"\bcombined loan[- ]to[- ]values?\b", "cltv", "combined loan-to-value"),
    (r"\bhigh[- ]cltv\b", "hcltv", "high CLTV"),
    (r"\bloan[- ]to[- ]values?\b", "ltv", "loan-to-value"),
    (r"\bdebt[- ]to[- ]income\b", "dti", "debt-to-income"),
    (r"\bpayment[- ]to[- ]income\b", "pti", "payment-to-income"),
    (r"\bdebt[- ]service[- ]coverage(?: ratio)?\b", "dscr", "debt service coverage ratio"),
    (r"\bhome[- ]equity lines? of credit\b", "heloc", "home equity line of credit"),
    (r"\bverbal verification of employment\b", "vvoe", "verbal verification of employment"),
    (r"\bverification of employment\b", "voe", "verification of employment"),
    (r"\bprofit[- ]and[- ]loss\b", "p&l", "profit and loss"),
    (r"\bprincipal, interest, taxes,? (?:and )?insurance\b", "piti",
     "principal, interest, taxes and insurance"),
    (r"\bability[- ]to[- ]repay\b", "atr", "ability-to-repay"),
    (r"\bqualified mortgages?\b", "qm", "qualified mortgage"),
    (r"\bautomated underwriting systems?\b", "aus", "automated underwriting system"),
)  # fmt: skip
_TERMS = [(re.compile(p, re.IGNORECASE), acronym) for p, acronym, _ in _SPELLED]
SPELLED_OUT = {acronym: words for _, acronym, words in _SPELLED}
"""Each lending acronym of :data:`_TERMS` and its words, as a text writes them out."""


_ACRONYMS = {a: re.compile(rf"(?<![\w&-]){re.escape(a.upper())}s?(?![\w&])") for a in SPELLED_OUT}
"""Each acronym as written: in capitals ("QM", "QMs"; not "Aus" or "non-QM")."""


def acronym_uses(text: str) -> tuple[set[str], set[str]]:
    """The lending acronyms ``text`` writes as acronyms ("QM"), and those it spells out
    ("qualified mortgage"); a longer term's words are not read again as a shorter one's
    ("verbal verification of employment" is no "verification of employment")."""
    long: set[str] = set()
    for pattern, acronym in _TERMS:
        text, found = pattern.subn(" ", text)
        if found:
            long.add(acronym)
    return {a for a, pattern in _ACRONYMS.items() if pattern.search(text)}, long


def spell_out(question: str, acronyms: Iterable[str]) -> str:
    """``question`` with each of ``acronyms`` it writes in capitals followed by its words
    ("QM" -> "QM (qualified mortgage)"): what a search reads where the library writes them
    out. Not where the question writes the words out already, nor "non-QM"."""
    said = {a for pattern, a in _TERMS if pattern.search(question)}
    for acronym in acronyms:
        if acronym in SPELLED_OUT and acronym not in said:
            question = _ACRONYMS[acronym].sub(rf"\g<0> ({SPELLED_OUT[acronym]})", question)
    return question


def content_words(text: str) -> set[str]:
    """Lowercased meaningful words (numbers included, stop words out), plurals folded,
    spelled-out lending terms folded into their acronyms."""
    text = text.lower()
    for pattern, acronym in _TERMS:
        text = pattern.sub(f" {acronym} ", text)
    stems = (_stem(w.strip("'-")) for w in _WORD.findall(text) if w not in STOP)
    # After stemming too: "what's" is "what", "doesn't" is not a word of the topic.
    return {w for w in stems if w not in STOP and len(w) > 1}


def _stem(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def numbers(text: str) -> set[str]:
    """The figures a text states, commas dropped (``$150,000`` -> ``150000``)."""
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


# The 50 states and the District of Columbia, by name, with their postal codes.
_STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI",
    "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
    "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ",
    "new mexico": "NM", "new york": "NY", "north carolina": "NC", "north dakota": "ND",
    "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
    "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN",
    "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
}  # fmt: skip
# Longest names first, so "West Virginia" is not read as "Virginia".
_STATE_NAME = re.compile(
    r"\b("
    + "|".join(n.replace(" ", r"\s+") for n in sorted(_STATES, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
# "Washington, D.C." and "Washington DC" are the District, not the state.
_DC = re.compile(r"\bwashington,?\s+d\.?\s?c\b\.?", re.IGNORECASE)


def state_name(code: str) -> str:
    """A state's name for its postal code (``TX`` -> ``Texas``); the code itself when it is
    not one of the 50 states or DC."""
    for name, known in _STATES.items():
        if known == code:
            return "District of Columbia" if code == "DC" else name.title()
    return code


def state_spans(text: str) -> list[tuple[str, int, int]]:
    """Where ``text`` names a US state (or DC), as ``(code, start, end)``: a state's name in
    full ("in Texas"), unless it begins a proper name ("Washington Mutual", "New York Life":
    the name followed by another capitalised word that is not an acronym), or its postal code
    in capitals after "in", "for" or "of" ("in TX")."""
    found = [("DC", m.start(), m.end()) for m in _DC.finditer(text)]
    taken = [(start, end) for _, start, end in found]
    for m in _STATE_NAME.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        after = text[m.end() :].lstrip(" ")
        following = after.split(" ", 1)[0] if after[:1] not in {"", "\n"} else ""
        if following[:1].isupper() and not following.isupper():
            continue
        found.append((_STATES[" ".join(m.group(1).lower().split())], m.start(1), m.end(1)))
    codes = set(_STATES.values()) | {"DC"}
    for m in _STATE_CODE.finditer(text):
        if m.group(1) in codes:
            found.append((m.group(1), m.start(1), m.end(1)))
    return sorted(found, key=lambda f: f[1])


_STATE_CODE = re.compile(r"\b(?:in|for|of)\s+([A-Z]{2})\b")


def named_state(text: str) -> str | None:
    """The two-letter code of the one US state (or DC) a text names in full, else None
    (none named, or several different ones)."""
    codes = {"DC" for _ in _DC.finditer(text)}
    rest = _DC.sub(" ", text)
    codes.update(_STATES[" ".join(m.group(1).lower().split())] for m in _STATE_NAME.finditer(rest))
    return codes.pop() if len(codes) == 1 else None


_PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_\d+>")
# Words that only introduce a piece of personal data ("my name is", "SSN", "loan number").
_LABEL_WORDS = frozenset(
    "a account acct address an and applicant applicant's at birth borrower borrower's born "  # noqa: SIM905
    "card cell client client's co-borrower customer customer's date dob ein for from his "
    "her id is itin lives living loan mobile my name named no number of on our phone "
    "routing security social ssn tel telephone the their this to was with whose".split(" ")
)
_SEPARATORS = " \t,;:#()-–—/"


def focus(question: str) -> str:
    """The question as search and answering should see it: redaction placeholders and the
    words that only introduced them ("my name is <PERSON_1>", "SSN <US_SSN_1>") removed, and
    sentences that held nothing but personal data dropped. The audit trail keeps the full text."""
    if not _PLACEHOLDER.search(question):
        return question
    kept: list[str] = []
    for sentence in re.split(r"(?<=[.?!])\s+", question):
        if not _PLACEHOLDER.search(sentence):
            kept.append(sentence)
            continue
        pieces = _PLACEHOLDER.split(sentence)
        cleaned = [pieces[0]]
        for piece in pieces[1:]:
            cleaned[-1] = _strip_labels(cleaned[-1])
            cleaned.append(piece)
        text = re.sub(r"\s+", " ", "".join(cleaned))
        text = re.sub(r"\s+([,.;:?!])", r"\1", text)
        text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text).strip(_SEPARATORS)
        if content_words(text):
            kept.append(text)
    return " ".join(kept) if kept else question


def _strip_labels(text: str) -> str:
    """Drop the label words at the end of ``text`` (those introducing a placeholder)."""
    words = text.rstrip(_SEPARATORS).split(" ")
    while words and (words[-1].strip(_SEPARATORS + ".").lower() in _LABEL_WORDS or not words[-1]):
        words.pop()
    return " ".join(words) + " "


# A citation marker as an answer writes it: "[3]". The same shape inside a document (a
# footnote reference, or text planted to pass for a citation) is shown with full-width
# brackets, which read the same and are never parsed as a marker.
_MARKER_LIKE = re.compile(r"\[(\d{1,3})\]")


def neutralise_markers(text: str) -> str:
    """``text`` with every ``[n]`` turned into ``［n］``: quoted, never read as a citation."""
    return _MARKER_LIKE.sub("［\\1］", text)


_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nor|neither|cannot|ineligible|prohibited|prohibits|forbidden"
    r"|disallowed|unacceptable)\b|n't\b",
    re.IGNORECASE,
)
_EXCEPTION = re.compile(r"\b(?:except|unless|only|excluding|without)\b", re.IGNORECASE)


def polarity(text: str) -> tuple[bool, bool]:
    """(negated, qualified): whether a sentence denies (not, no, never, ineligible, ...) and
    whether it carves out (except, unless, only, without). A claim and the passage sentence
    quoted for it must agree on both, or a model could flip a rule while keeping its words."""
    return bool(_NEGATION.search(text)), bool(_EXCEPTION.search(text))


_LINK = re.compile(
    r"(?:https?|ftp)://|\bwww\.|\bjavascript:|\b[\w.+-]+(?:@|\(at\)|\[at\])[\w-]+(?:\.[\w-]+)*"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|gov|edu|info|biz|example|xyz)"
    r"(?:/\S*)?(?!\w)",
    re.IGNORECASE,
)
# HTML tags, Markdown links and images, code.
_MARKUP = re.compile(r"<\s*/?\s*[a-z!][^>]*>|\[[^\]]*\]\([^)]*\)|`", re.IGNORECASE)
# Text addressed to a model or to the reader as a command, not a rule of the policy.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|bypass)\b[^.]{0,40}"
    r"\b(?:(?:previous|prior|above|all|any|your|these|the)\s+(?:instructions?|prompts?|rules)"
    r"|citation\s+check|guardrails?)\b"
    r"|^\W*(?:system|assistant|developer)\s*:"
    r"|\b(?:you|the\s+(?:model|assistant|copilot|ai|chatbot))\s+(?:must|should|shall|will|are\s+to)"
    r"\s+(?:now\s+|always\s+|only\s+)?(?:answer|respond|reply|output|print)\b"
    r"|\b(?:ai|llm|language\s+models?|chatbots?|assistants?|copilots?)\b[^.]{0,50}"
    r"\b(?:must|should|shall)\s+(?:always\s+|now\s+)?(?:answer|respond|reply|say|state|quote|cite)"
    r"|\b(?:click|visit|log\s*in(?:to)?|sign\s*in|re-?verify|re-?enter)\b[^.]{0,40}"
    r"\b(?:here|link|login|password|credentials|portal)\b",
    re.IGNORECASE | re.MULTILINE,
)


# Searched in lower case (the pattern's words are): twice as fast as ignoring case. The
# letters that match an ASCII letter when case is ignored but do not lower to it (the dotted
# capital I, which also lowers to two characters, the dotless i and the long s) are read as
# that letter first.
_INSTRUCTION_ANYWHERE = re.compile(_INSTRUCTION.pattern.replace(r"^\W*", "", 1), re.MULTILINE)
_FOLDED = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})
FULL_WIDTH = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
"""The full-width forms of ASCII letters, digits and signs (``\uff45``, ``\uff15``, ``\uff20``), as
a :meth:`str.translate` table to the ASCII they stand for."""
# Letters of other scripts drawn like Latin ones ("ign\u043ere" with a Cyrillic o), and the
# full-width forms of ASCII: read as the Latin letters they pass for.
_LOOKALIKE = str.maketrans(
    {
        **dict(zip("\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u0501\u051b"
                   "\u051d\u04cf\u04bb\u04af", "aeopcyxijsdqwlhy", strict=True)),
        **dict(zip("\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425"
                   "\u0406\u0408\u0405\u0423", "ABEKMHOPCTXIJSY", strict=True)),
        **dict(zip("\u03b1\u03b5\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7",
                   "aeikvoptux", strict=True)),
        **dict(zip("\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1"
                   "\u03a4\u03a5\u03a7", "ABEZHIKMNOPTYX", strict=True)),
    }
) | FULL_WIDTH  # fmt: skip
_READ_AS_LATIN = {**_LOOKALIKE, **_FOLDED}


def instruction(text: str) -> bool:
    """Whether ``text`` addresses a model or the reader with a command ("ignore previous
    instructions", "system:", "you must answer", "log in here") rather than stating a rule,
    letters of other scripts drawn like Latin ones read as those."""
    return bool(_INSTRUCTION.search(text.translate(_LOOKALIKE)))


def lead_ins(context: str) -> list[str]:
    """The lead-ins a passage is read within, outermost first, from its ``context`` (one a
    line: :attr:`app.models.Chunk.context`); none for a passage that opens its section."""
    return [line.strip() for line in context.splitlines() if line.strip()]


def may_instruct(text: str) -> bool:
    """A quick first look at a longer text: false means that no sentence of it (white space
    collapsed) is an :func:`instruction`; true, that one may be."""
    return bool(_INSTRUCTION_ANYWHERE.search(text.translate(_READ_AS_LATIN).lower()))


def unsafe(text: str) -> tuple[str, list[str]] | None:
    """Why ``text`` may not stand in an answer, with the offending pieces, or None: an
    instruction to a model or to the reader, a link or e-mail address, or markup. An
    instruction is never quoted; a model's sentence with any of them is dropped (unless
    the link or markup is the cited passage's own words) and the answer flagged."""
    if found := [m.group(0) for m in _INSTRUCTION.finditer(text)]:
        return "instruction", found
    if found := [m.group(0) for m in _LINK.finditer(text)]:
        return "link", found
    if found := [m.group(0) for m in _MARKUP.finditer(text)]:
        return "markup", found
    return None


# Characters that break a line or hide part of it on a terminal: C0 and C1 controls (newline,
# escape), the Unicode line and paragraph separators, bidirectional overrides and isolates, and
# lone surrogates (a file name's undecodable bytes).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def has_control(text: str) -> bool:
    """Whether ``text`` holds a character :func:`one_line` would escape."""
    return _UNSAFE.search(text) is not None


def one_line(text: str) -> str:
    """``text`` with those characters escaped (``\\n``, ``\\x1b``, ``\\u2028``): printed, it
    stays one line and shows what is there."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def strip_control(text: str) -> str:
    """``text`` without those characters (a name or title taken from a file)."""
    return _UNSAFE.sub("", text)


LIST_ITEM = re.compile(
    r"^\s*(?:[-*\u2022\u25aa\u25cf\u2610o]\s|\(?[0-9a-z]{1,3}[.)]\s|\([A-Z]{1,3}\)\s)"
)
"""A list item's line: a bullet, or a number or letter as ``1.``, ``a)``, ``(iv)``, ``(B)``."""


TextKind = Literal["rule", "interpretation", "example", "form"]
"""What a section of a policy is: the rule itself (definitions included), an official
interpretation of it (commentary), a worked example or illustration, or a model form,
sample letter or form's instructions."""

KIND_LABELS: dict[str, str] = {
    "interpretation": "official interpretation",
    "example": "example",
    "form": "model form",
}
"""How a citation names a kind of text other than the rule itself."""

_DASH = "-\u2010\u2011\u2012\u2013\u2014\u2015"
_COMMENTARY = re.compile(
    r"""\bofficial\s+(?:bureau\s+|staff\s+)?(?:interpretations?|commentary)\b
      | ^\W*supplement\s+i\s+to\s+part\s+\d+            # Supplement I to Part 1026
      | ^\W*(?:official\s+)?(?:staff\s+)?(?:interpretations?|commentary)\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
"""Headings that say outright that what follows is a regulation's official interpretation."""
_COMMENT_SHAPE = re.compile(
    r"""^[^\w§]*(?:section|§)\s*\d{3,4}\.\d+[a-z]?\s*["""
    + _DASH
    + r"""]  # Section 1002.9—Notices
      | ^[^\w§]*section\s+\d{3,4}\.\d+[a-z]?\b   # the rule itself is headed "§ 1002.9"
      | ^[^\w§]*(?:paragraph\s+|comments?\s+)?\d+[a-z]?(?-i:\([a-z0-9]{1,4}\))+(?=[\s.]|$)""",
    re.IGNORECASE | re.VERBOSE,
)
"""How the official interpretations printed with a regulation head what they interpret:
``Section 1026.43\u2014Minimum Standards``, ``\u00a7 1024.35 - Error Resolution``, ``43(e)(2)
Qualified mortgage defined``, ``Paragraph 7(d)(6).``, and ``Section 1026.43`` spelled out
where the rule is headed ``\u00a7 1026.43``; read so in a regulation only (in a company's
guide "Section 1200.1 \u2013 Reserves" and "7(a) Loans" are rules)."""
_EXAMPLE = re.compile(
    r"""(?:^|\s)(?:worked\s+)?(?:examples?|illustrations?)\W*$        # G. Worked Examples
      | ^[^\w]*(?:[\w.]+\s+)?(?:example|illustration)\s+\d+\b   # Example 2: ...
      | \bcase\s+stud(?:y|ies)\b""",
    re.IGNORECASE | re.VERBOSE,
)
_FORM = re.compile(
    r"\b(?:model|sample|specimen)\s+(?:(?:application|notification|notice|disclosure|"
    r"loan)\s+)?(?:forms?|clauses?|letters?|notices?)\b|\bforms?\s+and\s+instructions\b"
    r"|\b(?:model|sample|specimen)\s+(?:[\w-]+\s+){1,3}(?:forms?|clauses?|letters?|notices?)\W*$",
    re.IGNORECASE,
)
_FORM_TYPE = re.compile(r"(?:(?:sample|model|specimen)-?)?forms?|samples?|templates?")
"""Document types of a library's forms (``sample-form``, ``model-form``, ``form``): every
section of such a document is a form, whatever its headings."""


def text_kind(path: Sequence[str], doc_type: str = "") -> TextKind:
    """What a section is, read from its heading path (every heading above it and its own):
    an official interpretation under a heading that says so ("Supplement I to Part 1026",
    "Official Interpretations") or, in a document of type ``regulation``, under the headings
    its commentary uses ("Section 1026.43\u2014...", "43(e)(2) ..."); a worked example
    ("Worked Examples", "Example 2"); a model form ("Model Forms and Clauses", "Sample
    Notification Forms", or any section of a document whose type says it is a form:
    ``sample-form``). Anything else is rule text."""
    if any(_COMMENTARY.search(h) for h in path) or (
        doc_type == "regulation" and any(_COMMENT_SHAPE.search(h) for h in path)
    ):
        return "interpretation"
    if _FORM_TYPE.fullmatch(doc_type) or any(_FORM.search(h) for h in path):
        return "form"
    if any(_EXAMPLE.search(h) for h in path):
        return "example"
    return "rule"


_ASKS_FOR_FORM = re.compile(
    r"\b(?:forms?|model|sample|specimen|templates?|clauses?|worksheets?)\b"
    # "What does the statement of credit denial tell the applicant?": a notice's wording.
    r"|\bwhat\s+(?:does|do|did)\s+(?:[\w'-]+\s+){0,8}?"
    r"(?:notices?|letters?|statements?|disclosures?|appendix)\b"
    r"(?:\s+(?!(?:have|has|need|needs|must|should|ought)\b)[\w'-]+){0,6}?"
    r"\s+(?:say|tell|read|show)\b",  # not what it "has to say": that is the rule
    re.IGNORECASE,
)


def asks_for_form(question: str) -> bool:
    """Whether a question asks for a model form itself ("the sample notice", "the model
    letter", "what does the statement of credit denial say"): only then is a form's wording
    to the applicant what answers it, rather than the rule it illustrates."""
    return bool(_ASKS_FOR_FORM.search(question))


_FORM_VOICE = re.compile(
    r"\b(?:[Yy]ou|[Yy]our|[Yy]ours|[Ww]e|us|[Oo]ur|[Oo]urs|me|[Mm]y)\b|\bI\s+[a-z]"
    r"|\[[^\]]*\]|_{2,}"
)
"""A form's own wording: to or from the applicant ("you", "we", "I"), or a blank to fill in
("[our credit service manager]", "____")."""


def speaks_as_form(path: Sequence[str], doc_type: str, text: str) -> bool:
    """Whether ``text``, of a section with heading ``path``, is a model form's wording to
    the applicant ("If you would like a statement of specific reasons ... please contact
    [our credit service manager] ... within 60 days of the date of this letter"): not the
    rule, however close to a question about it. A form's instructions ("Form and
    Instructions"), the scope and commentary of its appendix, and whatever speaks of the
    form from outside in the third person ("A creditor will not satisfy the notice
    requirement by checking the closest factor") are read as the rule is."""
    if text_kind(path, doc_type) != "form" or any("instruction" in h.lower() for h in path):
        return False
    return bool(_FORM_VOICE.search(text))


_LONGEST_HEADING = 300
_RULE_SECTION = re.compile(
    r"(?:(?<!§)§{1,2}|\bsection)\s*(\d{3,4})\.(\d+[a-z]?)((?:\([a-z0-9]{1,4}\))*)", re.IGNORECASE
)
_RULE_COMMENT = re.compile(
    r"^\W*(?:paragraph\s+|comments?\s+)?(\d+[a-z]?)((?:\([a-z0-9]{1,4}\))+)", re.IGNORECASE
)
_RULE_PARAGRAPH = re.compile(r"^\W*\(([a-z0-9]{1,4})\)")
_SECTION_WORD = re.compile(r"^section\s+(?=\u00a7)", re.IGNORECASE)
"""The word and the mark both, as in "Section \u00a7 1024.17 - Escrow Accounts"."""


def rule_label(path: Sequence[str], *, as_written: bool = False) -> str:
    """The paragraph of a regulation a section is, or interprets, from its heading path:
    ``1026.43(e)(2)``; empty when its headings name no section of a regulation. In lower
    case, as labels are compared, unless ``as_written`` (``1026.35(b)(2)(iii)(A)``, as it
    is cited)."""
    case = (lambda text: text) if as_written else str.lower
    label = ""
    for heading in (_SECTION_WORD.sub("", h[:_LONGEST_HEADING].strip()) for h in path):
        # A heading that is the section ("§ 1026.43 Minimum standards", "Section 1026.43—"),
        # not one that refers to it: a model form "Required By § 1024.37(c)(2)", a guide's
        # "Ability to Repay (§ 1026.43(c))" are not that paragraph of the regulation.
        section = _RULE_SECTION.match(heading)
        if section:
            label = f"{section[1]}.{section[2]}{case(section[3])}"
            continue
        if not label:
            continue
        comment = _RULE_COMMENT.match(heading)
        if comment and label.split("(")[0].split(".")[1] == comment[1]:
            label = f"{label.split('(')[0]}{case(comment[2])}"
            continue
        paragraph = _RULE_PARAGRAPH.match(heading)
        if paragraph and not label.endswith(f"({paragraph[1]})"):  # "§ 1026.32(a)" > "(a) ..."
            label = f"{label}({paragraph[1]})"
    return label


def label_ancestors(label: str) -> Iterator[str]:
    """A regulation paragraph's label and those above it, nearest first: ``1026.43(e)(2)``,
    ``1026.43(e)``, ``1026.43``."""
    while label:
        yield label
        label = label.rpartition("(")[0] if "(" in label else ""


# --- paragraph citations --------------------------------------------------------------------

_LABEL_PART = re.compile(r"\([^()]*\)|[^.()]+")
_ABSOLUTE_ID = re.compile(r"^(?:[A-Z]{1,4}\d{0,2}-[\w.-]+|\d{1,3}(?:\.\d{1,3})+)$")
"""A paragraph that numbers itself absolutely (``4.2.1``, ``B3-3.1-09``), not relative to its
section."""


def common_paragraph(labels: Sequence[str]) -> str:
    """The innermost paragraph holding all of ``labels`` (``(e)(2)(i)`` and ``(e)(2)(ii)``:
    ``(e)(2)``; ``item 1.i`` and ``item 1.ii``: ``item 1``); empty when they share none."""
    if not labels:
        return ""
    first = labels[0]
    parts = list(_LABEL_PART.finditer(first))
    end = len(first)
    for other in labels[1:]:
        others = [m.group() for m in _LABEL_PART.finditer(other)]
        shared = 0
        for a, b in zip(parts, others, strict=False):
            if a.group() != b:
                break
            shared += 1
        parts = parts[:shared]
        end = parts[-1].end() if parts else 0
    return first[:end]


def paragraph_citation(section_id: str, path: Sequence[str], kind: TextKind, paragraph: str) -> str:
    """How a paragraph is cited, from its section and its label within the section
    (:attr:`app.models.Chunk.paragraphs`): ``§ 1026.43(e)(2)(ii)`` in a regulation, ``comment
    43(e)(2)-1.i`` in its official interpretations, ``B3-6-02, item 3`` or ``4.2(a)`` in a
    guide, ``4.2.1`` for a paragraph numbered absolutely. Empty when ``paragraph`` is (the
    section itself is cited), or names an absolute number outside the section's own (a
    reference in a table cell read as a heading)."""
    if not paragraph:
        return ""
    if _ABSOLUTE_ID.match(paragraph) and not paragraph.startswith("item"):
        below = paragraph[len(section_id) : len(section_id) + 1] if section_id else ""
        inside = paragraph.startswith(section_id) and below in (".", "-")
        return paragraph if section_id and inside else ""
    rule = rule_label(path, as_written=True)
    if rule and kind == "interpretation":
        comment = rule.split(".", 1)[1]
        if paragraph.startswith("item "):
            return f"comment {comment}-{paragraph.removeprefix('item ')}"
        return f"comment {comment}{paragraph}" if paragraph.startswith("(") else ""
    if rule:
        mark = "\u00a7 " if any("\u00a7" in h for h in (section_id, *path)) else "Section "
        if paragraph.startswith("("):
            return f"{mark}{rule}{_below(rule, paragraph)}"
        return f"{mark}{rule}, {paragraph}"
    if not section_id:
        return paragraph
    if paragraph.startswith("("):
        return f"{section_id}{_below(section_id, paragraph)}"
    return f"{section_id}, {paragraph}"


def _below(rule: str, paragraph: str) -> str:
    """``paragraph`` below the paragraph ``rule`` names, without that paragraph's own
    marker where it starts with it: a section cut at ``§ 1026.43(b)`` whose text begins
    "(b) Definitions." numbers its paragraphs ``(b)(12)``, cited ``§ 1026.43(b)(12)``, not
    ``(b)(b)(12)`` (no paragraph of a regulation repeats its parent's marker)."""
    own = _LABEL_PART.match(paragraph)
    if own is not None and own.group().startswith("(") and rule.endswith(own.group()):
        return paragraph[own.end() :]
    return paragraph


def quoted_paragraph(text: str, marks: Sequence[tuple[int, str]], quote: str) -> str:
    """The paragraph of a passage that a quote from it stands in: ``marks`` are where each
    paragraph begins in ``text`` (``(offset, label)``); a quote that runs over several
    paragraphs stands in the innermost one holding them all. Empty when the passage has no
    marks or the quote is not found in it (white space aside)."""
    if not marks:
        return ""
    found = None
    # The quote, white space aside; a table row is quoted after its caption and header
    # (which a piece of a split table repeats): then the row alone.
    for probe in (quote, quote.rsplit("\n", 1)[-1]):
        if words := probe.split():
            found = re.search(r"\s+".join(re.escape(w) for w in words), text)
        if found is not None:
            break
    if found is None:
        return ""
    start, end = found.span()
    labels = [label for offset, label in marks if offset <= start]
    within = [label for offset, label in marks if start < offset < end]
    held = ([labels[-1]] if labels else []) + within
    return common_paragraph(held) if held else ""
