"""One BLAS thread for the batched kernels' skinny matrix products.

The batched fits (pairs bootstrap, jackknife, specification curves) multiply
``(B, N)`` arrays by ``(N, k*k)`` ones with ``k`` of 2 to 10. OpenBLAS splits such
a product over its threads, which then wait for one another whenever the cores
are busy (a shared machine, CI, a user's parallel jobs). Measured on this
project's 2-core machine under load: ``(2500 x 114) @ (114 x 4)`` took 11 ms
with 2 threads and 0.3 ms with one, and 10,000 pairs-bootstrap replicates on
the 114 countries 0.27-0.49 s and 0.11-0.12 s (``benchmarks/bench_bootstrap.py``). The
results are the same bit for bit (each output element is one dot product
either way; ``tests/test_bootstrap.py`` checks it).

The limit is process-wide while a kernel runs (threadpoolctl has no other
kind), so another thread's BLAS calls in that time run on one thread too.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import lru_cache
from typing import Any

from threadpoolctl import ThreadpoolController

__all__ = ["one_blas_thread"]


@lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    # scanning the loaded libraries costs milliseconds: once per process
    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[Any]:
    """Context manager: BLAS on one thread inside, as before outside (about 16 us).

    Examples
    --------
    >>> import numpy as np
    >>> with one_blas_thread():
    ...     float((np.ones((3, 2)) @ np.ones(2)).sum())
    6.0
    """
    return _controller().limit(limits=1, user_api="blas")
