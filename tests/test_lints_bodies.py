"""Timeline entries, action items and contributing factors read out of real documents' section bodies."""

from __future__ import annotations

import pytest

from pmstudio.check import check_markdown
from pmstudio.lints.bodies import read_bodies
from pmstudio.lints.outline import Outline


def read(md: str) -> Outline:
    return read_bodies(md, Outline(structured=False))


@pytest.mark.parametrize(
    "body",
    [
        "- 12:31: the library is removed\n- 12:40: errors appear\n- 13:28: extension re-enabled",
        "**16:40** - change merged\n**16:44** - EU traffic in us-east\n**18:18** - resolved",
        "09:12 UTC: tagged\n09:20 UTC: docs job runs\n15:16 UTC: Fix deployed on production",
        "- 02:00–02:40 UTC: exports run\n- 02:41 UTC: SFTP refuses\n- 04:10–04:35 UTC: bridge",
        "| Time | Event |\n|---|---|\n| 19:10 | starts |\n| 19:12 | 503s |\n| 19:36 | back |",
        "| Date | Time (UTC) | Event |\n|---|---|---|\n| 2024-04-02 | 10:00 | expires |\n| 2024-04-02 | 10:14 | alert |\n| 2024-04-02 | 12:05 | back |",
        "### 2023-03-14 17:05\n\nchecks stuck\n\n### 2023-03-14 17:22\n\nerror found\n\n### 2023-03-14 20:55\n\nlive",
        "### 09:50\n\nnoticed\n\n### 10:05\n\nlag found\n\n### 11:50\n\ncaught up",
        "### 2024 March 3 22:52 UTC\n\nsplit\n\n### 2024 March 3 22:54 UTC\n\nalerts\n\n### 2024 March 4 04:04 UTC\n\nfixed",
        "At 7:02 a.m. PST, errors rose.\n\nAround 8:15 a.m. PST, we escalated.\n\nBy 10:10 a.m. PST, recovered.",
        "- 2024-01-09: report received\n- 2024-01-16: release published\n- 2024-01-19: exploited at 06:41 UTC",
        "- Monitoring saw the bot offline on June 3rd at 11:22pm UTC.\n- Imogen acknowledged at 12:14am UTC.\n- Back at 3:03am UTC.",
        "1. 13:02 — clean-up applied\n2. 13:03 — uploads fail\n3. 14:13 — policy restored",
        "- 21 Mar 2024, 08:00 — expires\n- 21 Mar 2024, 08:06 — calls\n- 21 Mar 2024, 09:35 — logins work",
    ],
)
def test_timeline_shapes(body: str) -> None:
    doc = read(f"# X\n\n## Timeline\n\n{body}\n")
    assert len(doc.entries) == 3, [e.text for e in doc.entries]


def test_a_stamped_section_is_a_timeline_whatever_its_heading() -> None:
    doc = read("# X\n\n## 2024-07-20, Berlin time\n\n| Time | Event |\n|--|--|\n| 19:10 | a |\n| 19:11 | b |\n| 19:58 | c |\n")
    assert [e.clock for e in doc.entries] == [19 * 60 + 10, 19 * 60 + 11, 19 * 60 + 58]


def test_code_blocks_and_quotes_are_not_entries() -> None:
    doc = read("# X\n\n## Timeline\n\n- 10:00 start\n\n```\n10:01 ERROR failed\n```\n\n> 10:02 quoted\n")
    assert len(doc.entries) == 1


ACTIONS = """# X

## Action Items

- [x] Roll back the change (OPS-2214)
- [ ] Add a covering index
- Page on importer errors. **(Done as of 2022-11-04)**
- Document the manual build ([#515][issue-515]).
- ~~Move exports to a bigger disk~~ (not needed)
- Re-resolve the hostname on errors (owner: platform, #881)
- Add a size check to the generator.

| # | Item | Status |
|---|---|---|
| 1 | Delete temporary files | ✅ done |
| 2 | Per-client retry budget | 🔲 open, owner: on-call lead |

## Lessons

Action point: keep a public announcement list. This has been done.

[issue-515]: https://example.org/515
"""


def test_action_items_done_and_tracked() -> None:
    doc = read(ACTIONS)
    got = {a.title: (a.done, bool(a.tracker), a.owner) for a in doc.actions}
    assert got["Roll back the change"] == (True, True, "")
    assert got["Add a covering index"] == (False, False, "")
    assert got["Page on importer errors."][0] is True
    assert got["Document the manual build"] == (False, True, "")
    assert got["~~Move exports to a bigger disk~~"][0] is True
    assert got["Re-resolve the hostname on errors"] == (False, True, "platform")
    assert got["Delete temporary files"][0] is True
    assert got["Per-client retry budget"] == (False, False, "on-call lead")
    assert any(t.startswith("keep a public announcement list") for t in got)
    assert len(doc.actions) == 10


def test_no_owner_finding_for_done_or_tracked_items() -> None:
    report = check_markdown(ACTIONS)
    c8 = [loc.finding.span for loc in report.findings if loc.finding.rule.startswith("C8")]
    assert c8 == ["Add a covering index", "Add a size check to the generator."]


def test_contributing_factors_counted_from_bullets() -> None:
    md = "# X\n\n## Root cause\n\nA thing.\n\n## Contributing factors\n\n- one\n- two\n- three\n"
    doc = read(md)
    assert len(doc.factors) == 3
    assert not [loc for loc in check_markdown(md).findings if loc.finding.rule.startswith("C7")]


def test_phases_from_wider_vocabulary() -> None:
    md = (
        "# X\n\n## Timeline\n\n09:20 UTC: Docs job runs.\n11:47 UTC: A user opens an issue: the changelog is missing.\n"
        "15:16 UTC: Fix deployed on production.\n"
    )
    assert [e.phase for e in read(md).entries] == [None, "detection", "mitigation"]
    assert not [loc for loc in check_markdown(md).findings if loc.finding.rule.startswith("C3")]
