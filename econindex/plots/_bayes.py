"""Figures of the Bayesian state models (matplotlib, imported lazily)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_forest", "plot_rank_histograms"]


def plot_forest(
    idata: Any, var_names: Sequence[str], *, hdi_prob: float = 0.9, ax: Axes | None = None, title: str = ""
) -> Axes:
    """Posterior means with central ``hdi_prob`` intervals, one row per scalar (or labeled element).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import arviz as az, numpy as np
    >>> idata = az.from_dict(posterior={"b": np.random.default_rng(0).normal(1.8, 0.3, (2, 100))})
    >>> ax = plot_forest(idata, ["b"])
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['b']
    """
    import matplotlib.pyplot as plt

    post = idata["posterior"]
    if hasattr(post, "to_dataset"):  # an xarray.DataTree node (PyMC 6 / ArviZ 1)
        post = post.to_dataset()
    labels: list[str] = []
    draws: list[np.ndarray] = []
    for name in var_names:
        da = post[name]
        extra = [d for d in da.dims if d not in ("chain", "draw")]
        if not extra:
            labels.append(name)
            draws.append(np.asarray(da.values).ravel())
            continue
        stacked = da.stack(_cell=extra)
        for i in range(stacked.sizes["_cell"]):
            cell = stacked.isel(_cell=i)
            lab = ",".join(str(cell[d].values) for d in extra)
            labels.append(f"{name}[{lab}]")
            draws.append(np.asarray(cell.values).ravel())
    arr = np.vstack(draws) if draws else np.empty((0, 1))
    lo, hi = np.quantile(arr, [(1 - hdi_prob) / 2, (1 + hdi_prob) / 2], axis=1)
    mean = arr.mean(axis=1)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.3 * len(labels) + 1.2))
    ypos = np.arange(len(labels))[::-1]
    ax.hlines(ypos, lo, hi, color="C0")
    ax.plot(mean, ypos, "o", color="C0")
    ax.set_yticks(ypos, labels)
    ax.set_xlabel(f"posterior mean and {hdi_prob:.0%} interval")
    if title:
        ax.set_title(title)
    return ax


def plot_rank_histograms(
    ranks: dict[str, np.ndarray], n_ranks: int, *, bins: int = 20, ax: Any = None
) -> Any:
    """Rank histograms of simulation-based calibration, one panel per parameter, with the 99% band.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> rng = np.random.default_rng(0)
    >>> axes = plot_rank_histograms({"b": rng.integers(0, 100, 200)}, 100)
    >>> len(axes)
    1
    """
    import matplotlib.pyplot as plt
    from scipy import stats

    names = list(ranks)
    if ax is None:
        _, grid = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.8), squeeze=False)
        axes = list(grid[0])
    else:
        axes = list(np.atleast_1d(ax))
    for a, name in zip(axes, names, strict=True):
        r = np.asarray(ranks[name])
        edges = np.linspace(0, n_ranks, bins + 1)
        a.hist(r, bins=edges, color="C0", alpha=0.8)
        n = r.size
        lo, hi = stats.binom.ppf([0.005, 0.995], n, 1 / bins)
        a.axhspan(lo, hi, color="grey", alpha=0.25)
        a.axhline(n / bins, color="k", lw=0.8)
        a.set_title(name)
        a.set_xlabel("rank")
    return axes
