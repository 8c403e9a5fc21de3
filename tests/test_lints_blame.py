"""Blame lints (B1-B8): what they catch, the false-alarm guards, severities, suggestions, the lexicon file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pmstudio.lints import lint_blame, lint_markdown, load_lexicon, segments_from_postmortem
from pmstudio.lints.lexicon import parse_lexicon
from pmstudio.lints.segments import Segment, SegmentKind, mask
from pmstudio.schema import Finding, Material, PostMortem

PEOPLE = ["Dana", "Sam", "priya", "Will", "May"]
DATA = Path(__file__).parent / "data" / "lints"


def lint(
    text: str, section: str = "timeline", kind: SegmentKind = "narrative", **kw: object
) -> list[Finding]:
    return lint_blame([Segment(section=section, field="f", text=text, kind=kind)], people=PEOPLE, **kw)  # type: ignore[arg-type]


def rules(text: str, section: str = "timeline", kind: SegmentKind = "narrative") -> list[tuple[str, str]]:
    return [(f.rule, f.span) for f in lint(text, section, kind)]


@pytest.mark.parametrize(
    ("text", "rule", "span"),
    [
        ("Sam's deploy broke checkout.", "B1-person-as-cause", "Sam's deploy broke"),
        ("The outage was caused by Sam's config change.", "B1-person-as-cause", "caused by Sam"),
        ("Priya forgot to renew the certificate.", "B1-person-as-cause", "Priya forgot"),
        (
            "Dana accidentally ran the migration against production.",
            "B1-person-as-cause",
            "Dana accidentally ran",
        ),
        ("Sam ran the wrong script on the primary.", "B1-person-as-cause", "Sam ran the wrong script"),
        ("The team wrongly flagged the account as unpaid.", "B1-person-as-cause", "The team wrongly flagged"),
        ("Sam restarted the wrong database.", "B1-person-as-cause", "Sam restarted the wrong database"),
        ("Dana bounced the web hosts without telling anyone.", "B1-person-as-cause", "Dana bounced the web hosts without telling"),
        (
            "The on-call engineer ignored the disk alert.",
            "B1-person-as-cause",
            "The on-call engineer ignored",
        ),
        (
            "Sam's commit introduced the memory leak.",
            "B1-person-as-cause",
            "Sam's commit introduced the memory leak",
        ),
        (
            "Dana pushed release 291 without testing it.",
            "B1-person-as-cause",
            "Dana pushed release 291 without testing",
        ),
        ("It was entirely Sam's fault.", "B1-person-as-cause", "Sam's fault"),
        ("That one's on the platform team.", "B1-person-as-cause", "That one's on the platform team"),
        ("Dana did not check the dashboard.", "B1-person-as-cause", "Dana did not check"),
        ("The root cause was human error.", "B2-human-error", "human error"),
        ("Operator error left the primary read-only.", "B2-human-error", "Operator error"),
        ("A careless edit blocked all traffic.", "B2-human-error", "careless"),
        ("This was a simple mistake by an engineer.", "B2-human-error", "a simple mistake"),
        ("The failure came from a mistake by an engineer.", "B2-human-error", "mistake by an engineer"),
        ("Sam should have checked the hostname.", "B3-counterfactual", "Sam should have checked"),
        ("We could have caught this in review.", "B3-counterfactual", "We could have caught"),
        (
            "The on-call engineer failed to escalate.",
            "B3-counterfactual",
            "The on-call engineer failed to escalate",
        ),
        ("If only Dana had looked at the logs.", "B3-counterfactual", "If only Dana had looked"),
        ("The outage would be shorter, if only the alert had paged.", "B3-counterfactual", "if only"),
        ("Had Sam run the canary, nothing would have broken.", "B3-counterfactual", "Had Sam run"),
        (
            "The change should have been reviewed by a second engineer.",
            "B3-counterfactual",
            "should have been reviewed",
        ),
        (
            "Someone should have actually checked the output.",
            "B3-counterfactual",
            "Someone should have actually checked",
        ),
        ("Deploying on a Friday was a ridiculous decision.", "B5-judgmental", "ridiculous"),
        ("Nobody load tested this!!!", "B5-judgmental", "!!!"),
        ("The engineer simply restarted the service.", "B6-condescending", "simply"),
        ("Obviously the threshold was too high.", "B6-condescending", "Obviously"),
        ("We would never ship like that team does.", "B8-distancing", "We would never"),
    ],
)
def test_catches(text: str, rule: str, span: str) -> None:
    assert (rule, span) in rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "Dana rolled back deploy 4512.",
        "Sam deployed version 2.14.0 at 18:37 UTC.",
        "Priya triggered a failover to the secondary region.",
        "Dana's rollback restored checkout.",
        "Sam noticed that the deploy broke checkout.",
        "Dana introduced a feature flag to route traffic away from the failing shard.",
        "The job failed to start.",
        "The pods restarted because they failed to pass health checks.",
        "Our monitoring failed to detect the memory growth.",
        "The Postgres operator failed to reconcile the replica set.",
        "This could have been much worse.",
        "The canary would have caught the bad config.",
        "We did not have an alert on disk usage.",
        "We do not attribute this to human error.",
        "This was not human error: the CLI accepted the wrong cluster.",
        "The user error rate stayed flat.",
        "The alert fired just after the deploy.",
        "Errors rose to just under 5%.",
        "Alerts were clearly labelled.",
        'A responder wrote "who pushed this?? human error again" in the channel.',
        "The step `rm -rf /` was never run.",
        "The engineer error budget was not affected.",
        "Will confirmed that the error rate was back under 1%.",
        "The job will fail to start without the secret.",
        "May posted an update; the deploy in May broke nothing.",
        "Refunds (15:56 UTC) went to everyone who missed a slot where the relay served an invalid header.",
        "Credits for anyone who lost data are being processed.",
        "The provider's billing system flagged the team wrongly and suspended the account.",
    ],
)
def test_guards(text: str) -> None:
    assert rules(text) == []


def test_should_is_fine_in_action_items_but_should_have_is_not() -> None:
    assert rules("Dashboards should show pool saturation.", "actions", "action") == []
    assert rules("Every service should have an owner.", "actions", "action") == []
    found = lint("Engineers should have tested this in staging.", "actions", "action")
    assert [(f.rule, f.severity) for f in found] == [("B3-counterfactual", "medium")]


def test_owner_and_quote_segments_are_not_blame_checked() -> None:
    assert rules("Sam broke it", "actions", "owner") == []
    assert rules("sam: human error, dana should have checked", "appendix", "quote") == []


@pytest.mark.parametrize(
    ("section", "kind", "severity"),
    [("timeline", "narrative", "high"), ("summary", "narrative", "high"), ("impact", "narrative", "high"),
     ("root_cause", "narrative", "high"), ("lessons", "narrative", "medium"), ("supporting", "narrative", "medium"),
     ("actions", "action", "medium")],
)  # fmt: skip
def test_counterfactual_severity_by_section(section: str, kind: SegmentKind, severity: str) -> None:
    found = lint("Sam should have checked the dashboard.", section, kind)
    assert [(f.rule, f.severity, f.section) for f in found] == [("B3-counterfactual", severity, section)]


def test_behaviour_remediation_severity() -> None:
    assert {(f.rule, f.severity) for f in lint("Remind engineers to be careful.", "actions", "action")} == {
        ("B4-behaviour-remediation", "high")
    }
    assert [(f.rule, f.severity) for f in lint("Engineers need to be more careful.", "lessons")] == [
        ("B4-behaviour-remediation", "medium")
    ]
    assert rules("Retrain the anomaly model on the new baseline.", "actions", "action") == []
    assert (
        rules("Send a reminder e-mail from the rotation job before certificates expire.", "actions", "action")
        == []
    )


def test_outage_only_flagged_for_partial_degradation() -> None:
    text = "The outage lasted 20 minutes."
    assert lint(text, "summary") == []
    assert [f.rule for f in lint(text, "summary", severity="medium")] == ["B7-severity-inflation"]


def test_lowercase_chat_names_and_common_word_names() -> None:
    assert ("B1-person-as-cause", "Priya forgot") in rules("Priya forgot the flag.")
    assert ("B1-person-as-cause", "priya forgot") in rules("priya forgot the flag.")
    assert rules("The team will break the work into smaller changes.") == []
    assert ("B1-person-as-cause", "Will forgot") in rules("Will forgot to renew the certificate.")


def test_role_words_count_without_people() -> None:
    found = lint_blame(
        [
            Segment(
                section="timeline",
                field="f",
                text="The SRE on duty mistakenly drained the node.",
                kind="narrative",
            )
        ],
        people=[],
    )
    assert [f.rule for f in found] == ["B1-person-as-cause"]
    found = lint_blame(
        [Segment(section="timeline", field="f", text="Sam's deploy broke checkout.", kind="narrative")],
        people=[],
    )
    assert found == []


def test_suggestions_are_concrete_rewrites() -> None:
    by_rule = {f.rule: f.suggestion for f in lint("Sam's deploy broke checkout.")}
    assert '"The deploy broke checkout."' in by_rule["B1-person-as-cause"]
    assert (
        '"The certificate was not renewed"'
        in lint("The on-call engineer forgot to renew the certificate.")[0].suggestion
    )
    assert (
        '"The outage was caused by a config change."'
        in lint("The outage was caused by Sam's config change.")[0].suggestion
    )
    assert (
        '"The dashboard was not checked before deploying"'
        in lint("Sam should have checked the dashboard before deploying.")[0].suggestion
    )
    assert "system condition" in lint("The root cause was human error.")[0].suggestion
    assert (
        lint("The engineer simply restarted the service.")[0].suggestion
        == '"The engineer restarted the service."'
    )


def test_one_finding_per_overlapping_span() -> None:
    found = lint("Sam's mistake caused the outage.")
    assert [f.rule for f in found] == ["B1-person-as-cause"]
    found = lint("The deploy failed because of engineer error.")
    assert [(f.rule, f.span) for f in found] == [("B2-human-error", "engineer error")]


def test_mask_keeps_offsets() -> None:
    text = 'Sam said "human error" (evidence: chat.txt:4) in `code` at https://x.example/a REDACTED_EMAIL_1.'
    masked = mask(text)
    assert len(masked) == len(text)
    assert (
        "human" not in masked
        and "chat.txt" not in masked
        and "code" not in masked
        and "REDACTED" not in masked
    )
    assert masked.startswith("Sam said")


def test_segments_from_postmortem_kinds() -> None:
    raw = json.loads((DATA / "checkout-pool-2024-05-01.json").read_text())
    pm = PostMortem.model_validate(raw["postmortem"])
    segs = segments_from_postmortem(pm)
    kinds = {(s.section, s.field): s.kind for s in segs}
    assert kinds[("timeline", "entries[5].text")] == "narrative"
    assert kinds[("actions", "action_items[0].title")] == "action"
    assert kinds[("actions", "action_items[0].owner")] == "owner"
    assert kinds[("actions", "prevention.technical[0].text")] == "action"
    assert kinds[("header", "author")] == "owner"
    assert ("header", "title") not in kinds, "the header title repeats the summary title"
    assert all(s.text.strip() for s in segs)


def test_lexicon_loads_and_reports_broken_files(tmp_path: Path) -> None:
    lex = load_lexicon()
    assert lex.data.B1.rule == "B1-person-as-cause" and len(lex.patterns["B2"]) >= 5
    with pytest.raises(ValueError, match=r"nope\.yaml: cannot read lexicon"):
        load_lexicon(str(tmp_path / "nope.yaml"))
    with pytest.raises(ValueError, match=r"x\.yaml: invalid lexicon YAML"):
        parse_lexicon("a: [b", "x.yaml")
    with pytest.raises(ValueError, match=r"x\.yaml: invalid lexicon \(version"):
        parse_lexicon("version: one", "x.yaml")
    text = (Path(__file__).parent.parent / "src/pmstudio/data/lexicon.yaml").read_text()
    broken = text.replace("'\\bcareless(?:ness|ly)?\\b'", "'\\bcareless(?:ness'")
    assert broken != text
    with pytest.raises(ValueError, match=r"x\.yaml: invalid pattern"):
        parse_lexicon(broken, "x.yaml")


@pytest.mark.parametrize(
    ("text", "rule", "span"),
    [
        ("The on-call engineer lied about the rollback.", "B5-judgmental", "lied"),
        ("Release notes called the reviewers liars.", "B5-judgmental", "liars"),
        ("The outage came down to human error.", "B2-human-error", "human error"),
        ("It was a careless push to production.", "B2-human-error", "careless"),
        ("Deploying on a Friday was a pathetic call.", "B5-judgmental", "pathetic"),
        ("No excuse for skipping the canary.", "B5-judgmental", "No excuse"),
        ("how many times do we have to say no static creds", "B5-judgmental", "how many times do we"),
    ],
)
def test_the_critic_and_the_drafter_take_the_same_words_for_blame(text: str, rule: str, span: str) -> None:
    """One list (lexicon.yaml B2, B5): what the critic flags there, the offline drafter drops from the evidence."""
    from pmstudio.offline.phrasing import _lexicon_blame, is_blameful

    assert (rule, span) in rules(text)
    assert is_blameful(text) and _lexicon_blame().search(text)


def test_a_question_how_many_times_something_happened_is_no_blame() -> None:
    """Exasperation ("how many times do we have to say ...", Sumo Logic 2023's chat) judges; counting does not."""
    from pmstudio.offline.phrasing import is_blameful

    assert rules("How many times did the job retry before the page?") == []
    assert not is_blameful("how many times did the importer restart overnight")


def test_only_the_critic_judges_punctuation() -> None:
    from pmstudio.offline.phrasing import is_blameful

    lex = load_lexicon()
    critic_only = [(cls, p.regex.pattern) for cls in lex.patterns for p in lex.patterns[cls] if not p.drafter]
    assert critic_only == [("B5", r"!{2,}|\?!|!\?")]
    assert ("B5-judgmental", "!!") in rules("The site was down for everyone!!")
    assert not is_blameful("The site was down for everyone!!")


def test_a_blame_word_that_only_modifies_a_measure_after_an_actor_is_no_blame() -> None:
    """"the team's error rates were flat" tells a measure; "it was the team's error that broke checkout" blames."""
    def b1(line: str) -> list[str]:
        md = f"# T\n\n## Timeline\n\n- 20:49 UTC - {line}\n"
        return [f.rule for f in lint_markdown(md) if f.rule.startswith("B1")]

    assert b1("Per a responder, the team's error rates were flat though.") == []
    assert b1("It was the team's error that broke checkout.") == ["B1-person-as-cause"]


def _offline_draft(prompt_set: str, chat: Material, notice: Material, *, tz: str) -> tuple[str, list[str]]:
    """A chat and a third party's notice drafted offline on `prompt_set`: the Markdown before the Review Notes, and
    the rules of the critic's findings."""
    from pmstudio.ingest import bundle_from_materials
    from pmstudio.orchestrator import draft_sync
    from pmstudio.render import render_markdown

    bundle, _ = bundle_from_materials([chat, notice], id="t", timezone=tz, title="Upstream notice")
    record = draft_sync(bundle, model="offline", prompt_set=prompt_set)
    assert record.postmortem is not None and record.critic is not None
    md = render_markdown(record.postmortem, bundle=bundle, critic=record.critic)
    return md.split("## Review Notes")[0], [f.rule for f in record.critic.findings]


@pytest.mark.parametrize("prompt_set", ["default", "seed-single-shot"])
def test_an_act_told_done_in_error_never_reaches_an_offline_draft(prompt_set: str) -> None:
    """"the contractor disconnected the THW-LD8 fibre in error while tracing the faulty pair" puts a role at the
    cause, as the critic's B1 reads it ("The contractor unplugged the fibre in error"): the offline drafter drops
    that clause from the evidence it writes from, on both prompt sets (the single-shot set has no revision to fix
    it), so no draft carries it and the critic finds no blame; "pods in error state" stays a state."""
    from pmstudio.offline.phrasing import is_blameful

    assert ("B1-person-as-cause" in {r for r, _ in rules("The contractor unplugged the fibre in error.")})
    assert is_blameful("the contractor disconnected the fibre in error while tracing the faulty pair")
    assert not is_blameful("three pods in error state since 12:10")
    md, found = _offline_draft(
        prompt_set,
        Material(name="noc-chat.txt", kind="chat", content=(
            "[2022-02-11 12:10] nms: LD8 unreachable, BNG-LD8 sessions dropping\n"
            "[2022-02-11 12:30] gareth: all PPP sessions back\n"
        )),
        Material(name="carrier-mail.eml", kind="ticket", content=(
            "From: noc@carrier.example   Date: Sat, 12 Feb 2022 13:05:12 +0000\n"
            "Subject: RE: fault\n"
            "the contractor disconnected the THW-LD8 fibre in error while tracing the faulty pair.\n"
        )),
        tz="Europe/London",
    )  # fmt: skip
    assert "in error" not in md
    assert not [r for r in found if r.startswith("B1")]


def test_fault_joined_to_another_word_is_a_name_not_blame() -> None:
    """A material named "fault-report-notes.md" in the Supporting Information's time readings, or a "fault-finding
    session", names a document or a task: no blame, so the draft keeps the line; "whose fault was this" and "the
    fault was mine" still judge."""
    from pmstudio.offline.phrasing import is_blameful

    assert not is_blameful("Times in fault-report-notes.md without a zone were read as Europe/London.")
    assert not is_blameful("A fault-finding session with the carrier started at 10:40.")
    assert not is_blameful("The design is fault-tolerant across two zones.")
    assert is_blameful("whose fault was this")
    assert is_blameful("honestly the fault was mine")


def test_not_recognising_something_seen_is_an_observation_not_blame() -> None:
    """A first-person "a process I don't recognise" becomes "a process a responder did not recognise" in the draft:
    what a responder saw and could not place, no deed left undone; "the on-call engineer did not escalate" still
    tells a person as the cause, and "did not know its internals" a gap laid on a person (left out, as before)."""
    from pmstudio.offline.phrasing import is_blameful

    assert not is_blameful("an unknown binary a responder did not recognise was running under a service account")
    assert is_blameful("a responder did not know the cron job existed")
    assert is_blameful("the on-call engineer did not escalate for an hour")


@pytest.mark.parametrize("prompt_set", ["default", "seed-single-shot"])
def test_a_blame_adverb_after_a_person_is_dropped_and_what_happened_kept(prompt_set: str) -> None:
    """A carrier's notice "during their maintenance they inadvertently withdrew our prefixes" judges whoever "they"
    were: the critic's B1 adverbs after a person or role mark a clause as blame, and the drafter keeps the clause
    without the adverb, so even the single-shot set (no revision) carries no B1 finding and still tells what happened."""
    from pmstudio.offline.phrasing import is_blameful, unjudged

    assert is_blameful("they inadvertently withdrew our prefixes") and is_blameful("someone then accidentally deleted it")
    assert not is_blameful("the upgrade inadvertently withdrew our prefixes")  # no person: the critic's B1 is silent too
    assert unjudged("during which they inadvertently withdrew our prefixes") == "during which they withdrew our prefixes"
    md, found = _offline_draft(
        prompt_set,
        Material(name="edge-chat.txt", kind="chat", content=(
            "[2023-05-02 03:10] mira: inbound traffic on the transit link fell to zero\n"
            "[2023-05-02 03:41] mira: traffic is back on the transit link\n"
        )),
        Material(name="carrier-notice.txt", kind="ticket", content=(
            "2023-05-02 09:00 Update: the carrier was upgrading route reflectors in their core, during which they\n"
            "inadvertently withdrew our prefixes for about 30 minutes. Our sessions stayed up, so nothing failed over.\n"
        )),
        tz="UTC",
    )  # fmt: skip
    assert not [r for r in found if r.startswith("B1")]
    prose = re.sub(r"```.*?```", "", md, flags=re.S)  # raw excerpts quoted as evidence stay as written
    assert "inadvertently" not in prose and "withdrew our prefixes" in prose


def test_undoing_a_defective_change_is_the_fix_not_blame() -> None:
    """"A responder removed the bad config" and "rolled back the faulty release" tell the fix (INKY 2021's offline
    single-shot draft failed make eval's blameless gate on the first); undoing the wrong thing ("deleted the wrong
    table", "restarted the incorrect node") and shipping a bad one ("pushed a bad config", "rolled the bad build to
    prod") still put a person at the cause."""
    for text in ("A responder removed the bad config, restarting services.", "Sam rolled back the faulty release.",
                 "Dana disabled the broken feature flag.", "Will reverted the buggy commit."):  # fmt: skip
        assert not [r for r, _ in rules(text) if r.startswith("B1")], text
    for text in ("Sam deleted the wrong table.", "Priya restarted the incorrect node.", "Sam pushed a bad config.",
                 "Sam rolled the bad build to prod.", "Dana restarted the database without telling anyone."):  # fmt: skip
        assert "B1-person-as-cause" in {r for r, _ in rules(text)}, text
