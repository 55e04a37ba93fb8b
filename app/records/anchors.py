"""Anchors: the audit trail's signed head, appended to a file kept apart from the trail.

``copilot audit anchor`` verifies the trail, then appends one JSON line to the anchors file
(``audit.anchors``, default ``<data_dir>/audit.anchors.jsonl``, opened for appending only and
created readable by its owner only): the record count, the newest record's id and hash, the
first keyed record, the time, and an HMAC over them with the trail's key. ``copilot audit
verify`` checks the trail against every line: it must still hold each anchored record with
the anchored hash, and at least the anchored count. That catches what the key alone cannot:
the file put back to an older copy, cut back with an older chain head, or deleted and started
anew. Whoever can edit the anchors file can still drop its newest lines, so a copy kept off the
machine (WORM storage, another host) is what the trail is finally checked against.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from app.errors import ConfigError
from app.records.audit import AuditVerification, SqliteAuditTrail, canonical_json
from app.records.audit_key import same


@dataclass(frozen=True)
class Anchor:
    """One line of the anchors file, without its HMAC."""

    count: int
    head_id: int
    head: str
    keyed_from: int
    at: str

    def text(self) -> str:
        """What the HMAC is computed over."""
        return canonical_json(asdict(self))


def verify(trail: SqliteAuditTrail, path: Path, *, required: bool = False) -> AuditVerification:
    """:meth:`SqliteAuditTrail.verify`, then the trail checked against every anchor in
    ``path``. A missing file means no anchors, unless ``required`` (a path the user named)."""
    result = trail.verify()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        if required:
            raise ConfigError(f"there is no anchors file {path}; check the path.") from None
        return result
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the anchors file {path} ({exc}).") from exc
    checked, problems = 0, list(result.problems)
    for number, line in enumerate(lines, 1):
        if line.strip():
            checked += 1
            problems.extend(_check(trail, result, number, line))
    return replace(result, ok=not problems, problems=problems, anchors=checked)


def append_anchor(
    trail: SqliteAuditTrail, result: AuditVerification, path: Path, *, now: datetime | None = None
) -> Anchor:
    """Append the head that ``result`` verified to the anchors file at ``path``."""
    anchor = Anchor(
        count=result.checked,
        head_id=result.last_id,
        head=result.last_hash,
        keyed_from=result.keyed_from,
        at=(now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
    )
    line = canonical_json({**asdict(anchor), "mac": trail.mac("anchor", anchor.text())}) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if os.write(fd, line.encode("utf-8")) != len(line.encode("utf-8")):
                raise OSError(f"the anchor line was written only in part to {path}")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise ConfigError(
            f"cannot append to the anchors file {path} ({exc.strerror or exc}); give the "
            "copilot's user write access to it, or name another with --anchors."
        ) from exc
    return anchor


def _check(trail: SqliteAuditTrail, result: AuditVerification, number: int, line: str) -> list[str]:
    """What is wrong with the trail, or with the anchor itself, on line ``number``."""
    try:
        data = json.loads(line)
        stored_mac = data.pop("mac")
        anchor = Anchor(**data)
    except (ValueError, TypeError, KeyError, AttributeError):
        return [f"anchor line {number}: not an anchor (edited or damaged)"]
    if not same(stored_mac, trail.mac("anchor", anchor.text())):
        return [
            f"anchor line {number}: HMAC mismatch (a forged or edited anchor, or one made "
            "with another key)"
        ]
    where = f"anchor line {number} ({anchor.at})"
    found = []
    if result.checked < anchor.count:
        emptied = ", the trail emptied" if result.checked == 0 else ""
        found.append(
            f"{where}: the trail held {anchor.count} records, it now holds {result.checked} "
            f"(records deleted{emptied})"
        )
    digest = trail.digest(anchor.head_id)
    if digest is None:
        found.append(
            f"{where}: record {anchor.head_id} is gone (the trail was cut back or replaced)"
        )
    elif not same(digest, anchor.head):
        found.append(
            f"{where}: record {anchor.head_id} is not the record anchored (rewritten, or the "
            "trail replaced)"
        )
    if anchor.keyed_from != result.keyed_from:
        found.append(
            f"{where}: the key switch moved from record {anchor.keyed_from} to record "
            f"{result.keyed_from} (keyed records rewritten as unkeyed ones)"
        )
    return found
