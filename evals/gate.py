"""The regression gate: metrics against fixed thresholds and the committed baseline."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

EVALS = Path(__file__).resolve().parent
THRESHOLDS = EVALS / "thresholds.toml"
BASELINE = EVALS / "baseline.json"


def load_thresholds(
    path: Path = THRESHOLDS, table: str = "metrics", *, backend: str | None = None
) -> dict[str, dict[str, float]]:
    """The rules of one table: ``metrics`` (the golden set) or ``redaction``; for a
    ``backend``, its own rules (``[backend.<name>.<table>.<metric>]``) replace the general
    ones metric by metric."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    rules = dict(data[table])
    if backend is not None:
        rules |= data.get("backend", {}).get(backend, {}).get(table, {})
    return rules


def load_baseline(path: Path = BASELINE) -> dict[str, float]:
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text())["metrics"])


def check(
    values: Mapping[str, float],
    thresholds: Mapping[str, Mapping[str, Any]],
    baseline: Mapping[str, float],
) -> list[str]:
    """Every way the run falls short: below a minimum, above a maximum, or worse than the
    baseline by more than the metric's tolerance (lower is better where the rule has a
    maximum or says ``lower_is_better``). A rule's ``target`` is reported, never enforced.
    Empty when the run passes."""
    problems = []
    for name, rule in thresholds.items():
        if name not in values:
            problems.append(f"{name}: not measured")
            continue
        value = values[name]
        if "min" in rule and value < rule["min"]:
            problems.append(f"{name} = {value:.3f}, below the minimum {rule['min']}")
        if "max" in rule and value > rule["max"]:
            problems.append(f"{name} = {value:.3f}, above the maximum {rule['max']}")
        if name in baseline and "tolerance" in rule:
            higher_is_better = not rule.get("lower_is_better", False) and (
                "min" in rule or "max" not in rule
            )
            drop = baseline[name] - value if higher_is_better else value - baseline[name]
            if drop > rule["tolerance"]:
                problems.append(
                    f"{name} = {value:.3f}, {drop:.3f} worse than the baseline "
                    f"{baseline[name]:.3f} "
                    f"(tolerance {rule['tolerance']})"
                )
    return problems
