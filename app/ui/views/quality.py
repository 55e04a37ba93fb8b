"""Quality: the latest nightly evaluation and how its metrics moved over past runs."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from app.ui.render import md
from app.workspace import EvalRun, Workspace

TILES_PER_ROW = 5


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
    gates = ws.metric_gates()
    shown = list(gates) or list(metrics)  # every gated metric, measured or not
    for first in range(0, len(shown), TILES_PER_ROW):
        row = shown[first : first + TILES_PER_ROW]
        for column, name in zip(st.columns(TILES_PER_ROW), row, strict=False):
            with column:
                _tile(name, metrics.get(name), previous.get(name), gates.get(name, {}))
    st.subheader("All metrics")
    st.dataframe([{"metric": k, "value": round(v, 4)} for k, v in metrics.items()], hide_index=True)

    st.subheader(f"Trend over {len(runs)} runs")
    _trend(runs, shown)
    for chart in latest.charts:
        st.image(str(chart), caption=md(chart.stem.replace("_", " ")))
    if latest.report:
        with st.expander("Full report, with the failing questions"):
            # As written (Markdown source): it quotes questions and answers, which are text.
            st.code(latest.report, language=None, wrap_lines=True)


def _tile(name: str, value: Any, before: Any, rule: dict[str, float]) -> None:
    """One headline metric: its value, its change from the previous run (green when better,
    red when worse, grey when unchanged) and its gate as help."""
    label = md(name.replace("_", " "))
    limits = [f"at least {rule['min']:g}" if "min" in rule else ""]
    limits.append(f"at most {rule['max']:g}" if "max" in rule else "")
    gate = " and ".join(limit for limit in limits if limit)
    help_text = f"Gate: {gate}." if gate else None
    if not _finite(value):
        st.metric(label, "not measured", help=help_text)
        return
    if not _finite(before):
        st.metric(label, f"{value:.3f}", help=help_text)
        return
    change = round(value - before, 3)
    if change == 0:
        st.metric(
            label, f"{value:.3f}", "0.000", delta_color="off", delta_arrow="off", help=help_text
        )
        return
    lower_is_better = "max" in rule and "min" not in rule
    st.metric(
        label,
        f"{value:.3f}",
        f"{change:+.3f}",
        delta_color="inverse" if lower_is_better else "normal",
        help=help_text,
    )


def _trend(runs: list[EvalRun], names: list[str]) -> None:
    """A line per metric with at least two measured runs (a series with fewer has no line,
    and one with none makes the chart's scale infinite)."""
    series = {name: [r.summary.get("metrics", {}).get(name) for r in runs] for name in names}
    charted = {
        name: [v if _finite(v) else None for v in values]
        for name, values in series.items()
        if sum(map(_finite, values)) >= 2
    }
    if not charted:
        st.caption("A trend needs at least two runs that measured the same metric.")
        return
    st.line_chart(
        {"run": [str(r.summary.get("created_at", ""))[:16] for r in runs], **charted}, x="run"
    )


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
