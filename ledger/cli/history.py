"""``kam diff``: what changed between two git revisions of the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from ledger.check.diagnostics import Diagnostic, format_text, summary_line
from ledger.cli.context import KamCommand, emit, ledger_root, say
from ledger.cli.options import as_of_option, format_option
from ledger.printable import printable

if TYPE_CHECKING:
    from ledger.derive.diff import LedgerDiff


def _diff_text(result: LedgerDiff) -> str:
    from ledger.derive.diff import diff_text

    return diff_text(result) + "\n"


def _diff_markdown(result: LedgerDiff) -> str:
    from ledger.derive.diff import diff_markdown

    return diff_markdown(result)


def _diff_json(result: LedgerDiff) -> str:
    from ledger.derive.diff import diff_json

    return diff_json(result) + "\n"


def diff_formats() -> dict[str, Callable[[LedgerDiff], str]]:
    """``kam diff --format``: name -> (the diff) -> what to print."""
    return {"text": _diff_text, "markdown": _diff_markdown, "json": _diff_json}


@click.command(cls=KamCommand)
@click.argument("rev_a", metavar="[REV_A", required=False, default="HEAD")
@click.argument("rev_b", metavar="[REV_B]]", required=False)
@as_of_option
@format_option(diff_formats(), "text for people, markdown for a pull request, json for programs.")
@click.pass_context
def diff(
    ctx: click.Context, rev_a: str, rev_b: str | None, as_of: dt.date | None, fmt: str
) -> None:
    """What changed per account between two git revisions (default: HEAD and the working tree),
    with the tier and due-date changes it causes as of one date."""
    from ledger.workflow.revisions import diff_revisions

    result = diff_revisions(ledger_root(ctx), rev_a, rev_b, as_of or dt.date.today())
    emit(diff_formats()[fmt](result.diff), data=fmt != "text")
    for rev, problems in result.problems.items():
        _say_problems(rev, problems)


def _say_problems(rev: str, problems: list[Diagnostic]) -> None:
    """The problems of one side on stderr, as ``kam validate`` lines after the revision name:
    what does not load there is left out of the diff, and the user should know."""
    if not problems:
        return
    for d in problems:
        say(f"{printable(rev)}: {format_text(d).splitlines()[0]}")
    say(
        f"kam: {summary_line(problems, len({d.file for d in problems}))} at {printable(rev)}; "
        "what does not load there is left out of the diff"
    )


#: the commands of this module, for the group to register
COMMANDS = (diff,)
