"""Scope: the question's own words -> the products and state it is answered for.

A question that names a product ("for a mortgage", "HELOC", "home equity line of credit")
or a state ("in Texas") is answered from that product's and that state's documents (a
state's documents and the federal, company-wide ones; a product's and those for every
product), as if the reader had set the filter; a filter set by the reader wins over the
words. The products are the library's own tags and the names its titles give them
(:mod:`app.question.lexicon`), never a list written here. A question naming two products
or two states is not narrowed (which one would be a guess).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Filters
from app.question.lexicon import Lexicon
from app.text import named_state


@dataclass(frozen=True)
class Scope:
    filters: Filters
    """The filters the question is answered under: the reader's, plus what its words name."""
    read: tuple[str, ...] = ()
    """The fields read from the question's words (``product``, ``jurisdiction``)."""


def scope(question: str, filters: Filters, lexicon: Lexicon) -> Scope:
    """The scope of a (redacted) question under the reader's ``filters``."""
    update: dict[str, str] = {}
    if filters.product is None:
        named = lexicon.products_named(question)
        if len(named) == 1:
            update["product"] = named[0]
    if filters.jurisdiction is None:
        state = named_state(question)
        if state is not None:
            update["jurisdiction"] = state
    if not update:
        return Scope(filters=filters)
    return Scope(filters=filters.model_copy(update=update), read=tuple(update))
