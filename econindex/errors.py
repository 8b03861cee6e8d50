"""Exceptions raised by econindex.

Every error a user can trigger with bad input derives from
:class:`EconIndexError`, so ``except EconIndexError`` catches all of them,
while the subclasses say what kind of problem it was. Messages name the
offending variable, geo, row or file.
"""

from __future__ import annotations

__all__ = [
    "EconIndexError",
    "SchemaError",
    "DataValueError",
    "MissingCovariateError",
    "EstimationError",
    "ReadError",
    "UnknownLayoutError",
    "TooLargeError",
    "OptionError",
    "ConvergenceWarning",
    "DiagnosticsWarning",
    "FewClustersWarning",
]


class EconIndexError(Exception):
    """Base class of every error econindex raises on bad input."""


class SchemaError(EconIndexError):
    """A dataset lacks a required dimension, variable or coordinate, or has a wrong dtype."""


class DataValueError(EconIndexError, ValueError):
    """A value is invalid: negative count, non-numeric cell, zero population, ..."""


class MissingCovariateError(DataValueError):
    """One or more geos have no covariate (population, GDP); the message lists them."""


class EstimationError(EconIndexError):
    """A model cannot be estimated: too few observations, singular design, ..."""


class ReadError(EconIndexError):
    """A file cannot be read: empty, truncated, missing columns, bad rows."""


class UnknownLayoutError(ReadError):
    """A file's layout matches no known AEI release layout."""


class TooLargeError(ReadError):
    """Reading would build arrays larger than the documented memory bound; the message gives the sizes."""


class OptionError(EconIndexError, ValueError):
    """An estimator or function option is invalid; the message lists valid values."""


def excerpt(text: object, limit: int = 60) -> str:
    """``repr`` of ``text`` cut to about ``limit`` characters, for quoting input in a message.

    Error messages quote what was wrong, never a whole line or cell of a file.

    Examples
    --------
    >>> excerpt("x" * 100, 10)
    "'xxxxxxxxxx'... (100 characters)"
    >>> excerpt("DE")
    "'DE'"
    """
    s = str(text)
    if len(s) <= limit:
        return repr(s)
    return f"{s[:limit]!r}... ({len(s)} characters)"


class ConvergenceWarning(UserWarning):
    """An iterative fit did not converge."""


class DiagnosticsWarning(UserWarning):
    """MCMC diagnostics (R-hat, ESS, divergences) failed their thresholds."""


class FewClustersWarning(UserWarning):
    """A wild bootstrap has so few clusters that its p-value cannot go below a bound (stated)."""
