"""Evidence as citations: the source lines around an evidence item (its material's line ±3), so a page can
show a small chip per cited id and open the context on demand instead of a full-width block per claim."""

from __future__ import annotations

from pydantic import BaseModel

from pmstudio.schema import Bundle

CONTEXT_LINES = 3


class Citation(BaseModel):
    id: str
    found: bool
    header: str = ""
    lines: list[tuple[int, str]] = []
    line: int = 0


def citation(bundle: Bundle | None, evidence_id: str, context: int = CONTEXT_LINES) -> Citation:
    """The cited line of its material with `context` lines either side (1-based line numbers)."""
    if bundle is None:
        return Citation(id=evidence_id, found=False)
    e = bundle.evidence_by_id().get(evidence_id)
    if e is None:
        return Citation(id=evidence_id, found=False)
    material = next((m for m in bundle.materials if m.name == e.material), None)
    at = e.at.strftime("%Y-%m-%d %H:%M:%S UTC") if e.at else "no time"
    header = f"{e.material} line {e.line} · {at}" + (f" · {e.count} lines condensed" if e.count > 1 else "")
    if material is None:
        return Citation(id=evidence_id, found=True, header=header, lines=[(e.line, e.text)], line=e.line)
    all_lines = material.content.splitlines()
    lo, hi = max(e.line - context, 1), min(e.line + context, len(all_lines))
    return Citation(id=evidence_id, found=True, header=header, line=e.line,
                    lines=[(n, all_lines[n - 1]) for n in range(lo, hi + 1)])


def context_text(c: Citation) -> str:
    """The context as plain text, the cited line marked with `>`."""
    width = len(str(c.lines[-1][0])) if c.lines else 1
    return "\n".join(f"{'>' if n == c.line else ' '} {n:>{width}} | {text}" for n, text in c.lines)
