"""docs/benchmarks.md, generated from benchmarks/results/*.json by run_all.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from _common import REPO_ROOT

DOCS = REPO_ROOT / "docs" / "benchmarks.md"

LABELS = {
    "median_fit_ms": "median exact fit of one 168-day trial (ms)",
    "speedup_vs_pymc": "speed-up over PyMC NUTS (x)",
    "speedup_vs_numpyro": "speed-up over NumPyro NUTS, compile excluded (x)",
    "effect_mean_vs_pymc_in_sd": "effect: abs(mean - PyMC mean) / PyMC SD",
    "effect_sd_vs_pymc_rel": "effect: abs(SD / PyMC SD - 1)",
    "effect_mean_vs_numpyro_in_sd": "effect: abs(mean - NumPyro mean) / NumPyro SD",
    "effect_sd_vs_numpyro_rel": "effect: abs(SD / NumPyro SD - 1)",
    "fit_1000_s": "fit 1,000 participants (s)",
    "fit_100000_s": "fit 100,000 participants (s)",
    "peak_rss_100000_mb": "peak memory, 100,000 participants (MB)",
    "trials_per_s": "simulated 168-day trials analysed per second",
    "apple_import_mb_per_s": "Apple Health export read (MB/s)",
    "apple_import_peak_rss_mb": "peak memory reading a 1 GB Apple export (MB)",
}
AT_LEAST = ("speedup", "trials", "apple_import_mb_per_s")


def _num(x: Any, digits: int = 3) -> str:
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    x = float(x)
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return f"{x:.{digits}g}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _est(x: Any, decimals: int = 3) -> str:
    return "-" if x is None else f"{float(x):.{decimals}f}"


def _targets(res: dict[str, Any]) -> list[str]:
    if res.get("status") == "error":
        return [f"**Not measured**: {res.get('reason', 'error')}", ""]
    lines = ["| target | required | measured | result |", "|---|---|---|---|"]
    for key, row in res.get("targets", {}).items():
        sign = "at least" if key.startswith(AT_LEAST) else "at most"
        verdict = {True: "pass", False: "**FAIL**", None: "not measured"}[row["pass"]]
        lines.append(
            f"| {LABELS.get(key, key)} | {sign} {_num(row['target'])} | "
            f"{_num(row['measured'])} | {verdict} |"
        )
    return [*lines, ""]


def _single(res: dict[str, Any]) -> list[str]:
    out = ["## One 168-day trial: exact fit against samplers", ""]
    if res.get("status") == "error":
        return out + _targets(res)
    t = res["ours"]["timing"]
    truth = res["truth"]
    out += [
        f"Simulated trial (seed {res['seed']}): {truth['pairs']} AB/BA pairs of "
        f"{truth['period_days']}-day periods, effect {truth['effect']}, rho {truth['rho']}, "
        f"sigma {truth['sigma']}, {truth['missing_rate']:.0%} of days missing at random "
        f"({res['data']['observed_days']} of 168 days observed). nof1: "
        f"`{res['ours']['call']}`, median of {t['repeats']} fits "
        f"{t['median_s'] * 1e3:.2f} ms wall ({t['median_cpu_s'] * 1e3:.2f} ms CPU).",
        "",
        *_targets(res),
        "| method | time (s) | speed-up | effect mean | effect SD | rho mean | sigma mean "
        "| min ESS | max R-hat |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    p = res["ours"]["posterior"]
    out.append(
        f"| nof1 exact | {_num(t['median_s'])} | 1 | {_est(p['beta']['mean'])} | "
        f"{_est(p['beta']['sd'])} | {_est(p['rho']['mean'])} | "
        f"{_est(p['sigma']['mean'])} | exact | exact |"
    )
    notes = []
    for name, peer in res["peers"].items():
        if peer.get("status") != "ok":
            reason = f" ({peer['reason']})" if peer.get("reason") else ""
            notes.append(f"- {name}: {peer.get('status')}{reason}")
            continue
        if "posterior" in peer:  # PyMC, NumPyro
            q = peer["posterior"]
            secs = peer.get("sampling_time_s") or peer["sample_s"]
            ess = min(q[k]["ess_bulk"] for k in q)
            rhat = max(q[k]["r_hat"] for k in q)
            out.append(
                f"| {name} NUTS | {_num(secs)} | {_num(peer['speedup'])} | "
                f"{_est(q['beta']['mean'])} | {_est(q['beta']['sd'])} | "
                f"{_est(q['rho']['mean'])} | {_est(q['sigma']['mean'])} | "
                f"{_num(ess)} | {_est(rhat)} |"
            )
            notes.append(_sampler_note(name, peer))
        elif name == "nlme":
            out.append(
                f"| R nlme gls REML | {_num(peer['per_fit_s'])} | "
                f"{_num(peer['speedup'])} | {_est(peer['beta_mean'])} | "
                f"{_est(peer['beta_sd'])} (SE) | {_est(peer['rho_mean'])} | "
                f"{_est(peer['sigma_mean'])} | - | - |"
            )
            notes.append(
                f"- R nlme {peer['version']}: `{peer['call']}`; REML estimates and "
                f"standard error, mean time of {int(peer['reps'])} fits measured "
                "inside R (start-up excluded)."
            )
        elif name == "jags":
            ess = min(peer[f"{k}_ess"] for k in ("beta", "rho", "sigma"))
            rhat = max(peer[f"{k}_r_hat"] for k in ("beta", "rho", "sigma"))
            out.append(
                f"| JAGS | {_num(peer['sample_s'])} | {_num(peer['speedup'])} | "
                f"{_est(peer['beta_mean'])} | {_est(peer['beta_sd'])} | "
                f"{_est(peer['rho_mean'])} | {_est(peer['sigma_mean'])} | "
                f"{_num(ess)} | {_est(rhat)} |"
            )
            s = peer["settings"]
            notes.append(
                f"- JAGS (rjags {peer['version']}): {s['chains']} chains, "
                f"{s['n_adapt']} adaptation + {s['draws']} draws; priors "
                f"{s['priors']}; time measured inside R (start-up excluded)."
            )
    return out + ["", "Notes:", "", *notes, ""]


def _sampler_note(name: str, peer: dict[str, Any]) -> str:
    s = peer["settings"]
    a = peer["agreement"]
    how = (
        f"cores={s['cores']}; time is PyMC's own sampling time (pm.sample wall "
        f"{peer['sample_s']:.1f} s incl. worker start-up; compiling logp/gradient "
        f"{peer['compile_s']:.1f} s beforehand)"
        if name == "pymc"
        else f"chain_method={s['chain_method']!r}; time is a second run reusing the compiled "
        f"kernel; JIT compile {peer['compile_s']:.1f} s reported separately"
    )
    return (
        f"- {name} {peer['version']}: {s['chains']} chains x {s['draws']} draws after "
        f"{s['tune']} tuning, seed {s['seed']}, {how}; {peer['divergences']} divergences; "
        f"our effect mean is {a['beta_mean_diff_in_sd']:.3f} NUTS SDs away, our SD "
        f"{a['beta_sd_ratio_minus_1']:+.1%} relative; rho mean "
        f"{a['rho_mean_diff_in_sd']:.3f} SDs, sigma mean {a['sigma_mean_diff_in_sd']:.3f} "
        f"SDs. Priors: {s['priors']}."
    )


def _series(res: dict[str, Any]) -> list[str]:
    out = ["## Series model at scale", ""]
    if res.get("status") == "error":
        return out + _targets(res)
    truth = res["truth"]
    out += [
        f"`{res['call']}` on simulated 168-day trials (effect {truth['effect']}, tau "
        f"{truth['tau']}, rho {truth['rho']}, sigma {truth['sigma']}, "
        f"{truth['missing_rate']:.0%} missing), {res['timing_note']}.",
        "",
        *_targets(res),
        "| participants | rows | fit (s) | peak RSS (MB) | mu mean (sd) | tau mean | seed |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, run in res["runs"].items():
        if run.get("status") != "ok":
            out.append(f"| {int(n):,} | - | error: {run.get('reason', '')[:120]} | | | | |")
            continue
        f, r = run["fit"], run["fit"]["result"]
        mu, tau = r.get("mu") or {}, r.get("tau") or {}
        out.append(
            f"| {int(n):,} | {f['rows']:,} | {_num(f['fit_median_s'])} | "
            f"{_num(f['peak_rss_mb'])} | {_est(mu.get('mean'))} "
            f"({_est(mu.get('sd'), 4)}) | {_est(tau.get('mean'))} | "
            f"{res['seeds'][n]} |"
        )
    return [*out, ""]


def _simulate(res: dict[str, Any]) -> list[str]:
    out = ["## Simulation throughput", ""]
    if res.get("status") == "error":
        return out + _targets(res)
    oc = res["operating_characteristics"]
    return out + [
        f"`{res['call']}` with n_trials = {res['n_trials']:,} (seed {res['seed']}): "
        f"{res['wall_s']:.2f} s wall, simulation included "
        f"({res.get('cpu_s', float('nan')):.2f} s CPU over all threads). Operating "
        f"characteristics as a check that the trials were really analysed: 95% interval coverage "
        f"{oc['coverage95']:.3f}, bias {oc['bias']:.4f}, RMSE {oc['rmse']:.3f}, decision "
        f"rate {oc['decision_rate']:.3f}.",
        "",
        *_targets(res),
    ]


def _diary(res: dict[str, Any]) -> list[str]:
    out = ["## Diary submit latency (web app)", ""]
    if res.get("status") == "error":
        return out + _targets(res)
    return out + [
        f"{res['call']}: {res['repeats']} submissions of the demo participant's diary for "
        f"today (each after the first updates the entry and is audited); p50 "
        f"{res['p50_ms']:.1f} ms, p95 {res['p95_ms']:.1f} ms, max {res['max_ms']:.1f} ms.",
        "",
        *_targets(res),
    ]


def _wearables(res: dict[str, Any]) -> list[str]:
    out = ["## Wearable import (Apple Health export)", ""]
    if res.get("status") == "error":
        return out + _targets(res)
    return out + [
        f"{res['call']}: a synthetic {res['export_mb']:.0f} MB export.xml ({res['days']} days, "
        f"{res['records_used']:,} records used) read in {res['seconds']:.1f} s, "
        f"{res['mb_per_s']:.1f} MB/s, peak RSS {res['peak_rss_mb']:.0f} MB.",
        "",
        *_targets(res),
    ]


def write_docs(results: dict[str, dict[str, Any]]) -> Path:
    machine = next((r["machine"] for r in results.values() if "machine" in r), {})
    lines = [
        "# Benchmarks",
        "",
        "<!-- generated by benchmarks/run_all.py from benchmarks/results/*.json; "
        "do not edit by hand -->",
        "",
        "Speed and agreement of nof1's exact models against general-purpose samplers and R. "
        "These are benchmarks, not tests: they run on demand and are not part of CI's "
        "pass/fail.",
        "",
        "Reproduce with `make bench` (installs `.[test,bench]`, then runs "
        "`.venv/bin/python benchmarks/run_all.py`). Each benchmark also runs alone: "
        "`python benchmarks/bench_single.py`, `bench_series.py`, `bench_simulate.py`, "
        "`bench_diary.py`, `bench_wearables.py`; "
        "raw numbers are in `benchmarks/results/*.json`. R nlme and JAGS are used when "
        "`Rscript` with nlme/rjags and JAGS are installed, and recorded as not installed "
        "otherwise.",
        "",
        f"Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
        f"{machine.get('memory_gb', '?')} GB; Python {machine.get('python', '?')}, numpy "
        f"{machine.get('numpy', '?')}, scipy {machine.get('scipy', '?')}; "
        f"{machine.get('date', '?')}. Wall times on a shared machine vary with its load "
        "(load averages are in the JSON files).",
        "",
    ]
    sections = (("single", _single), ("series", _series), ("simulate", _simulate),
                ("diary", _diary), ("wearables", _wearables))
    for name, section in sections:
        if name in results:
            lines += section(results[name])
        else:
            lines += [f"## {name}", "", "Not run yet.", ""]
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text("\n".join(lines).rstrip() + "\n")
    return DOCS
