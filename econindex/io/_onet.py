"""O*NET task statements: SOC major group and O*NET Task ID of a lower-cased statement.

The vendored table ``econindex/datasets/data/onet_task_ids.npz`` holds every
one of the 18,428 distinct lower-cased statements of O*NET 20.1 (the table
the AEI releases map to), keyed by a 48-bit BLAKE2b digest of the statement,
with its Task ID and SOC major group. The digest keeps the table at 150 KB
where the text would take 540 KB (gzip); 48 bits make a false match of a
non-O*NET label vanishingly unlikely (about 1e-10 per label).

A statement that belongs to several occupations gets the smallest of its
Task IDs and the major group with most occupations (ties: the smallest
code), the rule of ``onet_task_soc_major.csv.gz`` (the 2,556 statements, as
text, that :func:`econindex.simulate` draws; the two tables agree on every
one of them). :func:`build_task_id_table` rebuilds the digest table from a
release's ``onet_task_statements.csv``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["task_soc_major", "task_ids", "statement_digest", "build_task_id_table", "SPECIAL_TASKS"]

SPECIAL_TASKS = ("none", "not_classified")
"""Task labels that are not O*NET statements; they map to themselves (SOC) and ``""`` (id)."""


def statement_digest(texts: Iterable[str]) -> np.ndarray:
    """48-bit BLAKE2b digests (uint64) of lower-cased task statements.

    Examples
    --------
    >>> int(statement_digest(["a"])[0]) == int(statement_digest(["A"])[0])
    True
    """
    out = [int.from_bytes(hashlib.blake2b(t.lower().encode("utf-8"), digest_size=6).digest(), "big")
           for t in texts]  # fmt: skip
    return np.asarray(out, dtype=np.uint64)


@lru_cache(maxsize=1)
def _digest_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    path = resources.files("econindex.datasets").joinpath("data/onet_task_ids.npz")
    with path.open("rb") as fh, np.load(fh, allow_pickle=False) as z:
        return z["digest"].copy(), z["task_id"].copy(), z["soc_major"].copy()


def _digest_rows(tasks: np.ndarray) -> np.ndarray:
    """Row of each statement in the digest table (-1 where absent)."""
    digest, _, _ = _digest_table()
    d = statement_digest(tasks)
    at = np.clip(np.searchsorted(digest, d), 0, max(digest.size - 1, 0))
    return np.where(digest[at] == d, at, -1) if digest.size else np.full(d.size, -1)


def task_soc_major(tasks: Iterable[str]) -> np.ndarray:
    """SOC major group (2-digit code string) of lower-cased O*NET task statements.

    ``none`` and ``not_classified`` map to themselves; statements O*NET 20.1
    does not hold map to ``"unknown"``.

    Examples
    --------
    >>> task_soc_major(["none", "no such task", "act as advisers to student organizations."]).tolist()
    ['none', 'unknown', '25']
    """
    s = np.asarray(list(tasks), dtype=object).astype(str).astype(object)
    out = s.copy()  # none / not_classified map to themselves
    ok = ~np.isin(s, SPECIAL_TASKS)
    if ok.any():
        rows = _digest_rows(s[ok])
        soc = np.char.zfill(_digest_table()[2].astype(str), 2)
        out[np.flatnonzero(ok)] = np.where(rows >= 0, soc[np.maximum(rows, 0)], "unknown")
    return out


def task_ids(tasks: Iterable[str]) -> np.ndarray:
    """O*NET Task ID (a string) of lower-cased task statements; ``""`` where unknown.

    Examples
    --------
    >>> task_ids(["act as advisers to student organizations.", "none"]).tolist()
    ['5682', '']
    """
    s = np.asarray(list(tasks), dtype=object).astype(str).astype(object)
    out = np.full(s.size, "", dtype=object)
    ok = ~np.isin(s, SPECIAL_TASKS)
    if ok.any():
        rows = _digest_rows(s[ok])
        ids = _digest_table()[1]
        out[np.flatnonzero(ok)] = np.where(rows >= 0, ids[np.maximum(rows, 0)].astype(str), "")
    return out


def build_task_id_table(statements_csv: str | Path, out: str | Path) -> Path:
    """Write the digest table from an O*NET ``onet_task_statements.csv`` (run once, by hand).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "s.csv").write_text("O*NET-SOC Code,Task ID,Task\\n15-1252.00,16363,Write code.\\n")
    >>> z = np.load(build_task_id_table(d / "s.csv", d / "t.npz"))
    >>> z["task_id"].tolist(), z["soc_major"].tolist()
    ([16363], [15])
    """
    st = pd.read_csv(statements_csv, dtype=str, keep_default_na=False)
    st = pd.DataFrame(
        {"text": st["Task"].str.lower(), "id": st["Task ID"].astype(int), "soc": st["O*NET-SOC Code"].str[:2]}
    )
    ids = st.groupby("text")["id"].min()
    n_occ = st.groupby(["text", "soc"]).size().rename("n").reset_index()
    soc = n_occ.sort_values(["text", "n", "soc"], ascending=[True, False, True]).drop_duplicates("text")
    table = pd.DataFrame({"id": ids}).join(soc.set_index("text")["soc"])
    digest = statement_digest(table.index)
    if np.unique(digest).size != digest.size:
        raise ValueError("digest collision: widen digest_size")
    order = np.argsort(digest)
    out = Path(out)
    with out.open("wb") as fh:
        np.savez_compressed(
            fh,
            digest=digest[order],
            task_id=table["id"].to_numpy(np.uint16)[order],
            soc_major=table["soc"].astype(int).to_numpy(np.uint8)[order],
        )
    return out
