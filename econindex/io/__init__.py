"""Reading and writing AEI releases and attaching covariates.

:func:`read_aei` turns one CSV, several, or a release folder (raw or
enriched, Claude.ai or the 1P API) into the canonical dataset;
:func:`write_aei` writes the enriched long format back; and
:func:`attach_covariates` adds working-age population and GDP.
"""

from econindex.io.aei import read_aei, write_aei
from econindex.io.covariates import attach_covariates

__all__ = ["attach_covariates", "read_aei", "write_aei"]
