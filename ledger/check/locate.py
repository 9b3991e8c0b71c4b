"""Turn document paths into FILE:LINE:COL, composing only the files that have problems."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ledger.check.diagnostics import Diagnostic, with_position
from ledger.load import yamlfile


def locate(root: Path, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Every diagnostic with a line, a column and the offending source line."""
    sources: dict[str, bytes | None] = {}
    out = []
    for d in diagnostics:
        if d.path is None and d.source:
            out.append(d)
            continue
        if d.file not in sources:
            sources[d.file] = _read(root / d.file)
        data = sources[d.file]
        if data is None:
            out.append(d)
            continue
        line, column = (d.line, d.column)
        if d.path is not None:
            line, column = yamlfile.locate_path(data, d.path, d.at_key)
        out.append(with_position(d, line, column, yamlfile.source_line(data, line)))
    return out


def _read(path: Path) -> bytes | None:
    try:
        if not path.is_file() or path.stat().st_size > yamlfile.MAX_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None
