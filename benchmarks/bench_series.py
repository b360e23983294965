"""Series (population) model at scale: 1,000 and 100,000 simulated participants.

Targets: 1,000 participants fitted in <= 2 s; 100,000 in <= 60 s with peak memory < 4 GB.

Each size runs in two fresh processes: one simulates the 168-day trials and writes them to a
Parquet file (not timed), the other reads the file, then times SeriesAnalysis(...).fit() and
reports its own peak resident memory (getrusage RUSAGE_SELF ru_maxrss), which therefore
includes loading the table, as a researcher's session would. The table holds the canonical
columns only (the simulator's `true_effect` column is dropped before writing).

Run alone: `python benchmarks/bench_series.py [--sizes 1000 100000]`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import check, machine_info, print_targets, progress, write_results

SEED = 20240612
SIZES = (1_000, 100_000)
REPEATS = {1_000: 5}  # larger sizes are fitted once
TRUTH = {
    "effect": -1.0,
    "tau": 0.5,
    "sigma": 1.0,
    "rho": 0.5,
    "trend_per_day": 0.0,
    "missing_rate": 0.1,
}
DESIGN = {"pairs": 3, "period_days": 28, "run_in_days": 0, "washout_days": 0}
MCID = 1.0
TIME_TARGET_S = {1_000: 2.0, 100_000: 60.0}
MEMORY_TARGET_MB = 4096.0


def _peak_rss_mb() -> float:
    import resource

    # Linux reports kilobytes (macOS bytes; these benchmarks target Linux)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _current_rss_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def child_generate(n: int, path: str, seed: int) -> dict[str, Any]:
    import numpy as np

    from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table

    start = time.perf_counter()
    table = simulate_table(
        TrialDesign(**DESIGN),
        Assumptions(**TRUTH),
        n_participants=n,
        rng=np.random.default_rng(seed),
    )
    simulate_s = time.perf_counter() - start
    # the simulator's answer key is not part of a researcher's data
    table.drop(columns="true_effect").to_parquet(path, index=False)
    return {
        "rows": len(table),
        "simulate_s": simulate_s,
        "write_s": time.perf_counter() - start - simulate_s,
        "peak_rss_mb": _peak_rss_mb(),
    }


def child_fit(n: int, path: str) -> dict[str, Any]:
    import warnings

    import pandas as pd

    from nof1.analysis.series import SeriesAnalysis

    start = time.perf_counter()
    table = pd.read_parquet(path)
    load_s = time.perf_counter() - start
    rss_loaded, rss_table = _peak_rss_mb(), _current_rss_mb()
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(REPEATS.get(n, 1)):
            start = time.perf_counter()
            res = SeriesAnalysis("fatigue", mcid=MCID).fit(table).result_
            times.append(time.perf_counter() - start)
    summary = res.to_dict()
    keep = ("outcome", "n_participants", "mu", "tau", "prob_new_patient_benefit_mcid")
    return {
        "rows": len(table),
        "load_s": load_s,
        "fit_s": times,
        "fit_first_s": times[0],
        "fit_median_s": sorted(times)[len(times) // 2],
        "peak_rss_after_load_mb": rss_loaded,
        "rss_holding_table_mb": rss_table,
        "peak_rss_mb": _peak_rss_mb(),
        "result": {k: summary.get(k) for k in keep},
    }


def _child(*args: str) -> dict[str, Any]:
    """Run this file as a child process; its last stdout line is a JSON object."""
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, timeout=1800
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip()[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_size(n: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / f"series_{n}.parquet")
        progress(f"series: simulating {n:,} participants")
        generated = _child("generate", str(n), path, str(seed))
        progress(
            f"series: {generated['rows']:,} rows simulated in {generated['simulate_s']:.1f}"
            f" s; fitting in a fresh process"
        )
        fitted = _child("fit", str(n), path)
    progress(
        f"series: {n:,} participants fitted in {fitted['fit_median_s']:.2f} s, "
        f"peak {fitted['peak_rss_mb']:.0f} MB"
    )
    return {"n_participants": n, "generate": generated, "fit": fitted}


def run(sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    runs: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    for n in sizes:
        try:
            out = run_size(n, SEED + n)
        except Exception as exc:  # e.g. the series module is not there yet
            progress(f"series: {n:,} participants failed: {exc}")
            runs[str(n)] = {"status": "error", "reason": str(exc)[-3000:]}
            continue
        out["status"] = "ok"
        runs[str(n)] = out
        if n in TIME_TARGET_S:
            targets[f"fit_{n}_s"] = check(
                out["fit"]["fit_median_s"], TIME_TARGET_S[n], at_most=True
            )
        if n == max(sizes):
            targets[f"peak_rss_{n}_mb"] = check(
                out["fit"]["peak_rss_mb"], MEMORY_TARGET_MB, at_most=True
            )
    return {
        "benchmark": "series",
        "machine": machine_info(),
        "seeds": {str(n): SEED + n for n in sizes},
        "design": DESIGN,
        "truth": TRUTH,
        "call": f'SeriesAnalysis("fatigue", mcid={MCID}).fit(table)',
        "timing_note": (
            "fit time is the median of "
            + ", ".join(f"{r} fits at {n:,}" for n, r in REPEATS.items())
            + " participants and one fit at other sizes; reading the Parquet "
            "file is not timed; peak RSS includes the loaded table"
        ),
        "runs": runs,
        "targets": targets,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, n, path, *rest = args.child
        out = (
            child_generate(int(n), path, int(rest[0]))
            if kind == "generate"
            else child_fit(int(n), path)
        )
        print(json.dumps(out, default=float))
        return 0
    result = run(tuple(args.sizes))
    path = write_results("series", result)
    print_targets(result["targets"])
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
