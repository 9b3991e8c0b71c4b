"""The ``kam`` command: each subcommand parses its options and calls one function."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ledger import __version__
from ledger.check import Checked, check
from ledger.diagnostics import (
    count_errors,
    format_github,
    format_json,
    format_text,
    summary_line,
)
from ledger.load import RootError, find_root


class DateType(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"'{value}' is not a date; write YYYY-MM-DD, e.g. 2026-11-30", param, ctx)


def as_of_option(f: Callable) -> Callable:
    return click.option(
        "--as-of",
        type=DateType(),
        default=None,
        help="Compute as of this date (YYYY-MM-DD); default today.",
    )(f)


def use_color(stream: Any) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--ledger",
    "ledger_dir",
    metavar="DIR",
    default=None,
    help="Ledger folder. Default: $KAM_LEDGER, else ./accounts, else the current folder.",
)
@click.version_option(__version__, prog_name="kam")
@click.pass_context
def main(ctx: click.Context, ledger_dir: str | None) -> None:
    """kam: a plain-text key-account ledger (大客户台账).

    Dossiers, visits and complaints are YAML files in a folder; kam validates them, computes
    tiers and revisit dates and renders reports.
    """
    ctx.obj = {"ledger_dir": ledger_dir}


def _root(ctx: click.Context) -> Path:
    try:
        return find_root(ctx.obj["ledger_dir"], dict(os.environ), Path.cwd())
    except RootError as exc:
        raise click.UsageError(str(exc), ctx) from None


def _checked(ctx: click.Context, as_of: dt.date | None) -> tuple[Checked, dt.date]:
    day = as_of or dt.date.today()
    return check(_root(ctx), day), day


def pass_checked(f: Callable) -> Callable:
    """Load and check the ledger for a command; passes ``checked`` and ``as_of``."""

    @as_of_option
    @click.pass_context
    @functools.wraps(f)
    def wrapper(ctx: click.Context, as_of: dt.date | None, **kw: Any) -> Any:
        checked, day = _checked(ctx, as_of)
        return f(checked=checked, as_of=day, **kw)

    return wrapper


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text for people, json for programs, github for workflow annotations.",
)
@click.option("--strict", is_flag=True, help="Warnings count as errors for the exit code.")
@pass_checked
def validate(checked: Checked, as_of: dt.date, fmt: str, strict: bool) -> None:
    """Check every file of the ledger; exit 1 when there are errors."""
    diagnostics = checked.diagnostics
    files = checked.ledger.files
    if fmt == "json":
        click.echo(format_json(diagnostics, files))
    elif fmt == "github":
        for d in diagnostics:
            click.echo(format_github(d))
        click.echo(summary_line(diagnostics, files), err=True)
    else:
        color = use_color(sys.stderr)
        for d in diagnostics:
            click.echo(format_text(d, color=color), err=True)
        click.echo(summary_line(diagnostics, files), err=True)
    sys.exit(1 if count_errors(diagnostics, strict) else 0)
