"""The commands that write files: init, demo and the kam new group (account, visit, complaint).

``kam new`` reads and checks only what it needs through the parse cache: the account it
writes to (and, for a visit's tier-based next date, every dossier), never the whole ledger.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from ledger.check.diagnostics import format_text
from ledger.cli.context import KamCommand, KamGroup, cache_for, ledger_root, os_errors, say
from ledger.cli.options import DateType, edit_option
from ledger.derive.messages import LANGS
from ledger.load.cache import Cache
from ledger.load.schema import load_schema
from ledger.pipeline import check_account, load_account, load_dossiers
from ledger.workflow.scaffold import (
    DEFAULT_HOOK_REPO,
    init_repository,
    new_account,
    new_complaint,
    new_visit,
)


@click.command(cls=KamCommand)
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="Key accounts", show_default=True, help="The ledger's title.")
@click.option(
    "--locale", type=click.Choice(LANGS), default="en", show_default=True, help="Report language."
)
@click.option(
    "--hook-repo",
    default=DEFAULT_HOOK_REPO,
    show_default=True,
    metavar="URL",
    help="Where the team gets kam, for .pre-commit-config.yaml.",
)
def init(directory: Path, name: str, locale: str, hook_repo: str) -> None:
    """Create a ledger repository in DIR: settings, an example account, schemas, editor, git and
    CI set-up. Never overwrites: stops when any of those files exists."""
    written = init_repository(directory, name, locale, dt.date.today(), hook_repo)
    for path in written:
        click.echo(path)
    say(
        f"kam: a new ledger in {directory} ({len(written)} files, git initialised); "
        f"next: cd {directory} && kam validate"
    )


@click.command(cls=KamCommand)
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--accounts", type=click.IntRange(1, 100_000), default=100, show_default=True, metavar="N"
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same ledger.")
@click.option(
    "--until",
    type=DateType(),
    default=None,
    help="Last day of the synthetic history (YYYY-MM-DD); default today.",
)
def demo(directory: Path, accounts: int, seed: int, until: dt.date | None) -> None:
    """Write a synthetic ledger of N accounts into DIR (about 56 files each: a dossier with two
    years of revenue, ~50 visits, ~5 complaints), for trying kam at scale. DIR must not exist or
    be empty."""
    from ledger.workflow.demo import write_demo

    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise click.UsageError(f"{directory} exists and is not empty; choose a new folder")
    with os_errors(f"write to {directory}"):
        count = write_demo(directory, accounts, seed, until or dt.date.today())
    say(
        f"kam: wrote {count} files ({accounts} accounts) to {directory}; "
        f"try: kam --ledger {directory} build"
    )


@click.group(cls=KamGroup)
def new() -> None:
    """Create a dossier, visit or complaint file from a template, pre-filled; never overwrites."""


def _enum(kind: str, field: str) -> list[str]:
    """The values a schema allows for a field: the schema is the single source of truth."""
    return list(load_schema(kind)["properties"][field]["enum"])


def _created(root: Path, path: Path, edit: bool, cache: Cache) -> None:
    """Print the new file; open it when asked; then check its account alone and say what
    ``kam validate`` reports of the file (what is left to fill in) and of the folders that
    hold it (their names): "it validates" only when that is nothing."""
    if edit:
        click.edit(filename=str(path))
    click.echo(path)
    rel = path.relative_to(root).as_posix()
    checked = check_account(root, rel.split("/", 1)[0], dt.date.today(), cache)
    left = [d for d in checked.diagnostics if d.file == rel]
    around = [d for d in checked.diagnostics if rel.startswith(d.file + "/")]
    if not left and not around:
        say(f"kam: wrote {rel}; it validates")
        return
    say(f"kam: wrote {rel}; " + ("kam validate reports:" if around else "left to fill in:"))
    for d in around + left:
        say("  " + format_text(d).splitlines()[0])


@new.command("account")
@click.argument("account_id", metavar="ID")
@click.option("--name", help="Full company name (required in the file).")
@click.option("--manager", help="The account manager (required in the file).")
@click.option("--short-name", help="Short name used in lists.")
@click.option("--industry", help="Industry.")
@click.option("--region", help="Region.")
@click.option(
    "--status",
    type=click.Choice(["prospect", "active", "dormant"]),
    default="active",
    show_default=True,
    help="Relationship status.",
)
@click.option("--since", type=DateType(), help="Key account since (default today).")
@edit_option
@click.pass_context
def new_account_command(ctx: click.Context, account_id: str, edit: bool, **fields: Any) -> None:
    """A new account folder with its dossier.yaml."""
    root = ledger_root(ctx)
    path = new_account(root, account_id, fields, dt.date.today())
    _created(root, path, edit, cache_for(ctx, root))


@new.command("visit")
@click.argument("account_id", metavar="ACCOUNT")
@click.option("--date", "day", type=DateType(), help="Date of the visit (default today).")
@click.option("--slug", help="Name part after the date: visits/DATE-SLUG.yaml.")
@click.option(
    "--mode",
    type=click.Choice(_enum("visit", "mode")),
    help="How (default onsite).",
)
@click.option(
    "--kind",
    type=click.Choice(_enum("visit", "kind")),
    help="Why (default periodic).",
)
@click.option(
    "--status",
    type=click.Choice(_enum("visit", "status")),
    help="Default: done, or planned for a future date.",
)
@click.option("--by", help="Our person (default the account manager).")
@click.option("--received-by", multiple=True, metavar="CONTACT", help="Contact id (repeatable).")
@click.option("--place", help="Where.")
@click.option("--purpose", help="Purpose of the visit.")
@click.option("--summary", help="What was discussed (required for a done visit).")
@click.option("--follows-up", metavar="COMPLAINT", help="Id of the complaint this follows up.")
@click.option("--next-visit", type=DateType(), help="Next visit (default: by the tier interval).")
@edit_option
@click.pass_context
def new_visit_command(
    ctx: click.Context,
    account_id: str,
    day: dt.date | None,
    slug: str | None,
    edit: bool,
    **fields: Any,
) -> None:
    """A new visit of ACCOUNT: visits/DATE[-SLUG].yaml."""
    root = ledger_root(ctx)
    cache = cache_for(ctx, root)
    today = dt.date.today()
    # the dossiers alone: the tier that sets the next visit ranks every account by them
    ledger = load_dossiers(root, cache)
    path = new_visit(root, ledger, account_id, day or today, slug, fields, today)
    _created(root, path, edit, cache)


@new.command("complaint")
@click.argument("account_id", metavar="ACCOUNT")
@click.option("--date", "day", type=DateType(), help="Date opened (default today).")
@click.option("--slug", help="Name part after the date: complaints/DATE-SLUG.yaml.")
@click.option("--summary", help="What the customer complains about (required in the file).")
@click.option(
    "--category",
    type=click.Choice(_enum("complaint", "category")),
    help="Category (required in the file).",
)
@click.option(
    "--severity",
    type=click.Choice(_enum("complaint", "severity")),
    help="Severity (default medium); sets the deadline.",
)
@click.option(
    "--channel", type=click.Choice(_enum("complaint", "channel")), help="How it reached us."
)
@click.option("--raised-by", metavar="CONTACT", help="Contact id of who raised it.")
@click.option("--owner", help="Who handles it (default the account manager).")
@edit_option
@click.pass_context
def new_complaint_command(
    ctx: click.Context,
    account_id: str,
    day: dt.date | None,
    slug: str | None,
    edit: bool,
    **fields: Any,
) -> None:
    """A new complaint of ACCOUNT: complaints/DATE[-SLUG].yaml, open."""
    root = ledger_root(ctx)
    cache = cache_for(ctx, root)
    ledger, _ = load_account(root, account_id, cache)
    path = new_complaint(root, ledger, account_id, day or dt.date.today(), slug, fields)
    _created(root, path, edit, cache)


#: the commands of this module, for the group to register
COMMANDS = (init, demo, new)
