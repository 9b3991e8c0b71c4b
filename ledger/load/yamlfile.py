"""The YAML dialect of kam files (FORMAT §2), on PyYAML's libyaml C parser.

The happy path parses each file once: libyaml composes the node tree in C and a small
constructor turns it into plain data (dict, list, str, int, float, bool, None). Dates stay
strings, only YAML 1.2 core booleans are booleans, and anything that could construct objects or
expand data (tags, anchors, aliases, merge keys) is refused before it is constructed.

Positions are not kept on the happy path. A file that has a problem is composed again by
:class:`Positions` to turn document paths into lines and columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from ledger.check.diagnostics import Diagnostic, DocPath, error
from ledger.load.dialect import Builder, Composer, Refused
from ledger.load.scan import (
    GLUED_COMMENT,
    SPACES_ONLY_LINE,
    needs_scan,
    scan_events,
    strict_scan,
)

MAX_BYTES = 1 << 20  # FORMAT §2: at most 1 MiB per file


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
    return _shown_line(split_lines(data), line)


def _shown_line(lines: list[bytes], line: int) -> str:
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
    value, problems, _tree = parse_tree(data, file)
    return value, problems


def parse_tree(data: bytes, file: str) -> tuple[object, list[Diagnostic], Node | None]:
    """``parse``, and the composed node tree: the problems found next are placed with it
    (:class:`Positions`), without composing the file a second time."""
    if len(data) > MAX_BYTES:
        return None, [too_large(file, len(data))], None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (
            None,
            [
                error(
                    file,
                    "bad-encoding",
                    "file is UTF-16; kam files are UTF-8",
                    hint="save as UTF-8",
                )
            ],
            None,
        )
    problems: list[Diagnostic] = []
    try:
        if needs_scan(data) and (refused := scan_events(data)) is not None:
            raise refused
        composer = Composer(data)
        try:
            node = composer.get_single_node()
        finally:
            composer.dispose()
        builder = Builder(file, problems)
        value = None if node is None else builder.build(node)
        if (
            builder.suspect
            or (builder.block_scalar and SPACES_ONLY_LINE.search(data))
            or GLUED_COMMENT.search(data)
        ):
            strict = strict_scan(data)
            if strict is not None:
                raise strict
    except Refused as exc:
        line, col = exc.mark.line + 1, exc.mark.column + 1
        return None, [_at(file, exc.code, str(exc), exc.hint, data, line, col)], None
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(data, exc.position)
        message = f"not valid UTF-8 text: {exc.reason}"
        if (isinstance(exc.character, int) and exc.character < 32) or exc.character == 0x7F:
            message = f"control character {exc.character:#04x} is not allowed in a YAML file"
        code = "bad-encoding" if "UTF-8" in exc.reason else "yaml-syntax"
        return (
            None,
            [_at(file, code, message, "save the file as UTF-8 text", data, line, col)],
            None,
        )
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, file, data)], None
    except yaml.YAMLError as exc:  # libyaml reports a few problems without a position
        return None, [_at(file, "yaml-syntax", str(exc), "", data, 1, 1)], None
    return value, problems, node


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


class Positions:
    """Lines and columns in one file: the file is composed and split into lines once, and each
    mapping indexed on first use, so locating N problems costs one parse, not N."""

    def __init__(self, data: bytes, tree: Node | None = None) -> None:
        """``tree``: the file's node tree when it was composed already (``parse_tree``)."""
        self._data = data
        self._lines: list[bytes] | None = None
        self._root: Node | None = tree
        self._composed = tree is not None
        self._index: dict[int, dict[str | int, tuple[Node, Node]]] = {}

    def _tree(self) -> Node | None:
        if not self._composed:
            self._composed = True
            try:
                composer = Composer(self._data)
                try:
                    self._root = composer.get_single_node()
                finally:
                    composer.dispose()
            except (yaml.YAMLError, RecursionError):
                self._root = None
        return self._root

    def _children(self, node: Node) -> dict[str | int, tuple[Node, Node]]:
        index = self._index.get(id(node))
        if index is None:
            index = {}
            for name, key_node, value_node in _children(node):
                index.setdefault(name, (key_node, value_node))  # the first of duplicate keys
            self._index[id(node)] = index
        return index

    def locate(self, path: DocPath, at_key: bool = False) -> tuple[int, int]:
        """1-based line and column of the node at ``path`` (or of its key), as deep as it
        exists."""
        node = self._tree()
        if node is None:
            return 1, 1
        mark = node.start_mark
        for step in path:
            found = self._children(node).get(step)
            if found is None:
                break
            key_node, node = found
            mark = key_node.start_mark if at_key and step == path[-1] else node.start_mark
        return mark.line + 1, mark.column + 1

    def source_line(self, line: int) -> str:
        """The text of a 1-based line, for showing under a diagnostic."""
        if self._lines is None:
            self._lines = split_lines(self._data)
        return _shown_line(self._lines, line)


def _children(node: Node) -> Iterator[tuple[str | int, Node, Node]]:
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            yield key_node.value, key_node, value_node
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield index, item, item
