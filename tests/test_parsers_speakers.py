"""The shapes of "who is speaking" (parsers.speakers): what each reads as a speaker, and the lines none of them may."""

from __future__ import annotations

import re

import pytest

from pmstudio.parsers.speakers import (
    CHAT_SPEAKER,
    DATED_SPEAKER,
    HANDLE_SPEAKER,
    IRC_SPEAKER,
    NAMED_SPEAKER,
    SPEAKER,
    STAMPED_SPEAKER,
    USER_HANDLE,
    WIKI_SIGNATURE,
)

NOT_A_SPEAKER = [
    "10:44: the writer restarted",  # a time, not a name
    "http://x:80 answered 503",  # a colon inside a URL
    "the deploy: failed at 14:02",  # two words before the colon
    "Impact:",  # nothing said after the colon
    "<leaked token> in the command line",  # a space inside the brackets
    "<emil>reverting",  # no space after the nick
    "(see below) for the list",  # a space inside the brackets
    "(1/3) step one done",  # a slash is no nick character
    "Update (2): still degraded",  # a count in brackets, not a handle
    "x" * 33 + ": too long a name",
]


@pytest.mark.parametrize(
    ("text", "nick", "paren", "prefix"),
    [
        ("<emil> what was deployed", "emil", None, "<emil> "),
        ("  <ivo_c> hi", "ivo_c", None, "  <ivo_c> "),
        ("<emil>: reverting now", "emil", None, "<emil>: "),
        ("<@op> kicked the bot", "@op", None, "<@op> "),
        ("<nick[m]> bridged from matrix", "nick[m]", None, "<nick[m]> "),
        ("<ivo|away> back", "ivo|away", None, "<ivo|away> "),
        ("(emil) reverting that change", None, "emil", "(emil) "),
        ("(a^b) ok", None, "a^b", "(a^b) "),
    ],
)
def test_an_irc_nick_opening_a_line_is_its_speaker(text: str, nick: str | None, paren: str | None, prefix: str) -> None:
    m = IRC_SPEAKER.match(text)
    assert m is not None
    assert (m.group("nick"), m.group("paren"), m.group(0)) == (nick, paren, prefix)


@pytest.mark.parametrize(
    "text",
    [*NOT_A_SPEAKER, "Colin: credits applied", "user (pete): the site is down", "(@op) mode signs only in angles",
     "<" + "n" * 33 + "> a nick too long"],
)  # fmt: skip
def test_no_irc_nick(text: str) -> None:
    assert IRC_SPEAKER.match(text) is None


@pytest.mark.parametrize(
    ("text", "handle"),
    [("user (dev_ops_pete): a backup service that is down", "dev_ops_pete"),
     ("customer (mira.k): no rush from me", "mira.k"),
     ("  reply (Ab): ok then", "Ab")],
)  # fmt: skip
def test_a_name_with_a_handle_before_a_colon_is_a_speaker(text: str, handle: str) -> None:
    m = HANDLE_SPEAKER.match(text)
    assert m is not None and m.group("handle") == handle


@pytest.mark.parametrize(
    "text",
    [*NOT_A_SPEAKER, "user (pete) the site is down", "user (p): one letter is no handle",
     "user (_pete): a handle opens with a letter", "Colin: credits applied"],
)  # fmt: skip
def test_no_handle_speaker(text: str) -> None:
    assert HANDLE_SPEAKER.match(text) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [("ivo_c: confirmed", "ivo_c"), ("Colin: credits applied", "Colin"), ("Q: is it down", "Q"),
     ("Note: the disk is full", "Note"), ("Impact: uploads failed", "Impact"), ("kernel: EXT4-fs error", "kernel"),
     ("2023-07-13: credits applied", "2023-07-13")],
)  # fmt: skip
def test_a_bare_name_before_a_colon_is_named_labels_too(text: str, name: str) -> None:
    # the shape cannot tell "Note:" (or a day) from "Colin:": callers decide (a thread, or a known person's name)
    m = NAMED_SPEAKER.match(text)
    assert m is not None and m.group("name") == name


@pytest.mark.parametrize("text", [*NOT_A_SPEAKER, "2023-07-13 Colin: credits applied", "<emil> hi"])
def test_no_bare_name(text: str) -> None:
    assert NAMED_SPEAKER.match(text) is None


@pytest.mark.parametrize(
    ("text", "name", "rest"),
    [("2023-07-13 Colin: credits applied", "Colin", "credits applied"),
     ("Colin: credits applied", "Colin", "credits applied")],
)  # fmt: skip
def test_a_bare_name_may_follow_the_day_it_was_posted(text: str, name: str, rest: str) -> None:
    m = DATED_SPEAKER.match(text)
    assert m is not None and (m.group("name"), text[m.end() :]) == (name, rest)


@pytest.mark.parametrize("text", [*NOT_A_SPEAKER, "13 July Colin: credits", "2023-07-13 Sam Lee: credits"])
def test_no_dated_name(text: str) -> None:
    assert DATED_SPEAKER.match(text) is None


@pytest.mark.parametrize(
    ("text", "said"),
    [("<emil> reverting", "reverting"), ("(emil) reverting", "reverting"), ("user (pete): down", "down"),
     ("Colin: credits applied", "credits applied"), ("Note: read as a speaker in a thread", "read as a speaker in a thread")],
)  # fmt: skip
def test_a_speaker_prefix_in_a_thread_is_any_of_the_three(text: str, said: str) -> None:
    m = SPEAKER.match(text)
    assert m is not None and text[m.end() :] == said


@pytest.mark.parametrize("text", [*NOT_A_SPEAKER, "2023-07-13 Colin: credits applied", "just a statement"])
def test_no_speaker_prefix(text: str) -> None:
    assert SPEAKER.match(text) is None


def test_the_thread_shape_is_the_three_line_shapes() -> None:
    texts = ["<emil> a", "(emil) a", "user (pete): a", "Colin: a", *NOT_A_SPEAKER]
    for text in texts:
        one = IRC_SPEAKER.match(text) or HANDLE_SPEAKER.match(text) or NAMED_SPEAKER.match(text)
        m = SPEAKER.match(text)
        assert (m.end() if m else None) == (one.end() if one else None), text


@pytest.mark.parametrize(
    ("text", "name"),
    [("09:41 agent-kim: no acks since 6am", "agent-kim"), ("[14:02] @dana: rolling back", "dana"),
     ("2023-01-01T10:00Z bob: paging db", "bob"), ("2023-07-13 Colin: credits applied", "Colin"),
     ("Zoe: on it", "Zoe"), ("09:41 Zoe: on it", "Zoe"), ("Tom: reverted", "Tom"),
     ("2023-07-13 10:02:11.5Z ivo: done", "ivo"), ("panic: state root mismatch", "panic")],
)  # fmt: skip
def test_a_quoted_chat_line_names_its_speaker_after_the_time_or_not(text: str, name: str) -> None:
    # "Zoe" and "Tom" whole: a "Z" or "T" opening a name is no part of a time stamp
    m = STAMPED_SPEAKER.match(text)
    assert m is not None and m.group("name") == name


@pytest.mark.parametrize(
    "text",
    [*NOT_A_SPEAKER, "Q: one letter", "_x: a name opens with a letter", "2023-07-13: credits applied",
     "- alice: a bullet is no time", "<emil> hi"],
)  # fmt: skip
def test_no_quoted_chat_speaker(text: str) -> None:
    assert STAMPED_SPEAKER.match(text) is None


@pytest.mark.parametrize(
    ("text", "names"),
    [("a reply from user (mira): no rush", ["mira"]), ("Customer (acme-ops) and user (Bo) both wrote", ["acme-ops", "Bo"]),
     ("user (12) and customer (x) are counts", []), ("a user (see below)", [])],
)  # fmt: skip
def test_a_user_named_by_handle_in_running_text(text: str, names: list[str]) -> None:
    assert [m.group("n") for m in USER_HANDLE.finditer(text)] == names


@pytest.mark.parametrize(
    ("rest", "nick", "me", "name", "text"),
    [
        ("<emil> what was deployed", "emil", None, None, "what was deployed"),
        ("<@op>: done", "@op", None, None, "done"),
        ("* emil reverts the change", None, "emil", None, "reverts the change"),
        ("Sam Lee: on it", None, None, "Sam Lee", "on it"),
        ("Dana K. : paging the db team", None, None, "Dana K.", "paging the db team"),
        ("@alex:", None, None, "@alex", ""),
        # a chat client's copy names the account after the display name: the speaker is the name
        ("Mira Okafor (mokafor): my guess: a bad signature update", None, None, "Mira Okafor", "my guess: a bad signature update"),
    ],
)
def test_a_chat_message_speaker(rest: str, nick: str | None, me: str | None, name: str | None, text: str) -> None:
    m = CHAT_SPEAKER.match(rest)
    assert m is not None
    assert (m.group("nick"), m.group("me"), m.group("name"), m.group("text")) == (nick, me, name, text)


@pytest.mark.parametrize(
    "rest",
    ["the deploy failed: rolling back", "10:44: restarted", "http://x:80 down", "<leaked token> pasted", "<emil>done",
     "the rollout (v2): failed", "Update (2): still down"],
)
def test_no_chat_speaker(rest: str) -> None:
    assert CHAT_SPEAKER.match(rest) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [("Same here. --Ellinor 20:43, 27 March 2019 (UTC)", "Ellinor"), ("ok —Kestrel1 18:43, 27 March 2019 (CET)", "Kestrel1"),
     ("thanks --a user 18:43, 27 March 2019 (UTC)", "a user")],
)  # fmt: skip
def test_a_wiki_signature_names_who_signed(text: str, name: str) -> None:
    m = WIKI_SIGNATURE.search(text)
    assert m is not None and m.group("n") == name


@pytest.mark.parametrize("text", ["rollback -- done 18:43", "--Ellinor 20:43 27 March 2019", "a -- b 20:43, 27 march 2019 (UTC)"])
def test_no_wiki_signature(text: str) -> None:
    assert WIKI_SIGNATURE.search(text) is None


def test_every_shape_lives_here_only() -> None:
    # knowledge lives once: no other module compiles its own speaker shape (the old names are gone)
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "pmstudio"
    owned = re.compile(r"^(?:IRC_SPEAKER|HANDLE_SPEAKER|STAMPED_SPEAKER|SPEAKER|_NAMED|_ACTOR|_USER_PAREN|WIKI_SIGNATURE)\s*=", re.M)
    hits = [p.relative_to(src).as_posix() for p in src.rglob("*.py") if owned.search(p.read_text(encoding="utf-8"))]
    assert hits == ["parsers/speakers.py"]


def test_a_quoted_user_handle_and_an_issue_comment_header_open_a_speaker_line() -> None:
    """A relayed channel's 'user "pasta_fan": ...' opens a speaker's line (not the rest of the line before it), and an
    issue export's "chris (2024-06-25): ..." is a dated speaker, like "2023-07-13 Colin: ..."."""
    m = SPEAKER.match('user "pasta_fan": searches hang then time out')
    assert m is not None and m.group("quser") == "pasta_fan"
    dated = DATED_SPEAKER.match("chris (2024-06-25): Waiting on confirmation")
    assert dated is not None and dated.group("name") == "chris"
    assert SPEAKER.match('the "pasta_fan" account: locked') is None


def test_a_social_post_s_handle_before_a_colon_is_its_speaker_in_a_thread_or_not() -> None:
    """A post copied with its author's handle ("@customer_a: is packagecloud down?") is said by that handle; no
    process or label writes "@name:"."""
    from pmstudio.offline.tone import speaker_off, spoken

    line = "@customer_a: is packagecloud down? apt says could not resolve host"
    assert spoken(line, thread=False) and spoken(line, thread=True)
    assert speaker_off(line, thread=False) == "is packagecloud down? apt says could not resolve host"
    assert not spoken("kernel: eth0 link down", thread=False)
