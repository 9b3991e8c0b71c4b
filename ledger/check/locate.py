"""Turn document paths into FILE:LINE:COL, composing only the files that have problems."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ledger.check.diagnostics import Diagnostic, with_position
from ledger.load import yamlfile


def locate(root: Path, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Every diagnostic with a line, a column and the offending source line."""
    files: dict[str, yamlfile.Positions | None] = {}  # one position map per file
    out = []
    for d in diagnostics:
        if d.path is None and d.source:
            out.append(d)
            continue
        if d.file not in files:
            data = _read(root / d.file)
            files[d.file] = None if data is None else yamlfile.Positions(data)
        positions = files[d.file]
        if positions is None:
            out.append(d)
            continue
        line, column = (d.line, d.column)
        if d.path is not None:
            line, column = positions.locate(d.path, d.at_key)
        out.append(with_position(d, line, column, positions.source_line(line)))
    return out


def _read(path: Path) -> bytes | None:
    try:
        if not path.is_file() or path.stat().st_size > yamlfile.MAX_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None
