"""Report languages: the catalog is complete, placeholders match, every enum has a label."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from conftest import REPO

from ledger.derive.messages import Amount, Label, Message, Pct
from ledger.render.i18n import LABELS, Formatter

PO = REPO / "templates" / "locale" / "zh_CN" / "LC_MESSAGES" / "kam.po"


def extracted(tmp_path):
    """The messages of the code and templates, extracted as babel.cfg documents."""
    pot = tmp_path / "kam.pot"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "NP_:1c,2",
            "-o",
            str(pot),
            ".",
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return read_po(f)


def test_chinese_catalog_translates_every_message(tmp_path):
    template = extracted(tmp_path)
    with PO.open("rb") as f:
        catalog = read_po(f, locale="zh_CN")
    wanted = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in template if m.id}
    have = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
    assert wanted - have == set(), (
        "missing from kam.po: run pybabel update (see ledger/render/i18n.py)"
    )
    assert have - wanted == set(), "kam.po has messages nothing uses any more"
    untranslated = [
        m.id
        for m in catalog
        if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    assert untranslated == []
    errors = [(m.id, e) for m, errs in catalog.check() for e in errs]
    assert errors == []  # python-format placeholders agree between English and Chinese


def test_every_schema_enum_has_a_label():
    groups = {
        ("dossier", "status"): "account_status",
        ("dossier", "stage"): "stage",
        ("dossier", "decision_role"): "decision_role",
        ("dossier", "birthday_calendar"): "birthday_calendar",
        ("dossier", "attitude"): "attitude",
        ("visit", "status"): "visit_status",
        ("visit", "kind"): "visit_kind",
        ("visit", "mode"): "mode",
        ("visit", "satisfaction"): "satisfaction",
        ("complaint", "category"): "category",
        ("complaint", "severity"): "severity",
        ("complaint", "status"): "complaint_status",
        ("complaint", "channel"): "channel",
        ("ledger", "method"): "method",
        ("ledger", "measure"): "measure",
    }
    found = set()

    def walk(kind, node, key=None):
        if isinstance(node, dict):
            if "enum" in node and key != "locale":
                group = groups[(kind, key)]
                assert list(LABELS[group]) == node["enum"], (kind, key)
                found.add((kind, key))
            for k, v in node.items():
                walk(
                    kind, v, k if isinstance(v, dict) and k not in ("properties", "items") else key
                )
        elif isinstance(node, list):
            for v in node:
                walk(kind, v, key)

    for kind in ("ledger", "dossier", "visit", "complaint"):
        walk(kind, json.loads((REPO / "schema" / f"{kind}.schema.json").read_text()))
    assert found == set(groups)


def test_formatter_per_locale():
    en, zh = Formatter("en", "CNY"), Formatter("zh-CN", "CNY")
    day = dt.date(2026, 11, 30)
    assert (en.date(day), zh.date(day)) == ("Nov 30, 2026", "2026年11月30日")
    assert (en.money(1234567), zh.money(1234567)) == ("CN¥1,234,567", "¥1,234,567")
    assert (en.percent(0.8126), zh.percent(0.8126)) == ("81.3%", "81.3%")
    assert (en.month((2026, 2)), zh.month((2026, 2))) == ("Feb 2026", "2026年2月")
    assert (en.days(1), en.days(3), zh.days(3)) == ("1 day", "3 days", "3 天")
    assert Formatter("en", "USD").money(5) == "$5"


def test_messages_read_in_both_languages():
    msg = Message.of(
        "last visit %(date)s (%(mode)s); every %(interval)s days",
        date=dt.date(2026, 10, 6),
        mode=Label("mode", "phone"),
        interval=30,
    )
    assert str(msg) == "last visit 2026-10-06 (phone); every 30 days"
    assert Formatter("en", "CNY").message(msg) == "last visit Oct 6, 2026 (phone); every 30 days"
    assert Formatter("zh-CN", "CNY").message(msg) == "上次拜访 2026年10月6日（电话）；每 30 天回访"
    why = Message.of(
        "%(above)s of the total ranks above (< %(cutoff)s)", above=Pct(0.479), cutoff=Pct(0.8, 0)
    )
    assert str(why) == "47.9% of the total ranks above (< 80%)"
    assert str(Message.of("%(measure)s ≥ %(min)s", measure=Amount(612345.6), min=Amount(5e5))) == (
        "612,346 ≥ 500,000"
    )
    # the user's own words are never looked up in the catalog
    assert Formatter("zh-CN", "CNY").message(Message.of("%(name)s", name="planned visit")) == (
        "planned visit"
    )
