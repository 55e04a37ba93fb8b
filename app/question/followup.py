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
import unicodedata
from dataclasses import dataclass

from app.question.lexicon import Lexicon
from app.text import state_name, state_spans

_LEAD = r"(?:(?:and|but|ok(?:ay)?|so|then|now)\s*,?\s+)?"
_OPENERS = re.compile(
    rf"^{_LEAD}(?:"
    r"(?:what|how)\s+about"
    r"|(?:and|also|same(?:\s+question)?|the\s+same|now)\s*(?=for\b|in\b|with\b|under\b|on\b)"
    r"|(?:and|also)\b"
    r"|(?:does|do|is|would|will|can)\s+(?:that|this|it|the\s+same(?:\s+rule)?)\s+"
    r"(?:also\s+)?(?:apply|hold|change|differ|be\s+(?:the\s+same|different)"
    r"|the\s+same|different)\b"
    r")[\s,:]*",
    re.IGNORECASE,
)
_BARE = re.compile(r"^(?:for|in|with|under|on)\b", re.IGNORECASE)
"""A short question that is only a phrase of its own, beginning with a preposition."""
_LONGEST = 12
"""Words a follow-up may hold: a longer question says what it asks about itself."""
_CLAUSE = re.compile(
    r"\b(?:what|which|who|whom|whose|how|when|where|why|whether|is|are|was|were|be|been|"
    r"can|could|does|do|did|must|may|might|should|shall|will|would|has|have|had|need|needs|"
    r"qualify|qualifies|require|requires|required)\b|[,;]",
    re.IGNORECASE,
)
"""A question word, a verb or a comma in what follows the opener: a question of its own
("In Texas, what is ...", "When is a VOE required?", "Can it be waived?"), which is read as
it is: a wrong reading is worse than none."""
_EMPTY = frozenset({"the", "a", "an", "that", "this", "it", "them", "those", "these", "one"})
_TAIL = re.compile(r"\s+(?:too|also|as\s+well)$", re.IGNORECASE)
_PREPOSITION = re.compile(r"^(?:for|in|with|under|on|if|when|to|of|from|by)\b", re.IGNORECASE)
_TRAILING_PHRASE = re.compile(
    r"\s(?:for|in|with|under|on|if|when|to|from|by)\s(?:(?!\b(?:for|in|with|under|on|if|when|to|from|by)\b)[^,;])+$",
    re.IGNORECASE,
)
_MEASURES = ("DTI", "LTV", "CLTV", "HCLTV", "DSCR", "FICO", "APR", "PITIA")
"""Measures a follow-up may swap ("What about LTV?" after a DTI question); any other
acronym (FHA, ITIN, a placeholder) is not a measure and is never swapped."""
_MEASURE = re.compile(rf"\b(?:{'|'.join(_MEASURES)})\b")
_SUBJECT = re.compile(r"^(?:the\s+)?(?:maximum|minimum|max|min|highest|lowest)\b", re.IGNORECASE)
"""A new subject asked the same way ("the minimum loan amount", "maximum LTV"); any other
phrase ("investment properties") is a new case of the same subject."""
_HEAD = re.compile(r"(?:(?:^|\s)(?:for|in|on|under|with|of|to)(?:\s(?:a|an|the))?)?\s?$", re.I)
"""The preposition and article before a product's or state's name (searched in a short
tail only: a long run of them cannot make the search slow)."""
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
    taken: follow-ups that each add a phrase do not grow a reading without end), or where
    either question names two products or two states (which one is meant would be a guess)."""
    if not previous or not previous.strip():
        return Reading(question)
    qualifier = _qualifier(_plain(question), lexicon)
    if qualifier is None:
        return Reading(question)
    before = _plain(previous).rstrip(_END)
    if limit is not None and len(before) > limit:
        return Reading(question)
    products = _products(lexicon, before)
    states = state_spans(before)
    new_products = _products(lexicon, qualifier)
    new_states = _states(qualifier)
    if any(len({tag for tag, _, _ in found}) > 1 for found in (products, states)) or any(
        len(found) > 1 for found in (new_products, new_states)
    ):
        return Reading(question)
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
    if own and not re.search(r"[^\W\d_]", own):
        return Reading(question)  # nothing but figures or signs: not a case or a subject
    scoped = [_with_preposition(qualifier, a, b, "for ") for _, a, b in new_products] + [
        _with_preposition(qualifier, a, b, "in ") for _, a, b in new_states
    ]

    if own:
        core = _joined(core, own)
    reading = _tidy(" ".join(p for p in (core, *scoped, *kept) if p)) + "?"
    if limit is not None and len(reading) > limit:
        return Reading(question)
    return Reading(text=reading, followup=True, carried=tuple(carried))


def _plain(text: str) -> str:
    """``text`` with compatibility forms folded (full-width letters), invisible characters
    dropped and runs of white space made one space."""
    folded = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", " ", folded).strip()


_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def _qualifier(text: str, lexicon: Lexicon | None) -> str | None:
    """What the follow-up adds (``for investment properties``), or None when ``text`` is
    not a follow-up: too long, or a question of its own after the opener."""
    if len(text.split()) > _LONGEST:
        return None
    opened = _OPENERS.match(text)
    if opened is not None and opened.end() > 0:
        rest = _TAIL.sub("", text[opened.end() :].strip().rstrip(_END))
    else:
        rest = text.rstrip(_END)
        if not _BARE.match(rest) and not (lexicon is not None and _only_scope(rest, lexicon)):
            return None
    if _CLAUSE.search(rest) or not set(re.findall(r"\w+", rest.lower())) - _EMPTY:
        return None  # a question of its own, or nothing said ("How about that?")
    return rest


def _only_scope(text: str, lexicon: Lexicon) -> bool:
    """Whether ``text`` names a product or state and nothing else ("HELOCs?", "Texas?")."""
    spans = [(a, b) for _, a, b in _products(lexicon, text) + _states(text)]
    return bool(spans) and not re.search(r"\w", _without(text, spans))


def _products(lexicon: Lexicon | None, text: str) -> list[tuple[str, int, int]]:
    return lexicon.product_spans(text) if lexicon is not None else []


def _states(text: str) -> list[tuple[str, int, int]]:
    """The states a follow-up names: by name, or by its postal code alone ("What about TX?",
    "In CA?"), which a follow-up uses as a question would use the name."""
    found = state_spans(text)
    taken = [(a, b) for _, a, b in found]
    for m in re.finditer(r"\b[A-Z]{2}\b", text):
        if state_name(m.group()) != m.group() and not any(a <= m.start() < b for a, b in taken):
            found.append((m.group(), m.start(), m.end()))
    return sorted(found, key=lambda f: f[1])


def _head(text: str, at: int) -> int:
    """Where the preposition and article before position ``at`` begin (``at`` if none)."""
    start = max(0, at - 24)
    head = _HEAD.search(text[start:at])
    return start + head.start() if head and head.group(0).strip() else at


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` less each span and the preposition and article just before it."""
    out = text
    for a, b in sorted(spans, reverse=True):
        out = out[: _head(out, a)] + out[b:]
    return _tidy(out)


def _phrase_of(text: str, span: tuple[str, int, int]) -> str:
    """The phrase naming a product or state, with the preposition and article before it."""
    _, a, b = span
    phrase = text[_head(text, a) : b].strip()
    return phrase if _PREPOSITION.match(phrase) else f"for {phrase}"


def _with_preposition(qualifier: str, a: int, b: int, default: str) -> str:
    """A product or state named by the follow-up, as a phrase (``in Texas``)."""
    start = _head(qualifier, a)
    head = qualifier[start:a].strip().lower()
    if not head or head.split()[0] == "to":  # "Does it apply to HELOCs?"
        return default + qualifier[a:b]
    return f"{head} {qualifier[a:b]}"


def _joined(core: str, own: str) -> str:
    """The previous question's core with the follow-up's own words put in their place."""
    measures = _MEASURE.findall(core)
    if _MEASURE.fullmatch(own):
        if not measures:
            return core  # no measure to swap: the subject stays, said in "Read as"
        # "What about LTV?" after a DTI question: the measure asked about changes.
        return re.sub(rf"\b{re.escape(measures[-1])}\b", own, core, count=1)
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
