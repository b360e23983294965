"""Shared helpers for the benchmarks: machine description, timing, results files, and the
simulated 168-day trial the single-patient benchmark fits."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
REPO_ROOT = BENCH_DIR.parent


def progress(message: str) -> None:
    """One timestamped line on stderr, flushed so long runs show where they are."""
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, Any]:
    """What a reader needs to compare numbers taken on another machine."""
    try:
        cores: int | None = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count()
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    import scipy

    return {
        "cpu": cpu_model(),
        "cores": cores,
        "memory_gb": mem_gb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_1_5_15": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def time_calls(fn: Callable[[], Any], repeats: int) -> dict[str, float]:
    """Wall and CPU time of `repeats` calls after one untimed warm-up call, in seconds. CPU
    time shows what a call costs when other work on a busy machine inflates the wall time."""
    fn()
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "median_cpu_s": statistics.median(cpu),
        "repeats": repeats,
    }


def check(measured: float | None, target: float, *, at_most: bool) -> dict[str, Any]:
    """A target row: measured against target, with pass/fail (None when not measured)."""
    if measured is None or not np.isfinite(measured):
        return {"measured": measured, "target": target, "pass": None}
    ok = measured <= target if at_most else measured >= target
    return {"measured": measured, "target": target, "pass": bool(ok)}


def print_targets(targets: dict[str, Any], prefix: str = "") -> None:
    for key, row in targets.items():
        verdict = {True: "PASS", False: "FAIL", None: "not measured"}[row["pass"]]
        measured = "-" if row["measured"] is None else f"{row['measured']:.4g}"
        print(f"{prefix}{key:32s} {measured:>12s}  target {row['target']:g}  {verdict}")


def write_results(name: str, payload: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=_plain) + "\n")
    return path


def _plain(obj: Any) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def simulate_trial(
    rng: np.random.Generator,
    *,
    pairs: int = 3,
    period_days: int = 28,
    effect: float = -1.0,
    rho: float = 0.5,
    sigma: float = 1.0,
    missing_rate: float = 0.1,
    baseline: float = 5.0,
) -> pd.DataFrame:
    """One participant's canonical daily table: AB/BA pairs, stationary AR(1) noise with
    marginal SD sigma (Cov(e_s, e_t) = sigma^2 rho^|s-t|), days missing at random."""
    n = 2 * pairs * period_days
    day = np.arange(1, n + 1)
    period = (day - 1) // period_days + 1
    pair = (period + 1) // 2
    first_active = rng.random(pairs) < 0.5
    active = np.where(period % 2 == 1, first_active[pair - 1], ~first_active[pair - 1])
    noise = np.empty(n)
    noise[0] = sigma * rng.standard_normal()
    innov = sigma * np.sqrt(1.0 - rho**2) * rng.standard_normal(n)
    for t in range(1, n):
        noise[t] = rho * noise[t - 1] + innov[t]
    fatigue = baseline + effect * active + noise
    fatigue[rng.random(n) < missing_rate] = np.nan
    return pd.DataFrame(
        {
            "participant": "P01",
            "day": day,
            "period": period,
            "pair": pair,
            "arm": np.where(active, "active", "placebo"),
            "dose_mg": np.where(active, 4.5, 0.0),
            "fatigue": fatigue,
        }
    )


def model_arrays(table: pd.DataFrame, outcome: str = "fatigue") -> dict[str, np.ndarray]:
    """The observed rows as the peers see them: y, active, centred/scaled linear trend, and
    the gap in days to the previous observed row (0 for the first)."""
    rows = table[table[outcome].notna()].sort_values("day")
    day = rows["day"].to_numpy(np.int64)
    centre, span = (day.min() + day.max()) / 2.0, max(day.max() - day.min(), 1)
    gap = np.diff(day, prepend=day[0])
    return {
        "y": rows[outcome].to_numpy(np.float64),
        "active": (rows["arm"] == "active").to_numpy(np.float64),
        "trend": (day - centre) / span,
        "day": day,
        "gap": gap,
    }
