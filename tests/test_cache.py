"""The parse cache (ledger.load.cache) and the parallel paths: same answers as a cold serial run,
whatever state the cache is in."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import AS_OF, SAMPLE

from ledger.load import cache as cache_module
from ledger.load import read
from ledger.load import workers as parallel
from ledger.load.cache import Cache
from ledger.pipeline import check, diagnose
from ledger.render import build
from ledger.render.build import build_site
from ledger.workflow.demo import write_demo

BAD_VISIT = "date: 2026-11-02\nmode: boat\nsummary: ok\n"
GOOD_VISIT = "date: 2026-11-02\nmode: phone\nsummary: ok\n"
LONG_AGO = 1_700_000_000  # 2023: older than any racy window


def age(root: Path) -> None:
    """Date every file back, as files are when a ledger is checked out and then edited."""
    for path in [root, *root.rglob("*")]:
        os.utime(path, (LONG_AGO, LONG_AGO), follow_symlinks=False)


@pytest.fixture
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache files written a moment ago: a file's change time cannot be set back, and the tests
    cannot wait out the racy window (``test_files_written_just_now_are_not_cached`` covers it)."""
    monkeypatch.setattr(cache_module, "RACY_SECONDS", 0)


@pytest.fixture
def cached(
    tmp_path: Path, ledger_dir: Callable[..., Path], no_racy_window: None
) -> tuple[Path, Cache]:
    root = ledger_dir({"acme/visits/2026-11-02.yaml": BAD_VISIT})
    age(root)
    return root, Cache(tmp_path / "cache")


def run_validate(kam: Callable[..., Result], root: Path, cache_dir: Path, *extra: str) -> Result:
    return kam(
        *extra, "--ledger", str(root), "validate", "--format", "json", "--as-of", "2026-11-30",
        env={"KAM_CACHE_DIR": str(cache_dir)},
    )  # fmt: skip


def test_a_warm_run_reports_what_a_cold_run_reports(cached: tuple[Path, Cache]) -> None:
    root, cache = cached
    cold = diagnose(root, AS_OF)
    first = diagnose(root, AS_OF, cache)
    assert (cache.folder / "validated").is_file() and (cache.folder / "documents").is_file()
    assert diagnose(root, AS_OF, cache) == first == cold
    assert [d.code for d in cold[0]] == ["schema"]


def test_an_edit_that_keeps_the_size_is_seen(cached: tuple[Path, Cache]) -> None:
    root, cache = cached
    diagnose(root, AS_OF, cache)
    visit = root / "acme/visits/2026-11-02.yaml"
    visit.write_text(BAD_VISIT.replace("boat", "taxi"))  # same size, new content
    os.utime(visit, (LONG_AGO + 60, LONG_AGO + 60))
    diagnostics, _ = diagnose(root, AS_OF, cache)
    assert "'taxi'" in diagnostics[0].message
    visit.write_text(GOOD_VISIT)
    assert diagnose(root, AS_OF, cache)[0] == []
    # the model commands read the per-file cache: it must have followed the edit too
    assert check(root, AS_OF, cache).diagnostics == []


def test_another_date_reuses_parsed_files_but_recomputes(cached: tuple[Path, Cache]) -> None:
    root, cache = cached
    (root / "acme/dossier.yaml").write_text(
        "name: ACME\nmanager: 王磊\nreviewed_on: 2026-01-01\n", encoding="utf-8"
    )
    age(root)
    assert [d.code for d in diagnose(root, dt.date(2026, 2, 1), cache)[0]] == ["schema"]
    later = [d.code for d in diagnose(root, dt.date(2026, 11, 30), cache)[0]]
    assert later == ["dossier-stale", "schema"]


@pytest.mark.parametrize(
    "damage",
    [b"", b"garbage\n", b"kam-cache 0 old\n\x80\x04K.", None],
    ids=["empty", "garbage", "other-version", "truncated"],
)
def test_a_damaged_cache_is_ignored(cached: tuple[Path, Cache], damage: bytes | None) -> None:
    root, cache = cached
    expected = diagnose(root, AS_OF)
    diagnose(root, AS_OF, cache)
    for name in ("validated", "documents"):
        path = cache.folder / name
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if damage is None else damage)
    assert diagnose(root, AS_OF, cache) == expected
    assert check(root, AS_OF, cache).diagnostics == expected[0]


def test_a_cache_with_the_wrong_shape_is_ignored(cached: tuple[Path, Cache]) -> None:
    root, cache = cached
    expected = diagnose(root, AS_OF)
    cache.save("validated", ["not", "a", "tuple"])
    cache.save("documents", {"acme/dossier.yaml": "nonsense"})
    assert diagnose(root, AS_OF, cache) == expected


def test_files_written_just_now_are_not_cached(ledger_dir: Callable[..., Path], tmp_path: Path):
    root = ledger_dir({"acme/visits/2026-11-02.yaml": BAD_VISIT})  # mtime: now
    cache = Cache(tmp_path / "cache")
    diagnose(root, AS_OF, cache)
    assert cache.load("validated") is None
    assert cache.load("documents") == {}


def test_the_cache_lives_outside_the_ledger_and_no_cache_skips_it(
    kam: Callable[..., Result], cached: tuple[Path, Cache], tmp_path: Path
) -> None:
    root, _ = cached
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    cache_dir = tmp_path / "kam-cache"
    cold = run_validate(kam, root, cache_dir, "--no-cache")
    assert not cache_dir.exists()
    warm = [run_validate(kam, root, cache_dir) for _ in range(2)]
    assert len(list(cache_dir.iterdir())) == 1  # one folder per ledger
    assert cold.exit_code == warm[0].exit_code == warm[1].exit_code == 1
    assert json.loads(cold.output) == json.loads(warm[0].output) == json.loads(warm[1].output)
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_an_unwritable_cache_is_skipped(
    kam: Callable[..., Result], cached: tuple[Path, Cache], tmp_path: Path
) -> None:
    root, _ = cached
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_validate(kam, root, blocker)
    assert result.exit_code == 1 and json.loads(result.output)["errors"]


def test_parallel_parsing_gives_the_serial_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "demo"
    write_demo(root, 4, 7, AS_OF)
    (root / "acct-00001/visits/2026-11-02-bad.yaml").write_text(BAD_VISIT)
    (root / "acct-00002/dossier.yaml").write_bytes(b"name: [unclosed\n")
    serial = check(root, AS_OF)
    monkeypatch.setattr(read, "PARALLEL_MIN_FILES", 1)
    assert parallel.can_fork()
    forked = check(root, AS_OF, workers=2)
    assert forked == serial
    assert {d.code for d in serial.errors} >= {"schema", "yaml-syntax"}


def test_parallel_building_gives_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = check(SAMPLE, AS_OF)
    serial = build_site(checked, tmp_path / "serial", AS_OF, "zh-CN", workers=1)
    monkeypatch.setattr(build, "PARALLEL_MIN_ACCOUNTS", 1)
    assert parallel.can_fork()  # else the "parallel" build below would quietly be serial
    forked = build_site(checked, tmp_path / "parallel", AS_OF, "zh-CN", workers=2)
    assert forked.files == serial.files > 20
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
