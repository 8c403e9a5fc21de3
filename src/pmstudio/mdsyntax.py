"""Markdown line patterns shared by every reader of post-mortem documents.

`pmstudio.mdparse` (the template-aware reader), `pmstudio.sectionmd` (the section editor) and
`pmstudio.lints.bodies` (timelines and action items in hand-written bodies) all read ATX headings;
the pattern lives here, in a module that imports nothing from the project, so none of them has to
import another to share it.
"""

from __future__ import annotations

import re

HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
"""An ATX heading (`## Timeline`, `### 14:02 ##`): `hashes` gives its level, `text` its words."""

_CELL_BAR = re.compile(r"(?<!\\)\|")


def table_cells(line: str) -> list[str]:
    """The cells of a Markdown table row (`| a | b \\| c |` -> `["a", "b | c"]`): split at the bars that are not
    escaped, an escaped bar (as `pmstudio.render` writes a `|` inside a cell) read back as a bar."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [c.strip().replace("\\|", "|") for c in _CELL_BAR.split(inner)]


def bold_label(text: str) -> str:
    """`text` as a bold label's words (`**...:**`): an asterisk escaped ("certs for \\*.example.io"), so the label
    reads back whole (`unbold_label`)."""
    return text.replace("*", "\\*")


def unbold_label(text: str) -> str:
    """A bold label's words as written by `bold_label`, its escaped asterisks read back."""
    return text.replace("\\*", "*")
