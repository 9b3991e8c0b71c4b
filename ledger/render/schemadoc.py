"""Field tables for docs/format.md, rendered from the schemas (the single source of truth).

``python -m ledger.render.schemadoc docs/format.md`` rewrites the tables between the
``<!-- fields:KIND -->`` and ``<!-- /fields:KIND -->`` markers; a test fails when they are stale.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from ledger.kinds import schema_kinds
from ledger.load.schema import load_schema


def _type(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    text = " or ".join(kinds)
    if schema.get("format") == "date":
        text = "date `YYYY-MM-DD`"
    elif schema.get("format") == "kam-name":
        text = "id"
    elif kind == "array" and isinstance(schema.get("items"), dict):
        inner = schema["items"]
        text = f"list of {'objects' if inner.get('type') == 'object' else _type(inner)}"
    return text


def _rows(schema: dict[str, Any], prefix: str, required: set[str]) -> list[str]:
    rows = []
    for key, sub in schema.get("properties", {}).items():
        name = f"{prefix}{key}"
        need = "yes" if key in required else ""
        default = f"`{json.dumps(sub['default'], ensure_ascii=False)}`" if "default" in sub else ""
        desc = sub.get("description", "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{name}` | {_type(sub)} | {need} | {default} | {desc} |")
        target = sub.get("items", sub) if sub.get("type") == "array" else sub
        if isinstance(target, dict) and "properties" in target:
            inner = "[]." if sub.get("type") == "array" else "."
            rows += _rows(target, f"{name}{inner}", set(target.get("required", ())))
    return rows


def field_table(kind: str) -> str:
    """A Markdown table of every field of a file kind, nested fields dotted."""
    schema = load_schema(kind)
    head = ["| field | type | required | default | meaning |", "|---|---|---|---|---|"]
    return "\n".join(head + _rows(schema, "", set(schema.get("required", ()))))


def update(text: str) -> str:
    """``text`` with every marked field table replaced by a fresh one."""
    for kind in schema_kinds():
        pattern = re.compile(
            rf"(<!-- fields:{kind} -->\n)(?:.*?\n)?(<!-- /fields:{kind} -->)", re.DOTALL
        )
        table = field_table(kind) + "\n"
        text = pattern.sub(lambda m, t=table: m.group(1) + t + m.group(2), text)
    return text


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/format.md")
    path.write_text(update(path.read_text(encoding="utf-8")), encoding="utf-8")
