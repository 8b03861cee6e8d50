"""Designs for the R sandwich / clubSandwich references (run before ``r_sandwich.R``).

    python tests/reference/r_sandwich_inputs.py && nice Rscript tests/reference/r_sandwich.R

Writes ``r_sandwich_inputs.json``: the 51-state and 114-country income-elasticity
designs (read through ``econindex.datasets`` and the published index only, no econindex
estimation code) and a simulated design with 15 unbalanced clusters and weights.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from econindex.datasets import load_countries_2025_08, load_us_states_2025_08

OUT = Path(__file__).with_name("r_sandwich_inputs.json")


def main() -> None:
    st = load_us_states_2025_08()
    states = {
        "y": np.log(st["usage_index"].values).tolist(),
        "x": np.log(st["gdp"].values / st["working_age_pop"].values).tolist(),
        "w": (st["working_age_pop"].values / 1e6).tolist(),
        "cluster": [str(v) for v in st["census_division"].values],
    }
    co = load_countries_2025_08()
    countries = {
        "u": co["usage_count"].values.tolist(),
        "pop": co["working_age_pop"].values.tolist(),
        "x": np.log(co["gdp"].values / co["working_age_pop"].values).tolist(),
        "cluster": [str(v) for v in co["sample_gdp_tercile"].values],
    }
    rng = np.random.default_rng(16)
    g = np.repeat(np.arange(15), rng.integers(3, 25, 15))
    n = g.size
    x1 = rng.normal(size=n) + 0.5 * rng.normal(size=15)[g]
    x2 = rng.uniform(size=n)
    y = 1 + 0.5 * x1 - x2 + rng.normal(size=15)[g] + rng.normal(size=n) * (0.5 + x2)
    sim = {
        "y": y.tolist(),
        "x1": x1.tolist(),
        "x2": x2.tolist(),
        "w": rng.uniform(0.5, 3, n).tolist(),
        "cluster": [f"g{v:02d}" for v in g],
    }
    OUT.write_text(json.dumps({"states": states, "countries": countries, "sim": sim}))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
