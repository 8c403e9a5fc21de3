"""Listings for people and scripts: tables that fit the terminal, or JSON.

A table never squeezes a column below `MIN_CELL` characters (or the column's longest value, when that is
shorter): when the columns do not fit, the least important ones are dropped (and named under the table);
when even the essential ones do not fit, every row is printed as a block of `name: value` lines. Colour
follows rich, which honours `NO_COLOR`. `--json` prints the full rows, every column, for scripts.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

MIN_CELL = 8
COMFORTABLE = 20
CELL_CAP = 48


class Column(BaseModel):
    key: str
    header: str = ""
    priority: int = 0  # 0 = essential; higher numbers are dropped first when space runs out
    cap: int = CELL_CAP  # longest width a column takes before its cells wrap
    justify: str = "left"

    def title(self) -> str:
        return self.header or self.key


def cell_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return str(value)


def print_json(rows: Any) -> None:
    sys.stdout.write(json.dumps(rows, indent=2, default=_json_default, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _overhead(n: int) -> int:
    return 3 * n + 1  # heavy-head box: one border per column plus padding of 1 on each side


def fit_columns(rows: Sequence[dict[str, Any]], columns: Sequence[Column], width: int) -> tuple[list[Column], list[int]] | None:
    """The columns kept (in order) and their widths, or None when even the essential ones do not fit."""
    natural = {
        c.key: min(c.cap, max([len(c.title()), *(len(cell_text(r.get(c.key))) for r in rows)]))
        for c in columns
    }
    # no value (nor header) is squeezed below MIN_CELL characters, or its own length when shorter
    floor = {
        c.key: max(1, min(natural[c.key], MIN_CELL), min(len(c.title()), MIN_CELL))
        for c in columns
    }
    kept = list(columns)
    while sum(floor[c.key] for c in kept) + _overhead(len(kept)) > width:
        droppable = [c for c in kept if c.priority > 0]
        if not droppable:
            return None
        worst = max(droppable, key=lambda c: (c.priority, kept.index(c)))
        kept.remove(worst)
    # readable before complete: drop optional columns (priority >= 2) while the kept ones cannot all
    # reach a comfortable width
    comfy = {c.key: min(natural[c.key], COMFORTABLE) for c in columns}
    while sum(comfy[c.key] for c in kept) + _overhead(len(kept)) > width:
        optional = [c for c in kept if c.priority >= 2]
        if not optional:
            break
        kept.remove(max(optional, key=lambda c: (c.priority, kept.index(c))))
    widths = [floor[c.key] for c in kept]
    spare = width - sum(widths) - _overhead(len(kept))
    for target in (comfy, natural):  # first every column up to a comfortable width, then to its natural one
        for i, c in sorted(enumerate(kept), key=lambda ic: (ic[1].priority, ic[0])):
            give = min(spare, max(0, target[c.key] - widths[i]))
            widths[i] += give
            spare -= give
    return kept, widths


def print_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    *,
    title: str | None = None,
    console: Console | None = None,
    empty: str = "nothing to show",
) -> None:
    """Rows as a table fitting the console width (fewer columns, or one block per row)."""
    out = console or Console()
    if not rows:
        out.print(empty, highlight=False)
        return
    fitted = fit_columns(rows, columns, out.width)
    if fitted is None:
        print_vertical(rows, columns, title=title, console=out)
        return
    kept, widths = fitted
    table = Table(title=title, box=box.HEAVY_HEAD, expand=False, pad_edge=True)
    for c, w in zip(kept, widths, strict=True):
        table.add_column(c.title(), width=w, min_width=w, max_width=w, overflow="fold", justify=c.justify)  # type: ignore[arg-type]
    for r in rows:
        table.add_row(*(Text(cell_text(r.get(c.key))) for c in kept))
    out.print(table)
    hidden = [c.title() for c in columns if c not in kept]
    if hidden:
        out.print(Text(f"hidden at {out.width} columns: {', '.join(hidden)} (wider terminal or --json shows them)", style="dim"))


def print_vertical(
    rows: Sequence[dict[str, Any]], columns: Sequence[Column], *, title: str | None = None, console: Console | None = None
) -> None:
    """One block per row: the first column as its heading, then `name: value` lines."""
    out = console or Console()
    if title:
        out.print(Text(title, style="bold"))
    first, rest = columns[0], columns[1:]
    label = max((len(c.title()) for c in rest), default=0)
    for r in rows:
        out.print(Text(cell_text(r.get(first.key)), style="bold"))
        for c in rest:
            line = Text(f"  {c.title():<{label}}  ", style="dim")
            line.append(cell_text(r.get(c.key)))
            out.print(line, overflow="fold")
