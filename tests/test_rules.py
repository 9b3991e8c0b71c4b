"""FORMAT §1, §4–6: every rule has a passing and a failing example, with its code and line."""

from __future__ import annotations

import pytest

from tests.conftest import DOSSIER, codes

VISIT = "acme/visits/2026-11-02.yaml"
COMPLAINT = "acme/complaints/2026-10-20-late.yaml"
OK_VISIT = "date: 2026-11-02\nmode: onsite\nsummary: 季度回访\n"


def complaint(**fields: str) -> str:
    base = {
        "opened": "2026-10-20",
        "summary": "到货延误两天",
        "category": "delivery",
        "severity": "high",
        "status": "open",
    }
    base.update(fields)
    return "".join(f"{k}: {v}\n" for k, v in base.items())


def test_clean_ledger_has_no_diagnostics(checked):
    result = checked({VISIT: OK_VISIT, COMPLAINT: complaint()})
    assert result.diagnostics == []
    account = result.ledger.accounts[0]
    assert [v.id for v in account.visits] == ["2026-11-02"]
    assert account.complaints[0].id == "2026-10-20-late"


# --- §1 layout ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bad name", "-leading", "a.b"])
def test_bad_account_name(checked, name):
    result = checked({f"{name}/dossier.yaml": DOSSIER})
    assert (name, "bad-name", 1) in codes(result)


def test_chinese_ids_are_allowed(checked):
    result = checked(
        {"宝联物流/dossier.yaml": DOSSIER, "宝联物流/visits/2026-11-02-季度回访.yaml": OK_VISIT}
    )
    assert result.diagnostics == []


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("visit.yaml", "bad-name"),
        ("2026-11-02-has space.yaml", "bad-name"),
        ("2026-11-02-.yaml", "bad-name"),
        ("2026-13-02.yaml", "bad-date"),
    ],
)
def test_bad_record_file_names(checked, name, code):
    result = checked({f"acme/visits/{name}": OK_VISIT})
    assert (f"acme/visits/{name}", code, 1) in codes(result)


def test_yml_is_accepted_and_twins_are_refused(checked):
    result = checked({"acme/visits/2026-11-02.yml": OK_VISIT})
    assert result.diagnostics == []
    result = checked({"acme/visits/2026-11-02.yaml": OK_VISIT})  # now both exist
    assert [c for _, c, _ in codes(result)] == ["duplicate-id"]


def test_unexpected_file_is_a_warning_and_hidden_files_are_ignored(checked):
    result = checked(
        {
            "acme/notes.txt": "hello",
            "acme/visits/readme.md": "x",
            "acme/.DS_Store": "x",
            "acme/_drafts/x.yaml": "x",
            "acme/visits/.2026-11-02.yaml.swp": "x",
        }
    )
    assert [(d.file, d.code, d.severity) for d in result.diagnostics] == [
        ("acme/notes.txt", "unexpected-file", "warning"),
        ("acme/visits/readme.md", "unexpected-file", "warning"),
    ]


def test_missing_dossier(checked):
    result = checked({"other/visits/2026-11-02.yaml": OK_VISIT})
    assert ("other/dossier.yaml", "missing-dossier", 1) in codes(result)


# --- §4 dossier -----------------------------------------------------------------------------


def test_revenue_overlap(checked):
    text = (
        DOSSIER + "revenue:\n  - {period: 2025, amount: 1200}\n  - {period: 2025-Q2, amount: 300}\n"
    )
    result = checked({"acme/dossier.yaml": text})
    assert codes(result) == [("acme/dossier.yaml", "revenue-overlap", 8)]
    text = (
        DOSSIER + "revenue:\n  - {period: 2024, amount: 1200}\n  - {period: 2025-Q1, amount: 300}\n"
    )
    assert checked({"acme/dossier.yaml": text}).diagnostics == []


def test_same_period_twice_overlaps(checked):
    text = (
        DOSSIER + "revenue:\n  - {period: 2026-01, amount: 1}\n  - {period: 2026-01, amount: 1}\n"
    )
    assert [c for _, c, _ in codes(checked({"acme/dossier.yaml": text}))] == ["revenue-overlap"]


def test_revenue_swing_needs_a_reason(checked):
    swing = (
        DOSSIER
        + "revenue:\n  - {period: 2026-01, amount: 100}\n  - {period: 2026-02, amount: 151}\n"
    )
    result = checked({"acme/dossier.yaml": swing})
    assert codes(result) == [("acme/dossier.yaml", "revenue-swing", 8)]
    assert result.diagnostics[0].severity == "warning"
    reasoned = swing.replace("amount: 151}", "amount: 151, reason: 春节备货}")
    assert checked({"acme/dossier.yaml": reasoned}).diagnostics == []
    small = swing.replace("151", "150")  # exactly 50% is not larger than 50%
    assert checked({"acme/dossier.yaml": small}).diagnostics == []


def test_revenue_swing_only_between_consecutive_periods_of_same_length(checked):
    text = DOSSIER + (
        "revenue:\n  - {period: 2025-Q4, amount: 300}\n  - {period: 2026-01, amount: 1000}\n"
        "  - {period: 2026-03, amount: 10}\n  - {period: 2025-Q2, amount: 30}\n"
    )
    assert checked({"acme/dossier.yaml": text}).diagnostics == []
    text = (
        DOSSIER
        + "revenue:\n  - {period: 2025-Q4, amount: 300}\n  - {period: 2025-Q3, amount: 100}\n"
    )
    # Q3 -> Q4 is consecutive although written in the other order: the later item needs the reason
    assert codes(checked({"acme/dossier.yaml": text})) == [
        ("acme/dossier.yaml", "revenue-swing", 7)
    ]


def test_dossier_stale(checked):
    text = DOSSIER + "reviewed_on: 2026-01-01\n"
    assert codes(checked({"acme/dossier.yaml": text})) == [
        ("acme/dossier.yaml", "dossier-stale", 6)
    ]
    text = DOSSIER + "reviewed_on: 2026-06-03\n"  # 180 days before 2026-11-30
    assert checked({"acme/dossier.yaml": text}).diagnostics == []


def test_dossier_stale_follows_settings(checked):
    text = DOSSIER + "reviewed_on: 2026-11-01\n"
    result = checked({"acme/dossier.yaml": text, "ledger.yaml": "dossier: {review_days: 20}\n"})
    assert [c for _, c, _ in codes(result)] == ["dossier-stale"]


def test_lost_needs_date_and_reason(checked):
    result = checked({"acme/dossier.yaml": DOSSIER + "status: lost\n"})
    messages = sorted(d.message for d in result.diagnostics)
    assert [d.code for d in result.diagnostics] == ["schema", "schema"]
    assert "missing 'lost_on', required when status is lost" in messages[0]
    ok = DOSSIER + "status: lost\nlost_on: 2026-05-01\nlost_reason: 转向竞争对手\n"
    assert checked({"acme/dossier.yaml": ok}).diagnostics == []


def test_tier_override_needs_reason(checked):
    result = checked({"acme/dossier.yaml": DOSSIER + "tier_override: {tier: A}\n"})
    assert [(c, line) for _, c, line in codes(result)] == [("schema", 6)]
    assert "reason" in result.diagnostics[0].message


def test_contact_ids(checked):
    text = DOSSIER + "  - {id: zhang-wei, name: 张卫}\n  - {id: 'a b', name: x}\n"
    result = checked({"acme/dossier.yaml": text})
    # one pass: the bad id is a schema error, the duplicate one a rule; both are reported
    assert [(c, line) for _, c, line in codes(result)] == [
        ("duplicate-contact", 6),
        ("bad-name", 7),
    ]
    text = DOSSIER + "  - {id: zhang-wei, name: 张卫}\n"
    assert [(c, line) for _, c, line in codes(checked({"acme/dossier.yaml": text}))] == [
        ("duplicate-contact", 6)
    ]


@pytest.mark.parametrize(
    ("birthday", "calendar", "ok"),
    [
        ("1978-06-12", "gregorian", True),
        ("--02-29", "gregorian", True),
        ("--02-30", "gregorian", False),
        ("1979-02-29", "gregorian", False),
        ("--02-30", "lunar", True),
        ("--13-01", "lunar", False),
        ("--08-31", "lunar", False),
    ],
)
def test_birthdays(checked, birthday, calendar, ok):
    text = DOSSIER.replace(
        "{id: li-na, name: 李娜}",
        f"{{id: li-na, name: 李娜, birthday: '{birthday}', birthday_calendar: {calendar}}}",
    )
    result = checked({"acme/dossier.yaml": text})
    assert codes(result) == ([] if ok else [("acme/dossier.yaml", "bad-date", 5)])


# --- §5 visits ------------------------------------------------------------------------------


def test_visit_date_must_match_file_name(checked):
    result = checked({VISIT: OK_VISIT.replace("date: 2026-11-02", "date: 2026-11-03")})
    assert codes(result) == [(VISIT, "date-mismatch", 1)]


def test_unknown_contact_in_visit(checked):
    result = checked({VISIT: OK_VISIT + "received_by: [zhang-wei, wang-fang]\n"})
    assert codes(result) == [(VISIT, "unknown-contact", 4)]
    d = result.diagnostics[0]
    assert d.column == 26 and "zhang-wei, li-na" in d.hint


def test_unknown_complaint(checked):
    result = checked({VISIT: OK_VISIT + "follows_up: 2026-10-20-late\n"})
    assert codes(result) == [(VISIT, "unknown-complaint", 4)]
    result = checked({VISIT: OK_VISIT + "follows_up: 2026-10-20-late\n", COMPLAINT: complaint()})
    assert result.diagnostics == []


def test_follows_up_a_complaint_file_that_failed_to_load_is_not_unknown(checked):
    result = checked({VISIT: OK_VISIT + "follows_up: 2026-10-20-late\n", COMPLAINT: "opened: x\n"})
    assert {d.file for d in result.diagnostics} == {COMPLAINT}


def test_next_visit_order(checked):
    result = checked({VISIT: OK_VISIT + "next_visit: 2026-11-02\n"})
    assert codes(result) == [(VISIT, "next-visit-order", 4)]
    assert checked({VISIT: OK_VISIT + "next_visit: 2026-11-03\n"}).diagnostics == []


def test_future_visit(checked):
    result = checked({VISIT: OK_VISIT}, as_of=__import__("datetime").date(2026, 11, 1))
    assert codes(result) == [(VISIT, "future-visit", 1)]
    assert result.diagnostics[0].severity == "warning"
    planned = "date: 2026-11-02\nmode: onsite\nstatus: planned\n"
    result = checked({VISIT: planned}, as_of=__import__("datetime").date(2026, 11, 1))
    assert result.diagnostics == []


def test_summary_required_when_done(checked):
    result = checked({VISIT: "date: 2026-11-02\nmode: phone\n"})
    assert [c for _, c, _ in codes(result)] == ["schema"]
    assert "summary" in result.diagnostics[0].message
    assert checked({VISIT: "date: 2026-11-02\nmode: phone\nstatus: cancelled\n"}).diagnostics == []


# --- §6 complaints --------------------------------------------------------------------------


def test_complaint_opened_must_match_file_name(checked):
    result = checked({COMPLAINT: complaint(opened="2026-10-21")})
    assert codes(result) == [(COMPLAINT, "date-mismatch", 1)]


def test_unknown_contact_in_complaint(checked):
    result = checked({COMPLAINT: complaint(raised_by="nobody")})
    assert codes(result) == [(COMPLAINT, "unknown-contact", 6)]


def test_resolved_before_opened(checked):
    result = checked(
        {COMPLAINT: complaint(status="resolved", resolved="2026-10-19", resolution="补发")}
    )
    assert codes(result) == [(COMPLAINT, "resolved-before-opened", 6)]


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_missing_resolution(checked, status):
    result = checked({COMPLAINT: complaint(status=status, resolved="2026-10-22")})
    assert (COMPLAINT, "missing-resolution", 5) in codes(result)
    assert (
        "resolution"
        in next(d for d in result.diagnostics if d.code == "missing-resolution").message
    )


def test_closed_without_follow_up(checked):
    closed = complaint(status="closed", resolved="2026-10-22", resolution="补发")
    result = checked({COMPLAINT: closed})
    assert codes(result) == [(COMPLAINT, "closed-without-follow-up", 5)]
    assert result.diagnostics[0].severity == "warning"
    follow = "date: 2026-10-24\nmode: phone\nkind: complaint_follow_up\nsummary: 回访\n"
    follow += "follows_up: 2026-10-20-late\n"
    result = checked({COMPLAINT: closed, "acme/visits/2026-10-24.yaml": follow})
    assert result.diagnostics == []
    planned = follow.replace("summary: 回访\n", "status: planned\n")
    result = checked({COMPLAINT: closed, "acme/visits/2026-10-24.yaml": planned})
    assert [c for _, c, _ in codes(result)] == ["closed-without-follow-up"]


# --- ledger.yaml ----------------------------------------------------------------------------


def test_settings_defaults_and_errors(checked):
    result = checked({"ledger.yaml": "tiers: {method: bands}\nlocale: fr\n"})
    assert sorted((c, line) for _, c, line in codes(result)) == [("schema", 1), ("schema", 2)]
    # what is broken is not used (tiers without their bands, the unknown locale); the rest is
    assert result.ledger.settings.tiers.method == "pareto"
    assert result.ledger.settings.locale == "en"
    result = checked({"ledger.yaml": "name: 华东区\nlocale: zh-CN\nrevisit: {due_soon_days: x}\n"})
    assert [(c, line) for _, c, line in codes(result)] == [("schema", 3)]
    assert (result.ledger.settings.name, result.ledger.settings.locale) == ("华东区", "zh-CN")
    result = checked({"ledger.yaml": "revisit: {interval_days: {A: 14}}\n"})
    assert result.diagnostics == []
    assert result.ledger.settings.revisit.interval_days == {
        "A": 14,
        "B": 60,
        "C": 90,
        "default": 90,
    }


def test_revisit_intervals_are_at_least_a_day(checked):
    result = checked({"ledger.yaml": "revisit: {interval_days: {A: 0, A1: 0}}\n"})
    assert [(c, line) for _, c, line in codes(result)] == [("schema", 1), ("schema", 1)]
    assert "at least 1" in result.diagnostics[0].message
