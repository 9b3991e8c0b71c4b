"""Memos owned by a run: pure functions of large frozen model objects, remembered by identity.

An ``Account`` holds its visits and complaints: hashing it to look it up would cost more than
the figures it is asked for. So these memos key objects by identity (checking that the very same
object is still the one remembered, so a reused ``id`` can never give a wrong answer) and small
values (text, numbers, dates) by value. ``kam serve`` keeps the objects of unchanged accounts
from one rebuild to the next, so their figures are computed once.

The results live in a :class:`Memo`, never in the module: the object that owns a run (a
``Site``, the ``LiveLedger`` of ``kam serve``) creates one, makes it the active memo while it
computes (``with memo.active():``) and drops it with itself. The active memo is a context
variable, so each thread sees only the memo its own caller made active; with none active a
memoised function is simply called. Functions deep in the pipeline (``assemble._revenue``,
``rules.check_account``) are thus memoised without a memo parameter threaded through every
stage in between.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
_VALUES = (str, int, float, bool, dt.date, type(None))

#: a function's remembered calls: key -> (the arguments, the result)
Table = dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]]


class Memo:
    """The remembered results of one owner: a table per memoised function (each bounded by
    the size its decorator gives) and one kept value per name (the last tier table)."""

    def __init__(self) -> None:
        self._tables: dict[Callable[..., Any], Table] = {}
        self._kept: dict[str, Any] = {}

    def table(self, fn: Callable[..., Any]) -> Table:
        """The table of one memoised function (created empty on first use)."""
        table = self._tables.get(fn)
        if table is None:
            table = self._tables.setdefault(fn, {})
        return table

    def kept(self, name: str) -> Any:
        """The value last kept under ``name``, or None."""
        return self._kept.get(name)

    def keep(self, name: str, value: Any) -> None:
        """Keep one value under ``name`` (replacing the one before: one per name, so bounded).
        Keep an immutable value, read once: threads sharing the memo then never see half of
        one value and half of another."""
        self._kept[name] = value

    def __len__(self) -> int:
        """Entries remembered, over all tables and kept values."""
        return sum(len(t) for t in list(self._tables.values())) + len(self._kept)

    @contextlib.contextmanager
    def active(self) -> Iterator[Memo]:
        """Make this the memo of the calling thread's context for the block."""
        token = _ACTIVE.set(self)
        try:
            yield self
        finally:
            _ACTIVE.reset(token)


# A context variable holds no state of its own: each thread (and context) has its own value.
_ACTIVE: contextvars.ContextVar[Memo | None] = contextvars.ContextVar("kam_memo", default=None)


def active_memo() -> Memo | None:
    """The memo made active by the caller (``Memo.active``), or None."""
    return _ACTIVE.get()


def by_identity(size: int = 50_000) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator: remember up to ``size`` results in the active memo (then start afresh); with
    no memo active, just call the function."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def call(*args: Any) -> T:
            owner = _ACTIVE.get()
            if owner is None:
                return fn(*args)
            memo = owner.table(fn)
            key = tuple(a if isinstance(a, _VALUES) else id(a) for a in args)
            hit = memo.get(key)
            if hit is not None and all(
                x is y for x, y in zip(hit[0], args, strict=True) if not isinstance(y, _VALUES)
            ):
                return hit[1]
            if len(memo) >= size:
                memo.clear()
            value = fn(*args)
            memo[key] = (args, value)
            return value

        return call

    return wrap
