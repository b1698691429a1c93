"""Small helpers shared by the benchmarks: percentiles, plain-text tables, the results folder."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def percentile(values: Iterable[float], q: float) -> float | None:
    """Nearest-rank percentile (the smallest value with at least q % of the values at or below it):
    always one of the measured values, never interpolated; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def fmt(value: Any, digits: int = 0) -> str:
    """A table cell: '-' for a missing figure, fixed decimals for numbers."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain-text table; the first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers]] + [[c if isinstance(c, str) else fmt(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        parts = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def write_results(name: str, payload: dict[str, Any], results_dir: Path = RESULTS_DIR,
                  compact: bool = False) -> Path:
    """Write `payload` as bench/results/<name>-<UTC timestamp>.json; return the path. `compact`
    drops the indentation (for per-utterance details: a tenth of the size)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.json"
    path.write_text(json.dumps(payload, indent=None if compact else 2, default=str,
                               separators=(",", ":") if compact else None))
    return path
