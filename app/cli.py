"""The ``copilot`` command line. Errors a user can cause are printed as one line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from app.errors import CopilotError
from app.models import DocumentRecord, FileOutcome, FileResult
from app.settings import Settings, load_settings

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
        print(f"error: {exc}", file=sys.stderr)
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
        ingest.add_argument(f"--{name}", help=f"{name.replace('-', ' ')} for every file given")
    ingest.add_argument("--no-progress", action="store_true", help="no progress bar")
    ingest.set_defaults(handler=_ingest)

    docs = commands.add_parser("docs", help="list documents, versions and their status")
    docs.add_argument("--json", action="store_true", help="print JSON instead of a table")
    docs.set_defaults(handler=_docs)

    retire = commands.add_parser("retire", help="withdraw a document from answers (kept on record)")
    retire.add_argument("doc_id")
    retire.set_defaults(handler=_retire)

    purge = commands.add_parser(
        "purge", help="delete a document and all its versions from the index"
    )
    purge.add_argument("doc_id")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purge.set_defaults(handler=_purge)
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
    embedding, store = _open(settings)
    try:
        progress = _progress(len(entries), enabled=not args.no_progress)
        results = ingest(
            entries, store=store, embedding=embedding, settings=settings, on_result=progress
        )
    finally:
        store.close()
    for result in results:
        print(_describe(result))
    counts = {o: sum(r.outcome is o for r in results) for o in FileOutcome}
    print(", ".join(f"{n} {o.value}" for o, n in counts.items()))
    return EXIT_FAILED if counts[FileOutcome.FAILED] else EXIT_OK


def _progress(total: int, *, enabled: bool):  # type: ignore[no-untyped-def]
    if not enabled or total < 2 or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="file", file=sys.stderr, leave=False)

    def advance(result: FileResult) -> None:
        bar.set_postfix_str(result.path.name[:40])
        bar.update()
        if bar.n >= total:
            bar.close()

    return advance


def _describe(result: FileResult) -> str:
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
                    m.product,
                    m.jurisdiction,
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
    store = _open_store_only(settings)
    try:
        removed = store.purge(args.doc_id)
    finally:
        store.close()
    print(f"purged {args.doc_id}: {removed} chunk(s) removed")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
