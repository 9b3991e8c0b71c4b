"""kam init and kam new, in real temporary git repositories."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import DOSSIER, REPO

from ledger.load.yamlfile import parse
from ledger.workflow.scaffold import yaml_scalar

TODAY = dt.date.today().isoformat()


def kam(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ledger", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "KAM_LEDGER": "", **(env or {})},
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    target = tmp_path / "ledger-repo"
    result = kam("init", str(target), "--name", "华东区大客户", "--locale", "zh-CN", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return target


def test_init_makes_a_ledger_repository_that_validates(repo):
    assert (repo / ".git").is_dir()
    result = kam("validate", cwd=repo)  # finds ./accounts on its own
    assert result.returncode == 0, result.stderr
    assert "0 errors, 0 warnings" in result.stderr
    settings = yaml.safe_load((repo / "accounts" / "ledger.yaml").read_text(encoding="utf-8"))
    assert settings["name"] == "华东区大客户" and settings["locale"] == "zh-CN"
    for kind in ("ledger", "dossier", "visit", "complaint"):
        copy = json.loads((repo / "schema" / f"{kind}.schema.json").read_text())
        assert copy == json.loads((REPO / "schema" / f"{kind}.schema.json").read_text())
    vscode = json.loads((repo / ".vscode" / "settings.json").read_text())
    assert vscode["yaml.schemas"]["./schema/visit.schema.json"][0] == "accounts/*/visits/*.yaml"
    assert json.loads((repo / ".vscode" / "extensions.json").read_text()) == {
        "recommendations": ["redhat.vscode-yaml"]
    }
    assert "diff=yaml" in (repo / ".gitattributes").read_text()
    driver = subprocess.run(
        ["git", "-C", str(repo), "config", "diff.yaml.xfuncname"], capture_output=True, text=True
    )
    assert driver.stdout.strip().startswith("^")
    hooks = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    assert hooks["repos"][0]["hooks"] == [{"id": "kam-validate"}]
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "kam.yml").read_text())
    steps = [s.get("run", "") for s in workflow["jobs"]["ledger"]["steps"]]
    assert "kam validate --format github" in steps
    assert "/site/" in (repo / ".gitignore").read_text()


def test_init_files_commit_cleanly_and_the_site_builds(repo):
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    result = kam("build", "-o", "site", cwd=repo)
    assert result.returncode == 0, result.stderr
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
    assert status.stdout == ""  # the site is ignored, nothing in the ledger changed


def test_init_refuses_to_overwrite_anything(tmp_path):
    target = tmp_path / "existing"
    (target / "accounts").mkdir(parents=True)
    (target / "accounts" / "ledger.yaml").write_text("name: mine\n")
    result = kam("init", str(target), cwd=tmp_path)
    assert result.returncode == 2
    assert "will not overwrite" in result.stderr and "ledger.yaml" in result.stderr
    assert (target / "accounts" / "ledger.yaml").read_text() == "name: mine\n"
    assert sorted(p.name for p in target.rglob("*")) == ["accounts", "ledger.yaml"]


def test_new_files_validate_and_carry_a_schema_modeline(repo):
    accounts = repo / "accounts"
    out = kam(
        "new",
        "account",
        "宝联物流",
        "--name",
        "上海宝联物流有限公司",
        "--manager",
        "王磊",
        cwd=repo,
    )
    assert out.returncode == 0, out.stderr
    dossier = accounts / "宝联物流" / "dossier.yaml"
    assert out.stdout.strip() == str(dossier)
    assert "it validates" in out.stderr
    # a contact, so that the visit and complaint can name it
    text = dossier.read_text(encoding="utf-8").replace(
        "contacts: []", "contacts:\n  - {id: zhang-wei, name: 张伟, role: 采购总监}"
    )
    dossier.write_text(text, encoding="utf-8")
    visit = kam(
        "new",
        "visit",
        "宝联物流",
        "--mode",
        "phone",
        "--summary",
        "谈了: 明年的合同",
        "--received-by",
        "zhang-wei",
        "--slug",
        "call",
        cwd=repo,
    )
    assert visit.returncode == 0, visit.stderr
    complaint = kam(
        "new",
        "complaint",
        "宝联物流",
        "--summary",
        "到货延误",
        "--category",
        "delivery",
        "--severity",
        "high",
        "--raised-by",
        "zhang-wei",
        cwd=repo,
    )
    assert complaint.returncode == 0, complaint.stderr
    assert kam("validate", "--strict", cwd=repo).returncode == 0
    visit_file = Path(visit.stdout.strip())
    assert visit_file == accounts / "宝联物流" / "visits" / f"{TODAY}-call.yaml"
    lines = visit_file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../../../schema/visit.schema.json"
    assert (visit_file.parent / "../../../schema/visit.schema.json").resolve().is_file()
    assert "#   zhang-wei: 张伟 (采购总监)" in lines  # the contacts, as a comment
    doc, _ = parse(visit_file.read_bytes(), "v")
    assert doc["by"] == "王磊" and doc["summary"] == "谈了: 明年的合同"
    # never visited before: the next visit follows the interval of the account's tier (C: 90)
    expected = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    assert doc["next_visit"] == expected
    complaint_file = Path(complaint.stdout.strip())
    deadline = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    assert f"# Resolve by {deadline} (3 days for severity high)" in complaint_file.read_text(
        encoding="utf-8"
    )


def test_new_names_what_is_left_to_fill_in(repo):
    out = kam("new", "complaint", "example-co", cwd=repo)
    assert out.returncode == 0
    assert "left to fill in" in out.stderr
    assert f"complaints/{TODAY}.yaml:6:9: error[schema]: summary" in out.stderr
    assert "category" in out.stderr


def test_new_refuses_to_overwrite_and_bad_names(repo):
    first = kam("new", "visit", "example-co", "--slug", "again", "--summary", "x", cwd=repo)
    assert first.returncode == 0
    path = Path(first.stdout.strip())
    path.write_text(path.read_text() + "# my edit\n")
    again = kam("new", "visit", "example-co", "--slug", "again", cwd=repo)
    assert again.returncode == 2 and "never overwrites" in again.stderr
    assert path.read_text().endswith("# my edit\n")
    for bad in ("../evil", "a/b", "..", "has space", ""):
        result = kam("new", "account", bad, "--name", "x", "--manager", "y", cwd=repo)
        assert result.returncode == 2, bad
        assert "not a valid account id" in result.stderr
    assert kam("new", "visit", "example-co", "--slug", "../x", cwd=repo).returncode == 2
    missing = kam("new", "visit", "nobody", cwd=repo)
    assert missing.returncode == 2 and "kam new account nobody" in missing.stderr
    assert not list((repo / "accounts").glob("*/visits/*x*"))


def test_new_with_edit_opens_the_editor(repo, tmp_path):
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "place: 客户总部\\n" >> "$1"\n')
    editor.chmod(0o755)
    out = kam(
        "new",
        "visit",
        "example-co",
        "--slug",
        "edited",
        "--summary",
        "ok",
        "--edit",
        cwd=repo,
        env={"VISUAL": str(editor), "EDITOR": str(editor)},
    )
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()).read_text(encoding="utf-8").endswith("place: 客户总部\n")
    assert "it validates" in out.stderr


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "王磊",
        "ACME: Inc",
        "yes",
        "no",
        "null",
        "123",
        "2026-01-01",
        "- x",
        "#tag",
        "a #b",
        "'q'",
        '"dq"',
        "{x}",
        "[x]",
        "@at",
        "`tick",
        "*star",
        "&amp",
        "!bang",
        "%p",
        "  lead",
        "trail ",
        "",
        "a: b: c",
        "x\ny",
        "?",
        "~",
        "0x10",
        ".inf",
    ],
)
def test_yaml_scalar_reads_back_as_the_same_text(value):
    doc, problems = parse(f"k: {yaml_scalar(value)}\n".encode(), "t")
    assert problems == [] and doc == {"k": value}


def test_dossier_template_quotes_hostile_values(ledger_dir):
    from ledger.workflow.scaffold import new_account

    root = ledger_dir({}, dossier=DOSSIER)
    path = new_account(root, "x1", {"name": "a\nb: c", "manager": "#x"}, dt.date(2026, 1, 1))
    doc, problems = parse(path.read_bytes(), "d")
    assert problems == [] and (doc["name"], doc["manager"]) == ("a\nb: c", "#x")


@pytest.mark.slow
def test_pre_commit_runs_kam_validate_from_this_repository(repo, tmp_path):
    """.pre-commit-hooks.yaml works for real: pre-commit installs kam from this repository."""
    import shutil

    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "-A"], check=True)

    def hook() -> subprocess.CompletedProcess:
        return subprocess.run(
            [pre_commit, "try-repo", str(REPO), "kam-validate", "--all-files"],
            cwd=repo,
            capture_output=True,
            text=True,
            env=env,
        )

    clean = hook()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "kam validate" in clean.stdout and "Passed" in clean.stdout
    (repo / "accounts" / "example-co" / "visits" / "2026-01-05.yaml").write_text(
        "date: 2026-01-05\nmode: boat\nsummary: x\n", encoding="utf-8"
    )
    subprocess.run([*git, "add", "-A"], check=True)
    broken = hook()
    assert broken.returncode == 1
    assert "example-co/visits/2026-01-05.yaml:2:7: error[schema]" in broken.stdout
