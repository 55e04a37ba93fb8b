"""The ``copilot`` command line. Errors a user can cause are printed as one line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli_changes import add_change_commands
from app.errors import CopilotError
from app.models import MAX_FLAGGED, Answer, Citation, DocumentRecord, FileOutcome, FileResult
from app.settings import Settings, load_settings
from app.text import KIND_LABELS, lead_ins, one_line

if TYPE_CHECKING:
    from app.models import User
    from app.question.service import CopilotService

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings()
        return int(args.handler(args, settings))
    except CopilotError as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="copilot", description="Underwriting policy copilot")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="add or update policy documents in the index")
    ingest.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders")
    ingest.add_argument(
        "--manifest", type=Path, help="JSON or CSV manifest with each file's metadata"
    )
    for name in (
        "doc-id",
        "title",
        "product",
        "jurisdiction",
        "doc-type",
        "version",
        "effective-date",
    ):
        several = " (several: comma-separated)" if name in {"product", "jurisdiction"} else ""
        ingest.add_argument(
            f"--{name}", help=f"{name.replace('-', ' ')} for every file given{several}"
        )
    ingest.add_argument("--no-progress", action="store_true", help="no progress bar")
    ingest.set_defaults(handler=_ingest)

    docs = commands.add_parser("docs", help="list documents, versions and their status")
    docs.add_argument("--json", action="store_true", help="print JSON instead of a table")
    docs.set_defaults(handler=_docs)

    add_change_commands(commands)

    retire = commands.add_parser("retire", help="withdraw a document from answers (kept on record)")
    retire.add_argument("doc_id")
    retire.set_defaults(handler=_retire)

    purge = commands.add_parser(
        "purge", help="delete a document and all its versions from the index"
    )
    purge.add_argument("doc_id")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purge.set_defaults(handler=_purge)

    ask = commands.add_parser("ask", help="answer a policy question with citations")
    ask.add_argument("question", nargs="?", help="the question (omit with --questions)")
    ask.add_argument("--questions", type=Path, help="JSONL file: one question object per line")
    ask.add_argument("--product")
    ask.add_argument("--jurisdiction", help="US-federal or a state code such as TX")
    ask.add_argument("--as-of", help="YYYY-MM-DD: answer from the versions in force that day")
    ask.add_argument("--doc-type")
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON")
    ask.set_defaults(handler=_ask)

    audit = commands.add_parser("audit", help="check or export the audit trail")
    audit_commands = audit.add_subparsers(required=True, metavar="ACTION")
    verify = audit_commands.add_parser("verify", help="detect edited or deleted records")
    verify.add_argument("--anchors", type=Path, help="anchors file (default: audit.anchors)")
    verify.set_defaults(handler=_audit_verify)
    anchor = audit_commands.add_parser(
        "anchor", help="verify, then append the trail's signed head to the anchors file"
    )
    anchor.add_argument("--anchors", type=Path, help="anchors file (default: audit.anchors)")
    anchor.set_defaults(handler=_audit_anchor)
    export = audit_commands.add_parser("export", help="write records to CSV or JSONL")
    export.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    export.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (inclusive)")
    export.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (inclusive)")
    export.add_argument("--out", type=Path, required=True, help="file to write")
    export.set_defaults(handler=_audit_export)

    hashing = commands.add_parser(
        "hash-password", help="hash a password for the auth.users setting (reads it from stdin)"
    )
    hashing.set_defaults(handler=_hash_password)

    migrate = commands.add_parser(
        "migrate", help="copy the whole index to another store (embedded folder or server)"
    )
    where = migrate.add_mutually_exclusive_group(required=True)
    where.add_argument("--to-path", type=Path, help="a new embedded index folder")
    where.add_argument("--to-url", help="a Qdrant server (API key from QDRANT_API_KEY)")
    migrate.add_argument(
        "--to-mode",
        choices=["edge", "local"],
        default="edge",
        help="embedded store mode of --to-path (default: edge)",
    )
    migrate.add_argument("--to-collection", help="collection name there (default: the same)")
    migrate.set_defaults(handler=_migrate)

    serve = commands.add_parser("serve", help="run the web app (host and port from settings)")
    serve.add_argument("--dry-run", action="store_true", help="print the command, do not run it")
    serve.set_defaults(handler=_serve)

    evaluate = commands.add_parser("eval", help="score answers on a golden question set")
    evaluate.add_argument(
        "--dataset",
        type=Path,
        help="golden JSONL (default: evals/golden.jsonl), or a real-text set such as "
        "evals/corpus_questions.jsonl (then --corpus names its folder of regulations)",
    )
    evaluate.add_argument(
        "--corpus", type=Path, help="folder with manifest.json (default: samples)"
    )
    evaluate.add_argument("--backend", choices=["extractive", "openai-compatible"])
    evaluate.add_argument("--reports", type=Path, help="where dated report folders go")
    evaluate.add_argument(
        "--redaction",
        action="store_true",
        help="score redaction on the redaction set instead (default: evals/redaction.jsonl)",
    )
    evaluate.set_defaults(handler=_eval)
    return parser


def _open(settings: Settings):  # type: ignore[no-untyped-def]
    from app.factory import build_embedding, open_store

    embedding = build_embedding(settings)
    return embedding, open_store(settings, embedding.dimension)


def _open_store_only(settings: Settings):  # type: ignore[no-untyped-def]
    from app.factory import open_store

    # Listing and lifecycle commands need no embedding model: the index knows its vector size.
    return open_store(settings, None)


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.diff import summary
    from ingest.diffs import keep_diffs
    from ingest.manifest import load_manifest
    from ingest.pipeline import ingest, plan

    manifest = load_manifest(args.manifest) if args.manifest else []
    if not args.paths and not manifest:
        raise CopilotError("name files or folders to ingest, or a --manifest")
    overrides = {
        "doc_id": args.doc_id,
        "title": args.title,
        "product": args.product,
        "jurisdiction": args.jurisdiction,
        "doc_type": args.doc_type,
        "version": args.version,
        "effective_date": args.effective_date,
    }
    entries = plan(args.paths, manifest, overrides)
    if not entries:
        raise CopilotError("no supported files (.pdf, .md, .txt) found in the paths given")
    # The model loads only once a file has passed its checks: refusals are cheap.
    store = _open_store_only(settings)
    try:
        results = ingest(
            entries,
            store=store,
            embedding=_model_loader(settings),
            settings=settings,
            on_result=_progress(len(entries), enabled=not args.no_progress),
        )
        for made in keep_diffs(results, store, settings):
            print(f"{summary(made)}: copilot diff {made.doc_id}")
    finally:
        store.close()
    counts = {o: sum(r.outcome is o for r in results) for o in FileOutcome}
    if len(results) > 1:
        print(", ".join(f"{n} {o.value}" for o, n in counts.items()))
    return EXIT_FAILED if counts[FileOutcome.FAILED] else EXIT_OK


def _model_loader(settings: Settings):  # type: ignore[no-untyped-def]
    """Builds the embedding model when first called (once)."""
    import functools

    from app.factory import build_embedding

    return functools.cache(lambda: build_embedding(settings))


def _progress(total: int, *, enabled: bool):  # type: ignore[no-untyped-def]
    """Prints each file's result line as it is known, above a progress bar on a terminal."""
    if not enabled or total < 2 or not sys.stderr.isatty():
        return lambda result: print(_describe(result), flush=True)
    from tqdm import tqdm

    bar = tqdm(total=total, unit="file", file=sys.stderr, leave=False)

    def advance(result: FileResult) -> None:
        bar.write(_describe(result), file=sys.stdout)
        bar.set_postfix_str(one_line(result.path.name)[:40])
        bar.update()
        if bar.n >= total:
            bar.close()

    return advance


def _describe(result: FileResult) -> str:
    """One line, whatever the file's name holds (newlines, escapes: shown escaped)."""
    line = _result_line(result)
    if result.flagged and result.outcome is not FileOutcome.FAILED:
        count = len(result.flagged)
        line += (
            f"; {count}{'+' if count >= MAX_FLAGGED else ''} sentence(s) addressed to a model or"
            f" the reader, never quoted (first on page {result.flagged[0].page}: "
            f"{result.flagged[0].text[:80]!r}); see copilot docs --json"
        )
    return one_line(line)


def _result_line(result: FileResult) -> str:
    name = result.path.name
    match result.outcome:
        case FileOutcome.FAILED:
            return f"failed     {name}: {result.reason}"
        case FileOutcome.UNCHANGED:
            return f"unchanged  {name}: {result.doc_id} {result.version} is already in the index"
        case FileOutcome.REPLACED:
            return (
                f"replaced   {name}: {result.doc_id} {result.version} is current "
                f"(was {result.previous_version}); {result.pages} pages, {result.chunks} chunks"
            )
        case _:
            status = result.status.value if result.status else ""
            return (
                f"new        {name}: {result.doc_id} {result.version} ({status}); "
                f"{result.pages} pages, {result.chunks} chunks"
            )


def _docs(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store_only(settings)
    try:
        records = store.documents()
    finally:
        store.close()
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in records], indent=2))
        return EXIT_OK
    print(format_inventory(records))
    return EXIT_OK


def format_inventory(records: Sequence[DocumentRecord]) -> str:
    if not records:
        return "The index holds no documents. Add some with `copilot ingest`."
    header = (
        "DOC ID",
        "VERSION",
        "STATUS",
        "EFFECTIVE",
        "PAGES",
        "CHUNKS",
        "PRODUCT",
        "JURISDICTION",
        "TYPE",
        "SHA256",
        "TITLE",
    )
    rows = [header]
    for record in records:
        for v in sorted(
            record.versions, key=lambda v: (v.meta.effective_date, v.ingested_at), reverse=True
        ):
            m = v.meta
            rows.append(
                (
                    m.doc_id,
                    m.version,
                    v.status.value,
                    m.effective_date.isoformat(),
                    str(v.pages),
                    str(v.chunks),
                    ",".join(m.product),  # as --product takes them, one cell of the table
                    ",".join(m.jurisdiction),
                    m.doc_type,
                    v.sha256[:12],
                    m.title,
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in rows
    ]
    versions = sum(len(r.versions) for r in records)
    lines.append(f"{len(records)} documents, {versions} versions")
    return "\n".join(lines)


def _retire(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store_only(settings)
    try:
        record = store.retire(args.doc_id)
    finally:
        store.close()
    print(f"retired {record.doc_id}: {len(record.versions)} version(s) no longer used in answers")
    return EXIT_OK


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            raise CopilotError("purge deletes every version of the document; pass --yes to confirm")
        answer = input(f"Delete {args.doc_id} and all its versions from the index? [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            print("nothing deleted")
            return EXIT_OK
    from app.models import User
    from app.records.library import PolicyLibrary

    store = _open_store_only(settings)
    try:
        library = PolicyLibrary(settings, store, _model_loader(settings))
        removed = library.purge(User(name=settings.app.user, role=settings.app.role), args.doc_id)
    finally:
        store.close()
    print(f"purged {one_line(args.doc_id)}: {removed} chunk(s) removed; its source files deleted")
    return EXIT_OK


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from app.factory import build_service
    from app.models import User

    if bool(args.question) == bool(args.questions):
        raise CopilotError("give either a question or --questions FILE.jsonl")
    batch = _read_questions(args.questions) if args.questions else None
    service = build_service(settings)
    try:
        return _answer_all(
            service, args, batch, User(name=settings.app.user, role=settings.app.role)
        )
    finally:
        service.close()


def _answer_all(
    service: CopilotService,
    args: argparse.Namespace,
    batch: list[tuple[int, dict[str, Any]]] | None,
    user: User,
) -> int:
    from app.question.service import QuestionError

    if batch is None:
        answer = service.ask(
            args.question,
            user=user,
            product=args.product,
            jurisdiction=args.jurisdiction,
            as_of=args.as_of,
            doc_type=args.doc_type,
        )
        print(answer.model_dump_json(indent=2) if args.json else format_answer(answer))
        return EXIT_OK
    failed = 0
    for number, item in batch:
        ident = item.get("id", number)
        try:
            answer = service.ask(
                str(item.get("question") or ""),
                user=user,
                product=item.get("product", args.product),
                jurisdiction=item.get("jurisdiction", args.jurisdiction),
                as_of=item.get("as_of", args.as_of),
                doc_type=item.get("doc_type", args.doc_type),
            )
        except QuestionError as exc:
            failed += 1
            print(json.dumps({"id": ident, "error": str(exc)}))
            continue
        print(json.dumps({"id": ident, **answer.model_dump(mode="json")}))
    return EXIT_FAILED if failed else EXIT_OK


def _read_questions(path: Path) -> list[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise CopilotError(f"{path} does not exist")
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CopilotError(f"{path.name} line {number} is not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or "question" not in item:
            raise CopilotError(f'{path.name} line {number} has no "question"')
        items.append((number, item))
    return items


def format_answer(answer: Answer) -> str:
    lines = [aligned(answer.text), ""]
    lines += [f"{_printable(gap)}\n" for gap in answer.gaps]
    lines += [f"Note: {_printable(note)}\n" for note in answer.notes]
    lines.append(f"Support: {answer.support.replace('_', ' ')}")
    if answer.answered_for():
        read = " (read from the question)" if answer.scope_read else ""
        lines.append(f"Answered for: {answer.answered_for()}{read}")
    if answer.redacted_entities:
        lines.append("Removed before processing: " + ", ".join(answer.redacted_entities))
    if answer.abstained:
        if answer.closest_sections:
            lines.append("Closest sections to check:")
            lines.extend(f"  - {_where(c)}" for c in answer.closest_sections)
    else:
        lines.append("Sources:")
        for c in answer.citations:
            lines.append(f"  [{c.marker}] {_where(c)}")
            if within := lead_ins(c.context):
                # What the passage is read within: the lead-in of the list it is an item of.
                lines.append(f"      within: {_printable(' > '.join(within))}")
        lines.extend(f"  [{c.marker}] {_where(c)} (cited by a note)" for c in answer.note_citations)
    flags = [
        name
        for name, on in (
            ("fell back to extractive", answer.fell_back),
            ("needs review", answer.needs_review),
        )
        if on
    ]
    if flags:
        lines.append("Flags: " + ", ".join(flags))
    return "\n".join(lines).rstrip()


def aligned(text: str, width: int | None = None) -> str:
    """An answer's text for a terminal: each quoted table as aligned columns under its
    header (long cells wrapped), the row's citation markers in a last column; a table too
    wide for the terminal as one line per row ("header: cell; ..."). Control characters
    are shown escaped (``\\x1b``), never sent to the terminal."""
    from app.tabular import Table, split_tables

    parts = split_tables(text)
    if not any(isinstance(part, Table) for part in parts):
        return _printable(text)
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table as Grid
    from rich.text import Text

    out = io.StringIO()
    console = Console(
        file=out,
        width=width or max(60, min(160, _terminal_width())),
        color_system=None,
        highlight=False,
        markup=False,
        emoji=False,
    )
    for part in parts:
        if not isinstance(part, Table):
            console.out(_printable(part.text), highlight=False)
            continue
        if part.caption:
            console.out(one_line(part.caption), highlight=False)
        header = [one_line(h) for h in (*part.header, *[""] * (part.width - len(part.header)))]
        markers = any(row.markers for row in part.rows)
        if (part.width + markers) * _MIN_COLUMN > console.width:
            for row in part.rows:
                cells = [f"{h}: {one_line(c)}" for h, c in zip(header, row.cells, strict=False)]
                console.out("  " + "; ".join(cells) + row.markers, highlight=False)
            continue
        grid = Grid(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
        for name in header:
            # Text, never markup: the cells are the document's words.
            grid.add_column(Text(name), overflow="fold", min_width=_MIN_COLUMN - 2)
        if markers:
            grid.add_column(Text(""), overflow="fold", min_width=3)
        for row in part.rows:
            texts = [Text(one_line(c)) for c in row.cells]
            texts += [Text("")] * (part.width - len(row.cells))
            grid.add_row(*texts, *([Text(row.markers.strip())] if markers else []))
        console.print(grid)
    return "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").split("\n"))


_MIN_COLUMN = 10
"""Characters a column of a table printed in the terminal needs at the least."""


def _printable(text: str) -> str:
    """``text`` with every control character but the line break and the tab shown escaped."""
    return "\n".join("\t".join(map(one_line, line.split("\t"))) for line in text.split("\n"))


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def _where(c: Citation) -> str:
    section = f"{c.section_id} {c.section_title}".strip()
    kind = f" ({KIND_LABELS[c.kind]})" if c.kind in KIND_LABELS else ""
    paragraph = f", {c.paragraph}" if c.paragraph else ""
    return (
        f"{c.title} v{c.version} (effective {c.effective_date.isoformat()}), "
        f"section {section}{kind}{paragraph}, page {c.page_label}"
    )


def _audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from app.records.anchors import verify
    from app.records.audit import open_trail

    anchors = args.anchors or settings.audit_anchors_path
    with open_trail(settings) as trail:
        result = verify(trail, anchors, required=args.anchors is not None)
    if not result.anchors:
        print(
            f"warning: no anchors checked ({anchors} holds none); run `copilot audit anchor` "
            "regularly and keep a copy of the anchors off this machine",
            file=sys.stderr,
        )
    if not result.ok:
        return _audit_failed(result.problems)
    against = f" against {result.anchors} anchor(s)" if result.anchors else ""
    print(f"audit trail intact: {result.checked} records checked{against}")
    if result.unkeyed:
        print(
            f"note: records 1-{result.keyed_from - 1} predate the audit key; they are unchanged "
            "since the key was introduced, but what they held before, nothing can show"
        )
    return EXIT_OK


def _audit_anchor(args: argparse.Namespace, settings: Settings) -> int:
    from app.records.anchors import append_anchor, verify
    from app.records.audit import open_trail

    anchors = args.anchors or settings.audit_anchors_path
    with open_trail(settings) as trail:
        result = verify(trail, anchors)
        if not result.ok:
            print("not anchored: the trail fails verification", file=sys.stderr)
            return _audit_failed(result.problems)
        anchor = append_anchor(trail, result, anchors)
    print(
        f"anchored {anchor.count} records (newest: record {anchor.head_id}, "
        f"{anchor.head[:16]}...) in {anchors}"
    )
    return EXIT_OK


def _audit_failed(problems: list[str], shown: int = 20) -> int:
    for problem in problems[:shown]:
        print(f"tampered: {problem}")
    if len(problems) > shown:
        print(f"tampered: ... and {len(problems) - shown} more")
    print(f"audit trail FAILED verification: {len(problems)} problem(s)")
    return EXIT_FAILED


def _audit_export(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import date

    from app.records.audit import open_trail

    try:
        start = date.fromisoformat(args.start) if args.start else None
        end = date.fromisoformat(args.end) if args.end else None
    except ValueError as exc:
        raise CopilotError(f"dates are YYYY-MM-DD ({exc})") from None
    with open_trail(settings) as trail:
        count = trail.export(args.out, args.format, start=start, end=end)
    print(f"wrote {count} record(s) to {args.out}")
    return EXIT_OK


def _hash_password(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from app.records.auth import hash_password

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise CopilotError("the two passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    print(hash_password(password))
    return EXIT_OK


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from app.factory import open_store
    from app.index.store import copy_index

    store = settings.store
    target_section = store.model_copy(
        update={
            "mode": args.to_mode if args.to_path else "server",
            "path": args.to_path.resolve() if args.to_path else None,
            "url": args.to_url,
            "collection": args.to_collection or store.collection,
        }
    )
    if args.to_path and args.to_path.resolve() == settings.store_path and store.mode != "server":
        raise CopilotError("the destination is the index being copied")
    target_settings = settings.model_copy(update={"store": target_section})
    target_settings.__dict__.pop("store_path", None)  # recomputed for the new store section
    source = _open_store_only(settings)
    try:
        target = open_store(target_settings, source.dimension)
        try:
            documents, points = copy_index(source, target)
        finally:
            target.close()
    finally:
        source.close()
    where = args.to_path or args.to_url
    print(f"copied {documents} documents ({points} chunk points) to {where}")
    return EXIT_OK


def serve_command(settings: Settings) -> list[str]:
    """The Streamlit command for the web app: bound to the configured address (loopback by
    default), usage statistics off, no file watcher, uploads capped at the ingest limit."""
    import app.ui

    main_script = Path(app.ui.__file__).resolve().parent / "main.py"
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(main_script),
        "--server.address",
        settings.app.host,
        "--server.port",
        str(settings.app.port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--server.maxUploadSize",
        str(settings.ingest.max_file_mb),
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
        # An error nobody caught shows its type, never a traceback with the server's paths.
        "--client.showErrorDetails",
        "type",
    ]


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    command = serve_command(settings)
    if args.dry_run:
        print(" ".join(command))
        return EXIT_OK
    _seed_if_empty(settings)
    print(f"Serving on http://{settings.app.host}:{settings.app.port}", flush=True)
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    os.execve(command[0], command, env)
    return EXIT_OK  # pragma: no cover - execve does not return


def _seed_if_empty(settings: Settings) -> None:
    """First start: ingest the sample policies (app.seed_manifest) into an empty index here,
    with progress on the terminal, rather than in the first browser session."""
    manifest = settings.app.seed_manifest
    if manifest is None:
        return
    embedded = settings.store.mode != "server"
    store = _open_store_only(settings) if not embedded or settings.store_path.exists() else None
    try:
        if store is not None and store.documents():
            return
    finally:
        if store is not None:
            store.close()
    print(f"First start: ingesting the policies listed in {manifest}", flush=True)
    from app.records.library import PolicyLibrary

    embedding, store = _open(settings)
    try:
        results = PolicyLibrary(settings, store, embedding).seed(manifest)
    finally:
        store.close()
    for result in results:
        print(_describe(result))


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from evals.run import DEFAULT_CORPUS, DEFAULT_DATASET, run

    reports = args.reports or settings.app.data_dir / "reports"
    if args.redaction:
        return _eval_redaction(args, settings, reports)
    if args.dataset is not None and _is_corpus_set(args.dataset):
        return _eval_corpus(args, settings, reports)
    metrics, problems, folder = run(
        args.dataset or DEFAULT_DATASET,
        args.corpus or DEFAULT_CORPUS,
        reports=reports,
        settings=settings,
        backend=args.backend,
    )
    width = max(len(name) for name in metrics.values)
    for name, value in metrics.values.items():
        print(f"{name.ljust(width)}  {value:.3f}")
    print(f"{len(metrics.failures)} question(s) missed; report in {folder}")
    if problems:
        for problem in problems:
            print(f"REGRESSION: {problem}")
        return EXIT_FAILED
    print("evaluation passed")
    return EXIT_OK


def _is_corpus_set(dataset: Path) -> bool:
    from evals.corpus_run import is_corpus_set

    if not dataset.is_file():
        raise CopilotError(f"the question set {dataset} does not exist")
    return is_corpus_set(dataset)


def _eval_corpus(args: argparse.Namespace, settings: Settings, reports: Path) -> int:
    """The real-text set over a folder of regulations: figures per part, and the gate."""
    from evals.corpus_run import run, table

    if args.corpus is None:
        raise CopilotError(
            f"{args.dataset.name} is a real-text set: give the folder of regulations it asks "
            "about with --corpus"
        )
    parts, problems, folder = run(args.dataset, args.corpus, reports=reports, settings=settings)
    print(table(list(parts.values())))
    print(f"report in {folder}")
    for problem in problems:
        print(f"REGRESSION: {problem}")
    if problems:
        return EXIT_FAILED
    print("evaluation passed")
    return EXIT_OK


def _eval_redaction(args: argparse.Namespace, settings: Settings, reports: Path) -> int:
    from evals.redaction import SET_PATH, targets
    from evals.redaction_run import DEFAULT_CORPUS, run

    parts, problems, folder = run(
        args.dataset or SET_PATH, args.corpus or DEFAULT_CORPUS, reports=reports, settings=settings
    )
    print(f"{'recall':<20}{'all':>8}{'tuned':>8}{'holdout':>9}  target")
    for kind, target in targets().items():
        row = "".join(f"{parts[p].recall(kind):>8.3f}" for p in ("all", "tuned")) + (
            f"{parts['holdout'].recall(kind):>9.3f}"
        )
        print(f"{kind:<20}{row}  {target}")
    rates = "".join(f"{parts[p].false_redaction_rate:>8.3f}" for p in ("all", "tuned"))
    print(f"{'false redaction':<20}{rates}{parts['holdout'].false_redaction_rate:>9.3f}  0.01")
    print(f"figures redacted: {parts['all'].figures_lost}; report in {folder}")
    for problem in problems:
        print(f"REGRESSION: {problem}")
    return EXIT_FAILED if problems else EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
