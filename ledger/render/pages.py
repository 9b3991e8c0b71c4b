"""pages: the registry of the site's pages, and the figures each page's template needs.

:func:`pages` is the one list the static build, the live site and the navigation read: to add a
page, write its template and its figures function here and add one ``Page`` to the tuple. The
figures come from ``ledger.derive.figures`` and ``ledger.render.charts``; rendering them is
``ledger.render.site``'s job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ledger.derive import figures as report
from ledger.derive.messages import N_
from ledger.derive.schedule import next_birthday
from ledger.derive.tiers import window_months
from ledger.model import Account
from ledger.render import charts
from ledger.render.i18n import LABELS

if TYPE_CHECKING:
    from ledger.render.site import Site

#: where an account's page is, ``{id}`` its id percent-encoded
ACCOUNT_PATH = "accounts/{id}.html"


def account_href(account_id: str) -> str:
    """The account page, relative to the site root (ids may be Chinese: percent-encoded)."""
    return ACCOUNT_PATH.format(id=quote(account_id, safe=""))


@dataclass(frozen=True)
class Page:
    """One kind of page: its name (the template's ``page``), its title in the navigation (a
    message, translated where shown), its template, the function that gathers the figures the
    template needs beyond the site itself, and where it is written."""

    name: str
    title: str
    template: str
    #: ``figures(site)``; for a page per account, ``figures(site, account)``
    figures: Callable[..., dict[str, Any]]
    #: the file in the site; for a page per account, a pattern with ``{id}``
    path: str
    nav: bool = True
    per_account: bool = False
    #: the navigation shows the number of problems next to its link
    counts_problems: bool = False

    @property
    def root(self) -> str:
        """The way back from the page to the site root, for its links."""
        return "../" * self.path.count("/")

    def path_for(self, account: Account | None = None) -> str:
        """The page's file in the site (of one account, for a page per account)."""
        return self.path if account is None else account_href(account.id)


def pages() -> tuple[Page, ...]:
    """Every kind of page, in the order the site lists them; the navigation shows those with
    ``nav``, in this order. Built on each call: nothing appends to it."""
    return (
        Page("index", N_("Dashboard"), "index.html", dashboard, "index.html"),
        Page("accounts", N_("Accounts"), "accounts.html", no_figures, "accounts.html"),
        Page("schedule", N_("Schedule"), "schedule.html", schedule, "schedule.html"),
        Page("complaints", N_("Complaints"), "complaints.html", complaints, "complaints.html"),
        Page("managers", N_("Managers"), "managers.html", managers, "managers.html"),
        Page(
            "problems",
            N_("Problems"),
            "problems.html",
            no_figures,
            "problems.html",
            counts_problems=True,
        ),
        Page(
            "account",
            N_("Account"),
            "account.html",
            account_figures,
            ACCOUNT_PATH,
            nav=False,
            per_account=True,
        ),
    )


# --- page figures ----------------------------------------------------------------------------


def no_figures(site: Site) -> dict[str, Any]:
    """A page whose template needs nothing beyond the site."""
    return {}


def dashboard(site: Site) -> dict[str, Any]:
    """Key figures, the head of the book, what is overdue, and the charts."""
    ledger, table = site.ledger, site.table
    accounts = ledger.accounts
    months = report.trend_months(site.as_of)
    ranked = [r for r in table.rows if r.rank is not None]
    head = [r for r in ranked if r.computed_tier == ranked[0].computed_tier] if ranked else []
    overdue = [i for i in site.items if i.status == "overdue"]
    return {
        "coverage": report.coverage(accounts, site.tiers, ledger.settings, site.as_of),
        "churn": report.churn(ledger, table.window),
        "credit": report.credit(accounts),
        "head": head,
        "ranked": ranked,
        "window": window_months(site.as_of, ledger.settings.tiers.window_months),
        "overdue_revisits": [i for i in overdue if i.kind == "revisit"],
        "late_complaints": [i for i in overdue if i.kind == "complaint_overdue"],
        # every other kind (complaint follow-ups, planned visits, …): the dashboard omits none
        "other_overdue": [i for i in overdue if i.kind not in ("revisit", "complaint_overdue")],
        "charts": [
            _pareto(site, ranked),
            _tier_mix_chart(site),
            _revenue_chart(
                site,
                "revenue",
                accounts,
                months,
                site.fmt._(
                    "Revenue of all accounts per month, %(first)s to %(last)s; total %(total)s."
                ),
            ),
            _visits_chart(site, accounts, months, "visits"),
            _categories_chart(site, accounts),
            _satisfaction_chart(
                site, months[-12:], report.satisfaction_by_month(accounts, months[-12:])
            ),
        ],
    }


def _tier_mix(site: Site) -> list[tuple[str, int, Fraction]]:
    mix: dict[str, tuple[int, Fraction]] = {}
    for row in site.table.rows:
        if row.tier is not None:
            n, m = mix.get(row.tier, (0, Fraction(0)))
            mix[row.tier] = (n + 1, m + row.measure)
    return [(t, n, m) for t, (n, m) in mix.items()]


def _tier_mix_chart(site: Site) -> charts.Chart:
    fmt = site.fmt
    _ = fmt._
    mix = _tier_mix(site)
    return charts.hbar_chart(
        "tier-mix",
        _("Tier mix"),
        _("Active accounts per tier: %(mix)s.")
        % {"mix": ", ".join(f"{t} {n}" for t, n, _m in mix)},
        [(t, n) for t, n, _m in mix],
        fmt.number,
        (_("Tier"), _("Accounts")),
    )


def _revenue_chart(
    site: Site, chart_id: str, accounts, months, summary: str, **names: str
) -> charts.Chart:
    """Revenue per month of some accounts; ``summary`` is the translated caption, with
    ``first``, ``last`` and ``total`` (and ``names``) filled in here."""
    fmt = site.fmt
    _ = fmt._
    revenue = report.revenue_by_month(accounts, months)
    span = {"first": fmt.month(months[0]), "last": fmt.month(months[-1])}
    return charts.bar_chart(
        chart_id,
        _("Revenue per month"),
        summary % {**names, **span, "total": fmt.money(sum(revenue))},
        [fmt.short_month(m) for m in months],
        [("", [float(v) for v in revenue])],
        fmt.compact,
        fmt.money,
        (_("Month"), _("Revenue")),
    )


def _categories_chart(site: Site, accounts) -> charts.Chart:
    fmt = site.fmt
    _ = fmt._
    categories = report.count_by(
        (c.category for a in accounts for c in a.complaints), list(LABELS["category"])
    )
    return charts.hbar_chart(
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
    )


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
    """The due items, grouped by week."""
    return {"groups": report.schedule_groups(site.items, site.as_of)}


def complaints(site: Site) -> dict[str, Any]:
    """Complaint ages and counts by status, severity and category."""
    accounts = site.ledger.accounts
    every = [c for a in accounts for c in a.complaints]
    return {
        "ages": report.complaint_ages(site.ledger, site.as_of),
        "by_status": report.count_by((c.status for c in every), list(LABELS["complaint_status"])),
        "by_severity": report.count_by((c.severity for c in every), list(LABELS["severity"])),
        "by_category": report.count_by((c.category for c in every), list(LABELS["category"])),
    }


def managers(site: Site) -> dict[str, Any]:
    """Figures per account manager."""
    return {"managers": report.managers(site.ledger, site.table, site.items, site.as_of)}


def account_figures(site: Site, account: Account) -> dict[str, Any]:
    """One account's page: its tier row, revenue chart, timeline, complaints and due items."""
    return {
        "account": account,
        "timeline": _timeline(site, account),
        "row": site.rows[account.id],
        "chart": _account_revenue_chart(site, account),
        "ages": [
            report.complaint_age(c, account, site.ledger.settings, site.as_of)
            for c in reversed(account.complaints)
        ],
        "items": site.by_account("items", account.id),
        "birthdays": {
            c.id: next_birthday(c.birthday, site.as_of)
            for c in account.contacts
            if c.birthday and c.birthday.exists
        },
        "problems": site.by_account("problems", account.id),
        "history": site.history.get(account.id, []),
    }


def _account_revenue_chart(site: Site, account: Account) -> charts.Chart:
    return _revenue_chart(
        site,
        "account-revenue",
        [account],
        report.trend_months(site.as_of),
        site.fmt._("Revenue of %(name)s per month, %(first)s to %(last)s; total %(total)s."),
        name=account.display_name,
    )


def _timeline(site: Site, account: Account) -> list[tuple[Any, str, str, str]]:
    """The visits, newest first, with the text of each line."""
    # The timeline is the longest part of the page: its text is put together here, in Python,
    # where a call costs a tenth of a call from a template.
    fmt = site.fmt
    names = {c.id: c.name for c in account.contacts}
    return [
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
