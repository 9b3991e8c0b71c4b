"""The option types and the options several commands share, as decorators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import click

from ledger import limits
from ledger.derive.messages import LANGS


class DateType(click.ParamType):
    """A YYYY-MM-DD date, with an example in the error message."""

    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"'{value}' is not a date; write YYYY-MM-DD, e.g. 2026-11-30", param, ctx)
        if not limits.in_file_range(day):
            self.fail(
                f"{day} is outside the years kam computes for "
                f"({limits.FIRST_DAY.year}-{limits.LAST_DAY.year})",
                param,
                ctx,
            )
        return day


class AsOfType(DateType):
    """A date kam can compute as of (``ledger.limits``): a usage error outside them."""

    def convert(self, value: Any, param: Any, ctx: Any) -> dt.date:
        day = super().convert(value, param, ctx)
        problem = limits.as_of_problem(day)
        if problem is not None:
            self.fail(problem, param, ctx)
        return day


def check_horizon(as_of: dt.date, within: int) -> None:
    """--within must not reach past the last day kam computes for (a usage error)."""
    problem = limits.as_of_problem(as_of, within)
    if problem is not None:
        raise click.UsageError(problem)


def as_of_option(f: Callable) -> Callable:
    """--as-of DATE (default today)."""
    return click.option(
        "--as-of",
        type=AsOfType(),
        default=None,
        help="Compute as of this date (YYYY-MM-DD); default today.",
    )(f)


def format_option(choices: Iterable[str], help: str) -> Callable:
    """--format, shared by every command that prints results; the first choice is the default."""
    choices = list(choices)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help=help,
    )


def within_option(help: str) -> Callable:
    """--within DAYS (FORMAT §9: default 30)."""
    return click.option(
        "--within",
        type=click.IntRange(min=0),
        default=30,
        show_default=True,
        metavar="DAYS",
        help=help,
    )


def output_option(help: str) -> Callable:
    """-o/--output DIR of the commands that write a site (default ./site)."""
    return click.option(
        "-o", "--output", "out", metavar="DIR", default="site", show_default=True, help=help
    )


def lang_option(f: Callable) -> Callable:
    """--lang of the reports (default: the ledger's locale)."""
    return click.option(
        "--lang",
        type=click.Choice(LANGS),
        default=None,
        help="Report language. Default: 'locale' of ledger.yaml.",
    )(f)


def live_options(f: Callable) -> Callable:
    """Options shared by serve and watch."""
    f = click.option(
        "--poll",
        is_flag=True,
        help="Poll the files for changes instead of inotify (network drives, some containers).",
    )(f)
    f = within_option("The schedule lists items due at most this many days ahead.")(f)
    return as_of_option(lang_option(f))


def edit_option(f: Callable) -> Callable:
    """--edit of the kam new commands."""
    return click.option(
        "--edit", is_flag=True, help="Open the new file in $VISUAL or $EDITOR afterwards."
    )(f)
