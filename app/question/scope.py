"""Scope: the question's own words -> the products and state it is answered for.

A question that names a product ("for a mortgage", "HELOC", "home equity line of credit")
or a state ("in Texas", "in TX") is answered from that product's and that state's documents
(a state's documents and the federal, company-wide ones; a product's and those for every
product), as if the reader had set the filter; a filter set by the reader wins over the
words. The products are the library's own tags and the names its titles give them
(:mod:`app.question.lexicon`), never a list written here. A question naming two products
or two states is not narrowed (which one would be a guess).

Once in scope, the state's name is taken out of the text the answer is matched with (not
of what is searched, where it helps find the state's own sections): the scope already
holds it, and left in, "Texas" would draw the answer to any sentence of the Texas
supplement that says "Texas", whatever it is about. A product's name stays: "personal
loan" or "HELOC" is what the question is about, and the documents say it in their rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.models import Filters
from app.question.lexicon import Lexicon
from app.text import state_spans

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")


@dataclass(frozen=True)
class Scope:
    filters: Filters
    """The filters the question is answered under: the reader's, plus what its words name."""
    read: tuple[str, ...] = ()
    """The fields read from the question's words (``product``, ``jurisdiction``)."""
    text: str = ""
    """The question as the answer is matched with: the name of the state in scope taken
    out when the library has documents of that state (compatibility forms and invisible
    characters normalised first)."""


def scope(question: str, filters: Filters, lexicon: Lexicon) -> Scope:
    """The scope of a (redacted) question under the reader's ``filters``."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", question))
    products = lexicon.product_spans(text)
    states = state_spans(text)
    update: dict[str, str] = {}
    if filters.product is None and len({tag for tag, _, _ in products}) == 1:
        update["product"] = products[0][0]
    if filters.jurisdiction is None and len({code for code, _, _ in states}) == 1:
        update["jurisdiction"] = states[0][0]
    narrowed = filters.model_copy(update=update) if update else filters
    # Only a state the library has documents of: for any other, its name is what the
    # question asks about, and no document may be quoted as if it spoke of that state.
    spans = [
        (a, b)
        for code, a, b in states
        if code == narrowed.jurisdiction and code in lexicon.jurisdictions
    ]
    for start, end in sorted(spans, reverse=True):
        text = f"{text[:start]} {text[end:]}"
    return Scope(filters=narrowed, read=tuple(update), text=" ".join(text.split()))
