"""Read a spec file as YAML, keeping the line and column of every key for error messages.

Stricter than PyYAML's defaults on purpose: duplicate keys are refused (PyYAML silently keeps
the last), scalars follow the YAML 1.2 core schema (so `no` stays a string and `1:30` is not
sexagesimal 90), only plain data tags are accepted, and the document's size, depth and
alias-expanded value count are bounded so hostile input (alias bombs) fails fast.
"""

from __future__ import annotations

import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from litellm_cfn.errors import InputError, Problem, SpecError, shown

MAX_BYTES = 1024 * 1024
MAX_VALUES = 10_000
MAX_DEPTH = 64

PathKey = str | int
SpecPath = tuple[PathKey, ...]

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null")}


@dataclass(frozen=True)
class Mark:
    """A 1-based position in the spec file."""

    line: int
    column: int


@dataclass
class SourceMap:
    """Where each value of a loaded document was written."""

    file: str
    marks: dict[SpecPath, Mark] = field(default_factory=dict)

    def locate(self, path: SpecPath) -> Mark:
        """Position of `path`, or of its nearest written ancestor (defaults have none)."""
        for end in range(len(path), -1, -1):
            mark = self.marks.get(path[:end])
            if mark is not None:
                return mark
        return Mark(1, 1)

    def problem(self, path: SpecPath, message: str, severity: str = "error") -> Problem:
        """A located problem at `path`."""
        mark = self.locate(path)
        return Problem(self.file, mark.line, mark.column, dotted(path), message, severity)


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_./:@+=-]{1,80}")


def dotted(path: SpecPath) -> str:
    """`('eks', 'node_groups', 'a', 'labels', 0)` -> `eks.node_groups.a.labels[0]`; keys
    with spaces or control characters are quoted, so a message stays on one line."""
    text = ""
    for key in path:
        if isinstance(key, int):
            text += f"[{key}]"
        elif isinstance(key, str) and _PLAIN_KEY.fullmatch(key):
            text += f".{key}" if text else key
        else:
            text += f"[{shown(key, 40)}]"
    return text


class _CoreSchemaLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 core-schema scalar resolution."""


_CoreSchemaLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("merge", r"^(?:<<)$", "<"),
):
    _CoreSchemaLoader.add_implicit_resolver(f"{_TAG}{_tag}", re.compile(_pattern), list(_first))


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _scalar(node: yaml.ScalarNode) -> Any:
    value: str = node.value
    kind = node.tag.removeprefix(_TAG)
    if kind == "null":
        return None
    if kind == "bool":
        return value.lower() == "true"
    if kind == "int":
        if value.startswith(("0o", "0x")):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value)
    if kind == "float":
        special = value.lower().lstrip("+")
        if special in (".inf", "-.inf"):
            return -math.inf if special.startswith("-") else math.inf
        return math.nan if special == ".nan" else float(value)
    return value


class _Builder:
    """Turns a composed node graph into plain Python data plus a SourceMap, within budgets."""

    def __init__(self, loader: _CoreSchemaLoader, source: SourceMap) -> None:
        self.loader = loader
        self.source = source
        self.values = 0

    def _fail(self, node: yaml.Node, message: str) -> SpecError:
        mark = _mark(node)
        return SpecError([Problem(self.source.file, mark.line, mark.column, "", message)])

    def build(self, node: yaml.Node, path: SpecPath) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise self._fail(
                node,
                f"the document expands to more than {MAX_VALUES:,} values "
                "(nested YAML aliases?); refusing to read it",
            )
        if len(path) > MAX_DEPTH:
            raise self._fail(node, f"the document nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != f"{_TAG}seq":
                raise self._fail(node, f"unsupported YAML tag {shown(node.tag)} on a list")
            items = []
            for index, item in enumerate(node.value):
                item_path = (*path, index)
                self.source.marks[item_path] = _mark(item)
                items.append(self.build(item, item_path))
            return items
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _SCALAR_TAGS:
            raise self._fail(
                node, f"unsupported YAML tag {shown(node.tag)}; a spec holds plain data only"
            )
        return self._converted(node)

    def _converted(self, node: yaml.ScalarNode) -> Any:
        """A key's or value's Python value, or a located error (e.g. past int's digit limit)."""
        try:
            return _scalar(node)
        except ValueError:
            raise self._fail(node, f"{shown(node.value)} is not a valid {node.tag}") from None

    def _mapping(self, node: yaml.MappingNode, path: SpecPath) -> dict[Any, Any]:
        if node.tag != f"{_TAG}map":
            raise self._fail(node, f"unsupported YAML tag {shown(node.tag)} on a mapping")
        seen: dict[Any, Mark] = {}
        for key_node, _ in node.value:
            if key_node.tag == f"{_TAG}merge":
                continue
            key = self._key(key_node)
            if key in seen:
                first = seen[key]
                raise self._fail(
                    key_node,
                    f"duplicate key {shown(str(key))} (first defined at line {first.line}, "
                    f"column {first.column})",
                )
            seen[key] = _mark(key_node)
        try:
            self.loader.flatten_mapping(node)
        except yaml.MarkedYAMLError as error:
            raise _yaml_problem(self.source.file, error) from None
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            value_path = (*path, key)
            self.source.marks[value_path] = _mark(key_node)
            result[key] = self.build(value_node, value_path)
        return result

    def _key(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _SCALAR_TAGS:
            raise self._fail(node, "a mapping key must be a plain scalar such as a name")
        return self._converted(node)


def _yaml_problem(file: str, error: yaml.MarkedYAMLError) -> SpecError:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    parts = [part for part in (error.context, error.problem) if part]
    message = "YAML syntax: " + ", ".join(parts) if parts else "YAML syntax error"
    return SpecError([Problem(file, line, column, "", message)])


def _unreadable_character(file: str, text: str, error: yaml.reader.ReaderError) -> SpecError:
    before = text[: error.position]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    code = error.character if isinstance(error.character, int) else ord(str(error.character)[:1])
    message = f"YAML does not allow the character U+{code:04X} here"
    return SpecError([Problem(file, line, column, "", message)])


def parse(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document into plain data and the positions of its keys."""
    source = SourceMap(file)
    try:
        loader = _CoreSchemaLoader(text)
    except yaml.reader.ReaderError as error:
        raise _unreadable_character(file, text, error) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, source
        return _Builder(loader, source).build(node, ()), source
    except yaml.MarkedYAMLError as error:
        raise _yaml_problem(file, error) from None
    except yaml.reader.ReaderError as error:
        raise _unreadable_character(file, text, error) from None
    except yaml.YAMLError as error:
        raise SpecError([Problem(file, 1, 1, "", f"YAML error: {str(error)[:200]}")]) from None
    except RecursionError:
        raise SpecError(
            [Problem(file, 1, 1, "", f"the document nests deeper than {MAX_DEPTH} levels")]
        ) from None
    finally:
        loader.dispose()


def read(path: Path) -> str:
    """The text of a spec file, or an InputError that says plainly why it cannot be read."""
    display = str(path)
    try:
        _refuse_unless_regular(display, path.stat().st_mode)
        # O_NONBLOCK: were a FIFO swapped in since stat(), opening it would wait for a writer.
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as file:
            _refuse_unless_regular(display, os.fstat(file.fileno()).st_mode)
            # One byte past the limit rather than trust stat(): the file may grow meanwhile.
            data = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError(
            f"{display}: no such file (pass the spec's path, e.g. "
            "`litellm-cfn validate specs/platform.yaml`)"
        ) from None
    except OSError as error:
        raise InputError(f"{display}: cannot read: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"{display}: larger than a spec may be ({MAX_BYTES:,} bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{display}: not UTF-8 text (byte {error.start})") from None


_NOT_REGULAR = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)  # anything else: "a special file"


def _refuse_unless_regular(display: str, mode: int) -> None:
    """Refuse anything but a regular file before reading it: a named pipe with no writer
    would wait forever, and a device may never end."""
    if stat.S_ISDIR(mode):
        raise InputError(f"{display}: is a folder, not a spec file")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _NOT_REGULAR if test(mode)), "a special file")
        raise InputError(f"{display}: not a regular file ({kind}); pass the spec's YAML file")


def load(path: Path) -> tuple[Any, SourceMap]:
    """Read and parse a spec file; the document may be anything, the caller checks its shape."""
    return parse(read(path), str(path))
