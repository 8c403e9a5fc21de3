"""Who is speaking on a line: the shapes a speaker's name takes where people write.

The one home of these shapes. The chat parser reads a message's speaker with `CHAT_SPEAKER`; the offline
drafter tells a said line from a written one (`tone`), finds the people (`people`) and takes a speaker's prefix
off what was said (`analysis`) with the others; the lints take the people a write-up names from the chat lines
it quotes (`STAMPED_SPEAKER`). Atoms, each written once:

- a nick (`NICK`): an IRC nick ("emil", "ivo_c|away", "nick[m]"): letters, digits and IRC's specials, 1-32
  characters; in angle brackets after the channel mode sign a client may log ("<@op>");
- a word name (`WORD_NAME`): one word of a thread or a log ("ivo_c", "Colin", "dev_ops_pete"), 1-32 characters;
  one-letter names too ("Q: ...", "A: ..." in a ticket thread; `people` keeps no name under two letters);
- a handle (`HANDLE`): the account in brackets after a role ("user (mira)"), a letter then 1-31 characters, so
  "Update (2):" or "customer (1)" is a count, not a person;
- a chat name (`CHAT_NAME`): a chat message's speaker after its time, one word or up to four capitalised ones
  ("Sam Lee", "Dana K."), not "the deploy failed".

A bare name before a colon is also how a label opens a line ("Impact: ...", "Note: ..."): it names a speaker
only in a thread (`SPEAKER`), or when the name is a known person's (`DATED_SPEAKER` in `analysis`, `people`'s
speakers of ticket lines); "10:44: ..." and "http://x:80" are never one (the colon must be followed by a space).
A post can also end with who wrote it: a wiki signature (`WIKI_SIGNATURE`, `SIGNED`).
"""

from __future__ import annotations

import re

NICK = r"[\w.|^\[\]{}`\\-]{1,32}"
MODE_SIGNS = "@+%&~ "
"""The channel mode signs an IRC client may write before a nick ("<@op>", "<+voice>"); irssi writes a space for
none ("< lou>")."""
_MODE = rf"[{re.escape(MODE_SIGNS)}]?"
WORD_NAME = r"[\w.-]{1,32}"
HANDLE = r"[A-Za-z][\w.-]{1,31}"
CHAT_NAME = r"[@A-Za-z\u00c0-\u024f][\w.'’@-]{0,30}(?: [A-Z\u00c0-\u00de][\w.'’@-]{0,30}){0,3}"
_DAY = r"\d{4}-\d{2}-\d{2}"
_STAMP = r"\[?\d[\d:.-]*(?:[T ]\d[\d:.]*)?Z?\]?"
_ANGLED = rf"<(?P<nick>{_MODE}{NICK})>\s*:?"

IRC_SPEAKER = re.compile(rf"^\s*(?:{_ANGLED}|\((?P<paren>{NICK})\))\s+(?=\S)")
"""An IRC nick opening a line ("<emil> what was deployed", "<emil>: ...", "(emil) reverting that change"): its
speaker; `nick` holds an angle-bracketed one (the form only a chat client writes), `paren` the other."""


def irc_nick(match: re.Match[str]) -> str:
    """The nick an `IRC_SPEAKER` match names, without a mode sign ("<@op> ..." -> "op")."""
    return (match.group("nick") or match.group("paren") or "").lstrip(MODE_SIGNS)
HANDLE_SPEAKER = re.compile(rf"^\s*{WORD_NAME} \((?P<handle>{HANDLE})\):\s+(?=\S)")
"""A speaker named with a handle before a colon ("user (dev_ops_pete): ..."), as a mailing-list archive writes one."""
_NAME_COLON = rf"(?P<name>{WORD_NAME}):\s+(?=\S)"
_POST_NUMBER = r"(?:#\d{1,5}\s+)?"
"""A forum thread numbers its posts ("#7 anon4412: ...")."""
NAMED_SPEAKER = re.compile(rf"^\s*{_POST_NUMBER}{_NAME_COLON}")
"""A bare name before a colon opening a line ("ivo_c: confirmed", "Colin: credits applied", a forum's "#4 ivo_c:
..."): a speaker only in a thread (`SPEAKER`) or when the name is a person's; also how a label opens a line ("Impact: ...")."""
_USER_QUOTE = r"(?i:user|customer|member)\s+[\"“]"
"""How a relayed user's quoted handle opens ('user "'), before the handle and its closing quote."""
_DAY_AFTER = rf"\s+\({_DAY}\)"
"""The day an issue tracker's export writes after a comment's author (" (2024-06-25)")."""
DATED_SPEAKER = re.compile(
    rf"^\s*(?:{_DAY}\s+)?{_POST_NUMBER}(?:{_USER_QUOTE})?(?P<name>{WORD_NAME})(?:[\"”]|{_DAY_AFTER})?:\s+(?=\S)"
)
"""`NAMED_SPEAKER` after the day a post was written, or not ("2023-07-13 Colin: credits applied"), with the day after
the name as an issue tracker's comment header writes it (`COMMENT_HEADER`), or a relayed user's handle in quotes
(`QUOTED_USER`)."""
COMMENT_HEADER = re.compile(rf"^\s*(?P<n>{HANDLE}){_DAY_AFTER}:\s+(?=\S)")
"""An issue tracker's comment as an export writes it, its author and day before a colon ("chris (2024-06-25): Waiting
on confirmation ..."): a person's handle."""
QUOTED_USER = re.compile(rf"\b{_USER_QUOTE}(?P<n>{HANDLE})[\"”]")
"""A user named by a handle in quotes, as a relayed channel copies them ('user "pasta_fan": searches hang'): a person's
handle."""
STAMPED_SPEAKER = re.compile(rf"^\s*(?:{_STAMP}\s*)?@?(?P<name>{HANDLE}):\s+(?=\S)")
"""A chat line as a write-up quotes it ("09:41 agent-kim: no acks", "[14:02] @dana: rolling back", "dana: ok"): a
name before a colon, after the time it was said or not; the name opens with a letter ("10:44: restarted" names no
one) and has two characters or more."""
MENTION_SPEAKER = re.compile(rf"^\s*@(?P<mention>{HANDLE}):\s+(?=\S)")
"""A social post copied with its author's handle ("@customer_a: is packagecloud down?"): its speaker, in a thread or
not (no process or label writes "@name:")."""
QUOTED_SPEAKER = re.compile(rf"^\s*{_USER_QUOTE}(?P<quser>{HANDLE})[\"”]:\s+(?=\S)")
"""A relayed user's line opened by their handle in quotes ('user "pasta_fan": searches hang'): its speaker."""
SPEAKER = re.compile(
    "|".join(p.pattern for p in (IRC_SPEAKER, HANDLE_SPEAKER, MENTION_SPEAKER, NAMED_SPEAKER, QUOTED_SPEAKER))
)
"""A speaker's prefix in a thread: `IRC_SPEAKER`, `HANDLE_SPEAKER`, `MENTION_SPEAKER`, `NAMED_SPEAKER` or
`QUOTED_SPEAKER` (in a log or notes, where "kernel: ..." names a process and "Impact: ..." labels a line, only the first
three)."""
USER_HANDLE = re.compile(rf"\b(?:user|customer)\s*\((?P<n>{HANDLE})\)", re.I)
"""A user or customer named by their handle anywhere in a line ("a reply from user (mira): ...")."""
DISCORD_TAG = r"#\d{4}"
"""The four-digit discriminator after a Discord user name ("kestrel#2210"); "#0000" marks a webhook ("Grafana#0000"),
which the chat parser keeps on the name, so that it reads as no person's."""
DISCORD_WEBHOOK = "#0000"
CHAT_SPEAKER = re.compile(
    rf"^(?:{_ANGLED}\s+|\*\s*(?P<me>{CHAT_NAME})\s+|(?P<name>{CHAT_NAME})(?: \((?P<account>{HANDLE})\))?\s?:(?:\s+|$)"
    rf"|(?P<tab>{NICK})\t+|(?P<tag>{NICK})(?P<disc>{DISCORD_TAG})(?:\s+|$))(?P<text>.*)$"
)
"""The speaker of a chat message, the rest of its line after the time: an IRC nick ("<emil> ..."), an action
("* emil reverts"), a name before a colon ("Sam Lee: ...", or with the account after it as a chat
client copies it: "Sam Lee (slee): ...", whose speaker is the name), a nick before a tab (WeeChat's log: "tomasz<TAB>on
it"), or a Discord user with its tag, whose message follows on the next lines in a chat export ("[1/11/2021 9:41
PM] kestrel#2210")."""
WIKI_SIGNATURE = re.compile(
    r"(?:--|—|~~)\s?(?P<n>[^\s-][^-]{0,40}?)\s+\d{1,2}:\d{2},\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4}\s+\((?:UTC|[A-Z]{2,5})\)"
)
"""A wiki talk-page signature closing a post ("--Kestrel1 18:43, 27 March 2019 (UTC)"; "—Name", "~~Name" too): the
name, or once anonymised the role ("--a user 18:43, ..."), then the clock, the date and the zone."""
SIGNED = re.compile(rf"\s{WIKI_SIGNATURE.pattern}\s*$")
"""A message ending with a wiki signature ("... --Ellinor 20:43, 27 March 2019 (UTC)"): said by who signed it."""
