"""Fuzzing ``copilot ingest`` with generated malformed files (seeded, so a failure reproduces):
truncated, cut and bit-flipped real PDFs, random bytes behind a PDF header, flate bombs, page
trees that loop, encrypted PDFs, oversized metadata, text in odd encodings, and odd names.

They go through the real command, a batch per process. For every file: exactly one result
line naming it, ``failed`` where it must be; each line within a time bound; the process within
a memory bound (far lower when no file could load the model); the exit code 1 exactly when a
file failed; the index holding exactly the documents that went in, and any text that went in
stored as written (never mojibake).
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.text import one_line
from tests.conftest import ROOT, SAMPLES
from tests.ingest import helpers

pytestmark = pytest.mark.slow

SEED = 17
BATCH = 45
REFUSAL_S = 15.0
"""Most seconds a refused file may take (on a busy two-core machine; most take milliseconds,
a page of dense drawing instructions a few seconds)."""
INGEST_S = 90.0
"""Most seconds a file that goes in may take, loading the model included."""
STARTUP_S = 60.0
LEAN_MB = 600
"""Peak memory of a process in which no file got far enough to load the model (about 400)."""
MODEL_MB = 2000
"""With the model loaded (about 900)."""
FIELDS = {"product": "personal", "jurisdiction": "US-federal", "doc_type": "policy",
          "version": "1.0", "effective_date": "2025-01-01"}  # fmt: skip
TEXT = "Reserves must cover six months of payments for every investment property loan."


@dataclass
class Case:
    name: bytes
    """The file's name as the file system holds it (any bytes but NUL and '/')."""
    content: bytes | None
    """None: listed in the manifest, but no such file can exist (NUL, 300 characters)."""
    fails: bool | None
    """True: must be refused; None: either outcome is acceptable."""
    text: str | None = None
    """For a text file that may go in: what it says, to compare with what is stored."""
    doc_id: str = ""
    file: str = ""
    """Its path in the manifest, relative to the manifest's folder."""


def _pdfs() -> list[bytes]:
    return [p.read_bytes() for p in sorted((SAMPLES / "pdf").glob("*.pdf"))]


def _eof_kept(data: bytes) -> bool:
    return b"%%EOF" in data[-2048:]


def _broken_pdfs(rng: random.Random) -> list[Case]:
    cases = []
    for source in _pdfs():  # truncated at many offsets
        for offset in [*(rng.randrange(1, len(source)) for _ in range(5)), len(source) - 3]:
            cut = source[:offset]
            cases.append(Case(b"truncated.pdf", cut, None if _eof_kept(cut) else True))
    for _ in range(20):  # a middle part cut out, the end kept: a broken cross-reference table
        source = rng.choice(_pdfs())
        start = rng.randrange(9, len(source) - 200)
        cut = source[:start] + source[start + rng.randrange(1, len(source) - start - 100) :]
        cases.append(Case(b"cut.pdf", cut, None))
    for _ in range(20):  # bytes overwritten at random
        flipped = bytearray(rng.choice(_pdfs()))
        for _ in range(rng.randrange(1, 60)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        cases.append(Case(b"flipped.pdf", bytes(flipped), None))
    for _ in range(25):  # random bytes behind a header
        noise = rng.randbytes(rng.randrange(0, 20_000))
        tail = b"\n%%EOF\n" if rng.random() < 0.7 else b""
        cases.append(Case(b"noise.pdf", b"%%PDF-1.%d\n" % rng.randrange(3, 8) + noise + tail, True))
    return cases


def _hostile_pdfs(rng: random.Random) -> list[Case]:
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"
    catalog, pages = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    )
    deep = b"[" * 50_000 + b"]" * 50_000
    structures = [
        helpers.raw_pdf(catalog, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"),  # kid of itself
        helpers.raw_pdf(catalog, pages, page.replace(b"4 0 R", b"3 0 R")),  # draws itself
        helpers.raw_pdf(catalog, pages, page, b"<< /Length 4 0 R >>\nstream\nBT ET\nendstream"),
        helpers.raw_pdf(
            catalog,
            pages,
            page,
            b"<< /Length 5 >>\nstream\nBT ET\nendstream",
            trailer=b"/Root 1 0 R /Prev 9",
        ),
        helpers.raw_pdf(b"<< /Type /Catalog /Pages 1 0 R >>"),  # the catalog is its page tree
        helpers.raw_pdf(catalog, b"<< /Type /Pages /Kids %s /Count 1 >>" % deep),
        helpers.raw_pdf(catalog, pages, page.replace(b"/Parent 2 0 R", b"/Parent 3 0 R")),
        helpers.raw_pdf(b"(not a dictionary)"),
    ]
    looped = helpers.raw_pdf(catalog, pages, page, b"<< /Length 5 >>\nstream\nBT ET\nendstream")
    xref = looped[looped.rindex(b"startxref\n") + 10 :].split(b"\n")[0]
    structures.append(looped.replace(b"/Root 1 0 R", b"/Root 1 0 R /Prev " + xref))  # xref loop
    cases = [Case(b"loop.pdf", data, True) for data in structures]
    for size in (3_000_000, 40_000_000, 74_000_000):  # flate bombs: spaces, path operators
        cases.append(Case(b"bomb.pdf", helpers.one_page_pdf(b" " * size), True))
        cases.append(Case(b"bomb.pdf", helpers.one_page_pdf(b"0 0 m\n" * (size // 6)), True))
    text = b"BT /F1 12 Tf 72 720 Td " + b"(Reserves must cover six months.) Tj T* " * 45_000
    cases.append(Case(b"dense.pdf", helpers.one_page_pdf(text + b" ET"), True))
    cases.append(
        Case(b"dense.pdf", helpers.one_page_pdf(b"BT (" + b"A" * 1_900_000 + b") Tj ET"), True)
    )
    data = zlib.compress(b"0 0 m\n" * 330_000, 9)
    shared = helpers.raw_pdf(
        catalog,
        b"<< /Type /Pages /Kids [%s] /Count 40 >>" % b" ".join(b"4 0 R" for _ in range(40)),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(data), data),
        page.replace(b"4 0 R", b"3 0 R"),
    )
    cases.append(Case(b"shared.pdf", shared, True))
    for algorithm in ("AES-256", "AES-128", "RC4-128", "RC4-40"):  # encrypted
        cases.append(Case(b"locked.pdf", _encrypted("s3cret", algorithm), True))
        cases.append(Case(b"restricted.pdf", _encrypted("", algorithm), None))
    keys = {f"/K{i}": "v" for i in range(200_000)}
    cases.append(Case(b"keys.pdf", helpers.with_metadata(helpers.pdf(TEXT), keys), None))
    title = {"/Title": "T" * 5_000_000}
    cases.append(Case(b"title.pdf", helpers.with_metadata(helpers.pdf(TEXT), title), None))
    cases.append(Case(b"scan.pdf", helpers.broken_xref(helpers.pdf(None, None)), True))
    rng.shuffle(cases)
    return cases


def _encrypted(password: str, algorithm: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(helpers.pdf(TEXT, TEXT + " Twice."))))
    writer.encrypt(user_password=password, owner_password="owner", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


ALPHABETS = [
    "Reserves cover six months of payments. Gift funds need a letter. ",
    "La politique de crédit exige une preuve de revenu à jour. Été, élève, œuvre. ",
    "第一条 本規程は住宅ローンの審査に適用する。借入者は所得証明書を提出しなければならない。",
    "第二条 借款人必须提供收入证明和身份证明。债务收入比不得超过百分之四十三。",
    "개인 대출 정책: 차용인은 소득 증명서를 제출해야 합니다. ",
    "Кредитная политика требует подтверждения дохода заемщика. ",
]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1",
             "shift_jis", "gb18030", "euc_kr", "big5", "koi8_r", "cp437", "mac_roman"]  # fmt: skip


def _text_files(rng: random.Random) -> list[Case]:
    cases = []
    for _ in range(30):
        alphabet = rng.choice(ALPHABETS)
        text = (alphabet * rng.randrange(1, 6))[: rng.randrange(8, 400)]
        encoding = rng.choice(ENCODINGS)
        try:
            raw = text.encode(encoding)
        except UnicodeEncodeError:
            raw = text.encode(encoding, errors="replace")  # "?" for what it cannot hold
            text = raw.decode(encoding)
        suffix = rng.choice([b".txt", b".md"])
        cases.append(Case(b"text" + suffix, raw, None, text=text))
    cases += [
        Case(b"noise.txt", bytes(rng.randrange(128, 256) for _ in range(3000)), True),
        Case(b"nul.md", b"Reserves\x00" * 100, True),
        Case(b"blank.txt", b" \n\t\r\n\f \n" * 50, True),
        Case(b"controls.txt", bytes(range(1, 32)) * 40, None),
        Case(b"empty.md", b"", True),
        Case(b"words.txt", (TEXT + "\n").encode() * 20, None, text=TEXT),
    ]
    return cases


def _odd_names(rng: random.Random) -> list[Case]:
    names = [b"new\nline", b"tab\there", b"esc\x1b[31mred", b"bidi\xe2\x80\xaegnp",
             b"line\xe2\x80\xa8separator", b"emoji \xf0\x9f\x93\x84", "ünïcödé".encode(),
             b"x" * 251, "é".encode() * 125, b"bad\xff\xfe", b" lead", b"-dash", b"trail ",
             b"CR\rname", b"quote\"'", b"back\\slash", b"DEL\x7f", b"c1\xc2\x85next"]  # fmt: skip
    cases = []
    for number, stem in enumerate(names):
        if number % 3 == 0:  # a few go in, to see their names in "new" lines too
            cases.append(Case(stem + b".txt", (TEXT + f" Name {number}.").encode(), None))
        else:
            cases.append(Case(stem + b".pdf", helpers.pdf(TEXT)[: rng.randrange(20, 400)], True))
    cases.append(Case(b"nul\x00name.pdf", None, True))
    cases.append(Case(b"y" * 300 + b".pdf", None, True))
    return cases


def generate(folder: Path) -> list[Case]:
    rng = random.Random(SEED)
    cases = _broken_pdfs(rng) + _hostile_pdfs(rng) + _text_files(rng) + _odd_names(rng)
    for number, case in enumerate(cases):
        case.doc_id = f"fuzz-{number:03d}"
        case.file = os.fsdecode(b"%03d/" % number + case.name)  # NUL kept: no such file
        if case.content is not None:  # a folder each: names repeat, odd ones stay as they are
            directory = os.fsencode(folder) + b"/%03d" % number
            os.mkdir(directory)
            with open(directory + b"/" + case.name, "wb") as handle:
                handle.write(case.content)
    # Files that cannot go in first: most batches should never need the model.
    return sorted(cases, key=lambda c: c.fails is None)


def _manifest(folder: Path, number: int, batch: list[tuple[int, Case]]) -> Path:
    rows = []
    for index, case in batch:
        rows.append({"file": case.file, "doc_id": case.doc_id, "title": f"Fuzz {index}", **FIELDS})
    path = folder / f"manifest-{number}.json"
    path.write_text(json.dumps({"documents": rows}))  # lone surrogates written as \udcff
    return path


def _run(manifest: Path, data_dir: Path) -> tuple[int, list[tuple[float, str]], str, int]:
    """Exit code, each stdout line with the seconds since the previous one, stderr, and the
    process's peak memory in MB."""
    env = {**os.environ, "COPILOT_APP__DATA_DIR": str(data_dir)}
    argv = [sys.executable, "-m", "app.cli", "ingest", "--no-progress", "--manifest", str(manifest)]
    errors = manifest.with_suffix(".err")
    with errors.open("wb") as err:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err)
    watchdog = threading.Timer(BATCH * INGEST_S, process.kill)
    watchdog.start()
    done, peak = threading.Event(), [0]
    watcher = threading.Thread(target=_watch_memory, args=(process.pid, done, peak))
    watcher.start()
    lines, last = [], time.monotonic()
    assert process.stdout is not None
    for raw in process.stdout:
        now = time.monotonic()
        lines.append((now - last, raw.decode("utf-8").rstrip("\n")))
        last = now
    done.set()
    watcher.join()
    code = process.wait()
    watchdog.cancel()
    return code, lines, errors.read_text(), peak[0]


def _watch_memory(pid: int, done: threading.Event, peak: list[int]) -> None:
    """Keep the process's VmHWM, its peak resident memory in MB. (Not ru_maxrss: Linux
    carries a forked child's high-water mark across exec, so it would count this test
    process's own memory.)"""
    status = Path(f"/proc/{pid}/status")
    while not done.is_set():
        try:
            lines = status.read_text().splitlines()
        except OSError:
            lines = []
        for line in lines:
            if line.startswith("VmHWM:"):
                peak[0] = max(peak[0], int(line.split()[1]) // 1024)
        done.wait(0.05)


def _index(data_dir: Path) -> dict[str, str]:
    """Every document in the index, with the text of its chunks."""
    from app.factory import open_store
    from app.settings import load_settings

    if not (data_dir / "edge").exists():
        return {}
    store = open_store(load_settings(app={"data_dir": data_dir}), None)
    try:
        return {
            r.doc_id: " ".join(c["text"] for c in store.chunks(r.doc_id)) for r in store.documents()
        }
    finally:
        store.close()


def test_malformed_files_are_refused_one_line_each_within_bounds(tmp_path: Path) -> None:
    from ingest.clean import clean_lines

    files, data_dir = tmp_path / "files", tmp_path / "data"
    files.mkdir()
    cases = generate(files)
    assert len(cases) >= 200
    numbered = list(enumerate(cases))
    for batch_number, start in enumerate(range(0, len(numbered), BATCH)):
        batch = numbered[start : start + BATCH]
        before = _index(data_dir)
        code, lines, stderr, peak_mb = _run(_manifest(files, batch_number, batch), data_dir)
        assert stderr == "" and len(lines) == len(batch) + 1, (stderr, lines)
        went_in = set()
        for position, ((index, case), (seconds, line)) in enumerate(
            zip(batch, lines, strict=False)
        ):
            shown = one_line(os.fsdecode(case.name))
            outcome, rest = line[:11].rstrip(), line[11:]  # the outcome column is 11 wide
            assert rest.startswith(f"{shown}: "), (index, line)
            assert outcome in {"new", "failed"}, line
            assert outcome == "failed" or not case.fails, (index, line)
            if outcome == "new":
                went_in.add(case.doc_id)
            limit = INGEST_S if outcome == "new" else REFUSAL_S
            assert seconds <= limit + (STARTUP_S if position == 0 else 0), (index, seconds, line)
        failed = len(batch) - len(went_in)
        assert lines[-1][1] == f"{len(went_in)} new, 0 replaced, 0 unchanged, {failed} failed"
        assert code == (1 if failed else 0)
        assert peak_mb <= (MODEL_MB if went_in else LEAN_MB), peak_mb
        after = _index(data_dir)
        assert set(after) == set(before) | went_in  # refused files changed nothing
        assert {doc: after[doc] for doc in before} == before
        for index, case in batch:
            if case.doc_id in went_in and case.text is not None:  # stored as written
                words = [w[:8] for w in " ".join(clean_lines(case.text)).split()[:8]]
                stored = after[case.doc_id]
                assert all(word in stored for word in words), (index, case.text, stored[:200])
