"""Invariants of tiers and the schedule over generated ledgers (hypothesis)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.derive.schedule import due_items
from ledger.derive.tiers import compute_tiers
from ledger.load.assemble import build_account, build_record, default_settings
from ledger.model import Ledger, Visit
from ledger.render.exports import due_csv, due_ics, due_json

ORDER = {"A": 0, "B": 1, "C": 2}
day = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31))
amount = st.one_of(
    st.integers(0, 10**7), st.floats(0, 1e7, allow_nan=False).map(lambda x: round(x, 2))
)


@st.composite
def ledgers(draw):
    n = draw(st.integers(1, 12))
    accounts = []
    for k in range(n):
        months = draw(st.lists(st.integers(1, 24), unique=True, max_size=6))
        revenue = [
            {"period": f"{2025 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}", "amount": draw(amount)}
            for m in months
        ]
        visits = []
        for v_day in draw(st.lists(day, unique=True, max_size=4)):
            doc = {
                "date": v_day.isoformat(),
                "mode": "phone",
                "summary": "x",
                "status": draw(st.sampled_from(["done", "planned", "cancelled"])),
            }
            if draw(st.booleans()):
                doc["next_visit"] = (
                    v_day + dt.timedelta(days=draw(st.integers(1, 200)))
                ).isoformat()
            visits.append(
                build_record(Visit, "visit", v_day.isoformat(), f"a{k}/visits/{v_day}.yaml", doc)
            )
        status = draw(st.sampled_from(["active", "active", "active", "dormant", "prospect"]))
        dossier = {
            "name": f"公司{k}",
            "manager": draw(st.sampled_from(["王磊", "李娜"])),
            "status": status,
            "revenue": revenue,
            "contacts": [
                {
                    "id": "c",
                    "name": "张",
                    "birthday": draw(
                        st.sampled_from(["--02-29", "1980-01-31", "--12-30", "--06-15"])
                    ),
                    "birthday_calendar": draw(st.sampled_from(["gregorian", "lunar"])),
                }
            ],
        }
        accounts.append(
            build_account(
                f"a{k:02d}",
                f"a{k:02d}/dossier.yaml",
                dossier,
                {"visits": tuple(sorted(visits, key=lambda v: (v.date, v.id)))},
            )
        )
    return Ledger(root=".", settings=default_settings(), accounts=tuple(accounts), files=0)


fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(ledgers(), day)
def test_larger_measure_never_gets_a_lower_pareto_tier(ledger, as_of):
    rows = [r for r in compute_tiers(ledger, as_of).rows if r.rank is not None]
    for a in rows:
        for b in rows:
            if a.measure > b.measure:
                assert ORDER[a.computed_tier] <= ORDER[b.computed_tier]


@fast
@given(ledgers(), day)
def test_cumulative_share_rises_to_one(ledger, as_of):
    table = compute_tiers(ledger, as_of)
    cumulative = [r.cumulative_share for r in table.rows if r.rank is not None]
    assert cumulative == sorted(cumulative)
    if table.total > 0:
        assert cumulative[-1] == 1
        assert sum(r.share for r in table.rows if r.rank is not None) == 1


@fast
@given(ledgers(), day)
def test_revisit_is_due_after_the_visit_it_counts_from(ledger, as_of):
    items = due_items(ledger, compute_tiers(ledger, as_of), as_of)
    for item in items:
        if item.kind != "revisit" or not item.detail.startswith("last visit"):
            continue
        account = ledger.account(item.account)
        last = max(
            (v for v in account.visits if v.status == "done" and v.date <= as_of),
            key=lambda v: (v.date, v.id),
        )
        assert item.due > last.date
    assert [(i.due, i.account) for i in items] == sorted((i.due, i.account) for i in items)


@fast
@given(ledgers(), day, st.integers(0, 400))
def test_exports_list_the_same_items(ledger, as_of, within):
    from icalendar import Calendar

    items = due_items(ledger, compute_tiers(ledger, as_of), as_of, within)
    assert all(i.days <= within for i in items)
    from_json = [
        (i["account"], i["kind"], i["due"])
        for i in json.loads(due_json(items, as_of, within))["items"]
    ]
    from_csv = [
        (r["account"], r["kind"], r["due"]) for r in csv.DictReader(io.StringIO(due_csv(items)))
    ]
    events = Calendar.from_ical(due_ics(items, as_of, "t")).walk("VEVENT")
    from_ics = [
        (str(e["uid"]).split("/")[1], e["categories"].cats[0], e["dtstart"].dt.isoformat())
        for e in events
    ]
    assert from_json == from_csv == from_ics
