"""The strict scans: YAML that libyaml accepts but the YAML spec does not (glued comments,
under-indented flow and quoted lines, leading lines of block scalars), and the event scan that
bounds nesting before the recursive C composer runs."""

from __future__ import annotations

import re

import yaml
from yaml.error import Mark
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
)
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

from ledger.load.dialect import MAX_DEPTH, Composer, Refused, shown_tag

# Nesting can only grow by a new line or one of these indicators, so their count bounds the depth
# of a document; below this bound the C composer is safe without a separate scan.
_DEPTH_BOUND = 400
_DEPTH_INDICATORS = (b"\n", b"[", b"{", b"-", b"?", b":")


def scan_events(data: bytes) -> Refused | None:
    """Look for anchors, aliases, explicit tags and excessive nesting without composing."""
    parser = Composer(data)
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
                    f"explicit tag '{shown_tag(event.tag)}' is not allowed",
                    "remove the tag; kam files hold plain text, numbers, true/false, lists "
                    "and mappings",
                    event.start_mark,
                )
    except yaml.YAMLError:
        return None  # the composer reports the syntax error with its position
    finally:
        parser.dispose()
    return None


GLUED_COMMENT = re.compile(rb"[^\s]#")


SPACES_ONLY_LINE = re.compile(rb"\n +\r?\n")


_BLOCK_HEADER_INDENT = re.compile(r"[|>][+-]?[1-9]")


_BLOCK_HEADER = re.compile(r"[|>][0-9+-]*(#)?")
_TEXT_LINE_BREAK = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")


def strict_scan(data: bytes) -> Refused | None:
    """Spec rules libyaml does not enforce: a comment needs whitespace before it; continuation
    lines of flow collections and quoted scalars are indented (with spaces) deeper than their
    block; leading empty lines of a block scalar are not indented deeper than its first line."""
    text = data.decode("utf-8-sig")
    lines = _TEXT_LINE_BREAK.split(text)  # lines as libyaml counts them (a lone CR is a break)
    parser = Composer(data)
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


def needs_scan(data: bytes) -> bool:
    if b"&" in data or b"*" in data:
        return True
    return sum(data.count(ch) for ch in _DEPTH_INDICATORS) > _DEPTH_BOUND
