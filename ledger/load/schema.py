"""The JSON Schemas in ``schema/`` are the single source of truth for the structure of files.

A compiled validator (fastjsonschema) answers the happy path; a file that fails is validated
again with jsonschema, which lists every error with its path, and each error becomes a
diagnostic with a message and a hint written for the person editing the file.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import functools
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ledger import limits
from ledger.check.diagnostics import Diagnostic, error
from ledger.load.dialect import BadNumber

_PACKAGE = Path(__file__).resolve().parent.parent

#: at most this many schema problems of one file are described; the rest are counted
MAX_PER_FILE = 100
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_NAME = re.compile(r"[^\W_][\w-]{0,63}\Z")


def data_dir(name: str) -> Path:
    """A data folder shipped with kam: inside the wheel, or at the top of a source checkout."""
    shipped = _PACKAGE / "_data" / name
    return shipped if shipped.is_dir() else _PACKAGE.parent / name


def schema_path(kind: str) -> Path:
    return data_dir("schema") / f"{kind}.schema.json"


def is_date(value: object) -> bool:
    """A real calendar date written YYYY-MM-DD, in the years kam computes for."""
    if not isinstance(value, str) or not _DATE.match(value):
        return not isinstance(value, str)  # formats only constrain strings
    try:
        return limits.in_file_range(dt.date.fromisoformat(value))
    except ValueError:
        return False


def _real_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_name(value: object) -> bool:
    """An id or slug: 1-64 Unicode letters, digits, '-' and '_', starting with a letter or digit."""
    return not isinstance(value, str) or bool(_NAME.match(value))


FORMATS: dict[str, Callable[[object], bool]] = {"date": is_date, "kam-name": is_name}
#: The diagnostic code of a failed format: the schemas say which fields are dates and ids.
FORMAT_CODES = {"date": "bad-date", "kam-name": "bad-name"}


@functools.cache
def load_schema(kind: str) -> dict[str, Any]:
    with schema_path(kind).open(encoding="utf-8") as f:
        return json.load(f)


@functools.cache
def _fast_validator(kind: str) -> Callable[[object], object]:
    import fastjsonschema

    return fastjsonschema.compile(load_schema(kind), formats=FORMATS, use_default=False)


@functools.cache
def _full_validator(kind: str) -> Any:
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    for name, check in FORMATS.items():
        checker.checks(name)(check)
    return jsonschema.Draft7Validator(load_schema(kind), format_checker=checker)


def validate(kind: str, data: object, file: str) -> list[Diagnostic]:
    """Diagnostics for ``data`` against the schema of ``kind``; empty when it conforms."""
    import fastjsonschema

    try:
        _fast_validator(kind)(data)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    schema = load_schema(kind)
    found: dict[tuple, Diagnostic] = {}
    skipped: list[Diagnostic] = []  # the first one beyond the cap, and how many there were
    skipped_count = 0
    for err in _full_validator(kind).iter_errors(data):
        room = MAX_PER_FILE - len(found)
        shown, rest = _diagnostics(err, schema, file, room)
        for d in shown:
            found.setdefault((d.path, d.at_key, d.code, d.message), d)
        if rest:
            skipped = skipped or rest[:1]
            skipped_count += len(rest)
    if skipped_count:
        first = skipped[0]
        found[()] = error(
            file,
            "schema",
            f"… and {skipped_count:,} more problem{'s' if skipped_count != 1 else ''} in this "
            f"file from here on (only the first {MAX_PER_FILE} are shown)",
            hint="fix the ones above and run kam validate again",
            path=first.path,
            at_key=first.at_key,
        )
    return list(found.values())


def usable(kind: str, data: object) -> dict[str, Any] | None:
    """What can be used of a document with schema errors: a copy without the values the
    errors are about (an unknown key, a value of the wrong type, a list item missing a required
    key), so that the rest still counts. None when the document itself is unusable (not a
    mapping, or a required key of its own is missing or wrong).

    A key a whole document needs only under a condition (``then``: the summary of a done visit)
    removes nothing: the model has room for its absence. Inside a document, the mapping that
    lacks it is removed (``tiers`` of ``method: bands`` without bands: the default tiers)."""
    for _ in range(8):  # each round removes the parents of what the previous round removed
        if not isinstance(data, dict):
            return None
        drop: set[tuple[str | int, ...]] = set()
        for err in _full_validator(kind).iter_errors(data):
            path = tuple(err.absolute_path)
            if err.validator == "additionalProperties" and isinstance(err.instance, dict):
                known = err.schema.get("properties", {})
                patterns = err.schema.get("patternProperties", {})
                drop |= {
                    (*path, key)
                    for key in err.instance
                    if key not in known and not any(re.search(p, key) for p in patterns)
                }
            elif err.validator == "required" and "then" in err.absolute_schema_path:
                if path:  # a setting that needs another (bands for method: bands): dropped
                    drop.add(path)
                continue
            elif not path:
                return None
            else:
                drop.add(path)
        if not drop:
            return data
        data = _without(data, drop)
    return None


def _without(data: Any, drop: set[tuple[str | int, ...]]) -> Any:
    """A copy of ``data`` without the values at the paths in ``drop``."""
    here = {p[0] for p in drop if len(p) == 1}
    deeper: dict[str | int, set[tuple[str | int, ...]]] = {}
    for p in drop:
        if len(p) > 1:
            deeper.setdefault(p[0], set()).add(p[1:])
    if isinstance(data, dict):
        return {
            k: _without(v, deeper[k]) if k in deeper else v
            for k, v in data.items()
            if k not in here
        }
    if isinstance(data, list):
        return [
            _without(v, deeper[i]) if i in deeper else v
            for i, v in enumerate(data)
            if i not in here
        ]
    return data


def with_defaults(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """A copy of valid ``data`` with every absent key that has a schema ``default`` filled in."""
    return _fill(load_schema(kind), data)


def _fill(schema: dict[str, Any], data: Any) -> Any:
    if isinstance(data, list) and isinstance(schema.get("items"), dict):
        return [_fill(schema["items"], item) for item in data]
    if not isinstance(data, dict) or "properties" not in schema:
        return data
    out = dict(data)
    for key, sub in schema["properties"].items():
        if key in out:
            out[key] = _fill(sub, out[key])
        elif "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
        elif sub.get("type") == "object" and "properties" in sub:
            out[key] = _fill(sub, {})
    return out


# --- turning jsonschema errors into diagnostics -------------------------------------------


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


def _property_schema(schema: dict[str, Any], path: Iterable[str | int]) -> dict[str, Any]:
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


def _diagnostics(
    err: Any, schema: dict[str, Any], file: str, room: int
) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """The diagnostics of one schema error: at most ``room`` of them worked out in full; the
    rest, without hints, only to be counted (a file with 60,000 unknown keys is reported in a
    moment, not after 60,000 spelling suggestions)."""
    room = max(room, 0)
    out = _described(err, schema, file, room)
    return out[:room], out[room:]


def _described(err: Any, schema: dict[str, Any], file: str, room: int) -> list[Diagnostic]:
    path = tuple(err.absolute_path)
    where = _dotted(path)
    kind = err.validator
    value = err.instance
    here = _property_schema(schema, path)
    about = here.get("description", "")

    def make(message: str, hint: str = "", code: str = "schema", **kw: Any) -> Diagnostic:
        return error(file, code, message, hint=hint, path=kw.pop("at", path), **kw)

    if kind == "additionalProperties" and isinstance(value, dict):
        known = list(err.schema.get("properties", {}))
        patterns = list(err.schema.get("patternProperties", {}))
        out = []
        for key in value:
            if key in known or any(re.search(p, key) for p in patterns):
                continue
            if len(out) >= room:  # beyond the cap: counted, not described
                out.append(make("", at=(*path, key), at_key=True))
                continue
            hint = _suggest(key, known)
            hint += "known keys: " + ", ".join(known) if known else ""
            hint += "; keys starting with 'x-' are kept for your own use" if patterns else ""
            out.append(make(f"unknown key '{key}' in {where}", hint, at=(*path, key), at_key=True))
        return out
    if kind == "required" and isinstance(value, dict):
        out = []
        parent = _property_schema(schema, path).get("properties", {})
        schema_path = list(err.absolute_schema_path)
        because = f" when {_condition(schema, schema_path)}" if "then" in schema_path else ""
        for key in err.validator_value:
            if key in value:
                continue
            target = "the file" if not path else where
            desc = parent.get(key, {}).get("description", "")
            required = f"'{key}', required{because}" if because else f"required key '{key}'"
            out.append(make(f"{target} is missing {required}", desc))
        return out
    if kind == "format":
        code = FORMAT_CODES.get(err.validator_value, "schema")
        if err.validator_value == "date":
            shape = "not a real calendar date" if _DATE.match(value) else "not a date"
            hint = "write dates as YYYY-MM-DD, e.g. 2026-11-02"
            if _real_date(value):
                shape = f"outside the years kam computes for ({limits.FIRST_DAY.year}-"
                shape += f"{limits.LAST_DAY.year})"
                hint = "check the year"
            return [make(f"{where}: '{value}' is {shape}", hint, code)]
        return [
            make(
                f"{where}: '{value}' is not a valid id",
                "use 1-64 letters, digits, '-' and '_', starting with a letter or digit "
                "(no spaces, dots or slashes)",
                code,
            )
        ]
    if kind == "enum":
        allowed = [str(v) for v in err.validator_value]
        return [
            make(
                f"{where}: {_describe(value)} is not one of: {', '.join(allowed)}",
                _suggest(value, allowed) + about,
            )
        ]
    if kind == "type":
        if not path:
            what = file.rsplit("/", 1)[-1]
            return [make(f"{what} must be a mapping of keys to values, not {_describe(value)}")]
        hint = about
        if isinstance(value, BadNumber):
            return [
                make(
                    f"{where}: {value} is not a number kam can count with (finite, at most 15 "
                    "significant digits)",
                    "write the figure as a plain number such as 1250000 or 1250000.50 "
                    "(no NaN or infinity)",
                )
            ]
        if "number" in str(err.validator_value) and isinstance(value, str):
            hint = "write a plain number: no quotes, thousands separators or currency signs"
        elif err.validator_value == "string" and value is not None:
            hint = f'put the value in quotes, e.g. {path[-1]}: "{value}"'
        elif value is None:
            hint = "fill in a value or remove the key"
        expected = _type_name(err.validator_value)
        return [make(f"{where} must be {expected}, not {_describe(value)}", hint)]
    if kind == "pattern":
        examples = here.get("examples") or err.schema.get("examples") or []
        hint = about + (f" Example: {examples[0]}" if examples else "")
        return [make(f"{where}: '{value}' is not in the expected form", hint)]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = err.validator_value
        side = "at least" if "inimum" in kind else "at most"
        return [make(f"{where} must be {side} {bound}, not {value}", about)]
    if kind in ("minLength", "minItems"):
        return [make(f"{where} must not be empty", about or "fill in a value or remove the key")]
    if kind in ("maxLength", "maxItems"):
        return [make(f"{where} is too long (at most {err.validator_value})", about)]
    return [make(f"{where}: {err.message}", about)]
