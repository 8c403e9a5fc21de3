"""Every built-in template: the example drafted in it, checked against it (0 high), fitted back to itself;
nothing drafted is dropped (Other notes); check judges sections tolerantly and only against one template."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pmstudio.ingest import load_bundle
from pmstudio.lints import lint_markdown
from pmstudio.mdparse import segments_from_markdown
from pmstudio.orchestrator import DraftSettings, draft_postmortem
from pmstudio.render import render_markdown
from pmstudio.schema import Bundle, DraftRecord
from pmstudio.templates import OTHER_NOTES, Template, best_fit, builtin_names, load_template, seed_template

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "examples" / "docsrs-disk-full"


@pytest.fixture(scope="module")
def drafted() -> tuple[DraftRecord, Bundle]:
    bundle, _ = load_bundle(str(EXAMPLE))
    record = asyncio.run(
        draft_postmortem(bundle, model="offline", prompt_set="default", settings=DraftSettings())
    )
    assert record.postmortem is not None
    return record, bundle


def test_at_least_five_builtins_modelled_on_public_templates() -> None:
    assert set(builtin_names()) >= {"seed", "google-sre", "pagerduty", "atlassian", "minimal"}
    assert [s.heading for s in load_template("google-sre").sections][:4] == [
        "Summary",
        "Impact",
        "Root Causes",
        "Trigger",
    ]
    assert "How'd We Do?" in [s.heading for s in load_template("pagerduty").sections]
    assert {"Leadup", "Fault", "Five whys", "Corrective actions"} <= {
        s.heading for s in load_template("atlassian").sections
    }


@pytest.mark.parametrize("name", builtin_names())
def test_example_drafted_in_each_template_has_no_high_finding_against_it(
    name: str, drafted: tuple[DraftRecord, Bundle]
) -> None:
    record, bundle = drafted
    assert record.postmortem is not None
    tpl = load_template(name)
    md = render_markdown(record.postmortem, bundle=bundle, critic=record.critic, template=tpl)
    for section in tpl.sections:
        assert f"{'#' * section.level} {section.heading}\n" in md
    found = lint_markdown(md, template=tpl, declared=True)
    assert [f for f in found if f.severity == "high"] == []
    assert [f for f in found if f.rule == "C1-missing-section" and "missing" in f.message] == []
    fit = best_fit(md)
    assert fit is not None and fit.template.name == name, fit


@pytest.mark.parametrize("name", builtin_names())
def test_content_without_a_place_goes_to_other_notes(name: str, drafted: tuple[DraftRecord, Bundle]) -> None:
    record, bundle = drafted
    pm = record.postmortem
    assert pm is not None
    md = render_markdown(pm, bundle=bundle, template=name)
    seed_md = render_markdown(pm, bundle=bundle)
    # every cited evidence id and every factor / action title the seed layout shows is shown here too
    for needle in [a.title for a in pm.actions.action_items] + [
        f.title for f in pm.root_cause.contributing_factors
    ]:  # type: ignore[union-attr]
        assert needle in md, (name, needle)
    for claim in [*pm.lessons.technical, *pm.lessons.process, *pm.actions.prevention.monitoring]:  # type: ignore[union-attr]
        assert claim.text.strip() in md, (name, claim.text)
    for entry in pm.timeline.entries:  # type: ignore[union-attr]
        assert entry.text.strip() in md
    assert (f"## {OTHER_NOTES}" in md) == (name != "seed")
    assert f"## {OTHER_NOTES}" not in seed_md


def test_other_notes_never_raise_a_finding_of_another_template(drafted: tuple[DraftRecord, Bundle]) -> None:
    record, bundle = drafted
    assert record.postmortem is not None
    md = render_markdown(record.postmortem, bundle=bundle, template="minimal")
    _segs, doc = segments_from_markdown(md, load_template("minimal"))
    assert doc.present == [s.key for s in load_template("minimal").sections]


HANDWRITTEN = """\
# Incident 42: search outage

## 1. Summary
Search was down for 40 minutes after a config push; a rollback restored it.

## 2. Impact
About 12,000 searches failed (roughly 30% of traffic) between 14:02 and 14:42 UTC.

## 3. Timeline (times in BST)
- 15:02 BST: error rate alert fired and paged the on-call engineer
- 15:20 BST: config push identified as the trigger
- 15:42 BST: rollback completed, error rate back to normal, resolved

## 4. Root Causes:
The push changed a cache size without a canary.

### Contributing factors
- **CF1 No canary stage:** config reached every host at once
- **CF2 No validation:** the size was not range-checked

### Action items
- [ ] Add a canary stage for config pushes (CF1) - Owner: search team - Due: 2024-07-01
- [ ] Range-check cache sizes in CI (CF2) - Owner: search team - Priority: P1
"""


def test_check_matches_headings_tolerantly_and_judges_one_template() -> None:
    fit = best_fit(HANDWRITTEN)
    assert fit is not None and fit.template.name == "minimal", fit
    found = lint_markdown(HANDWRITTEN)  # auto: best fit, not declared
    assert not [f for f in found if f.rule == "C1-missing-section"], found
    assert not [f for f in found if f.rule.startswith("C3")], (
        "numbered, qualified headings and an H3 are read"
    )
    assert not [f for f in found if f.severity == "high"], found
    _segs, doc = segments_from_markdown(HANDWRITTEN, load_template("minimal"))
    assert len(doc.entries) == 3 and len(doc.factors) == 2 and len(doc.actions) == 2


def test_sections_only_another_template_has_are_never_high() -> None:
    # a PagerDuty-shaped document lacks the seed's Prevention Strategies, Supporting Information...
    md = HANDWRITTEN.replace("## 2. Impact", "## What Happened\nA push.\n\n## 2. Impact")
    md = md.replace("### Action items", "### Later")  # an H3 "Action items" would count (H2 or H3)
    guessed = lint_markdown(md, template=seed_template(), declared=False)
    assert [f for f in guessed if f.rule == "C1-missing-section" and f.severity == "high"] == []
    assert {f.span for f in guessed if f.rule == "C1-missing-section"} >= {
        "Prevention Strategies",
        "Supporting Information",
    }
    declared = lint_markdown(md, template=seed_template(), declared=True)
    assert {f.span for f in declared if f.rule == "C1-missing-section" and f.severity == "high"} == {
        "Action Items"
    }
    assert lint_markdown("## Notes\n\nNothing structured here.\n", template="auto") == []


def test_a_templates_lints_decide_which_content_rules_apply() -> None:
    one_factor = HANDWRITTEN.replace("- **CF2 No validation:** the size was not range-checked\n", "")
    minimal = load_template("minimal")
    assert "C7-few-factors" in {f.rule for f in lint_markdown(one_factor, template=minimal, declared=True)}
    raw = minimal.model_dump(by_alias=True, exclude={"path"})
    for section in raw["sections"]:
        section["lints"] = [x for x in section["lints"] if not x.startswith("C7")]
    quiet = Template.model_validate(raw)
    assert "C7-few-factors" not in {f.rule for f in lint_markdown(one_factor, template=quiet, declared=True)}
