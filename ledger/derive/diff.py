"""kam diff: what changed between two states of a ledger, per account, in the ledger's terms.

Pure functions of two loaded ledgers and an as-of date: accounts added or removed, dossier
fields, revenue periods, visits, complaints, and the tier and due-date changes they cause.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from ledger.derive.schedule import DueItem, due_items
from ledger.derive.tiers import TierRow, compute_tiers
from ledger.kinds import record_kinds
from ledger.model import Account, Ledger
from ledger.printable import printable

#: dossier fields compared one by one (dotted: inside an object)
DOSSIER_FIELDS = (
    "name",
    "short_name",
    "manager",
    "status",
    "stage",
    "industry",
    "region",
    "since",
    "reviewed_on",
    "lost_on",
    "lost_reason",
    "credit.limit",
    "credit.terms_days",
    "credit.outstanding",
    "credit.overdue",
    "tier_override.tier",
    "tier_override.until",
    "tags",
)


@dataclass(frozen=True)
class Change:
    """One change of an account. ``kind`` says what; ``what`` names the field, period or file."""

    kind: str
    what: str
    before: object = None
    after: object = None

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "what": self.what,
            "before": _j(self.before),
            "after": _j(self.after),
        }


@dataclass(frozen=True)
class AccountDiff:
    account: str
    name: str
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class LedgerDiff:
    as_of: dt.date
    before: str  # the revision names, as given
    after: str
    accounts: list[AccountDiff]

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "from": self.before,
            "to": self.after,
            "accounts": [
                {"account": a.account, "name": a.name, "changes": [c.as_json() for c in a.changes]}
                for a in self.accounts
            ],
        }


def _j(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _get(account: Account, dotted: str) -> object:
    value: object = account
    for part in dotted.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value


def dossier_changes(a: Account, b: Account) -> Iterator[Change]:
    for name in DOSSIER_FIELDS:
        before, after = _get(a, name), _get(b, name)
        if before != after:
            yield Change("field", name, before, after)
    old, new = {c.id: c for c in a.contacts}, {c.id: c for c in b.contacts}
    for cid in sorted(new.keys() - old.keys()):
        yield Change("contact_added", cid, None, new[cid].name)
    for cid in sorted(old.keys() - new.keys()):
        yield Change("contact_removed", cid, old[cid].name, None)


def revenue_changes(a: Account, b: Account) -> Iterator[Change]:
    old = {r.period: (r.amount, r.profit) for r in a.revenue}
    new = {r.period: (r.amount, r.profit) for r in b.revenue}
    for period in sorted(old.keys() | new.keys()):
        if period not in old:
            yield Change("revenue_added", period, None, new[period][0])
        elif period not in new:
            yield Change("revenue_removed", period, old[period][0], None)
        elif old[period] != new[period]:
            yield Change("revenue_changed", period, old[period][0], new[period][0])


def visit_changes(a: Account, b: Account) -> Iterator[Change]:
    old, new = {v.id: v for v in a.visits}, {v.id: v for v in b.visits}
    for vid in sorted(new.keys() - old.keys()):
        yield Change("visit_added", vid, None, new[vid].status)
    for vid in sorted(old.keys() - new.keys()):
        yield Change("visit_removed", vid, old[vid].status, None)
    for vid in sorted(old.keys() & new.keys()):
        if old[vid].status != new[vid].status:
            yield Change("visit_status", vid, old[vid].status, new[vid].status)
        elif old[vid] != new[vid]:
            yield Change("visit_edited", vid)


def complaint_changes(a: Account, b: Account) -> Iterator[Change]:
    old, new = {c.id: c for c in a.complaints}, {c.id: c for c in b.complaints}
    for cid in sorted(new.keys() - old.keys()):
        yield Change("complaint_opened", cid, None, new[cid].status)
    for cid in sorted(old.keys() - new.keys()):
        yield Change("complaint_removed", cid, old[cid].status, None)
    for cid in sorted(old.keys() & new.keys()):
        before, after = old[cid].status, new[cid].status
        if before != after:
            kind = {"resolved": "complaint_resolved", "closed": "complaint_closed"}.get(
                after, "complaint_status"
            )
            yield Change(kind, cid, before, after)
        elif old[cid] != new[cid]:
            yield Change("complaint_edited", cid)


def tier_change(a: TierRow | None, b: TierRow | None) -> Iterator[Change]:
    before, after = (a.tier if a else None), (b.tier if b else None)
    if before != after:
        yield Change("tier", "tier", before, after)


def due_changes(a: list[DueItem], b: list[DueItem]) -> Iterator[Change]:
    old, new = {i.uid: i for i in a}, {i.uid: i for i in b}
    for uid in sorted(old.keys() | new.keys()):
        i, j = old.get(uid), new.get(uid)
        item = i or j
        what = item.kind if item.ref == item.kind else f"{item.kind} {item.ref}"  # type: ignore[union-attr]
        if i is None:
            yield Change("due_added", what, None, j.due)  # type: ignore[union-attr]
        elif j is None:
            yield Change("due_removed", what, i.due, None)
        elif i.due != j.due:
            yield Change("due_moved", what, i.due, j.due)


def diff_ledgers(a: Ledger, b: Ledger, as_of: dt.date, before: str, after: str) -> LedgerDiff:
    """Every change per account from ledger ``a`` to ledger ``b``, figures as of one date."""
    tiers_a, tiers_b = compute_tiers(a, as_of), compute_tiers(b, as_of)
    rows_a = {r.account: r for r in tiers_a.rows}
    rows_b = {r.account: r for r in tiers_b.rows}
    due_a = _by_account(due_items(a, tiers_a, as_of, None))
    due_b = _by_account(due_items(b, tiers_b, as_of, None))
    old, new = {x.id: x for x in a.accounts}, {x.id: x for x in b.accounts}
    result = []
    for account_id in sorted(old.keys() | new.keys()):
        x, y = old.get(account_id), new.get(account_id)
        changes: list[Change] = []
        if x is None:
            changes.append(Change("account_added", account_id, None, y.name))  # type: ignore[union-attr]
        elif y is None:
            changes.append(Change("account_removed", account_id, x.name, None))
        else:
            for kind in record_kinds():
                for produce in kind.changes:
                    changes.extend(produce(x, y))
        if not changes:
            continue  # tiers and due dates of an untouched account move only with the others
        changes.extend(tier_change(rows_a.get(account_id), rows_b.get(account_id)))
        changes.extend(due_changes(due_a.get(account_id, []), due_b.get(account_id, [])))
        result.append(AccountDiff(account_id, (y or x).name, changes))  # type: ignore[union-attr]
    # an edit of one account can move the tiers of others (Pareto ranks are relative)
    touched = {d.account for d in result}
    for account_id in sorted((old.keys() & new.keys()) - touched):
        moved = list(tier_change(rows_a.get(account_id), rows_b.get(account_id)))
        if moved:
            result.append(AccountDiff(account_id, new[account_id].name, moved))
    result.sort(key=lambda d: d.account)
    return LedgerDiff(as_of, before, after, result)


def _by_account(items: list[DueItem]) -> dict[str, list[DueItem]]:
    out: dict[str, list[DueItem]] = {}
    for item in items:
        out.setdefault(item.account, []).append(item)
    return out


# --- output ------------------------------------------------------------------------------------

_LABELS = {
    "account_added": "account added",
    "account_removed": "account removed",
    "field": "changed",
    "contact_added": "contact added",
    "contact_removed": "contact removed",
    "revenue_added": "revenue added",
    "revenue_removed": "revenue removed",
    "revenue_changed": "revenue changed",
    "visit_added": "visit added",
    "visit_removed": "visit removed",
    "visit_status": "visit",
    "visit_edited": "visit edited",
    "complaint_opened": "complaint opened",
    "complaint_removed": "complaint removed",
    "complaint_resolved": "complaint resolved",
    "complaint_closed": "complaint closed",
    "complaint_status": "complaint",
    "complaint_edited": "complaint edited",
    "tier": "tier",
    "due_added": "now due",
    "due_removed": "no longer due",
    "due_moved": "due date moved",
}


def _show(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{plain_number(value):,}"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "–"
    return str(_j(value))


def plain_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def describe(change: Change) -> str:
    label = _LABELS[change.kind]
    if change.kind in (
        "account_added",
        "contact_added",
        "visit_added",
        "complaint_opened",
        "revenue_added",
        "due_added",
    ):
        return f"{label}: {change.what} ({_show(change.after)})"
    if change.kind in (
        "account_removed",
        "contact_removed",
        "visit_removed",
        "revenue_removed",
        "complaint_removed",
        "due_removed",
    ):
        return f"{label}: {change.what} (was {_show(change.before)})"
    if change.kind in ("visit_edited", "complaint_edited"):
        return f"{label}: {change.what}"
    return f"{label} {change.what}: {_show(change.before)} → {_show(change.after)}"


def diff_text(d: LedgerDiff) -> str:
    if not d.accounts:
        return f"No changes between {d.before} and {d.after}."
    lines = [f"Changes from {d.before} to {d.after} (figures as of {d.as_of}):"]
    for a in d.accounts:
        lines += ["", f"{a.account} — {a.name}"]
        lines += [f"  {describe(c)}" for c in a.changes]
    return printable("\n".join(lines))  # names and values as written: escapes shown, not sent


def diff_markdown(d: LedgerDiff) -> str:
    if not d.accounts:
        return f"**kam diff**: no changes between `{d.before}` and `{d.after}`.\n"
    head = (
        f"### kam diff: `{d.before}` → `{d.after}`\n\n"
        f"{len(d.accounts)} account(s) changed; tiers and due dates as of {d.as_of}.\n"
    )
    parts = [head]
    for a in d.accounts:
        parts.append(f"\n#### {_md(a.name)} (`{a.account}`)\n\n")
        parts += [f"- {_md(describe(c))}\n" for c in a.changes]
    return "".join(parts)


def _md(text: str) -> str:
    """Text for Markdown: characters that would format, link or break a table are escaped."""
    out = []
    for ch in text:
        if ch in "\\`*_[]<>|~":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def diff_json(d: LedgerDiff) -> str:
    return json.dumps(d.as_json(), ensure_ascii=False, indent=2)
