"""Audit and Quality pages, navigation by role, and password sign-in."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

from app.records.auth import hash_password
from tests.app.ui.conftest import ask, frames, joined, rerun

METRICS = {
    "retrieval_recall_at_5": 0.96,
    "citation_precision": 0.66,
    "citation_recall": 0.77,
    "abstention_recall": 0.47,
    "pii_leaks": 0.0,
    "wrong_version_citations": 0.0,
}


def test_audit_page_shows_redacted_questions_the_chain_and_exports_csv(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "Borrower John Smith asks: what is the maximum DTI ratio for a personal loan?")
    at.switch_page("screens/audit.py")
    rerun(at)
    assert "Chain verified: 1 records" in joined(at, "success")
    table = at.dataframe[0].value
    assert len(table) == 1
    assert "<PERSON_1>" in table["question"].iloc[0]
    assert "John Smith" not in table.to_csv()
    export = next(html for html in frames(at) if "CSV" in html)
    assert ">Export 1 records" in export


def test_the_audit_table_tells_a_note_s_citation_from_the_answer_s(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "What is the maximum flood insurance deductible for a mortgage?")
    at.switch_page("screens/audit.py")
    rerun(at)
    (cited,) = at.dataframe[0].value["citations"]
    parts = cited.split(", ")
    noted = [p for p in parts if p.endswith(" (cited by a note)")]
    assert len(noted) == 1 and noted[0].startswith("mortgage-underwriting-guide v2.0 p"), parts
    assert any(p.startswith("bulletin-2026-04-flood-insurance") for p in parts), parts


def test_audit_filters_by_flag(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "What is the maximum DTI ratio for a personal loan?")
    ask(at, "What is the capital of France?")
    at.switch_page("screens/audit.py")
    rerun(at)
    assert len(at.dataframe[0].value) == 2
    at.selectbox[0].set_value("Flagged (abstained, fell back or needs review)")
    rerun(at)
    flagged = at.dataframe[0].value
    assert list(flagged["abstained"]) == [True]


def exported_csv(at) -> tuple[str, list[dict[str, str]]]:  # type: ignore[no-untyped-def]
    """The export link's label and the rows of the CSV its frame holds."""
    import base64
    import csv
    import io
    import re

    export = next(html for html in frames(at) if "CSV" in html)
    label = re.search(r">(Export [^<]*)<", export)
    data = re.search(r'atob\("([^"]*)"\)', export)
    assert label and data, export[:300]
    text = base64.b64decode(data.group(1)).decode("utf-8")
    return label.group(1), list(csv.DictReader(io.StringIO(text)))


def test_audit_export_holds_exactly_the_records_the_filters_show(app) -> None:  # type: ignore[no-untyped-def]
    """The table shows questions only (the default); the feedback record and, with a flag
    filter, the answered question are left out of the export as they are of the table."""
    at, ws = app()
    ask(at, "What is the maximum DTI ratio for a personal loan?")
    ask(at, "What is the capital of France?")
    user = ws.authenticator.local_user()
    answered = ws.service.audit_trail(user).records(kind="question")[-1]
    ws.service.feedback(answered.id, "up", "", user=user)
    at.switch_page("screens/audit.py")
    rerun(at)
    assert len(at.dataframe[0].value) == 2
    label, rows = exported_csv(at)
    assert label.startswith("Export 2 records"), label
    assert sorted(r["kind"] for r in rows) == ["question", "question"]

    at.date_input[0].set_value(date(2012, 1, 1))  # further back than Streamlit's ten years
    at.selectbox[0].set_value("Flagged (abstained, fell back or needs review)")
    rerun(at)
    assert at.date_input[0].value == date(2012, 1, 1)
    shown = list(at.dataframe[0].value["id"])
    label, rows = exported_csv(at)
    assert label.startswith(f"Export {len(shown)} records"), label
    assert sorted(int(r["id"]) for r in rows) == sorted(shown)
    assert all(r["abstained"] == "true" for r in rows), rows


def test_tampered_audit_trail_is_reported(app) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    at, ws = app()
    ask(at, "What is the maximum DTI ratio for a personal loan?")
    with sqlite3.connect(ws.settings.audit_path) as conn:
        conn.execute("UPDATE audit_records SET record = replace(record, 'DTI', 'LTV')")
    at.switch_page("screens/audit.py")
    rerun(at)
    assert "Chain verification FAILED" in joined(at, "error")


def test_quality_page_without_reports_says_how_to_run_one(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    at.switch_page("screens/quality.py")
    rerun(at)
    assert "No evaluation has run yet" in joined(at, "info")


def write_run(reports: Path, stamp: str, passed: bool, metrics: dict[str, float]) -> None:
    folder = reports / stamp
    folder.mkdir(parents=True)
    summary = {
        "created_at": f"{stamp[:10]}T{stamp[11:13]}:{stamp[13:15]}:00+00:00",
        "dataset": "golden.jsonl",
        "corpus": "policies_sample",
        "backend": "extractive",
        "passed": passed,
        "problems": [] if passed else ["citation_precision = 0.660, below the minimum 0.95"],
        "metrics": metrics,
        "latency_ms": {},
        "failures": [],
    }
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "report.md").write_text("# Evaluation report\n\n| question | expected | got |\n")


def test_quality_page_shows_the_latest_run_and_the_trend(app) -> None:  # type: ignore[no-untyped-def]
    at, ws = app()
    write_run(ws.reports_folder, "2026-11-26T020000Z", True, METRICS)
    worse = METRICS | {"citation_precision": 0.61}
    write_run(ws.reports_folder, "2026-11-27T020000Z", False, worse)
    at.switch_page("screens/quality.py")
    rerun(at)
    assert "FAILED" in joined(at, "error")
    assert "below the minimum 0.95" in joined(at)
    metric = next(m for m in at.metric if m.label == "citation precision")
    assert metric.value == "0.610"
    assert metric.delta == "-0.050"
    assert at.get("arrow_line_chart") or at.get("vega_lite_chart")
    assert "Trend over 2 runs" in joined(at, "subheader")


def chart_series(at) -> set[str]:  # type: ignore[no-untyped-def]
    """The names of the lines in the page's charts (Streamlit melts the columns into rows)."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    names: set[str] = set()
    for chart in at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"):
        tables = [chart.proto.data.data, *(d.data.data for d in chart.proto.datasets)]
        for table in filter(None, tables):
            frame = convert_arrow_bytes_to_pandas_df(table)
            for column in frame.columns:
                if "color" in str(column):
                    names |= set(map(str, frame[column]))
    return names


def test_quality_tiles_show_every_gated_metric_and_no_change_in_grey(app) -> None:  # type: ignore[no-untyped-def]
    """Both failing metrics get a tile (key fact recall was left out), an unchanged metric
    shows no green "+0.000", and a metric with fewer than two measured runs is not charted."""
    from evals.gate import load_thresholds

    at, ws = app()
    measured = {k: v for k, v in METRICS.items() if k != "wrong_version_citations"}
    measured["abstention_recall"] = math.nan  # undefined in both runs (written as NaN)
    older = measured | {"key_fact_recall": 0.7}
    write_run(ws.reports_folder, "2026-11-26T020000Z", True, older)
    failing = measured | {
        "citation_precision": 0.61,
        "key_fact_recall": 0.41,
        "abstention_precision": 0.9,  # measured by the latest run only
    }
    write_run(ws.reports_folder, "2026-11-27T020000Z", False, failing)
    at.switch_page("screens/quality.py")
    rerun(at)
    tiles = {m.label: m for m in at.metric}
    assert set(tiles) == {name.replace("_", " ") for name in load_thresholds()}, set(tiles)
    assert tiles["key fact recall"].value == "0.410"
    assert tiles["citation precision"].delta == "-0.050"
    unchanged = tiles["retrieval recall at 5"]
    assert not unchanged.delta.startswith("+"), unchanged.delta
    assert unchanged.proto.color == unchanged.proto.MetricColor.GRAY, unchanged.proto
    assert tiles["wrong version citations"].value == "not measured"
    assert tiles["abstention recall"].value == "not measured"
    charted = chart_series(at)
    assert {"key_fact_recall", "citation_precision"} <= charted, charted
    assert "abstention_recall" not in charted  # no finite value: an infinite extent
    assert "abstention_precision" not in charted  # one point makes no line


def test_underwriters_have_no_audit_page_and_the_service_refuses_them(app) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from app.records.auth import PermissionDeniedError

    at, ws = app(app={"role": "underwriter"})
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("screens/audit.py")
    user = ws.authenticator.local_user()
    with pytest.raises(PermissionDeniedError):
        ws.service.audit_trail(user)
    with pytest.raises(PermissionDeniedError):
        ws.library.retire(user, "personal-loan-policy")


def password_settings() -> dict[str, object]:
    return {
        "auth": {
            "mode": "password",
            "users": [
                {
                    "name": "ana",
                    "role": "compliance",
                    "password_hash": hash_password("ana-pass-123"),
                },
                {
                    "name": "ben",
                    "role": "underwriter",
                    "password_hash": hash_password("ben-pass-123"),
                },
            ],
        }
    }


def sign_in(at, name: str, password: str):  # type: ignore[no-untyped-def]
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click()
    return rerun(at)


def test_password_sign_in_refuses_a_wrong_password_and_admits_by_role(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app(**password_settings())
    assert not at.chat_input, "nothing is shown before sign-in"
    sign_in(at, "ben", "wrong")
    assert "Sign-in failed" in joined(at, "error")
    assert not at.chat_input

    sign_in(at, "ben", "ben-pass-123")
    assert at.chat_input
    assert "Signed in as **ben** (underwriter)" in joined(at, "caption")
    at.switch_page("screens/policies.py")
    rerun(at)
    assert "for compliance staff" in joined(at, "info")
    assert not at.file_uploader


def test_compliance_sign_in_reaches_upload_and_audit(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app(**password_settings())
    sign_in(at, "ana", "ana-pass-123")
    at.switch_page("screens/audit.py")
    rerun(at)
    assert "Chain verified" in joined(at, "success")
    at.switch_page("screens/policies.py")
    rerun(at)
    assert at.file_uploader
