"""The human side of an evaluation run: a Markdown report and PNG charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

RATES = (
    "retrieval_recall_at_5", "retrieval_mrr", "citation_precision", "citation_recall",
    "citations_resolve", "key_fact_recall", "abstention_precision", "abstention_recall",
)  # fmt: skip


def markdown(summary: dict[str, Any]) -> str:
    verdict = "PASSED" if summary["passed"] else "FAILED"
    lines = [
        f"# Evaluation {summary['created_at'][:19]}Z: {verdict}",
        "",
        f"Question set `{summary['dataset']}` over `{summary['corpus']}`, "
        f"backend `{summary['backend']}`.",
        "",
    ]
    if summary["problems"]:
        lines += ["## Gate", "", *(f"- {p}" for p in summary["problems"]), ""]
    lines += ["## Metrics", "", "| metric | value |", "|---|---|"]
    lines += [f"| {name} | {value:.3f} |" for name, value in summary["metrics"].items()]
    lines += ["", "## Latency (ms)", "", "| stage | p50 | p95 |", "|---|---|---|"]
    lines += [
        f"| {s} | {v['p50']:.0f} | {v['p95']:.0f} |" for s, v in summary["latency_ms"].items()
    ]
    failures = summary["failures"]
    lines += ["", f"## Questions that missed ({len(failures)})", ""]
    if failures:
        lines += ["| id | question | expected | got | problems |", "|---|---|---|---|---|"]
        lines += [
            "| " + " | ".join(str(f[k]).replace("|", "/").replace("\n", " ") for k in
                              ("id", "question", "expected", "got", "problems")) + " |"
            for f in failures
        ]  # fmt: skip
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def charts(folder: Path, runs: list[dict[str, Any]]) -> None:
    """metrics.png (this run) and trend.png (every run in the reports folder)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    latest = runs[-1]["metrics"]
    names = [n for n in RATES if n in latest]
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.barh(names, [latest[n] for n in names], color="#2f6f9f")
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_title("Evaluation metrics, this run")
    for i, n in enumerate(names):
        inside = latest[n] > 0.9  # no room to the right: write it on the bar
        x = latest[n] - 0.01 if inside else latest[n] + 0.01
        ax.text(x, i, f"{latest[n]:.2f}", va="center", ha="right" if inside else "left",
                color="white" if inside else "black")  # fmt: skip
    fig.tight_layout()
    fig.savefig(folder / "metrics.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    stamps = [r["created_at"][:16].replace("T", " ") for r in runs]
    for n in names:
        ax.plot(stamps, [r["metrics"].get(n) for r in runs], marker="o", label=n)
    ax.set_ylim(0, 1.05)
    ax.set_title("Evaluation metrics over past runs")
    ax.tick_params(axis="x", rotation=30, labelsize=7)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(folder / "trend.png", dpi=100)
    plt.close(fig)
