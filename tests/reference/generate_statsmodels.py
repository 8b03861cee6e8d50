"""Generate the statsmodels reference values used by tests/test_regression.py and tests/test_elasticity.py.

Run from the repository root:

    .venv/bin/python tests/reference/generate_statsmodels.py

It writes ``tests/reference/statsmodels_reference.json`` with every number at
full precision (``repr`` of float64). The regressions are the income
elasticity on the real vendored data: ln(published usage index) on
ln(GDP per working-age capita), for the 114 countries and the 51 US states,
with every covariance type (OLS and WLS with working-age population weights),
plus the PPML (Poisson GLM with offset ln population) fits.
Inputs are read from the CSV files through ``econindex.datasets`` only (no
econindex estimation code is used here).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import statsmodels
import statsmodels.api as sm

from econindex.datasets import load_countries_2025_08, load_us_states_2025_08

OUT = Path(__file__).with_name("statsmodels_reference.json")

COV_TYPES = ["nonrobust", "HC0", "HC1", "HC2", "HC3"]


def _ols_record(res) -> dict:
    ci = np.asarray(res.conf_int())
    return {
        "params": list(map(float, res.params)),
        "bse": list(map(float, res.bse)),
        "tvalues": list(map(float, res.tvalues)),
        "pvalues": list(map(float, res.pvalues)),
        "ci_lower": list(map(float, ci[:, 0])),
        "ci_upper": list(map(float, ci[:, 1])),
        "rsquared": float(res.rsquared),
        "rsquared_adj": float(res.rsquared_adj),
        "fvalue": float(np.squeeze(res.fvalue)),
        "f_pvalue": float(np.squeeze(res.f_pvalue)),
        "nobs": int(res.nobs),
    }


def _data(name: str):
    if name == "countries":
        ds = load_countries_2025_08()
        clusters = None
    else:
        ds = load_us_states_2025_08()
        clusters = np.asarray(ds["census_division"].values).astype(str)
    x = np.log(ds["gdp"].values / ds["working_age_pop"].values)
    y = np.log(ds["usage_index"].values)
    return ds, x, y, clusters


def main() -> None:
    out: dict = {"statsmodels_version": statsmodels.__version__, "use_t": True, "cases": {}}
    for name in ("countries", "states"):
        ds, x, y, clusters = _data(name)
        X = sm.add_constant(x)
        pop = ds["working_age_pop"].values
        for weighted in (False, True):
            model = sm.WLS(y, X, weights=pop) if weighted else sm.OLS(y, X)
            tag = f"{name}/{'wls_pop' if weighted else 'ols'}"
            for ct in COV_TYPES:
                out["cases"][f"{tag}/{ct}"] = _ols_record(model.fit(cov_type=ct, use_t=True))
            if clusters is not None:
                groups = np.unique(clusters, return_inverse=True)[1]
                for ct, key in (("cluster", "cluster_CR1"), ("cluster-crv3", "cluster_CR3")):
                    res = model.fit(cov_type=ct, cov_kwds={"groups": groups}, use_t=True)
                    out["cases"][f"{tag}/{key}"] = _ols_record(res)
        # PPML: Poisson GLM of counts with offset ln(working-age population)
        u = ds["usage_count"].values
        for ct in ("nonrobust", "HC0", "HC1"):
            glm = sm.GLM(u, X, family=sm.families.Poisson(), offset=np.log(pop))
            res = glm.fit(cov_type=ct, tol=1e-10, maxiter=500)
            out["cases"][f"{name}/ppml/{ct}"] = {
                "params": list(map(float, res.params)),
                "bse": list(map(float, res.bse)),
                "pvalues": list(map(float, res.pvalues)),
            }
    OUT.write_text(json.dumps(out, indent=1, sort_keys=True))
    print(f"wrote {len(out['cases'])} cases to {OUT}")


if __name__ == "__main__":
    main()
