"""`nof1 appraise`: the evidence card of a study described in a TOML file.

Thin like cli.py: parse, call nof1.evidence, print. Registered on the `nof1` group by cli.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from nof1.exceptions import Nof1Error
from nof1.terminal import console, print_json


@click.command()
@click.argument("study", required=False)
@click.option("--list", "list_ids", is_flag=True, help="List the register's studies and exit.")
@click.option("--json", "as_json", is_flag=True, help="Print the card and appraisal as JSON.")
def appraise(study: str | None, list_ids: bool, as_json: bool) -> None:
    """Print the evidence card of STUDY: a design TOML file or a register id (e.g. bolton2020).

    The card has six parts (quick summary, why it matters, what we observed, what we can
    conclude, remaining questions, what this result does not prove), then every threat to
    validity marked addressed, partly addressed or open, with the fact that decides it.
    """
    from nof1.evidence import find_study, load_register, load_study, study_card

    if list_ids:
        register = load_register()
        if as_json:
            print_json([{"id": s.id, "title": s.title, "citation": s.citation} for s in register])
            return
        _print_register(register)
        return
    if study is None:
        raise Nof1Error("give a study TOML file or a register id, or --list")
    is_file = study.endswith(".toml") or Path(study).exists()
    design = load_study(study) if is_file else find_study(study)
    card = study_card(design)
    if as_json:
        print_json(card.to_dict())
        return
    _print_card(card)


def _print_register(register: Any) -> None:
    from rich.table import Table

    table = Table(title="Register of published LDN studies (nof1 appraise ID)")
    table.add_column("id")
    table.add_column("title")
    for study in register:
        table.add_row(study.id, study.title)
    console().print(table)


STYLE = {"addressed": "green", "partly addressed": "yellow", "open": "red"}


def _print_card(card: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    from nof1.evidence.card import identifiers

    out = console()
    out.print(f"[bold]{escape(card.title)}[/bold]")
    for section in card.sections:
        out.print(f"\n[bold underline]{escape(section.title)}[/bold underline]")
        bullet = section.key in ("questions", "not_proven")
        for paragraph in section.paragraphs:
            out.print(("- " if bullet else "") + escape(paragraph))
    ids = identifiers(card.appraisal.study)
    if ids:
        out.print(f"\n{escape(ids)}")
    table = Table(title="Threats to validity")
    table.add_column("threat")
    table.add_column("status")
    table.add_column("deciding fact")
    for threat in card.appraisal.threats:
        colour = STYLE[threat.status.value]
        table.add_row(threat.name, f"[{colour}]{threat.status.value}[/{colour}]",
                      escape(threat.reason))
    out.print(table)
    out.print(f"Reading grade (Flesch-Kincaid): {card.reading_grade():.1f}")


COMMANDS: list[click.Command] = [appraise]
