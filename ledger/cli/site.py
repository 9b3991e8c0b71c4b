"""The commands that write or serve the reports: build, serve, watch."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ledger.check.diagnostics import count_errors, summary_line
from ledger.cli.context import (
    WORKERS,
    KamCommand,
    cache_for,
    ledger_root,
    os_errors,
    pass_checked,
    say,
)
from ledger.cli.options import (
    check_horizon,
    lang_option,
    live_options,
    output_option,
    within_option,
)
from ledger.pipeline import Checked


@click.command(cls=KamCommand)
@output_option(
    "Folder to write the site to (replaced as a whole; kam only replaces its own sites)."
)
@lang_option
@within_option("The schedule lists items due at most this many days ahead (overdue ones always).")
@click.option("--strict", is_flag=True, help="Warnings count as errors for the exit code.")
@pass_checked
def build(
    checked: Checked, as_of: dt.date, out: str, lang: str | None, within: int, strict: bool
) -> None:
    """Write the static HTML site (pages, charts, CSV/ICS/JSON exports) for managers."""
    from ledger.render.build import build_site, check_output

    target = Path(out)
    check_output(target, Path(checked.ledger.root))
    lang = lang or checked.ledger.settings.locale
    with os_errors(f"write the site to {target}", "choose another folder with -o"):
        built = build_site(checked, target, as_of, lang, within, WORKERS)
    click.echo(f"{built.out / 'index.html'}")
    say(
        f"kam: wrote {built.files} files to {built.out} ({lang}, as of {as_of}); "
        + summary_line(checked.diagnostics, checked.ledger.files)
    )
    sys.exit(1 if count_errors(checked.diagnostics, strict) else 0)


@click.command(cls=KamCommand)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on; 0 picks a free one.",
)
@live_options
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    as_of: dt.date | None,
    lang: str | None,
    within: int,
    poll: bool,
) -> None:
    """Serve the reports on this machine and rebuild them as files change; open pages reload
    themselves. A broken edit shows on the problems page until it is fixed."""
    from ledger.live.loop import keep_serving, open_site
    from ledger.live.server import Server

    root = ledger_root(ctx)
    check_horizon(as_of or dt.date.today(), within)
    site = open_site(root, cache_for(ctx, root), WORKERS, lang, within, as_of)
    with os_errors(f"listen on {host}:{port}", "choose another --port"):
        server = Server(host, port, site)
    keep_serving(site, server, poll, say)


@click.command(cls=KamCommand)
@output_option("Folder to keep the site in (kam only replaces its own sites).")
@live_options
@click.pass_context
def watch(
    ctx: click.Context,
    out: str,
    as_of: dt.date | None,
    lang: str | None,
    within: int,
    poll: bool,
) -> None:
    """Build the site into a folder, then rewrite the files that change as the ledger changes."""
    from ledger.live.loop import keep_writing, open_site, write_first
    from ledger.render.build import check_output

    target = Path(out)
    root = ledger_root(ctx)
    check_output(target, root)
    check_horizon(as_of or dt.date.today(), within)
    site = open_site(root, cache_for(ctx, root), WORKERS, lang, within, as_of)
    with os_errors(f"write the site to {target}"):
        count, written = write_first(site, target)
    keep_writing(site, target.resolve(), count, written, poll, say)


#: the commands of this module, for the group to register
COMMANDS = (build, serve, watch)
