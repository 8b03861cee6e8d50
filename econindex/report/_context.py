"""What the report's sections share: options, the headline rows they fill, wording and figure helpers.

Examples
--------
>>> significance(0.357, (-3.2, 8.7))
'not distinguishable from zero (p = 0.357; the 95% interval includes 0)'
>>> significance(4e-11, (1.2, 2.3))
'significant (p < 0.001)'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from econindex._report_render import Figure, Progress, figure_to_png
from econindex.schema import SOC_MAJOR_GROUPS

__all__ = ["ReportConfig", "Context", "HeadlineRow", "significance", "soc_label", "fig", "mark_geos", "pair"]


@dataclass(frozen=True)
class ReportConfig:
    """Options of ``econindex report`` (see ``econindex report --help``).

    ``data`` is one path or a tuple of paths (several releases become one
    panel with a ``period`` dimension).
    """

    data: Path | tuple[Path, ...] | None = None
    out: Path = Path("econindex-report")
    format: str = "html"
    level: str | None = None
    bayes: bool = True
    exclude_flagged: bool = False
    seed: int = 0
    quiet: bool = False
    argv: tuple[str, ...] = field(default_factory=tuple)

    @property
    def data_paths(self) -> tuple[Path, ...]:
        """``data`` as a tuple of paths (empty for the embedded data)."""
        if self.data is None:
            return ()
        if isinstance(self.data, str | Path):
            return (Path(self.data),)
        return tuple(Path(p) for p in self.data)


@dataclass
class HeadlineRow:
    """One estimate of the headline table, with everything a reader needs to judge it."""

    key: str
    figure: str
    estimate: float
    se_type: str
    ci: tuple[float, float] | None
    nobs: int | None
    published: str
    p_value: float | None = None
    note: str = ""
    diagnostics: str = ""
    interval: str = "95%"

    def as_dict(self) -> dict[str, Any]:
        """The row as written to ``headline.json`` (``estimates``)."""

        def num(v: Any) -> Any:
            return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

        return {
            "figure": self.figure,
            "estimate": num(float(self.estimate)),
            "se_type": self.se_type,
            "interval": self.interval,
            "ci": [num(float(self.ci[0])), num(float(self.ci[1]))] if self.ci else None,
            "p_value": num(None if self.p_value is None else float(self.p_value)),
            "nobs": self.nobs,
            "published": self.published,
            "note": self.note,
            "diagnostics": self.diagnostics,
        }


@dataclass
class Context:
    """Shared state of one report run: options, progress, headline numbers and rows."""

    config: ReportConfig
    progress: Progress
    headline: dict[str, Any] = field(default_factory=dict)
    rows: list[HeadlineRow] = field(default_factory=list)
    cannot: list[str] = field(default_factory=list)
    """What the data cannot support, one sentence each (shown under the headline table)."""
    data: Any = None
    """A user's dataset (``--data``), for the explorer; ``None`` on the embedded data."""

    def add(self, row: HeadlineRow) -> None:
        """Add a headline row (and its number under ``row.key`` in ``headline.json``)."""
        self.rows.append(row)
        self.headline[row.key] = float(row.estimate)
        if row.ci is not None:
            self.headline[f"{row.key}_ci"] = [float(row.ci[0]), float(row.ci[1])]
        if row.nobs is not None:
            self.headline[f"{row.key}_nobs"] = int(row.nobs)


def significance(p: float | None, ci: tuple[float, float] | None, alpha: float = 0.05) -> str:
    """Plain words for a test of zero: significant or not distinguishable from zero, with p."""
    if p is None or not np.isfinite(p):
        return ""
    ptext = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    if p < alpha:
        return f"significant ({ptext})"
    inc = "; the 95% interval includes 0" if ci is not None and ci[0] <= 0 <= ci[1] else ""
    return f"not distinguishable from zero ({ptext}{inc})"


def pair(values: Any) -> tuple[float, float]:
    """An interval as a pair of floats."""
    lo, hi = values
    return float(lo), float(hi)


def interval_text(ci: tuple[float, float] | None) -> str:
    """``[lo, hi]`` with the report's number format."""
    if ci is None:
        return ""
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def soc_label(code: Any) -> str:
    """A SOC major group as ``"15 Computer and Mathematical"`` (the code alone if unknown)."""
    c = str(code)
    name = SOC_MAJOR_GROUPS.get(c)
    return f"{c} {name}" if name else c


def with_soc_names(frame: pd.DataFrame, column: str = "soc_major") -> pd.DataFrame:
    """A copy with the SOC codes of ``column`` replaced by ``code title``."""
    out = frame.copy()
    if column in out.columns:
        out[column] = out[column].map(soc_label)
    return out


def share_table(comp: Any) -> pd.DataFrame:
    """The readable columns of a :class:`~econindex.platforms.ShareComparison`, named after its sides."""
    t = comp.to_frame()
    a, b = str(t.attrs.get("a", "a")), str(t.attrs.get("b", "b"))
    cols = {
        "category": "category",
        "share_a": f"share {a}",
        "share_b": f"share {b}",
        "diff": f"{b} - {a}",
        "diff_lower": "diff ci_lower",
        "diff_upper": "diff ci_upper",
        "count_a": f"conversations {a}",
        "count_b": f"conversations {b}",
        "p_holm": "p_holm",
    }
    out = t[[c for c in cols if c in t.columns]].rename(columns=cols)
    if t.attrs.get("over") == "soc_major":
        out["category"] = out["category"].map(soc_label)
    return out


def fig(make: Callable[[], Any], name: str, caption: str) -> Figure:
    """Make a figure and render it to PNG."""
    return figure_to_png(make(), name, caption)


def mark_geos(ax: Any, points: dict[str, tuple[float, float]], note: str = "") -> Any:
    """Ring and name the given geos on a scatter (e.g. Utah and DC where they drive a fit)."""
    for i, (g, (x, y)) in enumerate(points.items()):
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        ax.scatter(
            [x],
            [y],
            s=90,
            facecolors="none",
            edgecolors="C3",
            linewidths=1.6,
            label=note if i == 0 and note else None,
            zorder=5,
        )
        ax.annotate(
            g, (x, y), xytext=(6, -10), textcoords="offset points", fontsize=9, color="C3", fontweight="bold"
        )
    if note:
        ax.legend(loc="best", fontsize="small")
    return ax
