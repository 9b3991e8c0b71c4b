"""Text a terminal shows as written: control characters the user's files hold (escape
sequences, a bare carriage return, OSC 8 links, bidi overrides) are shown escaped, never sent.
Newlines and tabs stay as they are."""

from __future__ import annotations

import re

_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character but newline and tab written as ``\\x1b``."""
    return _CONTROL.sub(_escaped, text) if _CONTROL.search(text) else text
