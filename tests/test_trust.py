"""Trust (issue 14): no input stalls kam, and what it reports stays readable.

Each test runs the real ``kam`` command in a subprocess, as a user or a pre-commit hook would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import write_files


def kam(*args: str, cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run kam; the result and the CPU seconds it used."""
    before = os.times()
    proc = subprocess.run(
        [sys.executable, "-m", "ledger", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
    )
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return proc, cpu


def test_sixty_thousand_unknown_keys_are_reported_in_linear_time(tmp_path: Path) -> None:
    """Positions come from one map per file and only the first 100 problems are described:
    a 800 KB visit with 60,000 unknown keys took minutes when each diagnostic re-parsed the
    file; now it takes about as long as parsing the file twice."""
    keys = "".join(f"k{i}: {i}\n" for i in range(60_000))
    root = write_files(
        tmp_path / "ledger",
        {
            "acme/dossier.yaml": "name: Acme\nmanager: 王磊\n",
            "acme/visits/2026-11-02.yaml": "date: 2026-11-02\nmode: phone\nsummary: x\n" + keys,
        },
    )
    started = time.perf_counter()
    proc, cpu = kam("--no-cache", "--ledger", str(root), "validate", "--as-of", "2026-11-30")
    wall = time.perf_counter() - started
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert "acme/visits/2026-11-02.yaml:4:1: error[schema]: unknown key 'k0'" in lines[0]
    shown = [line for line in lines if "error[schema]: unknown key" in line]
    assert len(shown) == 100
    assert any("… and 59,900 more problems in this file from here on" in x for x in lines)
    assert lines[-1] == "101 errors, 0 warnings in 2 files"
    # quadratic work took minutes; linear work is a few tenths of a second here (generous
    # bounds: two cores shared with the rest of the suite)
    assert cpu < 6, f"{cpu:.1f} s of CPU"
    assert wall < 20, f"{wall:.1f} s"


def test_the_cap_counts_every_kind_of_schema_problem(tmp_path: Path) -> None:
    """Beyond 100 problems of one file the rest are counted, whatever their kind."""
    contacts = "".join(f"  - {{id: c{i}, name: 张{i}, attitude: nope}}\n" for i in range(150))
    root = write_files(
        tmp_path / "ledger",
        {"acme/dossier.yaml": "name: Acme\nmanager: 王磊\ncontacts:\n" + contacts},
    )
    proc, _ = kam("--no-cache", "--ledger", str(root), "validate", "--format", "json")
    assert proc.returncode == 1
    found = json.loads(proc.stdout)["errors"]
    assert len(found) == 101
    assert found[-1]["message"].startswith("… and 50 more problems in this file")
    assert found[-1]["line"] == 104  # where the first problem not described is
