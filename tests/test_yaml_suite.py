"""Every input of the official YAML test suite, dropped in as a dossier: a clean diagnostic and
exit 0 or 1, never a traceback; inputs the suite marks as errors give yaml-syntax or yaml-feature."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main

SUITE = Path(__file__).parent / "data" / "yaml-test-suite"
CASES = sorted(p.parent for p in SUITE.rglob("in.yaml"))


def test_the_suite_is_here():
    assert len(CASES) == 402
    assert sum((c / "error").exists() for c in CASES) == 94


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(SUITE)) for c in CASES])
def test_yaml_suite_case(case: Path, tmp_path: Path):
    account = tmp_path / "acct"
    account.mkdir()
    shutil.copy(case / "in.yaml", account / "dossier.yaml")
    result = CliRunner().invoke(
        main, ["--ledger", str(tmp_path), "validate", "--format", "json", "--as-of", "2026-11-30"]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.output
    doc = json.loads(result.stdout)
    for d in doc["errors"] + doc["warnings"]:
        assert d["file"] == "acct/dossier.yaml"
        assert d["line"] >= 1 and d["column"] >= 1
    if (case / "error").exists():
        assert result.exit_code == 1
        assert {d["code"] for d in doc["errors"]} & {"yaml-syntax", "yaml-feature"}, doc


STRICT_MESSAGES = (
    "needs a space before",
    "continuation line",
    "alone is not a value",
    "empty line",
)


def test_strictness_checks_never_refuse_valid_yaml():
    """kam's own checks for what libyaml lets through fire on no valid input of the suite."""
    from ledger.load.yamlfile import parse

    for case in CASES:
        if (case / "error").exists():
            continue
        _, problems = parse((case / "in.yaml").read_bytes(), "f.yaml")
        assert not [p for p in problems if any(m in p.message for m in STRICT_MESSAGES)], case
