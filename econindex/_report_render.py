"""Rendering of report sections to self-contained HTML or Markdown, and progress output.

Kept apart from :mod:`econindex.report` (which decides what to compute) so
that the page layout can change without touching the analysis.

Every text that reaches a page is escaped here, at the point where it is
written: sections hold plain text (``str``) or structured inline parts
(:class:`Code`, :class:`Link`, :class:`Strong`), never markup, so a label
read from a user's release (``<script>...``) is shown as text. Tables are
rendered cell by cell with the same escaping and numbers formatted for
people (``61,600``, not ``6.16e+04``); a table longer than
:data:`MAX_ROWS` shows its first rows and links the full CSV. CSV cells
that a spreadsheet would run as a formula are neutralized by
:func:`csv_safe`.

Examples
--------
>>> s = Section("x", "A <b> title", lead="What <this> shows.")
>>> s.add_table("t", pd.DataFrame({"geo": ["<i>"], "n": [61600.0]}), "Caption & more")
>>> page = render_html("T", [s])
>>> "<b>" in page, "&lt;b&gt;" in page, "61,600" in page, "6.16e+04" in page
(False, True, True, False)
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

__all__ = [
    "Figure",
    "Section",
    "Code",
    "Link",
    "Strong",
    "Progress",
    "MAX_ROWS",
    "render_html",
    "render_markdown",
    "figure_to_png",
    "format_number",
    "md_escape",
    "csv_safe",
    "file_stem",
]

MAX_ROWS = 200
"""Most rows of a table shown on the page; longer tables are cut and linked as CSV."""


# --- inline parts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    """Inline code (escaped when rendered)."""

    text: str


@dataclass(frozen=True)
class Strong:
    """Emphasized text (escaped when rendered)."""

    text: str


@dataclass(frozen=True)
class Link:
    """A relative link written by econindex (text and target both escaped when rendered)."""

    text: str
    href: str


Inline = str | Code | Strong | Link
Paragraph = str | Sequence[Inline]


@dataclass(frozen=True)
class Figure:
    """A rendered figure: PNG bytes and a caption."""

    name: str
    png: bytes
    caption: str


@dataclass
class Section:
    """One part of the report: a lead sentence, paragraphs, captioned tables (also CSV), figures.

    ``paragraphs`` hold plain text or sequences of inline parts, never markup.
    ``warnings`` are shown highlighted (e.g. a failed MCMC diagnostic).
    """

    key: str
    title: str
    lead: str = ""
    paragraphs: list[Paragraph] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    captions: dict[str, str] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    simulated: bool = False
    preformatted: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    inline: set[str] = field(default_factory=set)
    """Tables shown on the page (default: all); others are only written as CSV and linked."""

    def add_table(self, name: str, frame: pd.DataFrame, caption: str, *, show: bool = True) -> None:
        """Add a table with its caption; ``show=False`` writes it as CSV only (linked)."""
        self.tables[name] = frame
        self.captions[name] = caption
        if show:
            self.inline.add(name)

    def shown(self, name: str) -> bool:
        """Whether table ``name`` is rendered on the page (tables added without add_table are)."""
        return name in self.inline or name not in self.captions


def figure_to_png(fig: Any, name: str, caption: str) -> Figure:
    """Render a matplotlib figure (or the figure of an Axes, or of an array of Axes) to PNG and close it."""
    import matplotlib.pyplot as plt

    if isinstance(fig, np.ndarray):
        fig = fig.ravel()[0]
    if not hasattr(fig, "savefig") and hasattr(fig, "figure"):
        fig = fig.figure

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return Figure(name=name, png=buf.getvalue(), caption=caption)


# --- formatting and escaping ------------------------------------------------------------------


def format_number(value: Any, column: str = "") -> str:
    """A number as people read it: thousands separators, no exponent, p-values as ``< 0.001``.

    Examples
    --------
    >>> [format_number(v) for v in (61600.0, 0.68951, -3.1124, 12, 3.2e-6, float("nan"))]
    ['61,600', '0.6895', '-3.112', '12', '0.0000032', '']
    >>> format_number(1.2e-9, "p_value"), format_number(0.3571, "p_value")
    ('< 0.001', '0.357')
    """
    if value is None or isinstance(value, bool | np.bool_):
        return "" if value is None else str(value)
    if not isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    v = float(value)
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    col = column.lower()
    if col in ("p_value", "pvalue", "p") or col.startswith(("p_", "pvalue_")):
        return "< 0.001" if v < 0.001 else f"{v:.3f}"
    if v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) < 1e-6:
        return "< 0.000001" if v > 0 else "> -0.000001"
    return str(np.format_float_positional(v, precision=4, fractional=False, trim="-"))


_MD_INLINE = re.compile(r"([\\`*_{}\[\]#|~!$])")
_MD_BLOCK_START = re.compile(r"^(\s*)([-+=>])")
_MD_ORDERED = re.compile(r"^(\s*\d+)([.)])(\s|$)")


def md_escape(text: str, *, line_start: bool = True) -> str:
    """Escape text for Markdown: HTML-significant characters as entities, markup characters by backslash.

    ``line_start`` also escapes what would start a list, quote or heading
    (paragraphs); table cells do not need it.

    Examples
    --------
    >>> md_escape("<script>alert(1)</script> *x* | [a](b)")
    '&lt;script&gt;alert(1)&lt;/script&gt; \\\\*x\\\\* \\\\| \\\\[a\\\\](b)'
    >>> md_escape("- item"), md_escape("1. item"), md_escape("1.768", line_start=False)
    ('\\\\- item', '1\\\\. item', '1.768')
    """
    t = html.escape(str(text), quote=False).replace("\r", " ").replace("\n", " ")
    t = _MD_INLINE.sub(r"\\\1", t)
    if line_start:
        t = _MD_BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), t)
        t = _MD_ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2) + m.group(3), t)
    return t


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and column names) that begin like a formula are prefixed with ``'``.

    Numbers stay numbers (a negative estimate is not text); only strings that
    a spreadsheet would run (``=``, ``+``, ``-``, ``@``, tab, carriage return)
    are changed, as OWASP recommends for CSV injection.

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["=HYPERLINK(1)", "ok", "-2+3"], "x": [-1.5, 2.0, 3.0]})
    >>> out = csv_safe(df)
    >>> out["name"].tolist(), out["x"].tolist()
    (["'=HYPERLINK(1)", 'ok', "'-2+3"], [-1.5, 2.0, 3.0])
    """

    def fix(v: Any) -> Any:
        if isinstance(v, str) and v.startswith(_FORMULA_START):
            return "'" + v
        return v

    out = frame.copy()
    out.columns = [fix(str(c)) if isinstance(c, str) else c for c in out.columns]
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype | pd.CategoricalDtype):
            out[col] = s.astype(object).map(fix)
    return out


def _cell_text(value: Any, column: str) -> str:
    if isinstance(value, float | int | np.integer | np.floating) and not isinstance(value, bool | np.bool_):
        return format_number(value, column)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, list | tuple | dict | set):
        return (
            ", ".join(str(v) for v in value)
            if not isinstance(value, dict)
            else "; ".join(f"{k}: {v}" for k, v in value.items())
        )
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _h(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _inline_html(part: Inline) -> str:
    if isinstance(part, Code):
        return f"<code>{_h(part.text)}</code>"
    if isinstance(part, Strong):
        return f"<strong>{_h(part.text)}</strong>"
    if isinstance(part, Link):
        return f'<a href="{_h(quote(part.href, safe="/#=.:-_?&"))}">{_h(part.text)}</a>'
    return _h(part)


def _inline_md(part: Inline) -> str:
    if isinstance(part, Code):
        return f"<code>{html.escape(part.text, quote=False)}</code>"
    if isinstance(part, Strong):
        return f"**{md_escape(part.text)}**"
    if isinstance(part, Link):
        return f"[{md_escape(part.text)}]({quote(part.href, safe='/#=.:-_?&')})"
    return md_escape(part)


def _paragraph(p: Paragraph, render: Any) -> str:
    parts = [p] if isinstance(p, str) else list(p)
    return "".join(render(x) for x in parts)


def file_stem(name: str) -> str:
    """A table name as a safe file stem (letters, digits, ``_ . -``; never leaving the folder).

    Examples
    --------
    >>> file_stem("../<b>x y"), file_stem("usage_index_country")
    ('__b_x_y', 'usage_index_country')
    """
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(name)).lstrip(".") or "table"


def _csv_link(name: str) -> str:
    return f"tables/{file_stem(name)}.csv"


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #333}h2{margin-top:2em;border-bottom:1px solid #ccc}
p.lead{font-size:1.05em;color:#333;font-style:italic}
.table{overflow-x:auto;margin:1em 0}
table{border-collapse:collapse;font-size:0.9em}
caption{caption-side:top;text-align:left;font-size:0.9em;color:#444;padding:0.3em 0}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right;vertical-align:top}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}td.text{text-align:left}
.sim{background:#fff4e0;border-left:4px solid #e69500;padding:0.5em 1em}
.warn{background:#fde8e8;border-left:4px solid #c00;padding:0.5em 1em}
figure{margin:1em 0}figcaption{font-size:0.9em;color:#555}
pre{background:#f7f7f7;padding:0.8em;overflow-x:auto;font-size:0.85em}
img{max-width:100%}
"""


def _table_html(name: str, df: pd.DataFrame, caption: str) -> str:
    n = len(df)
    shown = df.head(MAX_ROWS)
    cap = caption
    cols = [str(c) for c in shown.columns]
    text_cols = {c for c, dt in zip(cols, shown.dtypes, strict=True) if not pd.api.types.is_numeric_dtype(dt)}
    head = "".join(f"<th>{_h(c)}</th>" for c in cols)
    rows = []
    for rec in shown.itertuples(index=False, name=None):
        cells = "".join(
            f'<td class="text">{_h(_cell_text(v, c))}</td>'
            if c in text_cols
            else f"<td>{_h(_cell_text(v, c))}</td>"
            for v, c in zip(rec, cols, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    more = (
        f" First {MAX_ROWS} of {n:,} rows; all rows in "
        f'<a href="{_h(_csv_link(name))}">{_h(file_stem(name))}.csv</a>.'
        if n > MAX_ROWS
        else f' <a href="{_h(_csv_link(name))}">CSV</a>'
    )
    return (
        f'<div class="table" data-table="{_h(name)}"><table><caption>{_h(cap)}{more}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def render_html(title: str, sections: list[Section], *, links: Sequence[Link] = ()) -> str:
    """A self-contained HTML page: figures embedded as base64 PNG, no external resources."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_h(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_h(title)}</h1>",
    ]
    if links:
        parts.append("<p>" + " · ".join(_inline_html(lk) for lk in links) + "</p>")
    parts.append("<nav><ul>")
    parts += [f'<li><a href="#{_h(s.key)}">{_h(s.title)}</a></li>' for s in sections]
    parts.append("</ul></nav>")
    for s in sections:
        parts.append(f'<section id="{_h(s.key)}" data-section="{_h(s.key)}"><h2>{_h(s.title)}</h2>')
        if s.lead:
            parts.append(f'<p class="lead">{_h(s.lead)}</p>')
        if s.simulated:
            parts.append(
                '<p class="sim"><strong>Simulated data.</strong> The embedded real data cannot answer '
                "this section; it runs on data from <code>econindex.simulate</code>, and the true "
                "parameters are shown next to the estimates.</p>"
            )
        parts += [f'<p class="warn">{_h(w)}</p>' for w in s.warnings]
        parts += [f"<p>{_paragraph(p, _inline_html)}</p>" for p in s.paragraphs]
        parts += [f"<pre>{_h(p)}</pre>" for p in s.preformatted]
        for name, df in s.tables.items():
            caption = s.captions.get(name, name)
            if s.shown(name):
                parts.append(_table_html(name, df, caption))
            else:
                parts.append(
                    f'<p data-table-csv="{_h(name)}">{_h(caption)}, {len(df):,} rows: '
                    f'<a href="{_h(_csv_link(name))}">{_h(file_stem(name))}.csv</a></p>'
                )
        for f in s.figures:
            b64 = base64.b64encode(f.png).decode("ascii")
            parts.append(
                f'<figure data-figure="{_h(f.name)}"><img alt="{_h(f.caption)}" '
                f'src="data:image/png;base64,{b64}"><figcaption>{_h(f.caption)}</figcaption></figure>'
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


# --- Markdown -----------------------------------------------------------------------------------


def _table_md(name: str, df: pd.DataFrame, caption: str) -> list[str]:
    n = len(df)
    shown = df.head(MAX_ROWS)
    cols = [str(c) for c in shown.columns]
    more = (
        f" First {MAX_ROWS} of {n:,} rows; all rows in [{md_escape(file_stem(name))}.csv]({_csv_link(name)})."
        if n > MAX_ROWS
        else f" [CSV]({_csv_link(name)})"
    )
    lines = [f"*{md_escape(caption)}*{more}", ""]
    lines.append("| " + " | ".join(md_escape(c, line_start=False) for c in cols) + " |")
    lines.append("|" + "|".join("---" for _ in cols) + "|")
    for rec in shown.itertuples(index=False, name=None):
        lines.append(
            "| "
            + " | ".join(
                md_escape(_cell_text(v, c), line_start=False) for v, c in zip(rec, cols, strict=True)
            )
            + " |"
        )
    lines.append("")
    return lines


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def render_markdown(
    title: str, sections: list[Section], figure_dir: Path, *, links: Sequence[Link] = ()
) -> str:
    """Markdown report; figures are written next to it as PNG files under ``figure_dir``."""
    figure_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"# {md_escape(title)}", ""]
    if links:
        lines += [" · ".join(_inline_md(lk) for lk in links), ""]
    for s in sections:
        lines += [f"## {md_escape(s.title)}", ""]
        if s.lead:
            lines += [f"*{md_escape(s.lead)}*", ""]
        if s.simulated:
            lines += ["> **Simulated data**: true parameters are shown next to the estimates.", ""]
        lines += [f"> **Warning**: {md_escape(w)}\n" for w in s.warnings]
        lines += [_paragraph(p, _inline_md) + "\n" for p in s.paragraphs]
        for p in s.preformatted:
            fence = _fence(p)
            lines += [f"{fence}\n{p}\n{fence}\n"]
        for name, df in s.tables.items():
            caption = s.captions.get(name, name)
            if s.shown(name):
                lines += _table_md(name, df, caption)
            else:
                lines += [
                    f"{md_escape(caption)}, {len(df):,} rows: "
                    f"[{md_escape(file_stem(name))}.csv]({_csv_link(name)})",
                    "",
                ]
        for f in s.figures:
            (figure_dir / f"{f.name}.png").write_bytes(f.png)
            lines += [f"![{md_escape(f.caption)}]({figure_dir.name}/{quote(f.name)}.png)", ""]
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
