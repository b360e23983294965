"""`nof1 report`: HTML and PDF reports of a trial or a series.

Thin like cli.py: parse, call nof1.report, print. Registered on the `nof1` group by cli.py.
"""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
