"""`econindex report` end to end: run the CLI in a subprocess, parse the page, check its numbers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm

import econindex as ei


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.figures: list[str] = []
        self.tables: list[str] = []
        self.images = 0
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-section" in a:
            self.sections.append(a["data-section"])
        if "data-figure" in a:
            self.figures.append(a["data-figure"])
        if "data-table" in a:
            self.tables.append(a["data-table"])
        if tag == "img":
            self.images += 1
            if not (a.get("src") or "").startswith("data:image/png;base64,"):
                self.external.append(a.get("src"))
        if tag in ("script", "link") and (a.get("src") or a.get("href")):
            self.external.append(a.get("src") or a.get("href"))


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "econindex.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def embedded_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    proc = run_cli("report", "--no-bayes", "--out", str(out / "r"), cwd=out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out / "r"


@pytest.mark.slow
def test_embedded_report_sections_figures_and_numbers(embedded_report):
    page = (embedded_report / "report.html").read_text()
    parsed = _Collector()
    parsed.feed(page)
    for key in (
        "headline",
        "usage_index",
        "elasticity",
        "automation",
        "convergence",
        "trends",
        "robustness",
        "simulated",
        "ingest",
        "reproduce",
    ):
        assert key in parsed.sections, key
    for fig in (
        "aui_countries",
        "aui_states_map",
        "elasticity_countries",
        "automation_partial",
        "specification_curve",
        "convergence",
    ):
        assert fig in parsed.figures, fig
    assert parsed.images == len(parsed.figures) and not parsed.external  # self-contained
    for table in ("headline", "flag_sensitivity_automation_states", "ingest_report", "versions"):
        assert table in parsed.tables
        assert (embedded_report / "tables" / f"{table}.csv").exists()

    head = json.loads((embedded_report / "headline.json").read_text())
    ds = ei.datasets.load_countries_2025_08()
    x = np.log(ds["gdp"] / ds["working_age_pop"]).values
    y = np.log(ds["usage_count"] / ds["working_age_pop"]).values
    ref = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC1", use_t=True)
    assert head["elasticity_country"] == pytest.approx(ref.params[1], rel=1e-10)
    assert head["elasticity_country_ci"] == pytest.approx(list(ref.conf_int()[1]), rel=1e-10)
    assert f"{ref.params[1]:.4f}" in page  # the page shows the number the library computes
    assert head["automation_slope"] == pytest.approx(-3.112, abs=5e-4)
    assert head["automation_nobs"] == 111
    assert head["automation_slope_states"] > 0 > head["automation_slope_states_no_utah"]
    assert 'href="explore.html"' in page and (embedded_report / "explore.html").exists()
    assert head["aui_top_state"] == "DC" and head["aui_top_state_value"] == pytest.approx(3.82, abs=0.005)
    assert "Simulated data" in page  # the simulated section is labelled


@pytest.mark.slow
def test_report_on_a_written_release(tmp_path):
    sim = ei.simulate(seed=2, n_tasks=200)
    release = ei.write_aei(sim, tmp_path / "release.csv")
    proc = run_cli(
        "report",
        "--data",
        str(release),
        "--no-bayes",
        "--out",
        str(tmp_path / "r"),
        "--format",
        "markdown",
        "--quiet",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr == ""  # --quiet
    md = (tmp_path / "r" / "report.md").read_text()
    assert "## Your release: countries" in md and "## Your release: US states" in md
    head = json.loads((tmp_path / "r" / "headline.json").read_text())
    read_back = ei.read_aei(release)
    expected = ei.IncomeElasticity(cov_type="HC1", zeros="drop").fit(read_back, level="country")
    assert head["elasticity_country"] == pytest.approx(expected.slope, rel=1e-12)


def test_bad_input_is_one_clear_message(tmp_path):
    bad = tmp_path / "empty.csv"
    bad.write_text("")
    proc = run_cli("report", "--data", str(bad), "--no-bayes", "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("econindex: error:")]
    assert len(errors) == 1 and "empty.csv" in errors[0]
    missing = run_cli("report", "--data", str(tmp_path / "nope"), cwd=tmp_path)
    assert missing.returncode == 2 and "nope" in missing.stderr


@pytest.mark.slow
def test_page_renders_in_headless_chromium(embedded_report, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium package is not installed")
    proc = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            (embedded_report / "report.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0
    assert 'data-section="headline"' in proc.stdout
    console_errors = [ln for ln in proc.stderr.splitlines() if "CONSOLE" in ln and "ERROR" in ln.upper()]
    assert not console_errors, console_errors


@pytest.mark.slow
def test_report_on_a_release_with_platforms_and_periods(tmp_path):
    sim = ei.simulate(seed=6, n_tasks=150, n_countries=40, n_periods=2, platforms=("claude_ai", "api"))
    release = ei.write_aei(sim, tmp_path / "release.csv")
    proc = run_cli(
        "report", "--data", str(release), "--no-bayes", "--out", str(tmp_path / "r"), "--quiet", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = (tmp_path / "r" / "report.html").read_text()
    assert 'data-section="platforms"' in page
    assert "platform claude_ai and window starting" in page


@pytest.mark.slow
def test_exclude_flagged_on_the_embedded_data(tmp_path):
    proc = run_cli(
        "report", "--no-bayes", "--exclude-flagged", "--quiet", "--out", str(tmp_path / "r"), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    head = json.loads((tmp_path / "r" / "headline.json").read_text())
    states = ei.datasets.load_us_states_2025_08().drop_sel(geo="UT")  # Utah is the flagged state
    expected = ei.TaskMixAutomation(cov_type="HC1").fit(states, level="state_us")
    assert head["automation_slope_states"] == pytest.approx(expected.slope, rel=1e-12)
    assert head["elasticity_state_nobs"] == 50


# --- the redesigned report: honest headline, readable tables, distinct specifications ------------------


def _page_text(page: str) -> str:
    import html as _html
    import re

    text = re.sub(r"<img[^>]*>|<style>.*?</style>|<pre>.*?</pre>", " ", page, flags=re.S)
    return _html.unescape(re.sub(r"<[^>]+>", " ", text))


@pytest.mark.slow
def test_headline_has_n_interval_se_type_and_published_figure_on_every_row(embedded_report):
    import pandas as pd

    table = pd.read_csv(embedded_report / "tables" / "headline.csv", keep_default_na=False)
    assert len(table) >= 9
    for col in ("estimate", "se_type", "ci_lower", "ci_upper", "N", "published"):
        assert (table[col].astype(str) != "").all(), col
    assert (table["ci_lower"].astype(float) <= table["estimate"].astype(float)).all()
    assert (table["estimate"].astype(float) <= table["ci_upper"].astype(float)).all()
    # the state automation slope against statsmodels (the partial slope is the full regression's coefficient)
    st = ei.datasets.load_us_states_2025_08()
    df = st[["automation_share", "expected_automation", "usage_index"]].to_dataframe().dropna()
    ref = sm.OLS(
        100 * df["automation_share"], sm.add_constant(df[["usage_index", "expected_automation"]])
    ).fit(cov_type="HC1", use_t=True)
    row = table[table["figure"] == "Automation slope, US states (points per unit AUI)"].iloc[0]
    assert float(row["estimate"]) == pytest.approx(ref.params["usage_index"], rel=1e-8)
    assert float(row["p_value"]) == pytest.approx(ref.pvalues["usage_index"], abs=0.01)  # 0.357
    assert int(row["N"]) == len(df) == 43
    assert "not distinguishable from zero" in row["note"]
    page = (embedded_report / "report.html").read_text()
    text = _page_text(page)
    assert "flips sign" not in text
    assert "p = 0.357" in text
    # convergence: the published 0.77 next to the reason it is not reproduced
    conv = table[table["figure"].str.startswith("Convergence beta")].iloc[0]
    assert float(conv["estimate"]) == pytest.approx(0.8151, abs=5e-5)
    assert "about 0.77" in conv["published"] and "which windows" in conv["note"]
    head = json.loads((embedded_report / "headline.json").read_text())
    est = head["estimates"]["automation_slope_states"]
    assert est["nobs"] == 43 and est["ci"][0] < 0 < est["ci"][1] and est["se_type"] == "HC1"
    # the embedded data compute every headline row; only the skipped Bayesian model is "not computed"
    assert head.get("not_computed", []) == ["Bayesian state elasticity: skipped (--no-bayes)."]


@pytest.mark.slow
def test_tables_capped_captioned_and_numbers_for_people(embedded_report):
    import re

    page = (embedded_report / "report.html").read_text()
    tables = re.findall(r'<div class="table" data-table="([^"]+)"><table>(.*?)</table>', page, flags=re.S)
    assert tables
    for name, body in tables:
        assert body.count("<tr>") <= 201, name  # header + at most 200 rows
        caption = re.search(r"<caption>(.*?)</caption>", body, flags=re.S)
        assert caption and len(caption.group(1)) > 20, name
    text = _page_text(page)
    assert not re.search(r"\d\.?\d*e[+-]\d\d", text), re.search(r".{40}\d\.?\d*e[+-]\d\d.{10}", text)
    assert "{}" not in text  # the ingest table says "none"
    assert "Computer and Mathematical" in text  # SOC groups by name
    # every section opens with one sentence of what it shows
    sections = re.findall(r'<section id="([^"]+)"[^>]*><h2>[^<]*</h2>\s*(<p class="lead">)?', page)
    assert sections and all(lead for _, lead in sections), [k for k, lead in sections if not lead]
    # the full specification table is linked as CSV, not inlined
    assert 'data-table="specification_curve"' not in page
    assert 'href="tables/specification_curve.csv"' in page


@pytest.mark.slow
def test_specification_curve_counts_distinct_specifications(embedded_report):
    import pandas as pd

    head = json.loads((embedded_report / "headline.json").read_text())
    full = pd.read_csv(embedded_report / "tables" / "specification_curve.csv")
    pairs = {(round(e, 9), round(s, 9)) for e, s in zip(full["estimate"], full["std_error"], strict=True)}
    assert head["spec_curve_n"] == len(full) == 960
    assert head["spec_curve_n_distinct"] == len(pairs) == 126  # the count
    assert "flagged" in head["spec_curve_inert_choices"]  # changes nothing on the embedded countries
    assert (
        full.groupby([c for c in ("min_count", "reference", "weights", "cov_type", "outcome", "exclusion")])[
            "estimate"
        ]
        .nunique()
        .max()
        == 1
    )  # the flagged switch really changes nothing
    distinct = pd.read_csv(embedded_report / "tables" / "specification_curve_distinct.csv")
    assert len(distinct) == 126 and distinct["n_specs"].sum() == 960
    base = full.query(
        "min_count == 200 and reference == 'published' and weights == 'none' and cov_type == 'HC1' "
        "and outcome == 'log_index' and exclusion == 'none' and not flagged"
    ).iloc[0]
    assert base["estimate"] == pytest.approx(0.6895, abs=5e-5)
    same = ((distinct["estimate"] > 0) == (base["estimate"] > 0)) & (
        (distinct["p_value"] < 0.05) == (base["p_value"] < 0.05)
    )
    assert head["spec_curve_share_as_baseline"] == pytest.approx(same.mean())
    text = _page_text((embedded_report / "report.html").read_text())
    assert "126 distinct" in text and "960 combinations" in text


@pytest.mark.slow
@pytest.mark.bayes
def test_bayes_estimate_carries_its_diagnostics(tmp_path):
    pytest.importorskip("pymc")
    proc = run_cli("report", "--quiet", "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    head = json.loads((tmp_path / "r" / "headline.json").read_text())
    est = head["estimates"]["bayes_state_elasticity"]
    assert est["ci"][0] < est["estimate"] < est["ci"][1] and est["nobs"] == 51
    for key in (
        "bayes_state_elasticity_rhat",
        "bayes_state_elasticity_ess_bulk",
        "bayes_state_elasticity_converged",
    ):
        assert key in head
    page = (tmp_path / "r" / "report.html").read_text()
    headline = page[page.index('data-section="headline"') : page.index('data-section="usage_index"')]
    bayes_sec = page[page.index('data-section="bayes"') :]
    rhat_text = f"R-hat {head['bayes_state_elasticity_rhat']:.3f}"
    assert rhat_text in headline and rhat_text in bayes_sec
    if not head[
        "bayes_state_elasticity_converged"
    ]:  # a failed diagnostic shows beside the estimate everywhere
        assert "FAILED" in headline and "FAILED" in bayes_sec and est["diagnostics"]
    # the figure caption says what the figure shows (global parameters, not state effects)
    assert "State effects" not in page


def _real_slice(shared_aei: Path) -> Path:
    return (
        shared_aei
        / "releases"
        / "release_2025_09_15"
        / "aei_raw_claude_ai_2025-08-04_to_2025-08-11_state_us.csv"
    )


@pytest.mark.slow
def test_report_on_the_real_state_slice(shared_aei, tmp_path):
    import pandas as pd

    proc = run_cli(
        "report",
        "--data",
        str(_real_slice(shared_aei)),
        "--no-bayes",
        "--out",
        str(tmp_path / "r"),
        "--quiet",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = (tmp_path / "r" / "report.html").read_text()
    head = json.loads((tmp_path / "r" / "headline.json").read_text())
    # the headline holds what the release supports: the state elasticity, against statsmodels
    raw = pd.read_csv(_real_slice(shared_aei), keep_default_na=False)
    usage = raw[(raw.facet == "state_us") & (raw.variable == "usage_count")].set_index("geo_id")["value"]
    cov = ei.datasets.load_us_state_covariates()
    geos = [g for g in usage.index if g in cov.index]
    share_u = usage[geos] / usage[geos].sum()
    share_p = cov.loc[geos, "working_age_pop"] / cov.loc[geos, "working_age_pop"].sum()
    x = np.log(cov.loc[geos, "gdp"] / cov.loc[geos, "working_age_pop"])
    ref = sm.OLS(np.log(share_u / share_p).to_numpy(), sm.add_constant(x.to_numpy())).fit(
        cov_type="HC1", use_t=True
    )
    est = head["estimates"]["elasticity_state_us"]
    assert est["estimate"] == pytest.approx(ref.params[1], rel=1e-8)
    assert est["ci"] == pytest.approx(list(ref.conf_int()[1]), rel=1e-8)
    assert est["nobs"] == len(geos) == 51
    # ... and says what it cannot compute, and why
    assert any("Task-mix automation slope" in m and "task_pattern_share" in m for m in head["not_computed"])
    assert "Not computed: Task-mix automation slope" in _page_text(page)
    parsed = _Collector()
    parsed.feed(page)
    assert {"aui_state_us", "elasticity_state_us"} <= set(parsed.figures)
    table = pd.read_csv(tmp_path / "r" / "tables" / "automation_share_state_us.csv").set_index("geo")
    ut = raw[(raw.geo_id == "UT") & (raw.facet == "collaboration") & (raw.variable == "collaboration_count")]
    ut = ut.set_index("cluster_name")["value"]
    classified = ut[["directive", "feedback loop", "learning", "task iteration", "validation"]].sum()
    assert table.loc["UT", "automation_share"] == pytest.approx(
        (ut["directive"] + ut["feedback loop"]) / classified, rel=1e-12
    )
    # Hawaii asks for travel help about twice as often as the rest of the US (request level 2)
    top = pd.read_csv(tmp_path / "r" / "tables" / "top_requests_state_us.csv")
    hi = top[(top.geo == "HI") & (top["rank"] == 1)].iloc[0]
    assert "travel" in hi["request"] and hi["specialization"] == pytest.approx(1.9, abs=0.05)


PAYLOAD = "<script>alert(1)</script>"


@pytest.mark.slow
def test_report_escapes_labels_read_from_a_release(shared_aei, tmp_path):
    import pandas as pd

    raw = pd.read_csv(_real_slice(shared_aei), keep_default_na=False, dtype=str)
    level2 = raw[(raw.facet == "request") & (raw.level == "2")]["cluster_name"]
    travel = next(c for c in level2.unique() if "travel" in c)
    formula = '=HYPERLINK("http://evil.example","x")'
    hostile = raw.copy()
    hostile.loc[hostile.cluster_name == travel, "cluster_name"] = PAYLOAD + " " + formula
    path = tmp_path / "aei_raw_hostile.csv"
    hostile.to_csv(path, index=False)
    proc = run_cli(
        "report", "--data", str(path), "--no-bayes", "--out", str(tmp_path / "r"), "--quiet", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("report.html",):
        page = (tmp_path / "r" / name).read_text()
        assert "<script" not in page.lower()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text
    top = pd.read_csv(tmp_path / "r" / "tables" / "top_requests_state_us.csv", keep_default_na=False)
    cells = top["request"][top["request"].str.contains("HYPERLINK")]
    assert len(cells) and not cells.str.startswith(("=", "+", "-", "@")).any()
    # the same in Markdown
    proc = run_cli(
        "report",
        "--data",
        str(path),
        "--no-bayes",
        "--out",
        str(tmp_path / "m"),
        "--quiet",
        "--format",
        "markdown",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    md = (tmp_path / "m" / "report.md").read_text()
    outside_code = md.split("```")[::2]
    assert all("<script" not in part.lower() for part in outside_code)

    # a date_start label that is markup: refused with one line (hardening) or shown escaped
    dated = raw.copy()
    dated["date_start"] = PAYLOAD
    path2 = tmp_path / "aei_raw_dated.csv"
    dated.to_csv(path2, index=False)
    proc = run_cli(
        "report", "--data", str(path2), "--no-bayes", "--out", str(tmp_path / "d"), "--quiet", cwd=tmp_path
    )
    if proc.returncode == 0:
        page = (tmp_path / "d" / "report.html").read_text()
        assert "<script" not in page.lower() and "&lt;script&gt;" in page
    else:
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert len([ln for ln in proc.stderr.splitlines() if ln.startswith("econindex: error:")]) == 1
        assert not (tmp_path / "d" / "report.html").exists()


@pytest.mark.slow
def test_report_on_several_releases_has_trends(shared_aei, tmp_path):
    import pandas as pd

    release1 = shared_aei / "releases" / "release_2025_02_10"
    later = ei.write_aei(ei.simulate(seed=3, n_tasks=60, n_countries=20), tmp_path / "aei_later.csv")
    proc = run_cli(
        "report",
        "--data",
        str(release1),
        str(later),
        "--no-bayes",
        "--quiet",
        "--out",
        str(tmp_path / "r"),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = (tmp_path / "r" / "report.html").read_text()
    assert 'data-section="trends"' in page
    trend = pd.read_csv(tmp_path / "r" / "tables" / "trend_pattern_long.csv", keep_default_na=False)
    assert sorted(trend["period"].unique()) == ["2024-12-01", "2025-08-04"]
    share = trend.set_index(["period", "category"])["share"]
    # release 1: the published report's baseline (directive 0.268 with none in the base)
    assert share["2024-12-01", "directive"] == pytest.approx(0.268, abs=0.003)
    # the later release: its GLOBAL pattern counts as written, over all conversations
    raw = pd.read_csv(later, keep_default_na=False)
    glob = raw[
        (raw.geo_id == "GLOBAL") & (raw.facet == "collaboration") & raw.variable.str.endswith("_count")
    ]
    counts = glob.set_index("cluster_name")["value"].astype(float)
    assert share["2025-08-04", "directive"] == pytest.approx(counts["directive"] / counts.sum(), rel=1e-12)
    head = json.loads((tmp_path / "r" / "headline.json").read_text())
    assert not any("one period" in m for m in head.get("not_computed", []))
