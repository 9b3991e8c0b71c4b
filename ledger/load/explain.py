"""Schema errors explained: each jsonschema error becomes diagnostics a person can act on (what
is wrong where, the allowed values, a spelling suggestion, an example), one function per kind
of error."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ledger import limits
from ledger.check.diagnostics import Diagnostic, error
from ledger.load.dialect import BadNumber

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
#: the diagnostic code of a failed format: the schemas say which fields are dates and ids
FORMAT_CODES = {"date": "bad-date", "kam-name": "bad-name"}


def _dotted(path: Iterable[str | int]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "the file"


def _describe(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value}'" if len(value) <= 40 else "a text"
    return "a list" if isinstance(value, list) else "a mapping"


_TYPE_NAMES = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "object": "a mapping (key: value lines)",
    "array": "a list",
    "boolean": "true or false",
}


def _type_name(expected: str | list[str]) -> str:
    names = [expected] if isinstance(expected, str) else expected
    return " or ".join(_TYPE_NAMES.get(n, n) for n in names)


def _suggest(word: object, choices: Iterable[str]) -> str:
    if not isinstance(word, str):
        return ""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'? " if match else ""


def property_schema(schema: dict[str, Any], path: Iterable[str | int]) -> dict[str, Any]:
    """The schema that describes the value at ``path`` (best effort, for titles and hints)."""
    for step in path:
        if isinstance(step, int):
            schema = schema.get("items", {})
        else:
            props = schema.get("properties", {})
            if step in props:
                schema = props[step]
            elif isinstance(schema.get("additionalProperties"), dict):
                schema = schema["additionalProperties"]
            else:
                return {}
    return schema


def _condition(schema: dict[str, Any], schema_path: list[str | int]) -> str:
    """'status is done' for an error raised in the ``then`` of an if/then."""
    node: Any = schema
    for step in schema_path[: schema_path.index("then")]:
        node = node[step]
    parts = []
    props = node.get("if", {}).get("properties", {})
    for key, sub in props.items():
        if "const" in sub:
            parts.append(f"{key} is {sub['const']}")
        for inner, inner_sub in sub.get("properties", {}).items():
            if "const" in inner_sub:
                parts.append(f"{key}.{inner} is {inner_sub['const']}")
    return " and ".join(parts)


@dataclass
class _Error:
    """One jsonschema error, with what the explanations need."""

    err: Any
    schema: dict[str, Any]
    file: str
    room: int
    #: problems beyond the room and the first one after it: only counted
    uncounted: int = 0

    @property
    def path(self) -> tuple[str | int, ...]:
        return tuple(self.err.absolute_path)

    @property
    def where(self) -> str:
        return _dotted(self.path)

    @property
    def about(self) -> str:
        return property_schema(self.schema, self.path).get("description", "")

    def make(self, message: str, hint: str = "", code: str = "schema", **kw: Any) -> Diagnostic:
        return error(self.file, code, message, hint=hint, path=kw.pop("at", self.path), **kw)


def diagnostics(
    err: Any, schema: dict[str, Any], file: str, room: int
) -> tuple[list[Diagnostic], list[Diagnostic], int]:
    """The diagnostics of one schema error: at most ``room`` of them worked out in full; the
    rest, without hints, only to be counted (a file with 60,000 unknown keys is reported in a
    moment, not after 60,000 spelling suggestions): the first of them, to say where they start,
    and how many more."""
    room = max(room, 0)
    e = _Error(err, schema, file, room)
    explain = _EXPLAIN.get(err.validator, _other)
    out = explain(e)
    return out[:room], out[room:], e.uncounted


def _unknown_keys(e: _Error) -> list[Diagnostic]:
    value = e.err.instance
    if not isinstance(value, dict):
        return _other(e)
    known = list(e.err.schema.get("properties", {}))
    patterns = list(e.err.schema.get("patternProperties", {}))
    out: list[Diagnostic] = []
    for key in value:
        if key in known or any(re.search(p, key) for p in patterns):
            continue
        if len(out) > e.room:  # beyond the cap and its first: counted only
            e.uncounted += 1
            continue
        if len(out) == e.room:  # the first beyond the cap: where the rest starts
            out.append(e.make("", at=(*e.path, key), at_key=True))
            continue
        hint = _suggest(key, known)
        hint += "known keys: " + ", ".join(known) if known else ""
        hint += "; keys starting with 'x-' are kept for your own use" if patterns else ""
        message = f"unknown key '{key}' in {e.where}"
        out.append(e.make(message, hint, at=(*e.path, key), at_key=True))
    return out


def _required(e: _Error) -> list[Diagnostic]:
    value = e.err.instance
    if not isinstance(value, dict):
        return _other(e)
    parent = property_schema(e.schema, e.path).get("properties", {})
    schema_path = list(e.err.absolute_schema_path)
    because = f" when {_condition(e.schema, schema_path)}" if "then" in schema_path else ""
    out = []
    for key in e.err.validator_value:
        if key in value:
            continue
        target = "the file" if not e.path else e.where
        desc = parent.get(key, {}).get("description", "")
        required = f"'{key}', required{because}" if because else f"required key '{key}'"
        out.append(e.make(f"{target} is missing {required}", desc))
    return out


def _format(e: _Error) -> list[Diagnostic]:
    value = e.err.instance
    code = FORMAT_CODES.get(e.err.validator_value, "schema")
    if e.err.validator_value == "date":
        shape = "not a real calendar date" if _DATE.match(value) else "not a date"
        hint = "write dates as YYYY-MM-DD, e.g. 2026-11-02"
        if _real_date(value):
            first, last = limits.FIRST_DAY.year, limits.LAST_DAY.year
            shape, hint = f"outside the years kam computes for ({first}-{last})", "check the year"
        return [e.make(f"{e.where}: '{value}' is {shape}", hint, code)]
    hint = "use 1-64 letters, digits, '-' and '_', starting with a letter or digit "
    hint += "(no spaces, dots or slashes)"
    return [e.make(f"{e.where}: '{value}' is not a valid id", hint, code)]


def _real_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _enum(e: _Error) -> list[Diagnostic]:
    allowed = [str(v) for v in e.err.validator_value]
    message = f"{e.where}: {_describe(e.err.instance)} is not one of: {', '.join(allowed)}"
    return [e.make(message, _suggest(e.err.instance, allowed) + e.about)]


def _type(e: _Error) -> list[Diagnostic]:
    value, expected = e.err.instance, e.err.validator_value
    if not e.path:
        what = e.file.rsplit("/", 1)[-1]
        return [e.make(f"{what} must be a mapping of keys to values, not {_describe(value)}")]
    if isinstance(value, BadNumber) and ("number" in str(expected) or "integer" in str(expected)):
        message = f"{e.where}: {value} is not a number kam can count with (finite, at most 15 "
        message += "significant digits)"
        hint = "write the figure as a plain number such as 1250000 or 1250000.50 (no NaN or "
        return [e.make(message, hint + "infinity)")]
    hint = e.about
    if "number" in str(expected) and isinstance(value, str):
        hint = "write a plain number: no quotes, thousands separators or currency signs"
    elif expected == "string" and value is not None:
        key = e.path[-1]
        hint = f'put the value in quotes, e.g. "{value}"'
        hint = hint if isinstance(key, int) else f'put the value in quotes, e.g. {key}: "{value}"'
    elif value is None:
        hint = "fill in a value or remove the key"
    return [e.make(f"{e.where} must be {_type_name(expected)}, not {_describe(value)}", hint)]


def _pattern(e: _Error) -> list[Diagnostic]:
    here = property_schema(e.schema, e.path)
    examples = here.get("examples") or e.err.schema.get("examples") or []
    hint = e.about + (f" Example: {examples[0]}" if examples else "")
    return [e.make(f"{e.where}: '{e.err.instance}' is not in the expected form", hint)]


def _bound(e: _Error) -> list[Diagnostic]:
    side = "at least" if "inimum" in e.err.validator else "at most"
    message = f"{e.where} must be {side} {e.err.validator_value}, not {e.err.instance}"
    return [e.make(message, e.about)]


def _empty(e: _Error) -> list[Diagnostic]:
    return [e.make(f"{e.where} must not be empty", e.about or "fill in a value or remove the key")]


def _too_long(e: _Error) -> list[Diagnostic]:
    return [e.make(f"{e.where} is too long (at most {e.err.validator_value})", e.about)]


def _other(e: _Error) -> list[Diagnostic]:
    return [e.make(f"{e.where}: {e.err.message}", e.about)]


_EXPLAIN: dict[str, Callable[[_Error], list[Diagnostic]]] = {
    "additionalProperties": _unknown_keys,
    "required": _required,
    "format": _format,
    "enum": _enum,
    "type": _type,
    "pattern": _pattern,
    "minimum": _bound,
    "maximum": _bound,
    "exclusiveMinimum": _bound,
    "exclusiveMaximum": _bound,
    "minLength": _empty,
    "minItems": _empty,
    "maxLength": _too_long,
    "maxItems": _too_long,
}
