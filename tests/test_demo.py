"""kam demo: a synthetic ledger that is valid, shaped like the sample, and reproducible."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from conftest import AS_OF

from ledger.derive.tiers import compute_tiers
from ledger.pipeline import check


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_demo_is_valid_shaped_like_the_sample_and_reproducible(
    kam: Callable[..., Result], tmp_path: Path
) -> None:
    args = ["--accounts", "20", "--seed", "3", "--until", AS_OF.isoformat()]
    first = kam("demo", str(tmp_path / "a"), *args)
    assert first.exit_code == 0, first.output
    assert kam("demo", str(tmp_path / "b"), *args).exit_code == 0
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    other = kam("demo", str(tmp_path / "c"), *args[:2], "--seed", "4", *args[4:])
    assert other.exit_code == 0 and tree(tmp_path / "c") != tree(tmp_path / "a")

    checked = check(tmp_path / "a", AS_OF)
    assert checked.diagnostics == []
    accounts = checked.ledger.accounts
    assert len(accounts) == 20
    assert 54 * 20 <= checked.ledger.files <= 57 * 20 + 1
    for account in accounts:
        assert 45 <= len(account.visits) <= 50 and len(account.complaints) == 5
        assert len(account.revenue) == 24
    tiers = {row.tier for row in compute_tiers(checked.ledger, AS_OF).rows}
    assert tiers == {"A", "B", "C"}


def test_demo_refuses_a_folder_with_files(kam: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    result = kam("demo", str(tmp_path), "--accounts", "1")
    assert result.exit_code == 2 and "not empty" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]
