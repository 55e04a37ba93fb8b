"""A new version of a sample policy, rendered to PDF the way the samples are built."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from tests.conftest import SAMPLES


def _builder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_pdfs", SAMPLES / "build_pdfs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_pdfs", module)
    spec.loader.exec_module(module)
    return module


def revised_policy_pdf(
    folder: Path, stem: str, old: str, new: str, version: str, effective: str
) -> Path:
    """The sample ``stem`` with ``old`` text replaced by ``new``, as version ``version``."""
    source = (SAMPLES / "src" / f"{stem}.md").read_text(encoding="utf-8")
    assert old in source, f"{old!r} is not in {stem}"
    lines = []
    for line in source.replace(old, new).splitlines():
        if line.startswith("version:"):
            line = f"version: {version}"
        elif line.startswith("effective_date:"):
            line = f"effective_date: {effective}"
        lines.append(line)
    markdown = folder / f"{stem}.md"
    markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")
    builder = _builder()
    data, _ = builder.build(builder.parse(markdown))
    pdf = folder / f"{stem}-v{version}.pdf"
    pdf.write_bytes(data)
    return pdf
