"""Matplotlib figures (optional extra ``plot``).

Each estimator's result has a ``plot()`` method that calls the function for
its area here; the functions can also be called directly. Matplotlib is
imported lazily so that ``import econindex`` works without it.
"""

from __future__ import annotations

from typing import Any


def require_matplotlib() -> Any:
    """Import and return ``matplotlib.pyplot``, or raise an ImportError naming the extra."""
    try:
        import matplotlib

        if matplotlib.get_backend().lower() not in ("agg",) and not _has_display():
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install 'econindex[plot]'") from exc
    return plt


def axes_or_new(ax: Any, figsize: tuple[float, float]) -> Any:
    """``ax`` itself, or the axes of a new figure of ``figsize`` when ``ax`` is None."""
    if ax is None:
        _, ax = require_matplotlib().subplots(figsize=figsize)
    return ax


def _has_display() -> bool:
    import os

    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def __getattr__(name: str) -> Any:
    # plot functions exported by name, imported on first use (the modules import axes_or_new from here)
    if name == "plot_trend_table":
        from econindex.plots._trends import plot_trend_table

        return plot_trend_table
    raise AttributeError(f"module 'econindex.plots' has no attribute {name!r}")
