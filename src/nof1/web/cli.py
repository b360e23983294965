"""`nof1 serve` and `nof1 web`: the web app's commands. Django is imported only when they run,
so the rest of the command line (and the core) never loads it."""

from __future__ import annotations

import os
from pathlib import Path

import click

# The group's help options, also when a command is invoked on its own (tests do): click caches
# a command's help option from the first context that asks, so it must not depend on the caller.
HELP = {"help_option_names": ["-h", "--help"]}


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nof1.web.settings")
    import django

    django.setup()


@click.command(context_settings={**HELP, "ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def web(args: tuple[str, ...]) -> None:
    """Run a Django management command for the web app, e.g. `nof1 web migrate`.

    Settings come from environment variables (NOF1_DEBUG, NOF1_SECRET_KEY, DATABASE_URL, ...;
    see nof1/web/settings.py).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nof1.web.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["nof1 web", *args])


@click.command(context_settings=HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on.",
)
@click.option(
    "--threads", type=click.IntRange(1, 64), default=4, show_default=True, help="Worker threads."
)
@click.option(
    "--migrate/--no-migrate",
    default=False,
    show_default=True,
    help="Apply database migrations first.",
)
def serve(host: str, port: int, threads: int, migrate: bool) -> None:
    """Serve the web app (waitress, a pure-Python WSGI server)."""
    _django()
    from django.conf import settings
    from django.core.management import call_command

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise click.ClickException(
            f"{len(pending)} database migration(s) not applied: run `nof1 web migrate` "
            "or `nof1 serve --migrate`"
        )
    from waitress import serve as waitress_serve

    from nof1.web.wearables.services import max_upload_bytes
    from nof1.web.wsgi import application

    click.echo(f"nof1 web app at http://{host}:{port}/ (Ctrl-C to stop)")
    # waitress refuses bodies over 1 GB by default: let a wearable export up to the site's
    # limit through (the upload view itself refuses anything larger), plus room for the form
    body_limit = max_upload_bytes() + 16 * 1024 * 1024
    waitress_serve(
        application, host=host, port=port, threads=threads, max_request_body_size=body_limit
    )


COMMANDS: list[click.Command] = [web, serve]


# Tables whose rows are not data: rebuilt by migrate, or transient.
_NOT_BACKED_UP = ("contenttypes", "auth.permission", "sessions", "axes")


@click.command(context_settings=HELP)
@click.argument("file", type=click.Path(dir_okay=False))
def backup(file: str) -> None:
    """Write every record of the web app to FILE (JSON; .gz compresses) for `nof1 restore`."""
    _django()
    from django.core.management import call_command

    if Path(file).exists():
        raise click.ClickException(f"{file} exists; a backup never overwrites a file")
    call_command("dumpdata", exclude=list(_NOT_BACKED_UP), output=file, indent=None, verbosity=0)
    click.echo(f"backed up to {file}")


@click.command(context_settings=HELP)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def restore(file: str) -> None:
    """Load a backup into an empty, migrated database (`nof1 web migrate` first)."""
    _django()
    from django.core.management import call_command
    from django.db import transaction

    from nof1.web.accounts.models import User
    from nof1.web.audit.services import verify_chain

    if User.objects.exists():
        raise click.ClickException(
            "the database already holds accounts; restore only into an empty database"
        )
    with transaction.atomic():
        call_command("loaddata", file, verbosity=0)
        count, head = verify_chain()
    click.echo(f"restored {file}; audit chain intact: {count} events, head {head}")


COMMANDS += [backup, restore]
