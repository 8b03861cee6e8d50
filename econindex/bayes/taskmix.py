"""StateTaskMixModel: each state's conversations over SOC major groups, pooled within Census regions."""

from __future__ import annotations

from dataclasses import dataclass, replace

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from econindex.bayes._base import PARAMETERIZATIONS, BayesResult, group_effect, sample, warn_if_failed
from econindex.bayes._data import (
    Exclude,
    Hierarchy,
    hierarchy,
    require_some_counts,
    select_states,
    soc_group_counts,
)
from econindex.errors import EstimationError, OptionError
from econindex.schema import check_option

__all__ = ["LIKELIHOODS", "StateTaskMixModel", "TaskMixPosterior", "conjugate_shares", "empirical_scales"]

LIKELIHOODS: tuple[str, ...] = ("dirichlet_multinomial", "logistic_normal")


def _lq(share: xr.DataArray, weight: xr.DataArray) -> xr.DataArray:
    """Location quotient share[s, k] / national share[k] (national = usage-weighted mean of states)."""
    national = (share * weight).sum("geo") / weight.sum()
    return share / national


def _derived(idata: az.InferenceData, hier: Hierarchy, geos: np.ndarray, centered: np.ndarray,
             has_data: np.ndarray) -> None:
    """Add each state's log-mix, ``share`` (its softmax) and zero-sum ``state_deviation`` to the posterior.

    Rebuilds the sampled log-rates from their centered and non-centered
    pieces exactly as the model does (numpy, after sampling: keeping these
    deterministics out of the graph shortens nutpie's numba compilation).
    """
    post: xr.Dataset = idata["posterior"]
    region = post["region_deviation"].isel(region=xr.DataArray(hier.region_of_state, dims="geo"))
    center = (post["mix"] + region.drop_vars("region")).assign_coords(geo=geos)
    level = (post["level"] * xr.DataArray(has_data.astype(float), dims="geo")).assign_coords(geo=geos)
    noncentered = level + center + post["sigma_state"] * post["state_z"].assign_coords(geo=geos)
    mask = xr.DataArray(centered, dims=("geo", "soc_major"))
    theta = xr.where(mask, post["state_lograte"].assign_coords(geo=geos), noncentered)
    eta = (theta - level).transpose("chain", "draw", "geo", "soc_major")
    post["state_logmix"] = eta
    e = xr.apply_ufunc(np.exp, eta - eta.max("soc_major"))
    post["share"] = e / e.sum("soc_major")
    dev = eta - center
    post["state_deviation"] = dev - dev.mean("soc_major")


def conjugate_shares(
    logmean: np.ndarray, kappa: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Log state shares drawn from their conjugate posterior ``Dirichlet(kappa * p_r + n_s)``, one per draw.

    ``logmean`` (draws, geo, group) is the log of each state's region mix
    ``p_r``, ``kappa`` (draws,) the concentration, ``counts`` (geo, group)
    the cells. Gamma variates are drawn on the log scale, ``log G(a) = log
    G(a + 1) + log(U) / a``, which stays finite for the tiny shapes of
    rare groups in small states (a plain Gamma draw underflows to 0 there).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> logp = np.log(np.full((20000, 1, 2), 0.5))
    >>> s = np.exp(conjugate_shares(logp, np.full(20000, 4.0), np.array([[6.0, 0.0]]), rng))
    >>> round(float(s[:, 0, 0].mean()), 2)  # Beta(2 + 6, 2) has mean 0.8
    0.8
    """
    alpha = kappa[:, None, None] * np.exp(logmean) + counts[None, :, :]
    logg = np.log(rng.gamma(alpha + 1.0)) + np.log(rng.uniform(size=alpha.shape)) / alpha
    logg -= logg.max(axis=-1, keepdims=True)
    return logg - np.log(np.exp(logg).sum(axis=-1, keepdims=True))


def _derived_dm(idata: az.InferenceData, hier: Hierarchy, geos: np.ndarray, counts: np.ndarray,
                seed: int | None) -> None:
    """Add ``concentration``, each state's ``share`` (a conjugate Dirichlet draw per posterior draw),
    its zero-sum ``state_logmix`` and ``state_deviation`` from the region mix to the posterior."""
    post: xr.Dataset = idata["posterior"]
    k = counts.shape[1]
    region = post["region_deviation"].isel(region=xr.DataArray(hier.region_of_state, dims="geo"))
    center = (post["mix"] + region.drop_vars("region")).assign_coords(geo=geos)
    center = center.transpose("chain", "draw", "geo", "soc_major")
    kappa = k / post["sigma_state"] ** 2
    post["concentration"] = kappa
    c, d = post.sizes["chain"], post.sizes["draw"]
    eta = center.values.reshape(c * d, len(geos), k)
    logmean = eta - np.log(np.exp(eta - eta.max(-1, keepdims=True)).sum(-1, keepdims=True)) - eta.max(
        -1, keepdims=True)
    rng = np.random.default_rng(None if seed is None else [int(seed), 18])
    logs = conjugate_shares(logmean, kappa.values.reshape(-1), counts, rng).reshape(c, d, len(geos), k)
    dims = ("chain", "draw", "geo", "soc_major")
    post["share"] = xr.DataArray(np.exp(logs), dims=dims, coords=center.coords)
    logmix = logs - logs.mean(-1, keepdims=True)
    post["state_logmix"] = xr.DataArray(logmix, dims=dims, coords=center.coords)
    post["state_deviation"] = post["state_logmix"] - center


def empirical_scales(counts: np.ndarray, region_of_state: np.ndarray) -> tuple[float, float, float]:
    """Moment estimates of the state and region sds of the log-mix and the sampling variance.

    With ``L[s, k] = log(n[s, k] + 0.5)`` centered within each state (the
    empirical log-mix), its sampling variance about ``1 / (n + 0.5)``, the
    group means ``g`` and region means ``R`` of ``L``: the state sd is the
    residual sd of ``L - g - R`` net of sampling noise, the region sd the sd
    of ``R`` net of what the states' spread puts into a region mean.
    Returns ``(sigma_state, sigma_region, sampling variance)``; used only to
    choose the parameterization.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> eta = rng.normal(0, 0.3, (40, 6))
    >>> p = np.exp(eta) / np.exp(eta).sum(1, keepdims=True)
    >>> counts = np.array([rng.multinomial(20000, q) for q in p])
    >>> s, r, v = empirical_scales(counts, np.repeat([0, 1], 20))
    >>> 0.24 < s < 0.36, r < 0.1
    (True, True)
    """
    rows = counts.sum(axis=1) > 0
    n = counts[rows].astype(float) + 0.5
    reg = region_of_state[rows]
    lv = np.log(n)
    lv -= lv.mean(axis=1, keepdims=True)
    var = 1.0 / n
    g = lv.mean(axis=0)
    regions = np.unique(reg)
    rmean = np.vstack([lv[reg == r].mean(axis=0) for r in regions]) - g
    resid = lv - g - rmean[np.searchsorted(regions, reg)]
    # the delta-method variance 1/(n + 0.5) holds for cells of ten conversations or more
    ok = n >= 10.5
    if not ok.any():
        return 1.0, 0.0, 1.0
    v = float(np.mean(var[ok]))
    s2 = max(float(np.mean(resid[ok] ** 2) - v), 1e-4)
    n_r = np.array([(reg == r).sum() for r in regions], float)
    r2 = max(float(np.mean(rmean**2) - np.mean((s2 + v) / n_r)), 0.0)
    return float(np.sqrt(s2)), float(np.sqrt(r2)), v


@dataclass(frozen=True, repr=False)
class TaskMixPosterior(BayesResult):
    """Posterior of :class:`StateTaskMixModel`: shares and location quotients per state and SOC group."""

    def location_quotients(self, prob: float = 0.9) -> xr.Dataset:
        """Posterior location quotients (specialization) per state and SOC major group.

        LQ[s, k] = share[s, k] / national share[k], the national share being
        the conversation-weighted mean of the states' shares. Returns mean,
        median, central ``prob`` interval, the raw (unpooled) LQ of the counts
        and ``credible``: True where the interval excludes 1.
        """
        counts = self.data["task_count"]
        weight = counts.sum("soc_major")
        lq = _lq(self.posterior["share"], weight)
        lo, hi = (1 - prob) / 2, (1 + prob) / 2
        q = lq.quantile([lo, 0.5, hi], dim=("chain", "draw"))
        raw_share = counts / weight.where(weight > 0)
        raw = raw_share / (counts.sum("geo") / counts.sum())
        out = xr.Dataset(
            {
                "mean": lq.mean(("chain", "draw")),
                "median": q.sel(quantile=0.5, drop=True),
                "lower": q.sel(quantile=lo, drop=True),
                "upper": q.sel(quantile=hi, drop=True),
                "raw": raw,
            }
        )
        out["credible"] = (out["lower"] > 1) | (out["upper"] < 1)
        out.attrs.update(prob=prob, notes=" | ".join(self.notes))
        return out

    def specializations(self, prob: float = 0.9, *, min_raw: float = 1.0) -> pd.DataFrame:
        """Tidy table of (state, group) cells whose raw LQ exceeds ``min_raw``, with whether they survive.

        ``survives`` is True when the posterior ``prob`` interval of the LQ lies
        above 1 after partial pooling. Sorted by raw LQ, largest first.
        """
        lq = self.location_quotients(prob)
        df = lq[["raw", "mean", "lower", "upper"]].to_dataframe().reset_index()
        df = df[df["raw"] > min_raw].copy()
        df["survives"] = df["lower"] > 1
        cols = ["geo", "soc_major", "raw", "mean", "lower", "upper", "survives"]
        return df[cols].sort_values("raw", ascending=False).reset_index(drop=True)


@dataclass(frozen=True)
class StateTaskMixModel:
    r"""Each state's conversations over SOC major groups, pooled within Census regions.

    Default, ``likelihood="dirichlet_multinomial"``: a state's shares are a
    Dirichlet draw about its region's mix, integrated out analytically,

    .. math::

        n_{s\cdot} &\sim \mathrm{DirMult}(N_s,\ \kappa\, p_{r(s)}), \qquad
        p_r = \mathrm{softmax}(m + \rho_r), \qquad \kappa = K / \sigma_s^2 \\
        m &\sim \mathrm{ZeroSumNormal}(2), \quad
        \rho \sim \mathrm{ZeroSumNormal}(\sigma_r) \text{ over regions and groups}, \quad
        \sigma_s \sim \mathrm{HalfNormal}(0.5), \quad \sigma_r \sim \mathrm{Gamma}(2, 10)

    so NUTS samples only ``mix``, the region deviations and the two sds
    (about 110 numbers for 22 groups). ``sigma_state`` is the sd of a state's
    log share of a group of average share ``1/K`` about its region's (a
    Dirichlet's log-share sd is about ``1/sqrt(kappa p_k)``). Each state's
    ``share`` is drawn, per posterior draw, from its conjugate posterior
    ``Dirichlet(kappa p_r + n_s)`` (:func:`conjugate_shares`).

    ``likelihood="logistic_normal"``: the multinomial logit with normal state
    deviations, ``eta[s, k] = m_k + rho[r(s), k] + eps[s, k]``,
    ``eps ~ N(0, sigma_s)``, sampled through its Poisson form (Baker 1994):
    ``n[s, k] ~ Poisson(exp(theta[s, k]))`` with ``theta = level_s + eta``
    and a (nearly) flat ``level_s ~ N(log(N_s / K), 10)`` per state, one
    latent parameter per (state, group) cell. Reported state deviations are
    projected to sum to zero over groups in both forms.

    Parameters
    ----------
    likelihood : {"dirichlet_multinomial", "logistic_normal"}
        The state-deviation family (see above; docs/bayes.md compares them).
    parameterization : {"auto", "centered", "noncentered"}
        Form of the region deviations (both likelihoods) and of the cell
        log-rates (logistic-normal). "auto" (default) chooses from the data
        (:func:`empirical_scales`): a cell is centered when its count pins
        its log-rate more tightly than the spread of state deviations
        (``1 / (n + 0.5) < sigma_state_hat^2``), else non-centered; the
        region deviations are centered when their moment estimate exceeds
        what the states' spread puts into a region mean.
    prior_sigma_state : float
        Half-normal prior scale of the state sd (log-share scale).
    target_accept : float
        NUTS target acceptance rate.

    Examples
    --------
    >>> from econindex.bayes._demo import demo_states
    >>> model = StateTaskMixModel().build(demo_states(0))
    >>> len(model.coords["soc_major"]), sorted(v.name for v in model.free_RVs)  # regions: centered
    (22, ['mix', 'region_deviation', 'sigma_region', 'sigma_state'])
    >>> poisson = StateTaskMixModel(likelihood="logistic_normal").build(demo_states(0))
    >>> sorted(v.name for v in poisson.free_RVs)
    ['level', 'mix', 'region_deviation', 'sigma_region', 'sigma_state', 'state_lograte', 'state_z']
    """

    likelihood: str = "dirichlet_multinomial"
    parameterization: str = "auto"
    prior_sigma_state: float = 0.5
    target_accept: float = 0.9

    def __post_init__(self) -> None:
        check_option("likelihood", self.likelihood, LIKELIHOODS)
        check_option("parameterization", self.parameterization, (*PARAMETERIZATIONS, "auto"))
        if not self.prior_sigma_state > 0:
            raise OptionError(f"prior_sigma_state={self.prior_sigma_state!r} must be positive")

    def _inputs(
        self, ds: xr.Dataset, exclude: Exclude, truncation: int | None
    ) -> tuple[xr.Dataset, list[str], Hierarchy]:
        sub, notes = select_states(ds, exclude)
        counts, more = soc_group_counts(sub)
        notes += more
        if counts.sizes["soc_major"] < 2:
            raise EstimationError("the task-mix model needs at least two SOC major groups")
        trunc = truncation if truncation is not None else ds.attrs.get("task_count_truncation")
        if trunc is None and ds.attrs.get("task_cells_note"):
            notes.append(f"TRUNCATED task mix: {ds.attrs['task_cells_note']}")
        if trunc is not None:
            notes.append(
                f"TRUNCATED task mix: the release reports a (state, task) cell only from {int(trunc)} "
                "conversations up, so small states' mixes omit their rarer tasks and shares and "
                "location quotients describe the reported cells only"
            )
        require_some_counts(counts.values, "task_count")
        empty = [str(g) for g in counts["geo"].values[counts.sum("soc_major").values == 0]]
        if empty:
            notes.append(
                f"states without any task conversations (kept; posterior = their region's mix): {empty}"
            )
        keep = [c for c in ("geo_name", "census_region", "census_division") if c in sub.coords]
        data = xr.Dataset({"task_count": counts})
        data = data.assign_coords({c: ("geo", sub[c].values) for c in keep})
        return data, notes, hierarchy(sub)

    def build(self, ds: xr.Dataset, *, exclude: Exclude = None) -> pm.Model:
        """The PyMC model for ``ds`` (US states, minus ``exclude``)."""
        data, _, hier = self._inputs(ds, exclude, None)
        return self._model(data, hier)

    def forms(self, counts: np.ndarray, region_of_state: np.ndarray) -> tuple[np.ndarray, str]:
        """Cells sampled centered (a (state, group) mask) and the form of the region deviations."""
        empty = counts.sum(axis=1) == 0
        if self.parameterization != "auto":
            mask = np.full(counts.shape, self.parameterization == "centered")
            mask[empty] = False  # a state without counts has only its prior: always non-centered
            return mask, self.parameterization
        s, r, v = empirical_scales(counts, region_of_state)
        mask = (1.0 / (counts + 0.5) < s**2) & ~empty[:, None]
        n_r = np.bincount(region_of_state[~empty]) if (~empty).any() else np.array([1])
        region = "centered" if r**2 > (s**2 + v) / float(np.median(n_r[n_r > 0])) else "noncentered"
        return mask, region

    def _model(self, data: xr.Dataset, hier: Hierarchy) -> pm.Model:
        if self.likelihood == "dirichlet_multinomial":
            return self._model_dm(data, hier)
        return self._model_poisson(data, hier)

    def _model_dm(self, data: xr.Dataset, hier: Hierarchy) -> pm.Model:
        """Dirichlet-multinomial form: the state deviations integrated out analytically."""
        counts = np.asarray(data["task_count"].values, float)
        k = counts.shape[1]
        coords = {"geo": data["geo"].values, "region": hier.regions, "soc_major": data["soc_major"].values}
        centered, region_form = self.forms(counts, hier.region_of_state)
        with pm.Model(coords=coords) as model:
            # every input is a pm.Data container, so a compiled model of the same size is reused
            obs = pm.Data("task_count_observed", counts, dims=("geo", "soc_major"))
            reg_of_state = pm.Data("region_of_state", hier.region_of_state, dims="geo")
            n_states = pm.Data("states_per_region", np.bincount(hier.region_of_state,
                                                                minlength=len(hier.regions)).astype(float),
                               dims="region")
            mix = pm.ZeroSumNormal("mix", sigma=2.0, dims="soc_major")
            # boundary-avoiding Gamma(2, 10) (mean 0.2) on the sd of 4 regions: as in StateUsageModel
            sigma_r = pm.Gamma("sigma_region", alpha=2.0, beta=10.0)
            region = group_effect(
                "region_deviation", sigma_r, ("region", "soc_major"), region_form, zerosum_axes=2
            )
            # sigma_state: sd of a state's log share of a group of average share 1/K about its region's
            # (a Dirichlet's log-share sd is about 1/sqrt(kappa p_k)), so kappa = K / sigma_state^2
            sigma_s = pm.HalfNormal("sigma_state", self.prior_sigma_state)
            kappa = k / sigma_s**2
            eta = mix[None, :] + region  # (region, group)
            alpha_r = kappa * pt.exp(eta - pt.logsumexp(eta, axis=1, keepdims=True))
            total = obs.sum(axis=1)
            # Dirichlet-multinomial log-likelihood, constants in the counts dropped: per state
            # lgamma(kappa) - lgamma(N + kappa) + sum_k [lgamma(n_k + alpha_k) - lgamma(alpha_k)]; the
            # last term depends on the region only, so it is summed once per region (a state without
            # conversations contributes 0 either way). lgamma and its derivative dominate the cost.
            loglik = (
                (pt.gammaln(kappa) - pt.gammaln(total + kappa)).sum()
                + pt.gammaln(obs + alpha_r[reg_of_state]).sum()
                - (n_states[:, None] * pt.gammaln(alpha_r)).sum()
            )
            pm.Potential("task_count_loglik", loglik)
        model._econindex_forms = (np.zeros_like(centered), region_form)  # type: ignore[attr-defined]
        return model

    def _model_poisson(self, data: xr.Dataset, hier: Hierarchy) -> pm.Model:
        """Logistic-normal form, sampled as Poisson counts with a free level per state."""
        counts = np.asarray(data["task_count"].values, float)
        k = counts.shape[1]
        coords = {"geo": data["geo"].values, "region": hier.regions, "soc_major": data["soc_major"].values}
        centered, region_form = self.forms(counts, hier.region_of_state)
        total = counts.sum(axis=1)
        has_data = (total > 0).astype(float)
        with pm.Model(coords=coords) as model:
            # every input is a pm.Data container (the centered-cell mask too), so a compiled model of the
            # same size is reused for new data
            obs = pm.Data("task_count_observed", counts, dims=("geo", "soc_major"))
            w = pm.Data("has_data", has_data, dims="geo")
            cmask = pm.Data("centered_cell", centered.astype(float), dims=("geo", "soc_major"))
            reg_of_state = pm.Data("region_of_state", hier.region_of_state, dims="geo")
            level_mu = pm.Data("level_prior_mean", np.log((total + 1.0) / k), dims="geo")
            level_sd = pm.Data("level_prior_sd", np.where(total > 0, 10.0, 1.0), dims="geo")
            mix = pm.ZeroSumNormal("mix", sigma=2.0, dims="soc_major")
            # boundary-avoiding Gamma(2, 10) (mean 0.2) on the sd of 4 regions: as in StateUsageModel
            sigma_r = pm.Gamma("sigma_region", alpha=2.0, beta=10.0)
            sigma_s = pm.HalfNormal("sigma_state", self.prior_sigma_state)
            region = group_effect(
                "region_deviation", sigma_r, ("region", "soc_major"), region_form, zerosum_axes=2
            )
            # a state's level (its log conversations per group); a state without counts has no
            # likelihood, its level is unused (multiplied by 0) and its cells are its region's mix
            level = pm.Normal("level", level_mu, level_sd, dims="geo")
            mean = (level * w)[:, None] + mix[None, :] + region[reg_of_state]
            # both forms of every cell are free parameters; the mask picks the one in the likelihood and
            # the other is a prior-only draw that integrates to one (it does not change the posterior)
            theta_c = pm.Normal("state_lograte", mean, sigma_s, dims=("geo", "soc_major"))
            z = pm.Normal("state_z", 0.0, 1.0, dims=("geo", "soc_major"))
            theta = cmask * theta_c + (1.0 - cmask) * (mean + sigma_s * z)
            # Poisson log-likelihood of the cells (constant lgamma(n + 1) dropped)
            pm.Potential("task_count_loglik", (w[:, None] * (obs * theta - pt.exp(theta))).sum())
        model._econindex_forms = (centered, region_form)  # type: ignore[attr-defined]
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
        truncation: int | None = None,
        progressbar: bool = False,
    ) -> TaskMixPosterior:
        """Sample the posterior of the state task mixes of ``ds``.

        Parameters
        ----------
        ds : xarray.Dataset
            With ``task_count`` (geo, task), the ``soc_major`` coordinate on
            ``task`` and the ``census_region`` coordinate on ``geo``. Tasks
            labelled none/not_classified are set aside (with a note).
        draws, tune, chains, seed, sampler, exclude
            As in :meth:`StateUsageModel.fit`.
        truncation : int, optional
            Smallest reported cell of the source (the AEI state slice: 15);
            defaults to ``ds.attrs["task_count_truncation"]``. Stated in the
            result's notes.

        Returns
        -------
        TaskMixPosterior
        """
        data, notes, hier = self._inputs(ds, exclude, truncation)
        model = self._model(data, hier)
        centered, region_form = model._econindex_forms  # type: ignore[attr-defined]
        # target_accept is a sampler setting, not part of the compiled model
        structure = replace(self, target_accept=0.9)
        key = (type(self).__name__, structure, data.sizes["geo"], data.sizes["soc_major"], len(hier.regions),
               region_form)
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
        counts = np.asarray(data["task_count"].values, float)
        if self.likelihood == "dirichlet_multinomial":
            _derived_dm(idata, hier, data["geo"].values, counts, seed)
            notes.append(f"Dirichlet-multinomial likelihood; region deviations {region_form}")
            # the Markov chain is on these; shares are exact conditional draws given them (their ESS
            # is measured in docs/bayes.md), and leaving their 1,100 cells out saves ArviZ ~10 s a fit
            diag: tuple[str, ...] = ("mix", "sigma_region", "sigma_state", "region_deviation")
        else:
            _derived(idata, hier, data["geo"].values, centered, counts.sum(axis=1) > 0)
            notes.append(
                f"parameterization: {int(centered.sum())} of {centered.size} (state, group) cells "
                f"centered, region deviations {region_form}"
            )
            diag = ("mix", "sigma_region", "sigma_state", "region_deviation", "state_deviation", "share",
                    "level")
        res = TaskMixPosterior(
            idata=idata,
            model_name=type(self).__name__,
            config=self,
            data=data,
            var_names=("mix", "sigma_region", "sigma_state"),
            notes=tuple(notes),
            model=model,
            # diagnostics cover the identified quantities (the prior-only twin of each cell is left out)
            diagnostic_names=diag,
        )
        warn_if_failed(res.diagnose(), res.model_name)
        return res

    def prior_predictive(
        self, ds: xr.Dataset, *, draws: int = 500, seed: int | None = 0, exclude: Exclude = None
    ) -> az.InferenceData:
        """Draws of parameters and counts from the prior."""
        model = self.build(ds, exclude=exclude)
        with model:
            return pm.sample_prior_predictive(draws=draws, random_seed=seed)
