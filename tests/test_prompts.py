"""Prompts are data: sets resolve to files, hashes are stable, released variants never change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
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
    agents = {"timeline", "impact", "root_cause", "lessons", "supporting", "actions", "summary", "critic"}
    assert set(ps.files) == {*agents, "shared"}  # shared: the system text all of them send
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


def _team_repo(tmp_path: Path, sets: str, files: dict[str, str]) -> Path:
    """A team repository whose `.pmstudio.toml` names its project prompt library `prompts/`."""
    repo = tmp_path / "team-repo"
    (repo / "prompts").mkdir(parents=True)
    (repo / "prompts" / "prompt-sets.yaml").write_text(sets)
    for rel, text in files.items():
        (repo / "prompts" / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / "prompts" / rel).write_text(text)
    (repo / ".pmstudio.toml").write_text('prompts = "prompts"\n')
    (repo / "incidents").mkdir()
    return repo


TERSE = "# Role\nYou draft the whole post-mortem in one answer, tersely.\n"
TEAM_SETS = "team-terse:\n  description: ours\n  agents:\n    single_shot: terse\n    critic: default\n"


def _cli(*args: str, cwd: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMSTUDIO_")}
    env.update(PMSTUDIO_HOME=str(tmp_path / "home"), COLUMNS="200", NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "pmstudio", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_project_sets_are_listed_beside_the_built_ins_and_drafted_by_name(tmp_path: Path) -> None:
    repo = _team_repo(tmp_path, TEAM_SETS, {"single_shot/terse.md": TERSE})
    listed = _cli("prompts", "--json", cwd=repo / "incidents", tmp_path=tmp_path)  # found from a subfolder
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    libs = {(r["set"], r["agent"]): (r["library"], r["path"]) for r in rows}
    assert libs[("default", "timeline")][0] == libs[("seed-single-shot", "single_shot")][0] == "built-in"
    assert libs[("team-terse", "single_shot")] == ("project", "prompts/single_shot/terse.md")
    assert libs[("team-terse", "critic")] == ("project", "agents/critic/default.md")  # reused built-in prompt
    table = _cli("prompts", cwd=repo / "incidents", tmp_path=tmp_path)
    assert table.returncode == 0 and "team-terse" in table.stdout and "project" in table.stdout
    elsewhere = _cli("prompts", "--json", cwd=tmp_path, tmp_path=tmp_path)  # outside the repository: built-ins only
    assert "team-terse" not in {r["set"] for r in json.loads(elsewhere.stdout)}

    db = tmp_path / "d.duckdb"
    example = ROOT / "datasets" / "examples" / "docsrs-disk-full"
    draft = _cli("draft", str(example), "--prompts", "team-terse", "--db", str(db), "--quiet", "--no-memory",
                 "--out", str(tmp_path / "pm.md"), cwd=repo / "incidents", tmp_path=tmp_path)
    assert draft.returncode == 0, draft.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = dict(con.execute("SELECT prompt_set, count(*) FROM drafts GROUP BY 1").fetchall())
        bodies = {r[0]: r[1] for r in con.execute("SELECT variant, body FROM prompt_versions").fetchall()}
    finally:
        con.close()
    assert stored == {"team-terse": 1}
    assert bodies["terse"] == TERSE  # the project's prompt text is kept with the run


@pytest.mark.parametrize(
    ("sets", "files", "culprit", "builtin"),
    [
        ("default:\n  agents:\n    single_shot: terse\n", {"single_shot/terse.md": TERSE},
         "prompts/prompt-sets.yaml", "agents/prompt-sets.yaml"),
        (TEAM_SETS, {"single_shot/terse.md": TERSE, "critic/default.md": "# Role\nA different critic.\n"},
         "prompts/critic/default.md", "agents/critic/default.md"),
    ],
    ids=["set-named-like-a-built-in", "prompt-named-like-a-built-in"],
)
def test_a_project_never_silently_replaces_a_built_in(tmp_path: Path, sets: str, files: dict[str, str], culprit: str,
                                                      builtin: str) -> None:
    repo = _team_repo(tmp_path, sets, files)
    for argv in (["prompts"], ["draft", str(ROOT / "datasets" / "examples" / "docsrs-disk-full"), "--prompts", "default"
                               if "default:" in sets else "team-terse", "--out", str(tmp_path / "pm.md"), "--quiet"]):
        proc = _cli(*argv, cwd=repo, tmp_path=tmp_path)
        assert proc.returncode == 2, (argv, proc.stdout, proc.stderr)
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert str(repo / culprit) in proc.stderr and builtin in proc.stderr, proc.stderr
        assert not (tmp_path / "pm.md").exists()


def test_a_project_copy_identical_to_a_built_in_prompt_is_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    same = (ROOT / "agents" / "critic" / "default.md").read_text()
    repo = _team_repo(tmp_path, TEAM_SETS, {"single_shot/terse.md": TERSE, "critic/default.md": same})
    monkeypatch.chdir(repo)
    monkeypatch.delenv("PMSTUDIO_PROMPTS_DIR", raising=False)
    ps = load_prompt_set("team-terse")
    assert ps.files["critic"].sha256 == load_prompt_set("default").files["critic"].sha256
    assert set(available_sets()) >= {"default", "seed-single-shot", "team-terse"}
