"""`nof1 import` (wearable exports into a daily table) and `nof1 export` (FHIR, ODM, REDCap).

Thin like cli.py: parse, call nof1.wearables / nof1.interop, print. Registered by cli.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import click

from nof1.exceptions import Nof1Error
from nof1.terminal import console, print_json

KINDS = ("apple-health", "fitbit", "garmin", "csv")  # as nof1.wearables.KINDS (imported late)


def _write_atomically(table: Any, path: Path) -> None:
    """Write next to `path`, then rename: a failure never leaves a half-written table."""
    from nof1.data import save

    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        save(table, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _record_provenance(path: Path, participant: str, provenance: dict[str, Any]) -> None:
    """Append to DATA.provenance.jsonl, once per participant and file (by its SHA-256)."""
    log = path.with_name(path.name + ".provenance.jsonl")
    if log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            seen = json.loads(line)
            if seen.get("participant") == participant and seen.get("sha256") == provenance[
                "sha256"
            ]:
                return
    with log.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"participant": participant, **provenance}, default=str) + "\n")


@click.command("import")
@click.argument("kind", metavar="KIND", type=click.Choice(KINDS))
@click.argument("file", type=click.Path(exists=True))
@click.option("--participant", required=True, help="Whose days these are (the table's id).")
@click.option(
    "--into",
    "into",
    type=click.Path(dir_okay=False, exists=True),
    help="Daily table (CSV or Parquet, with a date column) to add the values to, in place. "
    "Without it nothing is written: the days found are only shown.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Let imported values overwrite different values already in the table.",
)
@click.option(
    "--hrv",
    type=click.Choice(["sdnn", "rmssd"]),
    help="csv only: which HRV measure an 'hrv' column holds.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was found as JSON.")
def import_(
    kind: str,
    file: str,
    participant: str,
    into: str | None,
    replace: bool,
    hrv: str | None,
    as_json: bool,
) -> None:
    """Import daily steps, resting heart rate, HRV and sleep from a wearable export into a
    participant's daily table. KIND is apple-health (the export zip or export.xml), fitbit
    (Google Takeout zip or folder), garmin (account export: daily summaries or FIT monitoring
    files) or csv. Importing the same file again changes nothing."""
    from nof1 import data as dataio
    from nof1 import wearables
    from nof1.wearables.table import add_to_daily_table

    imported_at = dt.datetime.now(dt.UTC)
    c = console()
    with c.status(f"Reading {file} ..."):
        imported = wearables.import_export(
            kind, file, imported_at=imported_at, hrv=hrv  # type: ignore[arg-type]
        )
    provenance = imported.provenance.to_dict()
    daily = imported.daily
    found = {
        "file": provenance["file_name"],
        "sources": provenance["sources"],
        "days": len(daily),
        "first_day": daily["date"].min().date().isoformat() if len(daily) else None,
        "last_day": daily["date"].max().date().isoformat() if len(daily) else None,
        "days_with": {
            m: int(daily[m].notna().sum()) for m in daily.columns if m != "date"
        },
        "records_used": provenance["records_used"],
        "records_skipped": provenance["records_skipped"],
    }
    if into is not None:
        path = Path(into)
        table = dataio.load(path)
        merged = add_to_daily_table(table, participant, imported, replace=replace)
        changed = merged.values_added + merged.values_replaced
        if changed:
            _write_atomically(merged.table, path)
        _record_provenance(path, participant, provenance)
        found.update(
            into=str(path),
            days_matched=merged.days_matched,
            days_outside_the_trial=merged.days_outside,
            values_added=merged.values_added,
            values_replaced=merged.values_replaced,
        )
    if as_json:
        print_json(found)
        return
    c.print(f"[bold]{found['file']}[/bold]: {found['days']} days", end="")
    if found["days"]:
        c.print(f", {found['first_day']} to {found['last_day']}", end="")
    c.print(f" from {', '.join(found['sources']) or 'no named device'}")
    for metric, n in found["days_with"].items():
        c.print(f"  {metric}: {n} days")
    c.print(f"  records used {found['records_used']}, skipped {found['records_skipped']}")
    if into is None:
        c.print("Nothing written (add --into DATA to add these days to a daily table).")
    elif found["values_added"] or found["values_replaced"]:
        c.print(
            f"{into}: {found['values_added']} values added, {found['values_replaced']} "
            f"replaced, on {found['days_matched']} trial days "
            f"({found['days_outside_the_trial']} days outside the trial left out)."
        )
    else:
        c.print(f"{into}: nothing changed (these values are already there).")


@click.command()
@click.argument(
    "fmt",
    metavar="FORMAT",
    type=click.Choice(["fhir", "odm", "redcap", "csv", "parquet"]),
)
@click.argument("data", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--protocol",
    "protocol_name",
    help="The trial's protocol: a bundled template name or a protocol TOML file (needed for "
    "fhir, odm and redcap).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="FHIR: a .json Bundle; ODM: an .xml file; REDCap: the records CSV (the data "
    "dictionary is written beside it as NAME-dictionary.csv); csv/parquet: the canonical "
    "daily table (.csv, or .parquet/.pq).",
)
def export(fmt: str, data: str, protocol_name: str | None, out: str) -> None:
    """Export a daily table in a research standard: a FHIR R5 Bundle, a CDISC ODM 1.3.2 file,
    a REDCap data dictionary and records CSV, or the canonical daily table as CSV or Parquet
    (checked on the way in, so what is written loads back exactly)."""
    from nof1 import data as dataio
    from nof1 import interop
    from nof1.trial_folder import resolve_protocol

    path = Path(out)
    if not path.parent.is_dir():
        raise Nof1Error(f"{path}: the folder {path.parent} does not exist")
    table = dataio.load(data)
    if fmt in ("csv", "parquet"):
        wanted = (".csv",) if fmt == "csv" else (".parquet", ".pq")
        if path.suffix.lower() not in wanted:
            raise Nof1Error(f"{path}: a {fmt} export is written to a {' or '.join(wanted)} file")
        dataio.save(table, path)
        console().print(f"wrote {path} ({len(table)} rows, {len(table.columns)} columns)")
        return
    if protocol_name is None:
        raise Nof1Error(f"a {fmt} export needs the trial's protocol: add --protocol NAME-OR-FILE")
    protocol = resolve_protocol(protocol_name)
    if fmt == "fhir":
        path.write_text(interop.fhir_json(protocol, table), encoding="utf-8")
        written = [path]
    elif fmt == "odm":
        path.write_bytes(interop.odm_xml(protocol, table))
        written = [path]
    else:
        dictionary = path.with_name(f"{path.stem}-dictionary.csv")
        interop.write_redcap(protocol, table, dictionary, path)
        written = [dictionary, path]
    for item in written:
        console().print(f"wrote {item}")


COMMANDS: list[click.Command] = [import_, export]
