"""The ``kam`` command: each subcommand parses its options and calls one function."""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ledger import __version__
from ledger.check.diagnostics import (
    count_errors,
    format_github,
    format_json,
    format_text,
    summary_line,
)
from ledger.derive.messages import LANGS
from ledger.derive.schedule import KINDS
from ledger.load.cache import NO_CACHE, Cache
from ledger.load.loader import load_ledger
from ledger.load.schema import load_schema
from ledger.load.walk import RootError, find_root
from ledger.pipeline import Checked, check, diagnose
from ledger.workflow.scaffold import (
    DEFAULT_HOOK_REPO,
    ScaffoldError,
    init_repository,
    new_account,
    new_complaint,
    new_visit,
)

# Commands import what they need when they run: 'kam validate' on a cached ledger starts in a
# fraction of the time it would take to import the report renderer (Jinja2, Babel, markdown).


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


def format_option(choices: list[str], help: str) -> Callable:
    """--format, shared by every command that prints results; the first choice is the default."""
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
    return click.option(
        "--lang",
        type=click.Choice(LANGS),
        default=None,
        help="Report language. Default: 'locale' of ledger.yaml.",
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


def _root(ctx: click.Context) -> Path:
    try:
        return find_root(ctx.obj["ledger_dir"], dict(os.environ), Path.cwd())
    except RootError as exc:
        raise click.UsageError(str(exc), ctx) from None


def _cache(ctx: click.Context, root: Path) -> Cache:
    return NO_CACHE if ctx.obj["no_cache"] else Cache.for_ledger(root, os.environ)


def _checked(ctx: click.Context, as_of: dt.date | None) -> tuple[Checked, dt.date]:
    day = as_of or dt.date.today()
    root = _root(ctx)
    return check(root, day, _cache(ctx, root), WORKERS), day


#: processes that parse a large ledger's files (and render a large site)
WORKERS = min(os.cpu_count() or 1, 4)


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
@format_option(
    ["text", "json", "github"],
    "text for people, json for programs, github for workflow annotations.",
)
@click.option("--strict", is_flag=True, help="Warnings count as errors for the exit code.")
@as_of_option
@click.pass_context
def validate(ctx: click.Context, as_of: dt.date | None, fmt: str, strict: bool) -> None:
    """Check every file of the ledger; exit 1 when there are errors."""
    root = _root(ctx)
    diagnostics, files = diagnose(root, as_of or dt.date.today(), _cache(ctx, root), WORKERS)
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


def _report_errors(checked: Checked) -> int:
    """For commands that compute from the ledger: say when it has errors; the exit code."""
    errors = len(checked.errors)
    if errors:
        click.echo(
            f"kam: the ledger has {errors} error{'s' if errors != 1 else ''}; the figures leave "
            "out what could not be read (run 'kam validate')",
            err=True,
        )
    return 1 if errors else 0


@main.command()
@format_option(
    ["table", "json", "csv"], "table for people, json or csv for programs and spreadsheets."
)
@pass_checked
def tiers(checked: Checked, as_of: dt.date, fmt: str) -> None:
    """The ABC table: rank, measure, share, cumulative share and tier of every account."""
    from ledger.derive.tiers import compute_tiers
    from ledger.render.exports import tiers_csv, tiers_json
    from ledger.render.textviews import tiers_view

    table = compute_tiers(checked.ledger, as_of)
    if fmt == "json":
        click.echo(tiers_json(table))
    elif fmt == "csv":
        click.echo(tiers_csv(table), nl=False)
    else:
        click.echo(tiers_view(table, checked.ledger.settings.currency))
    sys.exit(_report_errors(checked))


@main.command()
@within_option("List items due at most this many days ahead (overdue ones always).")
@format_option(
    ["table", "json", "csv", "ics"], "table for people; json, csv, or ics for calendars."
)
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
    from ledger.derive.schedule import due_items
    from ledger.derive.tiers import compute_tiers
    from ledger.render.exports import due_csv, due_ics, due_json
    from ledger.render.textviews import due_view

    ledger = checked.ledger
    items = [
        i
        for i in due_items(ledger, compute_tiers(ledger, as_of), as_of, within)
        if (not manager or i.manager in manager)
        and (not tier_filter or i.tier in tier_filter)
        and (not kind or i.kind in kind)
    ]
    if fmt == "json":
        click.echo(due_json(items, as_of, within))
    elif fmt == "csv":
        click.echo(due_csv(items), nl=False)
    elif fmt == "ics":
        click.echo(due_ics(items, as_of, ledger.settings.name), nl=False)
    else:
        columns = shutil.get_terminal_size((80, 24)).columns
        click.echo(due_view(items, as_of, within, use_color(sys.stdout), columns))
    sys.exit(_report_errors(checked))


@main.command()
@click.argument("account_id", metavar="ACCOUNT")
@within_option("Due items of the account up to this many days ahead.")
@pass_checked
def show(checked: Checked, as_of: dt.date, account_id: str, within: int) -> None:
    """One account: dossier, tier and why, revenue trend, visits, complaints, what is due."""
    from ledger.derive.schedule import due_items
    from ledger.derive.tiers import compute_tiers
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
    sys.exit(_report_errors(checked))


@main.command()
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
    from ledger.render.build import OutputError, build_site, check_output

    target = Path(out)
    try:
        check_output(target, Path(checked.ledger.root))
    except OutputError as exc:
        raise click.UsageError(str(exc)) from None
    lang = lang or checked.ledger.settings.locale
    try:
        built = build_site(checked, target, as_of, lang, within, WORKERS)
    except OSError as exc:
        raise click.UsageError(
            f"cannot write the site to {target}: {exc.strerror or exc} "
            "(choose another folder with -o)"
        ) from None
    diagnostics = checked.diagnostics
    click.echo(f"{built.out / 'index.html'}", err=False)
    click.echo(
        f"kam: wrote {built.files} files to {built.out} ({lang}, as of {as_of}); "
        + summary_line(diagnostics, checked.ledger.files),
        err=True,
    )
    sys.exit(1 if count_errors(diagnostics, strict) else 0)


def live_options(f: Callable) -> Callable:
    """Options shared by serve and watch."""
    f = click.option(
        "--poll",
        is_flag=True,
        help="Poll the files for changes instead of inotify (network drives, some containers).",
    )(f)
    f = within_option("The schedule lists items due at most this many days ahead.")(f)
    return as_of_option(lang_option(f))


def _live_site(ctx: click.Context, as_of: dt.date | None, lang: str | None, within: int) -> Any:
    from ledger.live.ledger import LiveLedger, LiveSite
    from ledger.workflow.gitrev import account_history

    root = _root(ctx)
    live = LiveLedger(root, _cache(ctx, root), WORKERS)
    return LiveSite(live, lang, within, lambda: as_of or dt.date.today(), account_history(root))


def _rebuilder(site: Any, after: Callable[[], str]) -> Callable[[set[str]], None]:
    """What runs after each burst of file events: rebuild, report, never stop the loop."""

    def rebuild(paths: set[str]) -> None:
        started = time.perf_counter()
        try:
            site.rebuild(paths)
            extra = after()
        except Exception as exc:
            click.echo(f"kam: rebuild failed ({exc!r}); still showing the last version", err=True)
            return
        ms = (time.perf_counter() - started) * 1000
        checked = site.site.checked
        shown = ", ".join(sorted(paths)[:3]) + (" …" if len(paths) > 3 else "")
        click.echo(
            f"kam: rebuilt in {ms:.0f} ms after {shown or 'a change'}{extra}; "
            + summary_line(checked.diagnostics, checked.ledger.files),
            err=True,
        )

    return rebuild


def _run_until_interrupted(observer: Any, server: Any = None) -> None:
    try:
        if server is not None:
            server.serve_forever()
        else:
            while observer.is_alive():
                observer.join(1)
    except KeyboardInterrupt:
        click.echo("kam: stopped", err=True)
    finally:
        observer.stop()
        if server is not None:
            server.server_close()


@main.command()
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
    from ledger.live.server import Server
    from ledger.live.watcher import watch

    site = _live_site(ctx, as_of, lang, within)
    try:
        server = Server(host, port, site)
    except OSError as exc:
        raise click.UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} (choose another --port)"
        ) from None
    observer = watch(site.live.root, _rebuilder(site, lambda: ""), poll)
    bound_host, bound_port = server.server_address[:2]
    shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
    checked = site.site.checked
    click.echo(
        f"kam: serving {site.live.root} at http://{shown}:{bound_port}/ (Ctrl+C to stop); "
        + summary_line(checked.diagnostics, checked.ledger.files),
        err=True,
    )
    _run_until_interrupted(observer, server)


@main.command()
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
    from ledger.live.loop import write_changes
    from ledger.live.watcher import watch as start_watching
    from ledger.render.build import OutputError, check_output, replacing

    target = Path(out)
    try:
        check_output(target, _root(ctx))
    except OutputError as exc:
        raise click.UsageError(str(exc)) from None
    site = _live_site(ctx, as_of, lang, within)
    written: dict[str, bytes] = {}
    try:
        with replacing(target) as tmp:
            count = write_changes(site, tmp, written)
    except OSError as exc:
        raise click.UsageError(
            f"cannot write the site to {target}: {exc.strerror or exc}"
        ) from None
    target = target.resolve()

    def after() -> str:
        return f", {write_changes(site, target, written)} files written"

    observer = start_watching(site.live.root, _rebuilder(site, after), poll)
    checked = site.site.checked
    click.echo(
        f"kam: wrote {count} files to {target}; watching {site.live.root} (Ctrl+C to stop); "
        + summary_line(checked.diagnostics, checked.ledger.files),
        err=True,
    )
    _run_until_interrupted(observer)


@main.command()
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
    try:
        written = init_repository(directory, name, locale, dt.date.today(), hook_repo)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    for path in written:
        click.echo(path)
    click.echo(
        f"kam: a new ledger in {directory} ({len(written)} files, git initialised); "
        f"next: cd {directory} && kam validate",
        err=True,
    )


@main.command()
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
    try:
        count = write_demo(directory, accounts, seed, until or dt.date.today())
    except OSError as exc:
        raise click.UsageError(f"cannot write to {directory}: {exc.strerror or exc}") from None
    click.echo(
        f"kam: wrote {count} files ({accounts} accounts) to {directory}; "
        f"try: kam --ledger {directory} build",
        err=True,
    )


@main.group()
def new() -> None:
    """Create a dossier, visit or complaint file from a template, pre-filled; never overwrites."""


def _enum(kind: str, field: str) -> list[str]:
    """The values a schema allows for a field: the schema is the single source of truth."""
    return list(load_schema(kind)["properties"][field]["enum"])


def edit_option(f: Callable) -> Callable:
    return click.option(
        "--edit", is_flag=True, help="Open the new file in $VISUAL or $EDITOR afterwards."
    )(f)


def _created(root: Path, path: Path, edit: bool) -> None:
    """Print the new file; open it when asked; name what is left to fill in."""
    if edit:
        click.edit(filename=str(path))
    click.echo(path)
    rel = path.relative_to(root).as_posix()
    left = [d for d in check(root, dt.date.today()).diagnostics if d.file == rel]
    if left:
        click.echo(f"kam: wrote {rel}; left to fill in:", err=True)
        for d in left:
            click.echo("  " + format_text(d).splitlines()[0], err=True)
    else:
        click.echo(f"kam: wrote {rel}; it validates", err=True)


def _scaffold(action: Callable[[], Path], root: Path, edit: bool) -> None:
    try:
        path = action()
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    _created(root, path, edit)


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
    root = _root(ctx)
    _scaffold(lambda: new_account(root, account_id, fields, dt.date.today()), root, edit)


def _ledger_for(ctx: click.Context) -> tuple[Path, Any]:
    root = _root(ctx)
    return root, check(root, dt.date.today()).ledger


@new.command("visit")
@click.argument("account_id", metavar="ACCOUNT")
@click.option("--date", "day", type=DateType(), help="Date of the visit (default today).")
@click.option("--slug", help="Name part after the date: visits/DATE-SLUG.yaml.")
@click.option(
    "--mode",
    type=click.Choice(["onsite", "phone", "email", "video", "message"]),
    help="How (default onsite).",
)
@click.option(
    "--kind",
    type=click.Choice(
        [
            "periodic",
            "post_transaction",
            "holiday",
            "birthday",
            "complaint_follow_up",
            "onboarding",
            "other",
        ]
    ),
    help="Why (default periodic).",
)
@click.option(
    "--status",
    type=click.Choice(["done", "planned", "cancelled"]),
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
    root, ledger = _ledger_for(ctx)
    today = dt.date.today()
    _scaffold(
        lambda: new_visit(root, ledger, account_id, day or today, slug, fields, today), root, edit
    )


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
    root, ledger = _ledger_for(ctx)
    _scaffold(
        lambda: new_complaint(root, ledger, account_id, day or dt.date.today(), slug, fields),
        root,
        edit,
    )


@main.command()
@click.argument("rev_a", metavar="[REV_A", required=False, default="HEAD")
@click.argument("rev_b", metavar="[REV_B]]", required=False)
@as_of_option
@format_option(
    ["text", "markdown", "json"], "text for people, markdown for a pull request, json for programs."
)
@click.pass_context
def diff(
    ctx: click.Context, rev_a: str, rev_b: str | None, as_of: dt.date | None, fmt: str
) -> None:
    """What changed per account between two git revisions (default: HEAD and the working tree),
    with the tier and due-date changes it causes as of one date."""
    from ledger.derive.diff import diff_json, diff_ledgers, diff_markdown, diff_text
    from ledger.workflow.gitrev import GitError, ledger_at

    root = _root(ctx)
    day = as_of or dt.date.today()
    with tempfile.TemporaryDirectory(prefix="kam-diff-") as tmp:
        try:
            root_a = ledger_at(root, rev_a, Path(tmp) / "a")
            root_b = root if rev_b is None else ledger_at(root, rev_b, Path(tmp) / "b")
        except GitError as exc:
            raise click.UsageError(str(exc)) from None
        ledger_a, _ = load_ledger(root_a)
        ledger_b, _ = load_ledger(root_b)
    result = diff_ledgers(ledger_a, ledger_b, day, rev_a, rev_b or "working tree")
    if fmt == "json":
        click.echo(diff_json(result))
    elif fmt == "markdown":
        click.echo(diff_markdown(result), nl=False)
    else:
        click.echo(diff_text(result))
