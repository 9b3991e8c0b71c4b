"""The in-memory ledger of kam serve/watch: after every kind of edit, its figures and pages are
exactly those of a full build from scratch."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import AS_OF, SAMPLE

from ledger.live.ledger import LiveLedger, relative_paths
from ledger.live.site import LiveSite
from ledger.pipeline import check
from ledger.render.site import Site, render_site

ACCOUNT = "huadong-mobile"
VISIT = f"{ACCOUNT}/visits/2025-01-15-定期回访.yaml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    dest = tmp_path / "ledger"
    shutil.copytree(SAMPLE, dest)
    return dest


def full(root: Path, lang: str) -> dict[str, bytes]:
    return dict(render_site(Site(check(root, AS_OF), AS_OF, lang)))


def served(site: LiveSite) -> dict[str, bytes]:
    return {path: site.page(path) for path in site.paths()}  # type: ignore[misc]


def edit(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


EDITS: list[tuple[str, Callable[[Path], list[str]]]] = [
    (
        "visit edited in place",
        lambda r: [edit(r / VISIT, lambda t: t.replace("satisfied", "dissatisfied")), VISIT][1:],
    ),
    (
        "visit added",
        lambda r: [
            (r / ACCOUNT / "visits/2026-11-21.yaml").write_text(
                "date: 2026-11-21\nmode: onsite\nsummary: 新增拜访\n", encoding="utf-8"
            ),
            f"{ACCOUNT}/visits/2026-11-21.yaml",
        ][1:],
    ),
    (
        "complaint deleted",
        lambda r: [
            (r / ACCOUNT / "complaints/2026-11-20-账单差错.yaml").unlink(),
            f"{ACCOUNT}/complaints/2026-11-20-账单差错.yaml",
        ][1:],
    ),
    (
        "dossier broken",
        lambda r: [
            edit(r / ACCOUNT / "dossier.yaml", lambda t: t.replace("name:", "name: [", 1)),
            f"{ACCOUNT}/dossier.yaml",
        ][1:],
    ),
    (
        "dossier fixed",
        lambda r: [
            edit(r / ACCOUNT / "dossier.yaml", lambda t: t.replace("name: [", "name:", 1)),
            f"{ACCOUNT}/dossier.yaml",
        ][1:],
    ),
    (
        "revenue changes the tiers of other accounts",
        lambda r: [
            edit(r / ACCOUNT / "dossier.yaml", lambda t: t.replace("1666000", "96660000")),
            f"{ACCOUNT}/dossier.yaml",
        ][1:],
    ),
    (
        "settings changed",
        lambda r: [
            edit(r / "ledger.yaml", lambda t: t.replace("A: 0.80", "A: 0.60")),
            "ledger.yaml",
        ][1:],
    ),
    (
        "account folder removed",
        lambda r: [shutil.rmtree(r / "xinda-steel"), "xinda-steel"][1:],
    ),
    (
        "account added by copying one",
        lambda r: [shutil.copytree(r / "zhixin-tech", r / "zhixin-two"), "zhixin-two"][1:],
    ),
]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_after_every_edit_the_live_site_equals_a_full_build(root: Path, lang: str) -> None:
    site = LiveSite(LiveLedger(root), lang, 30, lambda: AS_OF)
    assert served(site) == full(root, lang)
    for name, change in EDITS:
        changed = change(root)
        version = site.version
        site.rebuild(changed)
        assert site.version == version + 1
        assert site.live.checked(AS_OF) == check(root, AS_OF), name
        assert served(site) == full(root, lang), name


def test_an_edit_re_renders_only_its_account_page(root: Path) -> None:
    site = LiveSite(LiveLedger(root), "en", 30, lambda: AS_OF)
    before = served(site)
    edit(root / VISIT, lambda t: t.replace("物联网卡与专线需求稳定", "需求增长"))
    site.rebuild([VISIT])
    kept = {p for p, data in site._pages.items() if data is before[p]}
    accounts = {p for p in before if p.startswith("accounts/")}
    assert f"accounts/{ACCOUNT}.html" not in kept
    assert accounts - {f"accounts/{ACCOUNT}.html"} <= kept
    assert "index.html" not in kept  # portfolio pages are rendered again on request
    assert "需求增长".encode() in site.page(f"accounts/{ACCOUNT}.html")  # type: ignore[operator]


def test_event_paths_become_ledger_paths(root: Path) -> None:
    events = [
        str(root / VISIT),
        str(root / ACCOUNT / "visits" / ".2025-01-15.yaml.swp"),
        str(root / ACCOUNT / "visits" / "4913"),
        str(root / ACCOUNT / "dossier.yaml~"),
        str(root / "_drafts" / "x.yaml"),
        str(root.parent / "elsewhere.yaml"),
        str(root),
    ]
    assert relative_paths(root, events) == {VISIT, ""}


def test_a_file_saved_a_moment_ago_is_read_again(root: Path) -> None:
    live = LiveLedger(root)
    path = root / VISIT
    edit(path, lambda t: t.replace("phone", "video"))
    live.refresh([VISIT])
    # same size, same second: the stamp could repeat, so the file must not have been trusted
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("video", "email"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    live.refresh([VISIT])
    visit = next(v for v in live.checked(AS_OF).ledger.account(ACCOUNT).visits if v.file == VISIT)
    assert visit.mode == "email"
