"""Supporting Information of offline drafts: what a note or a ticket tells, never what a person there asked."""

from __future__ import annotations

from datetime import datetime

from pmstudio.agents.messages import EvidenceLine
from pmstudio.offline.analysis import analyse
from pmstudio.offline.supporting import draft_supporting


def test_a_question_in_a_note_is_no_reference_and_its_statements_stay() -> None:
    """A delegator's message kept in a notes file ("missed rounds around 02:00, my dashboard showed it. everything
    ok?") asks; no section quotes the question, while a note naming the dashboard as a fact stays a reference."""
    t0 = datetime.fromisoformat("2025-12-11T07:31:00+00:00")
    evidence = [
        EvidenceLine(id="message.txt:1", at=t0, actor=None,
                     text="delegator_k: your validator missed rounds around 02:00, my dashboard showed it. everything ok?"),
        EvidenceLine(id="notes.md:1", at=t0, actor=None, text="The consensus dashboard shows round timeouts from 01:00 to 01:08."),
    ]  # fmt: skip
    refs = draft_supporting(analyse(evidence))["references"]
    texts = " ".join(r["text"] for r in refs)
    assert "?" not in texts and "everything ok" not in texts.lower()
    assert any(r["evidence"] == ["notes.md:1"] for r in refs)
