"""Reading and writing AEI releases and attaching covariates.

:func:`read_aei` turns one CSV, several, or a release folder (raw or
enriched, Claude.ai or the 1P API) into the canonical dataset;
:func:`write_aei` writes the enriched long format back;
:func:`read_request_hierarchy` flattens a release's request tree; and
:func:`attach_covariates` adds working-age population and GDP.
"""

from econindex.io.aei import read_aei, write_aei
from econindex.io.covariates import attach_covariates
from econindex.io.hierarchy import read_request_hierarchy

__all__ = ["attach_covariates", "read_aei", "read_request_hierarchy", "write_aei"]
