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


def _estimate_line(out: str, label: str) -> tuple[float, float, float, float, float]:
    """(estimate, se, ci_lower, ci_upper, p) of ``label est (SE se, 95% CI [lo, hi], p ...)``."""
    num = r"(-?\d+\.\d+)"
    pattern = rf" {num} \(SE {num}, 95% CI \[{num}, {num}\], p (?:= {num}|< 0\.001)"
    m = re.search(re.escape(label) + pattern, out)
    assert m, f"{label!r} not printed with SE, interval and p"
    est, se, lo, hi = (float(m.group(i)) for i in range(1, 5))
    p = float(m.group(5)) if m.group(5) else 0.0
    return est, se, lo, hi, p


@pytest.mark.slow
def test_automation_example():
    out = run_example("automation_task_mix.py")
    assert number_after(out, "partial slope:") == pytest.approx(-3.112, abs=5e-4)
    assert number_after(out, "partial R2:") == pytest.approx(0.394, abs=5e-4)
    assert "N: 111" in out
    # the states: printed with SE and p, and the words match the numbers
    st = ei.datasets.load_us_states_2025_08()
    for label, data in (("US states with Utah:", st), ("US states without Utah:", st.drop_sel(geo="UT"))):
        df = data[["automation_share", "expected_automation", "usage_index"]].to_dataframe().dropna()
        ref = sm.OLS(
            100 * df["automation_share"], sm.add_constant(df[["usage_index", "expected_automation"]])
        ).fit(cov_type="HC1", use_t=True)
        est, _, lo, hi, p = _estimate_line(out, label)
        assert est == pytest.approx(ref.params["usage_index"], abs=5e-5)
        line = next(ln for ln in out.splitlines() if ln.startswith(label))
        assert ("not distinguishable from zero" in line) == (p >= 0.05) == (lo <= 0 <= hi)
    assert _estimate_line(out, "US states with Utah:")[4] > 0.05  # p = 0.357: not "flips sign"
    assert _estimate_line(out, "US states without Utah:")[4] < 0.05
    # no usage effect in the simulated release: the controlled interval contains 0, the uncontrolled not
    truth = number_after(out, "simulated truth:")
    assert truth == 0.0
    _, _, lo, hi, _ = _estimate_line(out, "controlled:")
    assert lo <= truth <= hi
    _, _, ulo, uhi, up = _estimate_line(out, "uncontrolled:")
    assert not (ulo <= truth <= uhi) and up < 0.05
    assert "truth inside the controlled 95% interval: True" in out
    assert "truth inside the uncontrolled 95% interval: False" in out


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
    import json

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
    # recovered: Utah's clean conversations exactly (the simulator's truth)
    truth = json.loads(ei.simulate(seed=11).attrs["truth"])
    conv = re.search(
        r"simulated Utah conversations: all traffic (\d+), flagged removed (\d+), clean truth (\d+)", out
    )
    assert conv and int(conv.group(2)) == int(conv.group(3)) == int(truth["abuse"]["clean_usage"])
    assert int(conv.group(1)) == int(truth["abuse"]["clean_usage"] + truth["abuse"]["flagged"])
    # the elasticity: "recovered" only as "the truth inside the cleaned estimate's interval"
    num = r"(-?\d+\.\d+)"
    el = re.search(
        rf"simulated state elasticity: truth {num}, all traffic {num} \[{num}, {num}\], "
        rf"flagged removed {num} \[{num}, {num}\]",
        out,
    )
    assert el
    true_b, _, _, _, _, lo, hi = (float(v) for v in el.groups())
    assert true_b == truth["state_elasticity"] and lo <= true_b <= hi
    assert "truth inside the flagged-removed interval: True" in out
    # the automation slope moves toward its truth
    au = re.search(
        rf"automation slope: truth {num}, all traffic {num} \[{num}, {num}\], flagged removed {num}", out
    )
    assert au
    t, a_all, _, _, a_clean = (float(v) for v in au.groups())
    assert abs(a_clean - t) < abs(a_all - t)


@pytest.mark.slow
def test_specification_curve_example():
    out = run_example("specification_curve.py")
    assert number_after(out, "baseline (OLS, HC1, all 114 countries):") == pytest.approx(
        _country_ols().fit().params[1], abs=5e-5
    )
    lo = number_after(out, "elasticity from")
    hi = number_after(out, "to")
    assert lo <= 0.6895 <= hi
    # distinct specifications, counted independently from the estimates of every combination
    countries = ei.datasets.load_countries_2025_08()
    table = ei.robustness.specification_curve(countries, level="country").to_frame()
    pairs = {(round(e, 9), round(s, 9)) for e, s in zip(table["estimate"], table["std_error"], strict=True)}
    m = re.search(r"distinct specifications: (\d+); switches that change nothing: (.*)", out)
    assert m and int(m.group(1)) == len(pairs) == 126
    assert "flagged" in m.group(2)
    share = number_after(out, "baseline's sign and significance:")
    assert share == pytest.approx(1.0)  # every distinct estimate is positive and significant, as the baseline
    assert (table["estimate"] > 0).all() and (table["p_value"] < 0.05).all()


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
    # every estimate line carries its diagnostics beside it
    estimate_lines = [
        ln for ln in out.splitlines() if "Bayesian elasticity" in ln or "automation slope without" in ln
    ]
    assert len(estimate_lines) == 4
    assert all("MCMC diagnostics passed" in ln or "MCMC DIAGNOSTICS FAILED" in ln for ln in estimate_lines)
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
