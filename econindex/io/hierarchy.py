"""The request hierarchy of an AEI release (``request_hierarchy_tree_*.json``).

The long CSV gives every request cluster with its ``level`` (0 the finest,
2 the top) but not which cluster a cluster belongs to; the release ships that
tree as nested JSON beside the CSV. :func:`read_request_hierarchy` flattens
such a tree to one row per cluster, and :func:`read_aei` uses it to fill the
``parent_request`` coordinate when the JSON is in the release folder or
among the paths it is given.

The reader accepts the nested shapes a cluster tree is written in: a list of
nodes, a single root node, or an object holding the list; each node an object
with its name (``name``, ``cluster_name``, ``title`` or ``label``) and its
children (``children``, ``subclusters``, ``sub_clusters``, ``clusters`` or
``nodes``), optionally its ``level`` and ``description``. Without a ``level``,
a node's level is its height in the tree (leaves 0), the release's bottom-up
convention. Anything else is refused with a message naming the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from econindex.errors import DataValueError, ReadError, UnknownLayoutError

__all__ = ["read_request_hierarchy", "is_hierarchy_file", "parents_for"]

_NAME_KEYS = ("name", "cluster_name", "title", "label")
_CHILD_KEYS = ("children", "subclusters", "sub_clusters", "clusters", "nodes")
_LIST_KEYS = (*_CHILD_KEYS, "tree", "root", "hierarchy")
MAX_DEPTH = 100
"""Deepest request hierarchy read (the releases' trees have 3 levels); deeper files are refused."""


def is_hierarchy_file(path: Path) -> bool:
    """Whether ``path`` is named like a release's request-hierarchy JSON."""
    return path.suffix.lower() == ".json" and path.name.lower().startswith("request_hierarchy")


def _roots(doc: Any, file: str) -> list[dict[str, Any]]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        if any(k in doc for k in _NAME_KEYS):
            return [doc]
        for key in _LIST_KEYS:
            if isinstance(doc.get(key), list):
                return list(doc[key])
            if isinstance(doc.get(key), dict):
                return _roots(doc[key], file)
    raise UnknownLayoutError(
        f"{file}: not a request-hierarchy tree; expected a list of nodes (or an object holding one "
        f"under {list(_LIST_KEYS)}), each node an object with a name ({list(_NAME_KEYS)}) and "
        f"children ({list(_CHILD_KEYS)})"
    )


def _node(node: Any, parent: str, file: str) -> tuple[str, list[Any], Any, str]:
    """Name, children, given level and description of one node, or a message naming the file."""
    where = f"under {parent!r}" if parent else "at the root"
    if not isinstance(node, dict):
        raise UnknownLayoutError(f"{file}: a node {where} is not an object")
    name = next((node[k] for k in _NAME_KEYS if k in node), None)
    if not isinstance(name, str) or not name.strip():
        raise UnknownLayoutError(f"{file}: a node {where} has no name (looked for {list(_NAME_KEYS)})")
    children: list[Any] = next((node[k] for k in _CHILD_KEYS if isinstance(node.get(k), list)), [])
    level = node.get("level")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int)):
        raise DataValueError(f"{file}: request cluster {name.strip()!r} has a non-integer level {level!r}")
    return name.strip(), children, level, str(node.get("description") or "")


def _flatten(nodes: list[Any], parent: str, file: str, rows: list[dict[str, Any]], depth: int = 0) -> int:
    """Append one row per node (pre-order); return the height of the tallest node (leaves 0)."""
    if nodes and depth >= MAX_DEPTH:
        raise ReadError(
            f"{file}: the request hierarchy is nested deeper than {MAX_DEPTH} levels "
            f"(below {parent[:60]!r}); a release's tree has 3"
        )
    tallest = -1
    for node in nodes:
        name, children, level, description = _node(node, parent, file)
        row = {"request": name, "parent_request": parent, "given_level": level, "description": description}
        rows.append(row)
        row["height"] = _flatten(children, name, file, rows, depth + 1) + 1
        tallest = max(tallest, row["height"])
    return tallest


def read_request_hierarchy(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Flatten a release's request-hierarchy JSON to one row per cluster.

    Parameters
    ----------
    path : path
        A ``request_hierarchy_tree_*.json`` file (nested clusters).

    Returns
    -------
    pandas.DataFrame
        Columns ``request`` (the cluster name), ``request_level`` (the node's
        ``level`` where given, else its height: leaves 0), ``parent_request``
        (``""`` at the top) and ``description``.

    Raises
    ------
    ReadError
        The file cannot be read or is not JSON.
    UnknownLayoutError
        The JSON is not a tree of named nodes (the message names the file).
    DataValueError
        A node's ``level`` is not an integer, or one name has two parents at
        the same level.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> tree = [{"name": "Code", "children": [{"name": "Debug", "children": [{"name": "Fix tests"}]}]}]
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "request_hierarchy_tree_claude_ai.json"
    >>> _ = p.write_text(json.dumps(tree))
    >>> read_request_hierarchy(p)[["request", "request_level", "parent_request"]].values.tolist()
    [['Code', 2, ''], ['Debug', 1, 'Code'], ['Fix tests', 0, 'Debug']]
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReadError(f"{path.name}: cannot read the request hierarchy as JSON ({exc})") from exc
    except RecursionError as exc:  # the JSON decoder's own nesting limit (about 1,000)
        raise ReadError(
            f"{path.name}: the request hierarchy is nested too deeply to read (more than {MAX_DEPTH} levels; "
            "a release's tree has 3)"
        ) from exc
    rows: list[dict[str, Any]] = []
    _flatten(_roots(doc, path.name), "", path.name, rows)
    if not rows:
        raise ReadError(f"{path.name}: the request hierarchy has no clusters")
    table = pd.DataFrame(rows)
    given = table["given_level"]
    table["request_level"] = np.where(given.notna(), given, table["height"]).astype(np.int64)
    table = table[["request", "request_level", "parent_request", "description"]]
    clash = table.groupby(["request", "request_level"])["parent_request"].nunique()
    if (clash > 1).any():
        name, level = clash[clash > 1].index[0]
        raise DataValueError(
            f"{path.name}: request cluster {name!r} at level {level} has several parents in the hierarchy"
        )
    return table.drop_duplicates(["request", "request_level"]).reset_index(drop=True)


def parents_for(
    requests: np.ndarray, levels: np.ndarray, hierarchy: pd.DataFrame
) -> tuple[np.ndarray, int]:
    """``parent_request`` for a dataset's request labels from a flattened hierarchy.

    A label is matched on its name and level (``read_aei`` writes a name used
    at two levels as ``"<name> [level k]"`` above the lowest). A parent is
    named by the dataset's label for it where the dataset has it. Returns the
    parents (``""`` where the hierarchy has none) and the number of non-top
    clusters the hierarchy does not cover.
    """
    labels = pd.Series(np.asarray(requests, dtype=object)).astype(str)
    lv = np.asarray(levels, dtype=np.int64)
    names = labels.str.replace(r" \[level \d+\]$", "", regex=True)
    key = pd.MultiIndex.from_arrays([names, lv])
    h = hierarchy.set_index(["request", "request_level"])
    parent_name = h["parent_request"].reindex(key).to_numpy(dtype=object)
    found = pd.notna(parent_name)
    # the dataset's own label for each parent (name at the level above)
    label_of = pd.Series(labels.to_numpy(), index=key)
    label_of = label_of[~label_of.index.duplicated()]
    parent_key = pd.MultiIndex.from_arrays([np.where(found, parent_name, ""), lv + 1])
    parent_label = label_of.reindex(parent_key).to_numpy(dtype=object)
    out = np.where(pd.notna(parent_label), parent_label, np.where(found, parent_name, ""))
    top = lv == lv.max() if lv.size else np.zeros(0, dtype=bool)
    return np.asarray(out, dtype=object), int((~found & ~top).sum())
