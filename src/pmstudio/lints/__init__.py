"""Deterministic lints of the critic: blame (B1-B8), completeness (C1-C11), grounding (G1-G3).

`lint_postmortem` checks a drafted `PostMortem` against its bundle's people and evidence;
`lint_markdown` checks a Markdown post-mortem in the seed format (`pmstudio check`). The blameless
lexicon is data: `pmstudio/data/lexicon.yaml`.
"""

from pmstudio.lints.blame import lint_blame
from pmstudio.lints.completeness import lint_completeness
from pmstudio.lints.grounding import lint_grounding
from pmstudio.lints.lexicon import Lexicon, load_lexicon
from pmstudio.lints.outline import Outline, outline_from_postmortem
from pmstudio.lints.run import lint_markdown, lint_postmortem, sort_findings
from pmstudio.lints.segments import Segment, segments_from_postmortem

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
