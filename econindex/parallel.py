"""Mapping replicate work over a dask cluster or any executor, reproducibly.

Replication-heavy work (bootstrap, coverage studies, simulation-based
calibration, specification curves) is split into a fixed list of chunks
*before* anything is scheduled, each with its own child of one
:class:`numpy.random.SeedSequence`. The chunks are the same whichever engine
runs them, so results for a seed are identical on one process, on a
``concurrent.futures`` executor and on a ``dask.distributed`` cluster.
econindex does not implement a scheduler of its own: pass a
``dask.distributed.Client`` (a ``LocalCluster`` or any cluster you have) or a
``concurrent.futures.Executor``.

Examples
--------
>>> import numpy as np
>>> def draw(chunk):
...     return np.random.default_rng(chunk.seed).normal(size=chunk.size)
>>> chunks = replicate_chunks(10, seed=1, chunk_size=4)
>>> [c.size for c in chunks]
[4, 4, 2]
>>> a = np.concatenate(map_replicates(draw, chunks))
>>> from concurrent.futures import ThreadPoolExecutor
>>> with ThreadPoolExecutor(2) as ex:
...     b = np.concatenate(map_replicates(draw, chunks, client=ex))
>>> bool(np.array_equal(a, b))
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from econindex.errors import OptionError

__all__ = ["ReplicateChunk", "replicate_chunks", "map_replicates"]

T = TypeVar("T")


@dataclass(frozen=True)
class ReplicateChunk:
    """A block of ``size`` replicates, numbered from ``start``, with its own seed."""

    index: int
    start: int
    size: int
    seed: np.random.SeedSequence


def replicate_chunks(n: int, *, seed: int | None, chunk_size: int = 1000) -> list[ReplicateChunk]:
    """Split ``n`` replicates into chunks with independent child seeds.

    The split depends only on ``n``, ``seed`` and ``chunk_size``, never on the
    engine that will run the chunks.

    Examples
    --------
    >>> [c.start for c in replicate_chunks(2500, seed=0)]
    [0, 1000, 2000]
    """
    if n < 1:
        raise OptionError(f"the number of replicates must be at least 1, got n={n}")
    if chunk_size < 1:
        raise OptionError(f"chunk_size must be at least 1, got {chunk_size}")
    n_chunks = -(-n // chunk_size)
    children = np.random.SeedSequence(seed).spawn(n_chunks)
    return [
        ReplicateChunk(index=i, start=i * chunk_size, size=min(chunk_size, n - i * chunk_size), seed=s)
        for i, s in enumerate(children)
    ]


def map_replicates(
    fn: Callable[[ReplicateChunk], T], chunks: Sequence[ReplicateChunk], *, client: Any = None
) -> list[T]:
    """Apply ``fn`` to every chunk, in order, on ``client`` (or in this process).

    Parameters
    ----------
    fn : callable
        Takes a :class:`ReplicateChunk`, returns that chunk's result. It must be
        importable by the workers (a module-level function) for a dask cluster.
    chunks : sequence of ReplicateChunk
        From :func:`replicate_chunks`.
    client : dask.distributed.Client, concurrent.futures.Executor or None
        Where to run. ``None`` runs sequentially here.

    Returns
    -------
    list
        The results in chunk order, whatever order they finished in.
    """
    if client is None:
        return [fn(c) for c in chunks]
    if hasattr(client, "gather") and hasattr(client, "map"):  # dask.distributed.Client
        futures = client.map(fn, list(chunks), pure=False)
        return list(client.gather(futures))
    if isinstance(client, Executor):
        return list(client.map(fn, chunks))
    raise OptionError(
        f"client must be a dask.distributed.Client, a concurrent.futures.Executor or None, "
        f"got {type(client).__name__}"
    )
