"""The commands that read the ledger and print what they find: validate, tiers, due, show.

Each ``--format`` is a table from format name to formatter; the option's choices are the table's
names, in its order (the first is the default). Formatters import the renderer they need when
they run: 'kam validate' on a cached ledger starts without Jinja2, Babel or markdown.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from collections.abc import Callable

import click

from ledger.check.diagnostics import (
    Diagnostic,
    count_errors,
    format_github,
    format_json,
    format_text,
    summary_line,
)
from ledger.cli.context import (
    WORKERS,
    KamCommand,
    cache_for,
    emit,
    ledger_root,
    pass_checked,
    report_errors,
    use_color,
)
from ledger.cli.options import as_of_option, format_option, within_option
from ledger.derive.schedule import KINDS, DueItem, due_items, filter_due
from ledger.derive.tiers import TierTable, compute_tiers
from ledger.model import Ledger
from ledger.pipeline import Checked, diagnose

#: what a validate formatter prints: (stdout, stderr)
Printed = tuple[str, str]


def _lines(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _validate_text(diagnostics: list[Diagnostic], files: int) -> Printed:
    color = use_color(sys.stderr)
    shown = [format_text(d, color=color) for d in diagnostics]
    return "", _lines([*shown, summary_line(diagnostics, files)])


def _validate_json(diagnostics: list[Diagnostic], files: int) -> Printed:
    return format_json(diagnostics, files) + "\n", ""


def _validate_github(diagnostics: list[Diagnostic], files: int) -> Printed:
    shown = [format_github(d) for d in diagnostics]
    return _lines(shown), _lines([summary_line(diagnostics, files)])


def validate_formats() -> dict[str, Callable[[list[Diagnostic], int], Printed]]:
    """``kam validate --format``: name -> (diagnostics, number of files) -> (stdout, stderr)."""
    return {"text": _validate_text, "json": _validate_json, "github": _validate_github}


@click.command(cls=KamCommand)
@format_option(
    validate_formats(), "text for people, json for programs, github for workflow annotations."
)
@click.option("--strict", is_flag=True, help="Warnings count as errors for the exit code.")
@as_of_option
@click.pass_context
def validate(ctx: click.Context, as_of: dt.date | None, fmt: str, strict: bool) -> None:
    """Check every file of the ledger; exit 1 when there are errors."""
    root = ledger_root(ctx)
    diagnostics, files = diagnose(root, as_of or dt.date.today(), cache_for(ctx, root), WORKERS)
    out, err = validate_formats()[fmt](diagnostics, files)
    emit(out, data=fmt != "text")
    emit(err, data=False, err=True)
    sys.exit(1 if count_errors(diagnostics, strict) else 0)


def _tiers_table(table: TierTable, ledger: Ledger) -> str:
    from ledger.render.textviews import tiers_view

    return tiers_view(table, ledger.settings.currency) + "\n"


def _tiers_json(table: TierTable, ledger: Ledger) -> str:
    from ledger.render.exports import tiers_json

    return tiers_json(table) + "\n"


def _tiers_csv(table: TierTable, ledger: Ledger) -> str:
    from ledger.render.exports import tiers_csv

    return tiers_csv(table)


def tiers_formats() -> dict[str, Callable[[TierTable, Ledger], str]]:
    """``kam tiers --format``: name -> (tier table, ledger) -> what to print."""
    return {"table": _tiers_table, "json": _tiers_json, "csv": _tiers_csv}


@click.command(cls=KamCommand)
@format_option(tiers_formats(), "table for people, json or csv for programs and spreadsheets.")
@pass_checked
def tiers(checked: Checked, as_of: dt.date, fmt: str) -> None:
    """The ABC table: rank, measure, share, cumulative share and tier of every account."""
    table = compute_tiers(checked.ledger, as_of)
    emit(tiers_formats()[fmt](table, checked.ledger), data=fmt != "table")
    sys.exit(report_errors(checked))


#: a due formatter's arguments: the items, the as-of date, --within and the ledger
DueFormatter = Callable[[list[DueItem], dt.date, int, Ledger], str]


def _due_table(items: list[DueItem], as_of: dt.date, within: int, ledger: Ledger) -> str:
    from ledger.render.textviews import due_view

    columns = shutil.get_terminal_size((80, 24)).columns
    return due_view(items, as_of, within, use_color(sys.stdout), columns) + "\n"


def _due_json(items: list[DueItem], as_of: dt.date, within: int, ledger: Ledger) -> str:
    from ledger.render.exports import due_json

    return due_json(items, as_of, within) + "\n"


def _due_csv(items: list[DueItem], as_of: dt.date, within: int, ledger: Ledger) -> str:
    from ledger.render.exports import due_csv

    return due_csv(items)


def _due_ics(items: list[DueItem], as_of: dt.date, within: int, ledger: Ledger) -> str:
    from ledger.render.exports import due_ics

    return due_ics(items, as_of, ledger.settings.name)


def due_formats() -> dict[str, DueFormatter]:
    """``kam due --format``: name -> (items, as of, within, ledger) -> what to print."""
    return {"table": _due_table, "json": _due_json, "csv": _due_csv, "ics": _due_ics}


@click.command(cls=KamCommand)
@within_option("List items due at most this many days ahead (overdue ones always).")
@format_option(due_formats(), "table for people; json, csv, or ics for calendars.")
@click.option("--manager", multiple=True, help="Only accounts of this manager (repeatable).")
@click.option(
    "--tier", "tier_filter", multiple=True, help="Only accounts of this tier (repeatable)."
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    multiple=True,
    help="Only items of this kind (repeatable).",
)
@pass_checked
def due(
    checked: Checked,
    as_of: dt.date,
    within: int,
    fmt: str,
    manager: tuple[str, ...],
    tier_filter: tuple[str, ...],
    kind: tuple[str, ...],
) -> None:
    """What is due: revisits, planned visits, complaints, birthdays, holidays; overdue first."""
    ledger = checked.ledger
    items = due_items(ledger, compute_tiers(ledger, as_of), as_of, within)
    items = filter_due(items, manager, tier_filter, kind)
    emit(due_formats()[fmt](items, as_of, within, ledger), data=fmt != "table")
    sys.exit(report_errors(checked))


@click.command(cls=KamCommand)
@click.argument("account_id", metavar="ACCOUNT")
@within_option("Due items of the account up to this many days ahead.")
@pass_checked
def show(checked: Checked, as_of: dt.date, account_id: str, within: int) -> None:
    """One account: dossier, tier and why, revenue trend, visits, complaints, what is due."""
    from ledger.render.textviews import show_view

    ledger = checked.ledger
    account = ledger.account(account_id)
    if account is None:
        known = ", ".join(a.id for a in ledger.accounts)
        raise click.BadParameter(
            f"no account '{account_id}' in the ledger (accounts: {known})",
            param_hint="ACCOUNT",
        )
    table = compute_tiers(ledger, as_of)
    items = [i for i in due_items(ledger, table, as_of, within) if i.account == account.id]
    click.echo(show_view(account, ledger.settings, table, items, as_of))
    sys.exit(report_errors(checked))


#: the commands of this module, for the group to register
COMMANDS = (validate, tiers, due, show)
