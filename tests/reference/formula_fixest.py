"""Reference values for the formula core from pyfixest (feols / fepois) and linearmodels (PanelOLS).

Run from the repository root::

    python tests/reference/formula_fixest.py

writes ``tests/reference/formula_fixest.json``, read by ``tests/test_formula.py``.
The simulated design is stored in the JSON itself (so the test does not depend
on the random generator); the real design is the vendored US-state panel
(``econindex.datasets.load_us_state_panel``: 51 states x 4 periods, log usage
index on log GDP per working-age capita with state and period effects).
No econindex estimation code is used here; pyfixest runs with tight
tolerances (``fixef_tol=1e-14``, ``iwls_tol=1e-14``) so that its own
convergence error is far below the tests' 1e-8.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import linearmodels
import numpy as np
import pandas as pd
import pyfixest as pf

OUT = Path(__file__).with_name("formula_fixest.json")
warnings.filterwarnings("ignore")


def simulated() -> pd.DataFrame:
    rng = np.random.default_rng(20261201)
    n = 300
    f1 = rng.integers(0, 25, n)
    f2 = rng.integers(0, 6, n)
    x1 = rng.normal(size=n) + 0.3 * np.cos(f1)
    x2 = rng.lognormal(size=n)
    w = rng.uniform(0.5, 2.0, n)
    g = np.array(list("abcd"))[rng.integers(0, 4, n)]
    y = 0.5 * x1 - 0.8 * np.log(x2) + np.sin(f1) + 0.2 * f2 + rng.normal(size=n) * (1 + np.abs(x1))
    count = rng.poisson(np.exp(0.4 * x1 + 0.3 * np.cos(f1) + 0.1 * f2))
    return pd.DataFrame(
        {
            "y": y,
            "x1": x1,
            "x2": x2,
            "g": g,
            "f1": f1,
            "f2": f2,
            "cl_nested": f1 // 5,  # f1 nested in these clusters
            "cl": rng.integers(0, 12, n),  # not nested
            "w": w,
            "count": count.astype(float),
            # zero throughout in two f1 groups: PPML drops them (separated), pyfixest too
            "count_sep": np.where(np.isin(f1, [3, 7]), 0.0, count.astype(float)),
        }
    )


def real() -> pd.DataFrame:
    from econindex.datasets import load_us_state_panel

    ds = load_us_state_panel()
    df = ds[["usage_index"]].to_dataframe().reset_index()
    gdp = ds["gdp"].to_series() / ds["working_age_pop"].to_series()
    df["log_gdp_pc"] = np.log(df["geo"].map(gdp))
    df["log_usage_index"] = np.log(df["usage_index"])
    df["census_division"] = df["geo"].map(ds["census_division"].to_series())
    return df.dropna(subset=["log_usage_index"])[
        ["geo", "period", "census_division", "log_gdp_pc", "log_usage_index"]
    ]


def rec(fit) -> dict:
    return {
        "names": list(map(str, fit.coef().index)),
        "params": list(map(float, fit.coef().values)),
        "bse": list(map(float, fit.se().values)),
        "nobs": int(fit._N),
        "df_t": float(fit._df_t),
    }


def main() -> None:
    sim = simulated()
    cases: dict[str, dict] = {}
    feols = {
        "sim/twoway/iid": ("y ~ x1 + log(x2) | f1 + f2", "iid", {}),
        "sim/twoway/hetero": ("y ~ x1 + log(x2) | f1 + f2", "hetero", {}),
        "sim/twoway/cluster": ("y ~ x1 + log(x2) | f1 + f2", {"CRV1": "cl"}, {}),
        "sim/twoway/cluster_nested": ("y ~ x1 + log(x2) | f1 + f2", {"CRV1": "cl_nested"}, {}),
        "sim/oneway/cluster_on_fe": ("y ~ x1 + log(x2) + C(g) | f1", {"CRV1": "f1"}, {}),
        "sim/twoway/wls_hetero": ("y ~ x1 + log(x2) | f1 + f2", "hetero", {"weights": "w"}),
        "sim/twoway/wls_cluster": ("y ~ x1 + log(x2) | f1 + f2", {"CRV1": "cl"}, {"weights": "w"}),
        "sim/nofe/hetero": ("y ~ x1 + log(x2) + C(g)", "hetero", {}),
    }
    for key, (fml, vcov, kw) in feols.items():
        fit = pf.feols(fml, sim, vcov=vcov, fixef_tol=1e-14, **kw)
        cases[key] = {"formula": fml, "vcov": vcov, **kw, **rec(fit)}
    fepois = {
        "sim/ppml/oneway/hetero": ("count ~ x1 + log(x2) | f1", "hetero"),
        "sim/ppml/twoway/cluster": ("count ~ x1 + log(x2) | f1 + f2", {"CRV1": "cl"}),
        "sim/ppml/interacted/cluster": ("count ~ x1:C(g) + C(g) | f1", {"CRV1": "f1"}),
        "sim/ppml/nofe/hetero": ("count ~ x1 + log(x2)", "hetero"),
        "sim/ppml/separated/hetero": ("count_sep ~ x1 + log(x2) | f1", "hetero"),
    }
    for key, (fml, vcov) in fepois.items():
        fit = pf.fepois(fml, sim, vcov=vcov, fixef_tol=1e-14, iwls_tol=1e-14, iwls_maxiter=200)
        cases[key] = {"formula": fml, "vcov": vcov, **rec(fit)}
    panel = real()
    for key, vcov in {"real/state_panel/iid": "iid", "real/state_panel/cluster_geo": {"CRV1": "geo"}}.items():
        fit = pf.feols("log_usage_index ~ log_gdp_pc | period", panel, vcov=vcov, fixef_tol=1e-14)
        cases[key] = {"formula": "log_usage_index ~ log_gdp_pc | period", "vcov": vcov, **rec(fit)}
    # log_gdp_pc does not vary within a state (state effects absorb it); division and period effects:
    fit = pf.feols(
        "log_usage_index ~ log_gdp_pc | census_division + period",
        panel,
        vcov={"CRV1": "census_division"},
        fixef_tol=1e-14,
    )
    cases["real/state_panel/division_period_cluster_division"] = {
        "formula": "log_usage_index ~ log_gdp_pc | census_division + period",
        "vcov": {"CRV1": "census_division"},
        **rec(fit),
    }
    # linearmodels PanelOLS with entity and time effects (the simulated panel: f1 entity, f2 time)
    from linearmodels.panel import PanelOLS

    sim_p = sim.copy()
    sim_p["lx2"] = np.log(sim_p["x2"])
    # one observation per (entity, time): keep the first of duplicates
    sim_p = sim_p.drop_duplicates(["f1", "f2"]).set_index(["f1", "f2"])
    lm = PanelOLS(sim_p["y"], sim_p[["x1", "lx2"]], entity_effects=True, time_effects=True).fit(
        cov_type="unadjusted"
    )
    lm_cl = PanelOLS(sim_p["y"], sim_p[["x1", "lx2"]], entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True
    )
    cases["linearmodels/panel/unadjusted"] = {
        "rows": sim_p.reset_index()[["f1", "f2"]].to_numpy().tolist(),
        "params": list(map(float, lm.params)),
        "bse": list(map(float, lm.std_errors)),
        "bse_clustered_entity": list(map(float, lm_cl.std_errors)),
        "nobs": int(lm.nobs),
        "df_resid": int(lm.df_resid),
    }
    out = {
        "pyfixest": pf.__version__,
        "linearmodels": linearmodels.__version__,
        "data": {c: sim[c].tolist() for c in sim.columns},
        "cases": cases,
    }
    OUT.write_text(json.dumps(out, indent=1))
    print(f"wrote {OUT} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
