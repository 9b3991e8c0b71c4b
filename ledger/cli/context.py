"""What every command gets from the ``kam`` group: the ledger folder, the parse cache, the checked
ledger; and the edge where domain errors (``ledger.errors.KamError``) become usage errors."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from ledger.cli.options import as_of_option, check_horizon
from ledger.errors import KamError
from ledger.load.cache import NO_CACHE, Cache
from ledger.load.walk import find_root
from ledger.pipeline import Checked, check
from ledger.printable import printable

#: processes that parse a large ledger's files (and render a large site)
WORKERS = min(os.cpu_count() or 1, 4)


class _DomainErrors:
    """The one place a ``KamError`` becomes a usage error: exit 2, ``Error:`` and its message
    after the command's usage line, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except KamError as exc:
            raise click.UsageError(str(exc), ctx) from None


class KamCommand(_DomainErrors, click.Command):
    """A kam command: its domain errors are usage errors."""


class KamGroup(_DomainErrors, click.Group):
    """A group of kam commands; its commands and sub-groups are kam ones too."""

    command_class = KamCommand
    group_class = type  # sub-groups of the same class


def say(line: str) -> None:
    """One line for the user on stderr (progress and summaries; results go to stdout)."""
    click.echo(line, err=True)


def emit(text: str, data: bool, err: bool = False) -> None:
    """Print a result without a newline of its own. Data (JSON, CSV, ICS, annotations) is
    written as it is to a pipe or a file (click would strip what looks like an ANSI code from
    it) and with control characters escaped on a terminal (``ledger.printable``); terminal
    views escape the user's text themselves and keep their colours."""
    stream = sys.stderr if err else sys.stdout
    if data and getattr(stream, "isatty", lambda: False)():
        text = printable(text)
    click.echo(text, nl=False, err=err, color=True if data else None)


def use_color(stream: Any) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def ledger_root(ctx: click.Context) -> Path:
    """The ledger folder (--ledger, $KAM_LEDGER, ./accounts or the current folder)."""
    return find_root(ctx.obj["ledger_dir"], dict(os.environ), Path.cwd())


def cache_for(ctx: click.Context, root: Path) -> Cache:
    """The parse cache of the ledger at ``root``, or none with --no-cache."""
    return NO_CACHE if ctx.obj["no_cache"] else Cache.for_ledger(root, os.environ)


def pass_checked(f: Callable) -> Callable:
    """Load and check the ledger for a command; passes ``checked`` and ``as_of``."""

    @as_of_option
    @click.pass_context
    @functools.wraps(f)
    def wrapper(ctx: click.Context, as_of: dt.date | None, **kw: Any) -> Any:
        day = as_of or dt.date.today()
        check_horizon(day, kw.get("within", 0))
        root = ledger_root(ctx)
        return f(checked=check(root, day, cache_for(ctx, root), WORKERS), as_of=day, **kw)

    return wrapper


def report_errors(checked: Checked) -> int:
    """For commands that compute from the ledger: say when it has errors; the exit code."""
    errors = len(checked.errors)
    if errors:
        say(
            f"kam: the ledger has {errors} error{'s' if errors != 1 else ''}; the figures leave "
            "out what could not be read (run 'kam validate')"
        )
    return 1 if errors else 0


@contextlib.contextmanager
def os_errors(what: str, hint: str = "") -> Iterator[None]:
    """An ``OSError`` inside becomes the usage error 'cannot WHAT: REASON (HINT)'."""
    try:
        yield
    except OSError as exc:
        why = f"cannot {what}: {exc.strerror or exc}" + (f" ({hint})" if hint else "")
        raise click.UsageError(why) from None
