"""Property tests (hypothesis) of the usage index, shares and concentration measures."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from econindex.errors import DataValueError
from econindex.geography import geo_coords
from econindex.indices import (
    automation_share,
    gini,
    pattern_share,
    request_share,
    task_share,
    usage_index,
)
from econindex.schema import PATTERNS, pattern_coords

COUNTRIES = ["USA", "BRA", "IND", "ISR", "DEU", "FRA", "JPN", "KOR", "NGA", "MEX", "CAN", "AUS"]
SETTINGS = settings(max_examples=25, deadline=None)
_ALL = [*COUNTRIES, "not_classified"]
_COORDS = xr.Dataset(coords=geo_coords(_ALL, ["country"] * len(_ALL)))  # built once (reads the ISO table)


def coords_for(geos: list[str]) -> xr.Dataset:
    return _COORDS.isel(geo=[_ALL.index(g) for g in geos])


@st.composite
def usage_pop(draw, min_n: int = 2, max_n: int = 12, unlocated: bool | None = None):
    n = draw(st.integers(min_n, max_n))
    usage = draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n))
    assume(sum(usage) > 0)
    pop = draw(st.lists(st.floats(1.0, 1e9, allow_nan=False), min_size=n, max_size=n))
    unloc = (
        draw(st.integers(0, 10**5)) if (unlocated if unlocated is not None else draw(st.booleans())) else None
    )
    return np.array(usage, float), np.array(pop, float), unloc


def make_ds(usage, pop, unloc=None) -> xr.Dataset:
    geos = COUNTRIES[: len(usage)]
    u, p = list(usage), list(pop)
    if unloc is not None:
        geos = [*geos, "not_classified"]
        u.append(float(unloc))
        p.append(np.nan)
    return coords_for(geos).assign(
        usage_count=("geo", np.array(u, float)), working_age_pop=("geo", np.array(p, float))
    )


@SETTINGS
@given(usage_pop(), st.floats(1e-3, 1e3), st.sampled_from(["usage_count", "working_age_pop"]))
def test_index_invariant_to_scaling(data, c, var):
    usage, pop, unloc = data
    ds = make_ds(usage, pop, unloc)
    scaled = ds.copy()
    scaled[var] = ds[var] * c
    a = usage_index(ds, min_count=0)
    b = usage_index(scaled, min_count=0)
    np.testing.assert_allclose(b.values, a.values, rtol=1e-12, atol=0)


@SETTINGS
@given(usage_pop(unlocated=False))
def test_population_weighted_mean_over_reference_is_one(data):
    usage, pop, _ = data
    ds = make_ds(usage, pop)
    aui = usage_index(ds, min_count=0)
    w = ds["working_age_pop"].sel(geo=aui["geo"])
    assert float((aui * w).sum() / w.sum()) == pytest.approx(1.0, rel=1e-12)


@SETTINGS
@given(usage_pop(min_n=3, unlocated=True), st.data())
def test_weighted_mean_is_one_over_an_explicit_reference_set(data, draw):
    usage, pop, unloc = data
    ds = make_ds(usage, pop, unloc)
    n = len(usage)
    subset = draw.draw(st.lists(st.sampled_from(COUNTRIES[:n]), min_size=1, unique=True))
    assume(usage[[COUNTRIES.index(g) for g in subset]].sum() > 0)
    aui = usage_index(ds, reference=subset, min_count=0)
    w = ds["working_age_pop"].sel(geo=subset)
    assert float((aui.sel(geo=subset) * w).sum() / w.sum()) == pytest.approx(1.0, rel=1e-12)
    # with the release convention the located geos hold the located share of usage
    rel = usage_index(ds, min_count=0)
    wl = ds["working_age_pop"].sel(geo=rel["geo"])
    located_share = usage.sum() / (usage.sum() + unloc)
    assert float((rel * wl).sum() / wl.sum()) == pytest.approx(located_share, rel=1e-12)


@SETTINGS
@given(usage_pop(), st.randoms(use_true_random=False))
def test_geo_permutation_permutes_result(data, rnd):
    usage, pop, unloc = data
    ds = make_ds(usage, pop, unloc)
    order = list(range(ds.sizes["geo"]))
    rnd.shuffle(order)
    perm = ds.isel(geo=order)
    a = usage_index(ds, min_count=0)
    b = usage_index(perm, min_count=0)
    assert sorted(b["geo"].values.tolist()) == sorted(a["geo"].values.tolist())
    xr.testing.assert_allclose(b.sel(geo=a["geo"]), a, rtol=1e-13)
    assert b.attrs["reference_ratio"] == pytest.approx(a.attrs["reference_ratio"], rel=1e-13)
    assert gini(b).item() == pytest.approx(gini(a).item(), rel=1e-12, abs=1e-15)


@SETTINGS
@given(usage_pop(min_n=3), st.integers(0, 2))
def test_zero_usage_gives_zero(data, i):
    usage, pop, unloc = data
    usage = usage.copy()
    usage[i] = 0.0
    assume(usage.sum() > 0)
    aui = usage_index(make_ds(usage, pop, unloc), min_count=0)
    assert aui.sel(geo=COUNTRIES[i]).item() == 0.0


@SETTINGS
@given(usage_pop(), st.data(), st.sampled_from([0.0, np.nan]))
def test_zero_or_missing_population_raises_naming_geo(data, draw, bad):
    usage, pop, unloc = data
    i = draw.draw(st.integers(0, len(usage) - 1))
    pop = pop.copy()
    pop[i] = bad
    with pytest.raises(DataValueError, match=repr(COUNTRIES[i])):
        usage_index(make_ds(usage, pop, unloc), min_count=0)


counts_2d = st.integers(2, 6).flatmap(
    lambda n: st.lists(
        st.lists(st.integers(0, 1000), min_size=len(PATTERNS), max_size=len(PATTERNS)), min_size=n, max_size=n
    )
)


@SETTINGS
@given(counts_2d, st.sampled_from([(), ("none",), ("none", "not_classified")]))
def test_shares_sum_to_one_after_exclusions(counts, exclude):
    arr = np.array(counts, float)
    n = arr.shape[0]
    ds = xr.Dataset(
        {
            "pattern_count": (("geo", "pattern"), arr),
            "task_count": (("geo", "task"), arr),
            "request_count": (("geo", "request"), arr),
        },
        coords={
            **coords_for(COUNTRIES[:n]).coords,
            **pattern_coords(PATTERNS),
            "task": list(PATTERNS),
            "request": list(PATTERNS),
            "request_level": ("request", [0] * len(PATTERNS)),
        },
    )
    for sh, dim in (
        (pattern_share(ds, exclude=exclude), "pattern"),
        (task_share(ds, exclude=exclude), "task"),
        (request_share(ds, exclude=exclude), "request"),
    ):
        assert not set(exclude) & set(sh[dim].values.tolist())
        kept = [j for j, p in enumerate(PATTERNS) if p not in exclude]
        has = arr[:, kept].sum(axis=1) > 0
        np.testing.assert_allclose(sh.sum(dim).values[has], 1.0, rtol=1e-12)
        assert np.isnan(sh.values[~has]).all()
    cls = automation_share(ds, "classified")
    aug = automation_share(ds, "classified", mode="augmentation")
    has_cls = arr[:, :5].sum(axis=1) > 0
    np.testing.assert_allclose((cls + aug).values[has_cls], 1.0, rtol=1e-12)
    allb = automation_share(ds, "all")
    assert (allb.values[has_cls] <= cls.values[has_cls] + 1e-15).all()


@SETTINGS
# subnormal values can underflow to an all-zero vector when scaled (5e-324 * 0.5 == 0)
@given(
    st.lists(st.floats(0.0, 100.0, allow_nan=False, allow_subnormal=False), min_size=2, max_size=30),
    st.floats(1e-3, 1e3),
)
def test_gini_bounds_and_scale_invariance(values, c):
    x = np.array(values)
    assume(x.sum() > 0)
    da = xr.DataArray(x, dims="geo", coords={"geo": [f"g{i}" for i in range(len(x))]})
    g = gini(da).item()
    assert 0.0 <= g + 1e-12 and g < 1.0
    assert gini(da * c).item() == pytest.approx(g, rel=1e-9, abs=1e-12)
