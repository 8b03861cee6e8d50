"""Run every benchmark script and write ``benchmarks/results.md`` and ``results.json``.

Usage::

    python benchmarks/run_all.py           # full mode (minutes)
    python benchmarks/run_all.py --quick   # CI mode (seconds): keeps the scripts working

Each ``bench_*.py`` (and ``sbc.py``) exposes ``run(quick) -> list[Record]``
and measures its reference and econindex in the same run, so ratios from a
noisy machine still compare. In quick mode the sizes are too small for the
ratios to mean much; the table says which mode produced it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import Record  # noqa: E402

# The coverage study is bench_coverage.py, not coverage.py: a script folder on sys.path would
# otherwise shadow the `coverage` package that pytensor and others import.
SCRIPTS = sorted(p for p in HERE.glob("*.py") if p.stem.startswith("bench_")) + [
    p for p in (HERE / "sbc.py",) if p.exists()
]


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (CI mode)")
    parser.add_argument("--only", nargs="*", default=None, help="script stems to run")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for results.md/json")
    args = parser.parse_args()

    rows: list[dict] = []
    errors: list[str] = []
    for path in SCRIPTS:
        if args.only and path.stem not in args.only:
            continue
        t0 = time.perf_counter()
        try:
            records: list[Record] = _load(path).run(args.quick)
        except Exception:  # report and go on: one broken script must not hide the others
            errors.append(f"{path.name}: {traceback.format_exc(limit=3)}")
            print(f"ERROR  {path.name}", file=sys.stderr)
            continue
        for r in records:
            rows.append({"script": path.name, **r.as_dict()})
            print(f"{'PASS' if r.passed else 'FAIL'}  {path.name}: {r.target}: {r.ratio:.3g}")
        print(f"       {path.name} took {time.perf_counter() - t0:.1f} s")

    mode = "quick" if args.quick else "full"
    meta = {"mode": mode, "python": platform.python_version(), "machine": platform.machine()}
    suffix = "_quick" if args.quick else ""
    (args.out / f"results{suffix}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    lines = [
        f"# Benchmark results ({mode} mode)",
        "",
        f"Python {meta['python']} on {meta['machine']}; produced by `python benchmarks/run_all.py"
        f"{' --quick' if args.quick else ''}`.",
        "",
        "| script | target | reference | ratio | required | pass |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        need = (">= " if r["better"] == "higher" else "<= ") + f"{r['threshold']:g}"
        lines.append(
            f"| {r['script']} | {r['target']} | {r['reference']} | {r['ratio']:.3g} | {need} | "
            f"{'yes' if r['passed'] else 'no'} |"
        )
    if errors:
        lines += ["", "## Errors", "", *[f"- {e.splitlines()[0]}" for e in errors]]
    (args.out / f"results{suffix}.md").write_text("\n".join(lines) + "\n")
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
