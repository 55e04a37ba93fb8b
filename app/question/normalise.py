"""Text as the recognizers read it: what Word, PDFs and phones paste made plain.

Dashes that look like hyphens (en and em dashes, non-breaking hyphens, minus signs) become
``-``; hard and narrow spaces become a space; full-width letters, digits and signs
(``５２９``, ``＠``) become ASCII; invisible characters (zero-width spaces and joiners, word
joiners, soft hyphens, byte-order marks) are dropped. So ``529–41–8876`` and ``529\u200b-41-8876``
read as ``529-41-8876``.

Recognizers run on the normalised text and their spans are mapped back: the redacted question
is the question as typed with each personal value (and any invisible character inside it)
replaced by its placeholder. Nothing else of the question changes.
"""

from __future__ import annotations

from app.text import FULL_WIDTH

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"
_SPACES = (
    "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
)
_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
_TABLE: dict[int, str | None] = {
    **dict.fromkeys(map(ord, _DASHES), "-"),
    **dict.fromkeys(map(ord, _SPACES), " "),
    **dict.fromkeys(map(ord, _INVISIBLE), None),
    **FULL_WIDTH,
}


class Normalised:
    """A question as the recognizers read it, and the way back to the question as typed."""

    def __init__(self, text: str) -> None:
        chars: list[str] = []
        origin: list[int] = []
        for i, char in enumerate(text):
            plain = _TABLE.get(ord(char), char)
            if plain is not None:
                chars.append(plain)
                origin.append(i)
        self.original = text
        self.text = "".join(chars)
        self._origin = origin

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Where ``self.text[start:end]`` (non-empty) is in the question as typed."""
        return self._origin[start], self._origin[end - 1] + 1


def normalise(text: str) -> str:
    """``text`` as the recognizers read it (see the module docstring)."""
    return Normalised(text).text
