"""Which claims the executive summary may state as facts (offline.statement, issue 11 item 5)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pmstudio.offline.statement import stateable
from pmstudio.offline.summary import _done_sentence


@pytest.mark.parametrize(
    "text",
    [
        "we're was down because the software raid was too polite to drop a dead disk",
        "iowait was a dead end a responder thinks",
        "[TRIGGERED] api error rate > 1% (api.stripe.com)",
        "May 19 - Update - We experienced approximately 5 minutes of downtime",
        "Microsoft 365 MO244568 - Investigating - Users may be unable to access services",
        "Paged: authz-service error rate critical, pods restarting",
        "AWS warning: ingress load balancer could not scale",
        "in the logs: route reflector nodeSelector was master",
        "lots of code assumed that",
        "first thought was an attack, but it was every box at once",
        "Users thought we lost their stuff",
        "If your run exited without errors, the archive was there",
        "who thought putting people without access on the pager was a good idea",
    ],
)
def test_a_voice_a_guess_a_record_or_a_cut_off_clause_is_not_stated(text: str) -> None:
    assert not stateable(text)


@pytest.mark.parametrize(
    "text",
    [
        "At peak about 0.2% of DNS queries and under 1% of HTTP requests failed",
        "YouTube: views were down 2.5% for one hour",
        "Affected: all Silo users",
        "the workflows were programming LBs from state records that were missing",
        "I/O wait on the US region's database hosts rose to 90%",
    ],
)
def test_a_plain_fact_is_stated(text: str) -> None:
    assert stateable(text)


def test_mitigation_sentence_keeps_the_time_and_drops_a_firing_alert_or_a_voice() -> None:
    at = datetime(2017, 10, 6, 11, 33, tzinfo=UTC)
    told = _done_sentence("a responder reported [FIRING:1] HighErrorRate web 500s 7.2%", at)
    assert told == "The impact was mitigated at 2017-10-06 11:33 UTC"
    assert (
        _done_sentence("[FIRING:1] HighErrorRate web 500s", at)
        == "The impact was mitigated at 2017-10-06 11:33 UTC"
    )
    assert _done_sentence("we had restored the data and were working through them", at).endswith("11:33 UTC")
    assert _done_sentence("a responder rolled back the deploy", at).endswith(
        "when a responder rolled back the deploy"
    )


def test_mitigation_told_per_a_responder_keeps_only_what_reads_as_a_fact() -> None:
    at = datetime(2024, 8, 29, 21, 30, tzinfo=UTC)
    told = _done_sentence(
        "Per a responder, the DNS change had been reverted, and depending on your local DNS caching it could take 15 minutes",
        at,
    )
    assert (
        told
        == "The impact was mitigated at 2024-08-29 21:30 UTC; per a responder, the DNS change had been reverted"
    )


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Why the second router died was still unknown at the time.", False),
        ("How the flag reached production remains unclear.", False),
        ("why did the second router die", True),
        ("Who approved this change", True),
        # "anyone" as the subject of what happened to them tells; "anyone" asking for someone asks
        ("Anyone opening the status site got certificate errors because the certificate had expired.", False),
        ("anyone who used the old download link was sent to a 404", False),
        ("anyone seeing 502s on the api", True),
        ("anyone know what changed? it was fine at noon", True),
        ("anyone using the mirror had a bad time?", True),
        ("Anyone who installed the nightly on Linux via pip between 25 and 30 December.", False),
        ("anyone who installed the beta?", True),
    ],
)
def test_a_sentence_whose_subject_is_an_open_question_asks_nothing(text: str, question: bool) -> None:
    from pmstudio.offline.tone import QUESTION

    assert bool(QUESTION.search(text)) is question


@pytest.mark.parametrize(
    ("text", "blameful"),
    [
        ("We thought router-ids had to be unique at the IXs. They did not, only inside our IGP.", False),
        ("They did not.", False),
        ("he didn't check the config before pushing", True),
    ],
)
def test_an_elliptic_they_did_not_blames_nobody(text: str, blameful: bool) -> None:
    from pmstudio.offline.phrasing import is_blameful

    assert is_blameful(text) is blameful


def test_a_question_after_a_dash_is_dropped_and_the_report_before_it_kept() -> None:
    from pmstudio.offline.tone import without_questions

    assert without_questions('all my e2e jobs fail with "failed to acquire project" - is something down?') == (
        'all my e2e jobs fail with "failed to acquire project"'
    )
    assert without_questions("rollback - done") == "rollback - done"
