"""StateAutomationModel: automation share of classified conversations per state, given the task mix."""

from __future__ import annotations

from dataclasses import dataclass, replace

import arviz as az
import numpy as np
import pymc as pm
import xarray as xr

from econindex.automation import expected_automation
from econindex.bayes._base import (
    PARAMETERIZATIONS,
    BayesResult,
    group_effect,
    partial_group_effect,
    sample,
    warn_if_failed,
)
from econindex.bayes._data import MIN_STATES, Exclude, require, require_some_counts, select_states
from econindex.errors import DataValueError, MissingCovariateError, OptionError, SchemaError
from econindex.schema import AUTOMATION_PATTERNS, CLASSIFIED_PATTERNS, check_option

__all__ = ["AutomationPosterior", "StateAutomationModel"]

LIKELIHOODS = ("auto", "binomial", "beta", "logitnormal")
# floor of the state effects' sd in the centering weights (see StateAutomationModel.state_weights)
CENTERING_FLOOR_SD = 0.05


@dataclass(frozen=True, repr=False)
class AutomationPosterior(BayesResult):
    """Posterior of :class:`StateAutomationModel`; ``c`` is the task-mix controlled usage effect."""

    likelihood: str = ""
    usage_sd: float = float("nan")

    @property
    def slope(self) -> float:
        """Posterior mean of ``c`` (logit change per one sd of the usage index)."""
        return float(self.posterior["c"].mean())

    def slope_interval(self, prob: float = 0.9) -> tuple[float, float]:
        """Central ``prob`` posterior interval of ``c``."""
        q = self.posterior["c"].quantile([(1 - prob) / 2, (1 + prob) / 2]).values
        return float(q[0]), float(q[1])

    def automation_share(self, prob: float = 0.9) -> xr.Dataset:
        """Posterior automation share per state (mean and central interval) next to the observed one."""
        p = self.posterior["automation_share_fitted"]
        lo, hi = (1 - prob) / 2, (1 + prob) / 2
        q = p.quantile([lo, hi], dim=("chain", "draw"))
        return xr.Dataset(
            {
                "mean": p.mean(("chain", "draw")),
                "lower": q.sel(quantile=lo, drop=True),
                "upper": q.sel(quantile=hi, drop=True),
                "observed": self.data["automation_share"],
                "expected": self.data["expected_automation"],
            },
            attrs={"prob": prob},
        )


@dataclass(frozen=True)
class StateAutomationModel:
    r"""Automation share of classified conversations per state, controlling for the task mix.

    .. math::

        \mathrm{logit}\, p_s = a + \mathrm{logit}(E_s) + c\, z_s + \epsilon_s

    with :math:`E_s` the expected automation share from the state's task mix,
    :math:`z_s` the standardized usage index and ``c`` the usage effect net of
    the task mix. Likelihoods:

    - ``"binomial"``: automation conversations ~ Binomial(classified
      conversations, :math:`p_s`), with state effects
      :math:`\epsilon_s \sim N(0, \sigma_{state})` (from ``pattern_count``).
    - ``"beta"``: the published automation share ~ Beta with mean
      :math:`p_s` and sd-like ``dispersion`` (precision = 1/dispersion²);
      the Beta noise is the state effect.
    - ``"logitnormal"``: logit(published share) ~ Normal(logit :math:`p_s`, sigma).
    - ``"auto"``: binomial when ``pattern_count`` is present, else beta.

    :math:`E_s` is ``expected_automation`` when given, else computed from
    ``task_count`` and ``task_pattern_share``; :math:`z_s` standardizes
    ``usage_index`` when given, else usage per working-age person.

    Parameters
    ----------
    likelihood : {"auto", "binomial", "beta", "logitnormal"}
    expected : {"offset", "covariate"}
        "offset" (default, the issue's model) enters :math:`\mathrm{logit}(E_s)`
        with coefficient 1; "covariate" gives it a free loading ``g`` ~ N(1, 1),
        like the task-mix controlled OLS regression (Frisch-Waugh-Lovell).
    parameterization : {"auto", "partial", "noncentered", "centered"}
        Form of the binomial state effects. "auto" (default) is "partial":
        each state's effect is partially centered with a weight chosen from
        its own count (:meth:`state_weights`); "centered" and "noncentered"
        are the two ends.
    prior_c_sd : float
        Prior sd of ``c`` (mean 0).
    target_accept : float

    Examples
    --------
    >>> from econindex.bayes._demo import demo_states
    >>> model = StateAutomationModel().build(demo_states(0))
    >>> sorted(v.name for v in model.free_RVs)
    ['a', 'c', 'sigma_state', 'state_logit_raw']
    """

    likelihood: str = "auto"
    expected: str = "offset"
    parameterization: str = "auto"
    prior_c_sd: float = 1.0
    target_accept: float = 0.9

    def __post_init__(self) -> None:
        check_option("likelihood", self.likelihood, LIKELIHOODS)
        check_option("expected", self.expected, ("offset", "covariate"))
        check_option("parameterization", self.parameterization, (*PARAMETERIZATIONS, "partial", "auto"))
        if not self.prior_c_sd > 0:
            raise OptionError(f"prior_c_sd={self.prior_c_sd!r} must be positive")

    def _resolve(self, ds: xr.Dataset) -> str:
        if self.likelihood != "auto":
            return self.likelihood
        if "pattern_count" in ds.data_vars:
            return "binomial"
        if "automation_share" in ds.data_vars:
            return "beta"
        raise SchemaError(
            "StateAutomationModel needs 'pattern_count' (counts) or 'automation_share' (shares)"
        )

    def _inputs(self, ds: xr.Dataset, exclude: Exclude) -> tuple[xr.Dataset, list[str], str]:
        like = self._resolve(ds)
        sub, notes = select_states(ds, exclude)
        out = xr.Dataset(coords={"geo": sub["geo"].values})
        for c in ("geo_name", "census_region", "census_division", "abuse_flagged"):
            if c in sub.coords:
                out = out.assign_coords({c: ("geo", sub[c].values)})
        if like == "binomial":
            if "pattern_count" not in sub.data_vars:
                raise SchemaError("likelihood='binomial' needs 'pattern_count' (geo, pattern)")
            pc = sub["pattern_count"]
            auto = pc.sel(pattern=[p for p in AUTOMATION_PATTERNS if p in pc["pattern"].values]).sum(
                "pattern"
            )
            cls = pc.sel(pattern=[p for p in CLASSIFIED_PATTERNS if p in pc["pattern"].values]).sum(
                "pattern", min_count=1
            )
            bad = [str(g) for g in sub["geo"].values[~np.isfinite(cls.values)]]
            if bad:
                raise DataValueError(f"pattern_count is missing for states {bad}; pass exclude={bad!r}")
            require_some_counts(cls.values, "pattern_count (classified patterns)")
            out["automation_count"] = auto.drop_vars([c for c in auto.coords if c != "geo"])
            out["classified_count"] = cls.drop_vars([c for c in cls.coords if c != "geo"])
            with np.errstate(invalid="ignore", divide="ignore"):
                out["automation_share"] = out["automation_count"] / out["classified_count"]
        else:
            if "automation_share" not in sub.data_vars:
                raise SchemaError(f"likelihood={like!r} needs the 'automation_share' variable")
            share = sub["automation_share"]
            has = np.isfinite(share.values)
            absent = [str(g) for g in sub["geo"].values[~has]]
            if absent:
                notes.append(f"states without a published automation share (not modelled): {absent}")
                sub = sub.isel(geo=np.flatnonzero(has))
                out = out.isel(geo=np.flatnonzero(has))
            if sub.sizes["geo"] < MIN_STATES:
                from econindex.errors import EstimationError

                raise EstimationError(f"at least {MIN_STATES} states with an automation share are needed")
            vals = sub["automation_share"].values
            edge = [str(g) for g in sub["geo"].values[(vals <= 0) | (vals >= 1)]]
            if edge:
                raise DataValueError(
                    f"automation_share must lie strictly in (0, 1) for the {like} form: {edge}"
                )
            out["automation_share"] = ("geo", vals)
        # expected automation from the task mix
        if "expected_automation" in sub.data_vars:
            exp_ = sub["expected_automation"]
            missing = [str(g) for g in sub["geo"].values[~np.isfinite(exp_.values)]]
            if missing:
                raise MissingCovariateError(f"'expected_automation' is missing for states {missing}")
            notes.append("expected automation: the dataset's expected_automation")
        elif "task_count" in sub.data_vars and "task_pattern_share" in sub.data_vars:
            # the one implementation (none/not_classified tasks excluded); rates from the whole dataset
            exp_ = expected_automation(ds).sel(geo=sub["geo"].values)
            missing = [str(g) for g in sub["geo"].values[~np.isfinite(exp_.values)]]
            if missing:
                raise MissingCovariateError(
                    f"no task mix to compute expected automation for states {missing}"
                )
            notes.append("expected automation: computed from task_count and task_pattern_share")
        else:
            raise MissingCovariateError(
                "StateAutomationModel needs 'expected_automation', or 'task_count' with 'task_pattern_share'"
            )
        e = np.clip(np.asarray(exp_.values, float), 1e-6, 1 - 1e-6)
        out["expected_automation"] = ("geo", e)
        # usage index, standardized
        if "usage_index" in sub.data_vars and np.isfinite(sub["usage_index"].values).all():
            u = np.asarray(sub["usage_index"].values, float)
            notes.append("usage: the dataset's usage_index, standardized over the fitted states")
        else:
            require(sub, ["usage_count", "working_age_pop"], covariate=True)
            per = sub["usage_count"].values / sub["working_age_pop"].values
            u = per / (sub["usage_count"].values.sum() / sub["working_age_pop"].values.sum())
            notes.append("usage: usage per working-age person relative to the fitted states, standardized")
        if np.std(u) == 0:
            raise DataValueError("the usage index does not vary across the fitted states")
        out["usage_index"] = ("geo", u)
        out.attrs["usage_mean"], out.attrs["usage_sd"] = float(u.mean()), float(u.std())
        return out, notes, like

    def build(self, ds: xr.Dataset, *, exclude: Exclude = None) -> pm.Model:
        """The PyMC model for ``ds`` (US states, minus ``exclude``)."""
        data, _, like = self._inputs(ds, exclude)
        return self._model(data, like)

    @staticmethod
    def state_weights(data: xr.Dataset) -> np.ndarray:
        """Centering weight per state of the partial form, ``w_s = t^2 / (t^2 + v_s)`` (binomial counts).

        ``v_s = 1 / (n_s p_s (1 - p_s))`` is the variance with which state
        ``s``'s ``n_s`` classified conversations pin its logit (``p_s`` its
        automation share, shrunk by half a count) and ``t^2`` the state
        effects' variance: the variance of the residuals of the OLS of
        ``logit p_s - logit E_s`` on the standardized usage, net of the mean
        ``v_s``, floored at ``CENTERING_FLOOR_SD^2``. A state whose count pins its logit
        far more tightly than the spread of the state effects is centered
        (``w`` near 1), one with few conversations non-centered (near 0).
        See :func:`econindex.bayes._base.partial_group_effect`.
        """
        n = np.asarray(data["classified_count"].values, float)
        y = np.asarray(data["automation_count"].values, float)
        p = (y + 0.5) / (n + 1.0)
        v = 1.0 / ((n + 1.0) * p * (1.0 - p))
        e = np.asarray(data["expected_automation"].values, float)
        u = np.asarray(data["usage_index"].values, float)
        r = np.log(p / (1 - p)) - np.log(e / (1 - e))
        design = np.column_stack([np.ones_like(u), (u - u.mean()) / u.std()])
        resid = r - design @ np.linalg.lstsq(design, r, rcond=None)[0]
        dof = max(len(r) - 2, 1)
        t2 = max(float(resid @ resid / dof - v.mean()), CENTERING_FLOOR_SD**2)
        return t2 / (t2 + v)

    def _model(self, data: xr.Dataset, like: str) -> pm.Model:
        e = data["expected_automation"].values
        u = data["usage_index"].values
        z = (u - u.mean()) / u.std()
        with pm.Model(coords={"geo": data["geo"].values}) as model:
            # every input is a pm.Data container, so a compiled model is reused for new data
            offset = pm.Data("logit_expected", np.log(e / (1 - e)), dims="geo")
            zz = pm.Data("usage_z", z, dims="geo")
            a = pm.Normal("a", 0.0, 1.0)
            c = pm.Normal("c", 0.0, self.prior_c_sd)
            if self.expected == "offset":
                eta = a + offset + c * zz
            else:  # a free loading on the expected automation, as in the OLS/FWL regression
                g = pm.Normal("g", 1.0, 1.0)
                eta = a + g * offset + c * zz
            if like == "binomial":
                n = pm.Data("classified_count", data["classified_count"].values.astype("int64"), dims="geo")
                obs = pm.Data(
                    "automation_count_observed", data["automation_count"].values.astype("int64"), dims="geo"
                )
                sigma_s = pm.HalfNormal("sigma_state", 0.5)
                # the state's logit is centered on its whole linear predictor (not a zero-mean effect
                # added to it), so a and c are not tied to the state effects along a ridge
                if self.parameterization in ("auto", "partial"):
                    weight = pm.Data("state_centering", self.state_weights(data), dims="geo")
                    theta = partial_group_effect("state_logit", sigma_s, "geo", weight, mu=eta)
                else:
                    theta = group_effect("state_logit", sigma_s, "geo", self.parameterization, mu=eta)
                pm.Deterministic("state_effect", theta - eta, dims="geo")
                p = pm.Deterministic("automation_share_fitted", pm.math.invlogit(theta), dims="geo")
                pm.Binomial("automation_count", n=n, p=p, observed=obs, dims="geo")
            elif like == "beta":
                obs = pm.Data("automation_share_observed", data["automation_share"].values, dims="geo")
                disp = pm.HalfNormal("dispersion", 0.2)
                p = pm.Deterministic("automation_share_fitted", pm.math.invlogit(eta), dims="geo")
                kappa = 1.0 / disp**2
                pm.Beta("automation_share", alpha=p * kappa, beta=(1 - p) * kappa, observed=obs, dims="geo")
            else:
                y = data["automation_share"].values
                obs = pm.Data("logit_automation_share_observed", np.log(y / (1 - y)), dims="geo")
                sigma = pm.HalfNormal("sigma", 1.0)
                pm.Deterministic("automation_share_fitted", pm.math.invlogit(eta), dims="geo")
                pm.Normal("logit_automation_share", eta, sigma, observed=obs, dims="geo")
        return model

    def fit(
        self,
        ds: xr.Dataset,
        *,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        seed: int | None = 0,
        sampler: str = "auto",
        exclude: Exclude = None,
        progressbar: bool = False,
    ) -> AutomationPosterior:
        """Sample the posterior of the automation model for the US states of ``ds``.

        Parameters are as in :meth:`StateUsageModel.fit`. States without a
        published automation share are listed in the notes (the real table
        covers 43 of the 51).

        Returns
        -------
        AutomationPosterior
        """
        data, notes, like = self._inputs(ds, exclude)
        model = self._model(data, like)
        key = (type(self).__name__, replace(self, target_accept=0.9), like, data.sizes["geo"])
        idata = sample(
            model,
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            sampler=sampler,
            target_accept=self.target_accept,
            progressbar=progressbar,
            cache_key=key,
        )
        extra = {"binomial": "sigma_state", "beta": "dispersion", "logitnormal": "sigma"}[like]
        main = ("c", "a", "g", extra) if self.expected == "covariate" else ("c", "a", extra)
        notes.append(
            f"likelihood: {like}; c is per one sd of the usage index (sd = {data.attrs['usage_sd']:.4g})"
        )
        res = AutomationPosterior(
            idata=idata,
            model_name=type(self).__name__,
            config=self,
            data=data,
            var_names=main,
            notes=tuple(notes),
            model=model,
            likelihood=like,
            usage_sd=float(data.attrs["usage_sd"]),
        )
        warn_if_failed(res.diagnose(), res.model_name)
        return res

    def prior_predictive(
        self, ds: xr.Dataset, *, draws: int = 500, seed: int | None = 0, exclude: Exclude = None
    ) -> az.InferenceData:
        """Draws of parameters and observations from the prior."""
        model = self.build(ds, exclude=exclude)
        with model:
            return pm.sample_prior_predictive(draws=draws, random_seed=seed)
