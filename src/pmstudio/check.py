"""`pmstudio check` as a library call: lint a hand-written Markdown post-mortem, place every finding on
a line of the document, and decide the exit code.

The CLI, the corpus eval (`pmstudio.evals.checkset`) and the output formats (`pmstudio.checkout`) all
go through `check_markdown`, so what the eval measures is exactly what a team running `pmstudio check`
gets.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from pmstudio.schema import Finding

if TYPE_CHECKING:
    from pmstudio.config import CheckSettings
    from pmstudio.templates import Template


class Located(BaseModel):
    """A finding with its place in the document (1-based line and column; 0 when not found)."""

    finding: Finding
    line: int = 0
    column: int = 0
    end_column: int = 0


class CheckReport(BaseModel):
    findings: list[Located] = Field(default_factory=list)
    exit_code: int = 0
    declared: bool = Field(default=False, description="completeness judged against a declared template")


_FENCE = re.compile(r"^\s*(```|~~~)")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def locate(md: str, findings: list[Finding]) -> list[Located]:
    """Place each finding on the first line that holds its span (outside fences first), reusing a line
    for the same span only after every other occurrence was used."""
    lines = md.splitlines()
    fenced: list[bool] = []
    inside = False
    for line in lines:
        if _FENCE.match(line):
            fenced.append(True)
            inside = not inside
            continue
        fenced.append(inside)
    order = sorted(range(len(lines)), key=lambda i: fenced[i])  # unfenced lines first
    used: dict[tuple[str, str], set[int]] = {}
    out: list[Located] = []
    for f in findings:
        span = _norm(f.span)
        probes = [span] if span else []
        if len(span) > 40:
            probes.append(span[:40])
        best: tuple[int, int] | None = None
        taken = used.setdefault((f.rule, span), set())
        for probe in probes:
            hits = [(i, lines[i].find(probe)) for i in order if probe in lines[i]]
            free = [h for h in hits if h[0] not in taken]
            if free or hits:
                best = (free or hits)[0]
                break
        if best is None:
            out.append(Located(finding=f))
            continue
        i, col = best
        taken.add(i)
        out.append(Located(finding=f, line=i + 1, column=col + 1, end_column=col + 1 + len(probes[0])))
    return out


FAILING_RULES = ("B", "C2")  # blame (B1-B10) and template residue


def fails(finding: Finding, *, declared: bool = False) -> bool:
    """Whether `finding` fails the check (exit 1): a high finding of blame or template residue, or
    -- only when the team declared its template -- a required section missing (C1)."""
    if finding.severity != "high":
        return False
    if finding.rule.startswith(FAILING_RULES):
        return True
    return declared and finding.rule.startswith("C1")


def exit_code(findings: list[Finding], *, declared: bool = False) -> int:
    """1 when a finding fails the check (see `fails`), else 0."""
    return 1 if any(fails(f, declared=declared) for f in findings) else 0


def check_markdown(
    md: str,
    *,
    people: list[str] | None = None,
    template: Template | Literal["auto"] | None = "auto",
    declared: bool = False,
    rules: CheckSettings | None = None,
) -> CheckReport:
    """Lint `md` (a Markdown post-mortem) as `pmstudio check` does: against `template` (default: the
    best-fitting built-in, or none), with a team's per-rule select / ignore / severity applied."""
    from pmstudio.config import apply_rules
    from pmstudio.lints import lint_markdown

    found = lint_markdown(md, people=people or None, template=template, declared=declared)
    if rules is not None:
        found = apply_rules(found, rules)
    return CheckReport(findings=locate(md, found), exit_code=exit_code(found, declared=declared), declared=declared)
