"""Random streams and the small numeric helpers of the simulator."""

from __future__ import annotations

from typing import Any

import numpy as np

_STREAMS = {"geo": 0, "usage": 1, "tasks": 2, "patterns": 3, "requests": 4, "abuse": 5, "api": 6, "cost": 7}


def _rng(seed: int, stream: str, period: int = 0) -> np.random.Generator:
    """Independent generator per component and period (stable under size/option changes elsewhere)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_STREAMS[stream], period)))


def _normalize(w: np.ndarray) -> np.ndarray:
    return w / w.sum(axis=-1, keepdims=True)


def _logistic(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _logit(p: float | np.ndarray) -> Any:
    return np.log(p) - np.log1p(-np.asarray(p))


def _multinomial(rng: np.random.Generator, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Row-wise multinomial draws (float64 result)."""
    p = np.clip(p, 0.0, None)
    p = p / p.sum(axis=-1, keepdims=True)
    return rng.multinomial(np.asarray(n, dtype=np.int64), p).astype(np.float64)
