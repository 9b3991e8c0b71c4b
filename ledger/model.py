"""Plain frozen data for every later stage: built once by the loader from schema-valid files.

Every builder receives a document that passed its schema, fills in the schema's defaults
(:func:`ledger.load.schema.with_defaults`) and converts types; it never re-checks structure.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from ledger.load.schema import load_schema, with_defaults
from ledger.memo import by_identity

Month = tuple[int, int]  # (year, month)
T = TypeVar("T")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None


def _extra(data: dict[str, Any]) -> dict[str, Any]:
    """The user's own ``x-*`` keys, kept as written."""
    return {k: v for k, v in data.items() if k.startswith("x-")}


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


def build_settings(d: dict[str, Any]) -> Settings:
    """Settings from a valid ledger.yaml document (defaults are filled in here)."""
    d = with_defaults("ledger", d)
    t, r = d["tiers"], d["revisit"]
    holidays = r.get("holidays", {})
    streak = t.get("streak", {"months": 6})
    return Settings(
        name=d["name"],
        currency=d["currency"],
        locale=d["locale"],
        tiers=TierSettings(
            method=t["method"],
            measure=t["measure"],
            window_months=t["window_months"],
            cutoffs=tuple(t["cutoffs"].items()),
            bands=tuple(Level(b["tier"], b["min"]) for b in t.get("bands", ())),
            streak_months=streak["months"],
            streak_levels=tuple(Level(lv["tier"], lv["min"]) for lv in streak.get("levels", ())),
            default=t["default"],
        ),
        revisit=RevisitSettings(
            interval_days={k: v for k, v in r["interval_days"].items() if not k.startswith("x-")},
            due_soon_days=r["due_soon_days"],
            after_complaint_days=r["after_complaint_days"],
            birthdays=r["birthdays"],
            holiday_country=holidays.get("country"),
            holiday_dates=tuple(
                Holiday(h["name"], dt.date.fromisoformat(h["date"]))
                for h in holidays.get("dates", ())
            ),
            holiday_tiers=tuple(holidays["tiers"]) if "tiers" in holidays else None,
        ),
        resolve_within_days=dict(d["complaints"]["resolve_within_days"]),
        review_days=d["dossier"]["review_days"],
        revenue_swing=d["dossier"]["revenue_swing"],
        extra=_extra(d),
    )


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
        date, 29 February included); the rule ``bad-date`` reports the others."""
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
    visits: tuple[Visit, ...] = ()  # by date, then id
    complaints: tuple[Complaint, ...] = ()  # by opened, then id
    #: ids of every complaint file of the account, including files that failed to load
    complaint_ids: frozenset[str] = frozenset()

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def contact(self, contact_id: str) -> Contact | None:
        return next((c for c in self.contacts if c.id == contact_id), None)


def _birthday(text: str | None, calendar: str) -> Birthday | None:
    if text is None:
        return None
    year = None if text.startswith("--") else int(text[:4])
    return Birthday(month=int(text[-5:-3]), day=int(text[-2:]), year=year, calendar=calendar)


# --- building the model from the schemas ---------------------------------------------------
#
# Every property of a schema object reaches its model object: as the typed field of the same
# name, converted by the schema's type (dates, lists), or else kept as written in ``more``.
# A property added to a schema therefore reaches the model, ledger.json and the docs without a
# change here; a typed field is added only when code needs to compute with it.

Convert = Callable[[Any], Any]


def _convert(sub: dict[str, Any]) -> Convert | None:
    """How a value of this schema becomes a model value: dates as dates, lists as tuples."""
    if sub.get("format") == "date":
        return dt.date.fromisoformat
    if sub.get("type") == "array":
        item = _convert(sub.get("items", {})) if isinstance(sub.get("items"), dict) else None
        return tuple if item is None else (lambda values: tuple(item(v) for v in values))
    return None


@functools.cache
def _plan(cls: type, kind: str, path: tuple[str, ...]) -> dict[str, tuple[bool, Convert | None]]:
    """For each property of the schema object at ``path``: whether ``cls`` has a typed field of
    that name, and its conversion."""
    sub: dict[str, Any] = load_schema(kind)
    for step in path:
        sub = sub["properties"][step]
        sub = sub.get("items", sub) if sub.get("type") == "array" else sub
    typed = {f.name for f in fields(cls)}
    return {key: (key in typed, _convert(s)) for key, s in sub.get("properties", {}).items()}


def from_schema(
    cls: type[T],
    kind: str,
    data: dict[str, Any],
    path: tuple[str, ...] = (),
    built: dict[str, Any] | None = None,
    **given: Any,
) -> T:
    """A ``cls`` from a valid (defaults filled) schema object of ``kind`` at ``path``.

    ``built`` holds properties the caller converted itself (nested objects), by name;
    ``given`` the fields that do not come from the document (id, file, records)."""
    built = built or {}
    values: dict[str, Any] = {}
    more: dict[str, Any] = {}
    for key, (typed, convert) in _plan(cls, kind, path).items():
        if key in built:
            if typed:
                values[key] = built[key]
            continue
        if key not in data:
            continue
        value = data[key]
        if convert is not None and value is not None:
            value = convert(value)
        if typed:
            values[key] = value
        else:
            more[key] = value
    if not path:
        given["extra"] = _extra(data)
    return cls(**given, **values, more=more)


def build_contact(c: dict[str, Any]) -> Contact:
    built = {
        "birthday": _birthday(c.get("birthday"), c["birthday_calendar"]),
        "birthday_calendar": None,  # part of ``birthday``
        "anniversaries": tuple(
            from_schema(Anniversary, "dossier", a, ("contacts", "anniversaries"))
            for a in c.get("anniversaries", ())
        ),
    }
    return from_schema(Contact, "dossier", c, ("contacts",), built)


def build_account(
    account_id: str,
    file: str,
    d: dict[str, Any],
    records: dict[str, tuple[Any, ...]] | None = None,
    complaint_ids: frozenset[str] = frozenset(),
) -> Account:
    """An Account from a valid dossier document, with its records by kind attribute
    (``visits``, ``complaints``: each already sorted) and the ids of its complaint files."""
    revenue = _revenue(d)
    d = with_defaults("dossier", d)
    scale = d.get("scale", {})
    override = d.get("tier_override")
    built = {
        "scale": scale,
        "credit": from_schema(Credit, "dossier", d.get("credit", {}), ("credit",)),
        "tier_override": None
        if not override  # the defaults fill in an empty mapping
        else from_schema(TierOverride, "dossier", override, ("tier_override",)),
        "competitors": tuple((c["name"], c.get("notes")) for c in d.get("competitors", ())),
        "contacts": tuple(build_contact(c) for c in d.get("contacts", ())),
        "revenue": revenue,
    }
    return from_schema(
        Account,
        "dossier",
        d,
        built=built,
        id=account_id,
        file=file,
        employees=scale.get("employees"),
        complaint_ids=complaint_ids,
        **(records or {}),
    )


@by_identity()
def _revenue(d: dict[str, Any]) -> tuple[RevenueItem, ...]:
    """The revenue of a dossier document; the same tuple for the same document, so that figures
    remembered per revenue (the tier table) survive an edit of the account's visits."""
    return tuple(
        from_schema(RevenueItem, "dossier", r, ("revenue",), {"period": str(r["period"])})
        for r in d.get("revenue", ())
    )


def build_record(cls: type[T], kind: str, record_id: str, file: str, d: dict[str, Any]) -> T:
    """A visit, complaint or any other dated record from a valid document of its kind."""
    return from_schema(cls, kind, with_defaults(kind, d), id=record_id, file=file)


def default_settings() -> Settings:
    """The settings of a ledger without ledger.yaml."""
    return build_settings({})


@dataclass(frozen=True)
class Ledger:
    """The whole ledger: settings and every account that loaded, sorted by id."""

    root: str
    settings: Settings
    accounts: tuple[Account, ...]
    files: int  # number of ledger files read

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)
