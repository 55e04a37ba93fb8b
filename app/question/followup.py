"""Follow-up: a question that leans on the one before it -> the question it stands for.

In a conversation an underwriter asks "What is the maximum DTI for a mortgage?" and then
"What about for investment properties?". The second question, read alone, is about nothing
in particular; read after the first, it asks for the maximum DTI of a mortgage on an
investment property. :func:`read_as` makes that reading from the words alone (no model):

- A follow-up is a question that opens the way one does ("What about ...", "How about ...",
  "And ...", "Same for ...", "Does that apply to ...", "Is it different in ...") or that is
  nothing but a short phrase beginning with a preposition ("For HELOCs?", "In Texas?").
- The previous question's subject carries over. What the follow-up says replaces the part of
  the previous question it stands in for: a product or state it names replaces the one named
  before; a phrase such as "for investment properties" replaces the previous question's last
  phrase of that kind ("for primary residences") or is added to it; an acronym ("LTV") takes
  the place of the previous one ("DTI").
- The product and state of the previous question carry over when the follow-up names none.

Both questions are redacted text: nothing here sees what the reader typed before redaction.
What was carried is said to the reader with the answer ("Read as: ..."), so a reading that is
not what was meant is seen at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.question.lexicon import Lexicon
from app.text import state_name, state_spans

_LEAD = r"(?:(?:and|but|ok(?:ay)?|so|then|now)\s*,?\s+)?"
_OPENERS = re.compile(
    rf"^\s*{_LEAD}(?:"
    r"(?:what|how)\s+about"
    r"|(?:and|also|same(?:\s+question)?|the\s+same|now)\s*(?=for\b|in\b|with\b|under\b|on\b|if\b)"
    r"|(?:and|also)\b"
    r"|(?:does|do|is|would|will|can)\s+(?:that|this|it|the\s+same(?:\s+rule)?)\s+"
    r"(?:also\s+)?(?:(?:apply|hold|work|count|change|differ|be\s+(?:the\s+same|different)"
    r"|the\s+same|different)\b)?"
    r")[\s,:]*",
    re.IGNORECASE,
)
_BARE = re.compile(r"^\s*(?:for|in|with|under|on|if|when)\b", re.IGNORECASE)
"""A short question that is only a phrase of its own, beginning with a preposition."""
_BARE_WORDS = 8
_ASKS = re.compile(r"^\s*\w+\s+(?:what|which|whom|whose|how)\b", re.IGNORECASE)
"""A question of its own that begins with a preposition ("In what cases ...")."""
_PREPOSITION = re.compile(r"^(?:for|in|with|under|on|if|when|to|of|from|by)\b", re.IGNORECASE)
_TRAILING_PHRASE = re.compile(
    r"\s+(?:for|in|with|under|on|if|when|to|from|by)\s+(?:(?!\b(?:for|in|with|under|on|if|when|to|from|by)\b)[^,;])+$",
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"\b[A-Z]{2,6}s?\b")
_SUBJECT = re.compile(r"^(?:the|maximum|minimum|max|min|highest|lowest)\b", re.IGNORECASE)
"""What a follow-up asks about instead ("the minimum loan amount", "maximum LTV"): a phrase
with an article is a new subject, a bare plural ("investment properties") a new case."""
_END = " ?.!\t\n"


@dataclass(frozen=True)
class Reading:
    """How a question is read in its conversation."""

    text: str
    """The question to answer: the follow-up rewritten whole, or the question itself."""
    followup: bool = False
    carried: tuple[str, ...] = ()
    """What came from the previous question, in words (``the subject of the previous
    question``, ``product: mortgage``, ``state: Texas``)."""


def read_as(
    question: str, previous: str | None, lexicon: Lexicon | None, *, limit: int | None = None
) -> Reading:
    """The reading of ``question`` after ``previous`` (both redacted; ``previous`` is the
    previous question as it was read). A question that stands alone is read as itself, and
    so is one whose reading would be longer than ``limit`` characters (the longest question
    taken: follow-ups that each add a phrase do not grow a reading without end)."""
    if not previous or not previous.strip():
        return Reading(question)
    qualifier = _qualifier(question, lexicon)
    if qualifier is None:
        return Reading(question)
    before = previous.strip().rstrip(_END)
    products = _products(lexicon, before)
    states = state_spans(before)
    new_products = _products(lexicon, qualifier)
    new_states = state_spans(qualifier)
    carried = ["the subject of the previous question"]

    # Take the previous question's product and state phrases out; they come back at the end
    # unless the follow-up names its own.
    core = _without(before, [(a, b) for _, a, b in products + states])
    kept: list[str] = []
    if products and not new_products:
        kept.append(_phrase_of(before, products[0]))
        carried.append(f"product: {products[0][0]}")
    if states and not new_states:
        kept.append(_phrase_of(before, states[0]))
        carried.append(f"state: {state_name(states[0][0])}")
    own = _without(qualifier, [(a, b) for _, a, b in new_products + new_states]).strip(" ,")
    scoped = [(qualifier[a:b], "for ") for _, a, b in new_products] + [
        (qualifier[a:b], "in ") for _, a, b in new_states
    ]

    if own:
        core = _joined(core, own)
    text = " ".join(
        p
        for p in (
            core,
            *(_with_preposition(qualifier, s, default) for s, default in scoped),
            *kept,
        )
        if p
    )
    reading = _tidy(text) + "?"
    if limit is not None and len(reading) > limit:
        return Reading(question)
    return Reading(text=reading, followup=True, carried=tuple(carried))


def _qualifier(question: str, lexicon: Lexicon | None) -> str | None:
    """What the follow-up adds (``for investment properties``), or None when ``question``
    is not a follow-up."""
    text = question.strip()
    opened = _OPENERS.match(text)
    if opened is not None and opened.end() > 0:
        rest = text[opened.end() :].strip().rstrip(_END)
        if not rest or not re.search(r"\w", rest):
            return None
        if opened.group(0).strip().lower() in {"and", "also"} and _standalone(rest):
            return None  # "And what is the maximum LTV?" asks a question of its own
        return rest
    bare = text.rstrip(_END)
    if _BARE.match(bare) and len(bare.split()) <= _BARE_WORDS and not _ASKS.match(bare):
        return bare
    if lexicon is not None and bare and _only_scope(bare, lexicon):
        return bare
    return None


def _standalone(rest: str) -> bool:
    """Whether what follows "And" is a whole question (a question word and a verb)."""
    return bool(
        re.match(r"(?:what|which|who|how|when|where|why|is|are|does|do|can|must)\b", rest, re.I)
    )


def _only_scope(text: str, lexicon: Lexicon) -> bool:
    """Whether ``text`` names a product or state and nothing else ("HELOCs?", "Texas?")."""
    spans = [(a, b) for _, a, b in _products(lexicon, text) + state_spans(text)]
    return bool(spans) and not re.search(r"\w", _without(text, spans))


def _products(lexicon: Lexicon | None, text: str) -> list[tuple[str, int, int]]:
    return lexicon.product_spans(text) if lexicon is not None else []


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` less each span and the preposition and article just before it."""
    out = text
    for a, b in sorted(spans, reverse=True):
        head = re.search(
            r"(?:(?:^|\s+)(?:for|in|on|under|with|of|to)(?:\s+(?:a|an|the))?)?\s*$", out[:a], re.I
        )
        start = head.start() if head else a
        out = out[:start] + out[b:]
    return _tidy(out)


def _phrase_of(text: str, span: tuple[str, int, int]) -> str:
    """The phrase naming a product or state, with the preposition and article before it."""
    _, a, b = span
    head = re.search(r"(?:(?:for|in|on|under|with|of|to)(?:\s+(?:a|an|the))?\s+)?$", text[:a], re.I)
    start = head.start() if head and head.group(0) else a
    phrase = text[start:b]
    return phrase if _PREPOSITION.match(phrase) else f"for {phrase}"


def _with_preposition(qualifier: str, phrase: str, default: str) -> str:
    """A product or state named by the follow-up, as a phrase (``in Texas``)."""
    at = qualifier.find(phrase)
    before = qualifier[:at]
    head = re.search(r"(?:(?:for|in|on|under|with|of|to)(?:\s+(?:a|an|the))?\s+)$", before, re.I)
    return (head.group(0).lower() if head else default) + phrase


def _joined(core: str, own: str) -> str:
    """The previous question's core with the follow-up's own words put in their place."""
    acronyms = _ACRONYM.findall(core)
    if _ACRONYM.fullmatch(own) and acronyms:
        # "What about LTV?" after a DTI question: the measure asked about changes.
        return re.sub(rf"\b{re.escape(acronyms[-1])}\b", own, core, count=1)
    if _SUBJECT.match(own):
        # "What about the minimum loan amount?": a new subject, asked the same way.
        asked = re.match(r"^(?:what|which)\s+(?:is|are)\s+", core, re.I)
        return f"{asked.group(0) if asked else 'What is '}{own}"
    phrase = (own[0].lower() + own[1:]) if _PREPOSITION.match(own) else f"for {own}"
    last = _TRAILING_PHRASE.search(core)
    if last is not None and last.start() > 0 and _content(core[: last.start()]):
        return core[: last.start()] + " " + phrase
    return f"{core} {phrase}"


def _content(text: str) -> bool:
    """Whether ``text`` holds more than a question word and a verb ("What is")."""
    words = re.findall(r"[A-Za-z0-9%$-]+", text)
    filler = {"what", "which", "is", "are", "the", "a", "an", "how", "do", "does", "much", "many"}
    return any(w.lower() not in filler for w in words)


def _tidy(text: str) -> str:
    return re.sub(r"\s+([,;?])", r"\1", re.sub(r"\s{2,}", " ", text)).strip().rstrip(_END)
