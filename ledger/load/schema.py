"""The JSON Schemas in ``schema/`` are the single source of truth for the structure of files.

A compiled validator (fastjsonschema) answers the happy path; a file that fails is validated
again with jsonschema, which lists every error with its path, and each error becomes a
diagnostic with a message and a hint written for the person editing the file.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger import limits
from ledger.check.diagnostics import Diagnostic, error
from ledger.load import explain

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


def is_name(value: object) -> bool:
    """An id or slug: 1-64 Unicode letters, digits, '-' and '_', starting with a letter or digit."""
    return not isinstance(value, str) or bool(_NAME.match(value))


FORMATS: dict[str, Callable[[object], bool]] = {"date": is_date, "kam-name": is_name}


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


def check_document(kind: str, data: object, file: str) -> tuple[list[Diagnostic], Any]:
    """The diagnostics of a document and what can be used of it (:func:`usable`): the
    document itself when it conforms. The schema errors are worked out once for both."""
    import fastjsonschema

    try:
        _fast_validator(kind)(data)
        return [], data
    except fastjsonschema.JsonSchemaException:
        pass
    errors = list(_full_validator(kind).iter_errors(data))
    return _diagnostics(kind, errors, file), usable(kind, data, errors)


def _diagnostics(kind: str, errors: list[Any], file: str) -> list[Diagnostic]:
    schema = load_schema(kind)
    found: dict[tuple, Diagnostic] = {}
    skipped: list[Diagnostic] = []  # the first one beyond the cap, and how many there were
    skipped_count = 0
    for err in errors:
        room = MAX_PER_FILE - len(found)
        shown, rest, uncounted = explain.diagnostics(err, schema, file, room)
        for d in shown:
            found.setdefault((d.path, d.at_key, d.code, d.message), d)
        if rest:
            skipped = skipped or rest[:1]
            skipped_count += len(rest) + uncounted
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


def usable(kind: str, data: object, errors: list[Any] | None = None) -> dict[str, Any] | None:
    """What can be used of a document with schema errors: a copy without the values the
    errors are about (an unknown key, a value of the wrong type, a list item missing a required
    key), so that the rest still counts. None when the document itself is unusable (not a
    mapping, or a required key of its own is missing or wrong).

    A key a whole document needs only under a condition (``then``: the summary of a done visit)
    removes nothing: the model has room for its absence. Inside a document, the mapping that
    lacks it is removed (``tiers`` of ``method: bands`` without bands: the default tiers).
    Settings fall back to their defaults; in records a wrong value that has a default removes
    the mapping that holds it, so the default never stands in for it."""
    schema = load_schema(kind)
    for _ in range(8):  # each round removes the parents of what the previous round removed
        if not isinstance(data, dict):
            return None
        drop: set[tuple[str | int, ...]] = set()
        found = errors if errors is not None else _full_validator(kind).iter_errors(data)
        errors = None  # given for the first round only
        for err in found:
            path = tuple(err.absolute_path)
            if err.validator == "additionalProperties" and isinstance(err.instance, dict):
                known = err.schema.get("properties", {})
                patterns = [re.compile(p) for p in err.schema.get("patternProperties", {})]
                drop |= {
                    (*path, key)
                    for key in err.instance
                    if key not in known and not any(p.search(key) for p in patterns)
                }
            elif err.validator == "required" and "then" in err.absolute_schema_path:
                if path:  # a setting that needs another (bands for method: bands): dropped
                    drop.add(path)
                continue
            else:
                if kind != "ledger" and "default" in explain.property_schema(schema, path):
                    # never let the default stand in for a wrong value: 'status: canceled' is
                    # not a done visit; the mapping holding it is left out instead
                    path = path[:-1]
                if not path:
                    return None
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
        origin = getattr(data, "origin", range(len(data)))
        kept = [i for i in range(len(data)) if i not in here]
        out = Pruned(_without(data[i], deeper[i]) if i in deeper else data[i] for i in kept)
        out.origin = tuple(origin[i] for i in kept)
        return out
    return data


class Pruned(list):  # type: ignore[type-arg]
    """A list some items were removed from; ``origin`` holds the index in the file of each
    item left, so that problems found later point at the right line."""

    origin: tuple[int, ...] = ()


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
