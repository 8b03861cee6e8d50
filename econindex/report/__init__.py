"""``econindex report``: the whole analysis on the embedded data or a user's release.

The report is a list of sections (:class:`econindex._report_render.Section`),
each computed by one function from the library's public estimators: the
embedded-data sections in :mod:`._embedded`, a user's release in
:mod:`._user`, the trends in :mod:`._trends`, the headline, ingest and
versions in :mod:`._common`. Rendering to HTML or Markdown (and all
escaping) lives in :mod:`econindex._report_render`. Every table is also
written as CSV next to the page (cells a spreadsheet would run neutralized),
and the headline numbers, with N, intervals and the Bayesian diagnostics, are
written to ``headline.json``.

Examples
--------
>>> cfg = ReportConfig(out=Path("r"), bayes=False)
>>> cfg.format, cfg.bayes, cfg.data_paths
('html', False, ())
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xarray as xr

from econindex._report_render import (
    Link,
    Progress,
    Section,
    csv_safe,
    file_stem,
    render_html,
    render_markdown,
)
from econindex.errors import OptionError, UnknownLayoutError
from econindex.explore import with_embedded_covariates, write_explorer
from econindex.report._common import headline_section, ingest_section, versions_section
from econindex.report._context import Context, ReportConfig
from econindex.report._embedded import (
    automation_section,
    bayes_section,
    convergence_section,
    elasticity_section,
    robustness_section,
    simulated_section,
    usage_index_section,
)
from econindex.report._taskmix_income import taskmix_income_section
from econindex.report._trends import load_trend_data, trends_section
from econindex.report._user import user_sections

__all__ = ["ReportConfig", "run_report", "build_sections", "check_out", "read_release"]


def check_out(out: Path) -> None:
    """Refuse an output folder that cannot be created, before any analysis runs.

    Raises
    ------
    OptionError
        ``out`` is an existing file, lies under a file, or is not writable.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = f.write_text("")
    >>> check_out(f / "r")
    Traceback (most recent call last):
    ...
    econindex.errors.OptionError: --out .../x.txt/r: .../x.txt is a file, not a folder
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OptionError(f"--out {out}: it is an existing file, not a folder")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OptionError(f"--out {out}: {parent} is a file, not a folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise OptionError(f"--out {out}: {parent} is not writable")
            break


def _candidates(folder: Path) -> list[Path]:
    """The files of a release folder read_aei could take: CSVs and request-hierarchy JSON (no symlinks)."""
    from econindex.io.hierarchy import is_hierarchy_file

    files = [q for q in sorted(folder.rglob("*")) if q.is_file() and not q.is_symlink()]
    csvs = [q for q in files if q.name.endswith((".csv", ".csv.gz"))]
    named = [q for q in csvs if q.name.startswith("aei_")]  # read_aei's folder rule: aei_* files if any
    trees = [q for q in files if q.suffix == ".json" and is_hierarchy_file(q)]
    return (named or csvs) + trees


def read_release(paths: tuple[Path, ...]) -> tuple[xr.Dataset, list[tuple[str, str]]]:
    """Read one or several releases; files of an unknown layout are skipped (and returned) if others remain.

    Returns the dataset and the skipped files with the reason for each.
    """
    import econindex as ei

    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"--data {p}: no such file or folder")
    arg: Any = list(paths) if len(paths) > 1 else paths[0]
    skipped: list[tuple[str, str]] = []
    files: list[Path] | None = None
    for _ in range(200):  # one retry per unknown file
        try:
            return ei.read_aei(arg), skipped
        except UnknownLayoutError as exc:
            if files is None:
                files = [f for p in paths for f in (_candidates(p) if p.is_dir() else [p])]
            msg = str(exc)
            bad = next((f for f in files if msg.startswith((str(f), f.name)) or f"{f}:" in msg), None)
            if bad is None:
                raise
            files.remove(bad)
            skipped.append((str(bad), msg.split(": ", 1)[-1][:160]))
            if not files:
                raise UnknownLayoutError(
                    f"--data: no readable file remains; skipped {', '.join(p for p, _ in skipped)}"
                ) from exc
            arg = files if len(files) > 1 else files[0]
    raise UnknownLayoutError("--data: too many files of an unknown layout")  # pragma: no cover


def _user_report(config: ReportConfig, ctx: Context, progress: Progress) -> list[Section]:
    paths = config.data_paths
    with progress.step("reading " + ", ".join(str(p) for p in paths)):
        ds, skipped = read_release(paths)
        if "geo_level" in ds.coords:
            ds = with_embedded_covariates(ds)
    ctx.data = ds
    body = user_sections(ctx, ds)
    shares = ("pattern_count", "pattern_share_published", "task_count", "task_share_published")
    if any(v in ds for v in shares):
        body.append(trends_section(ctx, ds, "the release(s) given with --data", published=False))
    else:
        ctx.cannot.append("Trends across releases: the data have no pattern or task shares.")
    scope = "your release" if len(paths) == 1 else f"{len(paths)} releases"
    return [
        headline_section(ctx, title_scope=scope),
        *body,
        ingest_section({"release": ds}, skipped),
        versions_section(ctx),
    ]


def build_sections(
    config: ReportConfig, progress: Progress | None = None
) -> tuple[list[Section], dict[str, Any]]:
    """Compute every section of the report; returns the sections and the headline numbers."""
    sections, ctx = _build(config, progress or Progress(quiet=True))
    return sections, ctx.headline


def _build(config: ReportConfig, progress: Progress) -> tuple[list[Section], Context]:
    import econindex as ei

    ctx = Context(config=config, progress=progress)
    if config.data is not None:
        return _user_report(config, ctx, progress), ctx

    with progress.step("loading the embedded real data"):
        countries = ei.datasets.load_countries_2025_08()
        auto_countries = ei.datasets.load_country_automation_2025_08()
        states = ei.datasets.load_us_states_2025_08()
        panel = ei.datasets.load_us_state_panel()
        # the state table without its abuse-flagged geos (Utah in Aug 2025), from the dataset's own
        # flags; with --exclude-flagged it is the table every section uses
        states_clean = ei.robustness.exclude_flagged(states, flags=states["abuse_flagged"])
        states_all = states  # flag sensitivity always shows both, so it needs the flagged rows
        if config.exclude_flagged:
            states = states_clean
            panel = ei.robustness.exclude_flagged(panel, flags=panel["abuse_flagged"])
        release1, release1_source = load_trend_data()
    steps: list[tuple[str, Callable[[], Section]]] = [
        ("usage indices", lambda: usage_index_section(ctx, countries, states)),
        ("income elasticities", lambda: elasticity_section(ctx, countries, states, states_clean)),
        ("automation regressions", lambda: automation_section(ctx, auto_countries, states, states_clean)),
        ("convergence", lambda: convergence_section(ctx, panel)),
        ("trends across releases", lambda: trends_section(ctx, release1, release1_source, published=True)),
        ("robustness", lambda: robustness_section(ctx, countries, states_all)),
        ("task mix and income", lambda: taskmix_income_section(ctx)),
    ]
    if config.bayes:
        steps.append(("Bayesian state model", lambda: bayes_section(ctx, states)))
    else:
        ctx.cannot.append("Bayesian state elasticity: skipped (--no-bayes).")
    steps.append(("simulated release (platforms, truth)", lambda: simulated_section(ctx)))
    sections: list[Section] = []
    for label, make in steps:
        with progress.step(label):
            sections.append(make())
    datasets = {
        "countries": countries,
        "country_automation": auto_countries,
        "us_states": states,
        "us_state_panel": panel,
    }
    if release1 is not None:
        datasets["release_1"] = release1
    return [
        headline_section(ctx, title_scope="embedded AEI data, Aug 2025 window"),
        *sections,
        ingest_section(datasets),
        versions_section(ctx),
    ], ctx


def _write_explorer(out: Path, data: xr.Dataset | None) -> Link:
    """Write ``explore.html`` next to the report; the link to it."""
    write_explorer(data, out / "explore.html")
    return Link("Interactive explorer: every country, state, occupation and request cluster", "explore.html")


def run_report(config: ReportConfig) -> Path:
    """Run the analysis and write the report; returns the path of the page.

    Writes ``report.html`` (or ``report.md`` with PNG figures), one CSV per
    table under ``tables/``, ``headline.json`` and, where the explorer is
    installed, ``explore.html`` (linked from the page).
    """
    if config.format not in ("html", "markdown"):
        raise OptionError(f"format={config.format!r} is not valid; choose 'html' or 'markdown'")
    check_out(Path(config.out))
    for p in config.data_paths:
        if not p.exists():
            raise FileNotFoundError(f"--data {p}: no such file or folder")
    t0 = time.perf_counter()
    progress = Progress(quiet=config.quiet)
    sections, ctx = _build(config, progress)
    headline = ctx.headline
    out = Path(config.out)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    for sec in sections:
        for name, df in sec.tables.items():
            csv_safe(df).to_csv(out / "tables" / f"{file_stem(name)}.csv", index=False)
    with progress.step("interactive explorer"):
        links = [_write_explorer(out, ctx.data)]
    headline["elapsed_seconds"] = time.perf_counter() - t0
    (out / "headline.json").write_text(json.dumps(headline, indent=2, default=str))
    data = ", ".join(str(p) for p in config.data_paths)
    title = "econindex report" + (f": {data}" if data else ": embedded AEI data (Aug 2025)")
    if config.format == "html":
        path = out / "report.html"
        path.write_text(render_html(title, sections, links=links), encoding="utf-8")
    else:
        path = out / "report.md"
        path.write_text(render_markdown(title, sections, out / "figures", links=links), encoding="utf-8")
    return path
