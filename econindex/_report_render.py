"""Rendering of report sections to self-contained HTML or Markdown, and progress output.

Kept apart from :mod:`econindex.report` (which decides what to compute) so
that the page layout can change without touching the analysis.
"""

from __future__ import annotations

import base64
import html
import io
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["Figure", "Section", "Progress", "render_html", "render_markdown", "figure_to_png"]


@dataclass(frozen=True)
class Figure:
    """A rendered figure: PNG bytes and a caption."""

    name: str
    png: bytes
    caption: str


@dataclass
class Section:
    """One part of the report: text paragraphs, tables (also written as CSV) and figures."""

    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    simulated: bool = False
    preformatted: list[str] = field(default_factory=list)
    blocks: list[tuple[str, str]] = field(default_factory=list)
    """Pre-rendered (HTML, Markdown) pairs made by econindex itself, e.g. a publication table."""


def figure_to_png(fig: Any, name: str, caption: str) -> Figure:
    """Render a matplotlib figure (or the figure of an Axes, or of an array of Axes) to PNG and close it."""
    import matplotlib.pyplot as plt
    import numpy as np

    if isinstance(fig, np.ndarray):
        fig = fig.ravel()[0]
    if not hasattr(fig, "savefig") and hasattr(fig, "figure"):
        fig = fig.figure

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return Figure(name=name, png=buf.getvalue(), caption=caption)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #333}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}
.sim{background:#fff4e0;border-left:4px solid #e69500;padding:0.5em 1em}
figure{margin:1em 0}figcaption{font-size:0.9em;color:#555}
pre{background:#f7f7f7;padding:0.8em;overflow-x:auto;font-size:0.85em}
img{max-width:100%}
"""


def _table_html(name: str, df: pd.DataFrame) -> str:
    body = df.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0, na_rep="")
    return f'<div class="table" data-table="{html.escape(name)}">{body}</div>'


def render_html(title: str, sections: list[Section]) -> str:
    """A self-contained HTML page: figures embedded as base64 PNG, no external resources."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "<nav><ul>",
        *[f'<li><a href="#{s.key}">{html.escape(s.title)}</a></li>' for s in sections],
        "</ul></nav>",
    ]
    for s in sections:
        parts.append(f'<section id="{s.key}" data-section="{s.key}"><h2>{html.escape(s.title)}</h2>')
        if s.simulated:
            parts.append(
                '<p class="sim"><strong>Simulated data.</strong> The embedded real data cannot answer '
                "this section; it runs on data from <code>econindex.simulate</code>, and the true "
                "parameters are shown next to the estimates.</p>"
            )
        parts += [f"<p>{p}</p>" for p in s.paragraphs]
        parts += [f"<pre>{html.escape(p)}</pre>" for p in s.preformatted]
        parts += [f'<div class="block">{h}</div>' for h, _ in s.blocks]
        parts += [_table_html(n, df) for n, df in s.tables.items()]
        for f in s.figures:
            b64 = base64.b64encode(f.png).decode("ascii")
            parts.append(
                f'<figure data-figure="{html.escape(f.name)}"><img alt="{html.escape(f.caption)}" '
                f'src="data:image/png;base64,{b64}"><figcaption>{html.escape(f.caption)}</figcaption></figure>'
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def render_markdown(title: str, sections: list[Section], figure_dir: Path) -> str:
    """Markdown report; figures are written next to it as PNG files under ``figure_dir``."""
    figure_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"# {title}", ""]
    for s in sections:
        lines += [f"## {s.title}", ""]
        if s.simulated:
            lines += ["> **Simulated data**: true parameters are shown next to the estimates.", ""]
        lines += [*(p + "\n" for p in s.paragraphs)]
        lines += [*(f"```\n{p}\n```\n" for p in s.preformatted)]
        lines += [*(md + "\n" for _, md in s.blocks)]
        for name, df in s.tables.items():
            lines += [f"**{name}**", "", df.to_markdown(index=False, floatfmt=".4g"), ""]
        for f in s.figures:
            (figure_dir / f"{f.name}.png").write_bytes(f.png)
            lines += [f"![{f.caption}]({figure_dir.name}/{f.name}.png)", ""]
    return "\n".join(lines)


class Progress:
    """Progress on long steps: a rich status on a terminal, plain lines otherwise, nothing if quiet."""

    def __init__(self, quiet: bool = False, stream: Any = None) -> None:
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self._rich = False
        if not quiet and hasattr(self.stream, "isatty") and self.stream.isatty():
            try:
                import rich.console  # noqa: F401

                self._rich = True
            except ImportError:  # pragma: no cover - rich is in the report extra
                self._rich = False

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Show ``label`` while the block runs, then its duration."""
        if self.quiet:
            yield
            return
        t0 = time.perf_counter()
        if self._rich:
            from rich.console import Console

            console = Console(file=self.stream)
            with console.status(label):
                yield
            console.print(f"[green]done[/green] {label} ({time.perf_counter() - t0:.1f} s)")
        else:
            print(f"... {label}", file=self.stream, flush=True)
            yield
            print(f"    done ({time.perf_counter() - t0:.1f} s)", file=self.stream, flush=True)
