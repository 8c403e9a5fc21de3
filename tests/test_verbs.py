"""The imperative verbs that open an action item: one list (pmstudio.verbs), read by the drafter and the metric."""

from __future__ import annotations

import pytest

from pmstudio.evals.metrics import actions as metric
from pmstudio.evals.metrics.actions import verb_first as verb_first_metric
from pmstudio.offline import actions as drafter
from pmstudio.offline.actions import verb_first
from pmstudio.verbs import ALSO_NOUNS, IMPERATIVE_VERBS, parse_verbs


def test_the_drafter_and_the_metric_read_the_one_list() -> None:
    assert drafter.IMPERATIVE_VERBS is IMPERATIVE_VERBS
    assert metric.IMPERATIVE_VERBS is IMPERATIVE_VERBS
    assert ALSO_NOUNS < IMPERATIVE_VERBS


def test_a_broken_verbs_file_names_itself() -> None:
    with pytest.raises(ValueError, match=r"v\.yaml: invalid verbs file \(verbs"):
        parse_verbs("version: 1\nverbs: [Add]\nalso_nouns: []\n", "v.yaml")
    with pytest.raises(ValueError, match="listed twice: add"):
        parse_verbs("version: 1\nverbs: [add, add]\nalso_nouns: []\n", "v.yaml")
    with pytest.raises(ValueError, match="also_nouns not among the verbs: log"):
        parse_verbs("version: 1\nverbs: [add]\nalso_nouns: [log]\n", "v.yaml")


@pytest.mark.parametrize(
    ("phrase", "title"),
    [
        # verbs the metric knew and the drafter did not: the follow-up keeps its verb, no "Add" before it
        ("optimise the slow report queries that spill to temp files", "Optimise the slow report queries that spill to temp files"),
        ("provision a second NAT gateway in each zone", "Provision a second NAT gateway in each zone"),
        ("prune stale replication slots every night", "Prune stale replication slots every night"),
        ("install the node exporter on the bastion hosts", "Install the node exporter on the bastion hosts"),
        ("minimise what one config push can reach", "Minimise what one config push can reach"),
        # a verb that is as often a noun: the verb before what it acts on, else the head of a thing to add
        ("log the rejected webhook payloads", "Log the rejected webhook payloads"),
        ("lock down the admin console to the VPN", "Lock down the admin console to the VPN"),
        ("log retention for the audit bucket", "Add log retention for the audit bucket"),
        ("release notes for every schema change", "Add release notes for every schema change"),
        ("queue depth alerts on the mail workers", "Add queue depth alerts on the mail workers"),
    ],
)
def test_a_follow_up_opening_with_a_listed_verb_keeps_it(phrase: str, title: str) -> None:
    assert verb_first(phrase) == title
    assert verb_first_metric(title)


def test_and_before_a_verb_that_is_as_often_a_noun_splits_only_before_what_it_acts_on() -> None:
    assert drafter._AND_VERB.split("pin the base image and log the image digest") == ["pin the base image", "log the image digest"]
    assert drafter._AND_VERB.split("connection timeouts and load shedding") == ["connection timeouts and load shedding"]


def test_how_long_the_work_in_hand_takes_is_no_action() -> None:
    assert verb_first("take a while but should be usable") == ""  # "will take a while": the rebuild under way
    assert verb_first("take a snapshot of the volume before each migration") == "Take a snapshot of the volume before each migration"
    assert verb_first("rewrite the cleanup job to delete in batches") == "Rewrite the cleanup job to delete in batches"
