"""Diagnostics are data: every problem of every file, collected in one pass, printed at the end."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ledger.printable import printable

Severity = Literal["error", "warning"]

#: Every diagnostic code kam emits; docs/format.md lists each one (a test checks both ways).
CODES = (
    "yaml-syntax",
    "yaml-feature",
    "duplicate-key",
    "file-too-large",
    "bad-encoding",
    "empty-file",
    "unreadable",
    "schema",
    "bad-date",
    "bad-name",
    "duplicate-id",
    "missing-dossier",
    "unsafe-path",
    "date-mismatch",
    "unknown-contact",
    "unknown-complaint",
    "duplicate-contact",
    "revenue-overlap",
    "next-visit-order",
    "resolved-before-opened",
    "missing-resolution",
    "revenue-swing",
    "dossier-stale",
    "future-visit",
    "closed-without-follow-up",
    "unexpected-file",
)
#: A path into a YAML document: mapping keys and sequence indexes, e.g. ("contacts", 2, "id").
DocPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Diagnostic:
    """One problem in the ledger at FILE:LINE:COL (1-based, FILE relative to the root).

    Rules produce diagnostics with a document ``path`` and no line yet;
    :func:`ledger.check.locate.locate` turns the path into a line and column by composing only
    the files that have problems.
    """

    file: str
    code: str
    message: str
    severity: Severity = "error"
    line: int = 1
    column: int = 1
    hint: str = ""
    path: DocPath | None = None
    #: True when the diagnostic is about a mapping key itself (an unknown or duplicate key).
    at_key: bool = False
    #: The offending source line, filled in by ``locate`` for the text output.
    source: str = ""

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.code, self.message)

    def as_json(self) -> dict[str, object]:
        """The FORMAT §9 shape, plus severity and hint."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
            "hint": self.hint,
        }


def error(file: str, code: str, message: str, **kw: object) -> Diagnostic:
    return Diagnostic(file=file, code=code, message=message, severity="error", **kw)  # type: ignore[arg-type]


def warning(file: str, code: str, message: str, **kw: object) -> Diagnostic:
    return Diagnostic(file=file, code=code, message=message, severity="warning", **kw)  # type: ignore[arg-type]


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted by file, line, column and code, duplicates removed."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


def with_position(d: Diagnostic, line: int, column: int, source: str = "") -> Diagnostic:
    return replace(d, line=line, column=column, source=source)


def count_errors(diagnostics: Sequence[Diagnostic], strict: bool = False) -> int:
    """Number of diagnostics that fail the run (with ``strict`` warnings count too)."""
    return sum(1 for d in diagnostics if strict or d.severity == "error")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_line(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """'2 errors, 1 warning in 57 files'."""
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {_plural(files, 'file')}"


def format_text(d: Diagnostic, color: bool = False) -> str:
    """hledger-style: position and code, the offending line with a caret, then a hint."""
    label = d.severity
    if color:
        tint = "\x1b[1;31m" if d.severity == "error" else "\x1b[1;33m"
        label = f"{tint}{label}\x1b[0m"
    # what the files hold is shown escaped: a name or a line can carry terminal escapes
    lines = [f"{printable(d.file)}:{d.line}:{d.column}: {label}[{d.code}]: {printable(d.message)}"]
    if d.source:
        gutter = f"{d.line} | "
        lines.append(f"  {gutter}{printable(d.source)}")
        # The caret sits under the column; a tab or a wide character before it shifts it,
        # so copy the whitespace of the line and count CJK characters as two cells.
        prefix = printable(d.source[: max(d.column - 1, 0)])
        pad = "".join(c if c == "\t" else (" " * _cell_width(c)) for c in prefix)
        lines.append(f"  {' ' * len(gutter)}{pad}^")
    if d.hint:
        lines.append(f"  hint: {printable(d.hint)}")
    return "\n".join(lines)


def _cell_width(char: str) -> int:
    from wcwidth import wcwidth

    return max(wcwidth(char), 1)


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(d: Diagnostic) -> str:
    """A GitHub Actions workflow annotation."""
    message = d.message + (f" (hint: {d.hint})" if d.hint else "")
    return (
        f"::{d.severity} file={printable(_github_escape(d.file, True))},line={d.line},"
        f"col={d.column},"
        f"title={_github_escape(d.code, True)}::{printable(_github_escape(message))}"
    )


def format_json(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """The FORMAT §9 validate shape: {"errors": [...], "warnings": [...]}."""
    doc = {
        "errors": [d.as_json() for d in diagnostics if d.severity == "error"],
        "warnings": [d.as_json() for d in diagnostics if d.severity == "warning"],
        "files": files,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


__all__ = [
    "Diagnostic",
    "DocPath",
    "count_errors",
    "error",
    "format_github",
    "format_json",
    "format_text",
    "sort_diagnostics",
    "summary_line",
    "warning",
    "with_position",
]
