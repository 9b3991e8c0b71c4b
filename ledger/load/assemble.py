"""Assemble the model from schema-valid documents: every property of a schema object reaches
its model object, as the typed field of the same name (dates as dates, lists as tuples) or
else, as written, in more. A property added to a schema therefore reaches the model,
ledger.json and the docs without a change here; a typed field is added to ledger.model only
when code computes with it."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

from ledger.load.schema import Pruned, load_schema, with_defaults
from ledger.memo import by_identity
from ledger.model import (
    Account,
    Anniversary,
    Birthday,
    Contact,
    Credit,
    Holiday,
    Level,
    RevenueItem,
    RevisitSettings,
    Settings,
    TierOverride,
    TierSettings,
)

T = TypeVar("T")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None


def _extra(data: dict[str, Any]) -> dict[str, Any]:
    """The user's own ``x-*`` keys, kept as written."""
    return {k: v for k, v in data.items() if k.startswith("x-")}


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


def _birthday(text: str | None, calendar: str) -> Birthday | None:
    if text is None:
        return None
    year = None if text.startswith("--") else int(text[:4])
    return Birthday(month=int(text[-5:-3]), day=int(text[-2:]), year=year, calendar=calendar)


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
    origin = _origins(d)
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
        origin=origin,
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
    origin = _origins(d)
    return from_schema(cls, kind, with_defaults(kind, d), id=record_id, file=file, origin=origin)


def _origins(d: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """Where the items of the document's lists are in its file, for lists that lost items to
    errors (``ledger.load.schema.usable``)."""
    return {key: value.origin for key, value in d.items() if isinstance(value, Pruned)}


def default_settings() -> Settings:
    """The settings of a ledger without ledger.yaml."""
    return build_settings({})
