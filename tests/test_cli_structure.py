"""The shape of the CLI: domain errors become usage errors in one place, every --format choice
has a formatter, kam new reads only the account it writes to, the watch loop keeps going."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import AS_OF, DOSSIER, REPO, SAMPLE, write_files

from ledger.cli import history, main, reading
from ledger.cli.context import KamCommand, KamGroup
from ledger.derive.schedule import due_items, filter_due
from ledger.derive.tiers import compute_tiers
from ledger.errors import KamError
from ledger.live.loop import open_site, rebuilder
from ledger.load.cache import NO_CACHE, Cache
from ledger.load.read import DOCUMENTS
from ledger.load.walk import RootError
from ledger.pipeline import check, check_account
from ledger.render.build import OutputError
from ledger.workflow.gitrev import GitError
from ledger.workflow.scaffold import ScaffoldError

# --- one edge for domain errors ---------------------------------------------------------------


def test_a_kam_error_in_a_command_exits_2_with_its_message_and_no_traceback():
    @click.group(cls=KamGroup)
    def tool() -> None:
        """A group like kam's."""

    @tool.group()
    def sub() -> None:
        """A sub-group gets the same command class."""

    @sub.command()
    def boom() -> None:
        raise KamError("the folder is not a ledger")

    result = CliRunner().invoke(tool, ["sub", "boom"])
    assert result.exit_code == 2
    assert result.output == (
        "Usage: tool sub boom [OPTIONS]\nTry 'tool sub boom --help' for help.\n\n"
        "Error: the folder is not a ledger\n"
    )
    assert isinstance(result.exception, SystemExit)  # handled: nothing escaped


@pytest.mark.parametrize("error", [RootError, ScaffoldError, OutputError, GitError])
def test_the_domain_errors_share_one_base(error):
    assert issubclass(error, KamError)


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, command in group.commands.items():
        out.append((prefix + name, command))
        if isinstance(command, click.Group):
            out += _commands(command, f"{prefix}{name} ")
    return out


def test_every_command_goes_through_the_edge_and_none_converts_on_its_own():
    for name, command in _commands(main):
        assert isinstance(command, KamCommand | KamGroup), name
    source = "".join(p.read_text(encoding="utf-8") for p in (REPO / "ledger" / "cli").glob("*.py"))
    assert not re.search(r"except \(?(RootError|ScaffoldError|OutputError|GitError)", source)


def test_real_domain_errors_are_usage_errors(tmp_path):
    def kam(*args: str):
        return CliRunner().invoke(main, list(args), prog_name="kam")

    missing = kam("--ledger", str(tmp_path / "nope"), "tiers")
    assert missing.exit_code == 2 and missing.stdout == ""
    assert missing.stderr == (
        "Usage: kam tiers [OPTIONS]\nTry 'kam tiers --help' for help.\n\n"
        f"Error: ledger folder {tmp_path / 'nope'} (--ledger) does not exist\n"
    )
    ledger = write_files(tmp_path / "l", {"acme/dossier.yaml": DOSSIER})
    nobody = kam("--ledger", str(ledger), "new", "visit", "nobody")
    assert nobody.exit_code == 2 and "Traceback" not in nobody.output
    assert nobody.stderr.endswith("(create it with 'kam new account nobody')\n")


# --- --format tables ----------------------------------------------------------------------------

TABLES = {
    "validate": reading.validate_formats,
    "tiers": reading.tiers_formats,
    "due": reading.due_formats,
    "diff": history.diff_formats,
}


def _format_choices(command: click.Command) -> list[str] | None:
    for param in command.params:
        if param.name == "fmt":
            assert isinstance(param.type, click.Choice)
            return [str(c) for c in param.type.choices]
    return None


def test_each_format_table_covers_every_format_choice():
    with_format = {name for name, c in _commands(main) if _format_choices(c) is not None}
    assert with_format == set(TABLES)
    for name, table in TABLES.items():
        formats = table()
        assert list(formats) == _format_choices(main.commands[name]), name
        assert all(callable(f) for f in formats.values())


def test_the_tiers_and_due_formatters_print_for_the_sample():
    checked = check(SAMPLE, AS_OF)
    table = compute_tiers(checked.ledger, AS_OF)
    items = due_items(checked.ledger, table, AS_OF, 30)
    for fmt, formatter in reading.tiers_formats().items():
        assert "huadong-mobile" in formatter(table, checked.ledger), fmt
    for fmt, formatter in reading.due_formats().items():
        assert formatter(items, AS_OF, 30, checked.ledger).strip(), fmt


# --- due filters --------------------------------------------------------------------------------


def test_filter_due_keeps_what_each_choice_names_and_everything_without_one():
    checked = check(SAMPLE, AS_OF)
    items = due_items(checked.ledger, compute_tiers(checked.ledger, AS_OF), AS_OF, 120)
    assert filter_due(items) == items
    some = items[0]
    only = filter_due(items, [some.manager], [some.tier], [some.kind])
    assert some in only
    assert all((i.manager, i.tier, i.kind) == (some.manager, some.tier, some.kind) for i in only)
    assert filter_due(items, kinds=["no-such-kind"]) == []


# --- kam new checks only its account --------------------------------------------------------------

OTHER_DOSSIER = "name: 其他公司\nmanager: 李娜\nrevenue:\n  - {period: 2026-10, amount: 100}\n"


def _two_accounts(root: Path, broken_other: bool) -> Path:
    files = {
        "ledger.yaml": "name: Test\n",
        "acme/dossier.yaml": DOSSIER,
        "acme/visits/2026-10-01.yaml": "date: 2026-10-01\nmode: phone\nsummary: ok\n",
        "other/dossier.yaml": OTHER_DOSSIER,
        "other/visits/2026-10-02.yaml": "date: 2026-10-02\nmode: phone\nsummary: ok\n",
        "other/complaints/2026-10-03.yaml": "opened: 2026-10-03\n",
    }
    if broken_other:
        files["other/visits/2026-10-02.yaml"] = "date: [2026-10-02\nmode: {{\n"
    write_files(root, files)
    past = time.time() - 3600  # settled files: the cache keeps an entry for each file read
    for path in root.rglob("*.yaml"):
        os.utime(path, (past, past))
    return root


def _new(root: Path, *args: str) -> tuple[str, str]:
    result = CliRunner().invoke(main, ["--ledger", str(root), "new", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.replace(str(root), "ROOT"), result.stderr


def _read_files(root: Path) -> set[str]:
    return set(Cache.for_ledger(root, os.environ).load(DOCUMENTS) or {})


def test_kam_new_visit_reads_only_its_account_and_the_dossiers(tmp_path):
    args = ("visit", "acme", "--date", "2026-11-02", "--received-by", "nobody", "--summary", "x")
    fine, broken = _two_accounts(tmp_path / "a", False), _two_accounts(tmp_path / "b", True)
    assert any(d.file.startswith("other/visits/") for d in check(broken, AS_OF).errors)
    assert _new(fine, *args) == _new(broken, *args)
    # the other account's dossier ranks it for acme's tier; its visits and complaints are unread
    assert _read_files(broken) == {
        "ledger.yaml",
        "acme/dossier.yaml",
        "acme/visits/2026-10-01.yaml",
        "other/dossier.yaml",
    }


def test_kam_new_complaint_reads_only_its_account(tmp_path):
    root = _two_accounts(tmp_path / "a", True)
    _new(root, "complaint", "acme", "--date", "2026-11-03")
    assert _read_files(root) == {"ledger.yaml", "acme/dossier.yaml", "acme/visits/2026-10-01.yaml"}


def test_kam_new_keeps_the_cache_of_the_other_accounts(kam, tmp_path):
    root = _two_accounts(tmp_path / "a", False)
    kam("--ledger", str(root), "validate")
    everything = _read_files(root)
    assert "other/complaints/2026-10-03.yaml" in everything
    _new(root, "complaint", "acme", "--date", "2026-11-03")
    assert _read_files(root) == everything


def test_kam_new_with_no_cache_writes_no_cache(tmp_path):
    root = _two_accounts(tmp_path / "a", False)
    result = CliRunner().invoke(main, ["--ledger", str(root), "--no-cache", "new", "account", "z"])
    assert result.exit_code == 0, result.output
    assert _read_files(root) == set()


def test_kam_new_names_what_a_check_of_the_whole_ledger_finds_in_the_new_file(tmp_path):
    root = _two_accounts(tmp_path / "a", True)
    args = ("--date", "2026-11-04", "--summary", "x", "--received-by", "nobody")
    _, said = _new(root, "visit", "acme", *args)
    rel = "acme/visits/2026-11-04.yaml"
    whole = [d for d in check(root, dt.date.today()).diagnostics if d.file == rel]
    assert [d.code for d in whole] == ["unknown-contact"]  # found by a rule of the account
    assert said == f"kam: wrote {rel}; left to fill in:\n" + "".join(
        f"  {d.file}:{d.line}:{d.column}: {d.severity}[{d.code}]: {d.message}\n" for d in whole
    )


def test_check_account_finds_what_check_finds_in_that_account():
    whole = check(SAMPLE, AS_OF)
    for account in whole.ledger.accounts:
        part = check_account(SAMPLE, account.id, AS_OF, NO_CACHE)
        assert part.ledger.accounts == (account,)
        mine = [d for d in part.diagnostics if d.file.startswith(account.id + "/")]
        assert mine == [d for d in whole.diagnostics if d.file.startswith(account.id + "/")]
    assert check_account(SAMPLE, "../accounts", AS_OF).ledger.accounts == ()


# --- the watch loop -------------------------------------------------------------------------------


class _FailingSite:
    def rebuild(self, paths: set[str]) -> None:
        raise RuntimeError("disk on fire")


def test_a_failed_rebuild_is_reported_and_the_loop_keeps_going():
    said: list[str] = []
    rebuild = rebuilder(_FailingSite(), lambda: "", said.append)  # type: ignore[arg-type]
    rebuild({"acme/dossier.yaml"})
    rebuild({"acme/dossier.yaml"})
    assert (
        said
        == ["kam: rebuild failed (RuntimeError('disk on fire')); still showing the last version"]
        * 2
    )


def test_a_rebuild_reports_the_changed_files_and_the_ledger(tmp_path):
    root = write_files(tmp_path / "l", {"acme/dossier.yaml": DOSSIER})
    site = open_site(root, NO_CACHE, 1, "en", 30, AS_OF)
    said: list[str] = []
    rebuilder(site, lambda: ", 3 files written", said.append)({"acme/dossier.yaml"})
    assert site.version == 1
    assert re.fullmatch(
        r"kam: rebuilt in \d+ ms after acme/dossier\.yaml, 3 files written; .*1 file.*", said[0]
    ), said
