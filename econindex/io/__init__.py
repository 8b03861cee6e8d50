"""Reading and writing AEI releases and attaching covariates.

:func:`read_aei` turns one CSV, several, a release folder or a folder of
release folders (any of releases 1 to 6, Claude.ai or the 1P API) into the
canonical dataset, several releases into one panel with a ``period`` dimension;
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
