"""Reference for TaskMixIncome's PPML path: pyfixest ``fepois`` with the place effect absorbed.

Builds the (place x SOC group) counts from a simulated release with pandas alone (not with
econindex.taskmix_income), fits

    count ~ g_<k> + ... + b_<k> + ... | place,   vcov={"CRV1": "place"}

where ``g_k`` is the indicator of group k and ``b_k = g_k * ln(gdp / working_age_pop)`` for every
group but the reference (15), and writes the coefficients and clustered standard errors of the
``b_k`` to ``taskmix_income_fixest.json`` at full precision, for the counts and for the shares
of the groups within each place (``weighting="places"``). Also writes statsmodels' GLM Poisson
with place dummies (the same point estimates, an independent check of the fixed-effect solver).

Run: ``python tests/reference/taskmix_income_fixest.py`` (pyfixest 0.60; not needed by the tests).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import econindex as ei

OUT = Path(__file__).with_name("taskmix_income_fixest.json")
CASE = {"seed": 7, "n_countries": 60, "n_tasks": 200, "abuse_state": None}
REFERENCE = "15"


def long_frame() -> pd.DataFrame:
    ds = ei.simulate(**CASE)
    countries = [
        str(g)
        for g, lv, loc in zip(ds.geo.values, ds.geo_level.values, ds.located.values, strict=True)
        if lv == "country" and loc
    ]
    tc = ds["task_count"].sel(geo=countries).to_pandas()  # geo x task
    soc = pd.Series(ds["soc_major"].values, index=ds["task"].values)
    keep = soc[~soc.isin(["none", "not_classified"])]
    by_group = tc[keep.index].T.groupby(keep.values).sum().T  # geo x group
    by_group = by_group.loc[:, by_group.sum() > 0]
    sub = ds.sel(geo=countries)
    lgdp = np.log(sub["gdp"].to_pandas() / sub["working_age_pop"].to_pandas())
    long = by_group.stack().rename("count").reset_index()
    long.columns = ["place", "group", "count"]
    long["x"] = lgdp.reindex(long["place"]).to_numpy()
    for k in sorted(by_group.columns):
        if k == REFERENCE:
            continue
        long[f"g_{k}"] = (long["group"] == k).astype(float)
        long[f"b_{k}"] = long[f"g_{k}"] * long["x"]
    return long


def main() -> None:
    import pyfixest as pf
    import statsmodels.api as sm

    long = long_frame()
    others = sorted(k for k in long["group"].unique() if k != REFERENCE)
    fml = "count ~ " + " + ".join([f"g_{k}" for k in others] + [f"b_{k}" for k in others]) + " | place"
    fit = pf.fepois(fml, long, vcov={"CRV1": "place"}, iwls_tol=1e-14, fixef_tol=1e-14, iwls_maxiter=200)
    coef = fit.coef()
    se = fit.se()
    # every place weighing the same: the same model on the shares of the groups within each place
    long["share"] = long["count"] / long.groupby("place")["count"].transform("sum")
    fit_s = pf.fepois(
        fml.replace("count ~", "share ~"), long, vcov={"CRV1": "place"}, iwls_tol=1e-14, fixef_tol=1e-14,
        iwls_maxiter=200,
    )  # fmt: skip
    X = pd.get_dummies(long["place"], dtype=float)
    X = pd.concat([X, long[[f"g_{k}" for k in others] + [f"b_{k}" for k in others]]], axis=1)
    glm = sm.GLM(long["count"], X, family=sm.families.Poisson()).fit(tol=1e-14)
    out = {
        "case": CASE,
        "reference": REFERENCE,
        "pyfixest_version": pf.__version__ if hasattr(pf, "__version__") else "",
        "nobs": int(fit._N),
        "coef": {k: float(coef[f"b_{k}"]) for k in others},
        "se_crv1": {k: float(se[f"b_{k}"]) for k in others},
        "glm_coef": {k: float(glm.params[f"b_{k}"]) for k in others},
        "shares_coef": {k: float(fit_s.coef()[f"b_{k}"]) for k in others},
        "shares_se_crv1": {k: float(fit_s.se()[f"b_{k}"]) for k in others},
    }
    OUT.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
