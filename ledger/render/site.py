"""render: the static site as (path, bytes) pairs, a pure function of a checked ledger.

One Jinja2 environment per language (``make_env``: autoescape, gettext, filters); one function
per page kind that gathers its figures from ``ledger.derive.figures`` and
``ledger.render.charts``. Writing the files is ``ledger.render.build``'s job, so the same pages
can be diffed, cached or served.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any
from urllib.parse import quote

import jinja2
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from ledger import __version__
from ledger.check.diagnostics import format_json
from ledger.derive import figures as report
from ledger.derive.schedule import DueItem, due_items, next_birthday
from ledger.derive.tiers import TierTable, compute_tiers, window_months
from ledger.load.schema import data_dir
from ledger.model import Account
from ledger.pipeline import Checked
from ledger.render import charts
from ledger.render.exports import due_csv, due_ics, due_json, tiers_csv
from ledger.render.i18n import LABELS, Formatter, translations

ASSETS = ("kam.css", "kam.js")
PAGES = ("index", "accounts", "schedule", "complaints", "managers", "problems")
MARKER = ".kam-site"  # marks a folder kam may replace (see ledger.render.build)

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
_TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr"}
_TAGS |= {"h4", "h5", "h6"}


def markdown(text: str | None) -> Markup:
    """User notes as HTML: CommonMark without raw HTML or images, then sanitised by nh3.

    Headings move down to h4–h6 so that notes never break the page's outline.
    """
    if not text:
        return Markup("")
    tokens = _MD.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 3, 6)}"
    html = _MD.renderer.render(tokens, _MD.options, {})
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


def account_href(account_id: str) -> str:
    """The account page, relative to the site root (ids may be Chinese: percent-encoded)."""
    return f"accounts/{quote(account_id, safe='')}.html"


_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def isolate_bidi(value: Any) -> Any:
    """Text holding bidirectional controls (a right-to-left override such as U+202E, used to
    disguise text) is wrapped in an isolate (U+2068 … U+2069), so whatever it overrides ends
    with it and never reverses the text around it. The text itself is kept as written."""
    if isinstance(value, str) and not value.isascii() and _BIDI_CONTROLS.search(value):
        if isinstance(value, Markup):
            return Markup("\u2068") + value + Markup("\u2069")
        return "\u2068" + value + "\u2069"
    return value


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
class Site:
    """Everything the pages are computed from: one checked ledger, a date and a language."""

    checked: Checked
    as_of: dt.date
    lang: str
    within: int = 30
    #: recent commits per account id (``ledger.workflow.gitrev.account_history``); empty outside git
    history: dict[str, list[Any]] = field(default_factory=dict, compare=False)
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
        return compute_tiers(self.ledger, self.as_of)

    @cached_property
    def items(self) -> list[DueItem]:
        """Due items up to ``within`` days ahead, overdue included (as ``kam due``)."""
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

    def by_account(self, what: str, account_id: str) -> list[Any]:
        return self._grouped[what].get(account_id, [])

    @cached_property
    def account_paths(self) -> dict[str, Account]:
        """Site path of each account page -> the account, in ledger order."""
        return {account_href(a.id): a for a in self.ledger.accounts}

    def prepare(self) -> None:
        """Compute the figures every page shares (before forking workers that render pages)."""
        for name in ("fmt", "table", "items", "tiers", "rows", "_grouped", "account_paths"):
            getattr(self, name)


def site_size(site: Site) -> int:
    """How many files ``render_site`` yields (for a progress bar)."""
    return len(site_paths(site))


def site_paths(site: Site) -> list[str]:
    """Every file of the site, in a fixed order: assets, exports, pages, accounts, marker."""
    return [
        *(f"assets/{name}" for name in ASSETS),
        *_EXPORTS,
        *(f"{name}.html" for name in PAGES),
        *site.account_paths,
        MARKER,
    ]


def render_file(site: Site, path: str) -> bytes:
    """One file of the site by its path (``KeyError`` when the site has no such file)."""
    if path.startswith("assets/") and path[len("assets/") :] in ASSETS:
        return (data_dir("templates") / "assets" / path[len("assets/") :]).read_bytes()
    if path in _EXPORTS:
        return _EXPORTS[path](site).encode("utf-8")
    if path.endswith(".html") and path[: -len(".html")] in PAGES:
        name = path[: -len(".html")]
        return page(site, path, name, **_PAGE_FIGURES[name](site))
    if path in site.account_paths:
        return account_page(site, site.account_paths[path])
    if path == MARKER:
        return b"Built by kam; this folder is replaced by every 'kam build'.\n"
    raise KeyError(path)


def render_site(site: Site) -> Iterator[tuple[str, bytes]]:
    """Every file of the site as (path, bytes), in ``site_paths`` order (``ledger.render.build``
    renders a large site in several processes, with the same bytes)."""
    for path in site_paths(site):
        yield path, render_file(site, path)


def page(site: Site, template: str, name: str, root: str = "", **context: Any) -> bytes:
    html = site.env.get_template(template).render(
        site=site,
        fmt=site.fmt,
        page=name,
        root=root,
        pages=PAGES,
        version=__version__,
        **context,
    )
    return html.encode("utf-8")


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
    return tuple(f.name for f in fields(cls) if f.name != "more")


# --- page figures ----------------------------------------------------------------------------


def dashboard(site: Site) -> dict[str, Any]:
    ledger, fmt, table = site.ledger, site.fmt, site.table
    _ = fmt._
    accounts = ledger.accounts
    months = report.trend_months(site.as_of)
    window = window_months(site.as_of, ledger.settings.tiers.window_months)
    labels = [fmt.short_month(m) for m in months]
    revenue = report.revenue_by_month(accounts, months)
    ranked = [r for r in table.rows if r.rank is not None]
    head = [r for r in ranked if r.computed_tier == ranked[0].computed_tier] if ranked else []
    satisfaction = report.satisfaction_by_month(accounts, months[-12:])
    categories = report.count_by(
        (c.category for a in accounts for c in a.complaints), list(LABELS["category"])
    )
    mix = _tier_mix(site)
    overdue = [i for i in site.items if i.status == "overdue"]
    return {
        "coverage": report.coverage(accounts, site.tiers, ledger.settings, site.as_of),
        "churn": report.churn(ledger, table.window),
        "credit": report.credit(accounts),
        "head": head,
        "ranked": ranked,
        "window": window,
        "overdue_revisits": [i for i in overdue if i.kind == "revisit"],
        "late_complaints": [i for i in overdue if i.kind == "complaint_overdue"],
        "charts": [
            _pareto(site, ranked),
            charts.hbar_chart(
                "tier-mix",
                _("Tier mix"),
                _("Active accounts per tier: %(mix)s.")
                % {"mix": ", ".join(f"{t} {n}" for t, n, _m in mix)},
                [(t, n) for t, n, _m in mix],
                fmt.number,
                (_("Tier"), _("Accounts")),
            ),
            charts.bar_chart(
                "revenue",
                _("Revenue per month"),
                _("Revenue of all accounts per month, %(first)s to %(last)s; total %(total)s.")
                % {
                    "first": fmt.month(months[0]),
                    "last": fmt.month(months[-1]),
                    "total": fmt.money(sum(revenue)),
                },
                labels,
                [("", [float(v) for v in revenue])],
                fmt.compact,
                fmt.money,
                (_("Month"), _("Revenue")),
            ),
            _visits_chart(site, accounts, months, "visits"),
            charts.hbar_chart(
                "categories",
                _("Complaints by category"),
                _("%(n)d complaints in all; most: %(top)s.")
                % {
                    "n": sum(n for _c, n in categories),
                    "top": fmt.label("category", max(categories, key=lambda c: c[1])[0]),
                },
                [(fmt.label("category", c), n) for c, n in categories],
                fmt.number,
                (_("Category"), _("Complaints")),
            ),
            _satisfaction_chart(site, months[-12:], satisfaction),
        ],
    }


def _tier_mix(site: Site) -> list[tuple[str, int, Fraction]]:
    mix: dict[str, tuple[int, Fraction]] = {}
    for row in site.table.rows:
        if row.tier is not None:
            n, m = mix.get(row.tier, (0, Fraction(0)))
            mix[row.tier] = (n + 1, m + row.measure)
    return [(t, n, m) for t, (n, m) in mix.items()]


def _pareto(site: Site, ranked: list) -> charts.Chart:
    fmt = site.fmt
    _ = fmt._
    settings = site.ledger.settings.tiers
    cutoffs = settings.cutoffs if settings.method == "pareto" else ()
    a_count = sum(1 for r in ranked if r.computed_tier == (cutoffs[0][0] if cutoffs else None))
    return charts.pareto_chart(
        "pareto",
        _("Pareto: share of %(measure)s by account")
        % {"measure": fmt.label("measure", settings.measure)},
        _("%(n)d active accounts; the first %(a)d make up the head of the book.")
        % {"n": len(ranked), "a": a_count},
        [
            (r.short_name or r.name, float(r.share or 0), float(r.cumulative_share or 0))
            for r in ranked
        ],
        cutoffs,
        fmt.percent,
        (_("Account"), _("Share"), _("Cumulative share")),
    )


def _visits_chart(site: Site, accounts, months, chart_id: str) -> charts.Chart:
    fmt = site.fmt
    _ = fmt._
    visits = report.visits_by_month(accounts, months)
    return charts.bar_chart(
        chart_id,
        _("Visits per month"),
        _("Done visits per month, %(first)s to %(last)s: %(n)d in all.")
        % {"first": fmt.month(months[0]), "last": fmt.month(months[-1]), "n": sum(visits)},
        [fmt.short_month(m) for m in months],
        [("", visits)],
        fmt.number,
        fmt.number,
        (_("Month"), _("Visits")),
    )


def _satisfaction_chart(site: Site, months, counts: list[dict[str, int]]) -> charts.Chart:
    fmt = site.fmt
    _ = fmt._
    totals = {s: sum(c[s] for c in counts) for s in report.SATISFACTION}
    return charts.bar_chart(
        "satisfaction",
        _("Satisfaction over time"),
        _("Satisfaction recorded at visits, last 12 months: %(counts)s.")
        % {"counts": ", ".join(f"{fmt.label('satisfaction', s)} {n}" for s, n in totals.items())},
        [fmt.short_month(m) for m in months],
        [(fmt.label("satisfaction", s), [c[s] for c in counts]) for s in report.SATISFACTION],
        fmt.number,
        fmt.number,
        (_("Month"), *(fmt.label("satisfaction", s) for s in report.SATISFACTION)),
    )


def schedule(site: Site) -> dict[str, Any]:
    return {"groups": report.schedule_groups(site.items, site.as_of)}


def complaints(site: Site) -> dict[str, Any]:
    accounts = site.ledger.accounts
    every = [c for a in accounts for c in a.complaints]
    return {
        "ages": report.complaint_ages(site.ledger, site.as_of),
        "by_status": report.count_by((c.status for c in every), list(LABELS["complaint_status"])),
        "by_severity": report.count_by((c.severity for c in every), list(LABELS["severity"])),
        "by_category": report.count_by((c.category for c in every), list(LABELS["category"])),
    }


def managers(site: Site) -> dict[str, Any]:
    return {"managers": report.managers(site.ledger, site.table, site.items, site.as_of)}


def account_page(site: Site, account: Account) -> bytes:
    fmt = site.fmt
    _ = fmt._
    months = report.trend_months(site.as_of)
    revenue = report.revenue_by_month([account], months)
    chart = charts.bar_chart(
        "account-revenue",
        _("Revenue per month"),
        _("Revenue of %(name)s per month, %(first)s to %(last)s; total %(total)s.")
        % {
            "name": account.display_name,
            "first": fmt.month(months[0]),
            "last": fmt.month(months[-1]),
            "total": fmt.money(sum(revenue)),
        },
        [fmt.short_month(m) for m in months],
        [("", [float(v) for v in revenue])],
        fmt.compact,
        fmt.money,
        (_("Month"), _("Revenue")),
    )
    ages = [
        report.complaint_age(c, account, site.ledger.settings, site.as_of)
        for c in reversed(account.complaints)
    ]
    names = {c.id: c.name for c in account.contacts}
    # The timeline is the longest part of the page: its text is put together here, in Python,
    # where a call costs a tenth of a call from a template.
    timeline = [
        (
            v,
            " · ".join(
                [fmt.date(v.date), fmt.label("visit_kind", v.kind), fmt.label("mode", v.mode)]
                + ([fmt.label("visit_status", v.status)] if v.status != "done" else [])
            ),
            ", ".join(names.get(cid, cid) for cid in v.received_by),
            fmt.label("satisfaction", v.satisfaction),
        )
        for v in reversed(account.visits)
    ]
    return page(
        site,
        "account.html",
        "account",
        root="../",
        account=account,
        timeline=timeline,
        row=site.rows[account.id],
        chart=chart,
        ages=ages,
        items=site.by_account("items", account.id),
        birthdays={
            c.id: next_birthday(c.birthday, site.as_of) for c in account.contacts if c.birthday
        },
        problems=site.by_account("problems", account.id),
        history=site.history.get(account.id, []),
    )


def _no_figures(site: Site) -> dict[str, Any]:
    return {}


#: export path -> its text (the same figures as ``kam tiers`` / ``kam due``, and the ledger)
_EXPORTS: dict[str, Callable[[Site], str]] = {
    "tiers.csv": lambda site: tiers_csv(site.table),
    "due.csv": lambda site: due_csv(site.items),
    "due.ics": lambda site: due_ics(site.items, site.as_of, site.ledger.settings.name),
    "ledger.json": ledger_json,
}
#: page name -> the figures its template needs beyond the site itself
_PAGE_FIGURES: dict[str, Callable[[Site], dict[str, Any]]] = {
    "index": dashboard,
    "accounts": _no_figures,
    "schedule": schedule,
    "complaints": complaints,
    "managers": managers,
    "problems": _no_figures,
}
