"""How kam reads YAML (FORMAT §2): a resolver that keeps every scalar a string until the
builder decides, and a builder from libyaml's node tree to plain data that refuses tags,
anchors, aliases and merge keys before anything is constructed."""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass

from yaml.cyaml import CParser
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ledger.check.diagnostics import Diagnostic, error

MAX_DEPTH = 64  # far deeper than any kam file; guards libyaml's recursive composer


PLAIN = "kam:plain"


QUOTED = "kam:str"


MAP = "kam:map"


SEQ = "kam:seq"


_INT10 = re.compile(r"[-+]?[0-9]+\Z")


_INT8 = re.compile(r"0o[0-7]+\Z")


_INT16 = re.compile(r"0x[0-9a-fA-F]+\Z")


_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")


_SPECIAL = {
    "": None, "~": None, "null": None, "Null": None, "NULL": None,
    "true": True, "True": True, "TRUE": True,
    "false": False, "False": False, "FALSE": False,
    ".inf": math.inf, ".Inf": math.inf, ".INF": math.inf,
    "+.inf": math.inf, "+.Inf": math.inf, "+.INF": math.inf,
    "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
    ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
}  # fmt: skip


class BadNumber(str):
    """A number kam cannot count with (NaN, an infinity, 15 digits or more: FORMAT §13), kept
    as the text it was written as. Where a schema wants a number it is refused with a position;
    nothing downstream ever sees a NaN, an infinity or an integer too long to print."""

    __slots__ = ()


#: numbers are below this in size (15 digits at most: FORMAT §13)
NUMBER_LIMIT = 10**15


def plain_scalar(text: str) -> object:
    """The value of an unquoted scalar under the YAML 1.2 core schema, minus timestamps."""
    if text in _SPECIAL:
        value = _SPECIAL[text]
        return value if type(value) is not float else BadNumber(text)  # .nan, .inf
    first = text[0]
    if first.isdigit() or first in "+-.":
        if _INT10.match(text):
            if len(text) > 15 and len(text.lstrip("+-").lstrip("0")) > 15:  # before int()
                return BadNumber(text)
            return int(text, 10)
        if _INT8.match(text) or _INT16.match(text):
            number = int(text[2:], 8 if text[1] == "o" else 16)
            return number if number < NUMBER_LIMIT else BadNumber(text)
        if _FLOAT.match(text):
            number = float(text)
            if not -NUMBER_LIMIT < number < NUMBER_LIMIT or (
                len(text) > 15 and _significant(text) > 15
            ):
                return BadNumber(text)
            return number
    return text


def _significant(text: str) -> int:
    """Significant digits of a decimal number as written: 0.000123 has 3, 1.50 has 2."""
    mantissa = text.lstrip("+-").split("e")[0].split("E")[0].replace(".", "")
    return len(mantissa.strip("0"))


def shown_tag(tag: str) -> str:
    """A tag as it is usually written: tag:yaml.org,2002:str -> !!str."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


class _Resolver:
    """Tags every implicit node with a kam tag, so any other tag on a node was written by hand."""

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: object, implicit: object) -> str:
        if kind is ScalarNode:
            return PLAIN if implicit[0] else QUOTED  # type: ignore[index]
        return MAP if kind is MappingNode else SEQ


class Composer(CParser, _Resolver):
    def __init__(self, data: bytes) -> None:
        CParser.__init__(self, data)


class Refused(Exception):
    """A YAML feature kam refuses, or YAML that libyaml accepts but the spec does not."""

    def __init__(
        self, message: str, hint: str, node: Node | Mark, code: str = "yaml-feature"
    ) -> None:
        super().__init__(message)
        self.hint = hint
        self.code = code
        self.mark = node.start_mark if isinstance(node, Node) else node


@dataclass
class Builder:
    """Turns a composed node tree into plain data, collecting duplicate keys on the way."""

    file: str
    problems: list[Diagnostic]
    #: The document has a construct where libyaml is laxer than the YAML spec (multi-line flow
    #: collections and quoted scalars): :func:`strict_scan` looks at its tokens.
    suspect: bool = False
    #: A block scalar: its leading empty lines matter only when a line holds nothing but spaces.
    block_scalar: bool = False

    def build(self, node: Node) -> object:
        if isinstance(node, ScalarNode):
            if node.style in ("|", ">"):
                self.block_scalar = True
            elif node.style and node.start_mark.line != node.end_mark.line:
                self.suspect = True
            if node.tag == PLAIN:
                if node.value == "-":
                    raise Refused(
                        "'-' alone is not a value here",
                        "quote it ('-') or remove it",
                        node,
                        "yaml-syntax",
                    )
                value = plain_scalar(node.value)
                # Short words repeat across files (enum values, dates, ids): share one copy.
                return sys.intern(value) if type(value) is str and len(value) <= 24 else value
            if node.tag == QUOTED:
                return node.value
        elif isinstance(node, MappingNode) and node.tag == MAP:
            self._note_flow(node)
            return self.mapping(node)
        elif isinstance(node, SequenceNode) and node.tag == SEQ:
            self._note_flow(node)
            return [self.build(item) for item in node.value]
        raise Refused(
            f"explicit tag '{shown_tag(node.tag)}' is not allowed",
            "remove the tag; kam files hold plain text, numbers, true/false, lists and mappings",
            node,
        )

    def _note_flow(self, node: Node) -> None:
        if node.flow_style and node.start_mark.line != node.end_mark.line:
            self.suspect = True

    def mapping(self, node: MappingNode) -> dict[str, object]:
        out: dict[str, object] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise Refused(
                    "a key must be plain text, not a list or a mapping",
                    "write the key as a simple word such as 'name:'",
                    key_node,
                )
            if key_node.tag == PLAIN and key_node.value == "<<":
                raise Refused(
                    "merge keys ('<<') are not allowed",
                    "write the keys out in full in this mapping",
                    key_node,
                )
            if key_node.tag not in (PLAIN, QUOTED):
                self.build(key_node)  # raises for the explicit tag
            key = sys.intern(key_node.value)  # shared keys: less memory, smaller caches
            line = key_node.start_mark.line + 1
            if key in first_line:
                self.problems.append(
                    error(
                        self.file,
                        "duplicate-key",
                        f"duplicate key '{key}' (first on line {first_line[key]}, "
                        f"again on line {line})",
                        line=line,
                        column=key_node.start_mark.column + 1,
                        hint="keep one of the two; the file would otherwise mean different "
                        "things to different tools",
                    )
                )
                continue
            first_line[key] = line
            out[key] = self.build(value_node)
        return out
