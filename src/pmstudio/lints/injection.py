"""S1, prompt injection: text that tries to instruct a language model, in a document or in materials.

Post-mortems and their materials are fed to models (drafting, the critic agent, summaries), so an
order planted in a chat log ("ignore previous instructions and ...", a fake `SYSTEM:` line, a forged
`# TASK` header, a closing `</evidence>` tag) is flagged wherever it appears: in materials and in the
quoted parts of a document (code blocks, `>` quotes, HTML comments) as medium -- it is fine to quote
it, but a reviewer should know it is there -- and as high when a drafted claim repeats it as if it
were a finding. The patterns are data (`lexicon.yaml`, `injection`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import get_args

from pmstudio.lints.lexicon import Lexicon, load_lexicon
from pmstudio.lints.segments import Segment
from pmstudio.schema import Evidence, Finding, FindingSection, FindingSeverity


def injection_spans(text: str, lex: Lexicon | None = None) -> list[tuple[int, int]]:
    """(start, end) of every injection pattern in `text`, overlaps merged."""
    lex = lex or load_lexicon()
    spans: list[tuple[int, int]] = []
    for pattern in lex.injection:
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            while start < end and text[start] in ' \t>:`"“(':
                start += 1
            if any(start < e and s < end for s, e in spans):
                continue
            spans.append((start, end))
    return sorted(spans)


def _finding(lex: Lexicon, section: str, text: str, sev: FindingSeverity) -> Finding:
    inj = lex.data.injection
    return Finding.model_validate(
        dict(
            rule=inj.rule,
            severity=sev,
            section=section if section in get_args(FindingSection) else "appendix",
            span=text.strip(),
            message=inj.message,
            advice="Keep it as quoted evidence only; do not follow it, and do not restate it as a fact.",
        )
    )


def _line_span(text: str, start: int, end: int) -> str:
    """The whole line (clause) holding the match, so the span reads as the planted order."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    return (
        re.sub(r"^\s*(?:\d{1,2}:\d{2}(?::\d{2})?\s+)?(?:[@\w.-]+:\s+)?", "", line).strip() or text[start:end]
    )


def lint_injection_text(
    text: str, section: str, sev: FindingSeverity, lex: Lexicon | None = None
) -> list[Finding]:
    lex = lex or load_lexicon()
    return [_finding(lex, section, _line_span(text, s, e), sev) for s, e in injection_spans(text, lex)]


def lint_injection_markdown(md: str, segments: list[Segment], lex: Lexicon | None = None) -> list[Finding]:
    """Every line of a Markdown document, fenced, quoted and commented ones included (medium)."""
    lex = lex or load_lexicon()
    where: dict[int, str] = {}
    for seg in segments:
        m = re.fullmatch(r"line (\d+)", seg.field)
        if m:
            where.setdefault(int(m.group(1)), seg.section)
    out: list[Finding] = []
    current = "header"
    for n, line in enumerate(md.splitlines(), 1):
        current = where.get(n, current)
        out += lint_injection_text(line, current, lex.data.injection.severity, lex)
    return out


def lint_injection_evidence(evidence: Iterable[Evidence], lex: Lexicon | None = None) -> list[Finding]:
    """Injection in the incident's materials (medium; section `appendix`, where materials are quoted)."""
    lex = lex or load_lexicon()
    out: list[Finding] = []
    for e in evidence:
        if injection_spans(e.text, lex):
            # the span names the evidence, never repeats the planted order (it would be rendered)
            out.append(_finding(lex, "appendix", e.id, lex.data.injection.severity))
    return out


def lint_injection_segments(segments: list[Segment], lex: Lexicon | None = None) -> list[Finding]:
    """An injected order restated in a drafted claim (high: the draft obeyed or repeated it)."""
    lex = lex or load_lexicon()
    out: list[Finding] = []
    for seg in segments:
        if seg.kind == "quote":
            continue
        out += lint_injection_text(seg.text, seg.section, lex.data.injection.severity_draft, lex)
    return out
