"""Decode a text file's bytes: UTF-8 (with or without a byte-order mark), or UTF-16/32 with
one. Anything else is refused, naming the encoding charset-normalizer takes it for, rather
than decoded by a guess: a guess that is wrong even now and then stores mojibake, which
answers would quote back as policy text, and legacy encodings are too alike to tell apart
for sure (Windows-1252 text reads without error as DOS, Mac or Cyrillic code pages, and
short Japanese as Chinese)."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from app.errors import DocumentError

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip
# Controls other than tab, line feed, vertical tab, form feed and carriage return: in text
# that claims to be UTF-16 or UTF-32, a sign that it is not.
_GARBLED = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_SAMPLE = 256_000
"""Bytes charset-normalizer looks at to name the encoding in the refusal."""


def decode(raw: bytes, name: str) -> str:
    """The text in ``raw`` (the file ``name``); :class:`DocumentError` if it is not Unicode."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                text = "\x00"
            if _GARBLED.search(text):
                raise DocumentError(
                    f"{name}: the file starts as {encoding.upper()} but is not valid "
                    f"{encoding.upper()} text; save it as UTF-8 and ingest that"
                )
            return text
    if b"\x00" in raw[:4096]:
        raise DocumentError(f"{name}: this is a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    guess = from_bytes(raw[:_SAMPLE]).best()
    looks = f" (it looks like {guess.encoding})" if guess is not None else ""
    raise DocumentError(f"{name}: the text is not UTF-8{looks}; save it as UTF-8 and ingest that")
