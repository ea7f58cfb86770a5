"""Text a person reads: counts in the right number."""

from __future__ import annotations

from litellm_cfn.text import columns, counted


def test_a_count_names_its_noun_in_the_right_number():
    assert counted(1, "stack set") == "1 stack set"
    assert [counted(n, "failure") for n in (0, 2)] == ["0 failures", "2 failures"]
    assert counted(2, "policy", "policies") == "2 policies"


def test_columns_pad_each_cell_to_its_column():
    assert columns([("a", "bb"), ("ccc", "d")], right={1}) == ["a    bb", "ccc   d"]
