"""Write ``brms_usage_input.csv``: the real US states as StateUsageModel sees them, for brms_usage.R.

Run from the repository root: ``python tests/reference/brms_usage_input.py``.
"""

from pathlib import Path

import numpy as np

import econindex as ei

st = ei.datasets.load_us_states_2025_08()
df = st[["usage_count", "working_age_pop", "gdp"]].to_dataframe()
df["census_region"] = st["census_region"].values
df["census_division"] = st["census_division"].values
x = np.log(df["gdp"] / df["working_age_pop"])
df["x_centered"] = x - x.mean()
df["log_pop"] = np.log(df["working_age_pop"])
df = df[["usage_count", "log_pop", "x_centered", "census_region", "census_division"]]
df.to_csv(Path(__file__).with_name("brms_usage_input.csv"), float_format="%.17g")
