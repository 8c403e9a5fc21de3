"""Shared pieces of the material parsers: the one-line input error, line iteration and the state labels status
posts open with."""

from __future__ import annotations

import re
from collections.abc import Iterator

STATUS_STATES = (
    r"investigating|identified|monitoring|resolved|partially resolved|update|updated|notice|post-?mortem|post-incident|scheduled|in progress|"
    r"verifying|completed|tech alert|announcement|degraded performance|partial outage|major outage|minor|major"
)
"""The states a status-page post opens with: an incident's stages ("Investigating", "Identified", "Monitoring",
"Resolved", "Update", "Postmortem"), a maintenance's ("Scheduled", "In progress", "Verifying", "Completed"), an
announcement's, and the component states and impact levels ("Degraded performance", "Partial outage", "Major")."""
STATUS_LABEL = rf"(?:{STATUS_STATES})\s*(?:\([^()]{{3,40}}\)\s*)?[-–—:]\s+"
"""A status post's opening state label ("Investigating - ", "Partial outage: "), case-insensitive, with the post's
when in brackets after it ("Update (Aug 26, 14:05 PT): ")."""
STATUS_POST = re.compile(rf"^\s*{STATUS_LABEL}", re.I)
"""A line that opens as a status post ("Investigating - PagerDuty is currently experiencing ...")."""


class BundleError(Exception):
    """Bad input. ``str(e)`` is ONE line: ``"<file>: <problem>"``."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{source}: {self.problem}")


def iter_lines(content: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its newline) without materialising a list of lines."""
    pos = 0
    number = 0
    size = len(content)
    while pos < size:
        end = content.find("\n", pos)
        if end == -1:
            end = size
        number += 1
        line = content[pos:end]
        yield number, line[:-1] if line.endswith("\r") else line
        pos = end + 1


_SPACE = re.compile(r"\s*")


def first_char(content: str) -> str:
    """The first non-whitespace character ("" if none), without copying a large content."""
    m = _SPACE.match(content)
    start = m.end() if m else 0
    return content[start : start + 1]


_DECORATION = re.compile(r"^\s*(?:`{3,}.*|~{3,}.*|<!--.*-->|[-=*_#~|:+.\s]*)\s*$")


def is_decoration(line: str) -> bool:
    """Blank lines, rules (``---``), table separators, code fences, comments: no content."""
    return not any(c.isalnum() for c in line) or bool(_DECORATION.match(line))


_EDGES = " \t-–—|:*_#>•·,;"
_NUMBERED = re.compile(r"#\d")


def clean_text(text: str) -> str:
    """Message text without surrounding separators, bullets, emphasis and table pipes."""
    text = text.strip()
    if _NUMBERED.match(text):  # "#7 anon: ...": a post's or an issue's number, no heading mark
        text = text.rstrip(_EDGES).strip()
    else:
        text = re.sub(r"^[\])]\s*", "", text.strip(_EDGES).strip()).strip(_EDGES).strip()
    return re.sub(r"\s*\|\s*$", "", text)
