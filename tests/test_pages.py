"""The page registry (``ledger.render.pages``) is the one list of pages: the navigation, the
static build and the live site all follow it."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import AS_OF, SAMPLE

from ledger.live.ledger import LiveLedger
from ledger.live.site import LiveSite
from ledger.pipeline import check
from ledger.render.build import build_site
from ledger.render.pages import Page, account_href, pages
from ledger.render.site import Site, render_file, site_paths
from ledger.workflow.gitrev import account_history


@pytest.fixture(scope="module")
def site() -> Site:
    return Site(check(SAMPLE, AS_OF), AS_OF, "en")


def nav_links(html: bytes) -> list[tuple[str, str, bool]]:
    """(href, label, current) of each link of a page's navigation."""
    nav = BeautifulSoup(html.decode("utf-8"), "html.parser").find("nav")
    assert nav is not None
    return [
        (a["href"], a.find(string=True, recursive=False).strip(), a.has_attr("aria-current"))
        for a in nav.find_all("a")
    ]


def test_registry_is_built_afresh_and_names_each_page_once():
    first, second = pages(), pages()
    assert isinstance(first, tuple) and first == second
    assert len({p.name for p in first}) == len(first)
    assert len({p.path for p in first}) == len(first)
    assert all(isinstance(p, Page) for p in first)


def test_nav_lists_exactly_the_registry_nav_pages_on_every_page(site):
    nav = [p for p in pages() if p.nav]
    for path, (kind, _account) in site.page_paths.items():
        root = kind.root
        links = nav_links(render_file(site, path))
        assert [(href, label) for href, label, _ in links] == [
            (root + p.path, p.title) for p in nav
        ], path
        assert [href for href, _, current in links if current] == (
            [root + kind.path] if kind.nav else []
        ), path


def test_nav_is_translated(site):
    zh = Site(site.checked, AS_OF, "zh-CN")
    labels = [label for _, label, _ in nav_links(render_file(zh, "index.html"))]
    assert len(labels) == len([p for p in pages() if p.nav])
    assert "Dashboard" not in labels and all(label for label in labels)


def test_every_page_of_the_registry_is_in_the_site(site):
    paths = site_paths(site)
    for kind in pages():
        if kind.per_account:
            for account in site.ledger.accounts:
                assert account_href(account.id) in paths
                assert kind.path_for(account) == account_href(account.id)
        else:
            assert kind.path in paths


def test_build_and_live_site_have_the_same_files(site, tmp_path: Path):
    out = tmp_path / "site"
    build_site(site.checked, out, AS_OF, "en")
    built = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    live = LiveSite(LiveLedger(SAMPLE), "en", 30, lambda: AS_OF, account_history(SAMPLE))
    assert sorted(live.paths()) == built == sorted(site_paths(site))
    for path in ("index.html", account_href(site.ledger.accounts[0].id)):
        assert live.page(path) == (out / path).read_bytes()
