"""Nothing silently dropped (issue 14): every page says what its figures leave out, every list
flags the accounts with problems, and the dashboard shows every kind of overdue item."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.conftest import AS_OF, SAMPLE


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with a dossier that cannot be read, a visit that cannot be read and a typo
    in the #2 account's dossier."""
    root = tmp_path_factory.mktemp("broken") / "ledger"
    shutil.copytree(SAMPLE, root)
    (root / "xinda-steel" / "dossier.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    visit = sorted((root / "huadong-mobile" / "visits").iterdir())[0]
    visit.write_text("date: 2026-01-01\n", encoding="utf-8")  # no mode: nothing to use
    dossier = root / "baolian-logistics" / "dossier.yaml"
    text = dossier.read_text(encoding="utf-8")
    dossier.write_text(text.replace("manager:", "managr: x\nmanager:", 1), encoding="utf-8")
    return root


def _site(root: Path, tmp_path: Path, lang: str) -> Path:
    """The site as the real ``kam build`` writes it."""
    out = tmp_path / f"site-{lang}"
    args = ["--ledger", str(root), "build", "-o", str(out), "--as-of", AS_OF.isoformat()]
    proc = subprocess.run(
        [sys.executable, "-m", "ledger", *args, "--lang", lang], capture_output=True, text=True
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return out


def _page(site: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((site / name).read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "These figures leave out what could not be read"), ("zh-CN", "未计入本页数字")],
)
def test_every_page_says_what_the_figures_leave_out(broken, tmp_path, lang, said):
    site = _site(broken, tmp_path, lang)
    visit = sorted((broken / "huadong-mobile" / "visits").iterdir())[0].name
    for name in ("index.html", "accounts.html", "schedule.html", "accounts/pujiang-bank.html"):
        notice = _page(site, name).find(class_="left-out")
        assert notice is not None, name
        text = notice.get_text(" ", strip=True)
        assert said in text
        assert "xinda-steel" in text  # its dossier could not be read: the account is left out
        assert f"huadong-mobile/visits/{visit}" in text
        assert "baolian-logistics" not in text  # a typo leaves out the typo only


def test_accounts_with_errors_are_flagged_where_they_are_listed(broken, tmp_path):
    site = _site(broken, tmp_path, "en")
    listing = _page(site, "accounts.html")
    flags = {a["href"]: a.get_text(" ", strip=True) for a in listing.select("a.flag")}
    assert flags == {
        "problems.html#p-baolian-logistics": "⚠ 1 problem",
        "problems.html#p-huadong-mobile": "⚠ 2 problems",  # no mode, no summary
    }
    rows = [r.get_text(" ", strip=True) for r in listing.select("tbody tr")]
    assert len(rows) == 11  # all but the unreadable one, which the notice names
    problems = _page(site, "problems.html")
    for anchor in ("p-baolian-logistics", "p-huadong-mobile", "p-xinda-steel"):
        assert problems.find(id=anchor) is not None


def test_a_clean_ledger_has_no_notice_and_no_flags(tmp_path):
    site = _site(SAMPLE, tmp_path, "en")
    for name in ("index.html", "accounts.html"):
        page = _page(site, name)
        assert page.find(class_="left-out") is None
        assert page.select("a.flag") == []


def test_the_dashboard_lists_every_kind_of_overdue_item(tmp_path):
    """The overdue complaint follow-up the schedule lists was missing from the dashboard."""
    site = _site(SAMPLE, tmp_path, "en")
    schedule = _page(site, "schedule.html")
    overdue = {
        (
            row.find_all("td")[3].get_text(" ", strip=True),
            row.find_all("td")[6].get_text(strip=True),
        )
        for row in schedule.select("tr.overdue")
    }
    assert any(kind == "complaint follow-up" for _, kind in overdue)
    dashboard = _page(site, "index.html")
    shown = {
        (
            row.find_all("td")[3].get_text(" ", strip=True),
            row.find_all("td")[6].get_text(strip=True),
        )
        for row in dashboard.select("tr.overdue")
    }
    assert overdue <= shown
