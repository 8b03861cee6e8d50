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
def test_report_on_the_real_state_slice(shared_aei, tmp_path):
    import pandas as pd

    proc = run_cli("report", "--data", str(shared_aei / "us_state_tasks_collaboration_2025-08.csv"),
                   "--no-bayes", "--out", str(tmp_path / "r"), "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = (tmp_path / "r" / "report.html").read_text()
    assert "no usage counts" in page  # says what it cannot compute
    table = pd.read_csv(tmp_path / "r" / "tables" / "automation_share_state_us.csv").set_index("geo")
    raw = pd.read_csv(shared_aei / "us_state_tasks_collaboration_2025-08.csv", keep_default_na=False)
    ut = raw[(raw.geo_id == "UT") & (raw.facet == "collaboration")].set_index("cluster_name")["value"]
    assert table.loc["UT", "automation_share"] == pytest.approx(
        (ut["directive"] + ut.get("feedback loop", 0.0)) / ut.sum(), rel=1e-12)


@pytest.mark.slow
def test_report_on_a_release_with_platforms_and_periods(tmp_path):
    sim = ei.simulate(seed=6, n_tasks=150, n_countries=40, n_periods=2, platforms=("claude_ai", "api"))
    release = ei.write_aei(sim, tmp_path / "release.csv")
    proc = run_cli("report", "--data", str(release), "--no-bayes", "--out", str(tmp_path / "r"),
                   "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = (tmp_path / "r" / "report.html").read_text()
    assert 'data-section="platforms"' in page
    assert "platform claude_ai and window starting" in page


@pytest.mark.slow
def test_exclude_flagged_on_the_embedded_data(tmp_path):
    proc = run_cli("report", "--no-bayes", "--exclude-flagged", "--quiet", "--out", str(tmp_path / "r"),
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    head = json.loads((tmp_path / "r" / "headline.json").read_text())
    states = ei.datasets.load_us_states_2025_08().drop_sel(geo="UT")  # Utah is the flagged state
    expected = ei.TaskMixAutomation(cov_type="HC1").fit(states, level="state_us")
    assert head["automation_slope_states"] == pytest.approx(expected.slope, rel=1e-12)
    assert head["elasticity_state_nobs"] == 50
