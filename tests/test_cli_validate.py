"""FORMAT §9: kam validate — formats, exit codes, root selection."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLE

BROKEN = {
    "acme/visits/2026-11-02.yaml": "date: 2026-11-02\nmode: boat\nsummary: a\n",
    "acme/dossier.yaml": "name: A\nmanager: B\nreviewed_on: 2020-01-01\n",
}


def test_sample_ledger_is_clean(kam):
    result = kam("--ledger", str(SAMPLE), "validate", "--as-of", "2026-11-30", "--strict")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip().startswith("0 errors, 0 warnings in ")


def test_text_diagnostics_go_to_stderr(kam, ledger_dir):
    root = ledger_dir(BROKEN, dossier=None)
    result = kam("--ledger", str(root), "validate", "--as-of", "2026-11-30")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("acme/dossier.yaml:3:14: warning[dossier-stale]: ")
    assert "acme/visits/2026-11-02.yaml:2:7: error[schema]: " in result.stderr
    assert "  2 | mode: boat" in result.stderr
    assert "hint: " in result.stderr
    assert lines[-1] == "1 error, 1 warning in 2 files"
    assert "\x1b[" not in result.stderr  # no colour when not a terminal


def test_strict_counts_warnings(kam, ledger_dir):
    root = ledger_dir({"acme/dossier.yaml": "name: A\nmanager: B\nreviewed_on: 2020-01-01\n"}, None)
    assert kam("--ledger", str(root), "validate", "--as-of", "2026-11-30").exit_code == 0
    assert (
        kam("--ledger", str(root), "validate", "--strict", "--as-of", "2026-11-30").exit_code == 1
    )


def test_json_shape(kam, ledger_dir):
    root = ledger_dir(BROKEN, dossier=None)
    result = kam("--ledger", str(root), "validate", "--format", "json", "--as-of", "2026-11-30")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert set(doc) >= {"errors", "warnings"}
    (err,) = doc["errors"]
    assert {k: err[k] for k in ("file", "line", "column", "code")} == {
        "file": "acme/visits/2026-11-02.yaml",
        "line": 2,
        "column": 7,
        "code": "schema",
    }
    assert isinstance(err["message"], str) and err["message"]
    assert [w["code"] for w in doc["warnings"]] == ["dossier-stale"]


def test_github_annotations(kam, ledger_dir):
    root = ledger_dir(BROKEN, dossier=None)
    result = kam("--ledger", str(root), "validate", "--format", "github", "--as-of", "2026-11-30")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "::warning file=acme/dossier.yaml,line=3,col=14,title=dossier-stale::"
    )
    assert lines[1].startswith(
        "::error file=acme/visits/2026-11-02.yaml,line=2,col=7,title=schema::"
    )


def test_as_of_changes_date_rules(kam, ledger_dir):
    root = ledger_dir({"acme/dossier.yaml": "name: A\nmanager: B\nreviewed_on: 2026-01-01\n"}, None)
    assert (
        "dossier-stale"
        not in kam("--ledger", str(root), "validate", "--as-of", "2026-02-01").stderr
    )
    assert "dossier-stale" in kam("--ledger", str(root), "validate", "--as-of", "2026-12-01").stderr


def test_bad_as_of_is_a_usage_error(kam):
    result = kam("--ledger", str(SAMPLE), "validate", "--as-of", "2026-02-30")
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr


def test_unknown_option_is_a_usage_error(kam):
    assert kam("validate", "--nope").exit_code == 2
    assert kam("validate", "--format", "xml").exit_code == 2


def test_missing_root_is_a_usage_error(kam, tmp_path):
    result = kam("--ledger", str(tmp_path / "nope"), "validate")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_root_without_ledger_is_a_usage_error(kam, tmp_path):
    (tmp_path / "empty").mkdir()
    result = kam("--ledger", str(tmp_path / "empty"), "validate")
    assert result.exit_code == 2
    assert "not a ledger" in result.stderr


@pytest.mark.parametrize("how", ["option", "env", "accounts", "cwd"])
def test_root_selection(kam, ledger_dir, tmp_path, monkeypatch, how):
    root = ledger_dir({"acme/dossier.yaml": "name: A\nmanager: B\nfoo: 1\n"}, None)
    work = tmp_path / "work"
    work.mkdir()
    args, env = [], {"KAM_LEDGER": ""}
    if how == "option":
        args = ["--ledger", str(root)]
        env["KAM_LEDGER"] = str(SAMPLE)  # the option wins
    elif how == "env":
        env["KAM_LEDGER"] = str(root)
    elif how == "accounts":
        root.rename(work / "accounts")
    else:
        work = root
    monkeypatch.chdir(work)
    result = kam(*args, "validate", env=env)
    assert result.exit_code == 1
    assert "unknown key 'foo'" in result.stderr


def test_python_m_ledger_runs(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ledger",
            "--ledger",
            str(SAMPLE),
            "validate",
            "--as-of",
            "2026-11-30",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "0 errors" in proc.stderr
