"""pmstudio.ui: escaping incident text for Markdown elements, uploads to materials, section layout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pmstudio.evals.metrics import METRICS
from pmstudio.ingest import BundleError
from pmstudio.orchestrator import DraftSettings, draft_sync
from pmstudio.render import render_markdown
from pmstudio.schema import SECTION_NAMES
from pmstudio.testing.factories import sample_bundle
from pmstudio.ui import (
    METRIC_SECTIONS,
    SECTION_TITLES,
    WHOLE_DRAFT,
    escape_md,
    materials_from_uploads,
    metric_section,
    schema_sections,
)

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Up:
    name: str
    data: bytes

    def getvalue(self) -> bytes:
        return self.data


@pytest.mark.parametrize(
    "text",
    ["<img src=x onerror=alert(1)>", "**bold** _it_ `code`",
     "# heading", ":material/home: :smile:", "$x^2$", "| a | b |", "&lt;b&gt;"],
)
def test_escape_md_leaves_no_live_markdown(text: str) -> None:
    out = escape_md(text)
    for token in ("<", "[", "](", "**", "`", "#", ":", "$", "|", "&"):
        assert f"\\{token[0]}" in out or token not in text
    assert out.replace("\\", "") == text  # nothing lost: the browser shows the text as written


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("see [click](http://x) now", "[click](http://x)"),
        ("![i](http://198.51.100.7/p.png)", "![i](http://198.51.100.7/p.png)"),
        ("at https://grafana.example.com/d/a?x=1 ok", "https://grafana.example.com/d/a?x=1"),
        ("www.status.example.com is up", "www.status.example.com"),
        ("db checkout:REDACTED_PASSWORD_1@payments-db.internal down", "checkout:REDACTED_PASSWORD_1@payments-db.internal"),
        ("mail ops@example.com", "ops@example.com"),
        ("odd `x`@y", "`x`@y"),
    ],
)
def test_link_like_words_are_shown_as_code(text: str, code: str) -> None:
    """Issue 12: www., https:// and user:pass@host became links (mailto:) on the page."""
    from pmstudio.ui.escape import code_span

    out = escape_md(text)
    assert code_span(code) in out
    assert "](" not in out.replace(code_span(code), "")


def test_escape_md_keeps_lines_and_handles_empty() -> None:
    assert escape_md("a\nb") == "a  \nb"
    assert escape_md("") == "" and escape_md(None) == ""


def test_uploads_golden_yaml_gives_its_materials_and_metadata() -> None:
    path = ROOT / "datasets" / "golden" / "github-2023-11-03-authz-memory-leak.yaml"
    materials, meta = materials_from_uploads([Up(path.name, path.read_bytes())], pasted="10:00 ana: hello")
    assert meta["id"] == "github-2023-11-03-authz-memory-leak"
    assert materials[-1].name == "pasted.txt" and len(materials) > 2


@pytest.mark.parametrize(
    ("up", "needle"),
    [(Up("a.bin", b"\xff\xfe\x00"), "a.bin: not UTF-8"), (Up("e.txt", b"\n"), "e.txt: file is empty"),
     (Up("b.yaml", b"materials: ["), "b.yaml: malformed YAML at line"),
     (Up("k.yaml", b"materials:\n- kind: fax\n  content: x\n"), "unknown material kind 'fax'")],
)
def test_bad_uploads_raise_one_line_errors(up: Up, needle: str) -> None:
    with pytest.raises(BundleError) as info:
        materials_from_uploads([up])
    assert needle in str(info.value) and "\n" not in str(info.value)


def test_nothing_to_draft_is_an_error() -> None:
    with pytest.raises(BundleError, match="paste some text"):
        materials_from_uploads([], "   ")


def test_schema_sections_split_rendered_markdown_by_section() -> None:
    pm = draft_sync(sample_bundle(), settings=DraftSettings(max_revisions=0)).postmortem
    assert pm is not None
    parts = schema_sections(render_markdown(pm))
    assert list(parts)[:8] == ["header", *SECTION_TITLES]
    assert parts["lessons"].startswith("### What Went Well") and "## Lessons Learned" in parts["lessons"]
    assert "What Went Well" not in parts["root_cause"]
    assert "## Prevention Strategies" in parts["actions"] and "## Appendices" in parts["supporting"]
    assert set(SECTION_TITLES) == set(SECTION_NAMES)


def test_every_metric_maps_to_a_section_or_the_whole_draft() -> None:
    assert set(METRIC_SECTIONS) <= set(METRICS)
    assert {metric_section(m) for m in METRICS} <= {*SECTION_NAMES, WHOLE_DRAFT}
    assert metric_section("key_milestones") == "timeline" and metric_section("blameless") == WHOLE_DRAFT


def test_a_citation_opens_its_line_with_three_lines_either_side() -> None:
    from pmstudio.ingest import load_bundle
    from pmstudio.ui.citations import citation, context_text

    bundle, _ = load_bundle(ROOT / "datasets" / "examples" / "docsrs-disk-full")
    e = next(x for x in bundle.evidence if x.material == "ops-channel.txt" and x.line > 5)
    c = citation(bundle, e.id)
    assert c.found and [n for n, _ in c.lines] == list(range(e.line - 3, e.line + 4))
    text = context_text(c)
    assert f"> {e.line}" in text.replace(" " * 2, " ") or f">  {e.line}" in text
    assert not citation(bundle, "nope:999").found and not citation(None, e.id).found
