"""Names chat writes in lower case that are also words ("mark", "will") are still replaced by a role."""

from __future__ import annotations

import pytest

from pmstudio.offline.people import People


@pytest.fixture
def people() -> People:
    p = People()
    for name in ("mark", "will", "may", "kelvin"):
        p.add(name)
    return p


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("confirmed with mark on the huddle.", "confirmed with a responder on the huddle."),
        ("ping will about the rollback", "ping a responder about the rollback"),
        ("asked will, he said no", "asked a responder, he said no"),
        ("thanks mark", "thanks a responder"),
        ("borrowed will's laptop key from kelvin", "borrowed will's laptop key from a responder"),
        ("Mark restarted it", "a responder restarted it"),
    ],
)
def test_a_name_that_is_also_a_word_is_replaced_where_it_names_a_person(people: People, text: str, want: str) -> None:
    assert people.anonymise(text) == want


@pytest.mark.parametrize(
    "text",
    [
        "will mark the incident as resolved",
        "mark as resolved once the queue drains",
        "and mark the ticket done",
        "from may 3 to may 5 the graph climbed",
        "with mark the deploy as failed",
    ],
)
def test_the_same_word_used_as_a_word_is_kept(people: People, text: str) -> None:
    assert people.anonymise(text) == text
