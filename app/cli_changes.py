"""The `copilot diff` and `copilot conflicts` commands: what changed between two versions of
a document (with the answers a change touches) and the current documents that disagree."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.errors import CopilotError
from app.settings import Settings
from app.text import one_line

EXIT_OK = 0  # as in app.cli


def add_change_commands(commands: Any) -> None:
    """Add the two commands to the ``copilot`` parser's subcommands."""
    compare = commands.add_parser(
        "diff", help="what changed between two versions of a document (paragraphs, figures)"
    )
    compare.add_argument("doc_id")
    compare.add_argument(
        "--from", dest="from_version", help="the older version (default: the one before --to)"
    )
    compare.add_argument(
        "--to", dest="to_version", help="the newer version (default: the current one)"
    )
    compare.add_argument("--json", action="store_true", help="print JSON instead of text")
    compare.add_argument(
        "--affected",
        action="store_true",
        help="also list the audited answers that cited a changed passage (compliance only)",
    )
    compare.add_argument(
        "--days", type=int, help="how far back --affected looks (default: audit.affected_days)"
    )
    compare.add_argument("--csv", type=Path, help="write the affected answers to this CSV file")
    compare.set_defaults(handler=_diff)

    clash = commands.add_parser(
        "conflicts", help="current documents that give different figures for the same rule"
    )
    clash.add_argument("--product", help="only documents that apply to this product")
    clash.add_argument("--jurisdiction", help="only documents that apply to this state")
    clash.add_argument("--json", action="store_true", help="print JSON instead of text")
    clash.set_defaults(handler=_conflicts)


def _open_store(settings: Settings):  # type: ignore[no-untyped-def]
    from app.factory import open_store

    return open_store(settings, None)  # reading only: the index knows its vector size


def _diff(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.diff import report
    from ingest.diffs import version_diff

    store = _open_store(settings)
    affected = None
    try:
        made = version_diff(store, settings, args.doc_id, args.from_version, args.to_version)
        if args.affected or args.csv:
            affected = _affected(args, settings, store, made)
    finally:
        store.close()
    if args.json:
        out = made.model_dump(mode="json")
        if affected is not None:
            out["affected"] = [a.model_dump(mode="json") for a in affected]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(report(made))
    if affected is not None:
        days = args.days or settings.audit.affected_days
        print(f"\nAnswers that cited a changed passage (last {days} days): {len(affected)}")
        for row in affected:
            print(
                f"  #{row.audit_id} {row.created_at:%Y-%m-%d %H:%M} {row.user}: "
                f"{row.question!r} [{row.marker}] {row.section_id}, page {row.page}"
            )
            for change in row.changes:
                print(f"      {change}")
    return EXIT_OK


def _affected(args: argparse.Namespace, settings: Settings, store, made):  # type: ignore[no-untyped-def]
    from app.models import User
    from app.records.affected import affected_answers, write_csv
    from app.records.audit import open_trail

    days = args.days or settings.audit.affected_days
    if days < 1:
        raise CopilotError("--days must be 1 or more")
    user = User(name=settings.app.user, role=settings.app.role)
    with open_trail(settings) as trail:
        rows = affected_answers(user, trail, store, made, days=days)
    if args.csv:
        write_csv(rows, args.csv)
        print(f"wrote {len(rows)} affected answer(s) to {args.csv}", file=sys.stderr)
    return rows


def _conflicts(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import asdict

    from app.models import Filters
    from app.records.conflicts import conflicts

    try:
        scope = Filters(product=args.product, jurisdiction=args.jurisdiction)
    except ValueError as exc:
        raise CopilotError(f"invalid filter: {exc}") from None
    if scope.product and scope.product not in settings.ingest.products:
        raise CopilotError(f"unknown product {scope.product!r} (ingest.products)")
    if scope.jurisdiction and scope.jurisdiction not in settings.ingest.jurisdictions:
        raise CopilotError(f"unknown jurisdiction {scope.jurisdiction!r} (ingest.jurisdictions)")
    store = _open_store(settings)
    try:
        found = conflicts(store, product=scope.product, jurisdiction=scope.jurisdiction)
    finally:
        store.close()
    if args.json:
        rows = [asdict(c) for c in found]
        print(
            json.dumps(
                rows, indent=2, default=lambda v: sorted(v) if isinstance(v, frozenset) else str(v)
            )
        )
        return EXIT_OK
    if not found:
        print("No conflicting figures found among the current documents.")
        return EXIT_OK
    for n, c in enumerate(found, start=1):
        print(f"{n}. {c.newer.figure} against {c.older.figure} ({', '.join(sorted(c.shared))})")
        for label, s in (("newer", c.newer), ("older", c.older)):
            print(
                f"   {label}: {s.doc_id} {s.version} (effective {s.effective_date}), "
                f"{s.section}, page {s.page}: {one_line(s.sentence)}"
            )
        print(f"   {one_line(c.precedence) or 'neither document says which one controls'}")
    return EXIT_OK
