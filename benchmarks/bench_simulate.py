"""Simulation throughput: simulated 168-day trials analysed per second by `evaluate`.

Target: >= 10,000 trials per second, each trial simulated and analysed with the exact
single-patient model (batched). trials/second = n_trials / wall time of evaluate(), so the
simulation itself is inside the timing.

Run alone: `python benchmarks/bench_simulate.py [--trials 20000]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np

from _common import check, machine_info, print_targets, progress, write_results

SEED = 20240613
N_TRIALS = 20_000
DESIGN = {"pairs": 3, "period_days": 28, "run_in_days": 0, "washout_days": 0}
TRUTH = {
    "effect": -1.0,
    "tau": 0.5,
    "sigma": 1.0,
    "rho": 0.5,
    "trend_per_day": 0.0,
    "missing_rate": 0.1,
}
TARGET_PER_S = 10_000.0


def run(n_trials: int = N_TRIALS) -> dict[str, Any]:
    from nof1.analysis.simulate import Assumptions, TrialDesign, evaluate

    design, assume = TrialDesign(**DESIGN), Assumptions(**TRUTH)
    # a small untimed call first, so one-time imports and allocations are not counted
    evaluate(design, assume, n_trials=100, rng=np.random.default_rng(0), mcid=1.0, threshold=0.8)
    progress(f"simulate: evaluating {n_trials:,} simulated trials")
    start, start_cpu = time.perf_counter(), time.process_time()
    oc = evaluate(
        design,
        assume,
        n_trials=n_trials,
        rng=np.random.default_rng(SEED),
        mcid=1.0,
        threshold=0.8,
        seed=SEED,
        progress=lambda done: progress(f"simulate: {done:,}/{n_trials:,} trials"),
    )
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    rate = n_trials / wall
    progress(f"simulate: {rate:,.0f} trials/s")
    return {
        "benchmark": "simulate",
        "machine": machine_info(),
        "seed": SEED,
        "design": DESIGN,
        "truth": TRUTH,
        "call": (
            "evaluate(TrialDesign(...), Assumptions(...), n_trials, "
            "rng=np.random.default_rng(seed), mcid=1.0, threshold=0.8)"
        ),
        "n_trials": n_trials,
        "wall_s": wall,
        "cpu_s": cpu,  # all threads of this process: shows how much of the wall was waiting
        "trials_per_cpu_s": n_trials / cpu,
        "trials_per_s": rate,
        "operating_characteristics": oc.to_dict(),
        "targets": {"trials_per_s": check(rate, TARGET_PER_S, at_most=False)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=N_TRIALS)
    args = parser.parse_args(argv)
    result = run(args.trials)
    path = write_results("simulate", result)
    print_targets(result["targets"])
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
