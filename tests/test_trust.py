"""Trust (issue 14): no input stalls kam, and what it reports stays readable.

Each test runs the real ``kam`` command in a subprocess, as a user or a pre-commit hook would.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, write_files


def kam(*args: str, cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run kam; the result and the CPU seconds it used."""
    before = os.times()
    raw = subprocess.run(
        [sys.executable, "-m", "ledger", *args],
        capture_output=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
    )
    # decoded by hand: text mode would turn a CR into a newline and hide what kam wrote
    proc = subprocess.CompletedProcess(
        raw.args, raw.returncode, raw.stdout.decode("utf-8"), raw.stderr.decode("utf-8")
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


def _sample_copy(tmp_path: Path) -> Path:
    root = tmp_path / "ledger"
    shutil.copytree(SAMPLE, root)
    return root


def test_an_account_with_an_unknown_key_keeps_its_place_in_every_figure(tmp_path: Path) -> None:
    """A typo in the #2 account's dossier used to drop it from the tiers and the dashboard
    (11 accounts and ¥26.6M instead of 12 and ¥35.3M); now only the typo is left out."""
    clean, _ = kam("--ledger", str(SAMPLE), "tiers", "--format", "json", "--as-of", "2026-11-30")
    root = _sample_copy(tmp_path)
    dossier = root / "baolian-logistics" / "dossier.yaml"
    dossier.write_text(
        dossier.read_text(encoding="utf-8").replace("manager:", "managr: x\nmanager:", 1),
        encoding="utf-8",
    )
    typo, _ = kam("--ledger", str(root), "tiers", "--format", "json", "--as-of", "2026-11-30")
    assert typo.returncode == 1
    assert "the ledger has 1 error" in typo.stderr
    assert json.loads(typo.stdout) == json.loads(clean.stdout)
    site = tmp_path / "site"
    built, _ = kam("--ledger", str(root), "build", "-o", str(site), "--as-of", "2026-11-30")
    assert built.returncode == 1
    data = json.loads((site / "ledger.json").read_text(encoding="utf-8"))
    assert len(data["accounts"]) == 12
    assert "baolian-logistics" in {a["id"] for a in data["accounts"]}


def test_schema_errors_and_rule_errors_of_one_file_are_reported_together(tmp_path: Path) -> None:
    """One pass: fixing the schema errors of a file reveals no new errors."""
    root = write_files(
        tmp_path / "ledger",
        {
            "acme/dossier.yaml": "name: Acme\nmanager: 王磊\ncontacts:\n  - {id: li, name: 李}\n",
            "acme/visits/2026-11-02.yaml": (
                "date: 2026-11-03\nmode: phone\nsummary: x\nmood: good\nreceived_by: [wang]\n"
            ),
        },
    )
    proc, _ = kam("--no-cache", "--ledger", str(root), "validate", "--format", "json")
    found = [(e["code"], e["line"]) for e in json.loads(proc.stdout)["errors"]]
    assert found == [("date-mismatch", 1), ("schema", 4), ("unknown-contact", 5)]


def test_what_is_wrong_is_left_out_and_the_rest_is_used(tmp_path: Path) -> None:
    """A revenue item with a bad amount is left out, not the revenue; a dossier without its
    manager cannot be used at all, and the figures say so."""
    revenue = "revenue:\n  - {period: 2026-01, amount: 100}\n  - {period: 2026-02, amount: 1O0}\n"
    root = write_files(
        tmp_path / "ledger",
        {
            "acme/dossier.yaml": "name: Acme\nmanager: 王磊\n" + revenue,
            "beta/dossier.yaml": "name: Beta\n",
        },
    )
    proc, _ = kam("--ledger", str(root), "tiers", "--format", "json", "--as-of", "2026-03-01")
    rows = {r["account"]: r for r in json.loads(proc.stdout)["accounts"]}
    assert rows["acme"]["measure"] == 100
    assert "beta" not in rows


def test_a_quoted_scalar_broken_by_a_lone_carriage_return_is_checked_not_crashed() -> None:
    """Found by the fuzzer: the strict scan counted lines by LF only, libyaml by CR too."""
    from ledger.load.yamlfile import parse

    assert parse(b"'\r'", "x.yaml") == (" ", [])
    value, problems = parse(b"a: 'x\ry'\r", "x.yaml")
    assert value is None
    assert [(p.code, p.line) for p in problems] == [("yaml-syntax", 2)]


def _strict_json(text: str) -> object:
    """JSON as the standard has it: NaN and Infinity are not JSON."""

    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


NUMBER_CASES = {
    "inf": ("acme/dossier.yaml", "revenue:\n  - {period: 2026-01, amount: .inf}\n", 4),
    "nan": ("acme/dossier.yaml", "revenue:\n  - {period: 2026-01, amount: .nan}\n", 4),
    "overflow": ("acme/dossier.yaml", "revenue:\n  - {period: 2026-01, amount: 1e400}\n", 4),
    "two-huge": (
        "acme/dossier.yaml",
        "revenue:\n  - {period: 2026-01, amount: 1.7e308}\n  - {period: 2026-02, amount: 1.7e308}\n",
        4,
    ),
    "hex": (
        "acme/dossier.yaml",
        "revenue:\n  - {period: 2026-01, amount: 0x" + "f" * 3000 + "}\n",
        4,
    ),
    "digits": (
        "acme/dossier.yaml",
        "revenue:\n  - {period: 2026-01, amount: " + "9" * 5000 + "}\n",
        4,
    ),
    "credit-nan": ("acme/dossier.yaml", "credit: {limit: .nan, outstanding: .inf}\n", 3),
    "interval": ("ledger.yaml", "revisit: {interval_days: {A: 999999999}}\n", 1),
    "bands-nan": (
        "ledger.yaml",
        "tiers: {method: bands, measure: revenue, bands: [{tier: A, min: .nan}]}\n",
        1,
    ),
    "far-date": (
        "acme/visits/2026-11-02.yaml",
        "date: 2026-11-02\nmode: phone\nsummary: x\nnext_visit: 9999-12-31\n",
        4,
    ),
}


@pytest.mark.slow  # nine commands a case, each in its own process
@pytest.mark.parametrize("case", sorted(NUMBER_CASES))
def test_numbers_and_dates_that_reports_cannot_use_are_refused_with_a_position(
    tmp_path: Path, case: str
) -> None:
    """Accepted before, then every report crashed: now ``validate`` refuses them with a
    position and every command reports the rest."""
    rel, text, line = NUMBER_CASES[case]
    files = {
        "acme/dossier.yaml": "name: Acme\nmanager: 王磊\n",
        "acme/visits/2026-10-02.yaml": "date: 2026-10-02\nmode: phone\nsummary: x\n",
    }
    if rel == "acme/dossier.yaml":
        text = files[rel] + text
    files[rel] = text
    root = write_files(tmp_path / "ledger", files)
    base = ["--no-cache", "--ledger", str(root)]
    proc, _ = kam(*base, "validate", "--format", "json", "--as-of", "2026-11-30")
    assert proc.returncode == 1, proc.stderr
    errors = _strict_json(proc.stdout)["errors"]  # type: ignore[index]
    code = "bad-date" if case == "far-date" else "schema"
    assert [(e["file"], e["code"]) for e in errors][:1] == [(rel, code)]
    assert errors[0]["line"] == line
    for args in (
        ["tiers", "--format", "json"],
        ["tiers", "--format", "csv"],
        ["due", "--format", "json"],
        ["due", "--format", "ics"],
        ["due", "--format", "csv"],
        ["due"],
        ["show", "acme"],
    ):
        proc, _ = kam(*base, *args, "--as-of", "2026-11-30")
        assert proc.returncode == 1, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        if "json" in args:
            _strict_json(proc.stdout)
    site = tmp_path / "site"
    proc, _ = kam(*base, "build", "-o", str(site), "--as-of", "2026-11-30")
    assert proc.returncode == 1, proc.stderr
    data = _strict_json((site / "ledger.json").read_text(encoding="utf-8"))
    assert [a["id"] for a in data["accounts"]] == ["acme"]  # type: ignore[index]


HOSTILE_NAME = "Acme Co\r=cmd|'/C calc'!A0"


def test_csv_cells_cannot_smuggle_a_formula_through_a_carriage_return(tmp_path: Path) -> None:
    """A bare CR was written unquoted: spreadsheets split the row and ran the second cell."""
    root = write_files(
        tmp_path / "ledger",
        {
            "acme/dossier.yaml": (
                f"name: {json.dumps(HOSTILE_NAME)}\nmanager: ' =HYPERLINK(1)'\n"
                "revenue:\n  - {period: 2026-01, amount: 5}\n"
            ),
            "beta/dossier.yaml": 'name: "\\n@SUM(A1)"\nmanager: "\\t-1+1"\n',
        },
    )
    for args in (["tiers", "--format", "csv"], ["due", "--format", "csv"]):
        proc, _ = kam("--ledger", str(root), *args, "--as-of", "2026-03-01")
        assert proc.returncode == 0, proc.stderr
        rows = list(csv.reader(io.StringIO(proc.stdout, newline="")))
        cells = [cell for row in rows[1:] for cell in row]
        assert HOSTILE_NAME in cells  # one cell, whole
        for cell in cells:
            assert not cell.lstrip().startswith(("=", "+", "-", "@")), cell
        # a reader that takes a CR for the end of a line, as spreadsheets do, splits no row
        split = list(csv.reader(io.StringIO(proc.stdout, newline=None)))
        assert [len(row) for row in split] == [len(rows[0])] * len(rows)


def test_terminal_views_show_escape_sequences_instead_of_sending_them(tmp_path: Path) -> None:
    """ESC sequences, OSC 8 links and a bare CR in a name or summary reach the terminal as
    visible text, in every terminal view."""
    evil = "\x1b[2J\x1b]0;TITLE\x07\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\\r"
    root = write_files(
        tmp_path / "ledger",
        {
            "acme/dossier.yaml": f"name: {json.dumps('Acme' + evil)}\nmanager: 王磊\n",
            "acme/visits/2026-11-02.yaml": (
                f"date: 2026-11-02\nmode: phone\nsummary: {json.dumps(evil)}\n"
                f"{json.dumps('mood' + evil)}: x\n"
            ),
        },
    )
    for args in (["show", "acme"], ["due", "--within", "365"], ["tiers"], ["validate"]):
        proc, _ = kam("--ledger", str(root), *args, "--as-of", "2026-11-30")
        shown = proc.stdout + proc.stderr
        assert "\x1b" not in shown and "\x07" not in shown and "\r" not in shown, args
        if args[0] in ("show", "validate"):
            assert "\\x1b]8;;http://evil.example" in shown, args


BIRTHDAYS = """\
name: 上海测试有限公司
manager: 王磊
contacts:
  - {id: zhang, name: 张伟, birthday: --08-15, birthday_calendar: lunar}
  - {id: li, name: 李娜, birthday: --02-29}
"""


def _birthday_ledger(tmp_path: Path) -> Path:
    return write_files(
        tmp_path / "ledger",
        {
            "ledger.yaml": "revisit: {holidays: {country: CN}}\n",
            "acme/dossier.yaml": BIRTHDAYS,
        },
    )


@pytest.mark.parametrize(
    "args",
    [
        ["due", "--as-of", "9999-12-31"],
        ["due", "--as-of", "1850-01-01"],
        ["due", "--within", "3000000"],
        ["show", "acme", "--as-of", "2098-12-01", "--within", "365"],
        ["build", "--as-of", "2200-01-01"],
        ["validate", "--as-of", "1899-12-31"],
    ],
)
def test_dates_kam_cannot_compute_for_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    """Lunar birthdays and CN holidays are known for 1900-2099: beyond, every report crashed."""
    proc, _ = kam("--ledger", str(_birthday_ledger(tmp_path)), *args)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "kam computes for" in proc.stderr


@pytest.mark.parametrize("as_of", ["1901-01-01", "2098-11-30"])
def test_the_first_and_last_as_of_dates_report_lunar_birthdays_and_holidays(
    tmp_path: Path, as_of: str
) -> None:
    root = _birthday_ledger(tmp_path)
    within = "31" if as_of.startswith("2098") else "3650"
    proc, _ = kam(
        "--ledger", str(root), "due", "--format", "json", "--as-of", as_of, "--within", within
    )
    assert proc.returncode == 0, proc.stderr
    kinds = {i["kind"] for i in _strict_json(proc.stdout)["items"]}  # type: ignore[index]
    assert "revisit" in kinds
    if within != "31":
        assert "birthday" in kinds  # lunar and 29 February ones, ten years ahead
    proc, _ = kam("--ledger", str(root), "due", "--format", "ics", "--as-of", as_of)
    assert proc.returncode == 0, proc.stderr


def test_what_the_schema_property_test_found_is_reported_not_crashed(tmp_path: Path) -> None:
    """Two finds of tests/test_schema_properties.py: a birthday in month 25 (schema-valid by
    its pattern, a bad-date error by rule) crashed the schedule; a ledger name on two lines
    crashed the ICS export."""
    root = write_files(
        tmp_path / "ledger",
        {
            "ledger.yaml": "name: '华东区\n\n  台账'\n",
            "acme/dossier.yaml": "name: Acme\nmanager: 王磊\ncontacts:\n"
            "  - {id: a, name: 张, birthday: 0724-25-12}\n  - {id: b, name: 李, birthday: --02-30}\n",
        },
    )
    proc, _ = kam("--ledger", str(root), "validate", "--format", "json", "--as-of", "2026-11-30")
    assert [e["code"] for e in json.loads(proc.stdout)["errors"]] == ["bad-date", "bad-date"]
    for args in (["due", "--format", "ics"], ["show", "acme"], ["due"]):
        proc, _ = kam("--ledger", str(root), *args, "--as-of", "2026-11-30", "--within", "400")
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr
    proc, _ = kam("--ledger", str(root), "due", "--format", "ics", "--as-of", "2026-11-30")
    assert "X-WR-CALNAME:华东区 台账" in proc.stdout


def test_a_wrong_value_never_gets_its_default_in_its_place(tmp_path: Path) -> None:
    """Found in review: 'status: canceled' (for cancelled) counted as a done visit and reset
    the revisit clock; 'status: lsot' (for lost) made an active account of a lost one."""
    root = write_files(
        tmp_path / "ledger",
        {
            "ledger.yaml": "revisit: {interval_days: {default: 30}}\n",
            "acme/dossier.yaml": "name: Acme\nmanager: 王磊\n"
            "revenue:\n  - {period: 2026-01, amount: 100}\n",
            "acme/visits/2026-03-01.yaml": "date: 2026-03-01\nmode: phone\nsummary: x\n",
            "acme/visits/2026-05-20.yaml": "date: 2026-05-20\nmode: phone\nstatus: canceled\n",
            "beta/dossier.yaml": "name: Beta\nmanager: 李娜\nstatus: lsot\n"
            "revenue:\n  - {period: 2026-01, amount: 900}\n",
        },
    )
    base = ["--no-cache", "--ledger", str(root)]
    proc, _ = kam(*base, "due", "--format", "json", "--as-of", "2026-06-01")
    revisit = [i for i in json.loads(proc.stdout)["items"] if i["kind"] == "revisit"]
    assert [(i["account"], i["due"]) for i in revisit] == [("acme", "2026-03-31")]
    proc, _ = kam(*base, "tiers", "--format", "json", "--as-of", "2026-06-01")
    assert [r["account"] for r in json.loads(proc.stdout)["accounts"]] == ["acme"]
    site = tmp_path / "site"
    kam(*base, "build", "-o", str(site), "--as-of", "2026-06-01")
    notice = (site / "index.html").read_text(encoding="utf-8")
    assert "1 account (beta)" in notice and "acme/visits/2026-05-20.yaml" in notice


def _on_a_terminal(*args: str) -> bytes:
    """kam's standard output when it is a terminal (a pseudo-terminal of its own)."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ledger", *args],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1"},
    )
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        out += chunk
    proc.wait()
    os.close(leader)
    return out


def test_data_formats_are_exact_in_a_pipe_and_escaped_on_a_terminal(tmp_path: Path) -> None:
    """Found in review: CSV, JSON, ICS and annotations went raw to a terminal, and click
    stripped what looked like ANSI codes from them in a pipe (data lost in 'tiers.csv')."""
    name = "Acme\x1b]8;;http://evil.example\x1b\\"
    root = write_files(
        tmp_path / "ledger",
        {"acme/dossier.yaml": f"name: {json.dumps(name)}\nmanager: 王磊\n{json.dumps(name)}: x\n"},
    )
    args = ["--no-cache", "--ledger", str(root)]
    piped, _ = kam(*args, "tiers", "--format", "csv", "--as-of", "2026-06-01")
    assert name in piped.stdout  # the data as it is
    for command in (["tiers", "--format", "csv"], ["validate", "--format", "github"]):
        shown = _on_a_terminal(*args, *command, "--as-of", "2026-06-01")
        assert b"\x1b" not in shown, command
        assert b"Acme\\x1b]8;;http://evil.example" in shown, command


def test_rule_problems_point_at_their_line_when_list_items_before_them_were_left_out(
    tmp_path: Path,
) -> None:
    """Found in review: after a bad revenue item was left out, the rules' problems pointed one
    line too high (the rules counted the items that were left)."""
    root = write_files(
        tmp_path / "ledger",
        {
            "acme/dossier.yaml": "name: Acme\nmanager: 王磊\nrevenue:\n"
            "  - {period: 2026-01, amount: x}\n"
            "  - {period: 2026-01, amount: 100}\n"
            "  - {period: 2026-02, amount: 1000}\n"
            "  - {period: 2026-02, amount: 5}\n",
            "acme/visits/2026-03-01.yaml": "date: 2026-03-01\nmode: phone\nsummary: x\n"
            "received_by:\n  - 5\n  - nobody\n",
        },
    )
    proc, _ = kam("--no-cache", "--ledger", str(root), "validate", "--format", "json")
    found = json.loads(proc.stdout)
    got = [(e["code"], e["line"]) for e in found["errors"] + found["warnings"]]
    assert sorted(got) == [
        ("revenue-overlap", 7),
        ("revenue-swing", 6),
        ("schema", 4),
        ("schema", 5),
        ("unknown-contact", 6),
    ]
    overlap = next(e for e in found["errors"] if e["code"] == "revenue-overlap")
    assert "(revenue[2])" in overlap["message"]
