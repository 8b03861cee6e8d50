"""Shared machinery of the Bayesian state models: sampling, diagnostics, the result type.

Nothing here knows about a particular model. :func:`sample` runs NUTS
(nutpie when installed, PyMC otherwise), :func:`diagnose` turns ArviZ's
diagnostics into one table with a pass/fail column, and :class:`BayesResult`
is the frozen result every model returns.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import warnings
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from econindex.errors import DiagnosticsWarning
from econindex.schema import check_option

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "PARAMETERIZATIONS",
    "SAMPLERS",
    "BayesResult",
    "diagnose",
    "group",
    "group_effect",
    "partial_group_effect",
    "resolve_sampler",
    "sample",
    "clear_compiled_cache",
    "diagnostics_line",
]

Parameterization = Literal["noncentered", "centered"]
PARAMETERIZATIONS: tuple[str, ...] = ("noncentered", "centered")
Sampler = Literal["auto", "nutpie", "pymc"]
SAMPLERS: tuple[str, ...] = ("auto", "nutpie", "pymc")

# Thresholds of the diagnostics table (Vehtari et al. 2021 for R-hat and ESS;
# Betancourt 2016 for E-BFMI). ESS thresholds scale with the number of chains.
RHAT_MAX = 1.01
ESS_PER_CHAIN = 100
EBFMI_MIN = 0.3

_HINTS = {
    "r_hat": "chains disagree: run longer (more tune/draws) or more chains, or switch parameterization",
    "ess_bulk": "too few effective draws: raise draws/tune, or switch parameterization "
    "('centered' for data-rich groups, 'noncentered' for data-poor ones)",
    "ess_tail": "tail quantiles are unreliable: raise draws, or switch parameterization",
    "divergences": "the sampler hit regions it cannot integrate: raise target_accept (e.g. 0.95) "
    "or switch parameterization ('noncentered' removes funnels of weakly identified group effects)",
    "tree_depth_hits": "trajectories hit the maximum tree depth: reparameterize or check for "
    "weakly identified parameters",
    "e_bfmi": "low energy fraction of missing information (heavy tails or a funnel): reparameterize",
}


def resolve_sampler(sampler: str) -> str:
    """Name of the NUTS implementation ``sampler`` stands for ("auto": nutpie when installed).

    Examples
    --------
    >>> resolve_sampler("pymc")
    'pymc'
    >>> resolve_sampler("auto") in ("nutpie", "pymc")
    True
    """
    check_option("sampler", sampler, SAMPLERS)
    if sampler == "auto":
        return "nutpie" if importlib.util.find_spec("nutpie") is not None else "pymc"
    if sampler == "nutpie" and importlib.util.find_spec("nutpie") is None:
        from econindex.errors import OptionError

        raise OptionError("sampler='nutpie' but nutpie is not installed; use sampler='pymc' or 'auto'")
    return sampler


_COMPILED: OrderedDict[Hashable, Any] = OrderedDict()
_CACHE_SIZE = 16


def clear_compiled_cache() -> None:
    """Forget the nutpie-compiled models kept for refits (see :func:`sample`)."""
    _COMPILED.clear()


def _nutpie_compiled(model: pm.Model, cache_key: Hashable | None) -> Any:
    """nutpie's compiled model for ``model``, reusing one compiled for the same structure.

    Compiling with numba costs far more than sampling these small models
    (seconds to tens of seconds against about one second), so a model whose
    structure (estimator, options and every dimension size: ``cache_key``)
    was compiled before is reused with its data swapped in: every input of
    the state models is a ``pm.Data`` container, so refits with other counts,
    other seeds or other states of the same number do not recompile.
    """
    from econindex.bayes._compile import compile_model

    data = {v.name: np.asarray(v.get_value()) for v in model.data_vars}
    if cache_key is not None and cache_key in _COMPILED:
        _COMPILED.move_to_end(cache_key)
        return _COMPILED[cache_key].with_data(**data)
    compiled = compile_model(model)
    if cache_key is not None:
        _COMPILED[cache_key] = compiled
        while len(_COMPILED) > _CACHE_SIZE:
            _COMPILED.popitem(last=False)
    return compiled


def _add_constant_data(idata: az.InferenceData, model: pm.Model) -> None:
    """Record the model's data containers in ``constant_data`` (as ``pm.sample`` does).

    PyMC's posterior predictive resamples from the prior every variable that
    depends on a data container whose value it cannot check against
    ``constant_data``; without this group it would redraw, e.g., ``a``.
    """
    from pymc.backends.arviz import find_constants

    dvars: dict[str, Any] = {}
    coords: dict[str, Any] = {}
    for name, value in find_constants(model).items():
        arr = np.asarray(value)
        dims = model.named_vars_to_dims.get(name)
        if dims is None or len(dims) != arr.ndim:
            dims = tuple(f"{name}_dim_{i}" for i in range(arr.ndim))
        else:
            coords.update({d: np.asarray(model.coords[d]) for d in dims if d in model.coords})
        dvars[name] = (dims, arr)
    constants = xr.Dataset(dvars, coords=coords)
    if hasattr(idata, "add_groups"):
        idata.add_groups({"constant_data": constants})
    else:  # ArviZ 1 / PyMC 6 return an xarray.DataTree, whose groups are assigned by key
        idata["constant_data"] = constants


def sample(
    model: pm.Model,
    *,
    draws: int,
    tune: int,
    chains: int,
    seed: int | None,
    sampler: str = "auto",
    target_accept: float = 0.9,
    progressbar: bool = False,
    cache_key: Hashable | None = None,
    low_rank: bool = False,
) -> az.InferenceData:
    """Run NUTS on ``model`` and return ArviZ ``InferenceData`` (posterior + sample stats).

    ``sampler="auto"`` uses nutpie (compiled with numba) when installed, PyMC's
    own NUTS otherwise. Cores are min(chains, available CPUs). With nutpie and
    a ``cache_key``, a model of the same structure compiled earlier in this
    process is reused (see :func:`_nutpie_compiled`); the draws are labeled
    with ``model``'s own coordinates. ``low_rank=True`` asks nutpie for its
    low-rank modified mass matrix (for correlated posteriors).
    """
    from econindex.errors import OptionError

    for name, value in (("draws", draws), ("tune", tune), ("chains", chains)):
        if int(value) != value or value < 1:
            raise OptionError(f"{name}={value!r} must be a positive integer")
    if not 0.5 <= target_accept < 1:
        raise OptionError(f"target_accept={target_accept!r} must lie in [0.5, 1)")
    which = resolve_sampler(sampler)
    cores = max(1, min(int(chains), len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))
    if which == "nutpie":
        import nutpie

        compiled = _nutpie_compiled(model, cache_key)
        idata = nutpie.sample(
            compiled,
            draws=int(draws),
            tune=int(tune),
            chains=int(chains),
            cores=cores,
            seed=seed,
            save_warmup=False,
            progress_bar=progressbar,
            target_accept=target_accept,
            # nutpie's low-rank modified mass matrix for correlated posteriors (only when asked: older
            # nutpie releases lack the keyword)
            **({"low_rank_modified_mass_matrix": True} if low_rank else {}),
        )
        labels = {d: np.asarray(v) for d, v in model.coords.items() if d in idata.posterior.dims}
        idata.posterior = idata.posterior.assign_coords(labels)
        _add_constant_data(idata, model)
    else:
        with model, warnings.catch_warnings():
            # PyMC's convergence messages are replaced by diagnose() + DiagnosticsWarning
            warnings.filterwarnings(
                "ignore", message=".*(r_hat|effective sample|divergen|samples per chain).*"
            )
            idata = pm.sample(
                draws=int(draws),
                tune=int(tune),
                chains=int(chains),
                cores=cores,
                random_seed=seed,
                target_accept=target_accept,
                progressbar=progressbar,
                compute_convergence_checks=False,
            )
    idata.posterior.attrs["sampler"] = which
    return idata


def group_effect(
    name: str,
    sigma: Any,
    dims: str | tuple[str, ...],
    parameterization: str,
    *,
    mu: Any = 0.0,
    zerosum_axes: int = 0,
) -> Any:
    """A hierarchical group effect ``N(mu, sigma)`` in centered or non-centered form.

    Non-centered: ``effect = mu + sigma * z`` with standard-normal ``z``
    (named ``<name>_z``), the better geometry when the data say little about
    each group. Centered: ``effect ~ N(mu, sigma)`` directly, better when every
    group is well measured. ``zerosum_axes > 0`` uses ``ZeroSumNormal`` over
    the last axes (then ``mu`` must be 0).
    """
    check_option("parameterization", parameterization, PARAMETERIZATIONS)
    if parameterization == "noncentered":
        if zerosum_axes:
            z = pm.ZeroSumNormal(f"{name}_z", sigma=1.0, dims=dims, n_zerosum_axes=zerosum_axes)
        else:
            z = pm.Normal(f"{name}_z", 0.0, 1.0, dims=dims)
        return pm.Deterministic(name, mu + sigma * z, dims=dims)
    if zerosum_axes:
        return pm.ZeroSumNormal(name, sigma=sigma, dims=dims, n_zerosum_axes=zerosum_axes)
    return pm.Normal(name, mu, sigma, dims=dims)


def partial_group_effect(name: str, sigma: Any, dims: str, weight: Any, *, mu: Any = 0.0) -> Any:
    """A group effect ``N(mu, sigma)`` partially centered with weight ``weight`` in [0, 1] per group.

    The variationally inferred parameterization of Gorinova, Moore and
    Hoffman (2020): ``raw ~ N(w mu, sigma^w)`` and ``effect = mu +
    sigma^(1-w) (raw - w mu)``, which is ``N(mu, sigma)`` for every ``w``;
    ``w = 1`` is the centered form, ``w = 0`` the non-centered one. For a
    normal likelihood that pins a group's effect with variance ``v``, with
    ``w = sigma^2 / (sigma^2 + v)`` the posterior sd of ``raw`` given
    ``sigma`` does not change with ``sigma`` (to first order in log sigma):
    neither the centered funnel (weak data) nor the non-centered one (strong data). ``weight`` may be a
    ``pm.Data`` container, so a compiled model is reused when it changes.
    The sampled variable is ``<name>_raw``.

    Examples
    --------
    >>> import numpy as np
    >>> with pm.Model(coords={"g": ["a", "b"]}) as m:
    ...     eff = partial_group_effect("eff", 0.5, "g", np.array([0.0, 1.0]), mu=1.0)
    >>> [v.name for v in m.free_RVs]
    ['eff_raw']
    """
    raw = pm.Normal(f"{name}_raw", weight * mu, sigma**weight, dims=dims)
    return pm.Deterministic(name, mu + sigma ** (1.0 - weight) * (raw - weight * mu), dims=dims)


def group(idata: Any, name: str) -> xr.Dataset:
    """Group ``name`` of ``idata`` as an :class:`xarray.Dataset` (empty when absent).

    ArviZ < 1 ``InferenceData`` holds Datasets; ArviZ 1 and PyMC 6 return an
    ``xarray.DataTree``, whose groups are nodes (``.to_dataset()``).

    Examples
    --------
    >>> import numpy as np, arviz as az
    >>> idata = az.from_dict(posterior={"x": np.zeros((2, 3))})
    >>> dict(group(idata, "posterior").sizes), len(group(idata, "sample_stats").data_vars)
    ({'chain': 2, 'draw': 3}, 0)
    """
    try:
        node = idata[name]
    except KeyError:
        return xr.Dataset()
    if isinstance(node, xr.Dataset):
        return node
    return node.to_dataset()


def _stat(ss: xr.Dataset, *names: str) -> xr.DataArray | None:
    for n in names:
        if n in ss:
            return ss[n]
    return None


def diagnose(
    idata: az.InferenceData,
    var_names: Sequence[str] | None = None,
    *,
    rhat_max: float = RHAT_MAX,
    ess_min: float | None = None,
    ebfmi_min: float = EBFMI_MIN,
) -> pd.DataFrame:
    """One table of MCMC diagnostics with a pass/fail column.

    Rows: ``r_hat`` (max rank-normalized split R-hat), ``ess_bulk`` and
    ``ess_tail`` (min effective sample sizes), ``divergences`` (count),
    ``tree_depth_hits`` (count of draws that hit the maximum tree depth;
    up to 1% of the draws pass, as it costs efficiency, not validity) and
    ``e_bfmi`` (min over chains). Columns: ``value``, ``threshold``, ``rule``
    (``<=`` or ``>=``), ``passed`` and ``hint`` (what to do when it fails).

    Parameters
    ----------
    idata : arviz.InferenceData
        With ``posterior`` and ``sample_stats`` groups.
    var_names : sequence of str, optional
        Posterior variables to check (default: all).
    rhat_max, ess_min, ebfmi_min : float
        Thresholds; ``ess_min`` defaults to 100 per chain.

    Returns
    -------
    pandas.DataFrame
        Indexed by check name.

    Examples
    --------
    >>> import numpy as np, arviz as az
    >>> rng = np.random.default_rng(0)
    >>> idata = az.from_dict(posterior={"x": rng.normal(size=(4, 500))},
    ...                      sample_stats={"diverging": np.zeros((4, 500), bool)})
    >>> table = diagnose(idata)
    >>> bool(table.loc["r_hat", "passed"]), int(table.loc["divergences", "value"])
    (True, 0)
    """
    post = group(idata, "posterior")
    if var_names is not None:
        post = post[list(var_names)]
    chains = int(post.sizes["chain"])
    ess_thr = float(ess_min) if ess_min is not None else float(ESS_PER_CHAIN * chains)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rhat = az.rhat(post)
        ess_b = az.ess(post, method="bulk")
        ess_t = az.ess(post, method="tail")

    def _extreme(ds: xr.Dataset, fn: Any) -> float:
        vals = [np.asarray(v.values, float).ravel() for v in ds.data_vars.values()]
        arr = np.concatenate(vals) if vals else np.array([np.nan])
        arr = arr[np.isfinite(arr)]
        return float(fn(arr)) if arr.size else float("nan")

    ss = group(idata, "sample_stats")
    div = _stat(ss, "diverging")
    depth = _stat(ss, "maxdepth_reached", "reached_max_treedepth")
    n_div = float(div.values.sum()) if div is not None else float("nan")
    n_depth = float(depth.values.sum()) if depth is not None else float("nan")
    ebfmi = float("nan")
    if _stat(ss, "energy") is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ebfmi = float(np.min(az.bfmi(idata)))
    rows = [
        ("r_hat", _extreme(rhat, np.max), rhat_max, "<="),
        ("ess_bulk", _extreme(ess_b, np.min), ess_thr, ">="),
        ("ess_tail", _extreme(ess_t, np.min), ess_thr, ">="),
        ("divergences", n_div, 0.0, "<="),
        # saturating the tree depth costs efficiency, not validity (Stan's guidance): tolerate 1% of draws
        ("tree_depth_hits", n_depth, 0.01 * chains * int(post.sizes["draw"]), "<="),
        ("e_bfmi", ebfmi, ebfmi_min, ">="),
    ]
    table = pd.DataFrame(rows, columns=["check", "value", "threshold", "rule"]).set_index("check")
    le = table["rule"] == "<="
    val, thr = table["value"], table["threshold"]
    # a statistic the sampler did not record (NaN) is not a failure; it is reported as NaN
    table["passed"] = val.isna() | np.where(le, val <= thr, val >= thr)
    table["hint"] = [("" if p else _HINTS[c]) for c, p in zip(table.index, table["passed"], strict=True)]
    return table


def warn_if_failed(table: pd.DataFrame, model_name: str) -> None:
    """Emit one :class:`DiagnosticsWarning` listing every failed check with its numbers and hint."""
    failed = table[~table["passed"]]
    if failed.empty:
        return
    parts = [f"{c} = {r.value:.4g} (needs {r.rule} {r.threshold:g}): {r.hint}" for c, r in failed.iterrows()]
    warnings.warn(
        f"{model_name}: MCMC diagnostics failed; do not trust this posterior yet. " + "; ".join(parts),
        DiagnosticsWarning,
        stacklevel=3,
    )


@dataclass(frozen=True)
class BayesResult:
    """A fitted Bayesian state model: ArviZ ``InferenceData`` plus what produced it.

    Attributes
    ----------
    idata : arviz.InferenceData
        Posterior, sample stats and observed data, labeled with the dataset's
        ``geo`` (and ``soc_major``) coordinates.
    model_name : str
        The estimator's class name.
    config : object
        The frozen estimator that produced the result.
    data : xarray.Dataset
        The model inputs per state, as used (after exclusions).
    var_names : tuple of str
        The main parameters (used by ``summary``, ``diagnose``, ``plot_forest``).
    notes : tuple of str
        What the fit did with the data (exclusions, truncation, derived inputs).
    model : pymc.Model
        The PyMC model (for predictive checks).
    diagnostic_names : tuple of str
        Posterior variables the diagnostics cover when not the free parameters.
    """

    idata: az.InferenceData
    model_name: str
    config: Any
    data: xr.Dataset
    var_names: tuple[str, ...]
    notes: tuple[str, ...] = ()
    model: pm.Model | None = field(default=None, repr=False, compare=False)
    diagnostic_names: tuple[str, ...] = ()

    @property
    def posterior(self) -> xr.Dataset:
        """The posterior group of :attr:`idata` (draws over ``chain`` and ``draw``)."""
        return group(self.idata, "posterior")

    # --- diagnostics --------------------------------------------------------
    @cached_property
    def _diagnostics(self) -> pd.DataFrame:
        return diagnose(self.idata, self.diagnostic_vars)

    @property
    def diagnostic_vars(self) -> list[str]:
        """Posterior variables the diagnostics cover (free parameters on their natural scale).

        A model may name identified functions of its parameters instead (the
        task-mix model: its per-state log-mix level is invisible to the
        softmax, so its diagnostics cover the zero-sum deviations and shares).
        """
        if self.diagnostic_names:
            return [n for n in self.diagnostic_names if n in self.posterior]
        if self.model is None:
            return list(self.var_names)
        names = [rv.name for rv in self.model.free_RVs]
        return [n for n in names if n in self.posterior]

    def _value(self, check: str) -> float:
        values = self._diagnostics["value"].astype(float).to_dict()
        return float(values[check])

    def diagnose(self) -> pd.DataFrame:
        """The diagnostics table (same as :attr:`diagnostics`)."""
        return self._diagnostics.copy()

    @property
    def rhat_max(self) -> float:
        """Largest R-hat over the free parameters."""
        return self._value("r_hat")

    @property
    def ess_bulk_min(self) -> float:
        """Smallest bulk effective sample size over the free parameters."""
        return self._value("ess_bulk")

    @property
    def ess_tail_min(self) -> float:
        """Smallest tail effective sample size over the free parameters."""
        return self._value("ess_tail")

    @property
    def divergences(self) -> int:
        """Number of divergent transitions after tuning."""
        return int(self._value("divergences"))

    @property
    def converged(self) -> bool:
        """True when every diagnostic check passed."""
        return bool(self._diagnostics["passed"].all())

    @property
    def diagnostics(self) -> pd.DataFrame:
        """The diagnostics table (see :func:`diagnose`): one row per check, with ``passed`` and ``hint``."""
        return self._diagnostics.copy()

    @property
    def diagnostics_text(self) -> str:
        """One line to print beside any estimate of this posterior: passed, or which checks failed."""
        post = self.posterior
        return diagnostics_line(self._diagnostics, post.sizes["chain"], post.sizes["draw"])

    # --- exports ------------------------------------------------------------
    def to_frame(self, var_names: Sequence[str] | None = None, *, hdi_prob: float = 0.9) -> pd.DataFrame:
        """ArviZ summary table (mean, sd, HDI, MCSE, ESS, R-hat) of ``var_names`` (default: main ones).

        ``attrs`` carry ``converged`` and ``diagnostics`` (the one-line text).
        """
        names = list(var_names) if var_names is not None else list(self.var_names)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            # ArviZ 1 renamed hdi_prob to ci_prob (and defaults to equal-tailed intervals)
            new_api = "ci_prob" in inspect.signature(az.summary).parameters
            kind = {"ci_prob": hdi_prob, "ci_kind": "hdi"} if new_api else {"hdi_prob": hdi_prob}
            summ: Any = az.summary(self.idata, var_names=names, **kind)
            table = pd.DataFrame(summ)
        table.attrs = {
            "model": self.model_name,
            "converged": self.converged,
            "diagnostics": self.diagnostics_text,
        }
        return table

    def summary(self, var_names: Sequence[str] | None = None, *, hdi_prob: float = 0.9) -> str:
        """Text summary: the posterior table, the diagnostics line and table, and the notes."""
        post = self.posterior
        lines = [
            f"{self.model_name} ({post.sizes['chain']} chains x {post.sizes['draw']} draws, sampler "
            f"{post.attrs.get('sampler', '?')})",
            self.to_frame(var_names, hdi_prob=hdi_prob).to_string(),
            self.diagnostics_text,
            self._diagnostics[["value", "threshold", "rule", "passed"]].to_string(),
        ]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_xarray(self) -> xr.Dataset:
        """Posterior draws of the main parameters as an :class:`xarray.Dataset` (attrs: model, notes)."""
        out = self.posterior[list(self.var_names)].copy()
        out.attrs = {
            "model": self.model_name,
            "sampler": str(self.posterior.attrs.get("sampler", "")),
            "notes": " | ".join(self.notes),
            "converged": int(self.converged),
            "diagnostics": self.diagnostics_text,
        }
        return out

    def posterior_predictive(self, *, seed: int | None = 0) -> az.InferenceData:
        """Draws of the observed variables from the posterior predictive distribution."""
        if self.model is None:
            from econindex.errors import EstimationError

            raise EstimationError("this result carries no PyMC model; refit to draw predictions")
        with self.model, warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            # extend_inferencedata=False: PyMC 6 otherwise adds the draws to (mutates) this result's idata
            return pm.sample_posterior_predictive(
                self.idata, random_seed=seed, progressbar=False, extend_inferencedata=False
            )

    def plot_forest(
        self, var_names: Sequence[str] | None = None, *, hdi_prob: float = 0.9, ax: Axes | None = None
    ) -> Axes:
        """Forest plot (posterior means with ``hdi_prob`` intervals) of ``var_names``."""
        from econindex.plots._bayes import plot_forest

        names = list(var_names) if var_names is not None else list(self.var_names)
        return plot_forest(self.idata, names, hdi_prob=hdi_prob, ax=ax, title=self.model_name)

    def _headline(self) -> str:
        """``name = mean [2.5%, 97.5%]`` of the first main parameter (for ``repr``)."""
        name = self.var_names[0]
        da = self.posterior[name]
        if set(da.dims) != {"chain", "draw"}:
            return f"{name}: {dict(da.sizes)}"
        lo, hi = np.quantile(np.asarray(da.values).ravel(), [0.025, 0.975])
        return f"{name} = {float(da.mean()):.3f} [{lo:.3f}, {hi:.3f}]"

    def __repr__(self) -> str:
        post = self.posterior
        state = "converged" if self.converged else "NOT CONVERGED"
        return (
            f"<{type(self).__name__} {self.model_name}: {self._headline()}, "
            f"{post.sizes['chain']}x{post.sizes['draw']} draws, {state}>"
        )

    def __str__(self) -> str:
        return self.summary()


def diagnostics_line(table: pd.DataFrame, chains: int, draws: int) -> str:
    """One line from a :func:`diagnose` table: "MCMC diagnostics passed (...)" or what failed.

    Examples
    --------
    >>> t = pd.DataFrame({"value": [1.02, 900.0, 1100.0, 0.0, 0.0, 0.9],
    ...                   "threshold": [1.01, 400.0, 400.0, 0.0, 40.0, 0.3],
    ...                   "rule": ["<=", ">=", ">=", "<=", "<=", ">="],
    ...                   "passed": [False, True, True, True, True, True]},
    ...                  index=["r_hat", "ess_bulk", "ess_tail", "divergences", "tree_depth_hits", "e_bfmi"])
    >>> diagnostics_line(t, 4, 1000)
    'MCMC DIAGNOSTICS FAILED (4x1000 draws): r_hat = 1.02 (needs <= 1.01); do not trust this posterior yet'
    """
    val = table["value"]
    failed = table[~table["passed"].astype(bool)]
    if failed.empty:
        return (
            f"MCMC diagnostics passed ({chains}x{draws} draws): R-hat {val['r_hat']:.3f}, "
            f"ESS bulk {val['ess_bulk']:.0f} / tail {val['ess_tail']:.0f}, "
            f"{val['divergences']:.0f} divergences, {val['tree_depth_hits']:.0f} at max tree depth"
        )
    parts = [f"{c} = {r.value:.4g} (needs {r.rule} {r.threshold:g})" for c, r in failed.iterrows()]
    head = f"MCMC DIAGNOSTICS FAILED ({chains}x{draws} draws): "
    return head + "; ".join(parts) + "; do not trust this posterior yet"
