"""Quality: the latest nightly evaluation and how its metrics moved over past runs."""

from __future__ import annotations

import streamlit as st

from app.ui.render import md
from app.workspace import Workspace

HEADLINE = (
    "retrieval_recall_at_5",
    "citation_precision",
    "citation_recall",
    "abstention_recall",
    "pii_leaks",
    "wrong_version_citations",
)


def render(ws: Workspace) -> None:
    st.title("Answer quality")
    runs = ws.eval_runs()
    if not runs:
        st.info(
            "No evaluation has run yet. Run `copilot eval` (nightly in production); its "
            f"reports go to {ws.reports_folder.name}/ in the data folder."
        )
        return
    latest = runs[-1]
    summary = latest.summary
    verdict = "passed" if summary.get("passed") else "FAILED"
    when = str(summary.get("created_at", ""))[:16].replace("T", " ")
    message = f"Latest evaluation ({when} UTC, backend {summary.get('backend')}): {verdict}"
    (st.success if summary.get("passed") else st.error)(md(message))
    for problem in summary.get("problems", []):
        st.markdown(f"- {md(str(problem))}")

    metrics: dict[str, float] = summary.get("metrics", {})
    previous = runs[-2].summary.get("metrics", {}) if len(runs) > 1 else {}
    shown = [m for m in HEADLINE if m in metrics] or list(metrics)[:6]
    for column, name in zip(st.columns(len(shown)), shown, strict=True):
        delta = metrics[name] - previous[name] if name in previous else None
        column.metric(
            md(name.replace("_", " ")),
            f"{metrics[name]:.3f}",
            None if delta is None else f"{delta:+.3f}",
        )
    st.subheader("All metrics")
    st.dataframe([{"metric": k, "value": round(v, 4)} for k, v in metrics.items()], hide_index=True)

    st.subheader(f"Trend over {len(runs)} runs")
    trend = {name: [r.summary.get("metrics", {}).get(name) for r in runs] for name in shown}
    st.line_chart(
        {
            "run": [str(r.summary.get("created_at", ""))[:16] for r in runs],
            **trend,
        },
        x="run",
    )
    for chart in latest.charts:
        st.image(str(chart), caption=md(chart.stem.replace("_", " ")))
    if latest.report:
        with st.expander("Full report, with the failing questions"):
            # As written (Markdown source): it quotes questions and answers, which are text.
            st.code(latest.report, language=None, wrap_lines=True)
