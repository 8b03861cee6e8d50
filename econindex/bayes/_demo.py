"""A small simulated US-state release with known parameters, for tests, benchmarks and docs.

Until (and besides) :func:`econindex.simulate`, the Bayesian models need a
dataset whose generating process is exactly theirs: 51 real states (with
their Census regions and divisions, real working-age population and GDP),
one task per SOC major group, collaboration-pattern counts and the published
style ``expected_automation`` and ``usage_index``. The truth is stored as JSON
in ``attrs["truth"]`` (keys ``state_elasticity`` and ``automation_slope`` as
in ``simulate``).
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from econindex.geography import geo_coords, us_state_table
from econindex.schema import AUGMENTATION_PATTERNS, AUTOMATION_PATTERNS, pattern_coords

SOC_MAJOR_GROUPS: tuple[str, ...] = (
    "11",
    "13",
    "15",
    "17",
    "19",
    "21",
    "23",
    "25",
    "27",
    "29",
    "31",
    "33",
    "35",
    "37",
    "39",
    "41",
    "43",
    "45",
    "47",
    "49",
    "51",
    "53",
)
"""The 22 SOC major groups of O*NET (military, 55, has no O*NET tasks)."""


def demo_states(
    seed: int = 0,
    *,
    elasticity: float = 1.8,
    automation_slope: float = -0.15,
    n_groups: int = 22,
    scale: float = 1.0,
) -> xr.Dataset:
    """Simulate one release for the 51 US states from the three Bayesian models' own processes.

    Parameters
    ----------
    seed : int
        Random seed.
    elasticity : float
        True state income elasticity ``b`` of the usage model.
    automation_slope : float
        True usage-index slope ``c`` of the automation model (logit scale).
    n_groups : int
        Number of SOC major groups (the first ``n_groups`` of the 22).
    scale : float
        Multiplies expected conversations (smaller = thinner data).

    Returns
    -------
    xarray.Dataset
        ``usage_count``, ``working_age_pop``, ``gdp``, ``task_count``,
        ``pattern_count``, ``expected_automation``, ``usage_index``; truth in
        ``attrs["truth"]``.

    Examples
    --------
    >>> ds = demo_states(0)
    >>> ds.sizes["geo"], ds.sizes["task"], json.loads(ds.attrs["truth"])["state_elasticity"]
    (51, 23, 1.8)
    """
    from econindex.datasets import load_us_state_covariates

    rng = np.random.default_rng(seed)
    states = us_state_table()
    geos = states.index.tolist()
    cov = load_us_state_covariates().reindex(geos)
    pop = cov["working_age_pop"].to_numpy(float)
    gdp = cov["gdp"].to_numpy(float)
    coords = geo_coords(geos, ["state_us"] * len(geos))
    region = np.asarray(coords["census_region"][1]).astype(str)
    division = np.asarray(coords["census_division"][1]).astype(str)
    regions, ri = np.unique(region, return_inverse=True)
    divisions, di = np.unique(division, return_inverse=True)
    rod = np.zeros(len(divisions), int)
    rod[di] = ri

    # usage: NegBin(pop * exp(a + b x + division effect), alpha)
    x = np.log(gdp / pop)
    x = x - x.mean()
    a, sd_r, sd_d, alpha = np.log(9.5e-4 * scale), 0.2, 0.1, 5.0
    reg_eff = rng.normal(0, sd_r, len(regions))
    reg_eff -= reg_eff.mean()
    div_eff = reg_eff[rod] + rng.normal(0, sd_d, len(divisions))
    mu = pop * np.exp(a + elasticity * x + div_eff[di])
    usage = rng.poisson(rng.gamma(alpha, mu / alpha)).astype(float)

    # task mix: softmax(global + region deviation + state deviation)
    groups = SOC_MAJOR_GROUPS[:n_groups]
    k = len(groups)
    glob = rng.normal(0, 1.0, k)
    glob -= glob.mean()
    rdev = rng.normal(0, 0.25, (len(regions), k))
    rdev -= rdev.mean(axis=1, keepdims=True)
    rdev -= rdev.mean(axis=0, keepdims=True)
    sdev = rng.normal(0, 0.2, (len(geos), k))
    sdev -= sdev.mean(axis=1, keepdims=True)
    eta = glob + rdev[ri] + sdev
    p = np.exp(eta - eta.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    n_none = rng.binomial(usage.astype(int), 0.1)
    n_task = usage.astype(int) - n_none
    tasks = rng.multinomial(n_task, p).astype(float)
    task_count = np.column_stack([tasks, n_none.astype(float)])
    task_labels = [f"simulated task of soc {g}" for g in groups] + ["none"]
    soc = [*groups, "none"]

    # automation: Binomial(classified, invlogit(a0 + logit(E) + c z + state))
    rate = 1 / (1 + np.exp(-rng.normal(0.3, 0.6, k)))  # automation rate within each group
    expected = p @ rate
    aui = (usage / pop) / (usage.sum() / pop.sum())
    z = (aui - aui.mean()) / aui.std()
    a0, sd_state = -0.1, 0.1
    eta_a = a0 + np.log(expected / (1 - expected)) + automation_slope * z + rng.normal(0, sd_state, len(geos))
    share = 1 / (1 + np.exp(-eta_a))
    classified = rng.binomial(usage.astype(int), 0.8)
    auto = rng.binomial(classified, share)
    directive = rng.binomial(auto, 0.7)
    aug = rng.multinomial(classified - auto, [0.4, 0.4, 0.2])
    unclassified = usage.astype(int) - classified
    none = rng.binomial(unclassified, 0.7)
    pattern_count = np.column_stack([directive, auto - directive, aug, none, unclassified - none]).astype(
        float
    )
    patterns = [*AUTOMATION_PATTERNS, *AUGMENTATION_PATTERNS, "none", "not_classified"]

    truth = {
        "state_elasticity": elasticity,
        "automation_slope": automation_slope,
        "usage": {
            "a": float(a),
            "b": elasticity,
            "alpha": alpha,
            "sigma_region": sd_r,
            "sigma_division": sd_d,
        },
        "automation": {"a": a0, "c": automation_slope, "sigma_state": sd_state},
        "taskmix": {"global": dict(zip(groups, map(float, glob), strict=True))},
    }
    coords["task"] = task_labels
    coords["soc_major"] = ("task", soc)
    coords.update(pattern_coords(patterns))
    ds = xr.Dataset(
        {
            "usage_count": ("geo", usage),
            "working_age_pop": ("geo", pop),
            "gdp": ("geo", gdp),
            "task_count": (("geo", "task"), task_count),
            "pattern_count": (("geo", "pattern"), pattern_count),
            "expected_automation": ("geo", expected),
            "usage_index": ("geo", aui),
        },
        coords=coords,
        attrs={"source": f"econindex.bayes demo simulation (seed={seed})", "truth": json.dumps(truth)},
    )
    return ds
