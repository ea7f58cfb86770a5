"""Text a person reads in a terminal: aligned columns, the one way every table is drawn."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence


def columns(
    rows: Sequence[Sequence[str]],
    right: Collection[int] = (),
    first_cell: Callable[[str, int], str] | None = None,
) -> list[str]:
    """Each row as one line, cells padded to their column's widest and joined by two spaces,
    trailing space removed. Columns in `right` are right-aligned; `first_cell(padded, row
    index)` may decorate each row's first cell after padding (colour, say)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        if first_cell is not None:
            cells[0] = first_cell(cells[0], index)
        lines.append("  ".join(cells).rstrip())
    return lines


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`1 stack set`, `2 stack sets`: a count with its noun in the right number."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
