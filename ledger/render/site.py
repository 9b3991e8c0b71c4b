"""render: the static site as (path, bytes) pairs, a pure function of a checked ledger.

One Jinja2 environment per language (``make_env``: autoescape, gettext, filters); the pages
and the figures each one needs are listed in ``ledger.render.pages``, the exports here. Writing
the files is ``ledger.render.build``'s job, so the same pages can be diffed, cached or served.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import jinja2

from ledger import __version__
from ledger.check.diagnostics import format_json
from ledger.derive.schedule import DueItem, due_items
from ledger.derive.tiers import TierTable, compute_tiers
from ledger.kinds import dated_kinds
from ledger.load.schema import data_dir
from ledger.load.walk import SETTINGS_NAMES
from ledger.memo import Memo
from ledger.model import Account
from ledger.pipeline import Checked
from ledger.render.exports import due_csv, due_ics, due_json, tiers_csv
from ledger.render.i18n import Formatter, translations
from ledger.render.markup import isolate_bidi, markdown
from ledger.render.pages import Page, account_href, pages

ASSETS = ("kam.css", "kam.js")
MARKER = ".kam-site"  # marks a folder kam may replace (see ledger.render.build)


@functools.cache
def make_env(lang: str) -> jinja2.Environment:
    """The Jinja2 environment of one report language: autoescape, gettext, strict undefined.
    One per language and process, so templates are compiled once (``kam serve`` builds a new
    ``Site`` for every version)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_dir("templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
        finalize=isolate_bidi,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["markdown"] = markdown
    env.filters["account_href"] = account_href
    return env


@dataclass(frozen=True)
class LeftOut:
    """Accounts and files the figures leave out, because nothing of them could be used."""

    accounts: tuple[str, ...] = ()
    files: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.accounts or self.files)


@dataclass(frozen=True)
class Site:
    """Everything the pages are computed from: one checked ledger, a date and a language.

    Its ``memo`` remembers figures while it computes (``ledger.memo``): its own by default, or
    the one of a live ledger, which lives on from one version to the next."""

    checked: Checked
    as_of: dt.date
    lang: str
    within: int = 30
    #: recent commits per account id (``ledger.workflow.gitrev.account_history``); empty outside git
    history: dict[str, list[Any]] = field(default_factory=dict, compare=False)
    memo: Memo = field(default_factory=Memo, repr=False, compare=False)
    env: jinja2.Environment = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "env", make_env(self.lang))

    @property
    def ledger(self):
        return self.checked.ledger

    @cached_property
    def fmt(self) -> Formatter:
        return Formatter(self.lang, self.ledger.settings.currency)

    @cached_property
    def table(self) -> TierTable:
        with self.memo.active():
            return compute_tiers(self.ledger, self.as_of)

    @cached_property
    def items(self) -> list[DueItem]:
        """Due items up to ``within`` days ahead, overdue included (as ``kam due``)."""
        with self.memo.active():
            return due_items(self.ledger, self.table, self.as_of, self.within)

    @cached_property
    def tiers(self) -> dict[str, str | None]:
        return self.table.tier_by_account()

    @cached_property
    def rows(self) -> dict[str, Any]:
        return {r.account: r for r in self.table.rows}

    @cached_property
    def _grouped(self) -> dict[str, dict[str, list[Any]]]:
        """Due items and diagnostics per account, grouped once (not one scan per page)."""
        groups: dict[str, dict[str, list[Any]]] = {"items": {}, "problems": {}}
        for item in self.items:
            groups["items"].setdefault(item.account, []).append(item)
        for d in self.checked.diagnostics:
            groups["problems"].setdefault(d.file.split("/", 1)[0], []).append(d)
        return groups

    @cached_property
    def flagged(self) -> dict[str, int]:
        """Errors in the files of each account, by account id: wherever an account is listed,
        a flag links to its problems."""
        out: dict[str, int] = {}
        for d in self.checked.errors:
            if "/" in d.file:
                account = d.file.split("/", 1)[0]
                out[account] = out.get(account, 0) + 1
        return out

    @cached_property
    def left_out(self) -> LeftOut:
        """What the figures leave out: accounts whose dossier could not be used at all, and
        files of the other accounts that could not be read (every page's header says so)."""
        built = {a.id: a for a in self.ledger.accounts}
        read = {a.file for a in built.values()}
        read |= {r.file for a in built.values() for k in dated_kinds() for r in getattr(a, k.attr)}
        accounts, files = set(), set()
        for d in self.checked.errors:
            top = d.file.split("/", 1)[0]
            if top not in built and d.file not in SETTINGS_NAMES:
                accounts.add(top)
            elif "/" in d.file and top in built and d.file not in read:
                files.add(d.file)
        return LeftOut(tuple(sorted(accounts)), tuple(sorted(files)))

    def by_account(self, what: str, account_id: str) -> list[Any]:
        return self._grouped[what].get(account_id, [])

    @cached_property
    def page_paths(self) -> dict[str, tuple[Page, Account | None]]:
        """Site path of every page -> its kind and its account (None but for account pages),
        in the order of the registry (``ledger.render.pages``), accounts in ledger order."""
        out: dict[str, tuple[Page, Account | None]] = {}
        for kind in pages():
            if kind.per_account:
                out.update((kind.path_for(a), (kind, a)) for a in self.ledger.accounts)
            else:
                out[kind.path_for()] = (kind, None)
        return out

    @cached_property
    def nav(self) -> tuple[Page, ...]:
        """The pages the navigation links to, in its order."""
        return tuple(kind for kind in pages() if kind.nav)

    @cached_property
    def account_paths(self) -> dict[str, Account]:
        """Site path of each account page -> the account, in ledger order."""
        return {path: a for path, (_kind, a) in self.page_paths.items() if a is not None}

    def prepare(self) -> None:
        """Compute the figures every page shares (before forking workers that render pages)."""
        shared = ("fmt", "table", "items", "tiers", "rows", "_grouped", "page_paths", "nav")
        shared += ("flagged", "left_out")
        for name in (*shared, "account_paths"):
            getattr(self, name)


def site_size(site: Site) -> int:
    """How many files ``render_site`` yields (for a progress bar)."""
    return len(site_paths(site))


def site_paths(site: Site) -> list[str]:
    """Every file of the site, in a fixed order: assets, exports, pages, marker."""
    return [
        *(f"assets/{name}" for name in ASSETS),
        *(path for path, _text in exports()),
        *site.page_paths,
        MARKER,
    ]


def render_file(site: Site, path: str) -> bytes:
    """One file of the site by its path (``KeyError`` when the site has no such file)."""
    if path.startswith("assets/") and path[len("assets/") :] in ASSETS:
        return (data_dir("templates") / "assets" / path[len("assets/") :]).read_bytes()
    with site.memo.active():
        found = site.page_paths.get(path)
        if found is not None:
            return render_page(site, *found)
        for export, text in exports():
            if path == export:
                return text(site).encode("utf-8")
    if path == MARKER:
        return b"Built by kam; this folder is replaced by every 'kam build'.\n"
    raise KeyError(path)


def render_site(site: Site) -> Iterator[tuple[str, bytes]]:
    """Every file of the site as (path, bytes), in ``site_paths`` order (``ledger.render.build``
    renders a large site in several processes, with the same bytes)."""
    for path in site_paths(site):
        yield path, render_file(site, path)


def render_page(site: Site, kind: Page, account: Account | None = None) -> bytes:
    """One page of the site: its template with its figures (of one account, for account pages)."""
    figures = kind.figures(site) if account is None else kind.figures(site, account)
    html = site.env.get_template(kind.template).render(
        site=site,
        fmt=site.fmt,
        page=kind.name,
        root=kind.root,
        nav=site.nav,
        version=__version__,
        **figures,
    )
    return html.encode("utf-8")


def exports() -> tuple[tuple[str, Callable[[Site], str]], ...]:
    """The exports: path -> its text (the same figures as ``kam tiers`` / ``kam due``, and the
    ledger), in site order."""
    return (
        ("tiers.csv", lambda site: tiers_csv(site.table)),
        ("due.csv", lambda site: due_csv(site.items)),
        ("due.ics", lambda site: due_ics(site.items, site.as_of, site.ledger.settings.name)),
        ("ledger.json", ledger_json),
    )


def ledger_json(site: Site) -> str:
    """Settings, accounts with their visits and complaints, tiers, due items and problems."""
    diagnostics = json.loads(format_json(site.checked.diagnostics, site.ledger.files))
    doc = {
        "kam": __version__,
        "as_of": site.as_of.isoformat(),
        "name": site.ledger.settings.name,
        "currency": site.ledger.settings.currency,
        "tiers": site.table.as_json(),
        "due": json.loads(due_json(site.items, site.as_of, site.within)),
        "validate": {"errors": diagnostics["errors"], "warnings": diagnostics["warnings"]},
        "accounts": [_plain(a) for a in site.ledger.accounts],
    }
    # One line: without indent, json uses its C encoder (4× faster on a large ledger).
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def _plain(value: Any) -> Any:
    """The model as JSON values: dataclasses as objects (``dataclasses.asdict`` without its deep
    copies), dates as ISO text, sets sorted, fractions as floats."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (frozenset, set)):
        return sorted(value)
    if isinstance(value, Fraction):
        return float(value)
    if is_dataclass(value):
        plain = {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
        more = getattr(value, "more", None)
        if more:  # schema properties without a typed field: keys of their own, as written
            plain.update(_plain(more))
        return plain
    raise TypeError(f"not JSON: {type(value).__name__}")


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name not in ("more", "origin"))
