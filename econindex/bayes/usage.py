"""StateUsageModel: conversations per US state with partial pooling over Census divisions and regions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import arviz as az
import numpy as np
import pymc as pm
import xarray as xr

from econindex.bayes._base import (
    PARAMETERIZATIONS,
    BayesResult,
    group_effect,
    partial_group_effect,
    sample,
    warn_if_failed,
)
from econindex.bayes._data import Exclude, Hierarchy, hierarchy, require, require_some_counts, select_states
from econindex.errors import DataValueError, OptionError
from econindex.schema import check_option

__all__ = ["StateUsageModel", "UsagePosterior"]

STATE_EFFECTS = ("gamma", "lognormal")
FORMS = (*PARAMETERIZATIONS, "partial", "auto")
# division-effect sd in the centering weights (see StateUsageModel.division_weights)
CENTERING_SD = 0.05
GROUPINGS = ("region_division", "division", "none")


@dataclass(frozen=True, repr=False)
class UsagePosterior(BayesResult):
    """Posterior of :class:`StateUsageModel`: elasticity ``b``, per-state AUI, predictions for new states."""

    reference_ratio: float = float("nan")
    x_mean: float = float("nan")

    @property
    def elasticity(self) -> float:
        """Posterior mean of the state income elasticity ``b``."""
        return float(self.posterior["b"].mean())

    def elasticity_interval(self, prob: float = 0.9) -> tuple[float, float]:
        """Central ``prob`` posterior interval of ``b``."""
        q = self.posterior["b"].quantile([(1 - prob) / 2, (1 + prob) / 2]).values
        return float(q[0]), float(q[1])

    def state_rate_draws(self, *, seed: int | None = 0) -> xr.DataArray:
        """Posterior draws of each state's expected conversations given its own data (chain, draw, geo).

        With the gamma state effect (negative binomial), a state's latent rate
        given the parameters is conjugate: ``Gamma(alpha + y, alpha / mu + 1)``
        (shape, rate), drawn here once per posterior draw; with the log-normal
        state effect it is the sampled ``rate`` itself.
        """
        post = self.posterior
        if "rate" in post:
            return post["rate"]
        rng = np.random.default_rng(seed)
        mu = post["mu"]
        alpha = 1.0 / post["dispersion"] ** 2
        y = self.data["usage_count"]
        shape = alpha + y
        scale = 1.0 / (alpha / mu + 1.0)
        shape, scale = xr.broadcast(shape, scale)
        draws = rng.gamma(shape.transpose(*mu.dims).values, scale.transpose(*mu.dims).values)
        return xr.DataArray(draws, coords=mu.coords, dims=mu.dims, name="rate")

    def aui(self, prob: float = 0.9, *, seed: int | None = 0) -> xr.Dataset:
        """Posterior AI Usage Index per state: mean, median and central ``prob`` interval.

        AUI = (expected conversations / working-age population) / reference
        ratio, with the dataset's ``reference_ratio`` attribute when it has one
        (the published index's), else total usage over total population of the
        fitted states.
        """
        rate = self.state_rate_draws(seed=seed)
        aui = rate / self.data["working_age_pop"] / self.reference_ratio
        lo, hi = (1 - prob) / 2, (1 + prob) / 2
        q = aui.quantile([lo, 0.5, hi], dim=("chain", "draw"))
        out = xr.Dataset(
            {
                "mean": aui.mean(("chain", "draw")),
                "median": q.sel(quantile=0.5, drop=True),
                "lower": q.sel(quantile=lo, drop=True),
                "upper": q.sel(quantile=hi, drop=True),
                "observed": self.data["usage_count"] / self.data["working_age_pop"] / self.reference_ratio,
            }
        )
        out.attrs.update(prob=prob, reference_ratio=self.reference_ratio)
        return out

    def predict_new(
        self,
        working_age_pop: float,
        gdp: float,
        *,
        division: str | None = None,
        region: str | None = None,
        seed: int | None = 0,
    ) -> xr.Dataset:
        """Posterior predictive conversations and AUI of a state not in the data.

        The new state's division effect is the fitted one when ``division`` is
        known, else drawn around its ``region``'s effect, else around a new
        region; its state effect is drawn from the fitted distribution.

        Returns
        -------
        xarray.Dataset
            ``usage_count`` and ``aui`` draws over (chain, draw).
        """
        if not (np.isfinite(working_age_pop) and working_age_pop > 0 and np.isfinite(gdp) and gdp > 0):
            raise DataValueError("predict_new needs a positive working_age_pop and gdp")
        post = self.posterior
        rng = np.random.default_rng(seed)
        shape = (post.sizes["chain"], post.sizes["draw"])
        x = np.log(gdp / working_age_pop) - self.x_mean
        if "division_effect" not in post:  # grouping="none"
            d_eff = np.zeros(shape)
        elif "region_effect" not in post:  # grouping="division"
            if division is not None:
                if division not in post["division"].values:
                    known = list(post["division"].values)
                    raise OptionError(f"division={division!r} is not in the fit: {known}")
                d_eff = post["division_effect"].sel(division=division).values
            else:
                d_eff = post["sigma_division"].values * rng.standard_normal(shape)
        elif division is not None:
            if division not in post["division"].values:
                raise OptionError(f"division={division!r} is not in the fit: {list(post['division'].values)}")
            d_eff = post["division_effect"].sel(division=division).values
        else:
            if region is not None:
                if region not in post["region"].values:
                    raise OptionError(f"region={region!r} is not in the fit: {list(post['region'].values)}")
                r_eff = post["region_effect"].sel(region=region).values
            else:
                r_eff = post["sigma_region"].values * rng.standard_normal(shape)
            d_eff = r_eff + post["sigma_division"].values * rng.standard_normal(shape)
        mu = working_age_pop * np.exp(post["a"].values + post["b"].values * x + d_eff)
        if "dispersion" in post:
            alpha = 1.0 / post["dispersion"].values ** 2
            lam = rng.gamma(alpha, mu / alpha)
        else:
            lam = mu * np.exp(post["sigma_state"].values * rng.standard_normal(shape))
        y = rng.poisson(lam).astype(float)
        dims = ("chain", "draw")
        coords = {"chain": post["chain"].values, "draw": post["draw"].values}
        return xr.Dataset(
            {
                "usage_count": (dims, y),
                "aui": (dims, lam / working_age_pop / self.reference_ratio),
            },
            coords=coords,
        )


@dataclass(frozen=True)
class StateUsageModel:
    r"""Negative-binomial model of conversations per US state, pooled within divisions and regions.

    .. math::

        y_s &\sim \mathrm{NegBin}(\mu_s, \alpha), \qquad
        \log \mu_s = \log P_s + a + b\,(x_s - \bar x) + \delta_{d(s)} \\
        \delta_d &\sim N(\rho_{r(d)}, \sigma_d), \qquad
        \rho \sim \mathrm{ZeroSumNormal}(\sigma_r)

    with :math:`P_s` the working-age population, :math:`x_s` the log GDP per
    working-age person and ``b`` the state income elasticity. The negative
    binomial *is* the state effect: it is a Poisson whose rate carries a
    Gamma(alpha, alpha) state factor with coefficient of variation
    ``dispersion`` = :math:`1/\sqrt{\alpha}`. With ``state_effect="lognormal"``
    that factor is instead an explicit :math:`\exp(\epsilon_s)`,
    :math:`\epsilon_s \sim N(0, \sigma_{state})` with a Poisson likelihood
    (one count per state cannot tell a Gamma from a log-normal factor, so the
    model carries one, not both).

    Parameters
    ----------
    grouping : {"region_division", "division", "none"}
        Group effects: divisions nested in regions (default), Census
        divisions only (zero-sum), or none (the negative binomial's state
        factor only).
    parameterization : {"auto", "partial", "noncentered", "centered"}
        Form of the division (and log-normal state) effects. "auto" (default)
        decides from the data (see :meth:`division_form`): with regions,
        "partial", each division's effect partially centered with a weight
        from its number of states and the data's noise
        (:meth:`division_weights`); with divisions only, centered or
        non-centered.
    state_effect : {"gamma", "lognormal"}
        See above.
    prior_b_sd : float
        Prior sd of ``b`` (prior mean 0).
    prior_a : (float, float) or None
        Prior (mean, sd) of ``a``; None centers it on the log of the fitted
        states' usage per working-age person, with sd 1.5.
    target_accept : float
        NUTS target acceptance rate (0.95: fewer divergences at the boundary of the small group sds).

    Examples
    --------
    >>> from econindex.bayes._demo import demo_states
    >>> ds = demo_states(0)
    >>> model = StateUsageModel().build(ds)
    >>> sorted(v.name for v in model.free_RVs)  # divisions partially centered
    ['a', 'b_std', 'dispersion', 'division_effect_raw', 'region_effect_z', 'sigma_division', 'sigma_region']

    Fitting (about 10-20 s with nutpie on two cores, mostly compilation):

    >>> res = StateUsageModel().fit(ds, draws=500, tune=500, chains=2, seed=1)  # doctest: +SKIP
    >>> lo, hi = res.elasticity_interval(0.9)  # doctest: +SKIP
    """

    grouping: str = "region_division"
    parameterization: str = "auto"
    state_effect: str = "gamma"
    prior_b_sd: float = 2.0
    prior_a: tuple[float, float] | None = None
    # 0.95: on simulate(0..4) it left 2 of 7 fits with one divergence, against 6 of 7 at 0.9
    target_accept: float = 0.95

    def __post_init__(self) -> None:
        check_option("grouping", self.grouping, GROUPINGS)
        check_option("parameterization", self.parameterization, FORMS)
        check_option("state_effect", self.state_effect, STATE_EFFECTS)
        if self.parameterization == "partial" and self.grouping != "region_division":
            raise OptionError("parameterization='partial' needs grouping='region_division'")
        if not self.prior_b_sd > 0:
            raise OptionError(f"prior_b_sd={self.prior_b_sd!r} must be positive")
        if self.prior_a is not None and not (len(self.prior_a) == 2 and self.prior_a[1] > 0):
            raise OptionError(f"prior_a={self.prior_a!r} must be (mean, positive sd)")

    # ------------------------------------------------------------------------
    def _inputs(self, ds: xr.Dataset, exclude: Exclude) -> tuple[xr.Dataset, list[str], Hierarchy]:
        sub, notes = select_states(ds, exclude)
        require(sub, ["working_age_pop", "gdp"], covariate=True)
        require(sub, ["usage_count"], covariate=False)
        y = np.asarray(sub["usage_count"].values, float)
        if (np.abs(y - np.round(y)) > 1e-9).any():
            raise DataValueError("usage_count must hold whole conversation counts for StateUsageModel")
        require_some_counts(y, "usage_count")
        zero = [str(g) for g in sub["geo"].values[y == 0]]
        if zero:
            notes.append(f"states with zero conversations (kept, valid data): {zero}")
        keep = ("geo_name", "census_region", "census_division", "abuse_flagged")
        data = sub[["usage_count", "working_age_pop", "gdp"]]
        data = data.drop_vars([c for c in data.coords if c not in (*keep, "geo")])
        return data, notes, hierarchy(sub, needed_by=f"StateUsageModel(grouping={self.grouping!r})",
                                      required=self.grouping != "none")

    def build(self, ds: xr.Dataset, *, exclude: Exclude = None) -> pm.Model:
        """The PyMC model for ``ds`` (US states, minus ``exclude``)."""
        data, _, hier = self._inputs(ds, exclude)
        return self._model(data, hier)

    def _residual_moments(self, data: xr.Dataset, hier: Hierarchy) -> tuple[float, float, np.ndarray]:
        """``(s^2, tau^2, n_d)``: state noise and division spread of log usage per person, and state counts.

        From the residuals of the OLS of log usage per person on the
        predictor: ``s^2``, their variance within divisions, and ``tau^2``,
        the variance of the division means net of ``s^2 / n_d`` (a moment
        estimate of the division effects' variance, floored at 0).
        """
        y = np.maximum(np.asarray(data["usage_count"].values, float), 0.5)
        pop = np.asarray(data["working_age_pop"].values, float)
        x = np.log(np.asarray(data["gdp"].values, float) / pop)
        ly = np.log(y / pop)
        design = np.column_stack([np.ones_like(x), x])
        resid = ly - design @ np.linalg.lstsq(design, ly, rcond=None)[0]
        n_d = np.bincount(hier.division_of_state, minlength=len(hier.divisions)).astype(float)
        means = np.bincount(hier.division_of_state, weights=resid, minlength=len(hier.divisions)) / n_d
        within = resid - means[hier.division_of_state]
        s2 = float(within @ within / max(len(ly) - len(n_d), 1))
        # between-division variance net of what the state noise puts into a division mean
        tau2 = max(float(np.mean(means**2) - np.mean(s2 / n_d)), 0.0)
        return s2, tau2, n_d

    def division_form(self, data: xr.Dataset, hier: Hierarchy) -> str:
        """Form of the division effects: as set, or (``"auto"``) ``"partial"`` with region effects.

        ``"auto"`` is ``"partial"`` (see :meth:`division_weights`) for
        divisions nested in regions; for zero-sum division effects alone it
        is centered when the moment estimate of the effects' spread ``tau``
        exceeds the ``s / sqrt(n_d)`` to which the median division's states
        pin its effect (Betancourt and Girolami 2015), else non-centered.
        """
        if self.parameterization != "auto":
            return self.parameterization
        if self.grouping == "none":
            return "noncentered"
        if self.grouping == "region_division":
            return "partial"
        s2, tau2, n_d = self._residual_moments(data, hier)
        return "centered" if tau2 > s2 / float(np.median(n_d)) else "noncentered"

    def division_weights(self, data: xr.Dataset, hier: Hierarchy) -> np.ndarray:
        """Centering weight per division of the ``"partial"`` form, ``w_d = t^2 / (t^2 + s^2 / n_d)``.

        ``s^2 / n_d`` is how tightly division ``d``'s states pin its effect
        (``s^2`` from :meth:`_residual_moments`) and ``t = 0.05``
        (``CENTERING_SD``) a small division-effect sd: the weights lean to
        the non-centered form (0.08 for three states to 0.31 for nine on
        ``simulate()``, 0.03 to 0.09 on the real states) without its funnel at
        large ``sigma_division``. Measured (4 x 1000 draws, ``docs/bayes.md``):
        non-centered, 1-2 divergences in 10 of 23 fits on simulate(0..9) x
        seeds 1, 2, all at the 97th-99th percentile of ``sigma_division``;
        ``t`` = the prior mean 0.2, 1 to 40 divergences per fit at its lower
        tail (the centered funnel); ``t`` = the moment estimate ``tau``
        floored at 0.05, none on ``simulate()`` but 33 of 100 SBC fits with
        divergences (20 states, 2-4 per division: ``tau`` overestimated);
        ``t = 0.05``, none in 23 of 23 and 0 of the 6 SBC data sets rerun.
        """
        s2, _, n_d = self._residual_moments(data, hier)
        return CENTERING_SD**2 / (CENTERING_SD**2 + s2 / n_d)

    def _model(self, data: xr.Dataset, hier: Hierarchy) -> pm.Model:
        y = data["usage_count"].values
        pop = data["working_age_pop"].values
        x = np.log(data["gdp"].values / pop)
        x_mean = float(x.mean())
        if self.prior_a is not None:
            a_mu, a_sd = self.prior_a
        else:
            a_mu, a_sd = float(np.log(max(y.sum(), 1.0) / pop.sum())), 1.5
        x_sd = float(x.std()) if x.std() > 0 else 1.0
        form = self.division_form(data, hier)
        coords: dict[str, Any] = {"geo": data["geo"].values}
        if self.grouping != "none":
            coords["division"] = hier.divisions
        if self.grouping == "region_division":
            coords["region"] = hier.regions
        with pm.Model(coords=coords) as model:
            # every input is a pm.Data container, so a compiled model is reused for new data
            log_pop = pm.Data("log_pop", np.log(pop), dims="geo")
            # the one predictor is standardized (centered and scaled: with one regressor this is its
            # QR decomposition); b on the log-GDP scale is a deterministic function of b_std
            xs = pm.Data("ln_gdp_pc_standardized", (x - x_mean) / x_sd, dims="geo")
            y_obs = pm.Data("usage_count_observed", y, dims="geo")
            a_loc = pm.Data("a_prior_mean", a_mu)
            a = pm.Normal("a", a_loc, a_sd)
            b_std = pm.Normal("b_std", 0.0, self.prior_b_sd * x_sd)
            pm.Deterministic("b", b_std / x_sd)
            eta = log_pop + a + b_std * xs
            if self.grouping != "none":
                div_of_state = pm.Data("division_of_state", hier.division_of_state, dims="geo")
                # boundary-avoiding Gamma(2, 10) priors (mean 0.2, mode 0.1) on the sds of the 4 region
                # and 9 division effects: with so few groups a half-normal puts mass at 0, where the
                # funnel causes divergences and slow mixing of the sds
                sigma_d = pm.Gamma("sigma_division", alpha=2.0, beta=10.0)
                if self.grouping == "region_division":
                    reg_of_div = pm.Data("region_of_division", hier.region_of_division, dims="division")
                    sigma_r = pm.Gamma("sigma_region", alpha=2.0, beta=10.0)
                    region = group_effect("region_effect", sigma_r, "region", "noncentered", zerosum_axes=1)
                    if form == "partial":
                        weight = pm.Data("division_centering", self.division_weights(data, hier),
                                         dims="division")
                        division = partial_group_effect(
                            "division_effect", sigma_d, "division", weight, mu=region[reg_of_div]
                        )
                    else:
                        division = group_effect(
                            "division_effect", sigma_d, "division", form, mu=region[reg_of_div]
                        )
                else:
                    division = group_effect("division_effect", sigma_d, "division", form, zerosum_axes=1)
                eta = eta + division[div_of_state]
            if self.state_effect == "gamma":
                dispersion = pm.HalfNormal("dispersion", 1.0)
                mu = pm.Deterministic("mu", pm.math.exp(eta), dims="geo")
                pm.NegativeBinomial(
                    "usage_count", mu=mu, alpha=1.0 / dispersion**2, observed=y_obs, dims="geo"
                )
            else:
                sigma_s = pm.HalfNormal("sigma_state", 1.0)
                state_form = "noncentered" if self.parameterization == "noncentered" else "centered"
                log_rate = group_effect("log_rate", sigma_s, "geo", state_form, mu=eta)
                pm.Deterministic("state_effect", log_rate - eta, dims="geo")
                rate = pm.Deterministic("rate", pm.math.exp(log_rate), dims="geo")
                pm.Poisson("usage_count", mu=rate, observed=y_obs, dims="geo")
        model._econindex_x_mean = x_mean  # type: ignore[attr-defined]
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
    ) -> UsagePosterior:
        """Sample the posterior for the US states of ``ds``.

        Parameters
        ----------
        ds : xarray.Dataset
            With ``usage_count``, ``working_age_pop``, ``gdp`` and the
            ``census_region``/``census_division`` coordinates.
        draws, tune, chains : int
            NUTS draws and tuning steps per chain, and chains.
        seed : int or None
            Random seed.
        sampler : {"auto", "nutpie", "pymc"}
            "auto" uses nutpie when installed.
        exclude : "flagged" or sequence of str, optional
            States to leave out ("flagged": the ``abuse_flagged`` coordinate).

        Returns
        -------
        UsagePosterior

        Raises
        ------
        MissingCovariateError
            Some state lacks population or GDP (the message names them).
        EstimationError
            Fewer than three states.

        Warns
        -----
        DiagnosticsWarning
            When R-hat, ESS, divergences, tree depth or E-BFMI fail.
        """
        data, notes, hier = self._inputs(ds, exclude)
        model = self._model(data, hier)
        # target_accept is a sampler setting, not part of the compiled model
        structure = replace(self, target_accept=0.9)
        key = (type(self).__name__, structure, data.sizes["geo"], len(hier.regions), len(hier.divisions),
               self.division_form(data, hier))
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
        ref = ds.attrs.get("reference_ratio")
        if ref is None or not np.isfinite(float(ref)):
            ref = float(data["usage_count"].sum() / data["working_age_pop"].sum())
            notes.append("AUI reference: usage per working-age person of the fitted states")
        else:
            notes.append(f"AUI reference ratio from the dataset: {float(ref):.7g}")
        sds = {"region_division": ("sigma_region", "sigma_division"), "division": ("sigma_division",),
               "none": ()}[self.grouping]
        names = ("b", "a", *sds, "dispersion" if self.state_effect == "gamma" else "sigma_state")
        res = UsagePosterior(
            idata=idata,
            model_name=type(self).__name__,
            config=self,
            data=data,
            var_names=names,
            notes=tuple(notes),
            model=model,
            reference_ratio=float(ref),
            x_mean=float(model._econindex_x_mean),  # type: ignore[attr-defined]
        )
        warn_if_failed(res.diagnose(), res.model_name)
        return res

    def prior_predictive(
        self, ds: xr.Dataset, *, draws: int = 500, seed: int | None = 0, exclude: Exclude = None
    ) -> az.InferenceData:
        """Draws of parameters and conversations from the prior (same data layout as :meth:`fit`)."""
        model = self.build(ds, exclude=exclude)
        with model:
            return pm.sample_prior_predictive(draws=draws, random_seed=seed)
