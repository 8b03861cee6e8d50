"""Command line: ``econindex report`` and ``econindex explore``.

Examples
--------
>>> from econindex.cli import build_parser
>>> args = build_parser().parse_args(["report", "--no-bayes", "--out", "out"])
>>> args.bayes, str(args.out), args.data
(False, 'out', None)
>>> [str(p) for p in build_parser().parse_args(["report", "--data", "r1", "r2"]).data]
['r1', 'r2']
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from econindex.errors import EconIndexError

__all__ = ["build_parser", "main"]

EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``econindex`` command."""
    parser = argparse.ArgumentParser(
        prog="econindex",
        description="Econometrics of AI adoption across places and tasks (AEI-style analyses).",
    )
    from econindex import __version__

    parser.add_argument("--version", action="version", version=f"econindex {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser(
        "report",
        help="run the whole analysis and write an HTML (or Markdown) report with CSV tables",
        description="Run the whole analysis on the embedded data (default) or on an AEI release "
        "(--data) and write a self-contained report with its tables as CSV.",
    )
    rep.add_argument(
        "--data",
        type=Path,
        nargs="+",
        default=None,
        help="AEI release folder(s) or file(s); several releases become one panel (default: embedded data)",
    )
    rep.add_argument("--out", type=Path, default=Path("econindex-report"), help="output folder")
    rep.add_argument("--format", choices=("html", "markdown"), default="html", help="report format")
    # schema.ANALYSIS_LEVELS, written out so that parsing the command line imports no xarray
    rep.add_argument(
        "--level", choices=("country", "state_us"), default=None, help="geo level for --data (default: both)"
    )
    rep.add_argument("--no-bayes", dest="bayes", action="store_false", help="skip the Bayesian state models")
    rep.add_argument(
        "--exclude-flagged", action="store_true", help="remove abuse-flagged traffic before estimating"
    )
    rep.add_argument("--seed", type=int, default=0, help="seed for simulation, bootstrap and MCMC")
    rep.add_argument("--quiet", action="store_true", help="no progress output")
    exp = sub.add_parser(
        "explore",
        help="write the interactive explorer page (explore.html): search any place, occupation or request",
        description="Write a self-contained page (no network) that finds any country, US state, SOC group, "
        "task or request cluster by typing and shows its profile; deep links such as explore.html#geo=HI.",
    )
    exp.add_argument(
        "--data",
        type=Path,
        nargs="+",
        default=None,
        help="AEI release folder(s) or file(s) (default: embedded)",
    )
    exp.add_argument("--out", type=Path, default=Path("econindex-report"), help="output folder")
    exp.add_argument("--quiet", action="store_true", help="no progress output")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``econindex`` command; returns the exit code.

    Bad input (an :class:`~econindex.errors.EconIndexError`, a missing file)
    is reported as one line on stderr with exit code 2, never a traceback.
    """
    args = build_parser().parse_args(argv)
    if args.command == "explore":
        from econindex.explore import read_release, write_explorer

        try:
            data = None if args.data is None else read_release(args.data)
            page = write_explorer(data, args.out / "explore.html")
        except (EconIndexError, OSError) as exc:
            print(
                f"econindex: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        if not args.quiet:
            print(f"explorer written to {page}")
        return 0
    if args.command == "report":
        from econindex.report import ReportConfig, check_out, run_report

        try:  # before any analysis runs
            check_out(args.out)
        except EconIndexError as exc:
            print(f"econindex: error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT

        config = ReportConfig(
            data=tuple(args.data) if args.data else None,
            out=args.out,
            format=args.format,
            level=args.level,
            bayes=args.bayes,
            exclude_flagged=args.exclude_flagged,
            seed=args.seed,
            quiet=args.quiet,
            argv=tuple(sys.argv[1:] if argv is None else argv),
        )
        try:
            path = run_report(config)
        except (
            EconIndexError,
            FileNotFoundError,
            IsADirectoryError,
            NotADirectoryError,
            PermissionError,
        ) as exc:
            print(
                f"econindex: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        if not args.quiet:
            print(f"report written to {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
