"""The site of a live ledger (``kam serve`` and ``kam watch``): pages rendered on request.

:class:`LiveSite` renders a page when it is asked for, and keeps an account page from one
version to the next while nothing it shows has changed. Its pages are those of the static
build (``ledger.render.pages``), computed with the live ledger's memo.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ledger.model import Account
from ledger.render.site import MARKER, Site, render_file, site_paths

if TYPE_CHECKING:
    from ledger.live.ledger import LiveLedger


class LiveSite:
    """The site of a live ledger, rendered page by page on request and kept per version.

    ``version`` grows with every rebuild; ``wait(version)`` blocks until a newer one exists (the
    open browser tabs long-poll it to reload)."""

    def __init__(
        self,
        live: LiveLedger,
        lang: str | None,
        within: int,
        as_of: Callable[[], dt.date],
        history: dict[str, list[Any]] | None = None,
    ) -> None:
        self.live = live
        self._lang = lang
        self._within = within
        self._as_of = as_of
        self._history = history or {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.version = 0
        self.site: Site = self._site()
        self._pages: dict[str, bytes] = {}
        self._paths = set(site_paths(self.site))

    def _site(self) -> Site:
        checked = self.live.checked(self._as_of())
        lang = self._lang or checked.ledger.settings.locale
        return Site(checked, self._as_of(), lang, self._within, self._history, self.live.memo)

    def rebuild(self, changed: Iterable[str] | None) -> None:
        """Take in changed files; pages are rendered again when next asked for, except the
        account pages whose content cannot have changed."""
        self.live.refresh(changed)
        new = self._site()
        with self._lock:
            old, pages = self.site, self._pages
            kept = {p: b for p, b in pages.items() if p.startswith("assets/") or p == MARKER}
            if (new.lang, new.as_of, new.within) == (old.lang, old.as_of, old.within):
                for path, account in new.account_paths.items():
                    if path in pages and _same_page(old, new, path, account):
                        kept[path] = pages[path]
            self.site, self._pages = new, kept
            self._paths = set(site_paths(new))
            self.version += 1
            self._changed.notify_all()

    def page(self, path: str) -> bytes | None:
        """The file at ``path`` of the current version, or None when the site has none."""
        return self.versioned_page(path)[0]

    def versioned_page(self, path: str) -> tuple[bytes | None, int]:
        """The file at ``path`` (or None) and the version it belongs to."""
        with self._lock:
            site, pages, paths, version = self.site, self._pages, self._paths, self.version
        if path not in paths:
            return None, version
        data = pages.get(path)
        if data is None:
            data = render_file(site, path)
            with self._lock:
                if self.site is site:
                    pages[path] = data
        return data, version

    def wait(self, version: int, timeout: float) -> int:
        """The current version, once it is newer than ``version`` or ``timeout`` has passed."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != version, timeout)
            return self.version

    def paths(self) -> list[str]:
        with self._lock:
            return site_paths(self.site)


def _same_page(old: Site, new: Site, path: str, account: Account) -> bool:
    """True when the account page at ``path`` shows nothing that changed between versions."""
    before = old.account_paths.get(path)
    if before is not account or old.ledger.settings is not new.ledger.settings:
        return False
    aid = account.id
    return (
        _problem_counts(old) == _problem_counts(new)  # shown in every page's navigation
        and old.rows.get(aid) == new.rows.get(aid)
        and old.by_account("items", aid) == new.by_account("items", aid)
        and old.by_account("problems", aid) == new.by_account("problems", aid)
        and old.table.window == new.table.window
    )


def _problem_counts(site: Site) -> tuple[int, int]:
    return len(site.checked.errors), len(site.checked.warnings)
