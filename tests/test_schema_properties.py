"""Whatever ``kam validate`` accepts, every report can show (issue 14).

Ledgers are generated from the schemas themselves (hypothesis-jsonschema): every document is
schema-valid by construction, with every optional field, enum value and number range the
schemas allow. Each ledger then goes through the whole pipeline: tiers, the schedule in every
format, one account's sheet, the site in both languages and ledger.json read strictly. Not one
of them may raise. ``KAM_PROPERTY_EXAMPLES`` sets how many ledgers (default 300).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from ledger import limits
from ledger.derive.schedule import due_items
from ledger.derive.tiers import compute_tiers
from ledger.load.schema import load_schema
from ledger.pipeline import check
from ledger.render.exports import due_csv, due_ics, due_json, tiers_csv, tiers_json
from ledger.render.site import Site, render_site
from ledger.render.textviews import due_view, show_view, tiers_view

EXAMPLES = int(os.environ.get("KAM_PROPERTY_EXAMPLES", "300"))

dates = st.dates(min_value=limits.FIRST_DAY, max_value=limits.LAST_DAY).map(dt.date.isoformat)
names = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}", fullmatch=True)
FORMATS = {"date": dates, "kam-name": names}


def _plain_extras(schema: Any) -> Any:
    """The schema with the user's own ``x-`` keys holding short scalars: generating deep
    structures under them costs time and tests nothing kam reads (it keeps them as they are)."""
    if isinstance(schema, dict):
        out = {k: _plain_extras(v) for k, v in schema.items()}
        if "patternProperties" in out:
            out["patternProperties"] = {
                pattern: {"type": ["string", "integer", "boolean", "null"], "maxLength": 12}
                for pattern in out["patternProperties"]
            }
        return out
    return [_plain_extras(v) for v in schema] if isinstance(schema, list) else schema


@functools.cache  # building a strategy from a schema costs far more than drawing from it
def documents(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    return from_schema(_plain_extras(load_schema(kind)), custom_formats=FORMATS)


def _yaml(doc: dict[str, Any]) -> str:
    # YAML 1.1 writers quote what a 1.1 reader would take for a boolean or a date; kam reads
    # YAML 1.2, where all of those are plain text again: the same document either way
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


@st.composite
def ledgers(draw: st.DrawFn) -> dict[str, str]:
    files: dict[str, str] = {}
    if draw(st.booleans()):
        files["ledger.yaml"] = _yaml(draw(documents("ledger")))
    for n in range(draw(st.integers(1, 3))):
        account = f"a{n}"
        files[f"{account}/dossier.yaml"] = _yaml(draw(documents("dossier")))
        for kind, folder, date_key in (
            ("visit", "visits", "date"),
            ("complaint", "complaints", "opened"),
        ):
            for i in range(draw(st.integers(0, 2))):
                doc = draw(documents(kind))
                files[f"{account}/{folder}/{doc[date_key]}-r{i}.yaml"] = _yaml(doc)
    return files


def _strict_json(text: str) -> Any:
    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Overriding standard format:hypothesis.errors.HypothesisWarning")
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    ledgers(),
    st.dates(min_value=limits.FIRST_AS_OF, max_value=limits.LAST_AS_OF),
    st.integers(0, 3650),
    st.sampled_from(["en", "zh-CN"]),
)
def test_every_ledger_the_schemas_allow_goes_through_every_report(
    files: dict[str, str], as_of: dt.date, within: int, lang: str
) -> None:
    within = min(within, (limits.LAST_HORIZON - as_of).days)  # the CLI refuses more
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ledger"
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        checked = check(root, as_of)
        ledger = checked.ledger
        table = compute_tiers(ledger, as_of)
        _strict_json(tiers_json(table))
        tiers_csv(table)
        tiers_view(table, ledger.settings.currency)
        items = due_items(ledger, table, as_of, within)
        _strict_json(due_json(items, as_of, within))
        due_csv(items)
        due_ics(items, as_of, ledger.settings.name)
        due_view(items, as_of, within, True, 80)
        for account in ledger.accounts:
            mine = [i for i in items if i.account == account.id]
            show_view(account, ledger.settings, table, mine, as_of)
        # every page and export of the site, rendered as ``kam build`` renders them
        site = dict(render_site(Site(checked, as_of, lang, within)))
        data = _strict_json(site["ledger.json"].decode("utf-8"))
        assert len(data["accounts"]) == len(ledger.accounts)
