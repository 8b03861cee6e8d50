"""Replicate mapping gives identical results in-process, on an executor and on a dask LocalCluster."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from econindex.errors import OptionError
from econindex.parallel import map_replicates, replicate_chunks


def _means(chunk):
    rng = np.random.default_rng(chunk.seed)
    return rng.normal(size=(chunk.size, 5)).mean(axis=1)


def test_chunks_cover_all_replicates_once():
    chunks = replicate_chunks(2345, seed=3, chunk_size=500)
    assert sum(c.size for c in chunks) == 2345
    assert [c.start for c in chunks] == [0, 500, 1000, 1500, 2000]


def test_same_seed_same_draws_any_engine():
    chunks = replicate_chunks(3000, seed=42, chunk_size=700)
    serial = np.concatenate(map_replicates(_means, chunks))
    with ThreadPoolExecutor(2) as ex:
        threaded = np.concatenate(map_replicates(_means, chunks, client=ex))
    np.testing.assert_array_equal(serial, threaded)
    other = np.concatenate(map_replicates(_means, replicate_chunks(3000, seed=43, chunk_size=700)))
    assert not np.array_equal(serial, other)


@pytest.mark.slow
def test_dask_local_cluster_matches_serial():
    distributed = pytest.importorskip("distributed")
    chunks = replicate_chunks(2000, seed=7, chunk_size=500)
    serial = np.concatenate(map_replicates(_means, chunks))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = np.concatenate(map_replicates(_means, chunks, client=client))
    np.testing.assert_array_equal(serial, remote)


def test_bad_client_and_sizes():
    with pytest.raises(OptionError, match="client"):
        map_replicates(_means, replicate_chunks(3, seed=0), client=object())
    with pytest.raises(OptionError, match="at least 1"):
        replicate_chunks(0, seed=0)
