"""Plain frozen data for every later stage, built once by the loader from schema-valid files
(``ledger.load.assemble``). Typed fields are what the code computes with; every other property
of a schema reaches its object's ``more``, as written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ledger import limits

Month = tuple[int, int]  # (year, month)


# --- settings (ledger.yaml) --------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """A threshold band or a streak level: ``tier`` for a measure of at least ``min``."""

    tier: str
    min: float


@dataclass(frozen=True)
class Holiday:
    name: str
    date: dt.date


@dataclass(frozen=True)
class TierSettings:
    method: str
    measure: str
    window_months: int
    cutoffs: tuple[tuple[str, float], ...]
    bands: tuple[Level, ...]
    streak_months: int
    streak_levels: tuple[Level, ...]
    default: str


@dataclass(frozen=True)
class RevisitSettings:
    interval_days: dict[str, int]
    due_soon_days: int
    after_complaint_days: int
    birthdays: bool
    holiday_country: str | None
    holiday_dates: tuple[Holiday, ...]
    holiday_tiers: tuple[str, ...] | None  # None: every tier

    def interval(self, tier: str | None) -> int:
        """FORMAT §8: the interval of a tier, or ``default`` for no tier or an unlisted one."""
        if tier is not None and tier in self.interval_days:
            return self.interval_days[tier]
        return self.interval_days["default"]


@dataclass(frozen=True)
class Settings:
    """ledger.yaml; its defaults live in schema/ledger.schema.json (see ``default_settings``)."""

    name: str
    currency: str
    locale: str
    tiers: TierSettings
    revisit: RevisitSettings
    resolve_within_days: dict[str, int]
    review_days: int
    revenue_swing: float
    extra: dict[str, Any] = field(default_factory=dict)


# --- the account dossier -------------------------------------------------------------------


@dataclass(frozen=True)
class Birthday:
    """A birthday: ``year`` is None for --MM-DD; lunar month/day are of the Chinese calendar."""

    month: int
    day: int
    year: int | None = None
    calendar: str = "gregorian"

    @property
    def exists(self) -> bool:
        """A day of its calendar (a Chinese-calendar month 1-12 and day 1-30; a real Gregorian
        date, 29 February included) in the years kam computes for; the rule ``bad-date``
        reports the others."""
        if self.year is not None and not limits.FIRST_DAY.year <= self.year <= limits.LAST_DAY.year:
            return False
        if self.calendar == "lunar":
            return 1 <= self.month <= 12 and 1 <= self.day <= 30
        try:
            dt.date(self.year or 2000, self.month, self.day)  # 2000 is a leap year
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class Anniversary:
    name: str
    date: dt.date
    more: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    role: str | None = None
    decision_role: str | None = None
    phone: str | None = None
    email: str | None = None
    birthday: Birthday | None = None
    anniversaries: tuple[Anniversary, ...] = ()
    personality: str | None = None
    interests: str | None = None
    family: str | None = None
    education: str | None = None
    attitude: str | None = None
    notes: str | None = None
    more: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RevenueItem:
    """Trade in one period: a year (12 months), a quarter (3) or a month (1)."""

    period: str
    amount: float
    profit: float | None = None
    reason: str | None = None
    more: dict[str, Any] = field(default_factory=dict)

    @property
    def months(self) -> tuple[Month, ...]:
        """The calendar months the period covers, in order."""
        year = int(self.period[:4])
        rest = self.period[5:]
        if not rest:
            return tuple((year, m) for m in range(1, 13))
        if rest.startswith("Q"):
            first = (int(rest[1]) - 1) * 3 + 1
            return tuple((year, m) for m in range(first, first + 3))
        return ((year, int(rest)),)


@dataclass(frozen=True)
class Credit:
    limit: float | None = None
    terms_days: int | None = None
    outstanding: float | None = None
    overdue: float | None = None
    more: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TierOverride:
    tier: str
    reason: str
    until: dt.date | None = None
    more: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Visit:
    id: str
    file: str
    date: dt.date
    mode: str
    status: str = "done"
    kind: str = "periodic"
    by: str | None = None
    received_by: tuple[str, ...] = ()
    place: str | None = None
    purpose: str | None = None
    summary: str | None = None
    progress: str | None = None
    satisfaction: str | None = None
    suggestions: str | None = None
    next_visit: dt.date | None = None
    follows_up: str | None = None
    notes: str | None = None
    more: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    #: for a list some items were removed from (a file with errors): the index in the file of
    #: each item left, so that problems point at the right line
    origin: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Complaint:
    id: str
    file: str
    opened: dt.date
    summary: str
    category: str
    severity: str
    status: str
    channel: str | None = None
    raised_by: str | None = None
    customer_position: str | None = None
    owner: str | None = None
    acknowledged: dt.date | None = None
    resolved: dt.date | None = None
    resolution: str | None = None
    root_cause: str | None = None
    notes: str | None = None
    more: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    #: for a list some items were removed from (a file with errors): the index in the file of
    #: each item left, so that problems point at the right line
    origin: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Account:
    id: str
    file: str  # the dossier, relative to the root
    name: str
    manager: str
    status: str = "active"
    short_name: str | None = None
    industry: str | None = None
    employees: int | None = None
    scale: dict[str, Any] = field(default_factory=dict)
    region: str | None = None
    address: str | None = None
    lost_on: dt.date | None = None
    lost_reason: str | None = None
    since: dt.date | None = None
    stage: str | None = None
    reviewed_on: dt.date | None = None
    credit: Credit = field(default_factory=Credit)
    tier_override: TierOverride | None = None
    channels: tuple[str, ...] = ()
    purchase_price: str | None = None
    competitors: tuple[tuple[str, str | None], ...] = ()
    contacts: tuple[Contact, ...] = ()
    revenue: tuple[RevenueItem, ...] = ()
    tags: tuple[str, ...] = ()
    notes: str | None = None
    more: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    #: for a list some items were removed from (a file with errors): the index in the file of
    #: each item left, so that problems point at the right line
    origin: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)
    visits: tuple[Visit, ...] = ()  # by date, then id
    complaints: tuple[Complaint, ...] = ()  # by opened, then id
    #: ids of every complaint file of the account, including files that failed to load
    complaint_ids: frozenset[str] = frozenset()

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def contact(self, contact_id: str) -> Contact | None:
        return next((c for c in self.contacts if c.id == contact_id), None)


@dataclass(frozen=True)
class Ledger:
    """The whole ledger: settings and every account that loaded, sorted by id."""

    root: str
    settings: Settings
    accounts: tuple[Account, ...]
    files: int  # number of ledger files read

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)
