"""NumPy kernels for intervals of proportions (the one Wilson score interval)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["wilson_interval"]


def wilson_interval(
    count: ArrayLike, n: ArrayLike, z: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval of ``count / n``, vectorized (broadcasts ``count`` against ``n``).

    Equals ``statsmodels.stats.proportion.proportion_confint(method="wilson")``
    (tested in ``tests/test_platforms.py``); written out here because importing
    statsmodels' proportion module costs about 2 s and this is four lines.

    Examples
    --------
    >>> lo, hi = wilson_interval(np.array([5.0]), 10.0, 1.959963984540054)
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.2366, 0.7634)
    """
    count = np.asarray(count, dtype=float)
    n = np.asarray(n, dtype=float)
    p = count / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denom
    half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
