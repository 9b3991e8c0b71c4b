"""The map stays true: ARCHITECTURE.md names only modules that exist, and modules stay small."""

from __future__ import annotations

import ast
import re

import pytest

from tests.conftest import REPO

MAP = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")


def test_the_map_is_short():
    assert len(MAP.splitlines()) <= 150


def test_every_path_the_map_names_exists():
    paths = set(re.findall(r"`((?:ledger|templates|schema|tests)/[\w./<>-]*)`", MAP))
    assert len(paths) > 15
    for path in paths:
        if "<" in path:  # a pattern such as templates/new/<kind>.yaml: its folder exists
            path = path.rsplit("/", 1)[0]
        assert (REPO / path).exists(), path


def test_every_module_of_the_folder_table_exists():
    """In the table, a row's first cell is a folder; the modules its text names are in it."""
    rows = re.findall(r"^\| `(ledger/\w+/)` \| (.*) \|$", MAP, re.M)
    assert {folder for folder, _ in rows} >= {
        "ledger/load/",
        "ledger/check/",
        "ledger/derive/",
        "ledger/render/",
        "ledger/live/",
        "ledger/cli/",
        "ledger/workflow/",
    }
    for folder, text in rows:
        for name in re.findall(r"`(\w+\.py)`", text):
            assert (REPO / folder / name).is_file(), folder + name
        named = set(re.findall(r"`(\w+)\.py`", text))
        present = {p.stem for p in (REPO / folder).glob("*.py")} - {"__init__"}
        assert present <= named, f"{folder}: the map does not name {sorted(present - named)}"


MODULES = sorted((REPO / "ledger").rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_modules_and_functions_stay_readable_in_one_sitting(path):
    """No module over ~400 lines, no function over ~50 (STYLE.md)."""
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 420
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
            assert length <= 60, f"{node.name} is {length} lines"
