"""The figures of the HTML reports (docs/figures.md), as pure functions of the model and a date.

Nothing here formats or renders: every function returns plain data that the templates and
the charts turn into text. The same tier table and due items as the CLI are used throughout.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ledger.derive.schedule import DueItem
from ledger.derive.tiers import Month, TierRow, TierTable, add_months, month_of, monthly
from ledger.model import Account, Complaint, Ledger, Settings, Visit

OPEN = ("open", "in_progress")
SATISFACTION = ("satisfied", "neutral", "dissatisfied")
TREND_MONTHS = 24  # months shown in revenue and visit charts


def trend_months(as_of: dt.date, months: int = TREND_MONTHS) -> list[Month]:
    """The ``months`` calendar months ending with the month of the as-of date."""
    last = month_of(as_of)
    return [add_months(last, i) for i in range(1 - months, 1)]


def revenue_by_month(
    accounts: Iterable[Account], months: Sequence[Month], measure: str = "revenue"
) -> list[Fraction]:
    """Summed revenue (or profit) of the accounts in each month."""
    # Exact, without a Fraction addition (and its gcd) per account: numerators are summed per
    # denominator (there are few: amounts spread over 1, 3 or 12 months), then combined.
    sums: dict[Month, dict[int, int]] = {m: {} for m in months}
    for account in accounts:
        for month, value in monthly(account, measure).items():
            per_denominator = sums.get(month)
            if per_denominator is not None:
                d = value.denominator
                per_denominator[d] = per_denominator.get(d, 0) + value.numerator
    return [sum((Fraction(n, d) for d, n in sums[m].items()), Fraction(0)) for m in months]


def visits_by_month(accounts: Iterable[Account], months: Sequence[Month]) -> list[int]:
    """Done visits in each month."""
    counts = Counter(month_of(v.date) for a in accounts for v in a.visits if v.status == "done")
    return [counts.get(m, 0) for m in months]


def satisfaction_by_month(
    accounts: Iterable[Account], months: Sequence[Month]
) -> list[dict[str, int]]:
    """Per month, how many done visits recorded each satisfaction level."""
    counts: dict[Month, Counter[str]] = {m: Counter() for m in months}
    for account in accounts:
        for v in account.visits:
            if v.status == "done" and v.satisfaction and month_of(v.date) in counts:
                counts[month_of(v.date)][v.satisfaction] += 1
    return [{s: counts[m][s] for s in SATISFACTION} for m in months]


def last_done_visit(account: Account, as_of: dt.date) -> Visit | None:
    done = [v for v in account.visits if v.status == "done" and v.date <= as_of]
    return max(done, key=lambda v: (v.date, v.id)) if done else None


def is_covered(account: Account, interval: int, as_of: dt.date) -> bool:
    """Visited within its revisit interval: a done visit on or after as-of − interval."""
    last = last_done_visit(account, as_of)
    return last is not None and (as_of - last.date).days <= interval


@dataclass(frozen=True)
class Coverage:
    covered: int
    active: int

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.covered, self.active) if self.active else None


def coverage(
    accounts: Iterable[Account], tiers: dict[str, str | None], settings: Settings, as_of: dt.date
) -> Coverage:
    """Revisit coverage: the share of active accounts visited within their interval."""
    active = [a for a in accounts if a.status == "active"]
    covered = sum(is_covered(a, settings.revisit.interval(tiers.get(a.id)), as_of) for a in active)
    return Coverage(covered, len(active))


@dataclass(frozen=True)
class ComplaintAge:
    """How long a complaint has been (or was) open, against its resolution deadline."""

    complaint: Complaint
    account: Account
    age_days: int  # until resolved, or until the as-of date while open
    allowed_days: int
    deadline: dt.date
    late: bool  # resolved after the deadline, or still open past it

    @property
    def is_open(self) -> bool:
        return self.complaint.status in OPEN


def complaint_age(
    complaint: Complaint, account: Account, settings: Settings, as_of: dt.date
) -> ComplaintAge:
    allowed = settings.resolve_within_days[complaint.severity]
    deadline = complaint.opened + dt.timedelta(days=allowed)
    end = as_of if complaint.status in OPEN or complaint.resolved is None else complaint.resolved
    return ComplaintAge(
        complaint, account, (end - complaint.opened).days, allowed, deadline, end > deadline
    )


def complaint_ages(ledger: Ledger, as_of: dt.date) -> list[ComplaintAge]:
    """Every complaint with its age: open ones first (oldest first), then the latest closed."""
    ages = [
        complaint_age(c, a, ledger.settings, as_of) for a in ledger.accounts for c in a.complaints
    ]
    return sorted(
        ages,
        key=lambda x: (
            not x.is_open,
            x.complaint.opened if x.is_open else -x.complaint.opened.toordinal(),
            x.account.id,
            x.complaint.id,
        ),
    )


def count_by(values: Iterable[str], order: Sequence[str]) -> list[tuple[str, int]]:
    """Counts in a fixed order (schema enum order), zero counts included."""
    counts = Counter(values)
    return [(key, counts.get(key, 0)) for key in order]


@dataclass(frozen=True)
class Churn:
    """Accounts lost in the tier window, and the share of the book they were."""

    lost: list[Account]  # lost within the window, latest first
    base: int  # active accounts plus those lost within the window

    @property
    def rate(self) -> Fraction | None:
        return Fraction(len(self.lost), self.base) if self.base else None


def churn(ledger: Ledger, window: tuple[Month, Month]) -> Churn:
    first, last = window
    lost = [
        a
        for a in ledger.accounts
        if a.status == "lost" and a.lost_on is not None and first <= month_of(a.lost_on) <= last
    ]
    lost.sort(key=lambda a: (a.lost_on, a.id), reverse=True)
    active = sum(1 for a in ledger.accounts if a.status == "active")
    return Churn(lost, active + len(lost))


@dataclass(frozen=True)
class Credit:
    """Credit exposure of the accounts not lost: limits, receivables and overdue receivables."""

    limit: float
    outstanding: float
    overdue: float
    overdue_accounts: list[Account]  # with overdue receivables, largest first

    @property
    def utilisation(self) -> float | None:
        return self.outstanding / self.limit if self.limit else None


def credit(accounts: Iterable[Account]) -> Credit:
    held = [a for a in accounts if a.status != "lost"]
    overdue = sorted(
        (a for a in held if (a.credit.overdue or 0) > 0),
        key=lambda a: (-(a.credit.overdue or 0), a.id),
    )
    return Credit(
        limit=sum(a.credit.limit or 0 for a in held),
        outstanding=sum(a.credit.outstanding or 0 for a in held),
        overdue=sum(a.credit.overdue or 0 for a in held),
        overdue_accounts=overdue,
    )


@dataclass(frozen=True)
class ManagerRow:
    name: str
    accounts: list[TierRow]  # in ranking order
    measure: Fraction
    share: Fraction | None
    overdue: int  # overdue due items of the manager's accounts
    coverage: Coverage


def managers(
    ledger: Ledger, table: TierTable, items: Sequence[DueItem], as_of: dt.date
) -> list[ManagerRow]:
    """Each manager's book: accounts, measure, overdue items and coverage; largest book first."""
    tiers = table.tier_by_account()
    by_manager: dict[str, list[TierRow]] = {}
    for row in table.rows:
        by_manager.setdefault(row.manager, []).append(row)
    overdue = Counter(i.manager for i in items if i.status == "overdue")
    accounts = {a.id: a for a in ledger.accounts}
    rows = []
    for name, tier_rows in by_manager.items():
        measure = sum((r.measure for r in tier_rows if r.rank is not None), Fraction(0))
        rows.append(
            ManagerRow(
                name=name,
                accounts=tier_rows,
                measure=measure,
                share=measure / table.total if table.total else None,
                overdue=overdue.get(name, 0),
                coverage=coverage(
                    (accounts[r.account] for r in tier_rows), tiers, ledger.settings, as_of
                ),
            )
        )
    return sorted(rows, key=lambda m: (-m.measure, m.name))


@dataclass(frozen=True)
class Week:
    """A group of the schedule: ``key`` is overdue, this_week or the Monday of a later week."""

    key: str
    start: dt.date | None
    items: list[DueItem]


def schedule_groups(items: Sequence[DueItem], as_of: dt.date) -> list[Week]:
    """Overdue items, then this week's (up to Sunday), then one group per following week."""
    sunday = as_of + dt.timedelta(days=6 - as_of.weekday())
    groups: dict[tuple[int, dt.date | None], list[DueItem]] = {}
    for item in items:
        if item.days < 0:
            key: tuple[int, dt.date | None] = (0, None)
        elif item.due <= sunday:
            key = (1, None)
        else:
            key = (2, item.due - dt.timedelta(days=item.due.weekday()))
        groups.setdefault(key, []).append(item)
    names = {0: "overdue", 1: "this_week", 2: "week"}
    return [Week(names[k[0]], k[1], groups[k]) for k in sorted(groups, key=_group_order)]


def _group_order(key: tuple[int, dt.date | None]) -> tuple[int, int]:
    return key[0], key[1].toordinal() if key[1] else 0
