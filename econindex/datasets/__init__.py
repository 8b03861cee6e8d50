"""Small real datasets shipped with econindex, and the abuse exclusions the reports name.

The CSV files in ``econindex/datasets/data`` are copies of the files in the
project's ``shared/data/aei`` folder (see ``data/PROVENANCE.md``), which
re-publish figures of the Anthropic Economic Index release of 2025-09-15
(CC-BY), World Bank, IMF, BEA and US Census data. Cite the original sources.

Nothing here touches the network.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from importlib import resources
from typing import IO, Any

import numpy as np
import pandas as pd
import xarray as xr

from econindex.geography import geo_coords, us_state_table
from econindex.schema import add_units, validate

__all__ = [
    "load_countries_2025_08",
    "load_country_automation_2025_08",
    "load_us_states_2025_08",
    "load_us_state_panel",
    "load_us_state_covariates",
    "load_country_covariates",
    "load_us_state_task_slice",
    "load_us_state_slice_2025_08",
    "load_release_2025_02",
    "AbuseExclusion",
    "ABUSE_EXCLUSIONS",
    "COUNTRY_REFERENCE_RATIO_2025_08",
    "STATE_REFERENCE_RATIO_2025_08",
    "data_path",
]

COUNTRY_REFERENCE_RATIO_2025_08 = 2.608628e-4
"""Usage per working-age person of the published country index's reference set
(Aug 2025): ``usage_count / working_age_pop / usage_per_capita_index`` for every
published country (PROVENANCE.md). The 114 vendored countries alone give 2.1996e-4."""

STATE_REFERENCE_RATIO_2025_08 = 9.542474e-4
"""The same ratio for the published US-state index of Aug 2025 (PROVENANCE.md)."""

_SOURCE = "Anthropic Economic Index release 2025-09-15 (CC-BY)"


@dataclass(frozen=True)
class AbuseExclusion:
    """A geo whose traffic an AEI report names as abusive or coordinated."""

    geo: str
    level: str
    period_start: str | None
    note: str
    source: str


ABUSE_EXCLUSIONS: tuple[AbuseExclusion, ...] = (
    AbuseExclusion(
        geo="UT",
        level="state_us",
        period_start="2025-08-04",
        note="Utah's high per-capita usage partly reflects coordinated abusive traffic (automation 73%).",
        source="Anthropic Economic Index report, 2025-09-15; shared/data/aei/PROVENANCE.md",
    ),
    AbuseExclusion(
        geo="WY",
        level="state_us",
        period_start="2025-11-13",
        note="Wyoming's November 2025 index spikes to 2.07 after 0.39; later reports name it abusive.",
        source="Anthropic Economic Index reports after 2026-01-15; shared/data/aei/PROVENANCE.md",
    ),
    AbuseExclusion(
        geo="SYC",
        level="country",
        period_start=None,
        note="Seychelles is excluded or caveated as abusive in later reports (release not specified).",
        source="Later Anthropic Economic Index reports; shared/data/aei/PROVENANCE.md",
    ),
)
"""Abuse cases named in the reports, as data for :mod:`econindex.robustness`."""


def data_path(name: str) -> Any:
    """Path-like handle to a vendored data file.

    Examples
    --------
    >>> data_path("country_usage_2025-08.csv").name
    'country_usage_2025-08.csv'
    """
    return resources.files(__name__).joinpath("data", name)


def _read(name: str, **kwargs: Any) -> pd.DataFrame:
    path = data_path(name)
    with path.open("rb") as raw:
        fh: IO[bytes] = raw
        if name.endswith(".gz"):
            import gzip

            fh = gzip.open(raw)  # type: ignore[assignment]
        return pd.read_csv(fh, keep_default_na=False, na_values=[""], **kwargs)


def _flag_coord(geos: list[str], period_start: str | None = "2025-08-04") -> np.ndarray:
    flagged = {
        a.geo for a in ABUSE_EXCLUSIONS if period_start is None or a.period_start in (None, period_start)
    }
    return np.array([g in flagged for g in geos], dtype=bool)


def load_countries_2025_08() -> xr.Dataset:
    """The real 114-country table of the August 2025 release, as a validated dataset.

    Variables: ``usage_count`` (conversations, 2025-08-04..11),
    ``working_age_pop`` (2024), ``gdp`` (total, USD, equal to GDP per
    working-age capita times working-age population), the published
    ``usage_index``, and for the 110 of them that are in
    ``country_automation_2025-08.csv`` the published ``automation_share``
    (classified base) and ``expected_automation`` (shares in [0, 1]). That
    table has 111 countries: Palestine (PSE) has automation figures but is
    not among the 114 usage rows; :func:`load_country_automation_2025_08`
    returns the 111-country table the report's automation regression uses.
    Coordinate ``sample_gdp_tercile`` gives terciles within these rows.

    The published index uses a reference set larger than these rows; its
    ratio is ``ds.attrs["reference_ratio"]``
    (:data:`COUNTRY_REFERENCE_RATIO_2025_08`).

    Examples
    --------
    >>> ds = load_countries_2025_08()
    >>> ds.sizes["geo"], int(ds["usage_count"].sel(geo="USA"))
    (114, 208200)
    """
    usage = _read("country_usage_2025-08.csv")
    auto = _read("country_automation_2025-08.csv").set_index("geo_id")
    geos = usage["geo_id"].astype(str).tolist()
    coords = geo_coords(geos, ["country"] * len(geos), usage["geo_name"].tolist())
    coords["sample_gdp_tercile"] = ("geo", usage["sample_gdp_tercile"].to_numpy(dtype=object))
    coords["abuse_flagged"] = ("geo", _flag_coord(geos, None))
    pop = usage["working_age_pop"].to_numpy(float)
    a = auto.reindex(geos)
    ds = xr.Dataset(
        {
            "usage_count": ("geo", usage["usage_count"].to_numpy(float)),
            "working_age_pop": ("geo", pop),
            "gdp": ("geo", usage["gdp_per_working_age_capita"].to_numpy(float) * pop),
            "usage_index": ("geo", usage["usage_per_capita_index"].to_numpy(float)),
            "automation_share": ("geo", a["automation_pct"].to_numpy(float) / 100.0),
            "expected_automation": ("geo", a["expected_automation_pct"].to_numpy(float) / 100.0),
        },
        coords=coords,
        attrs={
            "title": "AEI countries, Claude.ai, 2025-08-04..2025-08-11",
            "source": f"{_SOURCE}; World Bank SP.POP.1564.TO; IMF WEO NGDPD",
            "files": "country_usage_2025-08.csv, country_automation_2025-08.csv",
            "release": "2025-09-15",
            "platform": "claude_ai",
            "date_start": "2025-08-04",
            "date_end": "2025-08-11",
            "reference_ratio": COUNTRY_REFERENCE_RATIO_2025_08,
            "automation_base": "classified",
            "ingest_report": _simple_report("country_usage_2025-08.csv", len(usage)),
        },
    )
    return validate(add_units(ds))


def load_country_automation_2025_08() -> xr.Dataset:
    """The real 111-country automation table of the August 2025 release.

    Variables (no counts): the published ``usage_index``, ``automation_share``
    (classified base) and ``expected_automation`` from each country's task
    mix (computed by an independent analyst with the published procedure),
    shares in [0, 1]; ``working_age_pop`` and ``gdp`` (2024) where the
    covariate tables have them. The task-mix controlled automation regression
    on this table is the report's (partial slope -3.112 points, partial
    R-squared 0.394, N = 111).

    Examples
    --------
    >>> ds = load_country_automation_2025_08()
    >>> ds.sizes["geo"], round(float(ds["automation_share"].sel(geo="USA")), 3)
    (111, 0.491)
    """
    auto = _read("country_automation_2025-08.csv")
    geos = auto["geo_id"].astype(str).tolist()
    cov = load_country_covariates().reindex(geos)
    coords = geo_coords(geos, ["country"] * len(geos))
    coords["abuse_flagged"] = ("geo", _flag_coord(geos, None))
    ds = xr.Dataset(
        {
            "working_age_pop": ("geo", cov["working_age_pop"].to_numpy(float)),
            "gdp": ("geo", cov["gdp"].to_numpy(float)),
            "usage_index": ("geo", auto["usage_per_capita_index"].to_numpy(float)),
            "automation_share": ("geo", auto["automation_pct"].to_numpy(float) / 100.0),
            "expected_automation": ("geo", auto["expected_automation_pct"].to_numpy(float) / 100.0),
        },
        coords=coords,
        attrs={
            "title": "AEI country automation table, Claude.ai, 2025-08-04..2025-08-11",
            "source": f"{_SOURCE}, via an independent analyst's expected-automation figures",
            "files": "country_automation_2025-08.csv, working_age_pop_2024_country.csv, gdp_2024_country.csv",
            "release": "2025-09-15",
            "platform": "claude_ai",
            "date_start": "2025-08-04",
            "date_end": "2025-08-11",
            "automation_base": "classified",
            "ingest_report": _simple_report("country_automation_2025-08.csv", len(auto)),
        },
    )
    return validate(add_units(ds))


def _simple_report(files: str, n: int) -> str:
    import json

    return json.dumps({"files": files, "rows_read": n, "rows_kept": n, "rows_dropped": {}})


def load_us_state_covariates() -> pd.DataFrame:
    """US-state working-age population (2024, Census) and total GDP (2024, BEA), 51 rows incl. DC.

    Examples
    --------
    >>> cov = load_us_state_covariates()
    >>> cov.shape, cov.index[0]
    ((51, 2), 'AK')
    """
    pop = _read("working_age_pop_2024_us_state.csv").set_index("state_code")["working_age_pop"]
    gdp = _read("gdp_2024_us_state.csv").set_index("state_code")["gdp_total"]
    out = pd.DataFrame({"working_age_pop": pop.astype(float), "gdp": gdp.astype(float)}).sort_index()
    out.index.name = "geo"
    return out


def load_country_covariates() -> pd.DataFrame:
    """Country working-age population (2024, World Bank) and total GDP (2024, IMF) by ISO-3.

    Rows without either figure are kept with NaN (missing is never zero).

    Examples
    --------
    >>> cov = load_country_covariates()
    >>> bool(cov.loc["NAM", "working_age_pop"] > 0)
    True
    """
    pop = _read("working_age_pop_2024_country.csv").set_index("iso_alpha_3")["working_age_pop"]
    gdp = _read("gdp_2024_country.csv").set_index("iso_alpha_3")["gdp_total"]
    out = pd.concat({"working_age_pop": pop.astype(float), "gdp": gdp.astype(float)}, axis=1).sort_index()
    out.index.name = "geo"
    return out


def load_us_states_2025_08() -> xr.Dataset:
    """The real US-state table of August 2025: counts for all 51, automation for 43.

    Variables: ``usage_count`` (51; Utah's derived from its published index,
    see PROVENANCE.md), ``working_age_pop`` and ``gdp`` (2024), the published
    ``usage_index`` (all 51, from the first window of the state panel),
    ``automation_share`` and ``expected_automation`` (43 states, classified
    base, in [0, 1]) and ACS covariates ``pct_bachelors_plus``,
    ``pct_broadband``, ``median_hh_income`` (43 states). Coordinates
    ``census_region``, ``census_division`` and ``abuse_flagged`` (Utah).

    Examples
    --------
    >>> ds = load_us_states_2025_08()
    >>> ds.sizes["geo"], int(ds["usage_count"].sum())
    (51, 208198)
    """
    usage = _read("us_state_usage_2025-08.csv").set_index("geo_id")
    states = us_state_table()
    geos = states.index.tolist()
    cov = load_us_state_covariates().reindex(geos)
    auto = _read("us_state_aui_automation_2025-08.csv").set_index("geo_id").reindex(geos)
    panel = _read("us_state_index_panel.csv")
    first = panel[panel["date_start"] == "2025-08-04"].set_index("geo_id")["usage_per_capita_index"]
    coords = geo_coords(geos, ["state_us"] * len(geos))
    coords["abuse_flagged"] = ("geo", _flag_coord(geos))
    coords["usage_source"] = ("geo", usage["source"].reindex(geos).to_numpy(dtype=object))
    ds = xr.Dataset(
        {
            "usage_count": ("geo", usage["usage_count"].reindex(geos).to_numpy(float)),
            "working_age_pop": ("geo", cov["working_age_pop"].to_numpy(float)),
            "gdp": ("geo", cov["gdp"].to_numpy(float)),
            "usage_index": ("geo", first.reindex(geos).to_numpy(float)),
            "automation_share": ("geo", auto["automation_pct"].to_numpy(float) / 100.0),
            "expected_automation": ("geo", auto["expected_automation_pct"].to_numpy(float) / 100.0),
            "pct_bachelors_plus": ("geo", auto["pct_bachelors_plus"].to_numpy(float)),
            "pct_broadband": ("geo", auto["pct_broadband"].to_numpy(float)),
            "median_hh_income": ("geo", auto["median_hh_income"].to_numpy(float)),
        },
        coords=coords,
        attrs={
            "title": "AEI US states, Claude.ai, 2025-08-04..2025-08-11",
            "source": f"{_SOURCE}; US Census SC-EST2024 and ACS; BEA",
            "files": "us_state_usage_2025-08.csv, us_state_aui_automation_2025-08.csv, "
            "us_state_index_panel.csv, working_age_pop_2024_us_state.csv, gdp_2024_us_state.csv",
            "release": "2025-09-15",
            "platform": "claude_ai",
            "date_start": "2025-08-04",
            "date_end": "2025-08-11",
            "reference_ratio": STATE_REFERENCE_RATIO_2025_08,
            "automation_base": "classified",
            "ingest_report": _simple_report("us_state_usage_2025-08.csv", len(usage)),
        },
    )
    ds["pct_bachelors_plus"].attrs.update(
        units="percent", long_name="Adults with a bachelor's degree or more"
    )
    ds["pct_broadband"].attrs.update(units="percent", long_name="Households with broadband")
    ds["median_hh_income"].attrs.update(units="USD", long_name="Median household income")
    return validate(add_units(ds))


def load_us_state_panel() -> xr.Dataset:
    """The published US-state usage index in four releases, with a ``period`` dimension.

    Windows start 2025-08-04, 2025-11-13, 2026-02-05 and 2026-04-01; the
    ``period`` label is the start date, with ``date_start``/``date_end``
    coordinates. ``usage_index`` is NaN where a state is absent (Utah after
    August 2025). Working-age population and GDP (2024) are attached, and
    ``abuse_flagged`` is a (geo, period) coordinate marking Utah (Aug 2025)
    and Wyoming (Nov 2025).

    Examples
    --------
    >>> p = load_us_state_panel()
    >>> p.sizes["period"], round(float(p["usage_index"].sel(geo="WY", period="2025-11-13")), 2)
    (4, 2.07)
    """
    panel = _read("us_state_index_panel.csv")
    wide = panel.pivot(index="geo_id", columns="date_start", values="usage_per_capita_index")
    ends = panel.groupby("date_start")["date_end"].first()
    states = us_state_table()
    geos = states.index.tolist()
    wide = wide.reindex(geos)
    periods = wide.columns.tolist()
    cov = load_us_state_covariates().reindex(geos)
    coords = geo_coords(geos, ["state_us"] * len(geos))
    coords["period"] = periods
    coords["date_start"] = ("period", np.array(periods, dtype=object))
    coords["date_end"] = ("period", ends.reindex(periods).to_numpy(dtype=object))
    flags = np.stack([_flag_coord(geos, p) for p in periods], axis=1)
    flags &= np.array(
        [[any(a.geo == g and a.period_start == p for a in ABUSE_EXCLUSIONS) for p in periods] for g in geos]
    )
    coords["abuse_flagged"] = (("geo", "period"), flags)
    ds = xr.Dataset(
        {
            "usage_index": (("geo", "period"), wide.to_numpy(float)),
            "working_age_pop": ("geo", cov["working_age_pop"].to_numpy(float)),
            "gdp": ("geo", cov["gdp"].to_numpy(float)),
        },
        coords=coords,
        attrs={
            "title": "AEI US-state usage index panel, four releases",
            "source": "Anthropic Economic Index releases 2025-09-15, 2026-01-15, 2026-03-24, 2026-06-26",
            "files": "us_state_index_panel.csv",
            "ingest_report": _simple_report("us_state_index_panel.csv", len(panel)),
        },
    )
    return validate(add_units(ds))


def load_us_state_task_slice() -> pd.DataFrame:
    """The real slice of the AEI long format (US states, facets ``collaboration`` and ``onet_task``).

    Returned as the raw long table; :func:`econindex.read_aei` turns it into
    a dataset. Task cells appear only from 15 conversations up, so per-state
    task mixes from it are truncated.

    Examples
    --------
    >>> df = load_us_state_task_slice()
    >>> sorted(df["facet"].unique())
    ['collaboration', 'onet_task']
    """
    return _read("us_state_tasks_collaboration_2025-08.csv.gz", dtype={"cluster_name": str})


def _read_release(names: list[str]) -> xr.Dataset:
    """``read_aei`` on vendored release files (real paths even from a zipped install)."""
    from econindex.io.aei import read_aei

    with ExitStack() as stack:
        paths = [stack.enter_context(resources.as_file(data_path(n))) for n in names]
        return read_aei(paths if len(paths) > 1 else paths[0])


US_STATE_SLICE_2025_08 = "aei_raw_claude_ai_2025-08-04_to_2025-08-11_state_us.csv.gz"
"""The vendored US-state slice of release 3's raw Claude.ai file (gzip of the shared file)."""

RELEASE_2025_02_FILES = (
    "release_2025_02_10/automation_vs_augmentation.csv",
    "release_2025_02_10/onet_task_mappings.csv.gz",
)
"""The vendored release 1 data files (the task table gzip-compressed); byte-identical once decompressed."""


def load_us_state_slice_2025_08() -> xr.Dataset:
    """Every US-state row of release 3's raw Claude.ai file (2025-08-04..11), read by ``read_aei``.

    17,488 rows (50 states, DC and ``not_classified``): usage counts, the
    collaboration patterns, O*NET tasks and request clusters at levels 0-2 of
    every state, as the release published them (task cells from 15
    conversations up). The dataset's ``attrs["ingest_report"]`` accounts for
    every row (the ``*_pct`` rows are derived from the counts and recomputed).

    Examples
    --------
    >>> ds = load_us_state_slice_2025_08()
    >>> ds.sizes["geo"], int(ds["usage_count"].sel(geo="CA"))
    (52, 52617)
    """
    return _read_release([US_STATE_SLICE_2025_08])


def load_release_2025_02() -> xr.Dataset:
    """Release 1 of the AEI (Dec 2024 - Jan 2025, Claude.ai), the trend baseline, read by ``read_aei``.

    Global only, published shares only: ``pattern_share_published`` (the
    six collaboration patterns, pct / 100 as published, summing to 0.842:
    the rest were filtered conversations) and ``task_share_published`` (3,514
    O*NET task statements, summing to 1), with each task's ``soc_major`` and
    ``task_id``. The window comes from the report, not the files (attrs).

    Examples
    --------
    >>> ds = load_release_2025_02()
    >>> ds.sizes["task"], round(float(ds["pattern_share_published"].sum()), 3)
    (3514, 0.842)
    """
    return _read_release(list(RELEASE_2025_02_FILES))
