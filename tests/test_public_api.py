"""Every name of the public API resolves, and the package imports without the optional extras loaded."""

from __future__ import annotations

import subprocess
import sys

import econindex as ei


def test_every_public_name_resolves():
    for name in ei.__all__:
        if name == "bayes":
            continue  # needs the bayes extra; tested in test_bayes
        assert getattr(ei, name) is not None, name


def test_import_is_light():
    code = ("import sys, econindex; "
            "heavy = [m for m in ('pymc', 'matplotlib', 'dask', 'arviz') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = ei.nope
