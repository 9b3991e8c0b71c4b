"""Explanations the figures carry (why a tier, what an item is about), in any report language.

A :class:`Message` keeps an English %-template and typed parameters: ``str(message)`` is the
English text the CLI prints, and the report formats the same parameters for its locale after
looking the template up in its gettext catalog (``N_`` marks templates for extraction).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

#: report languages (``kam build --lang``)
LANGS = ("en", "zh-CN")


def N_(text: str) -> str:
    """Mark a message template for extraction; it is translated where it is shown."""
    return text


@dataclass(frozen=True)
class Pct:
    value: float
    digits: int = 1


@dataclass(frozen=True)
class Amount:
    value: float


@dataclass(frozen=True)
class Label:
    """An enum value of the schema, shown with its label (see ``ledger.render.i18n.LABELS``)."""

    group: str
    value: str


@dataclass(frozen=True)
class Message:
    text: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, text: str, **params: Any) -> Message:
        return cls(text, tuple(params.items()))

    def __str__(self) -> str:
        return self.text % {k: english(v) for k, v in self.params} if self.params else self.text


def english(value: Any) -> Any:
    """A parameter as the CLI shows it: ISO dates, raw enum values, plain numbers."""
    if isinstance(value, Pct):
        return f"{value.value:.{value.digits}%}"
    if isinstance(value, Amount):
        return f"{value.value:,.0f}"
    if isinstance(value, Label):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


NO_MESSAGE = Message("")
