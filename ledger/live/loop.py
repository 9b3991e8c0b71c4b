"""The loops of ``kam serve`` and ``kam watch``: after each burst of file events, rebuild the live
site from freshly read files, report how it went, and keep going (a failed rebuild keeps the
last version) until Ctrl+C. ``kam serve`` answers HTTP from the site in memory; ``kam watch``
writes the changed files of each version into a folder.

Every line for the user goes through ``say`` (the CLI passes ``click.echo`` to stderr), so the
loop runs in a test without a terminal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.check.diagnostics import summary_line
from ledger.live.ledger import LiveLedger
from ledger.live.server import Server
from ledger.live.site import LiveSite
from ledger.live.watcher import watch
from ledger.load.cache import Cache
from ledger.render.build import replacing, write_file
from ledger.workflow.gitrev import account_history

Say = Callable[[str], None]


def open_site(
    root: Path, cache: Cache, workers: int, lang: str | None, within: int, as_of: dt.date | None
) -> LiveSite:
    """The live site of the ledger at ``root``, loaded once, with its accounts' git history;
    without ``as_of`` its figures follow the calendar (today at each rebuild)."""
    live = LiveLedger(root, cache, workers)
    return LiveSite(live, lang, within, lambda: as_of or dt.date.today(), account_history(root))


def status(site: LiveSite) -> str:
    """The summary line of the site's current version: problems and files."""
    checked = site.site.checked
    return summary_line(checked.diagnostics, checked.ledger.files)


def rebuilder(site: LiveSite, after: Callable[[], str], say: Say) -> Callable[[set[str]], None]:
    """What runs after each burst of file events: rebuild, run ``after`` (its text ends the
    report line), report; never stop the loop."""

    def rebuild(paths: set[str]) -> None:
        started = time.perf_counter()
        try:
            site.rebuild(paths)
            extra = after()
        except Exception as exc:
            say(f"kam: rebuild failed ({exc!r}); still showing the last version")
            return
        ms = (time.perf_counter() - started) * 1000
        shown = ", ".join(sorted(paths)[:3]) + (" …" if len(paths) > 3 else "")
        say(f"kam: rebuilt in {ms:.0f} ms after {shown or 'a change'}{extra}; " + status(site))

    return rebuild


def run_until_interrupted(observer: Any, say: Say, server: Server | None = None) -> None:
    """Serve (or just wait for the observer) until Ctrl+C; then stop the observer and close
    the server."""
    try:
        if server is not None:
            server.serve_forever()
        else:
            while observer.is_alive():
                observer.join(1)
    except KeyboardInterrupt:
        say("kam: stopped")
    finally:
        observer.stop()
        if server is not None:
            server.server_close()


def keep_serving(site: LiveSite, server: Server, poll: bool, say: Say) -> None:
    """``kam serve`` once the server is bound: watch the ledger, answer HTTP, until Ctrl+C."""
    observer = watch(site.live.root, rebuilder(site, lambda: "", say), poll)
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in str(host) else host
    say(
        f"kam: serving {site.live.root} at http://{shown}:{port}/ (Ctrl+C to stop); " + status(site)
    )
    run_until_interrupted(observer, say, server)


def write_first(site: LiveSite, target: Path) -> tuple[int, dict[str, bytes]]:
    """The site's current version into ``target``, replaced as a whole: the number of files
    written and what is on disk (path -> digest), for ``keep_writing``."""
    written: dict[str, bytes] = {}
    with replacing(target) as tmp:
        count = write_changes(site, tmp, written)
    return count, written


def keep_writing(
    site: LiveSite, target: Path, count: int, written: dict[str, bytes], poll: bool, say: Say
) -> None:
    """``kam watch`` once the first version is in ``target`` (``count`` files, ``written``):
    rewrite the files that change with each version, until Ctrl+C."""

    def after() -> str:
        return f", {write_changes(site, target, written)} files written"

    observer = watch(site.live.root, rebuilder(site, after, say), poll)
    say(
        f"kam: wrote {count} files to {target}; watching {site.live.root} (Ctrl+C to stop); "
        + status(site)
    )
    run_until_interrupted(observer, say)


def write_changes(site: LiveSite, out: Path, written: dict[str, bytes]) -> int:
    """Write the files of the site's current version that changed since ``written`` (path ->
    digest of what is on disk) into ``out``, each through a temporary file and a rename; remove
    the files that are gone. The number of files written."""
    count = 0
    paths = site.paths()
    for path in paths:
        data = site.page(path)
        if data is None:
            continue
        digest = hashlib.blake2b(data, digest_size=16).digest()
        if written.get(path) == digest:
            continue
        write_file(out, f"{path}.kam-tmp", data)
        (out / f"{path}.kam-tmp").replace(out / path)
        written[path] = digest
        count += 1
    for gone in set(written) - set(paths):
        with contextlib.suppress(FileNotFoundError):
            (out / gone).unlink()
        del written[gone]
    return count
