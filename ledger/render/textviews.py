"""What the terminal commands print: the ABC table, the due list and one account's sheet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ledger.derive.schedule import DueItem
from ledger.derive.tiers import TierTable, fmt_month, monthly, window_months
from ledger.model import Account, Settings
from ledger.printable import printable
from ledger.render.terminal import STATUS_COLORS, fit, table, width


def money(value: float) -> str:
    return f"{value:,.0f}"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def tiers_view(t: TierTable, currency: str) -> str:
    rows = []
    for r in t.rows:
        tier = "" if r.tier is None else (f"{r.tier}*" if r.overridden else r.tier)
        rows.append(
            [
                "" if r.rank is None else str(r.rank),
                r.account,
                r.manager,
                money(float(r.measure)),
                percent(None if r.share is None else float(r.share)),
                percent(None if r.cumulative_share is None else float(r.cumulative_share)),
                r.computed_tier or "",
                tier or f"({r.status})",
            ]
        )
    head = ["#", "account", "manager", f"{t.measure} ({currency})", "share", "cum.", "calc", "tier"]
    body = table(head, rows, right=(0, 3, 4, 5), limits={1: 22, 2: 8})
    window = f"{fmt_month(t.window[0])}…{fmt_month(t.window[1])}"
    ranked = sum(1 for r in t.rows if r.rank is not None)
    lines = [
        f"Tiers as of {t.as_of} — {t.method} on {t.measure}, window {window}",
        "",
        body,
        "",
        f"total {money(float(t.total))} {currency} over {ranked} active accounts"
        + ("; * = override" if any(r.overridden for r in t.rows) else ""),
    ]
    return printable("\n".join(lines))


KIND_LABELS = {"complaint_overdue": "complaint", "complaint_follow_up": "follow-up"}


def due_view(
    items: Sequence[DueItem], as_of: dt.date, within: int, color: bool, columns: int = 80
) -> str:
    if not items:
        return f"Nothing due within {within} days of {as_of}."
    rows = [
        [
            i.due.isoformat(),
            str(i.days),
            i.status.replace("_", " "),
            fit(i.short_name or i.account, 12),
            i.tier or "-",
            KIND_LABELS.get(i.kind, i.kind),
            i.detail,
        ]
        for i in items
    ]
    head = ["due", "days", "status", "account", "tier", "kind", "detail"]
    used = sum(max(width(r[c]) for r in [head, *rows]) + 2 for c in range(6))
    colors = [STATUS_COLORS[i.status] for i in items] if color else None
    body = table(head, rows, right=(1,), limits={6: max(columns - used - 1, 16)}, colors=colors)
    counts = {s: sum(1 for i in items if i.status == s) for s in STATUS_COLORS}
    summary = (
        f"{len(items)} items within {within} days of {as_of}: {counts['overdue']} overdue, "
        f"{counts['due_soon']} due soon, {counts['upcoming']} upcoming"
    )
    return f"{body}\n\n{summary}"


def _bar(value: float, top: float, cells: int = 24) -> str:
    if top <= 0 or value <= 0:
        return ""
    eighths = round(value / top * cells * 8)
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


def show_view(
    account: Account, settings: Settings, tiers: TierTable, items: Sequence[DueItem], as_of: dt.date
) -> str:
    """One account's sheet: the card, the tier and why, the trend, contacts, visits,
    complaints and what is due. What the files hold is shown escaped (``ledger.printable``)."""
    out = _card(account, settings.currency)
    out += _tier_and_trend(account, settings, tiers, as_of)
    out += _contacts(account)
    out += _records(account, as_of)
    out += _due(items)
    return printable("\n".join(out))


def _card(a: Account, cur: str) -> list[str]:
    out = [f"{a.display_name} — {a.name} ({a.id})"]
    facts = [f"manager {a.manager}", a.status]
    facts += [x for x in (a.stage, a.industry, a.region) if x]
    if a.since:
        facts.append(f"since {a.since}")
    if a.reviewed_on:
        facts.append(f"reviewed {a.reviewed_on}")
    out.append(" · ".join(facts))
    c = a.credit
    if c.limit is not None:
        out.append(
            f"credit {money(c.limit)} {cur}, {c.terms_days or 0} days; outstanding "
            f"{money(c.outstanding or 0)}, overdue {money(c.overdue or 0)}"
        )
    return out


def _tier_and_trend(a: Account, settings: Settings, tiers: TierTable, as_of: dt.date) -> list[str]:
    row = next(r for r in tiers.rows if r.account == a.id)
    out = ["", "Tier"]
    if row.tier is None:
        out.append(f"  none ({row.why})")
    else:
        ranked = sum(1 for r in tiers.rows if r.rank is not None)
        out.append(f"  {row.tier} — rank {row.rank} of {ranked}: {row.why}")
    months = window_months(as_of, settings.tiers.window_months)
    per_month = monthly(a, settings.tiers.measure)
    values = [float(per_month.get(m, 0)) for m in months]
    top = max(values, default=0)
    out += [
        "",
        f"{settings.tiers.measure.capitalize()} {fmt_month(months[0])}…"
        f"{fmt_month(months[-1])}: {money(float(row.measure))} {settings.currency}",
    ]
    for m, v in zip(months, values, strict=True):
        out.append(f"  {fmt_month(m)}  {money(v):>12}  {_bar(v, top)}")
    return out


def _contacts(a: Account) -> list[str]:
    if not a.contacts:
        return []
    rows = []
    for p in a.contacts:
        b = p.birthday
        birthday = ""
        if b:
            birthday = f"{b.month:02d}-{b.day:02d}" + (" lunar" if b.calendar == "lunar" else "")
        rows.append([p.id, p.name, p.role or "", p.decision_role or "", birthday])
    return ["", "Contacts", _indent(table(["id", "name", "role", "decision", "birthday"], rows))]


def _records(a: Account, as_of: dt.date) -> list[str]:
    out: list[str] = []
    visits = [v for v in a.visits if v.status == "done"][-5:]
    if visits:
        rows = [[str(v.date), v.mode, v.kind.replace("_", " "), v.summary or ""] for v in visits]
        head = ["date", "mode", "kind", "summary"]
        out += ["", "Last visits", _indent(table(head, rows, limits={3: 40}))]
    open_ = [x for x in a.complaints if x.status in ("open", "in_progress")]
    if open_:
        rows = [
            [str(x.opened), x.severity, x.status, f"{(as_of - x.opened).days} days", x.summary]
            for x in open_
        ]
        head = ["opened", "severity", "status", "age", "summary"]
        out += ["", "Open complaints", _indent(table(head, rows, limits={4: 36}))]
    return out


def _due(items: Sequence[DueItem]) -> list[str]:
    if not items:
        return []
    rows = [
        [str(i.due), str(i.days), i.status.replace("_", " "), i.kind.replace("_", " "), i.detail]
        for i in items
    ]
    head = ["due", "days", "status", "kind", "detail"]
    return ["", "Due", _indent(table(head, rows, right=(1,), limits={4: 36}))]


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


__all__ = ["due_view", "show_view", "tiers_view", "width"]
