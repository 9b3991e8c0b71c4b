"""Tiers (FORMAT §7): pure functions of the model and an as-of date.

Sums and shares are computed with exact fractions, so a cut-off such as 0.80 is compared with
the share the user would compute by hand, never with a float rounding of it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ledger.derive.messages import N_, NO_MESSAGE, Amount, Label, Message, Pct
from ledger.memo import active_memo, by_identity
from ledger.model import Account, Ledger, Month, TierSettings


def exact(value: float | int) -> Fraction:
    """The number as written: 0.8 is 4/5, not the nearest binary float."""
    return Fraction(value) if isinstance(value, int) else Fraction(repr(value))


def plain(value: Fraction) -> int | float:
    """A JSON-friendly number: an int when whole."""
    return int(value) if value.denominator == 1 else float(value)


def month_of(day: dt.date) -> Month:
    return (day.year, day.month)


def add_months(month: Month, n: int) -> Month:
    index = month[0] * 12 + month[1] - 1 + n
    return (index // 12, index % 12 + 1)


def window_months(as_of: dt.date, months: int) -> list[Month]:
    """The ``months`` calendar months ending with the month of ``as_of``, oldest first."""
    last = month_of(as_of)
    return [add_months(last, -k) for k in range(months - 1, -1, -1)]


def streak_months(as_of: dt.date, months: int) -> list[Month]:
    """The ``months`` complete calendar months before the month of ``as_of``, oldest first."""
    before = add_months(month_of(as_of), -1)
    return [add_months(before, -k) for k in range(months - 1, -1, -1)]


@by_identity()
def monthly(account: Account, measure: str) -> dict[Month, Fraction]:
    """Amount (or profit) per calendar month; years and quarters spread evenly over their months.

    An item without ``profit`` counts 0 when the measure is profit. Remembered per account
    object: do not change the dict returned."""
    out: dict[Month, Fraction] = {}
    for item in account.revenue:
        value = item.amount if measure == "revenue" else (item.profit or 0)
        months = item.months
        share = exact(value) / len(months)
        for m in months:
            out[m] = out.get(m, Fraction(0)) + share
    return out


def fmt_month(month: Month) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


@dataclass(frozen=True)
class TierRow:
    """One account of the ABC table. Non-active accounts have no rank, share or tier."""

    account: str
    name: str
    short_name: str | None
    manager: str
    status: str
    rank: int | None
    measure: Fraction
    share: Fraction | None
    cumulative_share: Fraction | None
    computed_tier: str | None
    tier: str | None
    overridden: bool
    why: str
    #: why the computed tier, for the reports to show in their language
    basis: Message = NO_MESSAGE

    def as_json(self) -> dict[str, object]:
        def num(v: Fraction | None) -> int | float | None:
            return None if v is None else plain(v)

        return {
            "rank": self.rank,
            "account": self.account,
            "name": self.name,
            "short_name": self.short_name,
            "manager": self.manager,
            "status": self.status,
            "measure": plain(self.measure),
            "share": num(self.share),
            "cumulative_share": num(self.cumulative_share),
            "computed_tier": self.computed_tier,
            "tier": self.tier,
            "overridden": self.overridden,
            "why": self.why,
        }


@dataclass(frozen=True)
class TierTable:
    as_of: dt.date
    method: str
    measure: str
    window: tuple[Month, Month]
    total: Fraction
    rows: tuple[TierRow, ...]  # active accounts ranked, then the others by id

    def tier_by_account(self) -> dict[str, str | None]:
        """Every account's tier (None without one), for lookups in one pass."""
        return {r.account: r.tier for r in self.rows}

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "method": self.method,
            "measure": self.measure,
            "window": [fmt_month(self.window[0]), fmt_month(self.window[1])],
            "total": plain(self.total),
            "accounts": [r.as_json() for r in self.rows],
        }


def _pareto(ranked: list[tuple[Account, Fraction]], settings: TierSettings, total: Fraction):
    before = Fraction(0)
    # share_before < cutoff  ⇔  before < cutoff × total (total > 0): no division per account
    limits = [(name, cutoff, exact(cutoff) * total) for name, cutoff in settings.cutoffs]
    for account, measure in ranked:
        tier = "C"
        why = Message(N_("measure is 0"))
        if measure > 0 and total > 0:
            above = Pct(float(before / total))
            for name, cutoff, limit in limits:
                if before < limit:
                    tier = name
                    why = Message.of(
                        N_("%(above)s of the total ranks above (< %(cutoff)s)"),
                        above=above,
                        cutoff=Pct(cutoff, 0),
                    )
                    break
            else:
                why = Message.of(N_("%(above)s of the total ranks above"), above=above)
        yield account, measure, tier, why, before
        before += measure


def _bands(account: Account, measure: Fraction, settings: TierSettings) -> tuple[str, Message]:
    for band in sorted(settings.bands, key=lambda b: exact(b.min), reverse=True):
        if measure >= exact(band.min):
            return band.tier, Message.of(
                N_("%(measure)s ≥ %(min)s"), measure=Amount(float(measure)), min=Amount(band.min)
            )
    return settings.default, Message(N_("below every band"))


def _streak(account: Account, months: list[Month], settings: TierSettings, measure: str):
    per_month = monthly(account, measure)
    lowest = min((per_month.get(m, Fraction(0)) for m in months), default=Fraction(0))
    span = f"{fmt_month(months[0])}…{fmt_month(months[-1])}" if months else ""
    for level in sorted(settings.streak_levels, key=lambda lv: exact(lv.min), reverse=True):
        if lowest >= exact(level.min):
            return level.tier, Message.of(
                N_("every month of %(span)s ≥ %(min)s"), span=span, min=Amount(level.min)
            )
    return settings.default, Message.of(
        N_("lowest month of %(span)s is %(lowest)s"), span=span, lowest=Amount(float(lowest))
    )


@by_identity()
def window_measure(account: Account, measure: str, first: int, last: int) -> Fraction:
    """The account's measure over the months ``first``..``last`` (as ``year * 12 + month``)."""
    per_month = monthly(account, measure)
    return sum(
        (v for (year, month), v in per_month.items() if first <= year * 12 + month <= last),
        Fraction(0),
    )


def compute_tiers(ledger: Ledger, as_of: dt.date) -> TierTable:
    """The ABC table of the ledger as of a date. The last table is kept in the active memo
    (``ledger.memo``) while nothing it depends on changed (``kam serve`` asks again after every
    edit, mostly of visits)."""
    key = (ledger.settings.tiers, as_of, tuple(_tier_inputs(a) for a in ledger.accounts))
    revenues = tuple(a.revenue for a in ledger.accounts)
    memo = active_memo()
    last = memo.kept("tiers.table") if memo is not None else None
    if last and last[0] == key and all(x is y for x, y in zip(last[1], revenues, strict=True)):
        return last[2]
    table = _compute_tiers(ledger, as_of)
    if memo is not None:
        memo.keep("tiers.table", (key, revenues, table))
    return table


def _tier_inputs(a: Account) -> tuple[Any, ...]:
    # everything of an account a tier row shows or depends on; the revenue by identity
    return (a.id, a.name, a.short_name, a.manager, a.status, a.tier_override, id(a.revenue))


def _compute_tiers(ledger: Ledger, as_of: dt.date) -> TierTable:
    settings = ledger.settings.tiers
    months = window_months(as_of, settings.window_months)
    first, last = months[0][0] * 12 + months[0][1], months[-1][0] * 12 + months[-1][1]

    def measure_of(account: Account) -> Fraction:
        return window_measure(account, settings.measure, first, last)

    active = [(a, measure_of(a)) for a in ledger.accounts if a.status == "active"]
    # exact order with integer keys: every measure over one common denominator
    common = math.lcm(*(m.denominator for _, m in active)) if active else 1
    ranked = sorted(
        active, key=lambda pair: (-pair[1].numerator * (common // pair[1].denominator), pair[0].id)
    )
    total = sum((m for _, m in ranked), Fraction(0))

    computed: list[tuple[Account, Fraction, str, Message, Fraction]] = []
    if settings.method == "pareto":
        computed = list(_pareto(ranked, settings, total))
    else:
        before = Fraction(0)
        streak = streak_months(as_of, settings.streak_months)
        for account, measure in ranked:
            if settings.method == "bands":
                tier, why = _bands(account, measure, settings)
            else:
                tier, why = _streak(account, streak, settings, settings.measure)
            computed.append((account, measure, tier, why, before))
            before += measure

    rows = [
        _row(account, rank, measure, tier, why, before, total, as_of)
        for rank, (account, measure, tier, why, before) in enumerate(computed, start=1)
    ]
    others = sorted((a for a in ledger.accounts if a.status != "active"), key=lambda a: a.id)
    rows += [_inactive_row(a, measure_of(a)) for a in others]
    return TierTable(
        as_of, settings.method, settings.measure, (months[0], months[-1]), total, tuple(rows)
    )


def _row(account, rank, measure, tier, basis, before, total, as_of) -> TierRow:
    override = account.tier_override
    overridden = override is not None and (override.until is None or override.until >= as_of)
    why = str(basis)
    if overridden:
        until = f" until {override.until}" if override.until else ""
        why = f"override: {override.reason}{until} (computed {tier}: {why})"
    return TierRow(
        **_identity(account),
        rank=rank,
        measure=measure,
        share=measure / total if total else Fraction(0),
        cumulative_share=(before + measure) / total if total else Fraction(0),
        computed_tier=tier,
        tier=override.tier if overridden else tier,
        overridden=overridden,
        why=why,
        basis=basis,
    )


def _identity(account: Account) -> dict[str, str | None]:
    return {
        "account": account.id,
        "name": account.name,
        "short_name": account.short_name,
        "manager": account.manager,
        "status": account.status,
    }


def _inactive_row(account: Account, measure: Fraction) -> TierRow:
    return TierRow(
        **_identity(account),  # type: ignore[arg-type]
        rank=None,
        measure=measure,
        share=None,
        cumulative_share=None,
        computed_tier=None,
        tier=None,
        overridden=False,
        why=f"no tier: status {account.status}",
        basis=Message.of(
            N_("no tier: status %(status)s"), status=Label("account_status", account.status)
        ),
    )


def tier_counts(table: TierTable) -> dict[str, int]:
    """Accounts per tier, in the order tiers first appear in the ranking."""
    counts: dict[str, int] = {}
    for row in table.rows:
        if row.tier is not None:
            counts[row.tier] = counts.get(row.tier, 0) + 1
    return counts
