"""Offline drafter: the cause label read once (items and causes), action items phrased as actions."""

from __future__ import annotations

from pmstudio.agents.messages import EvidenceLine
from pmstudio.offline.analysis import analyse
from pmstudio.offline.causes import candidates
from pmstudio.offline.items import build_items


def test_one_cause_label_tags_notes_and_is_read_on_timed_chat() -> None:
    from datetime import UTC, datetime

    t = datetime(2024, 6, 1, 14, 0, tzinfo=UTC)
    lines = [
        EvidenceLine(id="notes.md:1", at=None, actor=None, text="Queue outage notes"),
        EvidenceLine(id="notes.md:3", at=None, actor=None, text="- cause=the consumer refactor dropped the dead-letter queue"),
        EvidenceLine(id="notes.md:4", at=None, actor=None, text="Why it happened - nothing capped the retries of one bad event"),
        EvidenceLine(id="chat.txt:1", at=t, actor="Ana", text="main cause: the billing consumer retried one malformed event for an hour"),
    ]
    items = build_items(lines)
    # untimed notes: the label is stripped and the line is a cause, whatever the list marker or separator
    assert [(i.heading_tag, i.body) for i in items[1:3]] == [
        ("cause", "the consumer refactor dropped the dead-letter queue"),
        ("cause", "nothing capped the retries of one bad event"),
    ]
    # a timed chat line keeps its text, and the same label makes it a cause statement, told without the label
    assert items[3].heading_tag is None
    found = {s.item.id: s.text for s in candidates(analyse(lines))}
    assert "chat.txt:1" in found and not found["chat.txt:1"].lower().startswith("main cause")
