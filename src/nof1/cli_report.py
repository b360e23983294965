"""`nof1 report`: HTML and PDF reports of a trial or a series.

Thin like cli.py: parse, call nof1.report, print. Registered on the `nof1` group by cli.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nof1.exceptions import DataError, Nof1Error

if TYPE_CHECKING:
    from nof1.results import Better


@click.command()
@click.argument("data", metavar="DATA-OR-TRIAL-DIR", required=False, type=click.Path())
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="The report to write: FILE.html (self-contained) or FILE.pdf.",
)
@click.option(
    "--series",
    "series_data",
    type=click.Path(dir_okay=False),
    help="Write a series report pooling every trial in this daily table (CSV or Parquet).",
)
@click.option("--participant", help="The participant to report when DATA holds several.")
@click.option(
    "--outcome",
    "outcomes",
    multiple=True,
    help="Outcome to report (repeatable; the first is primary). Default: the protocol's, "
    "or every numeric column. A series report takes exactly one.",
)
@click.option(
    "--protocol",
    "protocol_name",
    help="Protocol file or bundled template name, for labels, units, MCIDs and washout.",
)
@click.option(
    "--covariates",
    "covariates_path",
    type=click.Path(dir_okay=False),
    help="Series only: CSV with a participant column and one column per covariate.",
)
@click.option(
    "--better",
    type=click.Choice(["lower", "higher"]),
    help="Direction of benefit for every outcome (default: the protocol's, else lower).",
)
@click.option(
    "--mcid",
    type=click.FloatRange(min=0, min_open=True),
    help="Minimal clinically important difference for every outcome (default: the protocol's).",
)
@click.option(
    "--washout-days",
    type=click.IntRange(min=0),
    help="Analytic washout: first N days of every period not analysed (default: the "
    "protocol's, else 0).",
)
def report(
    data: str | None,
    out: str,
    series_data: str | None,
    participant: str | None,
    outcomes: tuple[str, ...],
    protocol_name: str | None,
    covariates_path: str | None,
    better: Better | None,
    mcid: float | None,
    washout_days: int | None,
) -> None:
    """Write the report of one trial (DATA file or trial folder) or of a series (--series)."""
    from nof1.report.render import check_destination

    check_destination(out)  # before the analysis, so a wrong --out costs nothing
    protocol = _protocol(protocol_name)
    options: dict[str, Any] = {"better": better, "mcid": mcid, "washout_days": washout_days}
    if series_data is not None:
        if data is not None:
            raise Nof1Error("give either DATA-OR-TRIAL-DIR or --series DATA, not both")
        built = _series(series_data, outcomes, covariates_path, protocol, options)
    else:
        if data is None:
            raise Nof1Error("name the trial's DATA file or trial folder, or --series DATA")
        if covariates_path is not None:
            raise Nof1Error("--covariates belongs to a series report (--series DATA)")
        built = _trial(data, participant, outcomes, protocol, options)
    from nof1.report.render import write_report
    from nof1.terminal import console

    with console(stderr=True).status(f"writing {out}"):
        path = write_report(out, built)
    click.echo(f"wrote {path}")


def _protocol(name: str | None) -> Any:
    if name is None:
        return None
    from nof1.trial_folder import resolve_protocol

    return resolve_protocol(name)


def _trial(
    data: str,
    participant: str | None,
    outcomes: tuple[str, ...],
    protocol: Any,
    options: dict[str, Any],
) -> Any:
    from nof1 import data as dataio
    from nof1.terminal import console

    options.update(participant=participant, outcomes=list(outcomes) or None)
    with console(stderr=True).status("analysing the trial and drawing its plots"):
        if Path(data).is_dir():
            from nof1.report.folder import from_trial_folder

            if protocol is not None:
                raise Nof1Error(f"{data}: a trial folder brings its own protocol; drop --protocol")
            return from_trial_folder(data, **{k: v for k, v in options.items() if v is not None})
        from nof1.report.trial import build_trial_report

        arms = [a.id for a in protocol.arms if not a.is_placebo] if protocol else None
        table = dataio.load(data, outcomes=list(outcomes), arms=arms)
        present = sorted(table["participant"].astype(str).unique())
        if participant is None and len(present) > 1:
            shown = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
            raise Nof1Error(
                f"{data} holds {len(present)} participants ({shown}): name one with "
                "--participant ID, or pool them with --series"
            )
        if participant is not None and participant not in present:
            raise Nof1Error(f"{data}: no rows for participant {participant!r}; it holds "
                            + ", ".join(present[:5]) + (", ..." if len(present) > 5 else ""))
        try:
            return build_trial_report(table, protocol=protocol, **options)
        except Nof1Error as exc:
            raise Nof1Error(f"{data}: {exc}") from None


def _series(
    data: str,
    outcomes: tuple[str, ...],
    covariates_path: str | None,
    protocol: Any,
    options: dict[str, Any],
) -> Any:
    from nof1 import data as dataio
    from nof1.cli import _read_covariates
    from nof1.report.series import build_series_report
    from nof1.terminal import progress

    if len(outcomes) != 1:
        raise Nof1Error("a series report needs exactly one --outcome")
    table = dataio.load(data, outcomes=list(outcomes))
    covariates = _read_covariates(covariates_path) if covariates_path else None
    with progress("fitting participants", int(table["participant"].nunique())) as step:
        try:
            return build_series_report(
                table,
                outcome=outcomes[0],
                covariates=covariates,
                protocol=protocol,
                progress=step,
                **options,
            )
        except DataError as exc:
            if exc.source is not None:
                raise
            raise DataError(exc.message, source=data, row=exc.row, column=exc.column) from None
        except Nof1Error as exc:
            raise Nof1Error(f"{data}: {exc}") from None


COMMANDS: list[click.Command] = [report]
