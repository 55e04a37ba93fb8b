"""Decode a text file's bytes: UTF-8 (with or without a byte-order mark), UTF-16/32 with one,
or a legacy encoding charset-normalizer can tell for sure. Anything else is refused rather
than guessed at: mojibake stored in the index would be quoted back as policy text."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from app.errors import DocumentError

# The legacy encodings office files are still saved in: Western Windows, and the common
# Japanese, Chinese and Korean ones. Others are refused with a request to save as UTF-8.
LEGACY_ENCODINGS = ["cp1252", "latin_1", "cp932", "shift_jis", "euc_jp", "gb18030", "big5",
                    "cp949", "euc_kr"]  # fmt: skip
_CONFIDENT_CHAOS = 0.1
"""The most "chaos" (charset-normalizer's measure of implausible text) a guess may have."""
_RIVAL_MARGIN = 0.05
"""A guess nearly as plausible as the best one that reads the bytes otherwise makes it unsure."""
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip
# Controls other than tab, line feed, vertical tab, form feed and carriage return, and the
# replacement character: signs of bytes read in the wrong encoding.
_GARBLED = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


def decode(raw: bytes, name: str) -> str:
    """The text in ``raw`` (the file ``name``); :class:`DocumentError` if it cannot be told."""
    if b"\x00" in raw[:4096] and not raw.startswith(tuple(bom for bom, _ in _BOMS)):
        raise DocumentError(f"{name}: this is a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return _clean(raw.decode(encoding), name, encoding)
            except UnicodeDecodeError:
                raise DocumentError(
                    f"{name}: the file starts as {encoding.upper()} but is not valid "
                    f"{encoding.upper()}; save it as UTF-8 and ingest that"
                ) from None
    matches = list(from_bytes(raw, cp_isolation=LEGACY_ENCODINGS))
    if not matches or matches[0].chaos > _CONFIDENT_CHAOS:
        raise DocumentError(
            f"{name}: the text is not UTF-8 and its encoding cannot be recognised; "
            "save it as UTF-8 and ingest that"
        )
    best = matches[0]
    text = str(best)
    rivals = [
        m.encoding for m in matches[1:] if m.chaos <= best.chaos + _RIVAL_MARGIN and str(m) != text
    ]
    if rivals:
        raise DocumentError(
            f"{name}: the text is not UTF-8 and could be {best.encoding} or {rivals[0]} "
            "(they read it differently); save it as UTF-8 and ingest that"
        )
    return _clean(text, name, best.encoding)


def _clean(text: str, name: str, encoding: str) -> str:
    if _GARBLED.search(text):
        raise DocumentError(
            f"{name}: the text does not decode cleanly as {encoding} (the closest match); "
            "save it as UTF-8 and ingest that"
        )
    return text.removeprefix("\ufeff")
