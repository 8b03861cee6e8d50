"""Parse the next files while the current one is routed: one background parser, two files ahead.

pyarrow parses a CSV with every core, but routing a parsed file's rows into
cells is mostly one thread. Reading a folder of releases alternates the two;
parsing files ``k + 1`` and ``k + 2`` while file ``k`` is routed keeps the
parser busy. With one file ahead it idled whenever a routing step (the end of
one release's reader, the start of the next) outlasted a parse: on the six
full-size releases 0.1 s before the last two files, whose second parse then
ran while nothing else did. At most three parsed files are held at once (the
one routed, two parsed). Errors are raised where the file is taken, in file
order, as without the background thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

__all__ = ["ParseAhead"]


class ParseAhead:
    """Parses ``jobs`` (path, parse function) in order in one thread, ``depth`` files ahead of :meth:`take`.

    Examples
    --------
    >>> jobs = [(Path("a"), lambda p: p.name * 2), (Path("b"), lambda p: p.name)]
    >>> with ParseAhead(jobs) as ahead:
    ...     ahead.take(Path("a")), ahead.take(Path("b"))
    ('aa', 'b')
    """

    def __init__(self, jobs: Sequence[tuple[Path, Callable[[Path], Any]]], depth: int = 2) -> None:
        self._jobs = list(jobs)
        self._depth = depth
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="econindex-parse")
        self._futures: dict[int, Future[Any]] = {}
        self._taken: set[int] = set()
        for k in range(depth):
            self._submit(k)

    def _submit(self, k: int) -> None:
        if k < len(self._jobs) and k not in self._futures and k not in self._taken:
            path, parse = self._jobs[k]
            self._futures[k] = self._pool.submit(parse, path)

    def take(self, path: Path) -> Any:
        """The parse of ``path`` (waits for it, and starts the next job); re-raises the parse's error."""
        k = next(i for i, (p, _) in enumerate(self._jobs) if p == path and i not in self._taken)
        for j in range(k, k + self._depth + 1):
            self._submit(j)
        self._taken.add(k)
        return self._futures.pop(k).result()

    def close(self) -> None:
        """Cancel the jobs not started; wait for one that has (its result is dropped)."""
        for f in self._futures.values():
            f.cancel()
        self._pool.shutdown(wait=True)
        self._futures.clear()

    def __enter__(self) -> ParseAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
