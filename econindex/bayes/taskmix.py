"""StateTaskMixModel: each state's conversations over SOC major groups, pooled within Census regions."""

from __future__ import annotations

from dataclasses import dataclass

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from econindex.bayes._base import PARAMETERIZATIONS, BayesResult, group_effect, sample, warn_if_failed
from econindex.bayes._data import Exclude, Hierarchy, hierarchy, select_states, soc_group_counts
from econindex.errors import EstimationError, OptionError
from econindex.schema import check_option

__all__ = ["StateTaskMixModel", "TaskMixPosterior"]


def _lq(share: xr.DataArray, weight: xr.DataArray) -> xr.DataArray:
    """Location quotient share[s, k] / national share[k] (national = usage-weighted mean of states)."""
    national = (share * weight).sum("geo") / weight.sum()
    return share / national


def _derived(idata: az.InferenceData, hier: Hierarchy, geos: np.ndarray) -> None:
    """Add each state's log-mix, ``share`` (its softmax) and zero-sum ``state_deviation`` to the posterior."""
    post: xr.Dataset = idata["posterior"]
    region = post["region_deviation"].isel(region=xr.DataArray(hier.region_of_state, dims="geo"))
    center = (post["mix"] + region.drop_vars("region")).assign_coords(geo=geos)
    parts = []
    if "state_logmix_centered" in post:
        parts.append(post["state_logmix_centered"].rename(geo_centered="geo"))
    if "state_logmix_z" in post:
        z = post["state_logmix_z"].rename(geo_noncentered="geo")
        parts.append(center.sel(geo=z["geo"]) + post["sigma_state"] * z)
    eta = xr.concat(parts, dim="geo").sel(geo=geos).transpose("chain", "draw", "geo", "soc_major")
    post["state_logmix"] = eta
    e = xr.apply_ufunc(np.exp, eta - eta.max("soc_major"))
    post["share"] = e / e.sum("soc_major")
    dev = eta - center
    post["state_deviation"] = dev - dev.mean("soc_major")


@dataclass(frozen=True)
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
    r"""Multinomial model of each state's conversations over SOC major groups.

    .. math::

        n_{s\cdot} &\sim \mathrm{Multinomial}(N_s, \mathrm{softmax}(\eta_{s\cdot})), \qquad
        \eta_{sk} = m_k + \rho_{r(s)k} + \epsilon_{sk} \\
        m &\sim \mathrm{ZeroSumNormal}(2), \quad
        \rho \sim \mathrm{ZeroSumNormal}(\sigma_r) \text{ over regions and groups}, \quad
        \epsilon_{s\cdot} \sim \mathrm{ZeroSumNormal}(\sigma_s) \text{ over groups}

    Zero-sum deviations identify the softmax (adding a constant to every
    group of a state changes nothing) and separate the global mix from the
    regional deviations. Thinly measured states are shrunk towards their
    region's mix.

    Parameters
    ----------
    parameterization : {"auto", "centered", "noncentered"}
        Form of the state log-mixes and region deviations. Centered suits states measured by hundreds of
        conversations, whose counts pin their mix; non-centered suits thin
        states (a centered thin state makes a funnel). "auto" (default) uses
        the centered form for states with at least ``centered_min`` task
        conversations and the non-centered form for the others, and centers
        the region deviations when at least 80% of the states are centered.
    centered_min : int
        Threshold of "auto".
    prior_sigma_state, prior_sigma_region : float
        Half-normal prior scales of the deviation sds (log-share scale).
    target_accept : float
        NUTS target acceptance rate.

    Examples
    --------
    >>> from econindex.bayes._demo import demo_states
    >>> model = StateTaskMixModel().build(demo_states(0))
    >>> len(model.coords["soc_major"]), len(model.coords["geo_noncentered"])  # 2 thin states
    (22, 2)
    """

    parameterization: str = "auto"
    centered_min: int = 200
    prior_sigma_state: float = 0.5
    prior_sigma_region: float = 0.5
    target_accept: float = 0.9

    def __post_init__(self) -> None:
        check_option("parameterization", self.parameterization, (*PARAMETERIZATIONS, "auto"))
        if not self.centered_min >= 0:
            raise OptionError(f"centered_min={self.centered_min!r} must be non-negative")
        for name in ("prior_sigma_state", "prior_sigma_region"):
            if not getattr(self, name) > 0:
                raise OptionError(f"{name}={getattr(self, name)!r} must be positive")

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

    def _centered_mask(self, counts: np.ndarray) -> np.ndarray:
        """States whose log-mix is sampled in centered form."""
        n = counts.sum(axis=1)
        if self.parameterization == "auto":
            return np.asarray(n >= self.centered_min)
        return np.full(n.shape, self.parameterization == "centered")

    def _region_form(self, counts: np.ndarray) -> str:
        """Form of the region deviations: with "auto", centered when most states (80%) are."""
        if self.parameterization != "auto":
            return self.parameterization
        return "centered" if self._centered_mask(counts).mean() >= 0.8 else "noncentered"

    def _model(self, data: xr.Dataset, hier: Hierarchy) -> pm.Model:
        counts = data["task_count"].values
        coords = {"geo": data["geo"].values, "region": hier.regions, "soc_major": data["soc_major"].values}
        centered = self._centered_mask(counts)
        geos = data["geo"].values
        if centered.any():
            coords["geo_centered"] = geos[centered]
        if (~centered).any():
            coords["geo_noncentered"] = geos[~centered]
        with pm.Model(coords=coords) as model:
            # every input is a pm.Data container, so a compiled model is reused for new data
            obs = pm.Data("task_count_observed", counts, dims=("geo", "soc_major"))
            total = pm.Data("conversations", counts.sum(axis=1), dims="geo")
            reg_of_state = pm.Data("region_of_state", hier.region_of_state, dims="geo")
            mix = pm.ZeroSumNormal("mix", sigma=2.0, dims="soc_major")
            sigma_r = pm.HalfNormal("sigma_region", self.prior_sigma_region)
            sigma_s = pm.HalfNormal("sigma_state", self.prior_sigma_state)
            region_form = self._region_form(counts)
            region = group_effect(
                "region_deviation", sigma_r, ("region", "soc_major"), region_form, zerosum_axes=2
            )
            center = mix[None, :] + region[reg_of_state]
            # Each state's log-mix is centered on its region's mix (not a deviation added to it), so
            # the global and regional mixes are not tied to the state deviations along a ridge; iid
            # normal deviations give the same shares as zero-sum ones (softmax ignores a common
            # shift). Centered for states whose counts pin their mix, non-centered for thin ones.
            centered = self._centered_mask(counts)
            pieces, order = [], []
            if centered.any():
                ic = np.flatnonzero(centered)
                pieces.append(pm.Normal("state_logmix_centered", mu=center[ic], sigma=sigma_s,
                                        dims=("geo_centered", "soc_major")))
                order.append(ic)
            if (~centered).any():
                inc = np.flatnonzero(~centered)
                z = pm.Normal("state_logmix_z", 0.0, 1.0, dims=("geo_noncentered", "soc_major"))
                pieces.append(center[inc] + sigma_s * z)
                order.append(inc)
            perm = np.argsort(np.concatenate(order))
            eta = pt.concatenate(pieces, axis=0)[perm] if len(pieces) > 1 else pieces[0]
            # shares and zero-sum state deviations are derived after sampling (_derived): keeping
            # deterministics out of the graph shortens nutpie's numba compilation
            pm.Multinomial("task_count", n=total, p=pm.math.softmax(eta, axis=-1), observed=obs,
                           dims=("geo", "soc_major"))
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
        key = (type(self).__name__, self, data.sizes["soc_major"], len(hier.regions),
               tuple(self._centered_mask(data["task_count"].values)))
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
        _derived(idata, hier, data["geo"].values)
        res = TaskMixPosterior(
            idata=idata,
            model_name=type(self).__name__,
            config=self,
            data=data,
            var_names=("mix", "sigma_region", "sigma_state"),
            notes=tuple(notes),
            model=model,
            # the mean over groups of each state's log-mix is not identified (softmax ignores it) and
            # mixes slowly along that direction; diagnostics cover the identified quantities
            diagnostic_names=("mix", "sigma_region", "sigma_state", "region_deviation", "state_deviation",
                              "share"),
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
