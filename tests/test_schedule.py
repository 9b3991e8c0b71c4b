"""FORMAT §8 with hand-computed expected values."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.derive.schedule import due_items, next_birthday
from ledger.derive.tiers import compute_tiers
from ledger.model import Birthday

AS_OF = dt.date(2026, 11, 30)
D = dt.date

DOSSIER = """\
name: 测试公司
manager: 王磊
contacts:
  - {id: zhang, name: 张伟, role: 采购总监}
revenue:
  - {period: 2026-11, amount: 100}
"""


def visit(date: str, **fields: str) -> str:
    base = {"date": date, "mode": "phone", "summary": "回访"}
    base.update(fields)
    return "".join(f"{k}: {v}\n" for k, v in base.items())


def schedule(checked, files, dossier=DOSSIER, as_of=AS_OF, within=None, settings=""):
    if settings:
        files = {**files, "ledger.yaml": settings}
    result = checked(files, dossier=dossier, as_of=as_of)
    assert result.errors == [], result.errors
    return due_items(result.ledger, compute_tiers(result.ledger, as_of), as_of, within)


def of_kind(items, kind):
    return [(i.due, i.days, i.status) for i in items if i.kind == kind]


def test_revisit_counts_from_the_latest_done_visit(checked):
    items = schedule(
        checked,
        {
            "acme/visits/2026-10-01.yaml": visit("2026-10-01"),
            "acme/visits/2026-10-20.yaml": visit("2026-10-20"),
            "acme/visits/2026-11-25.yaml": visit("2026-11-25", status="cancelled"),
            "acme/visits/2026-12-01.yaml": visit("2026-12-01", status="planned"),
        },
    )
    # the only active account is tier A: 30 days
    assert of_kind(items, "revisit") == [(D(2026, 11, 19), -11, "overdue")]
    assert of_kind(items, "planned") == [(D(2026, 12, 1), 1, "due_soon")]


def test_revisit_interval_follows_the_tier(checked):
    settings = "revisit: {interval_days: {A: 10}}\n"
    items = schedule(
        checked, {"acme/visits/2026-11-25.yaml": visit("2026-11-25")}, settings=settings
    )
    assert of_kind(items, "revisit") == [(D(2026, 12, 5), 5, "due_soon")]


def test_revisit_uses_an_earlier_next_visit(checked):
    files = {"acme/visits/2026-11-20.yaml": visit("2026-11-20", next_visit="2026-11-27")}
    assert of_kind(schedule(checked, files), "revisit") == [(D(2026, 11, 27), -3, "overdue")]
    files = {"acme/visits/2026-11-20.yaml": visit("2026-11-20", next_visit="2027-01-27")}
    assert of_kind(schedule(checked, files), "revisit") == [(D(2026, 12, 20), 20, "upcoming")]


def test_done_visit_after_as_of_does_not_count(checked):
    files = {
        "acme/visits/2026-11-01.yaml": visit("2026-11-01"),
        "acme/visits/2026-12-10.yaml": visit("2026-12-10"),
    }
    items = schedule(checked, files)
    assert of_kind(items, "revisit") == [(D(2026, 12, 1), 1, "due_soon")]


def test_never_visited(checked):
    assert of_kind(schedule(checked, {}), "revisit") == [(AS_OF, 0, "due_soon")]
    with_since = DOSSIER + "since: 2026-06-01\n"
    assert of_kind(schedule(checked, {}, with_since), "revisit") == [
        (D(2026, 6, 1), -182, "overdue")
    ]


def test_dormant_without_tier_uses_default_interval_and_lost_is_skipped(checked):
    dormant = DOSSIER + "status: dormant\n"
    files = {"acme/visits/2026-11-01.yaml": visit("2026-11-01")}
    items = schedule(checked, files, dormant)
    assert of_kind(items, "revisit") == [(D(2027, 1, 30), 61, "upcoming")]
    assert items[0].tier is None
    lost = DOSSIER + "status: lost\nlost_on: 2026-01-01\nlost_reason: x\n"
    assert schedule(checked, files, lost) == []


COMPLAINT = "opened: {opened}\nsummary: 到货延误\ncategory: delivery\nseverity: {severity}\nstatus: {status}\n"


@pytest.mark.parametrize(
    ("severity", "due"),
    [
        ("critical", D(2026, 11, 29)),
        ("high", D(2026, 12, 1)),
        ("medium", D(2026, 12, 5)),
        ("low", D(2026, 12, 12)),
    ],
)
def test_complaint_deadline_by_severity(checked, severity, due):
    text = COMPLAINT.format(opened="2026-11-28", severity=severity, status="in_progress")
    items = schedule(checked, {"acme/complaints/2026-11-28.yaml": text})
    assert [i.due for i in items if i.kind == "complaint_overdue"] == [due]


def test_complaint_follow_up(checked):
    text = COMPLAINT.format(opened="2026-11-01", severity="low", status="resolved")
    text += "resolved: 2026-11-10\nresolution: 补发\n"
    files = {"acme/complaints/2026-11-01-x.yaml": text}
    assert of_kind(schedule(checked, files), "complaint_follow_up") == [
        (D(2026, 11, 13), -17, "overdue")
    ]
    early = visit("2026-11-05", follows_up="2026-11-01-x")  # before it was resolved
    files["acme/visits/2026-11-05.yaml"] = early
    assert len(of_kind(schedule(checked, files), "complaint_follow_up")) == 1
    files["acme/visits/2026-11-10.yaml"] = visit("2026-11-10", follows_up="2026-11-01-x")
    assert of_kind(schedule(checked, files), "complaint_follow_up") == []


@pytest.mark.parametrize(
    ("birthday", "as_of", "expected"),
    [
        (Birthday(6, 12, 1978), D(2026, 11, 30), D(2027, 6, 12)),
        (Birthday(12, 8), D(2026, 11, 30), D(2026, 12, 8)),
        (Birthday(11, 30), D(2026, 11, 30), D(2026, 11, 30)),  # today counts
        (Birthday(2, 29), D(2026, 11, 30), D(2027, 2, 28)),  # 2027 is not a leap year
        (Birthday(2, 29), D(2027, 11, 30), D(2028, 2, 29)),
        (Birthday(2, 29, 1980), D(2028, 2, 29), D(2028, 2, 29)),
        (Birthday(8, 15, calendar="lunar"), D(2026, 9, 1), D(2026, 9, 25)),  # 中秋 2026
        (Birthday(8, 15, calendar="lunar"), D(2026, 11, 30), D(2027, 9, 15)),  # 中秋 2027
        (Birthday(10, 26, calendar="lunar"), D(2026, 11, 30), D(2026, 12, 4)),
        (Birthday(1, 1, calendar="lunar"), D(2026, 11, 30), D(2027, 2, 6)),  # 春节 2027
        # lunar 12-30 does not exist in lunar year 2026 (a 29-day month): the 29th, 除夕
        (Birthday(12, 30, calendar="lunar"), D(2026, 11, 30), D(2027, 2, 5)),
        # early in the Gregorian year the birthday may still belong to the lunar year before
        (Birthday(12, 20, calendar="lunar"), D(2026, 1, 10), D(2026, 2, 7)),
    ],
)
def test_next_birthday(birthday, as_of, expected):
    assert next_birthday(birthday, as_of) == expected


def test_birthday_items_and_switch(checked):
    dossier = DOSSIER.replace("role: 采购总监}", "role: 采购总监, birthday: --12-08}")
    items = schedule(checked, {}, dossier)
    (item,) = [i for i in items if i.kind == "birthday"]
    assert (item.due, item.days, item.detail) == (D(2026, 12, 8), 8, "birthday of 张伟 (采购总监)")
    assert [
        i
        for i in schedule(checked, {}, dossier, settings="revisit: {birthdays: false}\n")
        if i.kind == "birthday"
    ] == []


HOLIDAYS = """\
revisit:
  holidays:
    country: CN
    dates: [{name: 冬至, date: 2026-12-22}, {name: 过去, date: 2026-11-01}]
    tiers: [A]
"""


def test_holidays_explicit_and_computed(checked):
    items = schedule(checked, {}, within=80, settings=HOLIDAYS)
    got = [(i.due, i.detail) for i in items if i.kind == "holiday"]
    assert got == [
        (D(2026, 12, 22), "冬至"),
        (D(2027, 1, 1), "New Year's Day"),
        (D(2027, 2, 5), "Chinese New Year's Eve"),
        (D(2027, 2, 6), "Chinese New Year (Spring Festival)"),
    ]


def test_holidays_only_for_listed_tiers(checked):
    settings = HOLIDAYS.replace("tiers: [A]", "tiers: [B]")
    assert [
        i for i in schedule(checked, {}, within=80, settings=settings) if i.kind == "holiday"
    ] == []


def test_holiday_names_follow_the_locale(checked):
    items = schedule(checked, {}, within=70, settings="locale: zh-CN\n" + HOLIDAYS)
    assert "春节" in [i.detail for i in items if i.kind == "holiday"]


def test_within_status_and_order(checked):
    files = {
        "acme/visits/2026-12-07.yaml": visit("2026-12-07", status="planned"),
        "acme/visits/2026-12-08.yaml": visit("2026-12-08", status="planned"),
        "acme/visits/2027-01-10.yaml": visit("2027-01-10", status="planned"),
        "acme/visits/2026-11-01.yaml": visit("2026-11-01"),
    }
    items = schedule(checked, files, within=8)
    got = [(i.kind, i.due, i.days, i.status) for i in items]
    assert got == [
        ("revisit", D(2026, 12, 1), 1, "due_soon"),
        ("planned", D(2026, 12, 7), 7, "due_soon"),  # 7 = due_soon_days: still due soon
        ("planned", D(2026, 12, 8), 8, "upcoming"),
    ]
