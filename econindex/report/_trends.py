"""The "Trends across releases" section: pattern and SOC shares by period.

Shares come from :func:`econindex.trends.trend_table` on the periods the
data hold (release 1, embedded, for the default report; every release given
with ``--data``). The later figures that the embedded data cannot compute are
shown as published, named as such, never as computed.
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd
import xarray as xr

from econindex._report_render import Section
from econindex.errors import EconIndexError
from econindex.report._context import Context, HeadlineRow, fig, soc_label

__all__ = ["trends_section", "PUBLISHED_LATER", "load_trend_data"]

PUBLISHED_LATER: tuple[tuple[str, str, str, str, str], ...] = (
    ("pattern", "directive", "27% (Dec 2024 - Jan 2025)", "39% (Aug 2025)", "rose"),
    ("soc_major", "15", "37% (Dec 2024 - Jan 2025)", "37-40% (every later release)", "stayed"),
    ("soc_major", "25", "9% (Dec 2024 - Jan 2025)", "13% (Aug 2025)", "rose"),
    ("soc_major", "19", "6% (Dec 2024 - Jan 2025)", "8% (Aug 2025)", "rose"),
    ("soc_major", "11", "5% (Dec 2024 - Jan 2025)", "3% (Aug 2025)", "fell"),
    ("soc_major", "13", "6% (Dec 2024 - Jan 2025)", "3% (Aug 2025)", "fell"),
)
"""(over, category, first published, later published, direction) from the Anthropic Economic Index
report of September 2025; the embedded data hold release 1 only, so the later figures are quoted."""

_LOADERS = ("load_release_2025_02",)


def load_trend_data() -> tuple[xr.Dataset | None, str]:
    """The embedded release-1 dataset (the trend baseline), or ``None`` and why it is absent."""
    import econindex as ei

    for name in _LOADERS:
        loader = getattr(ei.datasets, name, None)
        if loader is not None:
            return loader(), f"econindex.datasets.{name}()"
    return None, "this installation has no embedded release 1 (econindex.datasets has no release-1 loader)"


def _label(over: str, category: Any) -> str:
    return soc_label(category) if over == "soc_major" else str(category)


def _pivot(table: pd.DataFrame, over: str) -> pd.DataFrame:
    wide = table.pivot_table(index="category", columns="period", values="share", aggfunc="first")
    wide.columns = [f"share {c}" for c in wide.columns]
    wide = wide.reset_index()
    wide.insert(1, "label", [_label(over, c) for c in wide["category"]])
    return wide.sort_values(wide.columns[-1], ascending=False, kind="stable").reset_index(drop=True)


def _directive_row(ctx: Context, table: pd.DataFrame) -> None:
    """The latest period's directive share as a headline row (interval and N where counts allow)."""
    rows = table[table["category"] == "directive"]
    if rows.empty:
        return
    last = rows.sort_values("period").iloc[-1]
    lo, hi = float(last.get("ci_lower", float("nan"))), float(last.get("ci_upper", float("nan")))
    counts = pd.notna(lo) and pd.notna(hi)
    n = last.get("n")
    ctx.add(
        HeadlineRow(
            "directive_share_global",
            f"Directive share of conversations, GLOBAL, period {last['period']}",
            float(last["share"]),
            "Wilson interval from the counts" if counts else "published share (the release has no counts)",
            (lo, hi) if counts else None,
            int(n) if counts and pd.notna(n) else None,
            "27% (Dec 2024 - Jan 2025), 39% (Aug 2025)",
            note="" if counts else "no interval: the release publishes shares, not the counts behind them",
        )
    )


def trends_section(ctx: Context, ds: xr.Dataset | None, source: str, *, published: bool) -> Section:
    """Pattern and SOC shares by period; with ``published`` the later published figures beside them."""
    sec = Section(
        "trends",
        "Trends across releases",
        lead="How the mix of collaboration patterns and occupations moves from one release to the next.",
    )
    if ds is None:
        sec.paragraphs.append(f"Shares by period cannot be computed: {source}.")
        ctx.cannot.append(f"Trends across releases: {source}.")
    else:
        from econindex.trends import trend_table

        periods = [str(p) for p in ds["period"].values] if "period" in ds.dims else []
        platform = None
        if "platform" in ds.dims:  # shares of different platforms are not comparable: Claude.ai first
            plats = [str(p) for p in ds["platform"].values]
            platform = "claude_ai" if "claude_ai" in plats else plats[0]
            source = f"{source}, platform {platform}"
        if len(periods) < 2 and not published:
            msg = "the data hold one period, so these are that period's shares, not a trend"
            sec.paragraphs.append(f"Trends across releases: {msg}; give several releases to --data.")
            ctx.cannot.append(f"Trends across releases: {msg}; give several releases to --data.")
        sec.paragraphs.append(
            f"Computed from {source}"
            + (f" over {len(periods)} periods ({', '.join(periods)})" if periods else "")
            + ". Pattern shares are of all conversations (none and not_classified in the base, as "
            "published); "
            "SOC shares are of conversations on tasks with a SOC major group."
        )
        for over, title in (("pattern", "collaboration pattern"), ("soc_major", "SOC major group")):
            try:
                table = trend_table(ds, over=over, platform=platform)  # type: ignore[arg-type]
            except EconIndexError as exc:
                msg = f"Shares by {title}: {exc}"
                sec.paragraphs.append(msg)
                ctx.cannot.append(f"Trends across releases, {msg}")
                continue
            base = table.attrs.get("base", "")
            wide = _pivot(table, over)
            sec.add_table(
                f"trend_{over}",
                wide,
                f"Share of conversations by {title}, GLOBAL, per period"
                + (f" (base: {base})" if base else ""),
            )
            sec.add_table(
                f"trend_{over}_long",
                table.reset_index(drop=True),
                f"Shares by {title} and period with intervals where counts allow",
                show=False,
            )
            for _, row in wide.iterrows():
                key = f"trend_{over}_{row['category']}"
                ctx.headline[key] = float(row[wide.columns[-1]])
            if over == "pattern" and not published:
                _directive_row(ctx, table)
            if table["period"].nunique() > 1:
                from econindex.plots._trends import plot_trend_table

                sec.figures.append(
                    fig(
                        functools.partial(plot_trend_table, table),
                        f"trend_{over}",
                        f"Share of conversations by {title} per period, GLOBAL, the 8 largest categories",
                    )
                )
    if published:
        rows = []
        computed: dict[tuple[str, str], float] = {}
        if ds is not None:
            for over in ("pattern", "soc_major"):
                key_prefix = f"trend_{over}_"
                for k, v in ctx.headline.items():
                    if k.startswith(key_prefix):
                        computed[(over, k[len(key_prefix) :])] = v
        for over, cat, first, later, direction in PUBLISHED_LATER:
            rows.append(
                {
                    "category": _label(over, cat),
                    "computed from release 1": computed.get((over, cat), float("nan")),
                    "published, release 1": first,
                    "published, later": later,
                    "direction (published)": direction,
                }
            )
        sec.paragraphs.append(
            "The later figures below are quoted as published (Anthropic Economic Index, September 2025): the "
            "embedded data hold release 1 only, so econindex cannot compute them; read several releases with "
            "econindex report --data release1 release2 ... to compute them."
        )
        sec.add_table(
            "trend_published",
            pd.DataFrame(rows),
            "Release 1 shares computed here next to the published figures of the first and later releases "
            "(the later ones are not computed by econindex)",
        )
    return sec
