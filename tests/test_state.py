"""State owned by its process: pages of two ledger versions, rendered at the same time from two
threads, each show their own version's figures; memos are bounded and go with their owner."""

from __future__ import annotations

import builtins
import gc
import shutil
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import AS_OF, SAMPLE

from ledger.derive import tiers
from ledger.live.ledger import LiveLedger
from ledger.live.site import LiveSite
from ledger.memo import Memo, active_memo, by_identity
from ledger.pipeline import Checked, check
from ledger.render.exports import tiers_csv
from ledger.render.site import Site, render_file

ACCOUNT = "ruifeng-auto"  # tier C in the sample; tier A once its November is 40 million
PATHS = ("index.html", "tiers.csv", f"accounts/{ACCOUNT}.html")
ROUNDS = 25


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    """The sample, and a copy of it in which one revenue amount changed."""
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(SAMPLE, a)
    shutil.copytree(SAMPLE, b)
    dossier = b / ACCOUNT / "dossier.yaml"
    text = dossier.read_text(encoding="utf-8")
    changed = text.replace(
        "{period: 2026-11, amount: 33000,", "{period: 2026-11, amount: 40000000,"
    )
    assert changed != text
    dossier.write_text(changed, encoding="utf-8")
    return a, b


@pytest.fixture(autouse=True)
def _switch_often() -> Iterator[None]:
    """Threads switch every microsecond, so that a race shows within a few rounds."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def expected(checked: Checked) -> dict[str, bytes]:
    """The files of one version, rendered alone."""
    site = Site(checked, AS_OF, "en")
    return {path: render_file(site, path) for path in PATHS}


def at_once(jobs: list[Callable[[], None]], names: list[str] | None = None) -> list[BaseException]:
    """Run the jobs in threads started together; the exceptions they raised."""
    failures: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], None]) -> None:
        start.wait()
        try:
            job()
        except BaseException as exc:  # reported by the test
            failures.append(exc)

    threads = [
        threading.Thread(target=run, args=(job,), name=name)
        for job, name in zip(jobs, names or [f"job-{i}" for i in range(len(jobs))], strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


def test_two_versions_rendered_at_once_keep_their_own_figures(versions):
    checked = [check(root, AS_OF) for root in versions]
    wanted = [expected(c) for c in checked]
    for path in PATHS:
        assert wanted[0][path] != wanted[1][path], path  # the versions really differ
    assert b"38,698,000" in wanted[0]["index.html"]  # the dashboard's portfolio total
    assert b"78,665,000" in wanted[1]["index.html"]

    def render(version: int) -> Callable[[], None]:
        def job() -> None:
            for _ in range(ROUNDS):
                site = Site(checked[version], AS_OF, "en")  # a fresh site: nothing cached yet
                for path in PATHS:
                    assert render_file(site, path) == wanted[version][path], (version, path)

        return job

    assert at_once([render(0), render(1)]) == []


def test_two_live_sites_served_at_once_keep_their_own_figures(versions):
    wanted = [expected(check(root, AS_OF)) for root in versions]
    sites = [LiveSite(LiveLedger(root), "en", 30, lambda: AS_OF) for root in versions]
    assert sites[0].live.memo is not sites[1].live.memo

    def serve(version: int) -> Callable[[], None]:
        def job() -> None:
            site = sites[version]
            for _ in range(ROUNDS):
                site.rebuild(set())  # a new version: every page is rendered again
                for path in PATHS:
                    assert site.page(path) == wanted[version][path], (version, path)

        return job

    assert at_once([serve(0), serve(1)]) == []


def test_a_table_computed_while_another_site_looks_up_its_own(versions, monkeypatch):
    """The race made certain: while one live site checks that its remembered tier table still
    fits (``compute_tiers``), the other version's table is computed and remembered. The site
    keeps its own (a tier table remembered per module hands it the other version's)."""
    wanted = [expected(check(root, AS_OF)) for root in versions]
    sites = [LiveSite(LiveLedger(root), "en", 30, lambda: AS_OF) for root in versions]
    looking, other_done = threading.Event(), threading.Event()
    real_all = builtins.all

    def all_then_let_the_other_run(values):  # the check's last step, just before the read
        result = real_all(values)
        if threading.current_thread().name == "first" and not looking.is_set():
            looking.set()
            assert other_done.wait(30)
        return result

    monkeypatch.setattr(tiers, "all", all_then_let_the_other_run, raising=False)

    def first() -> None:
        assert sites[0].page("tiers.csv") == wanted[0]["tiers.csv"]
        sites[0].rebuild(set())  # the same accounts: the remembered table fits
        assert sites[0].page("tiers.csv") == wanted[0]["tiers.csv"]

    def second() -> None:
        assert looking.wait(30)
        try:
            # not through Site.table: on Python 3.11 a cached_property holds one lock for all
            # instances, which would make the two threads take turns
            with sites[1].live.memo.active():
                table = tiers.compute_tiers(sites[1].site.ledger, AS_OF)
            assert tiers_csv(table).encode() == wanted[1]["tiers.csv"]
        finally:
            other_done.set()

    threads = {"first": first, "second": second}
    assert at_once(list(threads.values()), names=list(threads)) == []
    assert looking.is_set(), "compute_tiers no longer checks with all(): move this test's hook"


def test_memo_is_bounded_and_only_used_where_active():
    calls: list[int] = []

    @by_identity(size=3)
    def square(n: int) -> int:
        calls.append(n)
        return n * n

    assert square(2) == 4 and square(2) == 4 and calls == [2, 2]  # no memo active: no memory
    memo = Memo()
    with memo.active():
        assert active_memo() is memo
        for n in range(10):
            square(n)
            square(n)
        assert len(memo) <= 3
    assert active_memo() is None
    assert calls == [2, 2, *range(10)]


def test_memo_goes_with_its_owner(versions):
    site = LiveSite(LiveLedger(versions[0]), "en", 30, lambda: AS_OF)
    site.page("index.html")
    memo = weakref.ref(site.live.memo)
    assert len(site.live.memo) > 0
    del site
    gc.collect()
    assert memo() is None
