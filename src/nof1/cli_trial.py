"""`nof1` commands that run a trial on files: protocols, screening, randomisation, unblinding.

Thin like cli.py: parse, call the core, print. Registered on the `nof1` group by cli.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from nof1.terminal import console, print_json


def _date(_ctx: Any, _param: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"expected an ISO date such as 2026-03-01, got {value!r}"
        ) from None


@click.command()
@click.option(
    "--medication",
    "medications",
    multiple=True,
    help="A current medicine as written, e.g. 'Co-codamol 30/500' (repeatable).",
)
@click.option(
    "--condition",
    "conditions",
    multiple=True,
    help="A condition code, e.g. acute-hepatitis (repeatable; see the list below).",
)
@click.option("--alt", type=click.FloatRange(min=0), help="ALT in IU/L.")
@click.option("--ast", type=click.FloatRange(min=0), help="AST in IU/L.")
@click.option("--last-opioid-use", callback=_date, help="Date of the last opioid dose (ISO).")
@click.option("--start", callback=_date, help="Planned start date of the trial (ISO).")
@click.option(
    "--expected-opioid-need",
    is_flag=True,
    help="Opioid pain relief is expected soon (e.g. planned surgery).",
)
@click.option(
    "--pregnant/--not-pregnant", default=None, help="Pregnancy status (leave out if unknown)."
)
@click.option(
    "--breastfeeding/--not-breastfeeding",
    default=None,
    help="Breastfeeding status (leave out if unknown).",
)
@click.option(
    "--protocol",
    "protocol_path",
    type=click.Path(dir_okay=False),
    help="Protocol TOML whose eligibility rules apply (default: the standard rules).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def screen(
    medications: tuple[str, ...],
    conditions: tuple[str, ...],
    alt: float | None,
    ast: float | None,
    last_opioid_use: dt.date | None,
    start: dt.date | None,
    expected_opioid_need: bool,
    pregnant: bool | None,
    breastfeeding: bool | None,
    protocol_path: str | None,
    as_json: bool,
) -> None:
    """Screen a participant for LDN: eligible, ineligible or needs review, with reasons.

    Condition codes: acute-hepatitis, liver-failure, opioid-dependence, opioid-withdrawal,
    positive-opioid-screen, failed-naloxone-challenge, hypersensitivity-naltrexone,
    hypersensitivity-naloxone, hypersensitivity-nalmefene, planned-surgery, pregnancy,
    breastfeeding, depression, suicidality, severe-kidney-impairment.
    """
    from nof1.safety import DEFAULT_RULES
    from nof1.safety import screen as screen_participant

    rules = DEFAULT_RULES
    if protocol_path:
        from nof1.protocol import load_protocol

        rules = load_protocol(protocol_path).eligibility
    result = screen_participant(
        medications=medications,
        conditions=conditions,
        alt_iu_per_l=alt,
        ast_iu_per_l=ast,
        last_opioid_use=last_opioid_use,
        start_date=start,
        expected_opioid_need=expected_opioid_need,
        pregnant=pregnant,
        breastfeeding=breastfeeding,
        rules=rules,
    )
    if as_json:
        print_json(result.to_dict())
        return
    console().print(result.summary(), markup=False)


@click.group()
def protocol() -> None:
    """Trial protocols: start one from a bundled template, check one before use."""


@protocol.command("list")
def protocol_list() -> None:
    """List the bundled protocol templates."""
    from nof1.protocol import load_template, template_names

    for name in template_names():
        console().print(f"{name}: {load_template(name).title}", markup=False)


@protocol.command("new")
@click.option(
    "--template",
    "template",
    required=True,
    help="Bundled template to start from (see `nof1 protocol list`).",
)
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Write the protocol here (default: print it)."
)
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
def protocol_new(template: str, out: str | None, force: bool) -> None:
    """Write a new protocol TOML from a bundled template, with its sources, to edit."""
    from pathlib import Path

    from nof1.exceptions import ProtocolError
    from nof1.protocol import template_names, template_text

    if template not in template_names():
        raise ProtocolError(
            f"no template '{template}'; the templates are {', '.join(template_names())}"
        )
    text = template_text(template)
    if out is None:
        click.echo(text, nl=False)
        return
    path = Path(out)
    if path.exists() and not force:
        raise ProtocolError(f"{out} exists; use --force to overwrite it")
    path.write_text(text, encoding="utf-8")
    console().print(
        f"wrote {out} (from template {template}); check it with `nof1 protocol check {out}`",
        markup=False,
    )


@protocol.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the validated protocol as JSON.")
def protocol_check(file: str, as_json: bool) -> None:
    """Validate a protocol TOML; print its design, or every problem found."""
    from nof1.protocol import load_protocol

    proto = load_protocol(file)
    if as_json:
        print_json(proto.model_dump(mode="json"))
        return
    design = proto.design
    arms = ", ".join(f"{a.label} ({a.id})" for a in proto.arms)
    lines = [
        f"{file}: valid protocol '{proto.id}' version {proto.version}: {proto.title}",
        f"  arms: {arms}",
        f"  design: {design.run_in_days}-day run-in, {proto.period_count} periods of "
        f"{design.period_days} days in {proto.period_count // len(proto.arms)} "
        f"{proto.block_word}s, analytic washout "
        f"{design.washout_days} days; {proto.total_days} days in all",
        f"  primary outcome: {proto.primary_outcome.label} ({proto.primary_outcome.id})",
        f"  eligibility: opioid-free {proto.eligibility.opioid_free_days} days, ALT/AST at most "
        f"{proto.eligibility.alt_ast_max_iu_per_l:g} IU/L",
    ]
    console().print("\n".join(lines), markup=False)


@click.command()
@click.argument("protocol_file", metavar="PROTOCOL")
@click.option("--participant", required=True, help="Participant id (pseudonymous).")
@click.option("--start", required=True, callback=_date, help="First day of the run-in (ISO).")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="New folder for the trial's files (must not exist or be empty).",
)
def randomize(protocol_file: str, participant: str, start: dt.date, out_dir: str) -> None:
    """Randomise one participant: sealed allocation, key, kit sheet, schedule, calendar.

    PROTOCOL is a protocol TOML file or the name of a bundled template. The seed is drawn
    from the operating system's CSPRNG and kept inside the sealed allocation and the
    pharmacist's allocation.csv, so the allocation can be verified later.
    """
    from pathlib import Path

    from nof1.protocol import template_names, template_text
    from nof1.trial_folder import randomize as randomize_folder
    from nof1.trial_folder import resolve_protocol

    proto = resolve_protocol(protocol_file)
    is_file = Path(protocol_file).is_file() or protocol_file not in template_names()
    text = (
        Path(protocol_file).read_text(encoding="utf-8") if is_file else template_text(protocol_file)
    )
    done = randomize_folder(proto, text, participant=participant, start=start, folder=Path(out_dir))
    lines = [
        f"Randomised participant {participant} ({proto.id}), starting {start}: {done.folder}",
        f"  kits, in period order: {', '.join(done.kits)}",
        "  participant/ and clinician/: blinded schedules and reminders",
        "  pharmacist/: the key, the allocation and the kit sheet - for the pharmacist ONLY",
        f'  at the end: nof1 unblind {done.folder} --key {done.key_path} --reason "..."',
    ]
    console().print("\n".join(lines), markup=False)


@click.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--key", required=True, help="The key, or the path of the file holding it.")
@click.option("--reason", required=True, help="Why the allocation is opened (recorded).")
@click.option(
    "--period", type=click.IntRange(min=1), help="Reveal only this period (emergency unblinding)."
)
@click.option("--who", help="Who is unblinding (recorded; default: the login name).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def unblind(
    folder: str, key: str, reason: str, period: int | None, who: str | None, as_json: bool
) -> None:
    """Open a sealed allocation, or one period of it; every attempt is logged first."""
    import getpass
    from pathlib import Path

    from nof1.trial_folder import unblind as unblind_folder

    person = who or getpass.getuser()
    result = unblind_folder(Path(folder), key, who=person, reason=reason, period=period)
    rows = [
        {
            "period": p.period,
            "block": p.block,
            "kit": result.kits[p.period - 1],
            "arm": p.arm,
            "label": result.labels.get(p.arm, p.arm),
        }
        for p in result.periods
    ]
    if as_json:
        print_json(
            {"who": person, "reason": reason, "periods": rows, "log_entries": result.log_entries}
        )
        return
    from rich.table import Table

    what = f"period {period}" if period else "the full allocation"
    table = Table(title=f"Unblinded {what} (recorded in the unblinding log by {person})")
    for col in ("period", "block", "kit", "arm"):
        table.add_column(col, justify="right" if col in ("period", "block") else "left")
    for row in rows:
        table.add_row(str(row["period"]), str(row["block"]), str(row["kit"]), str(row["label"]))
    console().print(table)


COMMANDS: list[click.Command] = [screen, protocol, randomize, unblind]
