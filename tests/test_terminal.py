"""Terminal output: aligned by display width (CJK = two cells), 80 columns, colour only on a TTY."""

from __future__ import annotations

import datetime as dt

from ledger.derive.schedule import due_items
from ledger.derive.tiers import compute_tiers
from ledger.pipeline import check
from ledger.render.terminal import table, width
from ledger.render.textviews import due_view
from tests.conftest import SAMPLE

AS_OF = dt.date(2026, 11, 30)


def test_cjk_columns_line_up():
    rows = [["宝联物流", "1", "x"], ["abc", "22", "yy"], ["华东移动通信", "333", "zzz"]]
    lines = table(["name", "n", "tail"], rows, right=(1,)).splitlines()
    # the right-aligned column ends, and the last column starts, at the same display cell
    ends = {
        width(line[: line.index(row[1]) + len(row[1])])
        for line, row in zip(lines[1:], rows, strict=True)
    }
    starts = {width(line[: line.rindex(row[2])]) for line, row in zip(lines[1:], rows, strict=True)}
    assert len(ends) == 1 and len(starts) == 1
    assert starts == {width(lines[0][: lines[0].index("tail")])}


def test_due_view_fits_80_columns_and_colours_only_when_asked():
    ledger = check(SAMPLE, AS_OF).ledger
    items = due_items(ledger, compute_tiers(ledger, AS_OF), AS_OF, 30)
    plain = due_view(items, AS_OF, 30, color=False, columns=80)
    assert max(width(line) for line in plain.splitlines()) <= 80
    assert "\x1b[" not in plain
    coloured = due_view(items, AS_OF, 30, color=True, columns=80)
    assert "\x1b[31m" in coloured  # overdue rows in red


def test_no_color_is_respected(kam, monkeypatch):
    from ledger.cli import use_color

    class Tty:
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Tty())
