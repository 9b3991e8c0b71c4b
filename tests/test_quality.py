"""The project's own checks: lint, format, and docs that match the schemas and the CLI."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import click
import pytest

from ledger.check.diagnostics import CODES
from ledger.cli import main
from ledger.kinds import schema_kinds
from ledger.load.explain import FORMAT_CODES
from ledger.load.schema import load_schema
from ledger.render.schemadoc import update
from tests.conftest import REPO

RUFF = shutil.which("ruff") or str(__import__("pathlib").Path(sys.executable).parent / "ruff")


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff(args):
    proc = subprocess.run([RUFF, *args], cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_format_doc_tables_match_the_schemas():
    text = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    assert update(text) == text, "run: uv run python -m ledger.render.schemadoc docs/format.md"
    for kind in schema_kinds():
        assert f"<!-- fields:{kind} -->" in text


def _properties(schema, prefix=""):
    for key, sub in schema.get("properties", {}).items():
        yield prefix + key, sub
        target = sub.get("items", sub) if sub.get("type") == "array" else sub
        if isinstance(target, dict):
            yield from _properties(target, prefix + key + ".")


@pytest.mark.parametrize("kind", schema_kinds())
def test_every_schema_property_has_title_description_and_examples(kind):
    for name, sub in _properties(load_schema(kind)):
        assert sub.get("title"), f"{kind}: {name} has no title"
        assert re.search(r"[\u4e00-\u9fff]", sub.get("description", "")), (
            f"{kind}: {name} needs a description with the Chinese term"
        )
        assert sub.get("examples"), f"{kind}: {name} has no examples"


def test_every_cli_option_is_documented():
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    ctx = click.Context(main)
    for name, command in main.commands.items():
        assert f"## kam {name}" in text, name
        for param in command.get_params(ctx):
            if not isinstance(param, click.Option):
                assert param.human_readable_name in text, param.human_readable_name
                continue
            for opt in param.opts:
                assert opt in text, f"kam {name} {opt} is not in docs/cli.md"
    for param in main.get_params(ctx):
        for opt in param.opts:
            assert opt in text, opt


def test_every_diagnostic_code_is_catalogued_and_documented():
    text = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    source = "".join(p.read_text(encoding="utf-8") for p in (REPO / "ledger").rglob("*.py"))
    used = set(re.findall(r'(?:error|warning)\(\s*[^,()]+,\s*"([a-z-]+)"', source))
    used |= set(re.findall(r'"(yaml-[a-z]+)"', source)) | set(FORMAT_CODES.values())
    assert len(used) > 20
    assert used <= set(CODES), used - set(CODES)
    documented = set(re.findall(r"^\| `([a-z-]+)` \| (?:error|warning) \|", text, re.M))
    assert documented == set(CODES)
