"""kam build: the static site, read the way a manager reads it (parsed HTML, not strings)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import AS_OF, DOSSIER, SAMPLE

from ledger.pipeline import check
from ledger.render.build import OutputError, check_output, write_site
from ledger.render.site import MARKER, Site, account_href, markdown, render_site

DAY = AS_OF.isoformat()
PAGES = ("index", "accounts", "schedule", "complaints", "managers", "problems")


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def text_of(path: Path) -> str:
    return " ".join(soup(path).get_text(" ").split())


def test_build_writes_every_page_and_export(kam, tmp_path):
    out = tmp_path / "site"
    result = kam("--ledger", str(SAMPLE), "build", "--as-of", DAY, "-o", str(out))
    assert result.exit_code == 0, result.output
    for name in PAGES:
        assert (out / f"{name}.html").is_file()
    for name in ("tiers.csv", "due.csv", "due.ics", "ledger.json", "assets/kam.css"):
        assert (out / name).is_file()
    accounts = sorted(p.name for p in SAMPLE.iterdir() if (p / "dossier.yaml").is_file())
    assert sorted(p.name for p in (out / "accounts").iterdir()) == [f"{a}.html" for a in accounts]
    assert str(out / "index.html") in result.stdout


def test_build_default_is_site_in_the_current_folder(tmp_path):
    """The README's first command: `kam build` from a clone writes site/index.html."""
    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / "accounts").symlink_to(SAMPLE, target_is_directory=True)
    run = subprocess.run(
        [sys.executable, "-m", "ledger", "build", "--as-of", DAY],
        cwd=clone,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert (clone / "site" / "index.html").is_file()
    assert "0 errors" in run.stderr


def test_same_ledger_and_date_give_a_byte_identical_site(tmp_path):
    def files(lang: str) -> dict[str, bytes]:
        return dict(render_site(Site(check(SAMPLE, AS_OF), AS_OF, lang)))

    for lang in ("en", "zh-CN"):
        assert files(lang) == files(lang)


def test_dashboard_shows_the_figures_of_the_cli(sample_site, kam):
    page = soup(sample_site("en") / "index.html")
    head = [a.get_text() for a in page.select("#h-head ~ div table tbody a")]
    assert head == ["华东移动", "宝联物流", "浦江银行"]  # the Pareto head, as `kam tiers`
    overdue = page.find(id="h-overdue").find_next("table")
    assert {a.get_text() for a in overdue.select("tbody a")} == {"宝联物流", "江南酒业"}
    cards = {
        c.select_one(".card-label").get_text(): c.select_one(".card-value").get_text()
        for c in page.select(".card")
    }
    assert cards["Overdue revisits"] == "2"
    assert cards["Complaints past deadline"] == "2"
    assert cards["Portfolio revenue"] == "CN¥38,698,000"
    assert cards["Revisit coverage"] == "89%"  # 8 of the 9 active accounts


def test_every_chart_has_a_text_alternative(sample_site):
    for path in [
        sample_site("en") / "index.html",
        sample_site("en") / account_href("pujiang-bank"),
    ]:
        page = soup(path)
        figures = page.select("figure.chart-box")
        assert figures
        for figure in figures:
            svg = figure.find("svg")
            assert svg["role"] == "img"
            labels = svg["aria-labelledby"].split()
            assert all(page.find(id=i).get_text().strip() for i in labels)
            assert figure.select("details table tbody tr")  # the figures as a table


def test_pareto_chart_draws_the_cutoffs_and_the_cumulative_line(sample_site):
    svg = soup(sample_site("en") / "index.html").select_one("#pareto svg")
    assert len(svg.select("rect.bar")) == 9  # one bar per active account
    assert [t.get_text() for t in svg.select("text.cutoff-label")] == ["A 80.0%", "B 95.0%"]
    points = svg.select_one("polyline.line")["points"].split()
    ys = [float(p.split(",")[1]) for p in points]
    assert ys == sorted(ys, reverse=True)  # the cumulative share only rises


def test_account_page(sample_site):
    page = sample_site("en") / account_href("baolian-logistics")
    text = text_of(page)
    assert "上海宝联物流有限公司" in text
    assert "Computed tier A" in text
    assert "Oct 27, 2026" in text and "overdue" in text  # the overdue revisit
    rows = soup(page).select("#h-contacts ~ div table tbody tr")
    assert [r.th.get_text() for r in rows] == ["张伟", "王芳", "李强"]
    assert "(lunar 10-26)" in text  # 李强's lunar birthday


def test_chinese_ids_get_percent_encoded_links(ledger_dir, tmp_path):
    root = ledger_dir({"华东移动/dossier.yaml": DOSSIER})
    out = tmp_path / "site"
    files = dict(render_site(Site(check(root, AS_OF), AS_OF, "en")))
    assert "accounts/%E5%8D%8E%E4%B8%9C%E7%A7%BB%E5%8A%A8.html" in files
    write_site(files.items(), out)
    accounts = soup(out / "accounts.html")
    hrefs = {a["href"] for a in accounts.select("tbody a")}
    assert "accounts/%E5%8D%8E%E4%B8%9C%E7%A7%BB%E5%8A%A8.html" in hrefs


def test_exports_are_the_cli_figures(sample_site, kam):
    site = sample_site("en")
    args = ("--ledger", str(SAMPLE))
    assert (site / "tiers.csv").read_text() == kam(
        *args, "tiers", "--format", "csv", "--as-of", DAY
    ).stdout
    assert (site / "due.csv").read_text() == kam(
        *args, "due", "--format", "csv", "--as-of", DAY
    ).stdout
    assert (site / "due.ics").read_text() == kam(
        *args, "due", "--format", "ics", "--as-of", DAY
    ).stdout


def test_ledger_json_holds_accounts_tiers_due_and_problems(sample_site, kam):
    import json

    doc = json.loads((sample_site("en") / "ledger.json").read_text())
    tiers = json.loads(
        kam("--ledger", str(SAMPLE), "tiers", "--format", "json", "--as-of", DAY).stdout
    )
    assert doc["tiers"] == tiers
    assert doc["as_of"] == DAY and doc["validate"] == {"errors": [], "warnings": []}
    assert len(doc["accounts"]) == 12
    baolian = next(a for a in doc["accounts"] if a["id"] == "baolian-logistics")
    assert baolian["visits"][0]["date"].startswith("20")
    assert doc["due"]["items"][0]["status"] == "overdue"


def test_no_page_or_asset_refers_to_any_host(sample_site):
    for lang in ("en", "zh-CN"):
        for path in sample_site(lang).rglob("*"):
            if path.suffix not in (".html", ".css", ".js"):
                continue
            text = path.read_text(encoding="utf-8")
            page = BeautifulSoup(text, "html.parser")
            for tag in page.find_all(True):
                for attr in ("href", "src", "action", "xlink:href", "data"):
                    value = tag.get(attr)
                    if value:
                        assert (
                            not re.match(r"[a-z][a-z0-9+.-]*:|//", value, re.I)
                            or value.startswith(("mailto:", "tel:"))
                            or (
                                value == "data:," and tag.get("rel") == ["icon"]  # "no icon"
                            )
                        ), (path, value)
            # the only URL-like text is the SVG namespace, which is a name, not a request
            urls = set(re.findall(r"(?:https?:)?//[\w.-]+", text)) - {"http://www.w3.org"}
            assert not urls, (path, urls)
            assert "url(" not in text and "@import" not in text


def test_ledger_with_errors_still_builds_and_exits_1(kam, ledger_dir, tmp_path):
    root = ledger_dir({"acme/visits/2026-11-02.yaml": "date: 2026-11-02\nmode: teleport\n"})
    out = tmp_path / "site"
    result = kam("--ledger", str(root), "build", "--as-of", DAY, "-o", str(out))
    assert result.exit_code == 1
    problems = soup(out / "problems.html")
    where = [td.get_text() for td in problems.select("tbody tr td:first-child")]
    assert "acme/visits/2026-11-02.yaml:2:7" in where
    assert problems.select_one("nav .count.bad").get_text() == str(len(where))
    account = text_of(out / account_href("acme"))
    assert "problems in its files" in account or "problem in its files" in account


def test_strict_makes_warnings_fail_the_build(kam, ledger_dir, tmp_path):
    root = ledger_dir({"acme/dossier.yaml": DOSSIER + "reviewed_on: 2020-01-01\n"})
    args = ("--ledger", str(root), "build", "--as-of", DAY, "-o", str(tmp_path / "s"))
    assert kam(*args).exit_code == 0
    assert kam(*args, "--strict").exit_code == 1


def test_lang_option_and_ledger_locale(kam, ledger_dir, tmp_path):
    root = ledger_dir({"ledger.yaml": "locale: zh-CN\n"})
    out = tmp_path / "site"
    assert kam("--ledger", str(root), "build", "--as-of", DAY, "-o", str(out)).exit_code == 0
    assert soup(out / "index.html").html["lang"] == "zh-CN"
    assert "总览" in text_of(out / "index.html")
    kam("--ledger", str(root), "build", "--as-of", DAY, "-o", str(out), "--lang", "en")
    assert soup(out / "index.html").html["lang"] == "en"
    assert kam("--ledger", str(root), "build", "--lang", "fr").exit_code == 2


def test_chinese_site_is_translated_and_formatted(sample_site):
    text = text_of(sample_site("zh-CN") / "index.html")
    for phrase in (
        "总览",
        "逾期回访",
        "超时未处理的投诉",
        "回访覆盖率",
        "2026年11月30日",
        "¥38,698,000",
    ):
        assert phrase in text
    for english in ("Dashboard", "Overdue revisits", "Revenue per month", "overdue", "Nov "):
        assert english not in text
    account = text_of(sample_site("zh-CN") / account_href("baolian-logistics"))
    assert "上次拜访 2026年10月6日（电话）" in account
    assert "农历 10-26" in account


def test_refuses_to_replace_a_folder_it_did_not_build(kam, tmp_path):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "plan.txt").write_text("keep me")
    result = kam("--ledger", str(SAMPLE), "build", "-o", str(mine))
    assert result.exit_code == 2
    assert "not empty and was not built by kam" in result.output
    assert (mine / "plan.txt").read_text() == "keep me"
    with pytest.raises(OutputError, match="overlaps the ledger"):
        check_output(SAMPLE / "site", SAMPLE)
    with pytest.raises(OutputError, match="overlaps the ledger"):
        check_output(SAMPLE.parent, SAMPLE)


def test_rebuild_replaces_the_previous_site(kam, tmp_path):
    out = tmp_path / "site"
    args = ("--ledger", str(SAMPLE), "build", "--as-of", DAY, "-o", str(out))
    assert kam(*args).exit_code == 0
    (out / "stale.html").write_text("old")
    assert kam(*args).exit_code == 0
    assert not (out / "stale.html").exists()
    assert (out / MARKER).is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no temporary folder left


def test_an_interrupted_build_leaves_the_previous_site(tmp_path):
    out = tmp_path / "site"
    write_site([("index.html", b"previous"), (MARKER, b"")], out)

    def broken():
        yield "index.html", b"half"
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_site(broken(), out)
    assert (out / "index.html").read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_markdown_notes_are_rendered_safely():
    html = str(
        markdown(
            "# Title\n\n**bold** [ok](https://example.com) [x](javascript:alert(1))"
            "\n\n<script>alert(1)</script> <img src=x onerror=alert(1)>\n\n![i](http://t/x.png)"
        )
    )
    page = BeautifulSoup(html, "html.parser")
    assert page.find("h4").get_text() == "Title"  # headings stay below the page's own
    assert page.find("strong").get_text() == "bold"
    # javascript: is dropped; an image becomes a plain link, never loaded by the page
    assert [a.get("href") for a in page.find_all("a")] == ["https://example.com", "http://t/x.png"]
    assert page.find("a")["rel"] == ["noopener", "noreferrer", "nofollow"]
    assert not page.find_all(["script", "img"])
    assert not [a for tag in page.find_all(True) for a in tag.attrs if a.startswith("on")]
    assert "<script>alert(1)</script>" in page.get_text()  # shown as the text it is


def test_an_unwritable_output_is_a_usage_error(kam, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = kam("--ledger", str(SAMPLE), "build", "-o", str(blocker / "site"))
    assert result.exit_code == 2
    assert "cannot write the site" in result.output
    assert blocker.read_text() == "x"
