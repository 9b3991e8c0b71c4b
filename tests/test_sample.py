"""The sample ledger is realistic and rich, as the issue asks, and clean as of 2026-11-30."""

from __future__ import annotations

from collections import Counter

from ledger.load.schema import load_schema
from ledger.pipeline import check
from tests.conftest import AS_OF, SAMPLE


def _ledger():
    result = check(SAMPLE, AS_OF)
    assert result.diagnostics == []
    return result.ledger


def test_accounts_and_statuses():
    ledger = _ledger()
    assert 10 <= len(ledger.accounts) <= 12
    statuses = Counter(a.status for a in ledger.accounts)
    assert statuses["prospect"] >= 1 and statuses["dormant"] >= 1 and statuses["lost"] >= 1
    assert any(a.tier_override for a in ledger.accounts)
    assert len({a.manager for a in ledger.accounts}) >= 3


def test_revenue_history():
    ledger = _ledger()
    lengths = Counter()
    for a in ledger.accounts:
        months = {m for item in a.revenue for m in item.months}
        lengths.update(len(item.months) for item in a.revenue)
        if a.status == "active" and a.id != "yunhai-energy":  # a key account since 2025-06
            assert len(months) >= 24, a.id
    assert lengths[1] and lengths[3] and lengths[12]  # monthly, quarterly and yearly items


def test_visits_cover_every_kind_mode_and_status():
    ledger = _ledger()
    visits = [v for a in ledger.accounts for v in a.visits]
    schema = load_schema("visit")["properties"]
    assert {v.kind for v in visits} == set(schema["kind"]["enum"])
    assert {v.mode for v in visits} == set(schema["mode"]["enum"])
    assert {v.status for v in visits} == set(schema["status"]["enum"])
    assert {v.satisfaction for v in visits} - {None} == set(schema["satisfaction"]["enum"])
    for a in ledger.accounts:
        if a.status == "active":
            assert len(a.visits) >= 8, a.id


def test_complaints_cover_every_category_and_status():
    ledger = _ledger()
    complaints = [c for a in ledger.accounts for c in a.complaints]
    schema = load_schema("complaint")["properties"]
    assert {c.category for c in complaints} == set(schema["category"]["enum"])
    assert {c.status for c in complaints} == set(schema["status"]["enum"])


def test_birthdays_include_lunar_and_month_day_only():
    contacts = [c for a in _ledger().accounts for c in a.contacts if c.birthday]
    assert any(c.birthday.calendar == "lunar" for c in contacts)
    assert any(c.birthday.year is None for c in contacts)


def test_mostly_chinese_text():
    ledger = _ledger()
    names = [a.name for a in ledger.accounts]
    assert sum(any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in names) == len(names)
