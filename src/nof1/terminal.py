"""What the `nof1` command shows people: tables, progress bars and JSON on the terminal.

Display only: every number comes from a result object; nothing is computed here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
import numpy as np


def console(stderr: bool = False) -> Any:
    """A rich console; piped or logged output gets 120 columns instead of a squeezed 80."""
    from rich.console import Console

    out = Console(stderr=stderr, highlight=False)
    if not out.is_terminal:
        out.width = 120
    return out


@contextmanager
def progress(label: str, total: int) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr, shown only on a terminal so piped JSON stays clean. Yields
    `step(done, total=None)`; a total given there replaces the first estimate."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    err = console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=total)

        def step(done: int, new_total: int | None = None) -> None:
            bar.update(task, completed=done, total=new_total if new_total else None)

        yield step


def json_safe(value: Any) -> Any:
    """Plain JSON: NaN or infinity would make invalid JSON, so they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    return value


def print_json(obj: Any) -> None:
    click.echo(json.dumps(json_safe(obj), indent=2, allow_nan=False))


def num(x: Any, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def analysis_table(results: list[Any], arm: str | None) -> None:
    from rich.table import Table

    first = results[0]
    with_mcid = first.mcid is not None
    table = Table(title=f"{first.outcome}: active minus placebo ({first.better} is better)")
    heads = ["participant", "arm", "days", "effect", "95% CrI", "P(benefit)"]
    heads += [f"P(benefit >= {first.mcid:g})"] if with_mcid else []
    for col in (*heads, "rho", "rand. p"):
        table.add_column(col, justify="left" if col in ("participant", "arm") else "right")
    for r in results:
        for name, eff in r.effects.items():
            if arm is not None and name != arm:
                continue
            lo, hi = eff.posterior.interval(0.95)
            cells = [r.participant, name, str(r.n_days), num(eff.posterior.mean)]
            cells += [f"{num(lo)} to {num(hi)}", num(eff.prob_benefit, 3)]
            cells += [num(eff.prob_benefit_mcid, 3)] if with_mcid else []
            table.add_row(*cells, num(r.rho.mean), num(r.randomization_p, 3))
    console().print(table)


def participants_table(result: Any, limit: int = 40) -> Any:
    """Each participant's own estimate beside the shrunken one (first `limit` rows)."""
    from rich.table import Table

    title = "Participants: own trial estimate and shrunken effect (active minus placebo)"
    shown = min(limit, len(result.participants))
    if shown < len(result.participants):
        title += f"; first {shown} of {len(result.participants):,}, --json lists all"
    table = Table(title=title)
    heads = ["participant", "own estimate", "shrunken", "95% CrI"]
    heads += [f"P(benefit >= {result.mcid:g})"] if result.mcid is not None else []
    for col in heads:
        table.add_column(col, justify="left" if col == "participant" else "right")
    for i in range(shown):
        lo, hi = result.effect_ci95[i]
        cells = [result.participants[i], num(result.stage1_mean[i]), num(result.effect_mean[i])]
        cells.append(f"{num(lo)} to {num(hi)}")
        if result.prob_benefit_mcid is not None:
            cells.append(num(result.prob_benefit_mcid[i], 3))
        table.add_row(*cells)
    return table


def plan_table(rows: list[dict[str, Any]], title: str) -> Any:
    """Operating characteristics of candidate designs, one row each."""
    from rich.table import Table

    table = Table(title=title)
    for col in (
        "pairs",
        "period days",
        "trial days",
        "says 'works'",
        "false positives",
        "right",
        "95% coverage",
        "posterior SD",
    ):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            str(r["pairs"]),
            str(r["period_days"]),
            str(r["trial_days"]),
            f"{r['decision_rate']:.0%}",
            f"{r['false_positive_rate']:.0%}",
            f"{r['correct_rate']:.0%}",
            f"{r['coverage95']:.0%}",
            f"{r['mean_posterior_sd']:.2f}",
        )
    return table
