"""Hostile names and links, committed or made by hand: ``kam diff`` and ``kam build`` report
what ``kam validate`` reports (unsafe-path, bad-name) and never crash, and ``kam new`` refuses
the names ``kam validate`` would then reject, before writing anything.

Every case runs the real command in its own process (``python -m ledger``), on real git
repositories where history matters, and reads its output as bytes: what kam prints and writes
must be UTF-8 whatever the names on disk are.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import AS_OF, DOSSIER, write_files

DAY = AS_OF.isoformat()
VISIT = "date: {day}\nmode: phone\nsummary: ok\n"
SECRET = "kam-test-secret-0d6f"  # the first line of a file out of the ledger
UNDECODABLE = b"acme/visits/2026-11-02-\xff.yaml"  # a name that is not UTF-8
SHOWN = "acme/visits/2026-11-02-\\xff.yaml"  # how kam shows it: the byte escaped


def run_kam(root: Path, *args: str) -> tuple[int, str, str]:
    """``kam --ledger ROOT ARGS…`` in its own process: (exit code, stdout, stderr), both of
    which must be UTF-8 and free of tracebacks."""
    proc = subprocess.run(
        [sys.executable, "-m", "ledger", "--no-cache", "--ledger", str(root), *args],
        capture_output=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")  # strict: UTF-8 only
    assert "Traceback" not in err, err
    return proc.returncode, out, err


def git(repo: Path, *args: str | bytes) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Li Na", "-c", "user.email=li@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose ledger is ``accounts/``, with one commit: acme and a visit."""
    (tmp_path / "repo").mkdir()
    repo = tmp_path / "repo"
    git(repo, "init", "-q")
    write_files(
        repo / "accounts",
        {"acme/dossier.yaml": DOSSIER, "acme/visits/2026-11-01.yaml": VISIT.format(day=DAY)},
    )
    (tmp_path / "secret.yaml").write_text(f"{SECRET}: 1\n")  # out of the repository
    (repo / "outside.yaml").write_text(f"{SECRET}: 2\n")  # in it, but out of the ledger
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Start")
    return repo


def commit_links(repo: Path) -> Path:
    """Commit links out of the ledger (absolute, to a folder, relative) and one to a visit of
    the ledger; returns the ledger root."""
    visits = repo / "accounts" / "acme" / "visits"
    os.symlink(repo.parent / "secret.yaml", visits / "2026-11-02.yaml")
    os.symlink("/etc", visits / "2026-11-03.yaml")
    os.symlink("../../../outside.yaml", visits / "2026-11-04.yaml")
    os.symlink("2026-11-01.yaml", visits / "2026-11-05.yaml")  # inside: read, as validate does
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Links")
    return repo / "accounts"


UNSAFE = ("2026-11-02.yaml", "2026-11-03.yaml", "2026-11-04.yaml")


# --- case 8: kam diff on committed links and names that are not UTF-8 ----------------------


def test_diff_reports_committed_links_as_unsafe_path(repo: Path) -> None:
    root = commit_links(repo)
    code, out, err = run_kam(root, "diff", "HEAD~1", "HEAD", "--as-of", DAY, "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert {"as_of", "from", "to", "accounts"} <= result.keys()  # the shape is unchanged
    (acme,) = result["accounts"]
    # the link to a file of the ledger reads as that file, as in a work tree
    assert {"kind": "visit_added", "what": "2026-11-05"}.items() <= acme["changes"][0].items()
    for name in UNSAFE:  # each link out of the ledger: a validate line after the revision
        assert f"HEAD: acme/visits/{name}:1:1: error[unsafe-path]: symbolic link points" in err
    assert "2026-11-05.yaml" not in err and "HEAD~1:" not in err
    assert SECRET not in out + err and "root:" not in err


def test_diff_against_the_working_tree_never_shows_a_link_target(repo: Path) -> None:
    root = commit_links(repo)
    code, out, err = run_kam(root, "diff", "HEAD", "--as-of", DAY)
    assert code == 0 and "No changes between HEAD and working tree." in out, err
    for side in ("HEAD", "working tree"):
        for name in UNSAFE:
            assert f"{side}: acme/visits/{name}:1:1: error[unsafe-path]" in err
    assert SECRET not in out + err


def test_diff_reports_names_that_are_not_utf8_as_bad_name(repo: Path) -> None:
    (repo / "accounts" / os.fsdecode(UNDECODABLE)).write_text(VISIT.format(day="2026-11-02"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "A name in Latin-1")
    code, _, err = run_kam(repo / "accounts", "diff", "HEAD~1", "HEAD", "--as-of", DAY)
    assert code == 0, err
    assert f"HEAD: {SHOWN}:1:1: error[bad-name]: the name '2026-11-02-\\xff.yaml' is not" in err
    assert "1 error, 0 warnings in 1 file at HEAD;" in err


def test_diff_of_a_ledger_at_the_top_of_its_repository(tmp_path: Path) -> None:
    write_files(tmp_path, {"acme/dossier.yaml": DOSSIER})
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "Start")
    write_files(tmp_path, {"acme/visits/2026-11-02.yaml": VISIT.format(day="2026-11-02")})
    os.symlink("/etc/passwd", tmp_path / "ledger.yaml")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "A visit and a link")
    code, out, err = run_kam(tmp_path, "diff", "HEAD~1", "HEAD", "--as-of", DAY)
    assert code == 0, err
    assert "visit added: 2026-11-02" in out
    assert "HEAD: ledger.yaml:1:1: error[unsafe-path]" in err


# --- case 8: kam build and validate with a name that is not UTF-8 ---------------------------


@pytest.fixture
def undecodable(tmp_path: Path) -> Path:
    """A ledger with a visit, an account folder and a link whose names are not UTF-8."""
    root = write_files(tmp_path / "ledger", {"acme/dossier.yaml": DOSSIER})
    (root / "acme" / "visits").mkdir()
    (root / os.fsdecode(UNDECODABLE)).write_text(VISIT.format(day="2026-11-02"))
    latin = root / os.fsdecode(b"caf\xe9")
    latin.mkdir()
    (latin / "dossier.yaml").write_text("name: Café\nmanager: 王磊\n")
    os.symlink("/etc/passwd", root / os.fsdecode(b"acme/\xfe.yaml"))
    return root


BAD_NAMES = {SHOWN, "caf\\xe9", "acme/\\xfe.yaml"}


def test_validate_shows_names_that_are_not_utf8_escaped(undecodable: Path) -> None:
    code, out, err = run_kam(undecodable, "validate", "--format", "json")
    assert code == 1
    errors = json.loads(out)["errors"]
    assert {(d["file"], d["code"]) for d in errors} == {(name, "bad-name") for name in BAD_NAMES}
    assert "the name '2026-11-02-\\xff.yaml' is not valid UTF-8; not read" in {
        d["message"] for d in errors
    }
    code, _, err = run_kam(undecodable, "validate")
    assert code == 1 and f"{SHOWN}:1:1: error[bad-name]" in err and "\\udc" not in err
    code, out, _ = run_kam(undecodable, "validate", "--format", "github")
    assert code == 1 and "::error file=acme/visits/2026-11-02-\\xff.yaml,line=1" in out


def test_build_writes_the_site_with_names_that_are_not_utf8(
    undecodable: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    code, _, err = run_kam(undecodable, "build", "-o", str(site), "--as-of", DAY)
    assert code == 1, err  # written, with errors (FORMAT §9)
    for path in site.rglob("*"):
        if path.suffix in (".html", ".json", ".csv", ".ics", ".js", ".css"):
            path.read_bytes().decode("utf-8")  # strict
    ledger = json.loads((site / "ledger.json").read_bytes())
    assert [a["id"] for a in ledger["accounts"]] == ["acme"]
    page = BeautifulSoup((site / "problems.html").read_text(encoding="utf-8"), "html.parser")
    text = page.get_text(" ")
    assert all(name in text for name in BAD_NAMES)


def test_a_link_out_of_the_ledger_never_shows_its_target(repo: Path, tmp_path: Path) -> None:
    root = commit_links(repo)
    code, out, err = run_kam(root, "validate")
    assert code == 1 and "acme/visits/2026-11-02.yaml:1:1: error[unsafe-path]" in err
    site = tmp_path / "site"
    code, _, _ = run_kam(root, "build", "-o", str(site), "--as-of", DAY)
    assert code == 1
    pages = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert SECRET not in out + err + pages


# --- case 10: kam new refuses what validate rejects, before writing -------------------------


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return write_files(
        tmp_path / "ledger",
        {
            "acme/dossier.yaml": DOSSIER,
            "acme/visits/2026-11-02-x.yaml": VISIT.format(day="2026-11-02"),
            "acme/visits/2026-11-03.yml": VISIT.format(day="2026-11-03"),
        },
    )


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("CON", "is a device name on Windows"),
        ("nul", "is a device name on Windows"),
        ("Com1", "is a device name on Windows"),
        ("ACME", "'ACME' and 'acme' differ only in case"),
    ],
)
def test_new_account_refuses_names_validate_rejects(ledger: Path, name: str, why: str) -> None:
    before = tree(ledger)
    code, out, err = run_kam(ledger, "new", "account", name, "--name", "X", "--manager", "M")
    assert code == 2, err
    assert f"will not create {name}: error[" in err and why in err
    assert "nothing was written" in err and "hint: " in err and "it validates" not in err
    assert tree(ledger) == before and out == ""


@pytest.mark.parametrize(
    ("args", "file", "why"),
    [
        (["--date", "2026-11-02", "--slug", "X"], "2026-11-02-X.yaml", "differ only in case"),
        (["--date", "2026-11-03"], "2026-11-03.yaml", "they would have the same id"),
    ],
)
def test_new_visit_refuses_a_twin_of_a_file_there(
    ledger: Path, args: list[str], file: str, why: str
) -> None:
    before = tree(ledger)
    code, _, err = run_kam(ledger, "new", "visit", "acme", "--summary", "s", *args)
    assert code == 2, err
    assert f"will not create acme/visits/{file}: error[duplicate-id]" in err and why in err
    assert tree(ledger) == before


def test_new_says_it_validates_only_when_validate_agrees(ledger: Path) -> None:
    # a folder made by hand with a device name: kam new writes into it, and says so
    write_files(ledger, {"con/dossier.yaml": DOSSIER})
    code, _, err = run_kam(ledger, "new", "visit", "con", "--date", "2026-11-04", "--summary", "s")
    assert code == 0, err
    assert "it validates" not in err
    assert "kam validate reports:\n  con:1:1: error[bad-name]" in err
    names = ["acme-2", "Beta", "CONIN$", "aux", "lpt9", "zeta", "ZETA", "季度客户"]
    for name in names:  # what kam new accepts, validate accepts: the same rules
        code, _, err = run_kam(ledger, "new", "account", name, "--name", "X", "--manager", "M")
        assert code in (0, 2), err
        assert (code == 0) == ("it validates" in err), err
    code, out, _ = run_kam(ledger, "validate", "--format", "json")
    flagged = {d["file"] for d in json.loads(out)["errors"]}
    assert flagged == {"con"}
    assert {"acme-2", "Beta", "zeta", "季度客户"} <= set(os.listdir(ledger))
