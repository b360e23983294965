"""The `nof1` command: parses options, calls the core, prints. No statistics live here.

Scripts depend on the JSON printed with --json (see the architecture's CLI contract); the
default output is a table for people. Errors print one line to stderr and exit with status 2.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click
import numpy as np

from nof1.exceptions import ApproximationWarning, DataError, Nof1Error
from nof1.terminal import (
    analysis_table,
    console,
    participants_table,
    plan_table,
    print_json,
    progress,
)

if TYPE_CHECKING:
    from nof1.analysis.design import Trend
    from nof1.results import Better

BETTER = click.Choice(["lower", "higher"])


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="nof1")
def cli() -> None:
    """nof1: blinded, randomised, placebo-controlled n-of-1 trials and their analysis."""


@cli.command()
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--outcome", required=True, help="Outcome column to analyse, e.g. fatigue.")
@click.option("--participant", help="Analyse only this participant (default: every one).")
@click.option(
    "--better",
    type=BETTER,
    default="lower",
    show_default=True,
    help="Direction of benefit on the outcome scale.",
)
@click.option(
    "--mcid",
    type=click.FloatRange(min=0, min_open=True),
    help="Minimal clinically important difference, in outcome units.",
)
@click.option(
    "--washout-days",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Analytic washout: drop the first N days of every period.",
)
@click.option(
    "--trend",
    type=click.Choice(["linear", "none", "spline"]),
    default="linear",
    show_default=True,
    help="Slow drift over the trial.",
)
@click.option(
    "--spline-df",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Degrees of freedom of the natural-spline trend.",
)
@click.option("--arm", help="Active arm to report when there are several (default: all).")
@click.option(
    "--covariate",
    "covariates",
    multiple=True,
    help="Extra column to adjust for, e.g. exertion_lag1 (repeatable).",
)
@click.option(
    "--log-offset",
    type=click.FloatRange(min=0),
    help="Analyse log(outcome + X), for skewed outcomes such as steps.",
)
@click.option(
    "--adjust-exertion",
    "exertion",
    type=click.Choice(["exertion_yesterday", "steps"]),
    is_flag=False,
    flag_value="exertion_yesterday",
    metavar="[SOURCE]",
    help="Also fit the model with exertion on the days before as covariates, from SOURCE: "
    "exertion_yesterday (the default) or steps; say whether that changes the conclusion.",
)
@click.option(
    "--exertion-lags",
    type=click.IntRange(min=1, max=14),
    default=3,
    show_default=True,
    help="With --adjust-exertion: exertion on each of the 1..N days before.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of the CLI contract.")
def analyze(
    data: str,
    outcome: str,
    participant: str | None,
    better: Better,
    mcid: float | None,
    washout_days: int,
    trend: Trend,
    spline_df: int,
    arm: str | None,
    covariates: tuple[str, ...],
    log_offset: float | None,
    exertion: str | None,
    exertion_lags: int,
    as_json: bool,
) -> None:
    """Exact Bayesian analysis of each participant's n-of-1 trial in DATA (CSV or Parquet).

    With --adjust-exertion the contract's keys are unchanged (the unadjusted analysis) and
    each object gains the key "exertion": the adjusted analysis (see "JSON output")."""
    from nof1 import data as dataio
    from nof1.analysis.exertion import AdjustedComparison, ExertionAdjustment
    from nof1.analysis.permutation import RandomizationTest
    from nof1.analysis.single import SingleTrial

    extra = [exertion] if exertion is not None and exertion != outcome else []
    table = dataio.load(data, outcomes=[outcome, *covariates, *extra])
    present = list(table["participant"].unique())
    ids = [participant] if participant is not None else present
    if participant is not None and participant not in present:
        raise Nof1Error(f"{data}: no participant '{participant}' (found {', '.join(present[:10])})")
    arms = sorted(set(table["arm"].unique()) - {"placebo", "run-in"})
    if arm is not None and arm not in arms:
        raise Nof1Error(f"{data}: no arm '{arm}' (active arms: {', '.join(arms) or 'none'})")
    model = SingleTrial(
        outcome,
        better=better,
        mcid=mcid,
        washout_days=washout_days,
        trend=trend,
        spline_df=spline_df,
        covariates=covariates,
        log_offset=log_offset,
    )
    adjustment = (
        ExertionAdjustment(model, source=exertion, lags=range(1, exertion_lags + 1))
        if exertion is not None
        else None
    )
    # Split the table once: fitting each participant against the whole table would scan
    # every row once per participant.
    rows_of = dict(tuple(table.groupby("participant", sort=False)))
    results = []
    adjusted: list[AdjustedComparison] = []
    for pid in ids:
        rows = rows_of[pid]
        try:
            result = model.fit(rows, participant=pid).result_
        except Nof1Error as exc:
            raise Nof1Error(f"{data}, participant {pid}: {exc}") from None
        try:
            test = RandomizationTest(
                outcome,
                better=better,
                washout_days=washout_days,
                arm=arm if arm else _only_arm(result),
            )
            p_value: float | None = test.fit(rows, participant=pid).result_.p_value
        except Nof1Error:
            p_value = None  # the design allows no re-randomisation (e.g. one pair)
        results.append(replace(result, randomization_p=p_value))
        if adjustment is not None:
            try:
                adjusted.append(adjustment.fit(rows, pid, unadjusted=results[-1]).result_)
            except Nof1Error as exc:
                raise Nof1Error(
                    f"{data}, participant {pid}, adjusting for exertion: {exc}"
                ) from None
    if as_json:
        objs = [r.to_dict(arm=arm) for r in results]
        for obj, comparison in zip(objs, adjusted, strict=False):
            obj["exertion"] = comparison.to_dict(arm=arm)
        print_json(objs[0] if participant is not None or len(objs) == 1 else objs)
        return
    analysis_table(results, arm)
    for comparison in adjusted:
        console().print(f"{comparison.unadjusted.participant}: {comparison.summary()}",
                        highlight=False, markup=False)


def _only_arm(result: Any) -> str | None:
    return next(iter(result.effects)) if len(result.effects) == 1 else None


@cli.command()
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--outcome", required=True, help="Outcome column to pool, e.g. fatigue.")
@click.option(
    "--covariates",
    "covariates_path",
    type=click.Path(dir_okay=False),
    help="CSV with a participant column and one column per covariate.",
)
@click.option(
    "--mcid",
    type=click.FloatRange(min=0, min_open=True),
    help="Minimal clinically important difference, in outcome units.",
)
@click.option(
    "--better",
    type=BETTER,
    default="lower",
    show_default=True,
    help="Direction of benefit on the outcome scale.",
)
@click.option(
    "--washout-days",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Analytic washout: drop the first N days of every period.",
)
@click.option(
    "--trend",
    type=click.Choice(["linear", "none"]),
    default="linear",
    show_default=True,
    help="Slow drift within each trial.",
)
@click.option("--arm", help="Active arm to pool when the table holds several.")
@click.option(
    "--tau-scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Scale of the half-normal prior on tau, in outcome units.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of the CLI contract.")
def series(
    data: str,
    outcome: str,
    covariates_path: str | None,
    mcid: float | None,
    better: Better,
    washout_days: int,
    trend: Trend,
    arm: str | None,
    tau_scale: float,
    as_json: bool,
) -> None:
    """Pool every participant's trial in DATA: average effect, spread, who responds."""
    from nof1 import data as dataio
    from nof1.analysis.series import SeriesAnalysis

    table = dataio.load(data, outcomes=[outcome])
    covariates = _read_covariates(covariates_path) if covariates_path else None
    model = SeriesAnalysis(
        outcome,
        better=better,
        mcid=mcid,
        washout_days=washout_days,
        trend=trend,
        arm=arm,
        tau_scale=tau_scale,
    )
    n = table["participant"].nunique()
    with progress("fitting participants", n) as step:
        try:
            result = model.fit(table, covariates, progress=step).result_
        except DataError as exc:
            if exc.source is not None:
                raise
            raise DataError(exc.message, source=data, row=exc.row, column=exc.column) from None
        except Nof1Error as exc:
            raise Nof1Error(f"{data}: {exc}") from None
    if as_json:
        print_json(result.to_dict())
        return
    out = console()
    out.print(result.summary())
    out.print(participants_table(result))


def _read_covariates(path: str) -> Any:
    import pandas as pd

    from nof1.exceptions import DataError

    try:
        table = pd.read_csv(path, dtype={"participant": str})
        table.attrs["source"] = path  # so refusals of its content can name the file
        return table
    except FileNotFoundError:
        raise DataError("no such file", source=path) from None
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot be read as CSV ({exc})", source=path) from None


def _assumption_options(f: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option(
            "--effect",
            type=float,
            default=-1.0,
            show_default=True,
            help="Assumed true effect, active minus placebo, in outcome units.",
        ),
        click.option(
            "--tau",
            type=click.FloatRange(min=0),
            default=0.0,
            show_default=True,
            help="Between-patient SD of the true effect.",
        ),
        click.option(
            "--sigma",
            type=click.FloatRange(min=0, min_open=True),
            default=1.5,
            show_default=True,
            help="Residual day-to-day SD of the outcome.",
        ),
        click.option(
            "--rho",
            type=click.FloatRange(-0.99, 0.99),
            default=0.5,
            show_default=True,
            help="Day-to-day autocorrelation.",
        ),
        click.option(
            "--trend-per-day",
            type=float,
            default=0.0,
            show_default=True,
            help="Linear drift of the outcome per day.",
        ),
        click.option(
            "--missing-rate",
            type=click.FloatRange(0, 0.9, max_open=True),
            default=0.1,
            show_default=True,
            help="Chance that a day is not logged.",
        ),
        click.option(
            "--mcid",
            type=click.FloatRange(min=0, min_open=True),
            default=1.0,
            show_default=True,
            help="Minimal clinically important difference.",
        ),
        click.option(
            "--threshold",
            type=click.FloatRange(0, 1),
            default=0.8,
            show_default=True,
            help="Decision rule: P(benefit >= MCID) above this means 'works'.",
        ),
        click.option(
            "--better",
            type=BETTER,
            default="lower",
            show_default=True,
            help="Direction of benefit.",
        ),
        click.option(
            "--seed",
            type=click.IntRange(min=0),
            help="Seed for the simulation (default: drawn and printed).",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print JSON."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _assumptions(opts: dict[str, Any]) -> Any:
    """The Assumptions named by the shared options (removed from `opts`)."""
    from nof1.analysis.simulate import Assumptions

    names = ("effect", "tau", "sigma", "rho", "trend_per_day", "missing_rate")
    return Assumptions(**{name: opts.pop(name) for name in names})


def _seed(seed: int | None) -> int:
    from nof1.analysis.simulate import fresh_seed

    return fresh_seed() if seed is None else seed


@cli.command()
@_assumption_options
@click.option(
    "--pairs",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="AB/BA pairs of periods.",
)
@click.option(
    "--period-days",
    type=click.IntRange(min=2),
    default=28,
    show_default=True,
    help="Days in each period.",
)
@click.option(
    "--run-in-days",
    type=click.IntRange(min=0),
    default=14,
    show_default=True,
    help="Unrandomised days before the first period.",
)
@click.option(
    "--washout-days",
    type=click.IntRange(min=0),
    default=7,
    show_default=True,
    help="Analytic washout: first days of each period left out of the analysis.",
)
@click.option(
    "--n-trials",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="How many trials to simulate and analyse.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Also write one simulated daily table (CSV/Parquet) of --participants trials.",
)
@click.option(
    "--participants",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Trials in the table written by --out.",
)
def simulate(
    pairs: int,
    period_days: int,
    run_in_days: int,
    washout_days: int,
    n_trials: int,
    out: str | None,
    participants: int,
    **opts: Any,
) -> None:
    """Simulate trials of one design and report how often the decision rule is right."""
    from nof1 import data as dataio
    from nof1.analysis.simulate import TrialDesign, evaluate, simulate_table

    design = TrialDesign(pairs, period_days, run_in_days, washout_days)
    assume = _assumptions(opts)
    seed = _seed(opts["seed"])
    mcid, threshold, as_json = opts["mcid"], opts["threshold"], opts["as_json"]
    rng = np.random.default_rng(seed)
    with progress("simulating trials", n_trials) as step:
        oc = evaluate(
            design,
            assume,
            n_trials,
            rng,
            mcid=mcid,
            threshold=threshold,
            better=opts["better"],
            seed=seed,
            progress=step,
        )
    if out:
        dataio.save(simulate_table(design, assume, participants, rng), out)
    if as_json:
        print_json(oc.to_dict())
        return
    c = console()
    c.print(
        f"{n_trials:,} simulated trials: {pairs} pairs of {period_days}-day periods, "
        f"{run_in_days}-day run-in, {washout_days}-day analytic washout (seed {seed})"
    )
    c.print(
        f"  the rule P(benefit >= {mcid:g}) > {threshold:g} says 'works' in "
        f"{oc.decision_rate:.1%} of trials and is right in {oc.correct_rate:.1%}"
    )
    c.print(
        f"  95% intervals cover the true effect in {oc.coverage95:.1%}; "
        f"bias {oc.bias:+.3f}, RMSE {oc.rmse:.3f}, mean posterior SD {oc.mean_posterior_sd:.3f}"
    )
    if out:
        c.print(f"  wrote {participants} simulated trial(s) to {out}")


def _int_list(_ctx: Any, _param: Any, value: str) -> list[int]:
    try:
        items = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(
            f"expected whole numbers separated by commas, got {value!r}"
        ) from None
    if not items or min(items) < 1:
        raise click.BadParameter("expected whole numbers >= 1 separated by commas")
    return items


@cli.command()
@_assumption_options
@click.option(
    "--pairs",
    default="2,3,4",
    show_default=True,
    callback=_int_list,
    help="Candidate numbers of pairs, comma-separated.",
)
@click.option(
    "--period-days",
    default="14,21,28",
    show_default=True,
    callback=_int_list,
    help="Candidate period lengths in days, comma-separated.",
)
@click.option(
    "--run-in-days",
    type=click.IntRange(min=0),
    default=14,
    show_default=True,
    help="Unrandomised days before the first period.",
)
@click.option(
    "--washout-days",
    type=click.IntRange(min=0),
    default=7,
    show_default=True,
    help="Analytic washout (capped to leave 3 days of each period).",
)
@click.option(
    "--n-trials",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Simulated trials per design and scenario.",
)
def plan(
    pairs: list[int],
    period_days: list[int],
    run_in_days: int,
    washout_days: int,
    n_trials: int,
    **opts: Any,
) -> None:
    """Compare designs (pairs x period length): how often each reaches the right decision."""
    from nof1.analysis.simulate import plan as plan_designs

    assume = _assumptions(opts)
    seed = _seed(opts["seed"])
    mcid, threshold = opts["mcid"], opts["threshold"]
    total = 2 * n_trials * len(pairs) * len(period_days)
    with progress("simulating designs", total) as step:
        rows = plan_designs(
            assume,
            pairs=pairs,
            period_days=period_days,
            run_in_days=run_in_days,
            washout_days=washout_days,
            n_trials=n_trials,
            mcid=mcid,
            threshold=threshold,
            better=opts["better"],
            seed=seed,
            progress=step,
        )
    if opts["as_json"]:
        print_json(rows)
        return
    title = (
        f"Designs under effect {assume.effect:+g}, sigma {assume.sigma:g}, rho {assume.rho:g} "
        f"(rule: P(benefit >= {mcid:g}) > {threshold:g}; seed {seed})"
    )
    console().print(plan_table(rows, title))


@cli.command()
@click.option(
    "--out",
    "out_dir",
    default="demo-output",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the demo data files.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=20201101,
    show_default=True,
    help="Seed of the simulated demo data.",
)
def demo(out_dir: str, seed: int) -> None:
    """Simulate a demo LDN trial and a 40-participant series, analyse both, print results,
    and write the reports of both (HTML and PDF)."""
    from pathlib import Path

    from nof1.demo import write_demo, write_demo_reports

    files = write_demo(Path(out_dir), seed)
    trial, series_path = files.trial, files.series
    c = console()
    c.print(f"[bold]Demo n-of-1 trial[/bold] (simulated, seed {seed}): {trial}")
    c.print(f"  nof1 analyze {trial} --outcome fatigue --mcid 1 --washout-days 7")
    _invoke(analyze, [str(trial), "--outcome", "fatigue", "--mcid", "1", "--washout-days", "7"])
    c.print(f"\n[bold]Demo series of 40 trials[/bold] (simulated): {series_path}")
    c.print(f"  nof1 series {series_path} --outcome fatigue --mcid 1 --washout-days 7")
    _invoke(
        series, [str(series_path), "--outcome", "fatigue", "--mcid", "1", "--washout-days", "7"]
    )
    with c.status("Writing the demo reports (HTML and PDF)..."):
        written = write_demo_reports(files, Path(out_dir))
    c.print("\n[bold]Demo reports[/bold]:")
    for path in written:
        c.print(f"  {path}")


def _invoke(command: click.Command, args: list[str]) -> None:
    command.main(args, standalone_mode=False)


def _register_trial_commands() -> None:
    from nof1 import cli_data, cli_evidence, cli_report, cli_trial
    from nof1.web import cli as cli_web

    groups = (
        cli_trial.COMMANDS,
        cli_evidence.COMMANDS,
        cli_report.COMMANDS,
        cli_data.COMMANDS,
        cli_web.COMMANDS,
    )
    for command in (c for group in groups for c in group):
        cli.add_command(command)


_register_trial_commands()


def main(argv: list[str] | None = None) -> None:
    """Entry point: a user error prints one line and exits 2; never a traceback."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ApproximationWarning)
        try:
            cli.main(argv, standalone_mode=False)
        except click.exceptions.Abort:
            click.echo("aborted", err=True)
            sys.exit(1)
        except click.ClickException as exc:
            exc.show()
            sys.exit(2)
        except (Nof1Error, ValueError, OSError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        finally:
            for w in caught:
                if issubclass(w.category, ApproximationWarning):
                    click.echo(f"warning: {w.message}", err=True)


if __name__ == "__main__":
    main()
