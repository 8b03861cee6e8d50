"""Shared result base for estimators that report coefficients, and ``compare``.

:class:`CoefficientResult` is a frozen dataclass holding coefficient
estimates, one covariance matrix and the degrees of freedom of the reference
distribution. Standard errors, statistics, p-values, confidence intervals and
the minimum detectable effect all derive from those, so they cannot disagree.
Exports have one return type each: :meth:`~CoefficientResult.summary` text,
:meth:`~CoefficientResult.to_frame` a tidy DataFrame, :meth:`~CoefficientResult.to_xarray`
a Dataset along a ``stat`` dimension, :meth:`~CoefficientResult.to_markdown`,
:meth:`~CoefficientResult.to_latex` (booktabs) and ``_repr_html_``.

:func:`compare` sets several results side by side as a publication table.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from econindex.errors import OptionError

__all__ = [
    "CoefficientResult",
    "ComparisonTable",
    "compare",
    "latex_escape",
    "FRAME_COLUMNS",
    "two_sided_pvalue",
    "HypothesisTest",
]

FRAME_COLUMNS = ("term", "estimate", "std_error", "statistic", "p_value", "ci_lower", "ci_upper")
STATS = ("estimate", "std_error", "statistic", "p_value", "ci_lower", "ci_upper")


def latex_escape(text: str) -> str:
    r"""Escape LaTeX special characters.

    Examples
    --------
    >>> latex_escape("ln_gdp & 50%")
    'ln\\_gdp \\& 50\\%'
    """
    repl = {
        "\\": r"\textbackslash{}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
    return "".join(repl.get(c, c) for c in str(text))


def two_sided_pvalue(t: np.ndarray, df: np.ndarray | float | None) -> np.ndarray:
    """Two-sided p-values of statistics ``t``: Student t with ``df`` (broadcast), or the normal for ``None``.

    The one p-value function of the package (results, batched refits, bootstrap).

    Examples
    --------
    >>> two_sided_pvalue(np.array([1.96]), None).round(3).tolist()
    [0.05]
    """
    t = np.abs(np.asarray(t, dtype=float))
    if df is None:
        return np.asarray(2.0 * stats.norm.sf(t))
    return np.asarray(2.0 * stats.t.sf(t, df))


def _check_alpha(alpha: float) -> float:
    if not (isinstance(alpha, int | float) and 0.0 < float(alpha) < 1.0):
        raise OptionError(f"alpha={alpha!r} must lie strictly between 0 and 1")
    return float(alpha)


def interval_alpha(alpha: float, ci_level: float | None, owner: str) -> float:
    """The interval width ``alpha``, or ``1 - ci_level`` from the deprecated ``ci_level=`` of ``owner``.

    ``alpha=`` is the one name for interval width (issue 16); ``ci_level=`` warns
    with :class:`DeprecationWarning`. Either out of (0, 1) raises :class:`OptionError`.

    Examples
    --------
    >>> interval_alpha(0.1, None, "f")
    0.1
    """
    if ci_level is not None:
        import warnings

        warnings.warn(
            f"{owner}(ci_level=) is deprecated; use alpha= (alpha = 1 - ci_level)",
            DeprecationWarning,
            stacklevel=3,
        )
        if not (isinstance(ci_level, int | float) and 0.0 < float(ci_level) < 1.0):
            raise OptionError(f"ci_level={ci_level!r} must lie strictly between 0 and 1")
        return 1.0 - float(ci_level)
    return _check_alpha(alpha)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class CoefficientResult:
    """Coefficients, their covariance and the reference distribution: the base of result classes.

    Attributes
    ----------
    names : tuple of str
        Coefficient names (statsmodels-like: ``const``, then regressors).
    coef : ndarray (k,)
    cov : ndarray (k, k)
        The one stored covariance every derived quantity uses.
    df : ndarray (k,) or None
        Degrees of freedom of each coefficient's t reference distribution;
        ``None`` means the standard normal.
    nobs : int
    cov_type : str
        Canonical covariance name (:mod:`econindex.covariance`).
    cov_label : str
        Short label for tables (e.g. ``"cluster (CR2, 9 clusters)"``).
    cov_description : str
        What the standard errors are, in words.
    level : str or None
        Geo level of the data (``"country"``, ``"state_us"``) where relevant.
    model : str
        Name of the estimator (``"OLS"``, ``"WLS"``, ``"PPML"``, ...).
    dep_var : str
        Name of the dependent variable.

    Examples
    --------
    >>> r = CoefficientResult(names=("const", "x"), coef=np.array([1.0, 0.5]),
    ...     cov=np.diag([0.04, 0.01]), df=None, nobs=100, cov_type="HC1",
    ...     cov_label="HC1", cov_description="robust")
    >>> r.bse.round(3).tolist(), round(float(r.pvalues["x"]), 6)
    ([0.2, 0.1], 1e-06)
    """

    names: tuple[str, ...]
    coef: np.ndarray
    cov: np.ndarray
    df: np.ndarray | None
    nobs: int
    cov_type: str
    cov_label: str
    cov_description: str
    level: str | None = None
    model: str = "OLS"
    dep_var: str = "y"

    # --- derived from coef, cov and df ------------------------------------
    @property
    def params(self) -> pd.Series:
        """Coefficient estimates, indexed by name."""
        return pd.Series(self.coef, index=list(self.names), name="params")

    @property
    def bse(self) -> pd.Series:
        """Standard errors ``sqrt(diag(cov))``."""
        return pd.Series(np.sqrt(np.diag(self.cov)), index=list(self.names), name="bse")

    @property
    def tvalues(self) -> pd.Series:
        """``params / bse`` (t or z statistics, see :attr:`use_t`)."""
        return pd.Series(self.coef / np.sqrt(np.diag(self.cov)), index=list(self.names), name="tvalues")

    @property
    def use_t(self) -> bool:
        """Whether inference uses t distributions (``df`` given) or the normal."""
        return self.df is not None

    def _sf2(self, t: np.ndarray) -> np.ndarray:
        return two_sided_pvalue(t, self.df)

    def _quantile(self, q: float) -> np.ndarray:
        if self.df is None:
            return np.full(len(self.names), stats.norm.ppf(q))
        return np.asarray(stats.t.ppf(q, self.df))

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values of ``coef = 0``."""
        return pd.Series(self._sf2(self.tvalues.to_numpy()), index=list(self.names), name="pvalues")

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Two-sided ``1 - alpha`` confidence intervals (columns ``lower``, ``upper``).

        Examples
        --------
        >>> r = CoefficientResult(names=("const", "x"), coef=np.array([1.0, 0.5]),
        ...     cov=np.diag([0.04, 0.01]), df=None, nobs=100, cov_type="HC1",
        ...     cov_label="HC1", cov_description="robust")
        >>> r.conf_int().loc["x"].round(4).tolist()
        [0.304, 0.696]
        """
        alpha = _check_alpha(alpha)
        q = self._quantile(1 - alpha / 2)
        se = self.bse.to_numpy()
        return pd.DataFrame(
            {"lower": self.coef - q * se, "upper": self.coef + q * se}, index=list(self.names)
        )

    def mde(self, power: float = 0.8, alpha: float = 0.05) -> pd.Series:
        """Minimum detectable effect of each coefficient for a two-sided level-``alpha`` test.

        ``(q_{1-alpha/2} + q_{power}) * se`` where ``q`` are quantiles of the
        result's reference distribution (t with the recorded dof, or the
        normal). With the normal, 80% power and 5% size this is ``2.802 * se``:
        the smallest true effect this design detects four times in five.

        Examples
        --------
        >>> r = CoefficientResult(names=("const", "x"), coef=np.array([1.0, 0.5]),
        ...     cov=np.diag([0.04, 0.01]), df=None, nobs=100, cov_type="HC1",
        ...     cov_label="HC1", cov_description="robust")
        >>> round(float(r.mde()["x"]), 4)
        0.2802
        """
        alpha = _check_alpha(alpha)
        if not 0.0 < power < 1.0:
            raise OptionError(f"power={power!r} must lie strictly between 0 and 1")
        q = self._quantile(1 - alpha / 2) + self._quantile(power)
        return pd.Series(q * self.bse.to_numpy(), index=list(self.names), name="mde")

    @property
    def rsquared(self) -> float:
        """R-squared where the estimator defines one (NaN otherwise)."""
        return float("nan")

    @property
    def rsquared_note(self) -> str | None:
        """Explanation shown by :func:`compare` when :attr:`rsquared` is not the OLS R-squared."""
        return None

    def _extra_stats(self) -> dict[str, Any]:
        """Model statistics shown under the coefficient table (subclasses extend)."""
        out: dict[str, Any] = {"N": self.nobs}
        if not math.isnan(self.rsquared):
            out["R-squared"] = self.rsquared
        return out

    # --- exports -----------------------------------------------------------
    def to_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """Tidy coefficients: ``term, estimate, std_error, statistic, p_value, ci_lower, ci_upper``.

        Examples
        --------
        >>> r = CoefficientResult(names=("const", "x"), coef=np.array([1.0, 0.5]),
        ...     cov=np.diag([0.04, 0.01]), df=None, nobs=100, cov_type="HC1",
        ...     cov_label="HC1", cov_description="robust")
        >>> r.to_frame().columns.tolist()
        ['term', 'estimate', 'std_error', 'statistic', 'p_value', 'ci_lower', 'ci_upper']
        """
        ci = self.conf_int(alpha)
        return pd.DataFrame(
            {
                "term": list(self.names),
                "estimate": self.coef,
                "std_error": self.bse.to_numpy(),
                "statistic": self.tvalues.to_numpy(),
                "p_value": self.pvalues.to_numpy(),
                "ci_lower": ci["lower"].to_numpy(),
                "ci_upper": ci["upper"].to_numpy(),
            }
        )

    def to_xarray(self, alpha: float = 0.05) -> xr.Dataset:
        """Dataset with one variable per term along a ``stat`` dimension; attrs name the inference.

        Examples
        --------
        >>> r = CoefficientResult(names=("const", "x"), coef=np.array([1.0, 0.5]),
        ...     cov=np.diag([0.04, 0.01]), df=None, nobs=100, cov_type="HC1",
        ...     cov_label="HC1", cov_description="robust")
        >>> xa = r.to_xarray()
        >>> float(xa["x"].sel(stat="std_error")), xa.attrs["cov_type"], xa.attrs["nobs"]
        (0.1, 'HC1', 100)
        """
        frame = self.to_frame(alpha).set_index("term")
        data = {term: ("stat", frame.loc[term, list(STATS)].to_numpy(dtype=float)) for term in self.names}
        return xr.Dataset(
            data,
            coords={"stat": list(STATS)},
            attrs={
                "model": self.model,
                "dep_var": self.dep_var,
                "cov_type": self.cov_type,
                "cov_label": self.cov_label,
                "cov_description": self.cov_description,
                "level": self.level or "",
                "nobs": int(self.nobs),
                "ci_level": 1 - alpha,
                "reference_distribution": "t" if self.use_t else "normal",
            },
        )

    def _header(self) -> list[tuple[str, str]]:
        rows = [
            ("Model", self.model),
            ("Dependent variable", self.dep_var),
            ("Level", self.level or "-"),
            ("Covariance", self.cov_label),
            ("Reference distribution", "t" if self.use_t else "normal"),
        ]
        for key, val in self._extra_stats().items():
            rows.append((key, _fmt(val)))
        return rows

    def summary(self, alpha: float = 0.05) -> str:
        """A readable text table of the coefficients and the model statistics.

        Examples
        --------
        >>> r = CoefficientResult(names=("const", "x"), coef=np.array([1.0, 0.5]),
        ...     cov=np.diag([0.04, 0.01]), df=None, nobs=100, cov_type="HC1",
        ...     cov_label="HC1", cov_description="robust")
        >>> print(r.summary().splitlines()[0])
        OLS results
        """
        frame = self.to_frame(alpha)
        head = self._header()
        width = max(len(k) for k, _ in head)
        lines = [f"{self.model} results", "=" * 78]
        lines += [f"{k:<{width}} : {v}" for k, v in head]
        lines.append(f"{'SE type':<{width}} : {self.cov_description}")
        lines.append("-" * 78)
        pct = f"{100 * (1 - alpha):g}%"
        cols = ["estimate", "std_error", "statistic", "p_value", "ci_lower", "ci_upper"]
        hdr = [
            "term",
            "coef",
            "std err",
            "t" if self.use_t else "z",
            "P>|t|" if self.use_t else "P>|z|",
            f"[{pct}",
            "CI]",
        ]
        tw = max(12, *(len(t) for t in self.names))
        lines.append(f"{hdr[0]:<{tw}}" + "".join(f"{h:>11}" for h in hdr[1:]))
        for _, row in frame.iterrows():
            lines.append(f"{row['term']:<{tw}}" + "".join(f"{row[c]:>11.4g}" for c in cols))
        lines.append("=" * 78)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        """Two lines: model, response, N and covariance; then the first coefficients (SE)."""
        shown = ", ".join(
            f"{n}={c:.4g} ({s:.3g})"
            for n, c, s in zip(self.names[:4], self.coef, np.sqrt(np.diag(self.cov)), strict=False)
        )
        more = f", +{len(self.names) - 4} more" if len(self.names) > 4 else ""
        return f"<{self.model}: {self.dep_var}; N={self.nobs}, {self.cov_label}>\n  {shown}{more}"

    def to_markdown(self, alpha: float = 0.05, digits: int = 4) -> str:
        """Markdown table of the coefficients followed by the model statistics.

        Examples
        --------
        >>> r = CoefficientResult(names=("const", "x"), coef=np.array([1.0, 0.5]),
        ...     cov=np.diag([0.04, 0.01]), df=None, nobs=100, cov_type="HC1",
        ...     cov_label="HC1", cov_description="robust")
        >>> print(r.to_markdown().splitlines()[2])
        | const | 1 | 0.2 | 5 | 5.733e-07 | 0.608 | 1.392 |
        """
        frame = self.to_frame(alpha)
        cols = list(FRAME_COLUMNS)
        out = ["| " + " | ".join(cols) + " |", "|" + "|".join(["---"] + ["---:"] * (len(cols) - 1)) + "|"]
        for _, row in frame.iterrows():
            out.append(
                "| " + " | ".join([str(row["term"])] + [f"{row[c]:.{digits}g}" for c in cols[1:]]) + " |"
            )
        out.append("")
        out.append("; ".join(f"{k}: {v}" for k, v in self._header()))
        return "\n".join(out)

    def to_latex(self, alpha: float = 0.05, digits: int = 4) -> str:
        """A booktabs ``tabular`` of the coefficients with names escaped.

        Examples
        --------
        >>> r = CoefficientResult(names=("const", "x"), coef=np.array([1.0, 0.5]),
        ...     cov=np.diag([0.04, 0.01]), df=None, nobs=100, cov_type="HC1",
        ...     cov_label="HC1", cov_description="robust")
        >>> r.to_latex().splitlines()[1].endswith("toprule")
        True
        """
        frame = self.to_frame(alpha)
        pct = f"{100 * (1 - alpha):g}\\%"
        lines = [
            r"\begin{tabular}{lrrrrrr}",
            r"\toprule",
            f"Term & Estimate & Std. error & {'t' if self.use_t else 'z'} & p-value"
            f" & {pct} lower & {pct} upper \\\\",
            r"\midrule",
        ]
        for _, row in frame.iterrows():
            vals = " & ".join(f"{row[c]:.{digits}g}" for c in STATS)
            lines.append(f"{latex_escape(row['term'])} & {vals} \\\\")
        lines.append(r"\midrule")
        for k, v in self._header():
            lines.append(f"\\multicolumn{{7}}{{l}}{{{latex_escape(k)}: {latex_escape(v)}}} \\\\")
        lines += [r"\bottomrule", r"\end{tabular}"]
        return "\n".join(lines)

    # --- hypothesis tests ---------------------------------------------------
    def _inner(self, what: str) -> Any:
        reg = getattr(self, "regression", None)
        if reg is None or reg is self or not hasattr(reg, what):
            raise OptionError(f"{type(self).__name__} holds no regression fit; {what} is not available")
        return reg

    def wild_bootstrap_test(
        self,
        term: str,
        value: float = 0.0,
        n_boot: int = 9999,
        weights: str = "rademacher",
        seed: int | None = None,
        impose_null: bool = True,
        *,
        alpha: float = 0.05,
    ) -> Any:
        """Wild (cluster) bootstrap test of ``term = value`` on the result's regression.

        See :meth:`econindex.regression.RegressionResult.wild_bootstrap_test`.
        """
        reg = self._inner("wild_bootstrap_test")
        return reg.wild_bootstrap_test(
            term, value, n_boot=n_boot, weights=weights, seed=seed, impose_null=impose_null, alpha=alpha
        )

    def predict(self, data: Any = None) -> np.ndarray:
        """Fitted values (``data=None``) or predictions of the result's regression for new data."""
        return np.asarray(self._inner("predict").predict(data))

    def t_test(self, hypothesis: Any, value: float | None = None) -> HypothesisTest:
        """t test of one linear restriction, e.g. ``"log_gdp_pc = 1"`` or ``"a - b = 0"``.

        ``hypothesis`` is a string (terms combined with ``+``, ``-`` and ``c*``), a
        mapping term -> weight, or a row of R; ``value`` is the right-hand side (default
        from the string, else 0). Uses the stored covariance and reference distribution,
        so it agrees with :attr:`pvalues` and :meth:`conf_int`.

        Examples
        --------
        >>> r = CoefficientResult(names=("const", "x"), coef=np.array([1.0, 0.5]),
        ...     cov=np.diag([0.04, 0.01]), df=None, nobs=100, cov_type="HC1",
        ...     cov_label="HC1", cov_description="robust")
        >>> t = r.t_test("x = 0.3")
        >>> round(t.statistic, 6), round(t.pvalue, 4)
        (2.0, 0.0455)
        """
        R, q, labels = _restrictions(self, hypothesis, value)
        if R.shape[0] != 1:
            raise OptionError("t_test takes one restriction; use wald_test for several")
        est = R @ self.coef - q
        se = np.sqrt(np.einsum("ij,jk,ik->i", R, self.cov, R))
        t = float(est[0] / se[0])
        df = None if self.df is None else float(np.min(self.df[np.flatnonzero(R[0])]))
        return HypothesisTest(
            hypothesis=labels,
            estimate=est,
            std_error=se,
            statistic=t,
            pvalue=float(two_sided_pvalue(np.array([t]), df)[0]),
            distribution="normal" if df is None else "t",
            df_num=1,
            df_denom=df,
            cov_label=self.cov_label,
        )

    def wald_test(self, hypothesis: Any, value: Any = None) -> HypothesisTest:
        """Joint Wald test of ``R b = q``: F(q, df) with a t reference distribution, else chi-square(q).

        ``hypothesis``: a list of restriction strings (``["x1 = 0", "x2 = x3"]``), a list of
        term names (each = 0), or the matrix R (``value`` = q).

        Examples
        --------
        >>> r = CoefficientResult(names=("const", "x", "z"), coef=np.array([1.0, 0.5, 0.2]),
        ...     cov=np.diag([0.04, 0.01, 0.01]), df=None, nobs=100, cov_type="HC1",
        ...     cov_label="HC1", cov_description="robust")
        >>> w = r.wald_test(["x", "z"])
        >>> round(w.statistic, 6), w.distribution, w.df_num
        (29.0, 'chi2', 2)
        """
        R, q, labels = _restrictions(self, hypothesis, value)
        est = R @ self.coef - q
        V = R @ self.cov @ R.T
        rank = int(np.linalg.matrix_rank(V))
        if rank == 0:
            raise OptionError("the restrictions have zero variance under the stored covariance")
        stat = float(est @ (np.linalg.solve(V, est) if rank == R.shape[0] else np.linalg.pinv(V) @ est))
        se = np.sqrt(np.diag(V))
        df_w = getattr(self, "df_wald", None)
        if self.df is None:
            return HypothesisTest(
                labels, est, se, stat, float(stats.chi2.sf(stat, rank)), "chi2", rank, None, self.cov_label
            )
        dd = float(df_w) if df_w is not None else float(np.min(self.df))
        f = stat / rank
        return HypothesisTest(
            labels, est, se, f, float(stats.f.sf(f, rank, dd)), "F", rank, dd, self.cov_label
        )

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        head = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self._header()
        )
        table = frame.to_html(index=False, float_format=lambda v: f"{v:.4g}", escape=True)
        return f"<div><strong>{html.escape(self.model)} results</strong><table>{head}</table>{table}</div>"


@dataclass(frozen=True, eq=False)
class HypothesisTest:
    """A linear hypothesis ``R b = q`` tested with the result's covariance and reference distribution.

    Attributes
    ----------
    hypothesis : tuple of str, one per restriction
    estimate : ``R b - q`` (q,); std_error : its standard errors (q,)
    statistic : t (one restriction, :meth:`~CoefficientResult.t_test`) or F / chi-square over q
    pvalue : two-sided (t) or upper-tail (F, chi-square)
    distribution : ``"t"``, ``"normal"``, ``"F"`` or ``"chi2"``; df_num, df_denom : its dof
    """

    hypothesis: tuple[str, ...]
    estimate: np.ndarray
    std_error: np.ndarray
    statistic: float
    pvalue: float
    distribution: str
    df_num: int
    df_denom: float | None
    cov_label: str

    def summary(self) -> str:
        """One line per restriction and the test."""
        lines = [
            f"{h}: estimate {e:.6g} (se {s:.4g})"
            for h, e, s in zip(self.hypothesis, self.estimate, self.std_error, strict=True)
        ]
        dof = (
            f"({self.df_num}, {self.df_denom:g})"
            if self.distribution == "F"
            else (
                f"({self.df_denom:g})"
                if self.df_denom is not None
                else f"({self.df_num})"
                if self.distribution == "chi2"
                else ""
            )
        )
        lines.append(
            f"{self.distribution}{dof} = {self.statistic:.6g}, p = {self.pvalue:.4g}; "
            f"covariance {self.cov_label}"
        )
        return "\n".join(lines)

    def __repr__(self) -> str:
        head = "; ".join(self.hypothesis)
        return f"<HypothesisTest {head}: {self.distribution}={self.statistic:.4g}, p={self.pvalue:.4g}>"


def _parse_linear(text: str, names: Sequence[str]) -> tuple[np.ndarray, float]:
    """``"a - 2*b = 1"`` -> (row of R, q) over ``names`` (term names matched longest first)."""
    if "=" in text:
        lhs, rhs = text.split("=", 1)
        try:
            q = float(rhs.strip() or 0.0)
        except ValueError as exc:
            raise OptionError(f"hypothesis {text!r}: the right-hand side must be a number") from exc
    else:
        lhs, q = text, 0.0
    row = np.zeros(len(names))
    order = sorted(range(len(names)), key=lambda j: -len(names[j]))
    i, s = 0, lhs.strip()
    found = False
    while i < len(s):
        if s[i].isspace():
            i += 1
            continue
        sign = 1.0
        if s[i] in "+-":
            sign = -1.0 if s[i] == "-" else 1.0
            i += 1
            while i < len(s) and s[i].isspace():
                i += 1
        coef = 1.0
        j = i
        while j < len(s) and (s[j].isdigit() or s[j] in ".eE"):
            j += 1
        if j > i and j < len(s) and s[j:].lstrip().startswith("*"):
            coef = float(s[i:j])
            i = s.index("*", j) + 1
            while i < len(s) and s[i].isspace():
                i += 1
        for k in order:
            if s.startswith(names[k], i):
                row[k] += sign * coef
                i += len(names[k])
                found = True
                break
        else:
            raise OptionError(
                f"hypothesis {text!r}: no coefficient named at {s[i:]!r}; terms are {list(names)}"
            )
    if not found:
        raise OptionError(f"hypothesis {text!r} names no coefficient; terms are {list(names)}")
    return row, q


def _restrictions(
    result: CoefficientResult, hypothesis: Any, value: Any
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    names = list(result.names)
    k = len(names)
    if isinstance(hypothesis, str):
        hypothesis = [hypothesis]
    if isinstance(hypothesis, Mapping):
        row = np.zeros(k)
        for t, c in hypothesis.items():
            if t not in names:
                raise OptionError(f"{t!r} is not a coefficient; terms are {names}")
            row[names.index(t)] = float(c)
        R = row[None, :]
        labels: tuple[str, ...] = (" + ".join(f"{c:g}*{t}" for t, c in hypothesis.items()),)
        q = np.atleast_1d(np.asarray(0.0 if value is None else value, dtype=float))
        return R, q, labels
    if isinstance(hypothesis, Sequence) and hypothesis and all(isinstance(h, str) for h in hypothesis):
        rows, qs = [], []
        for h in hypothesis:
            r, qv = _parse_linear(h, names)
            rows.append(r)
            qs.append(qv)
        q = np.asarray(qs, dtype=float)
        if value is not None:
            q = np.broadcast_to(np.asarray(value, dtype=float), q.shape).copy()
        labels = tuple(str(h) if "=" in h else f"{h} = {qv:g}" for h, qv in zip(hypothesis, q, strict=True))
        return np.asarray(rows), q, labels
    R = np.atleast_2d(np.asarray(hypothesis, dtype=float))
    if R.shape[1] != k:
        raise OptionError(f"restriction matrix has {R.shape[1]} columns; the result has {k} coefficients")
    q = (
        np.zeros(R.shape[0])
        if value is None
        else np.broadcast_to(np.asarray(value, dtype=float), (R.shape[0],)).copy()
    )
    labels = tuple(
        " + ".join(f"{c:g}*{n}" for c, n in zip(r, names, strict=True) if c != 0) + f" = {qq:g}"
        for r, qq in zip(R, q, strict=True)
    )
    return R, q, labels


INFERENCE_FIELDS = ("names", "coef", "cov", "df", "nobs", "cov_type", "cov_label", "cov_description")


def inference_fields(result: CoefficientResult) -> dict[str, Any]:
    """The coefficients and the inference of ``result`` as keyword arguments.

    Estimators that wrap a fit in their own result class pass
    ``**inference_fields(reg)``, so the wrapper's errors, intervals and
    p-values come from the same covariance as the fit's.

    Examples
    --------
    >>> r = CoefficientResult(names=("const", "x"), coef=np.array([1.0, 0.5]),
    ...     cov=np.diag([0.04, 0.01]), df=None, nobs=100, cov_type="HC1",
    ...     cov_label="HC1", cov_description="robust")
    >>> sorted(inference_fields(r)) == sorted(INFERENCE_FIELDS)
    True
    """
    return {name: getattr(result, name) for name in INFERENCE_FIELDS}


def _fmt(val: Any) -> str:
    if isinstance(val, float | np.floating):
        return f"{float(val):.4g}"
    return str(val)


@dataclass(frozen=True, eq=False)
class ComparisonTable:
    """Several results side by side: coefficients (estimate, SE below), SE type, N, R-squared.

    ``frame`` has one column per result and rows ``<term>``, ``<term> (se)``,
    then ``SE type``, ``N``, ``R-squared``, ``MDE 80% (<term>)``; ``notes`` says
    what each SE type in the table means.
    """

    frame: pd.DataFrame
    notes: tuple[str, ...]

    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown table plus notes."""
        cols = ["", *map(str, self.frame.columns)]
        out = ["| " + " | ".join(cols) + " |", "|" + "|".join(["---"] + [":---:"] * (len(cols) - 1)) + "|"]
        for idx, row in self.frame.iterrows():
            out.append("| " + " | ".join([str(idx), *map(str, row.tolist())]) + " |")
        out.append("")
        out += [f"- {n}" for n in self.notes]
        return "\n".join(out)

    def to_latex(self) -> str:
        """booktabs ``tabular`` with escaped names and a notes block."""
        ncol = self.frame.shape[1]
        lines = [
            r"\begin{tabular}{l" + "c" * ncol + "}",
            r"\toprule",
            " & " + " & ".join(latex_escape(str(c)) for c in self.frame.columns) + r" \\",
            r"\midrule",
        ]
        for idx, row in self.frame.iterrows():
            label = "" if str(idx).endswith(" (se)") else latex_escape(str(idx))
            if str(idx) == "SE type":
                lines.append(r"\midrule")
            lines.append(label + " & " + " & ".join(latex_escape(str(v)) for v in row.tolist()) + r" \\")
        lines.append(r"\bottomrule")
        for n in self.notes:
            lines.append(f"\\multicolumn{{{ncol + 1}}}{{l}}{{\\footnotesize {latex_escape(n)}}} \\\\")
        lines.append(r"\end{tabular}")
        return "\n".join(lines)

    def to_html(self) -> str:
        """HTML table plus notes."""
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return self.frame.to_html(escape=True) + f"<ul>{notes}</ul>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.frame.to_string() + "\n" + "\n".join(self.notes)


def _posterior_columns(result: Any) -> tuple[dict[str, float], dict[str, float]]:
    """Posterior means and sds of a Bayesian result's scalar main parameters (duck-typed:
    ``posterior`` and ``var_names``, so this module needs no PyMC import)."""
    post = result.posterior
    mean: dict[str, float] = {}
    sd: dict[str, float] = {}
    for name in result.var_names:
        da = post[name]
        if set(da.dims) == {"chain", "draw"}:
            draws = np.asarray(da.values, dtype=float).ravel()
            mean[str(name)] = float(draws.mean())
            sd[str(name)] = float(draws.std(ddof=1))
    return mean, sd


def _is_posterior(result: Any) -> bool:
    return all(hasattr(result, a) for a in ("posterior", "var_names", "diagnostics_text", "converged"))


def compare(
    results: Sequence[Any],
    names: Sequence[str] | None = None,
    *,
    digits: int = 3,
    terms: Sequence[str] | None = None,
) -> ComparisonTable:
    """Publication table of several results: columns = results, rows = coefficients.

    Each coefficient row shows the estimate with its standard error in
    parentheses on the row below; further rows give the SE type of each
    column (the label, explained in the notes, because "robust" means
    different things in different packages), N, R-squared and the minimum
    detectable effect at 80% power (two-sided 5%) of the last term.

    Parameters
    ----------
    results : sequence of CoefficientResult or Bayesian state-model results
        A Bayesian result (:class:`econindex.bayes.BayesResult`) shows its
        scalar main parameters as posterior mean (sd), and a row
        ``MCMC diagnostics`` says ``passed`` or ``FAILED`` beside it, with its
        diagnostics line in the notes.
    names : sequence of str, optional
        Column headers (default ``(1)``, ``(2)``, ...).
    digits : int
        Decimals shown.
    terms : sequence of str, optional
        Rows to show, in order (default: every term, in order of appearance).

    Examples
    --------
    >>> import econindex as ei
    >>> ds = ei.datasets.load_countries_2025_08()
    >>> a = ei.IncomeElasticity(cov_type="HC1").fit(ds, level="country")
    >>> b = ei.IncomeElasticity(cov_type="HC3").fit(ds, level="country")
    >>> t = compare([a, b], names=["HC1", "HC3"])
    >>> t.frame.loc["log_gdp_pc", "HC1"], t.frame.loc["log_gdp_pc (se)", "HC3"]
    ('0.690***', '(0.041)')
    >>> t.frame.loc["SE type"].tolist()
    ['HC1', 'HC3']
    """
    results = list(results)
    if not results:
        raise OptionError("compare needs at least one result")
    for r in results:
        if not isinstance(r, CoefficientResult) and not _is_posterior(r):
            raise OptionError(
                f"compare takes coefficient results or Bayesian state-model results, got {type(r).__name__}"
            )
    posterior = {i: _posterior_columns(r) for i, r in enumerate(results) if _is_posterior(r)}
    if names is None:
        names = [f"({i + 1})" for i in range(len(results))]
    names = [str(n) for n in names]
    if len(names) != len(results) or len(set(names)) != len(names):
        raise OptionError(f"names must be {len(results)} distinct labels, got {names}")
    if terms is None:
        seen: list[str] = []
        for i, r in enumerate(results):
            own = list(posterior[i][0]) if i in posterior else list(r.names)
            seen += [t for t in own if t not in seen]
        terms = seen
    rows: dict[str, list[str]] = {}
    for t in terms:
        est, se = [], []
        for i, r in enumerate(results):
            if i in posterior:
                mean, sd = posterior[i]
                est.append(f"{mean[t]:.{digits}f}" if t in mean else "")
                se.append(f"({sd[t]:.{digits}f})" if t in sd else "")
            elif t in r.names:
                est.append(f"{r.params[t]:.{digits}f}{_stars(float(r.pvalues[t]))}")
                se.append(f"({r.bse[t]:.{digits}f})")
            else:
                est.append("")
                se.append("")
        rows[t] = est
        rows[f"{t} (se)"] = se
    freq = [i not in posterior for i in range(len(results))]
    rows["SE type"] = [r.cov_label if f else "posterior sd" for r, f in zip(results, freq, strict=True)]
    rows["N"] = [
        str(int(r.nobs)) if f else str(int(r.data.sizes.get("geo", 0)))
        for r, f in zip(results, freq, strict=True)
    ]
    rows["R-squared"] = [
        f"{r.rsquared:.{digits}f}" if f and not math.isnan(r.rsquared) else ""
        for r, f in zip(results, freq, strict=True)
    ]
    last = terms[-1] if terms else None
    if last is not None:
        rows[f"MDE 80% ({last})"] = [
            f"{r.mde()[last]:.{digits}f}" if f and last in r.names else ""
            for r, f in zip(results, freq, strict=True)
        ]
    if posterior:
        # a failed diagnostic stands beside the estimate it concerns, never only in a footnote
        rows["MCMC diagnostics"] = [
            "" if f else ("passed" if r.converged else "FAILED") for r, f in zip(results, freq, strict=True)
        ]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=names)
    notes = ["Standard errors in parentheses; * p<0.10, ** p<0.05, *** p<0.01."]
    if posterior:
        notes.append("Bayesian columns: posterior mean with posterior sd in parentheses (no stars).")
    seen_notes: set[str] = set()
    for i, r in enumerate(results):
        if i in posterior:
            notes.append(f"{names[i]} ({r.model_name}): {r.diagnostics_text}")
            continue
        dist = "t" if r.use_t else "normal"
        for note in (f"{r.cov_label}: {r.cov_description} ({dist} reference distribution).", r.rsquared_note):
            if note and note not in seen_notes:
                seen_notes.add(note)
                notes.append(note)
    notes.append(
        "MDE 80%: minimum detectable effect at 80% power, two-sided 5% test: (q_0.975 + q_0.80) x SE."
    )
    return ComparisonTable(frame=frame, notes=tuple(notes))


def _stars(p: float) -> str:
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""
