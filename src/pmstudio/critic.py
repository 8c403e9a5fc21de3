"""The critic's deterministic half: run every lint over a draft, in the context of its bundle."""

from __future__ import annotations

from pmstudio.findings import with_replacements
from pmstudio.lints.run import lint_postmortem
from pmstudio.schema import Bundle, Finding, PostMortem


def review(pm: PostMortem, bundle: Bundle) -> list[Finding]:
    """Lint findings for `pm`: blame, completeness and grounding against the bundle's evidence."""
    return with_replacements(lint_postmortem(pm, people=bundle.people, evidence=bundle.evidence))


def verdict(findings: list[Finding], rounds: int, not_run: str | None = None) -> str:
    """The one-line summary the CLI prints, e.g. `critic: 0 high, 1 medium unresolved after 2 rounds`, or
    `critic: not run (deadline); lints: 2 high, 0 medium, 0 low` when the critic agent did not run."""
    high = sum(1 for f in findings if f.severity == "high")
    medium = sum(1 for f in findings if f.severity == "medium")
    low = sum(1 for f in findings if f.severity == "low")
    if not_run:
        return f"critic: not run ({not_run}); lints: {high} high, {medium} medium, {low} low"
    plural = "round" if rounds == 1 else "rounds"
    return f"critic: {high} high, {medium} medium, {low} low unresolved after {rounds} revision {plural}"
