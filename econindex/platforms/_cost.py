"""API usage against cost across task categories: :class:`CostUsage` and its result.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from econindex.covariance import COV_TYPES
from econindex.errors import (
    DataValueError,
    EstimationError,
    MissingCovariateError,
    OptionError,
    SchemaError,
)
from econindex.platforms._counts import _reduce_other_dims
from econindex.regression import OLS, RegressionResult
from econindex.results import CoefficientResult, inference_fields
from econindex.schema import (
    GEO,
    PLATFORM,
    SPECIAL_CLUSTERS,
    TASK,
    check_option,
    validate,
)

IDENTIFICATION_NOTE = (
    "The slope is a descriptive cross-category association between how much of a "
    "platform's traffic a task category takes and what a conversation in it costs. It "
    "does not identify a causal price elasticity of demand. Selection: which tasks are "
    "brought to the API at all depends on their value to firms, and categories below "
    "the release's reporting threshold are absent (and zero-usage categories cannot "
    "enter a log-log fit), so the sample is selected on the outcome. Composition: a "
    "category's cost index averages heterogeneous tasks, and at the SOC level it is a "
    "usage-weighted mean, so a change in the mix within a category moves both sides. "
    "Reverse causality: heavy users negotiate volume discounts, cache prompts and build "
    "longer agentic pipelines, so high usage can raise token counts (or lower prices) "
    "rather than the other way round. Omitted variables: task value, complexity and "
    "output length drive both cost and usage. Read a positive slope as 'costlier "
    "categories are used more', consistent with value mattering more than cost, not as "
    "'raising cost raises usage'."
)

_REGRESSORS = ("cost_index", "prompt_tokens_index", "completion_tokens_index")


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class CostUsageResult(CoefficientResult):
    """Result of :meth:`CostUsage.fit`: a :class:`~econindex.results.CoefficientResult`.

    Coefficients and covariance are those of the weighted regression, so
    ``params``, ``bse``, ``pvalues``, ``conf_int``, ``to_frame``,
    ``to_markdown``, ``to_latex`` and :func:`econindex.compare` work as for
    every estimator. The log-cost coefficient is named ``log_cost_index``
    (``log_<regressor>`` in general; see :attr:`term`).

    Attributes
    ----------
    regression : RegressionResult
        The full regression (residuals, leverage, ``with_cov``).
    data : pandas.DataFrame
        One row per category used: ``category``, ``usage_count``,
        ``usage_share``, the regressors and controls in levels,
        ``log_usage_share``, the logged regressors, and ``weight``.
    dropped : pandas.DataFrame
        Categories left out, with a ``reason`` (zero usage, missing usage,
        missing cost index); never silently lost.
    platform, weights, regressor : str
        What was fitted.
    over : str
        The categories: ``"task"`` or ``"soc_major"``.
    notes : tuple of str
        Aggregation and dropping notes.
    identification : str
        What the association does and does not identify (:data:`IDENTIFICATION_NOTE`).

    Examples
    --------
    >>> import econindex as ei
    >>> ds = ei.simulate(seed=0, platforms=("claude_ai", "api"), n_countries=5, n_tasks=100)
    >>> res = CostUsage(over="task").fit(ds, platform="api")
    >>> res.term, res.nobs, list(res.to_frame()["term"])
    ('log_cost_index', 100, ['const', 'log_cost_index'])
    >>> lo, hi = res.ci(0.95)
    >>> bool(lo < res.slope < hi)
    True
    """

    regression: RegressionResult
    data: pd.DataFrame
    dropped: pd.DataFrame
    platform: str
    weights: str | None
    regressor: str
    over: str = "soc_major"
    notes: tuple[str, ...] = ()
    identification: str = IDENTIFICATION_NOTE

    @property
    def term(self) -> str:
        """Name of the main coefficient (``log_<regressor>``)."""
        return f"log_{self.regressor}"

    @property
    def slope(self) -> float:
        """Elasticity of the usage share with respect to the cost index (the :attr:`term` coefficient)."""
        return float(self.params[self.term])

    @property
    def se(self) -> float:
        """Standard error of :attr:`slope` under ``cov_type``."""
        return float(self.bse[self.term])

    @property
    def pvalue(self) -> float:
        """Two-sided p-value of :attr:`slope`."""
        return float(self.pvalues[self.term])

    @property
    def rsquared(self) -> float:
        """(Weighted) R-squared of the regression."""
        return float(self.regression.rsquared)

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        """Confidence interval of :attr:`slope` with coverage ``level``."""
        ci = self.conf_int(alpha=1.0 - level)
        j = list(self.names).index(self.term)
        return float(ci["lower"].iloc[j]), float(ci["upper"].iloc[j])

    def summary(self, alpha: float = 0.05) -> str:
        """The slope and its interval, then the coefficient table, the notes and the identification caveat."""
        lo, hi = self.ci(1.0 - alpha)
        lines = [
            f"Cost and usage on {self.platform!r} across {self.nobs} {self.over} categories "
            f"({'usage-weighted' if self.weights else 'unweighted'}, {self.cov_label})",
            f"  d log usage share / d log {self.regressor}: {self.slope:.4f} "
            f"(se {self.se:.4f}, {100 * (1 - alpha):g}% CI [{lo:.4f}, {hi:.4f}], p={self.pvalue:.3g})",
            f"  dropped {len(self.dropped)} categories",
            *(f"  note: {n}" for n in self.notes),
            super().summary(alpha),
            "What it identifies: " + self.identification,
        ]
        return "\n".join(lines)

    def plot(self, ax: Any = None, n_bins: int = 10) -> Any:
        """Binned scatter of log usage share on log cost with the fitted line (needs matplotlib)."""
        from econindex.plots._platforms import plot_cost_usage

        return plot_cost_usage(self, ax=ax, n_bins=n_bins)


@dataclass(frozen=True)
class CostUsage:
    """Log usage share on log API cost index across task categories.

    Fits ``log s_c = a + b log cost_c [+ ...] + e_c`` over categories ``c``
    (O*NET tasks or SOC major groups) of one platform, by weighted least
    squares with robust standard errors.

    What the association does and does not identify: the slope ``b`` is a
    descriptive cross-category association, not a price elasticity.
    **Selection**: which tasks reach the API reflects their value to firms,
    and categories under the reporting threshold or with zero usage are
    missing, so the sample is selected on the outcome. **Composition**: a
    category's cost index averages heterogeneous tasks (at SOC level, a
    usage-weighted mean of task indices), so mix shifts move both sides.
    **Reverse causality**: heavy users build long agentic pipelines and get
    volume discounts, so usage can drive token counts and effective prices.
    **Omitted variables**: task value and complexity raise both. A positive
    ``b`` says costlier categories are used more (value over cost), not that
    raising cost raises use. The same text is in :data:`IDENTIFICATION_NOTE`
    and each result's ``identification``.

    Parameters
    ----------
    cov_type : str
        Covariance type of the regression core (``"nonrobust"``, ``"HC0"``..``"HC3"``;
        ``"cluster"`` clusters tasks by SOC major group, CR1, with ``over="task"``).
    over : {"soc_major", "task"}
        Categories: O*NET tasks, or SOC major groups (counts summed; cost
        index the usage-weighted mean of its tasks' indices); the name of
        :func:`compare_shares`' and :func:`econindex.trend_table`'s option.
    weights : {None, "usage"}
        ``None`` (default): unweighted OLS. ``"usage"``: each category weighted
        by its conversation count (WLS), i.e. by ``exp`` of the dependent
        variable. Such weights depend on the regression error (which can
        bias WLS), and a few heavy categories dominate: on
        ``simulate(platforms=("claude_ai", "api"), n_tasks=300)`` over 40
        seeds the usage-weighted task slope has sd 0.60 and its 95% HC1
        interval covers the true 0.30 in 85% of seeds; unweighted, sd 0.18
        and coverage 97.5%. Use it to describe the traffic-weighted
        association, not to estimate the slope.
    controls : tuple of str
        Further task-level variables of the dataset entered in levels
        (aggregated like the cost index at SOC level).
    regressors : tuple of str
        Task-level indices entered in logs, the first being the main one:
        any of ``cost_index``, ``prompt_tokens_index``, ``completion_tokens_index``.
    max_missing : float
        Largest fraction of categories allowed to lack a regressor; more
        raises :class:`MissingCovariateError`, fewer are recorded in ``dropped``.
    level : deprecated spelling of ``over`` (``level=`` means the geographic level)

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from econindex.geography import geo_coords
    >>> rng = np.random.default_rng(0)
    >>> cost = np.exp(rng.normal(0, 0.5, 40))
    >>> counts = np.round(1000 * cost ** 0.8 * np.exp(rng.normal(0, 0.1, 40)))
    >>> ds = xr.Dataset(
    ...     {"task_count": (("geo", "task"), counts[None, :]), "cost_index": ("task", cost)},
    ...     coords={**geo_coords(["GLOBAL"], ["global"]), "task": [f"t{i}" for i in range(40)],
    ...             "soc_major": ("task", ["15"] * 40)},
    ...     attrs={"platform": "api"},
    ... )
    >>> res = CostUsage(over="task").fit(ds, platform="api")
    >>> round(res.slope, 1), res.nobs
    (0.8, 40)
    """

    cov_type: str = "HC1"
    over: Literal["soc_major", "task"] = "soc_major"
    weights: Literal["usage"] | None = None
    controls: tuple[str, ...] = ()
    regressors: tuple[str, ...] = ("cost_index",)
    max_missing: float = 0.5
    level: str | None = None

    def __post_init__(self) -> None:
        if self.level is not None:
            warnings.warn(
                "CostUsage(level=) is deprecated (level= means the geographic level); use over=",
                DeprecationWarning,
                stacklevel=3,
            )
            object.__setattr__(self, "over", self.level)
            object.__setattr__(self, "level", None)
        check_option("cov_type", self.cov_type, COV_TYPES)
        check_option("over", self.over, ("soc_major", "task"))
        if self.cov_type == "cluster" and self.over != "task":
            raise OptionError("cov_type='cluster' clusters tasks by SOC major group: it needs over='task'")
        check_option("weights", self.weights, ("usage", None))
        if not self.regressors:
            raise OptionError("regressors must name at least one index, e.g. ('cost_index',)")
        for r in self.regressors:
            check_option("regressors", r, _REGRESSORS)
        if len(set(self.regressors)) != len(self.regressors):
            raise OptionError(f"regressors repeat a name: {self.regressors}")
        if not isinstance(self.controls, tuple) or not all(isinstance(c, str) for c in self.controls):
            raise OptionError(f"controls must be a tuple of variable names; got {self.controls!r}")
        if not (0.0 <= self.max_missing < 1.0):
            raise OptionError(f"max_missing={self.max_missing!r} must lie in [0, 1)")

    def fit(
        self,
        ds: xr.Dataset,
        platform: str | None = "api",
        *,
        geo: str = "GLOBAL",
        sel: Mapping[str, Any] | None = None,
    ) -> CostUsageResult:
        """Fit on the task counts of ``platform`` at ``geo``.

        Parameters
        ----------
        ds : xarray.Dataset
            Needs ``task_count`` (with the ``soc_major`` task coordinate for
            SOC level) and the regressors over ``task``; either may carry a
            ``platform`` dim.
        platform : str or None
            Platform label; ``None`` for a dataset without a ``platform`` dim.
            Without the dim, ``ds.attrs["platform"]`` must match when given.
        geo : str
            The geo whose counts are used (API data is global).
        sel : mapping, optional
            Labels for further dims (e.g. ``{"period": "2025-08-04"}``).

        Returns
        -------
        CostUsageResult
        """
        validate(ds, check_values=False)  # types, duplicate labels, dtypes: before any arithmetic
        if "task_count" not in ds.data_vars:
            raise SchemaError("CostUsage needs 'task_count' in the dataset")
        needed = list(self.regressors) + list(self.controls)
        absent = [v for v in needed if v not in ds.data_vars]
        if absent:
            raise MissingCovariateError(f"CostUsage needs {absent} over 'task'; the dataset lacks them")
        notes: list[str] = []

        def pick(da: xr.DataArray) -> xr.DataArray:
            if PLATFORM in da.dims:
                labels = [str(v) for v in da[PLATFORM].values]
                if platform is None or platform not in labels:
                    raise SchemaError(f"platform={platform!r} not among {da.name!r} platforms {labels}")
                da = da.sel({PLATFORM: platform}, drop=True)
            if GEO in da.dims:
                if geo not in set(map(str, da[GEO].values)):
                    raise SchemaError(f"geo {geo!r} not in the dataset")
                da = da.sel({GEO: geo}, drop=True)
            return _reduce_other_dims(
                da, {TASK}, {k: v for k, v in (sel or {}).items() if k in da.dims}, str(da.name)
            )

        if PLATFORM not in ds["task_count"].dims and platform is not None:
            attr = ds.attrs.get("platform")
            if attr not in (None, "", platform):
                raise SchemaError(
                    f"dataset has no 'platform' dim and attrs['platform']={attr!r} != {platform!r}"
                )
        counts = pick(ds["task_count"])
        if sel:
            extra = set(sel) - set(ds["task_count"].dims)
            if extra:
                raise OptionError(f"sel names dims {sorted(extra)} that 'task_count' does not have")
        tasks = np.array([str(t) for t in counts[TASK].values], dtype=object)
        special = np.isin(tasks, SPECIAL_CLUSTERS)
        n_t = np.asarray(counts.values, dtype=float)[~special]
        tasks = tasks[~special]
        cols = {v: np.asarray(pick(ds[v]).reindex({TASK: list(tasks)}).values, dtype=float) for v in needed}
        for v in self.regressors:
            bad = np.isfinite(cols[v]) & (cols[v] <= 0)
            if bad.any():
                raise DataValueError(
                    f"{v!r} is non-positive for tasks {list(tasks[bad][:5])} (log undefined)"
                )
        dropped: list[tuple[str, str]] = []
        clusters = None
        if self.over == "task":
            cats = tasks
            usage = n_t
            X_raw = cols
            if self.cov_type == "cluster":
                if "soc_major" not in counts.coords:
                    raise SchemaError("cov_type='cluster' needs the 'soc_major' coordinate on 'task'")
                clusters = np.array([str(s) for s in counts["soc_major"].values], dtype=object)[~special]
        else:
            if "soc_major" not in counts.coords:
                raise SchemaError("over='soc_major' needs the 'soc_major' coordinate on 'task'")
            soc = np.array([str(s) for s in counts["soc_major"].values], dtype=object)[~special]
            have = np.all([np.isfinite(cols[v]) for v in needed], axis=0)
            miss_t = tasks[~have & (np.nan_to_num(n_t) > 0)]
            if miss_t.size:
                lost = float(np.nansum(n_t[~have])) / max(float(np.nansum(n_t)), 1.0)
                notes.append(
                    f"{miss_t.size} used tasks ({lost:.1%} of conversations) lack {needed} and are left "
                    "out of their group's mean (their counts stay in the group's usage)"
                )
            cats, inv = np.unique(soc, return_inverse=True)
            w = np.where(have, np.nan_to_num(n_t), 0.0)
            usage = np.bincount(inv, weights=np.nan_to_num(n_t), minlength=cats.size)
            wsum = np.bincount(inv, weights=w, minlength=cats.size)
            X_raw = {}
            with np.errstate(invalid="ignore", divide="ignore"):
                for v in needed:
                    num = np.bincount(inv, weights=w * np.nan_to_num(cols[v]), minlength=cats.size)
                    X_raw[v] = np.where(wsum > 0, num / wsum, np.nan)
            all_nan = np.bincount(inv, weights=np.isnan(n_t).astype(float), minlength=cats.size)
            usage = np.where(all_nan == np.bincount(inv, minlength=cats.size), np.nan, usage)
        if cats.size == 0:
            raise DataValueError("no task category with counts on the chosen platform/geo")
        total = float(np.nansum(usage))
        if not total > 0:
            raise DataValueError(f"task_count is zero or missing for every category on platform {platform!r}")
        # categories without usage carry no information in a log-log fit: recorded first
        # (a zero-usage task also has no cost index in a release), then the cost check
        no_use = ~(np.nan_to_num(usage, nan=-1.0) > 0)
        dropped += [
            (str(c), "zero usage" if usage[i] == 0 else "missing usage")
            for i, c in zip(np.flatnonzero(no_use), cats[no_use], strict=True)
        ]
        miss_x = ~no_use & ~np.all([np.isfinite(X_raw[v]) for v in needed], axis=0)
        n_used = int((~no_use).sum())
        if n_used and miss_x.sum() > self.max_missing * n_used:
            raise MissingCovariateError(
                f"{int(miss_x.sum())} of {n_used} used {self.over} categories lack {needed} "
                f"(more than max_missing={self.max_missing}); e.g. {list(cats[miss_x][:5])}"
            )
        dropped += [(str(c), f"missing {'/'.join(needed)}") for c in cats[miss_x]]
        use = ~miss_x & ~no_use
        if dropped:
            notes.append(f"dropped {len(dropped)} categories (see .dropped)")
        share = usage / total
        k = 1 + len(needed)
        if int(use.sum()) <= k:
            raise EstimationError(f"only {int(use.sum())} usable categories for {k} coefficients")
        y = np.log(share[use])
        names = ["const"] + [f"log_{v}" for v in self.regressors] + list(self.controls)
        X = np.column_stack(
            [np.ones(int(use.sum()))]
            + [np.log(X_raw[v][use]) for v in self.regressors]
            + [X_raw[c][use] for c in self.controls]
        )
        wts = usage[use] if self.weights == "usage" else None
        reg = OLS(cov_type=self.cov_type).fit(
            y,
            X,
            weights=wts,
            names=tuple(names),
            obs_names=[str(c) for c in cats[use]],
            cluster=None if clusters is None else clusters[use],
            dep_var="log_usage_share",
        )
        data = pd.DataFrame(
            {"category": cats[use].astype(str), "usage_count": usage[use], "usage_share": share[use]}
        )
        for v in needed:
            data[v] = X_raw[v][use]
        data["log_usage_share"] = y
        for v in self.regressors:
            data[f"log_{v}"] = np.log(X_raw[v][use])
        data["weight"] = wts if wts is not None else 1.0
        drop_df = pd.DataFrame(dropped, columns=["category", "reason"])
        return CostUsageResult(
            **inference_fields(reg),
            over=self.over,
            model=reg.model,
            dep_var="log_usage_share",
            regression=reg,
            data=data,
            dropped=drop_df,
            platform=str(platform),
            weights=self.weights,
            regressor=self.regressors[0],
            notes=tuple(notes),
        )
