"""Hostile and broken files, as they arrive in pull requests: each gives a clear diagnostic with a
position and a hint, never a traceback, and never stops the rest of the ledger from being checked.

Every case runs the real command (``kam validate --format json``) on a small ledger holding one
good account and the hostile file, with a time limit: nothing may hang either.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import AS_OF, DOSSIER, write_files

from ledger.derive.schedule import due_items
from ledger.derive.tiers import compute_tiers
from ledger.render.exports import due_csv, due_ics, tiers_csv

GOOD = "good/visits/2026-11-02.yaml"
VISIT = "acme/visits/2026-11-02.yaml"
LIMIT = 60  # seconds; each case takes well under one


def validate(root: Path, *, without_root_powers: bool = False) -> tuple[int, dict, str]:
    """Run kam validate in its own process: (exit code, JSON result, stderr). As root, with
    ``without_root_powers`` the process runs without the capabilities that let root read any
    file (so a mode-000 file is unreadable to it, as to everyone else)."""
    started = time.monotonic()
    caps = "-dac_override,-dac_read_search"
    prefix = (
        ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", "--"]
        if without_root_powers
        else []
    )
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "ledger", "--no-cache", "--ledger", str(root),
         "validate", "--format", "json", "--as-of", AS_OF.isoformat()],
        capture_output=True, text=True, timeout=LIMIT,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert time.monotonic() - started < LIMIT
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    root = tmp_path / "ledger"
    write_files(
        root,
        {
            "good/dossier.yaml": "name: Good Co\nmanager: 王磊\n",
            GOOD: "date: 2026-11-02\nmode: phone\nsummary: fine\n",
            "acme/dossier.yaml": DOSSIER,
        },
    )
    return root


def only(result: dict, file: str) -> list[dict]:
    found = [d for d in result["errors"] + result["warnings"] if d["file"] == file]
    for d in found:
        assert d["line"] >= 1 and d["column"] >= 1 and d["message"]
    # the good account is still read and checked
    assert not [d for d in result["errors"] + result["warnings"] if d["file"].startswith("good/")]
    return found


BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)

CASES: dict[str, tuple[bytes, set[str]]] = {
    "billion laughs": (
        b"date: 2026-11-02\nmode: phone\n" + BILLION_LAUGHS.replace("a:", "x-a:", 1).encode(),
        {"yaml-feature"},
    ),
    "deep nesting": (b"date: 2026-11-02\nx-deep: " + b"[" * 200_000 + b"\n", {"yaml-feature"}),
    "deep block nesting": (
        b"date: 2026-11-02\nx-deep:\n"
        + b"".join(b"  " * i + b"k:\n" for i in range(1, 900))
        + b"  " * 900
        + b"v\n",
        {"yaml-feature", "yaml-syntax"},
    ),
    "binary": (bytes(range(256)) * 40, {"bad-encoding", "yaml-syntax"}),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, {"bad-encoding", "yaml-syntax"}),
    "invalid utf-8": (b"date: 2026-11-02\nmode: phone\nsummary: caf\xe9\n", {"bad-encoding"}),
    "nul byte": (b"date: 2026-11-02\nmode: phone\nsummary: a\x00b\n", {"yaml-syntax"}),
    "utf-16": ("date: 2026-11-02\n".encode("utf-16"), {"bad-encoding"}),
    "tab indentation": (
        b"date: 2026-11-02\nmode: phone\nsummary: x\nx-list:\n\t- a\n",
        {"yaml-syntax"},
    ),
    "python object apply": (
        b"date: 2026-11-02\nmode: phone\nsummary: !!python/object/apply:os.system "
        b"['touch PWNED']\n",
        {"yaml-feature"},
    ),
    "python name": (b"!!python/name:os.system\n", {"yaml-feature"}),
    "binary tag": (
        b"date: 2026-11-02\nmode: phone\nsummary: !!binary aGVsbG8=\n",
        {"yaml-feature"},
    ),
    "set tag": (
        b"date: 2026-11-02\nmode: phone\nsummary: x\nx-s: !!set {a, b}\n",
        {"yaml-feature"},
    ),
    "omap tag": (
        b"date: 2026-11-02\nmode: phone\nsummary: x\nx-o: !!omap [a: 1]\n",
        {"yaml-feature"},
    ),
    "verbatim tag": (
        b"date: 2026-11-02\nmode: phone\nsummary: !<tag:yaml.org,2002:str> x\n",
        {"yaml-feature"},
    ),
    "local tag": (b"date: 2026-11-02\nmode: phone\nsummary: !mine x\n", {"yaml-feature"}),
    "tag directive": (
        b"%TAG !e! tag:example.com,2000:\n---\ndate: 2026-11-02\nmode: !e!m phone\n",
        {"yaml-feature"},
    ),
    "two documents": (b"date: 2026-11-02\nmode: phone\n---\nsummary: x\n", {"yaml-syntax"}),
    "empty": (b"", {"empty-file"}),
    "only a comment": (b"# nothing here yet\n", {"empty-file"}),
    "only whitespace": (b"   \n\n  \n", {"empty-file"}),
    "a list, not a mapping": (b"- date: 2026-11-02\n", {"schema"}),
    "rtl override and zero width": (
        "date: 2026-11-02\nmode: phone\nsummary: \u202eabc\u200b\nx-\u202e: 1\n".encode(),
        set(),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file(ledger: Path, name: str) -> None:
    data, expected = CASES[name]
    (ledger / VISIT).parent.mkdir(parents=True, exist_ok=True)
    (ledger / VISIT).write_bytes(data)
    code, result, _ = validate(ledger)
    found = only(result, VISIT)
    codes = {d["code"] for d in found}
    if expected:
        assert codes & expected, (name, found)
        assert code == 1
    else:
        assert code == 0 and not found, found
    assert not (ledger.parent / "PWNED").exists() and not Path("PWNED").exists()


def test_a_fifty_megabyte_file_is_refused_without_reading_it(ledger: Path) -> None:
    path = ledger / VISIT
    path.parent.mkdir(parents=True)
    with path.open("wb") as f:
        f.write(b"date: 2026-11-02\nmode: phone\nsummary: ")
        f.write(b"x" * (50 << 20))
    code, result, _ = validate(ledger)
    assert code == 1
    (d,) = only(result, VISIT)
    assert "MiB" in d["message"] or "large" in d["message"]


@pytest.mark.parametrize("ending", [b"\r\n", b"\r", "mixed"])
def test_line_endings_do_not_change_the_result(ledger: Path, ending: bytes | str) -> None:
    lines = [b"date: 2026-11-02", b"mode: boat", b"summary: x", b""]
    if ending == "mixed":
        data = b"date: 2026-11-02\r\nmode: boat\nsummary: x\r\n"
    else:
        data = ending.join(lines)  # type: ignore[arg-type]
    path = ledger / VISIT
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xef\xbb\xbf" + data)  # with a BOM, too
    _, result, _ = validate(ledger)
    (d,) = only(result, VISIT)
    assert (d["code"], d["line"], d["column"]) == ("schema", 2, 7)


def test_symlinks_out_of_the_ledger_and_loops_are_not_followed(ledger: Path, tmp_path: Path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("date: 2026-11-02\nmode: phone\nsummary: secret\n")
    visits = ledger / "acme" / "visits"
    visits.mkdir(parents=True)
    (visits / "2026-11-01.yaml").symlink_to(secret)
    (visits / "2026-11-03.yaml").symlink_to(visits / "2026-11-04.yaml")
    (visits / "2026-11-04.yaml").symlink_to(visits / "2026-11-03.yaml")  # a loop
    (visits / "2026-11-05.yaml").symlink_to(visits / "2026-11-05.yaml")  # itself
    (ledger / "acme" / "complaints").symlink_to(tmp_path)  # a folder outside
    (ledger / "escape").symlink_to("/")
    code, result, _ = validate(ledger)
    assert code == 1
    unsafe = {d["file"] for d in result["errors"] if d["code"] == "unsafe-path"}
    assert unsafe == {
        "acme/visits/2026-11-01.yaml",
        "acme/visits/2026-11-03.yaml",
        "acme/visits/2026-11-04.yaml",
        "acme/visits/2026-11-05.yaml",
        "acme/complaints",
        "escape",
    }
    assert "secret" not in json.dumps(result)


def test_a_fifo_is_skipped_and_never_blocks(ledger: Path) -> None:
    visits = ledger / "acme" / "visits"
    visits.mkdir(parents=True)
    os.mkfifo(visits / "2026-11-02.yaml")  # opening it for reading would wait forever
    code, result, _ = validate(ledger)
    (d,) = only(result, "acme/visits/2026-11-02.yaml")
    assert d["code"] == "unexpected-file" and code == 0


def test_a_device_file_is_skipped(ledger: Path) -> None:
    visits = ledger / "acme" / "visits"
    visits.mkdir(parents=True)
    try:
        os.mknod(visits / "2026-11-02.yaml", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero
    except PermissionError:
        pytest.skip("this machine does not allow creating device files (covered by the FIFO)")
    code, result, _ = validate(ledger)
    (d,) = only(result, "acme/visits/2026-11-02.yaml")
    assert d["code"] == "unexpected-file" and code == 0


def test_an_unreadable_file_is_reported_and_the_rest_checked() -> None:
    # root reads everything: as root, run kam as 'nobody' on a ledger it may read
    as_root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="kam-unreadable-"))
    try:
        root = base / "ledger"
        write_files(
            root,
            {
                "good/dossier.yaml": "name: Good Co\nmanager: 王磊\n",
                GOOD: "date: 2026-11-02\nmode: boat\nsummary: fine\n",
                "acme/dossier.yaml": DOSSIER,
                VISIT: "date: 2026-11-02\nmode: phone\nsummary: x\n",
            },
        )
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        (root / VISIT).chmod(0)
        code, result, _ = validate(root, without_root_powers=as_root)
        codes = {(d["file"], d["code"]) for d in result["errors"]}
        assert (VISIT, "unreadable") in codes
        assert (GOOD, "schema") in codes  # the other files were still checked
        assert code == 1
    finally:
        shutil.rmtree(base)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("a..b", "bad-name"),
        ("two words", "bad-name"),
        ("CON", "bad-name"),
        ("nul", "bad-name"),
        ("Com1", "bad-name"),
        ("lpt9", "bad-name"),
        ("aux", "bad-name"),
        ("-dash", "bad-name"),
    ],
)
def test_account_names_that_break_on_some_systems(ledger: Path, name: str, code: str) -> None:
    write_files(ledger, {f"{name}/dossier.yaml": "name: X\nmanager: Y\n"})
    _, result, _ = validate(ledger)
    assert {(d["file"], d["code"]) for d in result["errors"]} >= {(name, code)}


def test_names_that_differ_only_in_case(ledger: Path) -> None:
    write_files(
        ledger,
        {
            "Good/dossier.yaml": "name: X\nmanager: Y\n",
            "good/visits/2026-11-02-Call.yaml": "date: 2026-11-02\nmode: phone\nsummary: x\n",
            "good/visits/2026-11-02-call.yaml": "date: 2026-11-02\nmode: phone\nsummary: x\n",
        },
    )
    code, result, _ = validate(ledger)
    twins = {d["file"] for d in result["errors"] if d["code"] == "duplicate-id"}
    assert twins == {"good", "good/visits/2026-11-02-call.yaml"} and code == 1


@pytest.mark.parametrize("name", ["2026-11-02-..yaml", "2026-11-02 x.yaml", "../2026-11-02.yaml"])
def test_record_names_with_dots_and_spaces(ledger: Path, name: str) -> None:
    visits = ledger / "acme" / "visits"
    visits.mkdir(parents=True)
    (visits / name).write_text("date: 2026-11-02\nmode: phone\nsummary: x\n")
    code, result, _ = validate(ledger)
    if name.startswith("../"):  # a plain file in the account folder, under an unexpected name
        assert {d["code"] for d in result["warnings"]} == {"unexpected-file"}
    else:
        assert {d["code"] for d in result["errors"]} == {"bad-name"} and code == 1


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]


def test_exports_escape_what_their_formats_need(ledger_dir: Callable[..., Path]) -> None:
    from ledger.pipeline import check

    files = {
        f"a{i}/dossier.yaml": f"name: {json.dumps(text)}\nmanager: {json.dumps(text)}\n"
        f"revenue: [{{period: 2026-10, amount: {100 + i}}}]\n"
        for i, text in enumerate(FORMULAS)
    }
    files["a0/dossier.yaml"] = (
        'name: "Evil, Inc.;\\nDESCRIPTION:injected\\r\\nEND:VEVENT"\nmanager: M\n'
        "revenue: [{period: 2026-10, amount: 100}]\n"
    )
    root = ledger_dir(files, dossier=None)
    ledger = check(root, AS_OF).ledger
    table = compute_tiers(ledger, AS_OF)
    items = due_items(ledger, table, AS_OF, 400)
    import csv
    import io

    for text in (tiers_csv(table), due_csv(items)):
        for row in csv.DictReader(io.StringIO(text)):
            for key in ("name", "manager"):
                assert not row[key].startswith(("=", "+", "-", "@", "\t")), row[key]
    ics = due_ics(items, AS_OF, "x")
    from icalendar import Calendar

    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == len(items)
    lines = ics.splitlines()
    assert not [line for line in lines if line.startswith(("DESCRIPTION:injected", "injected"))]
    assert lines.count("END:VEVENT") == len(items)
    assert any("Evil, Inc.;\nDESCRIPTION:injected" in str(e.get("SUMMARY")) for e in events)
