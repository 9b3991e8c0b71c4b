"""Memoising pure functions of large frozen model objects, by identity.

An ``Account`` holds its visits and complaints: hashing it to look it up would cost more than
the figures it is asked for. So these memos key objects by identity (checking that the very same
object is still the one remembered, so a reused ``id`` can never give a wrong answer) and small
values (text, numbers, dates) by value. ``kam serve`` keeps the objects of unchanged accounts
from one rebuild to the next, so their figures are computed once.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_VALUES = (str, int, float, bool, dt.date, type(None))


def by_identity(size: int = 50_000) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator: remember up to ``size`` results (then start afresh)."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        memo: dict[tuple[Any, ...], tuple[tuple[Any, ...], T]] = {}

        @functools.wraps(fn)
        def call(*args: Any) -> T:
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
