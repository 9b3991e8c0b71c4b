"""The site in real tools: the Nu Html Checker (vnu-jar, Java) and headless Chromium with axe-core.

.ci/run installs Debian's chromium and chromium-driver, Java and the npm packages, and sets
KAM_REQUIRE_BROWSER=1 so that a missing tool fails there instead of skipping. Set
KAM_SCREENSHOTS=DIR to keep the screenshots for a look (they never go into the repo).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import AS_OF, DOSSIER, REPO, write_files

from ledger.pipeline import check
from ledger.render.build import build_site
from ledger.render.site import account_href

JS = REPO / "tests" / "js" / "node_modules"
VNU = JS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = JS / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PAGES = (
    "index.html",
    "accounts.html",
    "schedule.html",
    "complaints.html",
    "managers.html",
    "problems.html",
    account_href("baolian-logistics"),
)
REQUIRED = os.environ.get("KAM_REQUIRE_BROWSER") == "1"
pytestmark = pytest.mark.slow  # Java and Chromium start-ups: out of the fast lane


def need(ok: bool, reason: str) -> None:
    if not ok:
        if REQUIRED:
            pytest.fail(f"{reason} (KAM_REQUIRE_BROWSER=1)")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory) -> Path:
    """A ledger with problems, so that the problems page has rows to check."""
    root = write_files(
        tmp_path_factory.mktemp("broken") / "ledger",
        {
            "acme/dossier.yaml": DOSSIER + "reviewed_on: 2020-01-01\n",
            "acme/visits/2026-11-02.yaml": "date: 2026-11-02\nmode: teleport\n",
        },
    )
    out = root.parent / "site"
    build_site(check(root, AS_OF), out, AS_OF, "en")
    return out


@pytest.fixture(scope="module")
def browser():
    need(Path(CHROMIUM).exists(), "Chromium is not installed (apt-get install chromium)")
    need(
        Path(CHROMEDRIVER).exists(),
        "ChromeDriver is not installed (apt-get install chromium-driver)",
    )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def test_html_passes_the_nu_checker(sample_site, broken_site):
    need(shutil.which("java") is not None, "Java is needed for the Nu Html Checker")
    need(VNU.exists(), "vnu-jar is not installed (npm ci in tests/js)")
    folders = [sample_site("en"), sample_site("zh-CN"), broken_site]
    run = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU),
            "--format",
            "json",
            "--errors-only",
            "--skip-non-html",
            *map(str, folders),
        ],
        capture_output=True,
        text=True,
    )
    messages = json.loads(run.stderr or '{"messages": []}')["messages"]
    assert [(m.get("url", "").rsplit("/", 2)[-2:], m["message"]) for m in messages] == []
    pages = sum(1 for f in folders for _ in f.rglob("*.html"))
    assert pages >= 2 * (6 + 12)  # every page of both languages was checked


def load(driver, path: Path) -> None:
    driver.get(path.as_uri())
    driver.execute_script("return document.readyState")


def test_axe_finds_no_serious_violations(browser, sample_site, broken_site):
    need(AXE.exists(), "axe-core is not installed (npm ci in tests/js)")
    axe = AXE.read_text(encoding="utf-8")
    found = []
    pages = [sample_site(lang) / page for lang in ("en", "zh-CN") for page in PAGES]
    # the broken site: its notice of what is left out and the flags of accounts with errors
    broken = [broken_site / name for name in ("problems.html", "index.html", "accounts.html")]
    for path in [*pages, *broken]:
        load(browser, path)
        browser.execute_script(axe)
        violations = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations)).catch(e => done(String(e)));"
        )
        assert isinstance(violations, list), violations
        found += [
            (path.name, v["id"], v["impact"], len(v["nodes"]))
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
    assert found == []


def test_styles_and_script_load_from_disk_under_the_page_policy(browser, sample_site):
    load(browser, sample_site("en") / "accounts.html")
    # kam.js ran (it adds a filter box and sort buttons) and kam.css applied, over file://
    assert browser.find_elements("css selector", ".kam-filter input")
    header = browser.find_element("css selector", "header.top")
    assert header.value_of_css_property("background-color") == "rgba(23, 50, 79, 1)"
    box = browser.find_element("css selector", ".kam-filter input")
    box.send_keys("宝联")
    rows = browser.find_elements("css selector", "table[data-filter] tbody tr")
    visible = [r for r in rows if r.is_displayed()]
    assert len(visible) == 1 and "宝联物流" in visible[0].text
    box.clear()
    box.send_keys(" ")  # an empty filter shows every row again
    assert all(r.is_displayed() for r in rows)


def test_sorting_by_a_column(browser, sample_site):
    load(browser, sample_site("en") / "accounts.html")
    buttons = browser.find_elements("css selector", "table[data-filter] thead th button.sort")
    rank = buttons[0]
    rank.click()  # ascending by rank
    rank.click()  # descending
    first = browser.find_element("css selector", "table[data-filter] tbody tr td").text
    assert first == "9"
    th = browser.find_element("css selector", "table[data-filter] thead th")
    assert th.get_attribute("aria-sort") == "descending"


def screenshot(driver, path: Path, out: Path, width: int) -> dict:
    driver.set_window_size(width, 900)
    load(driver, path)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(height, 6000))
    driver.save_screenshot(str(out))
    return driver.execute_script(
        "return {scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth,"
        " fonts: getComputedStyle(document.body).fontFamily}"
    )


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_screenshots_of_dashboard_and_account_page(browser, sample_site, tmp_path, lang):
    keep = os.environ.get("KAM_SCREENSHOTS")
    folder = Path(keep) if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for name, page in (("dashboard", "index.html"), ("account", account_href("pujiang-bank"))):
        for device, width in (("desktop", 1280), ("phone", 390)):
            shot = folder / f"{name}-{lang}-{device}.png"
            metrics = screenshot(browser, sample_site(lang) / page, shot, width)
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert shot.stat().st_size > 20_000  # a page was drawn, not a blank
            # usable on a phone: nothing wider than the screen (wide tables scroll in place)
            assert metrics["scroll"] <= metrics["client"], (name, device, metrics)
            assert "Noto Sans CJK SC" in metrics["fonts"]
    browser.set_window_size(1280, 900)


PAYLOADS = [
    '<script>window.__pwned="script"</script>',
    "<img src=x onerror=\"window.__pwned='img'\">",
    '"><svg onload="window.__pwned=\'svg\'">',
    "javascript:window.__pwned='js'",
    "[link](javascript:window.__pwned='md')",
    "<a href=\"javascript:window.__pwned='a'\">a</a>",
    "</textarea></style><script>window.__pwned='close'</script>",
    "{{ 7*7 }}{% raw %}",
    "[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0nZGF0YSc8L3NjcmlwdD4=)",
    "<a href=\"data:text/html,<script>window.__pwned='data'</script>\">d</a>",
    "![i](data:image/svg+xml,<svg onload=window.__pwned='svgdata'>)",
    "<style>body{display:none}</style>",
    "</style><style>*{position:fixed;top:0;left:0;width:9999px}</style>",
    '" style="position:fixed;top:0;left:0;width:100%;height:100%;background:red',
    "{}*{background:url(http://evil.example/x)} @import url(http://evil.example/y.css);",
    "\u202egnp.exe \u2067 override \u200b zero-width",
    "W" * 3000,
]


def hostile(i: int) -> str:
    return json.dumps(PAYLOADS[i % len(PAYLOADS)] + f" #{i}", ensure_ascii=False)


def hostile_ledger(root: Path) -> Path:
    n = iter(range(1000))

    def h() -> str:
        return hostile(next(n))

    dossier = f"""\
name: {h()}
short_name: {h()}
industry: {h()}
region: {h()}
address: {h()}
manager: {h()}
stage: supplier
since: 2020-01-01
reviewed_on: 2026-10-01
credit: {{limit: 100, outstanding: 50, overdue: 10}}
tier_override: {{tier: {h()}, reason: {h()}}}
channels: [{h()}]
purchase_price: {h()}
competitors: [{{name: {h()}, notes: {h()}}}]
contacts:
  - id: boss
    name: {h()}
    role: {h()}
    phone: {h()}
    email: {h()}
    birthday: --12-01
    anniversaries: [{{name: {h()}, date: 2015-03-01}}]
    personality: {h()}
    interests: {h()}
    family: {h()}
    education: {h()}
    notes: {h()}
revenue:
  - {{period: 2026-10, amount: 100, reason: {h()}}}
tags: [{h()}]
notes: {h()}
"""
    visit = f"""\
date: 2026-11-20
mode: onsite
by: {h()}
received_by: [boss]
place: {h()}
purpose: {h()}
summary: {h()}
progress: {h()}
suggestions: {h()}
satisfaction: satisfied
next_visit: 2026-12-01
notes: {h()}
"""
    planned = f"date: 2026-12-03\nstatus: planned\nmode: phone\npurpose: {h()}\n"
    complaint = f"""\
opened: 2026-11-25
summary: {h()}
category: other
severity: low
status: open
owner: {h()}
raised_by: boss
customer_position: {h()}
root_cause: {h()}
notes: {h()}
"""
    ledger = f"name: {h()}\nrevisit:\n  holidays:\n    dates: [{{name: {h()}, date: 2026-12-05}}]\n"
    return write_files(
        root,
        {
            "ledger.yaml": ledger,
            "evil/dossier.yaml": dossier,
            "evil/visits/2026-11-20.yaml": visit,
            "evil/visits/2026-12-03.yaml": planned,
            "evil/complaints/2026-11-25.yaml": complaint,
        },
    )


def test_hostile_text_never_executes(browser, tmp_path):
    root = hostile_ledger(tmp_path / "ledger")
    checked = check(root, AS_OF)
    assert checked.diagnostics == []  # every payload is valid text, so every page shows it
    out = tmp_path / "site"
    build_site(checked, out, AS_OF, "en")
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 7
    for page in pages:
        load(browser, page)
        state = browser.execute_script(
            "return {pwned: window.__pwned === undefined ? null : String(window.__pwned),"
            " scripts: Array.from(document.scripts).map(s => s.src.split('/').pop()),"
            " handlers: Array.from(document.querySelectorAll('*')).flatMap(e =>"
            "   Array.from(e.attributes).filter(a => a.name.startsWith('on')).map(a => a.name)),"
            " links: Array.from(document.links).map(a => a.protocol)"
            "   .filter(p => !['file:', 'http:', 'https:', 'mailto:'].includes(p)),"
            " text: document.body.innerText}"
        )
        assert state["pwned"] is None, page
        assert state["scripts"] == ["kam.js"], page
        assert state["handlers"] == [], page
        assert state["links"] == [], page
        layout = browser.execute_script(
            "const nav = document.querySelector('nav').getBoundingClientRect();"
            "return {overflow: document.documentElement.scrollWidth - window.innerWidth,"
            " sheets: Array.from(document.styleSheets).map(s => (s.href || 'inline')"
            "   .split('/').pop()),"
            " styled: Array.from(document.querySelectorAll('[style]')).map(e =>"
            "   e.getAttribute('style')).filter(s => /fixed|red|display/.test(s)),"
            " fixed: Array.from(document.querySelectorAll('body *')).filter(e =>"
            "   getComputedStyle(e).position === 'fixed').length,"
            " nav: nav.top >= 0 && nav.height > 0,"
            " hidden: getComputedStyle(document.body).display === 'none'}"
        )
        # layout holds: one style sheet, nothing fixed over the page, nothing wider than it
        assert layout == {
            "overflow": layout["overflow"] if layout["overflow"] <= 0 else "too wide",
            "sheets": ["kam.css"],
            "styled": [],
            "fixed": 0,
            "nav": True,
            "hidden": False,
        }, (page, layout)
    # the payloads are shown as the text they are
    load(browser, out / account_href("evil"))
    text = browser.execute_script("return document.body.innerText")
    assert '<script>window.__pwned="script"</script>' in text
    assert "{{ 7*7 }}{% raw %}" in text  # never evaluated as a template
    assert "\u2068\u202egnp.exe" in text  # a right-to-left override is kept, but isolated


def test_print_stylesheet_hides_navigation_and_shows_chart_tables(browser, sample_site):
    load(browser, sample_site("en") / "index.html")
    folded = "return document.querySelector('#revenue details table').checkVisibility()"
    assert browser.execute_script(folded) is False  # on screen, folded under the chart
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        nav = browser.find_element("css selector", "header nav")
        assert nav.value_of_css_property("display") == "none"
        shown = browser.execute_script(
            "return document.querySelector('#revenue details table').checkVisibility()"
        )
        assert shown  # the figures under each chart are printed, not folded
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_served_pages_reload_themselves_after_an_edit(browser, tmp_path):
    """kam serve in Chromium: the injected script (allowed by the served page's policy) reloads
    the open page after a save, with no console errors."""
    import shutil as sh
    import time

    from conftest import SAMPLE
    from test_serve import VISIT, Kam, replace_text

    root = tmp_path / "ledger"
    sh.copytree(SAMPLE, root)
    kam = Kam(["--ledger", str(root), "serve", "--port", "0", "--as-of", "2026-11-23"], tmp_path)
    try:
        port = int(kam.wait_for(r"at http://127\.0\.0\.1:(\d+)/").group(1))
        browser.get_log("browser")  # drop what earlier tests left in the log
        browser.get(f"http://127.0.0.1:{port}/accounts/huadong-mobile.html")
        browser.execute_script("window.__stale = true")  # gone once the page reloads
        assert "自动刷新" not in browser.find_element("tag name", "main").text
        visit = root / VISIT
        visit.write_text(replace_text(visit, "例行拜访", "自动刷新"), encoding="utf-8")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if browser.execute_script("return window.__stale === undefined") and "自动刷新" in (
                browser.find_element("tag name", "main").text
            ):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the open page did not reload")
        logs = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert logs == [], logs
    finally:
        kam.stop()
