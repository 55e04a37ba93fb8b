"""Text files in the encodings they come in: Unicode read as written, anything else refused
with what to do, never stored garbled."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import DocumentError
from ingest.clean import clean_lines
from ingest.parse import parse

JAPANESE = (
    "第一条 本規程は住宅ローンの審査に適用する。\n"
    "第二条 借入者は所得証明書を提出しなければならない。\n"
    "第三条 返済比率は四十三パーセントを超えてはならない。\n"
)
CHINESE = (
    "第一条 本政策适用于所有个人贷款。\n"
    "第二条 借款人必须提供收入证明和身份证明。\n"
    "第三条 债务收入比不得超过百分之四十三。\n"
)
ENGLISH = "The lender\u2019s \u201cgift letter\u201d must be signed \u2013 six months' reserves."
FRENCH = "La politique de cr\u00e9dit exige une preuve de revenu \u00e0 jour."


@pytest.mark.parametrize(
    ("name", "text", "encoding"),
    [
        ("utf8.txt", ENGLISH, "utf-8"),
        ("bom.md", ENGLISH, "utf-8-sig"),
        ("utf16.txt", FRENCH, "utf-16"),
        ("utf32.md", ENGLISH, "utf-32"),
        ("japanese.txt", JAPANESE, "utf-8"),
        ("chinese.md", CHINESE, "utf-16"),
        ("ascii.txt", "Reserves must cover six months of payments.", "cp1252"),
    ],
)
def test_unicode_text_is_read_as_written(
    tmp_path: Path, name: str, text: str, encoding: str
) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    doc = parse(path)
    assert "\n".join(p.text for p in doc.pages) == "\n".join(clean_lines(text))


@pytest.mark.parametrize(
    ("name", "raw", "looks_like"),
    [
        ("shift-jis.txt", JAPANESE.encode("shift_jis"), "cp932"),
        ("gb18030.md", CHINESE.encode("gb18030"), "gb18030"),
        ("short-sjis.txt", "審査基準".encode("shift_jis"), ""),
        ("windows.txt", ENGLISH.encode("cp1252"), ""),
        ("latin1.md", FRENCH.encode("latin-1"), ""),
        ("dos.txt", FRENCH.encode("cp437"), ""),
        ("noise.md", bytes(range(128, 256)) * 8, ""),
        ("bad-utf16.txt", b"\xff\xfe" + "Reserves".encode("utf-16-le") + b"\x00\xd8", ""),
        ("utf16-no-bom.txt", ENGLISH.encode("utf-16-le"), "binary"),
    ],
)
def test_text_in_any_other_encoding_is_refused_with_what_to_do(
    tmp_path: Path, name: str, raw: bytes, looks_like: str
) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(DocumentError) as raised:
        parse(path)
    message = str(raised.value)
    assert message.startswith(f"{name}: ") and "\n" not in message
    assert ("binary" in message) if looks_like == "binary" else ("save it as UTF-8" in message)
    assert looks_like in message
