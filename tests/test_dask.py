"""Dask-backed datasets: indices and expected automation stay lazy and equal the in-memory numbers."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import econindex as ei

distributed = pytest.importorskip("distributed")

FUNCTIONS = {
    "usage_index": lambda d: ei.usage_index(d, level="country"),
    "usage_index_state": lambda d: ei.usage_index(d, level="state_us"),
    "task_share": lambda d: ei.task_share(d),
    "pattern_share": lambda d: ei.pattern_share(d),
    "automation_share": lambda d: ei.automation_share(d, base="classified"),
    "expected_automation": lambda d: ei.expected_automation(d, level="country"),
    "specialization": lambda d: ei.specialization(d, over="soc_major", level="country"),
}


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def panel():
    return ei.simulate(seed=4, n_periods=3, n_tasks=400)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("chunks", [{"geo": 40}, {"period": 1}, {"task": 100}])
def test_lazy_and_equal_on_local_cluster(client, panel, name, chunks):
    fn = FUNCTIONS[name]
    expected = fn(panel)
    lazy = fn(panel.chunk(chunks))
    assert hasattr(lazy.data, "dask"), f"{name} computed eagerly"
    got = lazy.compute()
    xr.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(np.isnan(got.values), np.isnan(expected.values))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["pairs", "wild"])
def test_bootstrap_on_local_cluster_equals_in_process(client, kind):
    ds = ei.datasets.load_countries_2025_08()
    est = ei.IncomeElasticity(bootstrap=kind, n_boot=6000, seed=12)
    here = est.fit(ds, level="country")
    there = est.fit(ds, level="country", client=client)
    np.testing.assert_array_equal(here.boot_params, there.boot_params)
    assert here.ci(0.95) == there.ci(0.95)
    other = ei.IncomeElasticity(bootstrap=kind, n_boot=6000, seed=13).fit(ds, level="country")
    assert not np.array_equal(here.boot_params, other.boot_params)
