"""Simulation-based calibration (Talts et al. 2018) of the three Bayesian state models, and coverage.

For each model, ``n_sims`` times (100 by default): draw the parameters and the
data from the model's prior (on a small fixed design, so one compiled model
is reused and only the data change), fit the model, and record the rank of
each true parameter among the thinned posterior draws, and whether the
central 50% and 90% posterior intervals contain it. If sampler and model
agree, every rank is uniform on {0, ..., L} (chi-square test over 10 bins,
needs p > 0.01) and the intervals cover at their nominal rates.

Designs (real state covariates; the usage model's prior of ``a`` fixed at
N(-7, 1) so the prior does not depend on the data):

- usage: the first 20 US states of the demo data (AK..KS: four regions,
  eight divisions); parameters a, b, dispersion, sigma_division.
- taskmix: 20 states x 6 SOC groups with the demo's state totals, the
  default Dirichlet-multinomial form; parameters mix[0], mix[1],
  sigma_state, sigma_region, region_deviation[0, 0] and two state shares
  (share[0, 0], share[19, 5]: the conjugate draws). State shares are drawn
  from the Dirichlet, counts from the multinomial.
- automation (binomial): 20 states with the demo's classified counts and
  expected automation; parameters a, c, sigma_state.

Results are appended, one JSON line per simulation, to ``--out``
(default ``benchmarks/sbc_results.jsonl``), so a long run can be stopped and
summarized at any time: ``python benchmarks/sbc.py --summarize``.

Sampler settings of the full run per model in ``FULL`` (chains, draws, thin);
``--draws N --chains C --thin T --sims S`` override them, ``--seed`` the
simulations' seed (default 2025: the same data sets every run).

Run: ``nice -n 10 python benchmarks/sbc.py [--quick] [--models usage,taskmix,automation]``;
the last line is ``ratio: <smallest p-value>``.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import Record, main

N_STATES = 20
N_GROUPS = 6
OUT = Path(__file__).resolve().parent / "sbc_results.jsonl"
PARAMS = {
    "usage": ("a", "b", "dispersion", "sigma_division"),
    "taskmix": ("mix[0]", "mix[1]", "sigma_state", "sigma_region", "region_deviation[0,0]", "share[0,0]",
                "share[19,5]"),
    "automation": ("a", "c", "sigma_state"),
}


def _value(ds: Any, name: str) -> np.ndarray:
    """Draws of ``name`` ("x" or "x[i]" / "x[i,j]" by position) from a posterior or prior group, flattened."""
    if "[" in name:
        base, idx = name[:-1].split("[")
        pos = tuple(int(i) for i in idx.split(","))
        da = ds[base]
        extra = [d for d in da.dims if d not in ("chain", "draw")]
        return np.asarray(da.isel(dict(zip(extra, pos, strict=True))).values).reshape(-1)
    return np.asarray(ds[name].values).reshape(-1)


def _design(model: str) -> tuple[Any, Any]:
    from econindex.bayes import StateAutomationModel, StateTaskMixModel, StateUsageModel
    from econindex.bayes._demo import demo_states

    base = demo_states(0, n_groups=N_GROUPS).isel(geo=slice(0, N_STATES))
    est = {
        "usage": StateUsageModel(prior_a=(-7.0, 1.0)),
        "taskmix": StateTaskMixModel(),
        "automation": StateAutomationModel(likelihood="binomial"),
    }[model]
    return base, est


def simulate_from_prior(
    model: str, base: Any, est: Any, rng: np.random.Generator, seed: int
) -> tuple[Any, dict]:
    """One dataset drawn from ``est``'s prior on the design ``base``, with the true parameter values."""
    import pymc as pm

    ds = base.copy()
    if model == "taskmix":
        from econindex.bayes._data import hierarchy, select_states, soc_group_counts

        sub, _ = select_states(base)
        counts, _ = soc_group_counts(sub)
        hier = hierarchy(sub)
        k, r = counts.sizes["soc_major"], len(hier.regions)
        mix = rng.normal(0, 2.0, k)
        mix -= mix.mean()
        s_r = rng.gamma(2.0, 1 / 10.0)
        reg = rng.normal(0, s_r, (r, k))
        reg -= reg.mean(axis=0, keepdims=True)
        reg -= reg.mean(axis=1, keepdims=True)
        s_s = abs(rng.normal(0, est.prior_sigma_state))
        n_geo = sub.sizes["geo"]
        if est.likelihood == "dirichlet_multinomial":
            from econindex.bayes.taskmix import conjugate_shares

            # p_s ~ Dirichlet(kappa softmax(mix + reg_r)), kappa = K / sigma_state^2 (drawn on the log
            # scale: a plain Gamma draw underflows for the tiny shapes of a large sigma_state)
            eta = mix + reg[hier.region_of_state]
            logp = eta - np.log(np.exp(eta).sum(axis=1, keepdims=True))
            p = np.exp(conjugate_shares(logp[None], np.array([k / s_s**2]), np.zeros((n_geo, k)), rng)[0])
        else:
            eta = mix + reg[hier.region_of_state] + rng.normal(0, s_s, (n_geo, k))
            p = np.exp(eta - eta.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
        totals = counts.sum("soc_major").values.astype(int)
        y = np.array([rng.multinomial(n, q) for n, q in zip(totals, p, strict=True)], float)
        tc = np.zeros(ds["task_count"].shape)
        tc[:, :k] = y  # the demo's tasks are one per SOC group, then 'none'
        ds["task_count"] = (("geo", "task"), tc)
        truth = {"mix[0]": mix[0], "mix[1]": mix[1], "sigma_state": s_s, "sigma_region": s_r,
                 "region_deviation[0,0]": reg[0, 0], "share[0,0]": p[0, 0], "share[19,5]": p[19, 5]}
        return ds, truth
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prior = pm.sample_prior_predictive(draws=1, model=est.build(base), random_seed=seed)
    truth = {p: float(_value(prior.prior, p)[0]) for p in PARAMS[model]}
    if model == "usage":
        ds["usage_count"] = ("geo", prior.prior_predictive["usage_count"].values.reshape(-1).astype(float))
    else:
        y = prior.prior_predictive["automation_count"].values.reshape(-1).astype(float)
        pc = ds["pattern_count"].values.copy()
        cls = pc[:, :5].sum(axis=1)  # directive, feedback loop, task iteration, learning, validation
        pc[:, :5] = 0.0
        pc[:, 0] = y
        pc[:, 3] = cls - y
        ds["pattern_count"] = (("geo", "pattern"), pc)
    return ds, truth


def run_sbc(
    model: str,
    n_sims: int = 100,
    *,
    seed: int = 2025,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    thin: int = 5,
    out: Path | None = None,
) -> tuple[dict[str, np.ndarray], int, dict[str, dict[str, float]]]:
    """Ranks of the true parameters among ``chains * draws / thin`` posterior draws, and coverage.

    Returns the ranks per parameter (arrays of length ``n_sims``), the
    largest possible rank ``L`` and the 50%/90% interval coverage per parameter.
    """
    from econindex.errors import DiagnosticsWarning

    base, est = _design(model)
    rng = np.random.default_rng(seed)
    names = PARAMS[model]
    ranks = {p: np.zeros(n_sims, dtype=int) for p in names}
    cover: dict[str, dict[str, list[bool]]] = {p: {"50": [], "90": []} for p in names}
    n_ranks = 0
    for i in range(n_sims):
        ds, truth = simulate_from_prior(model, base, est, rng, seed + 1000 + i)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DiagnosticsWarning)
            res = est.fit(ds, draws=draws, tune=tune, chains=chains, seed=seed + 1 + i)
        row: dict[str, Any] = {"model": model, "sim": i, "seed": seed, "converged": res.converged,
                               "ranks": {},
                               "truth": {p: float(v) for p, v in truth.items()},
                               "draws": f"{chains}x{draws}", "divergences": res.divergences,
                               "form": str(getattr(est, "parameterization", ""))}
        thinned = res.posterior.isel(draw=slice(None, None, thin))
        for p in names:
            full = _value(res.posterior, p)
            post = _value(thinned, p)
            n_ranks = post.size
            ranks[p][i] = int((post < truth[p]).sum())
            for level, q in (("50", (0.25, 0.75)), ("90", (0.05, 0.95))):
                lo, hi = np.quantile(full, q)
                cover[p][level].append(bool(lo <= truth[p] <= hi))
            row["ranks"][p] = int(ranks[p][i])
        row["L"] = n_ranks
        if out is not None:
            with out.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
    coverage = {p: {lv: float(np.mean(v)) for lv, v in c.items()} for p, c in cover.items()}
    return ranks, n_ranks, coverage


def chi_square_p(ranks: np.ndarray, n_ranks: int, bins: int = 10) -> float:
    """Chi-square p-value of the uniformity of ``ranks`` on {0..n_ranks} over ``bins`` equal bins."""
    from scipy import stats

    counts = np.histogram(ranks, bins=bins, range=(0, n_ranks + 1))[0]
    return float(stats.chisquare(counts).pvalue)


# per-model sampler settings of the full run (``--draws``, ``--chains``, ``--thin``, ``--sims`` override)
FULL = {"usage": (4, 1000, 10), "taskmix": (2, 500, 5), "automation": (4, 1000, 10)}
OVERRIDE: dict[str, int] = {}


def run(quick: bool, models: tuple[str, ...] = tuple(PARAMS)) -> list[Record]:
    records: list[Record] = []
    for model in models:
        chains, draws, thin = (2, 200, 2) if quick else FULL[model]
        chains, draws = OVERRIDE.get("chains", chains), OVERRIDE.get("draws", draws)
        thin = OVERRIDE.get("thin", thin)
        n_sims = OVERRIDE.get("sims", 20 if quick else 100)
        t0 = time.perf_counter()
        ranks, n_ranks, cov = run_sbc(
            model, n_sims, seed=OVERRIDE.get("seed", 2025), draws=draws, tune=300 if quick else draws,
            chains=chains, thin=thin,
            out=None if quick else OUT,
        )
        wall = time.perf_counter() - t0
        bins = 5 if quick else 10
        pvals = {p: chi_square_p(r, n_ranks, bins=bins) for p, r in ranks.items()}
        worst = min(pvals, key=lambda k: pvals[k])
        records.append(Record(
            target=f"SBC {model}: {n_sims} sims x {len(pvals)} params (min p, {worst})",
            reference="chi-square test, uniform ranks", ratio=pvals[worst], threshold=0.01,
            detail=", ".join(f"p({k})={v:.3f}" for k, v in pvals.items()) + f"; L={n_ranks}; {wall:.0f} s; "
            + ", ".join(f"cover50/90({k})={c['50']:.2f}/{c['90']:.2f}" for k, c in cov.items()),
        ))
    return records


def summarize(path: Path = OUT) -> None:
    """Print chi-square p-values and ranks-based coverage from the JSON lines written so far."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    # one summary per model and run setting (rows before settings were recorded: 2 x 500 draws)
    def key(r: dict) -> tuple[str, str, str]:
        return r["model"], r.get("draws", "2x500"), r.get("form", "")

    for model, setting, form in sorted({key(r) for r in rows}):
        mine = [r for r in rows if key(r) == (model, setting, form)]
        n_ranks = mine[0]["L"]
        parts = []
        for p in PARAMS[model]:
            r = np.array([m["ranks"][p] for m in mine])
            # central interval coverage from the ranks: rank in the middle 50% / 90% of L
            c50 = float(np.mean((r >= 0.25 * n_ranks) & (r <= 0.75 * n_ranks)))
            c90 = float(np.mean((r >= 0.05 * n_ranks) & (r <= 0.95 * n_ranks)))
            parts.append(f"{p}: p={chi_square_p(r, n_ranks):.3f} cover50={c50:.2f} cover90={c90:.2f}")
        conv = sum(m["converged"] for m in mine)
        label = f"{model} ({setting} draws{', ' + form if form else ''})"
        print(f"{label}: {len(mine)} sims ({conv} converged), L={n_ranks}; " + "; ".join(parts))


if __name__ == "__main__":
    if "--summarize" in sys.argv:
        summarize()
        sys.exit(0)
    for opt in ("draws", "chains", "thin", "sims", "seed"):
        if f"--{opt}" in sys.argv:
            j = sys.argv.index(f"--{opt}")
            OVERRIDE[opt] = int(sys.argv[j + 1])
            del sys.argv[j : j + 2]
    if "--models" in sys.argv:
        i = sys.argv.index("--models")
        chosen = tuple(sys.argv[i + 1].split(","))
        del sys.argv[i : i + 2]
        main(lambda quick: run(quick, chosen))
    else:
        main(run)
