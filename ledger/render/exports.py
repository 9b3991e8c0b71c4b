"""Tiers and due items as JSON, CSV and iCalendar: the same figures everywhere (CLI, site)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence

from ledger.derive.schedule import DueItem
from ledger.derive.tiers import TierTable

TIER_COLUMNS = (
    "rank",
    "account",
    "name",
    "manager",
    "status",
    "measure",
    "share",
    "cumulative_share",
    "computed_tier",
    "tier",
    "overridden",
    "why",
)
DUE_COLUMNS = ("due", "days", "status", "account", "name", "manager", "tier", "kind", "detail")
_FORMULA_START = ("=", "+", "-", "@")
#: a field holding any of these is quoted: the CSV module quotes only ',', '"' and the line
#: terminator, so a bare CR would split the row in a spreadsheet
_NEEDS_QUOTES = re.compile('[",\x00-\x1f\x7f-\x9f\u2028\u2029]')


def _cell(value: object) -> str:
    """One CSV field. Text a spreadsheet would run as a formula (first non-blank character
    ``= + - @``, or a leading tab or CR) is prefixed with a quote (CSV injection)."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and (
        text.lstrip().startswith(_FORMULA_START) or text.startswith(("\t", "\r"))
    ):
        text = "'" + text
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv(columns: Sequence[str], rows: Sequence[dict[str, object]]) -> str:
    lines = [",".join(_cell(c) for c in columns)]
    lines += [",".join(_cell(row[c]) for c in columns) for row in rows]
    return "".join(line + "\n" for line in lines)


def tiers_json(table: TierTable) -> str:
    return json.dumps(table.as_json(), ensure_ascii=False, indent=2)


def tiers_csv(table: TierTable) -> str:
    return _csv(TIER_COLUMNS, [r.as_json() for r in table.rows])


def due_json(items: Sequence[DueItem], as_of: dt.date, within: int) -> str:
    doc = {"as_of": as_of.isoformat(), "within_days": within, "items": [i.as_json() for i in items]}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def due_csv(items: Sequence[DueItem]) -> str:
    return _csv(DUE_COLUMNS, [i.as_json() for i in items])


KIND_TITLES = {
    "revisit": "Revisit 回访",
    "planned": "Planned visit 计划拜访",
    "complaint_overdue": "Complaint deadline 投诉处理时限",
    "complaint_follow_up": "Complaint follow-up 投诉回访",
    "birthday": "Birthday 生日",
    "holiday": "Holiday greeting 节日问候",
}


def due_ics(items: Sequence[DueItem], as_of: dt.date, calendar_name: str) -> str:
    """RFC 5545: one all-day event per item; stable UIDs so a re-import updates, not duplicates."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//kam//kam-ledger//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # an X- property is not escaped like TEXT: a name on several lines is put on one
    cal.add("x-wr-calname", " ".join(calendar_name.split()) or "kam")
    stamp = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.timezone.utc)
    for item in items:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.due)
        event.add("dtend", item.due + dt.timedelta(days=1))
        who = item.short_name or item.name
        event.add("summary", f"{KIND_TITLES[item.kind]}: {who} — {item.detail}")
        event.add(
            "description",
            f"Account: {item.name} ({item.account})\nManager: {item.manager}\n"
            f"Tier: {item.tier or '-'}\nKind: {item.kind}\nDue: {item.due} ({item.status})\n"
            f"{item.detail}",
        )
        event.add("categories", [item.kind])
        event.add("transp", "TRANSPARENT")
        if item.yearly:
            event.add("rrule", {"freq": "yearly"})
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")
