"""Prompts are data: sets resolve to files, hashes are stable, released variants never change."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmstudio.prompts import (
    PromptError,
    available_sets,
    current_hashes,
    load_prompt_set,
    read_lock,
    sha256_text,
)

ROOT = Path(__file__).resolve().parents[1]


def test_every_set_loads_and_has_hashes() -> None:
    for name in available_sets():
        ps = load_prompt_set(name)
        assert ps.files, name
        for f in ps.files.values():
            assert len(f.sha256) == 64 and f.instructions.strip()
            assert "---" not in f.instructions.splitlines()[0]


def test_default_set_covers_every_section_agent_and_the_critic() -> None:
    ps = load_prompt_set("default")
    assert set(ps.files) == {"timeline", "impact", "root_cause", "lessons", "supporting", "actions", "summary", "critic"}
    assert not ps.single_shot


def test_seed_single_shot_is_the_seed_verbatim() -> None:
    ps = load_prompt_set("seed-single-shot")
    assert ps.single_shot
    seed = next((ROOT.parent / "shared" / "seed").glob("*.txt"), None)
    if seed is None:
        pytest.skip("../shared/seed is not beside this checkout")
    assert ps.files["single_shot"].body == seed.read_text(encoding="utf-8").replace("\r\n", "\n")


def test_released_prompts_are_frozen() -> None:
    lock = read_lock()
    assert lock, "agents/prompts.lock lists the released variants"
    now = current_hashes()
    changed = [path for path, sha in lock.items() if now.get(path) != sha]
    assert not changed, f"released prompt files changed (copy to a new variant instead): {changed}"


def test_hash_ignores_line_endings() -> None:
    assert sha256_text("a\r\nb\n") == sha256_text("a\nb\n")
    assert sha256_text("a\nb\n") != sha256_text("a\nb \n")


def test_unknown_set_is_a_clear_error() -> None:
    with pytest.raises(PromptError, match="unknown prompt set 'nope'"):
        load_prompt_set("nope")


def test_prompt_files_have_the_house_headings() -> None:
    for path in (ROOT / "agents").rglob("*.md"):
        if path.name == "README.md" or path.parent.name == "single_shot":
            continue
        text = path.read_text(encoding="utf-8")
        assert text.startswith("---\n"), path
        for heading in ("# ROLE AND PURPOSE", "# STEPS", "# OUTPUT INSTRUCTIONS"):
            assert heading in text, (path, heading)
