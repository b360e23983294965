"""`nof1 appraise`: the evidence card of a study described in a TOML file.

Thin like cli.py: parse, call nof1.evidence, print. Registered on the `nof1` group by cli.py.
"""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
