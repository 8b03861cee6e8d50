"""Simulation-based calibration (Talts et al. 2018) of econindex.bayes.StateUsageModel.

Small configuration: the first 20 US states (AK .. KS in USPS order; all four
Census regions, eight divisions) of the demo data, with their real
working-age population and GDP, and a fixed prior on ``a`` (N(-7, 1), so
the prior does not depend on the data). For each of ``n_sims`` simulations
(100 by default, 30 with ``--quick``): draw the parameters and conversation
counts from the prior (PyMC's own prior predictive of the same model), fit
the model to the counts (nutpie; the compiled model is reused, only the data
change), and record the rank of the true value of ``a``, ``b`` and
``dispersion`` among the thinned posterior draws. If the sampler and the
model agree, each rank is uniform on {0, ..., L}; a chi-square test over 10
bins gives a p-value per parameter (needs p > 0.01), and a rank-histogram plot
is written next to this script (``sbc_rank_histograms.png``; full mode only).

Run: ``.venv/bin/python benchmarks/sbc.py [--quick]``; the last line is
``ratio: <smallest p-value>``.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import Record, main

PARAMS = ("a", "b", "dispersion")
N_STATES = 20
PLOT = Path(__file__).resolve().parent / "sbc_rank_histograms.png"


def run_sbc(
    n_sims: int = 100,
    *,
    seed: int = 2025,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    thin: int = 5,
) -> tuple[dict[str, np.ndarray], int]:
    """Ranks of the true a, b and dispersion among ``chains * draws / thin`` posterior draws.

    Returns the ranks per parameter (arrays of length ``n_sims``) and the
    largest possible rank ``L``.
    """
    import pymc as pm

    from econindex.bayes import StateUsageModel
    from econindex.bayes._demo import demo_states
    from econindex.errors import DiagnosticsWarning

    base = demo_states(0).isel(geo=slice(0, N_STATES))
    est = StateUsageModel(prior_a=(-7.0, 1.0))
    model = est.build(base)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prior = pm.sample_prior_predictive(draws=n_sims, model=model, random_seed=seed)
    truth = {p: prior.prior[p].values.reshape(-1) for p in PARAMS}
    ys = prior.prior_predictive["usage_count"].values.reshape(n_sims, -1).astype(float)
    ranks = {p: np.zeros(n_sims, dtype=int) for p in PARAMS}
    n_ranks = 0
    for i in range(n_sims):
        ds = base.copy()
        ds["usage_count"] = ("geo", ys[i])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DiagnosticsWarning)
            res = est.fit(ds, draws=draws, tune=tune, chains=chains, seed=seed + 1 + i)
        for p in PARAMS:
            post = res.posterior[p].values[:, ::thin].reshape(-1)
            n_ranks = post.size
            ranks[p][i] = int((post < truth[p][i]).sum())
    return ranks, n_ranks


def chi_square_p(ranks: np.ndarray, n_ranks: int, bins: int = 10) -> float:
    """Chi-square p-value of the uniformity of ``ranks`` on {0..n_ranks} over ``bins`` equal bins."""
    from scipy import stats

    counts = np.histogram(ranks, bins=bins, range=(0, n_ranks + 1))[0]
    return float(stats.chisquare(counts).pvalue)


def run(quick: bool) -> list[Record]:
    n_sims = 30 if quick else 100
    t0 = time.perf_counter()
    ranks, n_ranks = run_sbc(
        n_sims, draws=200 if quick else 500, tune=300 if quick else 500, thin=2 if quick else 5
    )
    wall = time.perf_counter() - t0
    pvals = {p: chi_square_p(r, n_ranks, bins=5 if quick else 10) for p, r in ranks.items()}
    try:
        import matplotlib

        matplotlib.use("Agg")
        from econindex.plots._bayes import plot_rank_histograms

        axes = plot_rank_histograms(ranks, n_ranks, bins=5 if quick else 10)
        axes[0].figure.suptitle(f"SBC of StateUsageModel: {n_sims} simulations, {N_STATES} states")
        axes[0].figure.tight_layout()
        if quick:  # the committed plot is the full run's
            plot_note = "plot drawn, not saved (quick mode)"
        else:
            axes[0].figure.savefig(PLOT, dpi=90)
            plot_note = f"plot {PLOT.name}"
    except ImportError:  # matplotlib is optional
        plot_note = "no plot (matplotlib absent)"
    worst = min(pvals, key=lambda k: pvals[k])
    records = [
        Record(
            target=f"SBC uniformity of ranks, {n_sims} sims x {len(PARAMS)} params (min p, {worst})",
            reference="chi-square test, uniform ranks",
            ratio=pvals[worst],
            threshold=0.01,
            detail=", ".join(f"p({k})={v:.3f}" for k, v in pvals.items()) + f"; L={n_ranks}; "
            f"{wall:.0f} s; {plot_note}",
        )
    ]
    records += [
        Record(target=f"SBC p-value of {k}", reference="chi-square", ratio=v, threshold=0.01)
        for k, v in pvals.items()
    ]
    return records


if __name__ == "__main__":
    main(run)
