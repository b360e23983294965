"""Run every benchmark, each in its own process, then regenerate docs/benchmarks.md.

`make bench` installs `.[test,bench]` and runs this file. Results go to benchmarks/results/
(single.json, series.json, simulate.json). A benchmark that crashes leaves an error record in
its results file rather than an old result that looks current.

Usage: `python benchmarks/run_all.py [--only single series simulate] [--skip-peers]`
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from _common import (
    BENCH_DIR,
    RESULTS_DIR,
    machine_info,
    print_targets,
    progress,
    write_results,
)
from _report import write_docs

BENCHMARKS = ("single", "series", "simulate", "diary", "wearables")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument(
        "--skip-peers",
        action="store_true",
        help="single: time nof1 only, without PyMC, NumPyro, R nlme and JAGS",
    )
    parser.add_argument(
        "--docs-only",
        action="store_true",
        help="only regenerate docs/benchmarks.md from the stored results",
    )
    args = parser.parse_args(argv)
    failed = []
    for name in [] if args.docs_only else args.only:
        extra = ["--skip-peers"] if name == "single" and args.skip_peers else []
        progress(f"run_all: {name} ...")
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(BENCH_DIR / f"bench_{name}.py"), *extra])
        progress(
            f"run_all: {name} finished in {time.perf_counter() - start:.0f} s "
            f"(exit {proc.returncode})"
        )
        if proc.returncode != 0:
            failed.append(name)
            write_results(
                name,
                {
                    "benchmark": name,
                    "status": "error",
                    "reason": f"bench_{name}.py exited with {proc.returncode}",
                    "machine": machine_info(),
                    "targets": {},
                },
            )
    results = {}
    for name in BENCHMARKS:
        path = RESULTS_DIR / f"{name}.json"
        if path.exists():
            results[name] = json.loads(path.read_text())
    docs = write_docs(results)
    print(f"wrote {docs}")
    for name, res in results.items():
        print_targets(res.get("targets", {}), prefix=f"{name:9s} ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
