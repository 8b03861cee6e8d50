"""Sections every report has: the headline table, the ingest report, versions."""

from __future__ import annotations

import json
import platform as _platform
import shlex
from importlib import metadata
from typing import Any

import pandas as pd
import xarray as xr

from econindex._report_render import Section
from econindex.report._context import Context, interval_text

__all__ = ["headline_section", "ingest_section", "versions_section", "dropped_text"]


def headline_section(ctx: Context, *, title_scope: str) -> Section:
    """Every headline estimate with SE type, 95% interval, p-value, N and the published figure."""
    h = ctx.headline
    sec = Section(
        "headline",
        "Headline numbers",
        lead=f"The main estimates of this report ({title_scope}), each with its uncertainty and the "
        "published figure.",
    )
    rows = []
    for r in ctx.rows:
        rows.append(
            {
                "figure": r.figure,
                "estimate": r.estimate,
                "se_type": r.se_type,
                "interval": r.interval if r.ci else "",
                "ci_lower": r.ci[0] if r.ci else float("nan"),
                "ci_upper": r.ci[1] if r.ci else float("nan"),
                "p_value": r.p_value if r.p_value is not None else float("nan"),
                "N": r.nobs,
                "published": r.published,
                "note": r.note,
                "diagnostics": r.diagnostics or "passed" if r.key.startswith("bayes") else r.diagnostics,
            }
        )
        if r.diagnostics:
            sec.warnings.append(f"{r.figure}: {r.estimate:.3f} {interval_text(r.ci)}: {r.diagnostics}")
    if "aui_top_country" in h:
        sec.paragraphs.append(
            f"Highest AUI: {h['aui_top_country']} ({h['aui_top_country_value']:.2f}) among countries, "
            f"{h['aui_top_state']} ({h['aui_top_state_value']:.2f}) among US states."
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "figure",
            "estimate",
            "se_type",
            "interval",
            "ci_lower",
            "ci_upper",
            "p_value",
            "N",
            "published",
            "note",
            "diagnostics",
        ],
    )
    if frame["diagnostics"].fillna("").eq("").all():
        frame = frame.drop(columns="diagnostics")
    if rows:
        sec.add_table(
            "headline",
            frame,
            "Estimates with their standard-error type, 95% interval, p-value of a test of zero, number of "
            "geos (N) and the figure the published report gives.",
        )
    else:
        sec.paragraphs.append("No headline estimate can be computed from this data (see below).")
    for msg in ctx.cannot:
        sec.paragraphs.append("Not computed: " + msg)
    h["estimates"] = {r.key: r.as_dict() for r in ctx.rows}
    if ctx.cannot:
        h["not_computed"] = list(ctx.cannot)
    return sec


def dropped_text(dropped: Any) -> str:
    """Rows dropped by reason as ``reason: n; ...`` (``none`` when nothing was dropped).

    Examples
    --------
    >>> dropped_text({}), dropped_text({"derived variable": 52, "bad geo": 1})
    ('none', 'derived variable: 52; bad geo: 1')
    """
    if not dropped:
        return "none"
    if isinstance(dropped, dict):
        return "; ".join(f"{k}: {v:,}" if isinstance(v, int) else f"{k}: {v}" for k, v in dropped.items())
    return str(dropped)


def ingest_section(datasets: dict[str, xr.Dataset], skipped: list[tuple[str, str]] | None = None) -> Section:
    """Every input row accounted for: read, kept, dropped with reasons, per file; skipped files named."""
    rows = []
    for name, ds in datasets.items():
        rep = json.loads(ds.attrs.get("ingest_report", "{}") or "{}")
        files = rep.get("files")
        if isinstance(files, list) and files and isinstance(files[0], dict):
            for f in files:
                rows.append(
                    {
                        "dataset": name,
                        "file": str(f.get("file", "")),
                        "layout": str(f.get("layout", "")),
                        "rows_read": f.get("rows_read"),
                        "rows_kept": f.get("rows_kept"),
                        "rows_dropped": dropped_text(f.get("rows_dropped", {})),
                    }
                )
        else:
            rows.append(
                {
                    "dataset": name,
                    "file": str(ds.attrs.get("files", files or "")),
                    "layout": "",
                    "rows_read": rep.get("rows_read"),
                    "rows_kept": rep.get("rows_kept"),
                    "rows_dropped": dropped_text(rep.get("rows_dropped", {})),
                }
            )
    for path, why in skipped or []:
        rows.append(
            {
                "dataset": "skipped",
                "file": path,
                "layout": "unknown",
                "rows_read": None,
                "rows_kept": 0,
                "rows_dropped": f"file skipped: {why}",
            }
        )
    sec = Section(
        "ingest",
        "Data and ingest report",
        lead="Where the data come from, and what happened to every input row.",
    )
    sec.paragraphs.append("Every input row is accounted for: kept, or dropped with a reason.")
    if skipped:
        sec.warnings.append(
            f"{len(skipped)} file(s) of an unknown layout were skipped: " + ", ".join(p for p, _ in skipped)
        )
    frame = pd.DataFrame(
        rows, columns=["dataset", "file", "layout", "rows_read", "rows_kept", "rows_dropped"]
    )
    sec.add_table("ingest_report", frame, f"Rows read, kept and dropped per input file ({len(frame)} files).")
    return sec


def versions_section(ctx: Context) -> Section:
    """Package versions and the command that reproduces the report."""
    rows = [{"package": "python", "version": _platform.python_version()}]
    for pkg in (
        "econindex",
        "numpy",
        "scipy",
        "pandas",
        "xarray",
        "statsmodels",
        "linearmodels",
        "pymc",
        "arviz",
        "nutpie",
        "matplotlib",
    ):
        try:
            rows.append({"package": pkg, "version": metadata.version(pkg)})
        except metadata.PackageNotFoundError:
            rows.append({"package": pkg, "version": "not installed"})
    argv = " ".join(shlex.quote(a) for a in ctx.config.argv)
    sec = Section(
        "reproduce",
        "Versions and how to reproduce",
        lead="The command and package versions that reproduce this report.",
    )
    sec.preformatted.append(f"econindex {argv}".strip())
    sec.add_table("versions", pd.DataFrame(rows), "Versions of Python and the packages the analysis uses.")
    return sec
