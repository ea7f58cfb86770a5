"""The YAML reader: positions, strictness and refusal of hostile documents."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from litellm_cfn.errors import InputError, SpecError
from litellm_cfn.spec.source import MAX_BYTES, Mark, dotted, load, parse


def only_problem(text: str) -> str:
    with pytest.raises(SpecError) as caught:
        parse(text, "p.yaml")
    assert len(caught.value.problems) == 1
    return str(caught.value.problems[0])


def test_keys_keep_their_line_and_column():
    _, where = parse(
        "name: a\nvpc:\n  cidr: 10.0.0.0/16\n  az_count: 3\nlist:\n  - x\n  - y\n", "p"
    )
    assert where.marks[("vpc", "cidr")] == Mark(3, 3)
    assert where.marks[("vpc", "az_count")] == Mark(4, 3)
    assert where.marks[("list", 1)] == Mark(7, 5)


def test_unwritten_paths_are_located_at_their_nearest_written_ancestor():
    _, where = parse("name: a\nvpc:\n  cidr: x\n", "p")
    assert where.locate(("vpc", "flow_logs", "enabled")) == Mark(2, 1)
    assert where.locate(("nothing",)) == Mark(1, 1)


def test_scalars_follow_the_yaml_1_2_core_schema():
    data, _ = parse(
        "a: no\nb: on\nc: true\nd: 1:30\ne: 0x1F\nf: 1.30\ng: 2024-01-01\nh: ~\ni: 0o17\nj: 1e3\n",
        "p",
    )
    assert data == {
        "a": "no",
        "b": "on",
        "c": True,
        "d": "1:30",
        "e": 31,
        "f": 1.3,
        "g": "2024-01-01",
        "h": None,
        "i": 15,
        "j": 1000.0,
    }


def test_duplicate_keys_are_refused_with_both_positions():
    assert only_problem("vpc:\n  cidr: a\n  cidr: b\n") == (
        "p.yaml:3:3: duplicate key 'cidr' (first defined at line 2, column 3)"
    )


def test_merge_keys_work_and_explicit_keys_override_merged_ones():
    data, _ = parse("base: &b {min_size: 1, max_size: 2}\ngroup:\n  <<: *b\n  max_size: 5\n", "p")
    assert data["group"] == {"min_size": 1, "max_size": 5}


def test_syntax_errors_name_the_position():
    assert only_problem("name: a\n  b: c\n") == (
        "p.yaml:2:4: YAML syntax: mapping values are not allowed here"
    )


def test_alias_bombs_fail_fast():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefgh":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [{', '.join(['*' + previous] * 10)}]\n"
    assert "expands to more than 10,000 values" in only_problem(bomb)


def test_deep_nesting_is_refused():
    assert "nests deeper than" in only_problem("a: " + "[" * 3000 + "]" * 3000)
    assert "nests deeper than" in only_problem("a: " + "[" * 70 + "]" * 70)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: !Ref x\n", "p.yaml:1:7: unsupported YAML tag '!Ref'; a spec holds plain data only"),
        ("name: !!python/object:os.system x\n", "unsupported YAML tag"),
        ("? [a, b]\n: c\n", "a mapping key must be a plain scalar"),
        ("a: 1\n---\nb: 2\n", "expected a single document in the stream"),
        ("a: !!int x\n", "is not a valid tag:yaml.org,2002:int"),
    ],
)
def test_non_data_yaml_is_refused(text, message):
    assert message in only_problem(text)


@pytest.mark.parametrize(
    ("text", "where"),
    [(f"? {'9' * 5000}\n: 1\n", "1:3"), (f"a: {'9' * 5000}\n", "1:4")],
    ids=["key", "value"],
)
def test_integers_past_pythons_digit_limit_are_located_errors_in_keys_and_values(text, where):
    assert only_problem(text) == (
        f"p.yaml:{where}: '{'9' * 55}...' is not a valid tag:yaml.org,2002:int"
    )


def test_an_empty_document_parses_to_none():
    assert parse("# only a comment\n", "p")[0] is None


def test_missing_file_directory_binary_and_huge_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load(tmp_path / "absent.yaml")
    with pytest.raises(InputError, match="is a folder"):
        load(tmp_path)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(InputError, match="not UTF-8 text"):
        load(binary)
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"#" * (MAX_BYTES + 1))
    with pytest.raises(InputError, match="larger than a spec may be"):
        load(huge)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_device_is_refused_before_it_is_read():
    with pytest.raises(InputError) as caught:
        load(Path("/dev/zero"))
    assert str(caught.value) == (
        "/dev/zero: not a regular file (a character device); pass the spec's YAML file"
    )
    assert caught.value.exit_code == 2


def test_a_socket_is_refused_as_not_a_regular_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short relative name: socket paths are limited to ~100 bytes
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind("spec.sock")
        with pytest.raises(InputError) as caught:
            load(Path("spec.sock"))
    assert (
        str(caught.value) == "spec.sock: not a regular file (a socket); pass the spec's YAML file"
    )


def test_a_named_pipe_swapped_in_after_the_check_is_refused_without_waiting(tmp_path, monkeypatch):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    regular, real_stat = Path(__file__).stat(), Path.stat
    monkeypatch.setattr(
        Path, "stat", lambda self, **kw: regular if self == fifo else real_stat(self, **kw)
    )
    # Were the open to wait for a writer, this one comes after 10 s: the test fails, not hangs.
    writer = threading.Timer(10, lambda: os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)))
    writer.start()
    started = time.monotonic()
    try:
        with pytest.raises(InputError, match="not a regular file \\(a named pipe\\)"):
            load(fifo)
    finally:
        writer.cancel()
    assert time.monotonic() - started < 5


def test_a_spec_of_exactly_the_size_limit_is_read(tmp_path):
    full = tmp_path / "full.yaml"
    full.write_bytes(b"#" * MAX_BYTES)
    assert load(full)[0] is None


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: demo\n".encode())
    assert load(path)[0] == {"name": "demo"}


def test_dotted_paths_read_like_the_spec():
    assert dotted(("eks", "node_groups", "a", "instance_types", 0)) == (
        "eks.node_groups.a.instance_types[0]"
    )


def test_characters_yaml_forbids_are_located_not_crashed_on():
    assert only_problem("name: a\nb: \x07\n") == (
        "p.yaml:2:4: YAML does not allow the character U+0007 here"
    )
    assert only_problem("\x1fname: a\n").startswith("p.yaml:1:1: ")


def test_odd_keys_are_quoted_so_every_message_stays_on_one_line():
    assert dotted(("tags", "cost center", "a\nb", 0, "nvidia.com/gpu")) == (
        "tags['cost center']['a\\nb'][0].nvidia.com/gpu"
    )


def test_a_null_key_reads_as_null_not_as_the_string_none():
    assert dotted(("vpc", None)) == "vpc[None]"
