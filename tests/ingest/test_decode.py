"""Text files in the encodings they come in: read right, or refused, never garbled."""

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
ENGLISH = (
    "The lender\u2019s \u201cgift letter\u201d must be signed \u2013 reserves cover six months."
)


@pytest.mark.parametrize(
    ("name", "text", "encoding"),
    [
        ("utf8.txt", ENGLISH, "utf-8"),
        ("bom.md", ENGLISH, "utf-8-sig"),
        ("utf16.txt", ENGLISH, "utf-16"),
        ("windows.txt", ENGLISH, "cp1252"),
        (
            "french.txt",
            "La politique de cr\u00e9dit exige une preuve de revenu \u00e0 jour.",
            "latin-1",
        ),
        ("shift-jis.txt", JAPANESE, "shift_jis"),
        ("gb18030.md", CHINESE, "gb18030"),
    ],
)
def test_text_in_a_recognisable_encoding_is_read_as_written(
    tmp_path: Path, name: str, text: str, encoding: str
) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    doc = parse(path)
    assert "\n".join(p.text for p in doc.pages) == "\n".join(clean_lines(text))


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("short-sjis.txt", "審査基準".encode("shift_jis")),
        ("mixed.txt", "Reserves must cover six months. 注意: 審査".encode("shift_jis")),
        ("noise.md", bytes(range(128, 256)) * 8),
        ("bad-utf16.txt", b"\xff\xfe" + "Reserves".encode("utf-16-le") + b"\x00\xd8"),
    ],
)
def test_text_whose_encoding_cannot_be_told_is_refused(
    tmp_path: Path, name: str, raw: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(DocumentError, match="save it as UTF-8") as raised:
        parse(path)
    assert str(raised.value).startswith(f"{name}: ") and "\n" not in str(raised.value)
