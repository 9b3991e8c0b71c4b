"""The report figures (docs/figures.md#report-figures) on small ledgers."""

from __future__ import annotations

import datetime as dt
import io

from conftest import AS_OF, DOSSIER

from ledger.derive import figures as report
from ledger.derive.schedule import due_items
from ledger.derive.tiers import compute_tiers
from ledger.render.build import Progress

D = dt.date


def visit(day: str, **extra: str) -> str:
    lines = [f"date: {day}", "mode: phone", "summary: ok"]
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def test_coverage_counts_active_accounts_visited_within_their_interval(checked):
    result = checked(
        {
            "ledger.yaml": "revisit: {interval_days: {A: 30, B: 30, C: 30, default: 30}}\n",
            "acme/visits/2026-10-31.yaml": visit("2026-10-31"),  # 30 days before: covered
            "beta/dossier.yaml": DOSSIER,
            "beta/visits/2026-10-30.yaml": visit("2026-10-30"),  # 31 days: not covered
            "gone/dossier.yaml": DOSSIER + "status: dormant\n",  # not active: not counted
        }
    )
    ledger = result.ledger
    tiers = compute_tiers(ledger, AS_OF).tier_by_account()
    cov = report.coverage(ledger.accounts, tiers, ledger.settings, AS_OF)
    assert (cov.covered, cov.active, cov.share) == (1, 2, 0.5)


def test_churn_counts_accounts_lost_in_the_window(checked):
    lost = DOSSIER + "status: lost\nlost_reason: price\nlost_on: DAY\n"
    result = checked(
        {
            "old/dossier.yaml": lost.replace("DAY", "2025-11-30"),  # before the 12-month window
            "new/dossier.yaml": lost.replace("DAY", "2026-05-01"),
        }
    )
    table = compute_tiers(result.ledger, AS_OF)
    churn = report.churn(result.ledger, table.window)
    assert [a.id for a in churn.lost] == ["new"]
    assert churn.rate == report.Fraction(1, 2)  # acme active + new lost


def test_complaint_age_against_the_deadline(checked):
    result = checked(
        {
            "acme/complaints/2026-11-20.yaml": (
                "opened: 2026-11-20\nsummary: s\ncategory: billing\nseverity: high\nstatus: open\n"
            ),
            "acme/complaints/2026-11-01.yaml": (
                "opened: 2026-11-01\nsummary: s\ncategory: billing\nseverity: low\n"
                "status: resolved\nresolved: 2026-11-10\nresolution: fixed\n"
            ),
        }
    )
    ages = report.complaint_ages(result.ledger, AS_OF)
    open_, done = ages
    assert (open_.complaint.id, open_.age_days, open_.allowed_days, open_.late) == (
        "2026-11-20",
        10,
        3,
        True,
    )
    assert (done.age_days, done.deadline, done.late) == (9, D(2026, 11, 15), False)


def test_credit_exposure_leaves_out_lost_accounts(checked):
    result = checked(
        {
            "acme/dossier.yaml": DOSSIER + "credit: {limit: 100, outstanding: 60, overdue: 5}\n",
            "beta/dossier.yaml": DOSSIER + "credit: {limit: 50, outstanding: 10, overdue: 9}\n",
            "gone/dossier.yaml": DOSSIER
            + "status: lost\nlost_on: 2026-01-01\nlost_reason: x\n"
            + "credit: {limit: 1000, outstanding: 1000, overdue: 1000}\n",
        }
    )
    credit = report.credit(result.ledger.accounts)
    assert (credit.limit, credit.outstanding, credit.overdue) == (150, 70, 14)
    assert [a.id for a in credit.overdue_accounts] == ["beta", "acme"]


def test_schedule_groups_overdue_this_week_and_later_weeks(checked):
    result = checked(
        {
            "acme/visits/2026-11-01.yaml": visit("2026-11-01"),  # revisit due 2026-11-01+90
            "acme/visits/2026-11-25.yaml": visit("2026-11-25", next_visit="2026-12-02"),
            "acme/visits/2026-12-09.yaml": "date: 2026-12-09\nstatus: planned\nmode: phone\n",
            "acme/visits/2026-11-29.yaml": "date: 2026-11-29\nstatus: planned\nmode: phone\n",
        }
    )
    ledger = result.ledger
    items = due_items(ledger, compute_tiers(ledger, AS_OF), AS_OF, 30)
    groups = report.schedule_groups(items, AS_OF)  # AS_OF is a Monday
    assert [(g.key, g.start) for g in groups] == [
        ("overdue", None),
        ("this_week", None),
        ("week", D(2026, 12, 7)),
    ]
    assert [i.due for i in groups[1].items] == [D(2026, 12, 2)]


def test_managers_books(checked):
    result = checked(
        {
            "acme/dossier.yaml": DOSSIER + "revenue: [{period: 2026-10, amount: 300}]\n",
            "beta/dossier.yaml": DOSSIER.replace("王磊", "李娜")
            + "revenue: [{period: 2026-10, amount: 100}]\n",
        }
    )
    ledger = result.ledger
    table = compute_tiers(ledger, AS_OF)
    items = due_items(ledger, table, AS_OF, 30)
    books = report.managers(ledger, table, items, AS_OF)
    # never visited and no `since`: each revisit is due on the as-of date, not overdue yet
    assert [(m.name, float(m.share), m.overdue) for m in books] == [
        ("王磊", 0.75, 0),
        ("李娜", 0.25, 0),
    ]
    assert [[r.account for r in m.accounts] for m in books] == [["acme"], ["beta"]]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_only_after_the_delay():
    quiet = io.StringIO()
    Progress(10, quiet, delay=0)(5)
    assert quiet.getvalue() == ""  # not a terminal
    slow = Terminal()
    bar = Progress(10, slow, delay=0)
    bar(5)
    bar(10)
    bar.close()
    assert "5/10 files" in slow.getvalue() and slow.getvalue().endswith("10/10 files\n")
    fast = Terminal()
    Progress(10, fast, delay=60)(5)
    assert fast.getvalue() == ""  # a build under the delay shows nothing
