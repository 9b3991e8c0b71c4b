"""The rules of FORMAT §4–6 that a schema cannot say: small pure functions of the model.

Each rule takes an account (with its visits and complaints), the settings and the as-of date and
returns diagnostics with a document path; positions are filled in later by ``locate``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace

from ledger.check.diagnostics import Diagnostic, error, warning
from ledger.kinds import Rule, dated_kinds, record_kinds
from ledger.memo import by_identity
from ledger.model import Account, Ledger, RevenueItem, Settings


def check_dossier_stale(account: Account, settings: Settings, as_of: dt.date):
    """dossier-stale: the card was last reviewed more than ``review_days`` ago."""
    if account.reviewed_on is None or account.status == "lost":
        return
    age = (as_of - account.reviewed_on).days
    if age > settings.review_days:
        yield warning(
            account.file,
            "dossier-stale",
            f"dossier last reviewed {account.reviewed_on} ({age} days ago, more than "
            f"{settings.review_days})",
            hint="review the card with the account and update reviewed_on",
            path=("reviewed_on",),
        )


def check_revenue_overlap(account: Account, settings: Settings, as_of: dt.date):
    """revenue-overlap: two revenue items cover the same month."""
    owner: dict[tuple[int, int], int] = {}
    in_file = account.origin.get("revenue", range(len(account.revenue)))
    for index, item in enumerate(account.revenue):
        clash = next((owner[m] for m in item.months if m in owner), None)
        if clash is not None:
            other = account.revenue[clash].period
            yield error(
                account.file,
                "revenue-overlap",
                f"revenue period {item.period} overlaps {other} (revenue[{in_file[clash]}])",
                hint="record each month once: use months, quarters or a year, not several",
                path=("revenue", index, "period"),
            )
            continue
        owner.update(dict.fromkeys(item.months, index))


def _follows(earlier: RevenueItem, later: RevenueItem) -> bool:
    """True when ``later`` is the period right after ``earlier`` and of the same length."""
    a, b = earlier.months, later.months
    if len(a) != len(b):
        return False
    year, month = a[-1]
    return b[0] == ((year + 1, 1) if month == 12 else (year, month + 1))


def check_revenue_swing(account: Account, settings: Settings, as_of: dt.date):
    """revenue-swing: a marked change between consecutive periods needs a reason (DOMAIN)."""
    by_start = sorted(range(len(account.revenue)), key=lambda i: account.revenue[i].months[0])
    for prev_i, next_i in itertools.pairwise(by_start):
        earlier, later = account.revenue[prev_i], account.revenue[next_i]
        if not _follows(earlier, later) or later.reason:
            continue
        change = later.amount - earlier.amount
        if abs(change) > settings.revenue_swing * earlier.amount:
            share = f"{change / earlier.amount:+.0%}" if earlier.amount else "from 0"
            yield warning(
                account.file,
                "revenue-swing",
                f"revenue {later.period} changed {share} from {earlier.period} "
                f"({earlier.amount:,.0f} → {later.amount:,.0f}) without a reason",
                hint="add 'reason:' to this item saying why trade changed (交易变化原因)",
                path=("revenue", next_i, "amount"),
            )


def check_contacts(account: Account, settings: Settings, as_of: dt.date):
    """duplicate-contact ids, and bad-date for birthdays that do not exist in their calendar."""
    seen: set[str] = set()
    for index, contact in enumerate(account.contacts):
        if contact.id in seen:
            yield error(
                account.file,
                "duplicate-contact",
                f"contact id '{contact.id}' is used twice",
                hint="give each contact its own id; visits and complaints refer to it",
                path=("contacts", index, "id"),
            )
        seen.add(contact.id)
        b = contact.birthday
        if b is None:
            continue
        if not b.exists:
            lunar = b.calendar == "lunar"
            form = "a Chinese-calendar month 1-12 and day 1-30" if lunar else "a real calendar date"
            yield error(
                account.file,
                "bad-date",
                f"birthday of '{contact.id}' is not {form}",
                hint="write YYYY-MM-DD, or --MM-DD when the year is unknown",
                path=("contacts", index, "birthday"),
            )


def _date_mismatch(file: str, record_id: str, field: str, value: dt.date) -> Diagnostic | None:
    named = record_id[:10]
    if named == value.isoformat():
        return None
    return error(
        file,
        "date-mismatch",
        f"{field} {value} differs from the date in the file name ({named})",
        hint="rename the file or correct the date; the file name starts with the date",
        path=(field,),
    )


def _unknown_contact(account: Account, file: str, contact_id: str, path: tuple) -> Diagnostic:
    known = ", ".join(c.id for c in account.contacts) or "none"
    return error(
        file,
        "unknown-contact",
        f"'{contact_id}' is not a contact of {account.id}",
        hint=f"use a contact id from {account.file} (known: {known})",
        path=path,
    )


def check_visits(account: Account, settings: Settings, as_of: dt.date):
    """date-mismatch, unknown-contact, unknown-complaint, next-visit-order, future-visit."""
    contact_ids = {c.id for c in account.contacts}
    for v in account.visits:
        if d := _date_mismatch(v.file, v.id, "date", v.date):
            yield d
        for i, contact_id in enumerate(v.received_by):
            if contact_id not in contact_ids:
                yield _unknown_contact(account, v.file, contact_id, ("received_by", i))
        if v.follows_up is not None and v.follows_up not in account.complaint_ids:
            yield error(
                v.file,
                "unknown-complaint",
                f"'{v.follows_up}' is not a complaint of {account.id}",
                hint=f"use the file name (without .yaml) of a file in {account.id}/complaints/",
                path=("follows_up",),
            )
        if v.next_visit is not None and v.next_visit <= v.date:
            yield error(
                v.file,
                "next-visit-order",
                f"next_visit {v.next_visit} is not after the visit date {v.date}",
                hint="the next visit is planned for a later day",
                path=("next_visit",),
            )
        if v.status == "done" and v.date > as_of:
            yield warning(
                v.file,
                "future-visit",
                f"visit marked done on {v.date}, after the as-of date {as_of}",
                hint="a visit still to come has 'status: planned'",
                path=("date",),
            )


def check_complaints(account: Account, settings: Settings, as_of: dt.date):
    """date-mismatch, unknown-contact, resolved-before-opened, missing-resolution,
    closed-without-follow-up."""
    contact_ids = {c.id for c in account.contacts}
    followed = {v.follows_up for v in account.visits if v.status == "done"}
    for c in account.complaints:
        if d := _date_mismatch(c.file, c.id, "opened", c.opened):
            yield d
        if c.raised_by is not None and c.raised_by not in contact_ids:
            yield _unknown_contact(account, c.file, c.raised_by, ("raised_by",))
        if c.resolved is not None and c.resolved < c.opened:
            yield error(
                c.file,
                "resolved-before-opened",
                f"resolved {c.resolved} is before opened {c.opened}",
                hint="check both dates",
                path=("resolved",),
            )
        if c.status in ("resolved", "closed"):
            missing = [k for k in ("resolved", "resolution") if getattr(c, k) is None]
            if missing:
                yield error(
                    c.file,
                    "missing-resolution",
                    f"complaint is {c.status} but has no {' and no '.join(missing)}",
                    hint="record when it was resolved (resolved: YYYY-MM-DD) and how "
                    "(resolution: …), or set status back to in_progress",
                    path=("status",),
                )
        if c.status == "closed" and c.id not in followed:
            yield warning(
                c.file,
                "closed-without-follow-up",
                "complaint closed, but no done visit follows it up",
                hint=f"record the follow-up visit with 'follows_up: {c.id}' "
                "(处理后有回访), or keep the status resolved until then",
                path=("status",),
            )


def rules() -> tuple[Rule, ...]:
    """Every account rule: those of each record kind (``ledger.kinds``), the dossier's first."""
    return tuple(rule for kind in record_kinds() for rule in kind.rules)


def check_ledger(ledger: Ledger, as_of: dt.date) -> list[Diagnostic]:
    """Run every rule on every account."""
    found: list[Diagnostic] = []
    for account in ledger.accounts:
        found += check_account(account, ledger.settings, as_of)
    return found


@by_identity()
def check_account(account: Account, settings: Settings, as_of: dt.date) -> list[Diagnostic]:
    """Every rule on one account (remembered per account object: do not change the list)."""
    found = [d for rule in rules() for d in rule(account, settings, as_of)]
    origins = {account.file: account.origin}
    for kind in dated_kinds():
        origins.update((r.file, r.origin) for r in getattr(account, kind.attr or ""))
    return [_in_file(d, origins.get(d.file)) for d in found]


def _in_file(d: Diagnostic, origin: dict[str, tuple[int, ...]] | None) -> Diagnostic:
    """A rule's path through a list that lost items to errors, as the file has it."""
    if not origin or d.path is None or len(d.path) < 2 or d.path[0] not in origin:
        return d
    index, where = d.path[1], origin[str(d.path[0])]
    if not isinstance(index, int) or index >= len(where):
        return d
    return replace(d, path=(d.path[0], where[index], *d.path[2:]))
