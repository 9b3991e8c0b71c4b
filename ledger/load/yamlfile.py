"""The YAML dialect of kam files (FORMAT §2), on PyYAML's libyaml C parser.

The happy path parses each file once: libyaml composes the node tree in C and a small
constructor turns it into plain data (dict, list, str, int, float, bool, None). Dates stay
strings, only YAML 1.2 core booleans are booleans, and anything that could construct objects or
expand data (tags, anchors, aliases, merge keys) is refused before it is constructed.

Positions are not kept on the happy path. A file that has a problem is composed again by
:func:`locate_path` to turn a document path into a line and column.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import yaml
from yaml.cyaml import CParser
from yaml.error import Mark
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.tokens import (
    BlockEndToken,
    BlockMappingStartToken,
    BlockSequenceStartToken,
    FlowMappingEndToken,
    FlowMappingStartToken,
    FlowSequenceEndToken,
    FlowSequenceStartToken,
    ScalarToken,
)

from ledger.check.diagnostics import Diagnostic, DocPath, error

MAX_BYTES = 1 << 20  # FORMAT §2: at most 1 MiB per file
MAX_DEPTH = 64  # far deeper than any kam file; guards libyaml's recursive composer
# Nesting can only grow by a new line or one of these indicators, so their count bounds the depth
# of a document; below this bound the C composer is safe without a separate scan.
_DEPTH_BOUND = 400
_DEPTH_INDICATORS = (b"\n", b"[", b"{", b"-", b"?", b":")

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


def plain_scalar(text: str) -> object:
    """The value of an unquoted scalar under the YAML 1.2 core schema, minus timestamps."""
    if text in _SPECIAL:
        return _SPECIAL[text]
    first = text[0]
    if first.isdigit() or first in "+-.":
        if _INT10.match(text):
            return int(text, 10)
        if _INT8.match(text):
            return int(text[2:], 8)
        if _INT16.match(text):
            return int(text[2:], 16)
        if _FLOAT.match(text):
            return float(text)
    return text


def _shown_tag(tag: str) -> str:
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


class _Composer(CParser, _Resolver):
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
class _Builder:
    """Turns a composed node tree into plain data, collecting duplicate keys on the way."""

    file: str
    problems: list[Diagnostic]
    #: The document has a construct where libyaml is laxer than the YAML spec (multi-line flow
    #: collections and quoted scalars): :func:`_strict_scan` looks at its tokens.
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
            f"explicit tag '{_shown_tag(node.tag)}' is not allowed",
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


def _scan_events(data: bytes) -> Refused | None:
    """Look for anchors, aliases, explicit tags and excessive nesting without composing."""
    parser = _Composer(data)
    depth = 0
    try:
        for event in iter(parser.get_event, None):
            if isinstance(event, AliasEvent):
                return Refused(
                    f"alias '*{event.anchor}' is not allowed",
                    "repeat the value instead of referring to an anchor",
                    event.start_mark,
                )
            if isinstance(event, NodeEvent) and event.anchor is not None:
                return Refused(
                    f"anchor '&{event.anchor}' is not allowed",
                    "remove the anchor; anchors and aliases are not part of kam files",
                    event.start_mark,
                )
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return Refused(
                        f"nesting deeper than {MAX_DEPTH} levels",
                        "kam files are at most a few levels deep; this is not a ledger file",
                        event.start_mark,
                    )
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
            elif isinstance(event, ScalarEvent) and event.tag not in (None, "!"):
                return Refused(
                    f"explicit tag '{_shown_tag(event.tag)}' is not allowed",
                    "remove the tag; kam files hold plain text, numbers, true/false, lists "
                    "and mappings",
                    event.start_mark,
                )
    except yaml.YAMLError:
        return None  # the composer reports the syntax error with its position
    finally:
        parser.dispose()
    return None


_GLUED_COMMENT = re.compile(rb"[^\s]#")
_SPACES_ONLY_LINE = re.compile(rb"\n +\r?\n")
_BLOCK_HEADER_INDENT = re.compile(r"[|>][+-]?[1-9]")
_BLOCK_HEADER = re.compile(r"[|>][0-9+-]*(#)?")


def _strict_scan(data: bytes) -> Refused | None:
    """Spec rules libyaml does not enforce: a comment needs whitespace before it; continuation
    lines of flow collections and quoted scalars are indented (with spaces) deeper than their
    block; leading empty lines of a block scalar are not indented deeper than its first line."""
    text = data.decode("utf-8-sig")
    lines = text.split("\n")
    parser = _Composer(data)
    blocks: list[int] = []  # columns of the open block collections
    flow = 0
    prev_end, prev_line = 0, 0
    try:
        for tok in iter(parser.get_token, None):
            start = tok.start_mark
            glued = _glued_comment(text, prev_end, start.index)
            if glued is not None:
                return _glued(text, glued)
            indent = blocks[-1] if blocks else -1
            closing = isinstance(tok, (FlowSequenceEndToken, FlowMappingEndToken))
            new_line = start.line != prev_line
            if (flow or closing) and new_line and _spaces(lines[start.line]) <= indent:
                return _under_indented(start.line)
            if isinstance(tok, ScalarToken) and tok.style in ('"', "'"):
                for n in range(start.line + 1, tok.end_mark.line + 1):
                    if lines[n].strip() and _spaces(lines[n]) <= indent:
                        return _under_indented(n)
            elif isinstance(tok, ScalarToken) and tok.style in ("|", ">"):
                header = _BLOCK_HEADER.match(lines[start.line], start.column)
                if header and header.group(1):
                    at = start.index - start.column + header.end(0) - 1
                    return _glued(text, at)
                problem = _block_scalar_leading_lines(lines, start, indent)
                if problem:
                    return problem
            if isinstance(tok, (BlockMappingStartToken, BlockSequenceStartToken)):
                blocks.append(start.column)
            elif isinstance(tok, BlockEndToken) and blocks:
                blocks.pop()
            elif isinstance(tok, (FlowSequenceStartToken, FlowMappingStartToken)):
                flow += 1
            elif closing:
                flow -= 1
            prev_end, prev_line = tok.end_mark.index, tok.end_mark.line
    except yaml.YAMLError:
        return None
    finally:
        parser.dispose()
    return None


def _spaces(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _glued_comment(text: str, start: int, end: int) -> int | None:
    """Index of a '#' between two tokens that is not preceded by whitespace."""
    at = text.find("#", start, end)
    while at != -1:
        if at > 0 and not text[at - 1].isspace():
            return at
        eol = text.find("\n", at, end)
        at = -1 if eol == -1 else text.find("#", eol, end)
    return None


def _syntax(message: str, hint: str, line: int, column: int = 0) -> Refused:
    """A syntax problem at a 0-based line and column."""
    return Refused(message, hint, Mark("", 0, line, column, None, None), "yaml-syntax")


def _glued(text: str, index: int) -> Refused:
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return _syntax(
        "a comment needs a space before '#'",
        "put a space before '#', or quote the value if the '#' belongs to it",
        line,
        column,
    )


def _under_indented(line: int) -> Refused:
    return _syntax(
        "this continuation line is not indented deeper than its key",
        "indent continuation lines of [..], {..} and quoted text with spaces (not tabs), "
        "deeper than the key they belong to",
        line,
    )


def _block_scalar_leading_lines(lines: list[str], start: Mark, indent: int) -> Refused | None:
    if _BLOCK_HEADER_INDENT.match(lines[start.line][start.column :]):
        return None  # an explicit indentation indicator
    n, deepest = start.line + 1, 0
    while n < len(lines) and not lines[n].strip(" \r"):
        deepest = max(deepest, len(lines[n].rstrip("\r")))
        n += 1
    if n < len(lines) and indent < _spaces(lines[n]) < deepest:
        return _syntax(
            "an empty line at the start of this block text has more spaces than its first line",
            "remove the trailing spaces of the empty lines, or add an indentation indicator "
            "such as '|2'",
            n,
        )
    return None


def _needs_scan(data: bytes) -> bool:
    if b"&" in data or b"*" in data:
        return True
    return sum(data.count(ch) for ch in _DEPTH_INDICATORS) > _DEPTH_BOUND


#: libyaml's line breaks (YAML 1.1): CR LF, a lone CR, LF, and in UTF-8 NEL (U+0085), the
#: line and paragraph separators (U+2028, U+2029); editors count most of them too
_LINE_BREAK = re.compile(rb"\r\n|\r|\n|\xc2\x85|\xe2\x80[\xa8\xa9]")


def split_lines(data: bytes) -> list[bytes]:
    """The lines of a file as YAML (and an editor) counts them; the last may be empty."""
    return _LINE_BREAK.split(data)


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    lines = split_lines(data[:offset])
    return len(lines), len(lines[-1].decode("utf-8", "replace")) + 1


def source_line(data: bytes, line: int) -> str:
    """The text of a 1-based line, for showing under a diagnostic."""
    lines = split_lines(data)
    if not 1 <= line <= len(lines):
        return ""
    text = lines[line - 1].decode("utf-8", "replace")
    if line == 1:
        text = text.lstrip("\ufeff")
    return text[:200]


def _at(file: str, code: str, message: str, hint: str, data: bytes, line: int, col: int):
    lines = split_lines(data)
    if line > len(lines):  # libyaml puts "end of file" on a line after the last: point at its end
        line = len(lines)
        col = len(lines[-1].decode("utf-8", "replace")) + 1
    return error(
        file, code, message, line=line, column=col, hint=hint, source=source_line(data, line)
    )


def too_large(file: str, size: int) -> Diagnostic:
    return error(
        file,
        "file-too-large",
        f"file is {size:,} bytes; kam files are at most {MAX_BYTES:,} bytes (1 MiB)",
        hint="split the notes into several files or shorten them",
    )


def parse(data: bytes, file: str) -> tuple[object, list[Diagnostic]]:
    """Parse one kam file. Returns the plain data (None when it could not be read) and problems."""
    if len(data) > MAX_BYTES:
        return None, [too_large(file, len(data))]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [
            error(file, "bad-encoding", "file is UTF-16; kam files are UTF-8", hint="save as UTF-8")
        ]
    problems: list[Diagnostic] = []
    try:
        if _needs_scan(data) and (refused := _scan_events(data)) is not None:
            raise refused
        composer = _Composer(data)
        try:
            node = composer.get_single_node()
        finally:
            composer.dispose()
        builder = _Builder(file, problems)
        value = None if node is None else builder.build(node)
        if (
            builder.suspect
            or (builder.block_scalar and _SPACES_ONLY_LINE.search(data))
            or _GLUED_COMMENT.search(data)
        ):
            strict = _strict_scan(data)
            if strict is not None:
                raise strict
    except Refused as exc:
        line, col = exc.mark.line + 1, exc.mark.column + 1
        return None, [_at(file, exc.code, str(exc), exc.hint, data, line, col)]
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(data, exc.position)
        message = f"not valid UTF-8 text: {exc.reason}"
        if (isinstance(exc.character, int) and exc.character < 32) or exc.character == 0x7F:
            message = f"control character {exc.character:#04x} is not allowed in a YAML file"
        code = "bad-encoding" if "UTF-8" in exc.reason else "yaml-syntax"
        return None, [_at(file, code, message, "save the file as UTF-8 text", data, line, col)]
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, file, data)]
    except yaml.YAMLError as exc:  # libyaml reports a few problems without a position
        return None, [_at(file, "yaml-syntax", str(exc), "", data, 1, 1)]
    return value, problems


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str, data: bytes) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = (exc.problem or "invalid YAML").strip()
    hint = ""
    if "expected a single document" in (exc.context or ""):
        problem = "a kam file holds one YAML document; a second one starts here"
        hint = "remove the '---' line and everything after it, or move it to its own file"
    elif "tab" in problem:
        hint = "indent with spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        hint = "a value containing ': ' must be quoted, e.g. summary: \"会谈: 续约\""
    elif "could not find expected ':'" in problem or "simple key" in problem:
        hint = "each line of a mapping reads 'key: value'; check the line above for a missing colon"
    elif "found character" in problem and "that cannot start any token" in problem:
        hint = "quote values that start with a special character such as @ or `"
    else:
        hint = "check indentation and quoting around this position"
    context = f" ({exc.context})" if exc.context and "single document" not in exc.context else ""
    return _at(file, "yaml-syntax", f"{problem}{context}", hint, data, line, col)


def _children(node: Node) -> Iterator[tuple[str | int, Node, Node]]:
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            yield key_node.value, key_node, value_node
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield index, item, item


def locate_path(data: bytes, path: DocPath, at_key: bool = False) -> tuple[int, int]:
    """1-based line and column of the node at ``path`` (or of its key), as deep as it exists."""
    try:
        composer = _Composer(data)
        try:
            node = composer.get_single_node()
        finally:
            composer.dispose()
    except (yaml.YAMLError, RecursionError):
        return 1, 1
    if node is None:
        return 1, 1
    mark = node.start_mark
    for step in path:
        for name, key_node, value_node in _children(node):
            if name == step:
                mark = key_node.start_mark if at_key and step == path[-1] else value_node.start_mark
                node = value_node
                break
        else:
            break
    return mark.line + 1, mark.column + 1
