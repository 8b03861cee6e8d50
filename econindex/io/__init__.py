"""Reading and writing AEI releases and attaching covariates.

:func:`read_aei` turns one CSV, several, or a release folder (raw or
enriched, Claude.ai or the 1P API) into the canonical dataset;
:func:`write_aei` writes the enriched long format back;
:func:`read_request_hierarchy` flattens a release's request tree;
:func:`attach_covariates` adds working-age population and GDP; and
:func:`from_frame` turns a researcher's own table into a dataset.
"""

from econindex.io.aei import read_aei, write_aei
from econindex.io.covariates import attach_covariates
from econindex.io.frame import from_frame
from econindex.io.hierarchy import read_request_hierarchy

__all__ = ["attach_covariates", "from_frame", "read_aei", "read_request_hierarchy", "write_aei"]
