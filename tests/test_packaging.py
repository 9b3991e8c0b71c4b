"""A plain wheel install (not only an editable one) finds the schemas and validates a ledger."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE

UV = shutil.which("uv")


@pytest.mark.slow
@pytest.mark.skipif(UV is None, reason="uv is not installed (CI installs it)")
def test_wheel_installs_into_a_fresh_venv_and_runs(tmp_path: Path):
    dist = tmp_path / "dist"
    subprocess.run(
        [UV, "build", "--wheel", "-o", str(dist), str(REPO)], check=True, capture_output=True
    )
    (wheel,) = dist.glob("kam_ledger-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for kind in ("ledger", "dossier", "visit", "complaint"):
        assert f"ledger/_data/schema/{kind}.schema.json" in names
    assert "ledger/_data/accounts/ledger.yaml" in names

    venv = tmp_path / "venv"
    subprocess.run([UV, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([UV, "pip", "install", "-q", "--python", str(python), str(wheel)], check=True)
    work = tmp_path / "elsewhere"  # no source tree next to the installed package
    work.mkdir()
    proc = subprocess.run(
        [str(venv / "bin" / "kam"), "--ledger", str(SAMPLE), "validate", "--as-of", "2026-11-30"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "0 errors, 0 warnings" in proc.stderr
    where = subprocess.run(
        [
            str(python),
            "-c",
            "from ledger.load.schema import schema_path; print(schema_path('visit'))",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(venv) in where
    # the templates, assets and catalogs travel in the wheel: a Chinese site builds from it
    proc = subprocess.run(
        [
            str(venv / "bin" / "kam"),
            "--ledger",
            str(SAMPLE),
            "build",
            "--as-of",
            "2026-11-30",
            "--lang",
            "zh-CN",
            "-o",
            "out",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "总览" in (work / "out" / "index.html").read_text(encoding="utf-8")
    assert (work / "out" / "assets" / "kam.css").is_file()
