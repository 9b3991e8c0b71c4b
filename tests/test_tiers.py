"""FORMAT §7 with hand-computed expected values."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from ledger.derive.tiers import compute_tiers, streak_months, window_months

AS_OF = dt.date(2026, 11, 23)


def dossier(revenue: str = "", extra: str = "", status: str = "active") -> str:
    text = f"name: X\nmanager: 王磊\nstatus: {status}\n"
    if status == "lost":
        text += "lost_on: 2026-01-01\nlost_reason: gone\n"
    if revenue:
        text += "revenue:\n" + "".join(f"  - {{{item}}}\n" for item in revenue.split(";"))
    return text + extra


def ledger_of(checked, accounts: dict[str, str], settings: str = "", as_of=AS_OF):
    files = {f"{name}/dossier.yaml": text for name, text in accounts.items()}
    if settings:
        files["ledger.yaml"] = settings
    result = checked(files, dossier=None, as_of=as_of)
    assert result.errors == [], result.errors
    return compute_tiers(result.ledger, as_of)


def rows(table):
    return {r.account: r for r in table.rows}


def test_window_is_calendar_months_ending_with_the_as_of_month():
    assert window_months(AS_OF, 12)[0] == (2025, 12)
    assert window_months(AS_OF, 12)[-1] == (2026, 11)
    assert window_months(dt.date(2026, 1, 1), 3) == [(2025, 11), (2025, 12), (2026, 1)]
    assert streak_months(dt.date(2026, 11, 23), 6) == [(2026, m) for m in range(5, 11)]
    assert streak_months(dt.date(2026, 2, 1), 3) == [(2025, 11), (2025, 12), (2026, 1)]


def test_pareto_hand_computed(checked):
    table = ledger_of(
        checked,
        {
            "a": dossier("period: 2026-01, amount: 500"),
            "b": dossier("period: 2026-02, amount: 300"),
            "c": dossier("period: 2026-03, amount: 150"),
            "d": dossier("period: 2026-04, amount: 50"),
            "e": dossier(),
            "p": dossier("period: 2026-04, amount: 9999", status="prospect"),
        },
    )
    assert table.total == 1000
    got = [(r.account, r.rank, r.measure, r.share, r.cumulative_share, r.tier) for r in table.rows]
    assert got == [
        ("a", 1, 500, Fraction(1, 2), Fraction(1, 2), "A"),
        ("b", 2, 300, Fraction(3, 10), Fraction(4, 5), "A"),  # 500/1000 before < 0.80
        ("c", 3, 150, Fraction(3, 20), Fraction(19, 20), "B"),  # 0.80 before is not < 0.80
        ("d", 4, 50, Fraction(1, 20), Fraction(1), "C"),  # 0.95 before is not < 0.95
        ("e", 5, 0, 0, 1, "C"),
        ("p", None, 9999, None, None, None),
    ]
    doc = table.as_json()
    assert doc["window"] == ["2025-12", "2026-11"]
    assert doc["accounts"][1]["cumulative_share"] == 0.8
    assert doc["accounts"][5]["tier"] is None


def test_ties_rank_by_id(checked):
    table = ledger_of(
        checked,
        {n: dossier("period: 2026-01, amount: 100") for n in ("zeta", "alpha", "mid")},
    )
    assert [r.account for r in table.rows] == ["alpha", "mid", "zeta"]
    # before/total: 0, 1/3, 2/3 -> all below 0.80
    assert [r.tier for r in table.rows] == ["A", "A", "A"]


def test_window_spreads_years_and_quarters(checked):
    table = ledger_of(
        checked,
        {
            "y": dossier("period: 2025, amount: 1200;period: 2026-Q1, amount: 30"),
            "q": dossier("period: 2025-Q4, amount: 300;period: 2024-12, amount: 7"),
            "m": dossier("period: 2025-11, amount: 5000;period: 2026-11, amount: 1"),
        },
    )
    measures = {r.account: r.measure for r in table.rows}
    # 2025 spreads 100 a month: only December is in the window; Q4 100 a month, December too
    assert measures == {"y": 130, "q": 100, "m": 1}


def test_profit_measure_counts_missing_profit_as_zero(checked):
    settings = "tiers: {measure: profit}\n"
    table = ledger_of(
        checked,
        {
            "a": dossier("period: 2026-01, amount: 900;period: 2026-02, amount: 100, profit: 40"),
            "b": dossier("period: 2026-01, amount: 10, profit: 60"),
        },
        settings,
    )
    assert [(r.account, r.measure) for r in table.rows] == [("b", 60), ("a", 40)]
    assert table.measure == "profit"


def test_total_zero_makes_everyone_c(checked):
    table = ledger_of(checked, {"a": dossier(), "b": dossier()})
    assert [r.tier for r in table.rows] == ["C", "C"]
    assert table.total == 0


def test_custom_cutoffs_in_order(checked):
    settings = "tiers: {cutoffs: {S: 0.5, A: 0.7}}\n"
    table = ledger_of(
        checked,
        {
            "a": dossier("period: 2026-01, amount: 50"),
            "b": dossier("period: 2026-01, amount: 20"),
            "c": dossier("period: 2026-01, amount: 30"),
        },
        settings,
    )
    # a: 0 -> S; c: 0.5 -> A (0.5 < 0.7); b: 0.8 -> C
    assert [(r.account, r.tier) for r in table.rows] == [("a", "S"), ("c", "A"), ("b", "C")]


BANDS = """\
tiers:
  method: bands
  bands:
    - {tier: B1, min: 50000}
    - {tier: A1, min: 500000}
    - {tier: A2, min: 200000}
  default: D
"""


def test_bands(checked):
    table = ledger_of(
        checked,
        {
            "a": dossier("period: 2026-01, amount: 500000"),  # exactly the minimum
            "b": dossier("period: 2026-01, amount: 499999"),
            "c": dossier("period: 2026-01, amount: 50000"),
            "d": dossier("period: 2026-01, amount: 49999.5"),
        },
        BANDS,
    )
    assert [(r.account, r.tier) for r in table.rows] == [
        ("a", "A1"),
        ("b", "A2"),
        ("c", "B1"),
        ("d", "D"),
    ]


STREAK = """\
tiers:
  method: streak
  streak: {months: 3, levels: [{tier: 3-star, min: 300}, {tier: 5-star, min: 800}, {tier: 4-star, min: 500}]}
  default: none
"""


def test_streak(checked):
    # as of 2026-11-23 the streak months are 2026-08, 09, 10; November does not count yet
    table = ledger_of(
        checked,
        {
            "five": dossier(
                "period: 2026-08, amount: 800;period: 2026-09, amount: 900;"
                "period: 2026-10, amount: 1000;period: 2026-11, amount: 0"
            ),
            "four": dossier(
                "period: 2026-08, amount: 799;period: 2026-09, amount: 900;"
                "period: 2026-10, amount: 1000"
            ),
            "gap": dossier("period: 2026-08, amount: 900;period: 2026-10, amount: 900"),
            "year": dossier("period: 2026, amount: 3600"),  # 300 a month
            "none": dossier(
                "period: 2026-08, amount: 100;period: 2026-09, amount: 100;"
                "period: 2026-10, amount: 100"
            ),
        },
        STREAK,
    )
    assert rows(table)["five"].tier == "5-star"
    assert rows(table)["four"].tier == "4-star"
    assert rows(table)["gap"].tier == "none"  # September is missing: 0
    assert rows(table)["year"].tier == "3-star"
    assert rows(table)["none"].tier == "none"


@pytest.mark.parametrize(
    ("until", "applies"),
    [("", True), ("2026-11-23", True), ("2026-11-22", False), ("2027-12-31", True)],
)
def test_override(checked, until, applies):
    override = "{tier: A, reason: 战略客户" + (f", until: {until}" if until else "") + "}"
    table = ledger_of(
        checked,
        {
            "big": dossier("period: 2026-01, amount: 1000"),
            "small": dossier("period: 2026-01, amount: 1", f"tier_override: {override}\n"),
        },
    )
    small = rows(table)["small"]
    assert small.computed_tier == "C"
    assert small.tier == ("A" if applies else "C")
    assert small.overridden is applies


def test_override_does_not_apply_to_inactive_accounts(checked):
    table = ledger_of(
        checked,
        {"x": dossier("", "tier_override: {tier: A, reason: r}\n", status="dormant")},
    )
    assert rows(table)["x"].tier is None
