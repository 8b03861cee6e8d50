"""Every example script runs, and the numbers it prints equal independent computations."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm

import econindex as ei

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str) -> str:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def number_after(text: str, label: str) -> float:
    m = re.search(re.escape(label) + r"\s*(-?\d+\.\d+)", text)
    assert m, f"{label!r} not printed"
    return float(m.group(1))


def _country_ols():
    ds = ei.datasets.load_countries_2025_08()
    y = np.log(ds["usage_count"] / ds["working_age_pop"]).values
    x = np.log(ds["gdp"] / ds["working_age_pop"]).values
    return sm.OLS(y, sm.add_constant(x))


@pytest.mark.slow
def test_country_elasticity_example():
    out = run_example("country_elasticity.py")
    model = _country_ols()
    assert number_after(out, "country elasticity (OLS):") == pytest.approx(model.fit().params[1], abs=5e-5)
    assert number_after(out, "country elasticity (OLS):") == pytest.approx(0.6895, abs=5e-5)
    for cov in ("HC0", "HC1", "HC2", "HC3"):
        assert number_after(out, f"se[{cov}]:") == pytest.approx(model.fit(cov_type=cov).bse[1], abs=5e-7)
    assert number_after(out, "se[nonrobust]:") == pytest.approx(model.fit().bse[1], abs=5e-7)
    ds = ei.datasets.load_countries_2025_08()
    glm = sm.GLM(
        ds["usage_count"].values,
        sm.add_constant(np.log(ds["gdp"] / ds["working_age_pop"]).values),
        family=sm.families.Poisson(),
        offset=np.log(ds["working_age_pop"].values),
    ).fit()
    assert number_after(out, "country elasticity (PPML):") == pytest.approx(glm.params[1], abs=5e-5)
    state = number_after(out, "state elasticity (OLS):")
    assert 1.5 < state < 2.1  # the report: about 1.8


@pytest.mark.slow
def test_automation_example():
    out = run_example("automation_task_mix.py")
    assert number_after(out, "partial slope:") == pytest.approx(-3.112, abs=5e-4)
    assert number_after(out, "partial R2:") == pytest.approx(0.394, abs=5e-4)
    assert "N: 111" in out
    with_utah = number_after(out, "US states with Utah:")
    without = number_after(out, "without Utah:")
    assert with_utah > 0 > without
    # no true effect: the controlled estimate is closer to zero than the uncontrolled one
    controlled = number_after(out, "controlled:")
    uncontrolled = number_after(out, "uncontrolled:")
    assert abs(controlled) < abs(uncontrolled)


@pytest.mark.slow
def test_usage_indices_example():
    out = run_example("usage_indices.py")
    assert number_after(out, "located countries as reference:") == pytest.approx(1.0, abs=1e-6)
    read = number_after(out + " ", "rows read:") if "." in out.split("rows read:")[1][:12] else None
    m = re.search(r"rows read: (\d+)\s+kept: (\d+)", out)
    assert m and int(m.group(1)) >= int(m.group(2)) > 0
    assert read is None


@pytest.mark.slow
def test_abuse_example():
    out = run_example("abuse_robustness.py")
    utah_all = number_after(out, "simulated Utah AUI, all traffic:")
    utah_clean = number_after(out, "flagged removed:")
    assert utah_all > utah_clean
    m = re.findall(r"convergence beta Aug->Nov 2025, (all states|without Wyoming): (\d\.\d+)", out)
    assert len(m) == 2
    panel = ei.datasets.load_us_state_panel()
    a = panel["usage_index"].sel(period="2025-08-04")
    b = panel["usage_index"].sel(period="2025-11-13")
    keep = (a.notnull() & b.notnull()).values
    fit = sm.OLS(np.log(b.values[keep]), sm.add_constant(np.log(a.values[keep]))).fit()
    assert float(m[0][1]) == pytest.approx(fit.params[1], abs=5e-5)


@pytest.mark.slow
def test_specification_curve_example():
    out = run_example("specification_curve.py")
    assert number_after(out, "baseline (OLS, HC1, all 114 countries):") == pytest.approx(
        _country_ols().fit().params[1], abs=5e-5
    )
    lo = number_after(out, "elasticity from")
    hi = number_after(out, "to")
    assert lo <= 0.6895 <= hi


@pytest.mark.slow
@pytest.mark.bayes
def test_bayes_example():
    pytest.importorskip("pymc")
    out = run_example("bayes_state_model.py")
    rows = re.findall(
        r"(all states|without Utah): Bayesian elasticity (-?\d+\.\d+) .*?; OLS (-?\d+\.\d+)", out
    )
    assert [r[0] for r in rows] == ["all states", "without Utah"]
    states = ei.datasets.load_us_states_2025_08()
    for label, bayes_b, ols_b in rows:
        data = states if label == "all states" else states.drop_sel(geo="UT")
        x = np.log(data["gdp"] / data["working_age_pop"]).values
        y = np.log(data["usage_index"]).values
        assert float(ols_b) == pytest.approx(sm.OLS(y, sm.add_constant(x)).fit().params[1], abs=5e-5)
        assert abs(float(bayes_b) - float(ols_b)) < 0.3  # partial pooling moves it, not far
    assert out.count("diagnostics passed: True") == 2
    offset = number_after(out, "expected automation as offset (logit scale, per SD of the index):")
    covariate = number_after(out, "expected automation as covariate (logit scale, per SD of the index):")
    # the frequentist regression without Utah is negative; only the free-coefficient model agrees
    assert covariate < 0 < offset



@pytest.mark.slow
def test_platforms_and_periods_example():
    out = run_example("platforms_and_periods.py")
    pct = r"([+-]?\d+\.\d+)%"
    rows = re.findall(
        rf"claude_ai\s+{pct}\s+api\s+{pct}\s+diff {pct} \[{pct}, {pct}\] \(true {pct}\)", out
    )
    assert len(rows) >= 3
    for a, b, diff, lo, hi, true in (tuple(map(float, r)) for r in rows):
        assert diff == pytest.approx(b - a, abs=0.11)  # printed shares are rounded to 0.1 points
        assert lo <= true <= hi  # simulated truth inside the interval
    api = re.search(rf"automation\s+claude_ai\s+{pct}\s+api\s+{pct} \[{pct}, {pct}\]", out)
    true_api = number_after(out, "true API automation share:")
    assert api and float(api.group(3)) <= true_api <= float(api.group(4))
