"""Turn document paths into FILE:LINE:COL, composing only the files that have problems."""

from __future__ import annotations

import os
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
            data = _read(root, d.file)
            files[d.file] = None if data is None else yamlfile.Positions(data)
        positions = files[d.file]
        out.append(d if positions is None else place(d, positions))
    return out


def place(d: Diagnostic, positions: yamlfile.Positions) -> Diagnostic:
    """One diagnostic with its line, column and source line, from its file's positions."""
    line, column = (d.line, d.column)
    if d.path is not None:
        line, column = positions.locate(d.path, d.at_key)
    return with_position(d, line, column, positions.source_line(line))


def _read(root: Path, rel: str) -> bytes | None:
    path = root / rel
    try:
        # never through a link out of the ledger (unsafe-path): its target, /proc/self/environ
        # or a key, would be shown as the offending line
        if not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root)):
            return None
        if not path.is_file() or path.stat().st_size > yamlfile.MAX_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None
