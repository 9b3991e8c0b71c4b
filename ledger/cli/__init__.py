"""The ``kam`` command: each subcommand parses its options and calls one function.

One module per command group: ``reading`` (validate, tiers, due, show), ``site`` (build, serve,
watch), ``writing`` (init, demo, new …), ``history`` (diff); ``options`` holds the shared
options and ``context`` what every command gets from the group, including the one place where
domain errors become usage errors. Commands import what they need when they run: 'kam validate'
on a cached ledger starts in a fraction of the time it would take to import the report
renderer (Jinja2, Babel, markdown).
"""

from __future__ import annotations

import click

from ledger import __version__
from ledger.cli import history, reading, site, writing
from ledger.cli.context import KamGroup, use_color

__all__ = ["main", "use_color"]


@click.group(cls=KamGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--ledger",
    "ledger_dir",
    metavar="DIR",
    default=None,
    help="Ledger folder. Default: $KAM_LEDGER, else ./accounts, else the current folder.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Read every file again; do not use or update the cache of parsed files.",
)
@click.version_option(__version__, prog_name="kam")
@click.pass_context
def main(ctx: click.Context, ledger_dir: str | None, no_cache: bool) -> None:
    """kam: a plain-text key-account ledger (大客户台账).

    Dossiers, visits and complaints are YAML files in a folder; kam validates them, computes
    tiers and revisit dates and renders reports.
    """
    ctx.obj = {"ledger_dir": ledger_dir, "no_cache": no_cache}


def _register(group: click.Group) -> None:
    """Every command of every command module, into the group."""
    for module in (reading, site, writing, history):
        for command in module.COMMANDS:
            group.add_command(command)


_register(main)
