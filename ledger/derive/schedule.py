"""The revisit schedule (FORMAT §8): what is due as of a date, as pure functions of the model.

Birthdays on the Chinese calendar (农历) are converted with ``lunardate``: a lunar day that does
not exist in a given year (the 30th of a 29-day month) falls on the last day of that month, and
a birthday is always taken in the ordinary (not the leap) month. Public holidays come from the
``holidays`` package, one greeting per festival on its first day (no bridge or make-up days).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ledger.derive.messages import N_, NO_MESSAGE, Label, Message
from ledger.derive.tiers import TierTable
from ledger.kinds import record_kinds
from ledger.memo import by_identity
from ledger.model import Account, Birthday, Contact, Holiday, Ledger, Settings

#: every due kind, in the order items of one account on one day are listed (FORMAT §8); the
#: due sources of ``ledger.kinds`` produce them
KINDS = ("revisit", "planned", "complaint_overdue", "complaint_follow_up", "birthday", "holiday")


@dataclass(frozen=True)
class DueItem:
    account: str
    name: str
    short_name: str | None
    manager: str
    tier: str | None
    kind: str
    due: dt.date
    days: int
    status: str  # overdue | due_soon | upcoming
    detail: str
    #: what the item is about: a visit, complaint or contact id, a holiday name; with account
    #: and kind it makes a stable identity (used as the ICS UID)
    ref: str
    yearly: bool = False  # a Gregorian birthday recurs every year on the same day
    #: ``detail`` as a message, for the reports to show in their language
    about: Message = NO_MESSAGE

    @property
    def uid(self) -> str:
        return f"{self.kind}/{self.account}/{self.ref}@kam"

    def as_json(self) -> dict[str, object]:
        return {
            "account": self.account,
            "name": self.name,
            "short_name": self.short_name,
            "manager": self.manager,
            "tier": self.tier,
            "kind": self.kind,
            "due": self.due.isoformat(),
            "days": self.days,
            "status": self.status,
            "detail": self.detail,
            "ref": self.ref,
        }


def status_of(days: int, due_soon_days: int) -> str:
    if days < 0:
        return "overdue"
    return "due_soon" if days <= due_soon_days else "upcoming"


def next_birthday(birthday: Birthday, as_of: dt.date) -> dt.date:
    """The next occurrence on or after ``as_of``, as a Gregorian date."""
    if birthday.calendar == "lunar":
        return _next_lunar(birthday.month, birthday.day, as_of)
    for year in (as_of.year, as_of.year + 1):
        day = _gregorian(year, birthday.month, birthday.day)
        if day >= as_of:
            return day
    raise AssertionError("unreachable: a birthday recurs within a year")


def _gregorian(year: int, month: int, day: int) -> dt.date:
    if (month, day) == (2, 29):
        try:
            return dt.date(year, 2, 29)
        except ValueError:
            return dt.date(year, 2, 28)  # FORMAT §8: 29 February falls on 28 February
    return dt.date(year, month, day)


def lunar_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a lunar month/day in a lunar year (day clamped to the month)."""
    from lunardate import LunarDate

    for d in range(day, 28, -1) if day > 29 else (day,):
        try:
            return LunarDate(year, month, d).to_solar_date()
        except ValueError:
            continue
    return LunarDate(year, month, 29).to_solar_date()


def _next_lunar(month: int, day: int, as_of: dt.date) -> dt.date:
    # The lunar year starts between 21 January and 20 February: look in the year before too.
    for year in (as_of.year - 1, as_of.year, as_of.year + 1):
        day_ = lunar_to_gregorian(year, month, day)
        if day_ >= as_of:
            return day_
    raise AssertionError("unreachable: a lunar birthday recurs within a year")


def country_holidays(country: str, years: Iterable[int], locale: str) -> list[Holiday]:
    """One greeting day per public festival of the country: its first day in each year."""
    import holidays

    language = "zh_CN" if locale == "zh-CN" else "en_US"
    try:
        calendar = holidays.country_holidays(
            country, years=list(years), observed=False, language=language
        )
    except NotImplementedError:
        return []
    first: dict[tuple[int, str], dt.date] = {}
    for day, name in sorted(calendar.items()):
        first.setdefault((day.year, name), day)
    return [Holiday(name, day) for (_, name), day in sorted(first.items(), key=lambda x: x[1])]


@by_identity(64)
def holidays_of(settings: Settings, as_of: dt.date, horizon: dt.date) -> list[Holiday]:
    """Configured holidays on or after ``as_of`` up to ``horizon``, by date."""
    revisit = settings.revisit
    found = [h for h in revisit.holiday_dates if as_of <= h.date <= horizon]
    if revisit.holiday_country:
        years = range(as_of.year, horizon.year + 1)
        found += [
            h
            for h in country_holidays(revisit.holiday_country, years, settings.locale)
            if as_of <= h.date <= horizon
        ]
    return sorted(found, key=lambda h: (h.date, h.name))


def _revisit(account: Account, interval: int, as_of: dt.date) -> tuple[dt.date, Message, str]:
    done = [v for v in account.visits if v.status == "done" and v.date <= as_of]
    if not done:
        if account.since is not None:
            return account.since, Message(N_("never visited; key account since")), "revisit"
        return as_of, Message(N_("never visited")), "revisit"
    last = max(done, key=lambda v: (v.date, v.id))
    due = last.date + dt.timedelta(days=interval)
    mode = Label("mode", last.mode)
    detail = Message.of(
        N_("last visit %(date)s (%(mode)s); every %(interval)s days"),
        date=last.date,
        mode=mode,
        interval=interval,
    )
    if last.next_visit is not None and last.next_visit < due:
        due = last.next_visit
        detail = Message.of(
            N_("last visit %(date)s (%(mode)s) planned the next for %(next)s"),
            date=last.date,
            mode=mode,
            next=last.next_visit,
        )
    return due, detail, "revisit"


def _contact_label(contact: Contact) -> str:
    return f"{contact.name} ({contact.role})" if contact.role else contact.name


def revisit_items(
    account: Account, tier: str | None, settings: Settings, as_of: dt.date, holidays: list[Holiday]
) -> Iterator[tuple[str, dt.date, Message, str, bool]]:
    """The next revisit of the account (FORMAT §8)."""
    due, detail, ref = _revisit(account, settings.revisit.interval(tier), as_of)
    yield "revisit", due, detail, ref, False


def planned_items(
    account: Account, tier: str | None, settings: Settings, as_of: dt.date, holidays: list[Holiday]
) -> Iterator[tuple[str, dt.date, Message, str, bool]]:
    """Every planned visit."""
    for v in account.visits:
        if v.status == "planned":
            purpose = (
                Message(N_("planned visit"))
                if v.purpose is None
                else Message.of("%(purpose)s", purpose=v.purpose)  # the user's words: untranslated
            )
            yield "planned", v.date, purpose, v.id, False


def complaint_items(
    account: Account, tier: str | None, settings: Settings, as_of: dt.date, holidays: list[Holiday]
) -> Iterator[tuple[str, dt.date, Message, str, bool]]:
    """Open complaints by their deadline; resolved ones until a done visit follows them up."""
    followed: dict[str, list[dt.date]] = {}
    for v in account.visits:
        if v.status == "done" and v.follows_up:
            followed.setdefault(v.follows_up, []).append(v.date)
    for c in account.complaints:
        if c.status in ("open", "in_progress"):
            days = settings.resolve_within_days[c.severity]
            due = c.opened + dt.timedelta(days=days)
            detail = Message.of(
                N_("%(severity)s complaint opened %(opened)s: %(summary)s"),
                severity=Label("severity", c.severity),
                opened=c.opened,
                summary=c.summary,
            )
            yield "complaint_overdue", due, detail, c.id, False
        elif c.resolved is not None and not any(d >= c.resolved for d in followed.get(c.id, ())):
            due = c.resolved + dt.timedelta(days=settings.revisit.after_complaint_days)
            detail = Message.of(
                N_("resolved %(resolved)s: %(summary)s"), resolved=c.resolved, summary=c.summary
            )
            yield "complaint_follow_up", due, detail, c.id, False


def birthday_items(
    account: Account, tier: str | None, settings: Settings, as_of: dt.date, holidays: list[Holiday]
) -> Iterator[tuple[str, dt.date, Message, str, bool]]:
    """The next birthday of every contact, when the ledger greets birthdays."""
    if not settings.revisit.birthdays:
        return
    for contact in account.contacts:
        b = contact.birthday
        if b is None or not b.exists:  # a day that does not exist is a bad-date error
            continue
        who = _contact_label(contact)
        if b.calendar == "lunar":
            detail = Message.of(
                N_("birthday of %(who)s (lunar %(lunar)s)"),
                who=who,
                lunar=f"{b.month:02d}-{b.day:02d}",
            )
        else:
            detail = Message.of(N_("birthday of %(who)s"), who=who)
        yearly = b.calendar == "gregorian" and (b.month, b.day) != (2, 29)
        yield "birthday", next_birthday(b, as_of), detail, contact.id, yearly


def holiday_items(
    account: Account, tier: str | None, settings: Settings, as_of: dt.date, holidays: list[Holiday]
) -> Iterator[tuple[str, dt.date, Message, str, bool]]:
    """A greeting for each holiday, for the tiers the ledger greets."""
    tiers = settings.revisit.holiday_tiers
    if tiers is None or tier in tiers:
        for h in holidays:
            name = Message.of("%(name)s", name=h.name)
            yield "holiday", h.date, name, f"{h.date}-{h.name}", False


def account_items(
    account: Account, tier: str | None, settings: Settings, as_of: dt.date, holidays: list[Holiday]
) -> Iterator[tuple[str, dt.date, Message, str, bool]]:
    """(kind, due, detail, ref, yearly) of every item of one account: the due sources of every
    record kind (``ledger.kinds``)."""
    for kind in record_kinds():
        for source in kind.due:
            yield from source(account, tier, settings, as_of, holidays)


@by_identity()
def _account_due(
    account: Account, tier: str | None, settings: Settings, as_of: dt.date, holidays: list[Holiday]
) -> list[DueItem]:
    """Every item of one account, remembered per account object (do not change the list)."""
    return [
        DueItem(
            account=account.id,
            name=account.name,
            short_name=account.short_name,
            manager=account.manager,
            tier=tier,
            kind=kind,
            due=due,
            days=(due - as_of).days,
            status=status_of((due - as_of).days, settings.revisit.due_soon_days),
            detail=str(about),
            ref=ref,
            yearly=yearly,
            about=about,
        )
        for kind, due, about, ref, yearly in account_items(account, tier, settings, as_of, holidays)
    ]


def due_items(
    ledger: Ledger, tiers: TierTable, as_of: dt.date, within: int | None = None
) -> list[DueItem]:
    """Every schedule item of every account not lost, sorted by due date then account.

    With ``within``, only items due at most that many days after ``as_of`` (overdue included).
    """
    settings = ledger.settings
    horizon = as_of + dt.timedelta(days=max(within if within is not None else 366, 0))
    holidays = holidays_of(settings, as_of, horizon)
    tier_by_account = tiers.tier_by_account()
    items = [
        item
        for account in ledger.accounts
        if account.status != "lost"
        for item in _account_due(
            account, tier_by_account.get(account.id), settings, as_of, holidays
        )
        if within is None or item.days <= within
    ]
    return sorted(items, key=lambda i: (i.due, i.account, KINDS.index(i.kind), i.ref))


def filter_due(
    items: Iterable[DueItem],
    managers: Iterable[str] = (),
    tiers: Iterable[str | None] = (),
    kinds: Iterable[str] = (),
) -> list[DueItem]:
    """The items of these managers, of these tiers and of these kinds, in their order (an empty
    choice keeps every item: ``kam due --manager … --tier … --kind …``)."""
    managers, tiers, kinds = set(managers), set(tiers), set(kinds)
    return [
        i
        for i in items
        if (not managers or i.manager in managers)
        and (not tiers or i.tier in tiers)
        and (not kinds or i.kind in kinds)
    ]
