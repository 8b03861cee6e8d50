"""Reference values of the wild (cluster) bootstrap from the `wildboottest` package (py-econometrics).

Run from the repository root (needs the test extra, which includes wildboottest)::

    python tests/reference/wild_wildboottest.py

writes ``tests/reference/wild_wildboottest.json``, which ``tests/test_wild_bootstrap.py`` reads,
so the tests need neither wildboottest nor numba. Each case stores its data (design, response,
clusters) so that the tests bootstrap exactly what wildboottest bootstrapped.

wildboottest conventions (read from its source, version 0.3.2): CR1 factor
``(N-1)/(N-k) * G/(G-1)``; heteroskedastic factor ``(N-1)/(N-k)``; Rademacher weights are
fully enumerated when ``2^G < B``; the p-value counts ``|t*| > |t|`` strictly; only H0 ``beta_j = 0``
is supported, so ``beta_j = r`` is tested as ``beta_j = 0`` in the regression of ``y - r x_j``.
Fixed effects enter as one-hot columns (as pyfixest's ``Feols.wildboottest`` passes them).
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
from wildboottest.wildboottest import WildboottestCL, WildboottestHC

import econindex as ei

OUT = Path(__file__).with_suffix(".json")


def cluster_test(X, y, cluster, col, *, B, weights="rademacher", impose_null=True, seed=1):
    R = np.zeros(X.shape[1])
    R[col] = 1.0
    wb = WildboottestCL(X=X, Y=y, cluster=cluster, R=R, B=B, seed=seed, parallel=False)
    wb.get_scores(bootstrap_type="11", impose_null=impose_null)
    _, _, enumerated = wb.get_weights(weights_type=weights)
    wb.get_numer()
    wb.get_denom()
    wb.get_tboot()
    wb.get_vcov()
    wb.get_tstat()
    wb.get_pvalue(pval_type="two-tailed")
    return {
        "t_stat": float(np.ravel(wb.t_stat)[0]),
        "pvalue_strict": float(wb.pvalue),
        "B": int(wb.B),
        "enumerated": bool(enumerated),
        "t_boot_sorted": np.sort(np.ravel(wb.t_boot)).tolist() if enumerated else None,
    }


def hc_test(X, y, col, *, B, seed=1):
    R = np.zeros(X.shape[1])
    R[col] = 1.0
    wb = WildboottestHC(X=X, Y=y, R=R, r=0.0, B=B, seed=seed)
    wb.get_adjustments(bootstrap_type="11")
    wb.get_uhat(impose_null=True)
    wb.get_tboot(weights_type="rademacher")
    wb.get_tstat()
    wb.get_pvalue(pval_type="two-tailed")
    return {"t_stat": float(np.ravel(wb.t_stat)[0]), "pvalue_strict": float(wb.pvalue), "B": B}


def data(X, y, cluster=None):
    out = {"X": np.asarray(X).tolist(), "y": np.asarray(y).tolist()}
    if cluster is not None:
        out["cluster"] = [str(c) for c in cluster]
    return out


def main() -> None:
    cases: dict[str, dict] = {}

    # 51 US states, ln usage index on ln GDP per working-age capita (IncomeElasticity's design),
    # clusters: the 9 Census divisions.
    st = ei.datasets.load_us_states_2025_08()
    res = ei.IncomeElasticity().fit(st, level="state_us")
    X, y = np.asarray(res.design), np.asarray(res.y)
    division = np.asarray(st["census_division"].sel(geo=list(res.geos)).values).astype(str)
    codes = np.unique(division, return_inverse=True)[1]
    states = {"names": list(res.names), **data(X, y, division), "geos": list(res.geos)}
    for r in (0.0, 1.0, 1.5, 2.0):
        states[f"wcr_rademacher_r{r:g}"] = cluster_test(X, y - r * X[:, 1], codes, 1, B=9999)
    states["wcu_rademacher_r0"] = cluster_test(X, y, codes, 1, B=9999, impose_null=False)
    states["wcr_webb_r1.5"] = cluster_test(X, y - 1.5 * X[:, 1], codes, 1, B=199_999, weights="webb")
    states["hc_rademacher_r1.5"] = hc_test(X, y - 1.5 * X[:, 1], 1, B=99_999)
    cases["states"] = states

    # Heteroskedastic simulated design, no clusters, H0 true: sd rises with |x|.
    rng = np.random.default_rng(20261201)
    n = 200
    x = rng.normal(size=n)
    Xh = np.column_stack([np.ones(n), x, rng.normal(size=n)])
    yh = Xh @ [1.0, 0.15, 0.5] + (0.3 + np.abs(x)) * rng.normal(size=n)
    cases["hetero"] = {
        "names": ["const", "x", "z"],
        **data(Xh, yh),
        "hc_rademacher_r0": hc_test(Xh, yh, 1, B=99_999),
    }

    # Few heterogeneous clusters, sampled (G = 20 > 12), WCR and WCU.
    g = rng.choice(20, size=400, p=np.arange(1, 21) / 210.0)
    xc = rng.normal(size=20)[g] + rng.normal(size=400)
    Xc = np.column_stack([np.ones(400), xc])
    yc = Xc @ [0.0, 0.3] + rng.normal(size=20)[g] + rng.normal(size=400) * (1 + 0.5 * np.abs(xc))
    cases["clusters20"] = {
        "names": ["const", "x"],
        **data(Xc, yc, g),
        "wcr_rademacher_r0": cluster_test(Xc, yc, g, 1, B=199_999),
        "wcu_rademacher_r0": cluster_test(Xc, yc, g, 1, B=199_999, impose_null=False),
    }

    # Fixed effects nested in 9 clusters: one-hot columns for wildboottest; the test demeans.
    gf = np.repeat(np.arange(9), [4, 6, 8, 10, 12, 5, 7, 9, 11])
    nf = len(gf)
    xf = rng.normal(size=nf) + rng.normal(size=9)[gf]
    zf = rng.normal(size=nf)
    yf = 0.2 * xf - 0.4 * zf + rng.normal(size=9)[gf] * 2 + rng.normal(size=nf)
    Xf = np.column_stack([xf, zf, np.eye(9)[gf]])
    cases["fe_nested"] = {
        "names": ["x", "z"],
        "x": xf.tolist(),
        "z": zf.tolist(),
        "y": yf.tolist(),
        "cluster": gf.tolist(),
        "wcr_rademacher_r0": cluster_test(Xf, yf, gf, 0, B=9999),
    }

    # Two-way effects: cluster effects (nested) and 4 period effects crossing the 9 clusters (not
    # nested). One-hot: 9 cluster dummies and 3 period dummies; the test demeans on both instead.
    gt = np.repeat(np.arange(9), 8)
    period = np.tile(np.arange(4), 18)
    nt = len(gt)
    xt = rng.normal(size=nt) + 0.8 * period + rng.normal(size=9)[gt]
    zt = rng.normal(size=nt)
    yt = 0.1 * xt + 0.3 * zt + rng.normal(size=9)[gt] + 0.7 * period + rng.normal(size=nt) * (1 + period)
    Xt = np.column_stack([xt, zt, np.eye(9)[gt], np.eye(4)[period][:, 1:]])
    cases["fe_twoway"] = {
        "names": ["x", "z"],
        "x": xt.tolist(),
        "z": zt.tolist(),
        "y": yt.tolist(),
        "cluster": gt.tolist(),
        "period": period.tolist(),
        "wcr_rademacher_r0": cluster_test(Xt, yt, gt, 0, B=9999),
        "wcu_rademacher_r0": cluster_test(Xt, yt, gt, 0, B=9999, impose_null=False),
    }

    # Through pyfixest: a panel with unit and period effects, clustered by unit (12 units, 4 periods).
    import pandas as pd
    import pyfixest as pf

    n_units, n_periods = 12, 4
    unit = np.repeat(np.arange(n_units), 5 * n_periods)
    per = np.tile(np.arange(n_periods), 5 * n_units)
    xp = rng.normal(size=unit.size) + 0.5 * per
    yp = 0.15 * xp + 0.3 * per + rng.normal(size=n_units)[unit] + rng.normal(size=unit.size) * (1 + per)
    frame = pd.DataFrame({"y": yp, "x": xp, "unit": unit, "period": per})
    fit = pf.feols("y ~ x | unit + period", frame, vcov={"CRV1": "unit"})
    out, t_boot = fit.wildboottest(param="x", reps=9999, seed=1, return_bootstrapped_t_stats=True)
    cases["pyfixest_panel"] = {
        "data": {c: frame[c].tolist() for c in frame.columns},
        "formula": "y ~ x | unit + period",
        "t_stat": float(out["t value"]),
        "pvalue_strict": float(out["Pr(>|t|)"]),
        "t_boot_sorted": np.sort(np.ravel(t_boot)).tolist(),
        "B": int(np.size(t_boot)),
    }

    # WLS with unit (nested) and period (not nested) effects, 8 units of 20 rows: wildboottest on the
    # sqrt(w)-transformed one-hot design (the weighted effects are not orthogonal).
    unit_w = np.repeat(np.arange(8), 20)
    per_w = np.tile(np.arange(4), 40)
    xw = rng.normal(size=160) + 0.5 * per_w
    yw = 0.1 * xw + 0.3 * per_w + rng.normal(size=8)[unit_w] + rng.normal(size=160) * (1 + per_w)
    ww = rng.uniform(0.5, 3.0, size=160)
    root = np.sqrt(ww)
    Xw = np.column_stack([xw, np.eye(8)[unit_w], np.eye(4)[per_w][:, 1:]]) * root[:, None]
    cases["wls_twoway"] = {
        "data": {
            "y": yw.tolist(),
            "x": xw.tolist(),
            "unit": unit_w.tolist(),
            "period": per_w.tolist(),
            "w": ww.tolist(),
        },
        "formula": "y ~ x | unit + period",
        **cluster_test(Xw, yw * root, unit_w, 0, B=9999),
    }

    meta = {"wildboottest": version("wildboottest"), "pyfixest": version("pyfixest"), "numpy": np.__version__}
    OUT.write_text(json.dumps({"meta": meta, "cases": cases}, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
