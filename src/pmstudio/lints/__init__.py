"""Deterministic lints of the critic: blame (B1-B8), completeness (C1-C11), grounding (G1-G3).

`lint_postmortem` checks a drafted `PostMortem` against its bundle's people and evidence;
`lint_markdown` checks a Markdown post-mortem in the seed format (`pmstudio check`). The blameless
lexicon is data: `pmstudio/data/lexicon.yaml`.

Import order is one way: `pmstudio.mdparse` builds on `lints.outline` / `lints.segments`, and
`lints.run` builds on `mdparse`. This package therefore imports none of its modules when it loads;
the names below are re-exported lazily (PEP 562) for `from pmstudio.lints import lint_markdown`.
Library code imports from the defining module.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pmstudio.lints.blame import lint_blame
    from pmstudio.lints.completeness import lint_completeness
    from pmstudio.lints.grounding import lint_grounding
    from pmstudio.lints.lexicon import Lexicon, load_lexicon
    from pmstudio.lints.outline import Outline, outline_from_postmortem
    from pmstudio.lints.run import lint_markdown, lint_postmortem, sort_findings
    from pmstudio.lints.segments import Segment, segments_from_postmortem

_EXPORTS = {
    "Lexicon": "lexicon",
    "Outline": "outline",
    "Segment": "segments",
    "lint_blame": "blame",
    "lint_completeness": "completeness",
    "lint_grounding": "grounding",
    "lint_markdown": "run",
    "lint_postmortem": "run",
    "load_lexicon": "lexicon",
    "outline_from_postmortem": "outline",
    "segments_from_postmortem": "segments",
    "sort_findings": "run",
}

__all__ = [
    "Lexicon",
    "Outline",
    "Segment",
    "lint_blame",
    "lint_completeness",
    "lint_grounding",
    "lint_markdown",
    "lint_postmortem",
    "load_lexicon",
    "outline_from_postmortem",
    "segments_from_postmortem",
    "sort_findings",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pmstudio.lints' has no attribute {name!r}")
    return getattr(import_module(f"pmstudio.lints.{module}"), name)
