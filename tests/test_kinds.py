"""Record kinds as data: the registry drives the layout, and the schema drives the model.

Every schema property reaches the model (a typed field or ``more``), ledger.json and the docs;
a property added to a schema needs no change to the code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import fields, is_dataclass
from typing import Any

import pytest

from ledger.derive.schedule import KINDS as DUE_KINDS
from ledger.kinds import dated_kinds, kind_named, record_folders, record_kinds, schema_kinds
from ledger.load.assemble import build_account, build_record
from ledger.load.schema import load_schema, with_defaults
from ledger.model import Account
from ledger.pipeline import check
from tests.conftest import AS_OF, REPO, SAMPLE, write_files


def _example(sub: dict[str, Any]) -> Any:
    """A value for a schema: its first example, or built from its properties."""
    if sub.get("type") == "object" and "properties" in sub:
        return {key: _example(s) for key, s in sub["properties"].items()}
    if sub.get("type") == "array" and isinstance(sub.get("items"), dict):
        item = sub["items"]
        if item.get("type") == "object" and "properties" in item:
            return [_example(item)]
        examples = sub.get("examples") or [[_example(item)]]
        return examples[0]
    return sub["examples"][0]


def _full_document(kind: str) -> dict[str, Any]:
    """A document with every property of the schema, from the schema's own examples."""
    return {key: _example(sub) for key, sub in load_schema(kind)["properties"].items()}


def _plain_keys(value: Any) -> set[str]:
    """The keys a model object shows in ledger.json: typed fields and ``more``."""
    names = {f.name for f in fields(value) if f.name != "more"}
    return names | set(getattr(value, "more", {}))


def _reaches(schema: dict[str, Any], model: Any, where: str) -> list[str]:
    """Schema properties that have no place in the model object (recursively)."""
    missing = []
    for key, sub in schema.get("properties", {}).items():
        if key not in _plain_keys(model):
            missing.append(f"{where}{key}")
            continue
        value = getattr(model, key, None) if key not in model.more else model.more[key]
        inner = sub.get("items", sub) if sub.get("type") == "array" else sub
        if "properties" not in inner:
            continue
        for item in value if isinstance(value, tuple) else (value,):
            if is_dataclass(item):
                missing += _reaches(inner, item, f"{where}{key}.")
    return missing


# A typed field whose schema property is kept in another shape (documented here, by name).
RESHAPED = {"contacts.birthday_calendar": "Contact.birthday.calendar"}


@pytest.mark.parametrize("kind", [k.name for k in dated_kinds()])
def test_every_schema_property_of_a_record_reaches_its_model(kind):
    record = kind_named(kind)
    doc = _full_document(kind)
    model = build_record(record.model, kind, "2026-11-02", f"acme/x/{kind}.yaml", doc)
    assert _reaches(load_schema(kind), model, "") == []
    for key, value in doc.items():  # and with its value, converted only in type
        got = getattr(model, key)
        assert str(got) == str(value) or tuple(got) == tuple(value) or got.isoformat() == value


def test_every_schema_property_of_the_dossier_reaches_the_account():
    doc = with_defaults("dossier", _full_document("dossier"))
    account = build_account("acme", "acme/dossier.yaml", doc)
    missing = _reaches(load_schema("dossier"), account, "")
    assert [m for m in missing if m not in RESHAPED] == []
    assert account.contacts[0].birthday.calendar == doc["contacts"][0]["birthday_calendar"]


def test_the_registry_drives_the_layout_and_the_schedule():
    assert record_folders() == {"visits": "visit", "complaints": "complaint"}
    assert schema_kinds() == ("ledger", "dossier", "visit", "complaint")
    for kind in record_kinds():
        assert (REPO / "schema" / f"{kind.name}.schema.json").is_file()
        if kind.attr is not None:
            assert kind.attr in {f.name for f in fields(Account)}
    produced = set()
    checked = check(SAMPLE, AS_OF)
    settings = checked.ledger.settings
    for kind in record_kinds():
        for source in kind.due:
            for account in checked.ledger.accounts:
                produced |= {item[0] for item in source(account, "A", settings, AS_OF, [])}
    assert produced <= set(DUE_KINDS)
    assert {"revisit", "planned", "complaint_overdue", "birthday"} <= produced


def test_a_property_added_to_a_copy_of_a_schema_reaches_model_json_and_docs(tmp_path):
    """Adding an optional field touches the schema only: a copy of kam with one more visit
    property shows it in the model, in ledger.json and in the docs' field table."""
    copy = tmp_path / "kam"
    for name in ("ledger", "schema", "templates", "docs"):
        shutil.copytree(REPO / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    schema_file = copy / "schema" / "visit.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["properties"]["duration_minutes"] = {
        "title": "Duration",
        "description": "How long the visit took, in minutes (时长).",
        "type": "integer",
        "minimum": 0,
        "examples": [45],
    }
    schema_file.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    ledger = write_files(
        tmp_path / "ledger",
        {
            "acme/dossier.yaml": "name: Acme Co\nmanager: 王磊\n",
            "acme/visits/2026-11-02.yaml": textwrap.dedent(
                """\
                date: 2026-11-02
                mode: onsite
                summary: 季度回访
                duration_minutes: 45
                """
            ),
        },
    )
    env = {**os.environ, "PYTHONPATH": str(copy), "KAM_CACHE_DIR": str(tmp_path / "cache")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True
        )

    model = run(
        "-c",
        "import datetime, pathlib, sys; from ledger.pipeline import check; "
        f"c = check(pathlib.Path({str(ledger)!r}), datetime.date(2026, 11, 30)); "
        "print(c.ledger.accounts[0].visits[0].more, len(c.diagnostics))",
    )
    assert model.stdout.strip() == "{'duration_minutes': 45} 0", model.stderr
    built = run("-m", "ledger", "--ledger", str(ledger), "build", "-o", str(tmp_path / "site"))
    assert built.returncode == 0, built.stderr
    data = json.loads((tmp_path / "site" / "ledger.json").read_text(encoding="utf-8"))
    assert data["accounts"][0]["visits"][0]["duration_minutes"] == 45
    # the docs' field table check sees the new property: stale until the tables are rewritten
    script = "from ledger.render.schemadoc import update; import sys; t = open(sys.argv[1]).read()"
    stale = run("-c", script + "; sys.exit(update(t) != t)", "docs/format.md")
    assert stale.returncode == 1
    assert run("-m", "ledger.render.schemadoc", "docs/format.md").returncode == 0
    table = (copy / "docs" / "format.md").read_text(encoding="utf-8")
    assert "`duration_minutes`" in table
