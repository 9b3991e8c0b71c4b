"""Terminal tables: aligned columns by display width (CJK characters take two cells)."""

from __future__ import annotations

from collections.abc import Sequence

from wcwidth import wcswidth

from ledger.printable import printable

STATUS_COLORS = {"overdue": "\x1b[31m", "due_soon": "\x1b[33m", "upcoming": ""}
RESET = "\x1b[0m"


def width(text: str) -> int:
    w = wcswidth(text)
    return w if w >= 0 else len(text)


def fit(text: str, cells: int) -> str:
    """Cut ``text`` to at most ``cells`` display cells, marking the cut with '…'."""
    if width(text) <= cells:
        return text
    out, used = "", 0
    for ch in text:
        w = max(width(ch), 0)
        if used + w > cells - 1:
            break
        out += ch
        used += w
    return out + "…"


def pad(text: str, cells: int, right: bool = False) -> str:
    gap = " " * max(cells - width(text), 0)
    return gap + text if right else text + gap


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    right: Sequence[int] = (),
    limits: dict[int, int] | None = None,
    colors: Sequence[str] | None = None,
) -> str:
    """Aligned columns; ``right`` are right-aligned column indexes, ``limits`` cap widths."""
    limits = limits or {}
    rows = [[printable(c) for c in r] for r in rows]  # the user's text: escapes shown, not sent
    cells = [[fit(c, limits[i]) if i in limits else c for i, c in enumerate(r)] for r in rows]
    widths = [width(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], width(c))
    lines = ["  ".join(pad(h, widths[i], i in right) for i, h in enumerate(headers)).rstrip()]
    for n, row in enumerate(cells):
        line = "  ".join(pad(c, widths[i], i in right) for i, c in enumerate(row)).rstrip()
        color = colors[n] if colors else ""
        lines.append(f"{color}{line}{RESET}" if color else line)
    return "\n".join(lines)
