"""Ranked bar charts and a US tile-grid map of a per-geo quantity (no shapefiles needed)."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from econindex.errors import DataValueError
from econindex.plots import require_matplotlib

__all__ = ["US_TILE_GRID", "plot_ranked_bar", "plot_state_tile_map"]

# (row, column) of each state in a tile-grid map of the United States.
US_TILE_GRID: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (0, 10),
    "VT": (1, 9), "NH": (1, 10),
    "WA": (2, 0), "ID": (2, 1), "MT": (2, 2), "ND": (2, 3), "MN": (2, 4), "IL": (2, 5),
    "WI": (2, 6), "MI": (2, 7), "NY": (2, 8), "RI": (2, 9), "MA": (2, 10),
    "OR": (3, 0), "NV": (3, 1), "WY": (3, 2), "SD": (3, 3), "IA": (3, 4), "IN": (3, 5),
    "OH": (3, 6), "PA": (3, 7), "NJ": (3, 8), "CT": (3, 9),
    "CA": (4, 0), "UT": (4, 1), "CO": (4, 2), "NE": (4, 3), "MO": (4, 4), "KY": (4, 5),
    "WV": (4, 6), "VA": (4, 7), "MD": (4, 8), "DE": (4, 9),
    "AZ": (5, 1), "NM": (5, 2), "KS": (5, 3), "AR": (5, 4), "TN": (5, 5), "NC": (5, 6),
    "SC": (5, 7), "DC": (5, 8),
    "OK": (6, 3), "LA": (6, 4), "MS": (6, 5), "AL": (6, 6), "GA": (6, 7),
    "HI": (7, 0), "TX": (7, 3), "FL": (7, 7),
}  # fmt: skip


def plot_ranked_bar(values: xr.DataArray, *, top: int | None = 30, ax: Any = None, label: str = "") -> Any:
    """Horizontal bar chart of a per-geo quantity, largest first.

    Parameters
    ----------
    values : xarray.DataArray
        One value per ``geo`` (e.g. the AI Usage Index).
    top : int or None
        Show the ``top`` largest and, if there are more, the same number of smallest.
    ax : matplotlib Axes, optional
    label : str
        Axis label; defaults to the array's name.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import xarray as xr
    >>> fig = plot_ranked_bar(xr.DataArray([1.0, 2.0], dims="geo", coords={"geo": ["A", "B"]}))
    >>> len(fig.axes[0].patches)
    2
    """
    plt = require_matplotlib()
    s = values.to_series().dropna().sort_values(ascending=False)
    if top is not None and len(s) > 2 * top:
        s = s.iloc[np.r_[0:top, len(s) - top : len(s)]]
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, max(3.0, 0.18 * len(s) + 1)))
    else:
        fig = ax.figure
    ax.barh(np.arange(len(s)), s.to_numpy(), color="#4C72B0")
    ax.set_yticks(np.arange(len(s)), [str(i) for i in s.index], fontsize=7)
    ax.invert_yaxis()
    if "usage_index" in str(values.name or "") or label == "AUI":
        ax.axvline(1.0, color="k", lw=0.8, ls="--")
    ax.set_xlabel(label or str(values.name or "value"))
    return fig


def plot_state_tile_map(
    values: xr.DataArray, *, ax: Any = None, cmap: str = "viridis", label: str = ""
) -> Any:
    """A tile-grid map of the US states coloured by a per-state quantity.

    States without a value are drawn grey. Needs no shapefile.

    Examples
    --------
    >>> import xarray as xr
    >>> fig = plot_state_tile_map(xr.DataArray([0.5, 2.0], dims="geo", coords={"geo": ["UT", "CA"]}))
    >>> len(fig.axes[0].patches)
    51
    """
    plt = require_matplotlib()
    from matplotlib.colors import Normalize
    from matplotlib.patches import Rectangle

    s = values.to_series()
    unknown = sorted(set(map(str, s.index)) - set(US_TILE_GRID))
    if unknown:
        raise DataValueError(f"not US state codes, cannot place them on the tile map: {unknown}")
    finite = s.dropna()
    norm = Normalize(float(finite.min()) if len(finite) else 0.0, float(finite.max()) if len(finite) else 1.0)
    colormap = plt.get_cmap(cmap)
    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 6))
    else:
        fig = ax.figure
    for code, (row, col) in US_TILE_GRID.items():
        v = s.get(code, np.nan)
        colour = colormap(norm(v)) if np.isfinite(v) else (0.85, 0.85, 0.85, 1.0)
        ax.add_patch(Rectangle((col, -row), 0.95, 0.95, facecolor=colour, edgecolor="white"))
        text = "k" if not np.isfinite(v) or norm(v) > 0.5 else "w"
        ax.text(col + 0.47, -row + 0.55, code, ha="center", va="center", fontsize=8, color=text)
        if np.isfinite(v):
            ax.text(col + 0.47, -row + 0.25, f"{v:.2f}", ha="center", va="center", fontsize=6, color=text)
    ax.set_xlim(-0.2, 11.2)
    ax.set_ylim(-7.2, 1.1)
    ax.set_aspect("equal")
    ax.axis("off")
    sm = plt.cm.ScalarMappable(norm=norm, cmap=colormap)
    fig.colorbar(sm, ax=ax, shrink=0.6, label=label or str(values.name or ""))
    return fig
