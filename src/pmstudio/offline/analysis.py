"""One pass over an evidence block: items, signals, people, milestones, and blameless wording.

Every section of a draft works from the same `Analysis`, cached by the evidence block's content so
concurrent section agents (and the single-shot agent) analyse a large bundle once.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pmstudio.agents.messages import EvidenceLine
from pmstudio.offline.chatline import chat_entry
from pmstudio.offline.classify import Signals, classify, monitor_post
from pmstudio.offline.items import MONITOR_CLEARED, Item, build_items, ticket_label
from pmstudio.offline.milestones import (
    RELAYED,
    Milestones,
    find_milestones,
    line_zone,
)
from pmstudio.offline.people import ROLE_WORDS, People, find_people, is_bot, is_bot_post
from pmstudio.offline.phrasing import (
    blameless,
    drop_vocative,
    note_entry,
    sentence,
    shorten,
    strip_noise,
    third_person,
)
from pmstudio.offline.tone import speaker_off, spoken
from pmstudio.parsers.speakers import DATED_SPEAKER, HANDLE_SPEAKER, IRC_SPEAKER, SIGNED, irc_nick
from pmstudio.timeparse import find_stamps

ENTRY_LIMIT = 260
# "<leaked token>" in a command line reads as a template placeholder in a draft: keep it as "(leaked token)"
_ANGLE = re.compile(r"<([A-Za-z][A-Za-z _-]{0,40})>")


def _dated_in_utc(item: Item, text: str) -> str:
    """`text` with each date and time it writes in its line's own zone told in UTC ("first report 2019-03-26 02:50 on
    GitHub" in notes kept in PDT -> "2019-03-26 09:50 UTC"), as every time in the draft is; a bare clock stays as written
    (a reader and the critic match it on the line's own clock)."""
    zone = line_zone(item)
    if item.at is None or zone.utcoffset(item.at) in (None, timedelta(0)):
        return text
    for stamp in reversed(find_stamps(text)):
        if stamp.full and stamp.zone is None:
            at = stamp.value.replace(tzinfo=zone).astimezone(UTC)
            text = f"{text[: stamp.start]}{at:%Y-%m-%d %H:%M} UTC{text[stamp.end :]}"
    return text


@dataclass
class Analysis:
    """What the offline drafter knows about one incident's evidence."""

    incident_id: str
    title: str | None
    items: list[Item]
    signals: list[Signals]
    people: People
    timed: list[tuple[Item, Signals]]
    milestones: Milestones
    by_id: dict[str, Item]
    _said: dict[tuple[str, bool], str] = field(default_factory=dict)

    @property
    def has_timestamps(self) -> bool:
        return bool(self.timed)

    def sig(self, item: Item) -> Signals:
        return self.signals[item.order]

    def role(self, item: Item) -> str:
        return self.people.role(item.actor or self.speaker(item))

    def speaker(self, item: Item) -> str | None:
        """Who said a line that has no actor: the nick, handle or name of its speaker's prefix, or who signed it."""
        if item.actor is not None or item.source == "chat":
            return item.actor
        text = item.body
        m = IRC_SPEAKER.match(text)
        if m:
            return irc_nick(m)
        if m := HANDLE_SPEAKER.match(text):
            return m.group("handle")
        if (m := DATED_SPEAKER.match(text)) and m.group("name").lower() in self.people.names:
            return m.group("name")
        sig = SIGNED.search(text)
        return sig.group("n") if sig else None

    def said_by_a_person(self, item: Item) -> bool:
        """Whether a line outside a chat file is a person's own words: its speaker (`speaker`: the actor, the nick,
        handle or known person's name opening it, or who signed it) is no bot. A thread's speaker line, an IRC log
        line, a signed post are; a bot's line ("<logmsgbot> emil synchronized ...") and a ticket's label line ("From:
        ...", "Impact: ...": no person's name) are records. A chat file's lines are told by their actor where they
        are read; a pager's annotation is a record, whoever typed it."""
        if item.source in ("chat", "pager"):
            return False
        who = self.speaker(item)
        return who is not None and not is_bot(who, handle=item.actor is None)

    def say(self, item: Item, *, narrative: bool = False) -> str:
        """The item's text, noise-free, anonymised and blameless ("" when nothing blameless is left)."""
        key = (item.id, narrative)
        if key not in self._said:
            text = strip_noise(item.body, chat=item.source == "chat")
            if item.source != "chat":  # who said it is no part of what was said
                if spoken(text, thread=item.source == "ticket"):
                    text = speaker_off(text, thread=item.source == "ticket")
                elif (m := DATED_SPEAKER.match(text)) and m.group("name").lower() in self.people.names:
                    # a name before a colon ("ivo_c: confirmed", "2023-07-13 Colin: credits applied") is a speaker
                    # outside a thread only when the name is a person's
                    text = text[m.end() :]
            text = drop_vocative(text, self.people.names)
            text = _SUDO.sub(r"\g<head>\g<user> ran \g<cmd>", text)
            text = self.people.anonymise(text)
            text = _dated_in_utc(item, text)
            if narrative and (item.source == "chat" or self.said_by_a_person(item)):
                text = third_person(self._they_named(item, text), self.role(item))
            text = _ANGLE.sub(r"(\1)", text)
            self._said[key] = blameless(text)
        return self._said[key]

    def _they_named(self, item: Item, text: str) -> str:
        """A chat message opening with "they" told with whom it means: the organisation the message before it in the
        same chat named as the one acting ("outages list says CenturyLink found a bad flowspec announcement", then
        "they pushed a global config change" -> "CenturyLink pushed ..."); the text as it was when none is named."""
        if not _THEY.match(text) or item.order == 0:
            return text
        for before in reversed(self.items[max(0, item.order - 3) : item.order]):
            if before.material != item.material or before.at is None or item.at is None:
                continue
            if item.at - before.at > _REFERENT_REACH:
                break
            m = _ORG_ACTS.search(before.body)
            if m is not None and m["org"].lower() not in self.people.names:
                return m["org"] + text[len("they") :]
        return text

    def statement(self, item: Item, limit: int = 300) -> str:
        """A narrative sentence from the item (no speaker prefix)."""
        return sentence(shorten(self.say(item, narrative=True), limit))

    def entry_text(self, item: Item) -> str:
        """Timeline wording: what happened, told by role or source."""
        base = self.say(item)
        if not base or (_SUBJECT.match(base) and "?" in base):
            return ""  # a mail's subject asking ("Subject: pool numbers wrong?? + my wallet") states nothing
        src, sub = item.source, item.sub
        if src == "pager":
            if sub == "ack":
                text = f"The page was acknowledged by {self.role(item)}"
            else:
                label = {"trigger": "Page triggered", "resolve": "Paging incident closed"}.get(sub, "Incident note")
                text = f"{label}: {base}"
        elif src == "alert":
            text = f"{'Alert cleared' if sub == 'resolved' else 'Alert fired'}: {base}"
        elif src == "status":
            label = "Status page update" if "status" in item.material.lower() else "Public update"
            text = f"{label}: {base}"
        elif src == "ticket":
            text = f"{ticket_label(item.material)}: {base}"
        elif is_bot_post(item) and (relay := RELAYED.match(item.body)):
            # a bot relaying an alert to the channel ("alertbot: [FIRING] lila 5xx rate high"): the alert, no responder
            # ... named without the person a chat tool says acted on it ("[RESOLVED] synthetic-smtp-send by kevin")
            name = _ACTED_BY.sub("", relay["name"])
            text = f"{'Alert cleared' if relay['status'].upper() == 'RESOLVED' else 'Alert fired'}: {name}"
        elif (state := monitor_post(item)) is not None:
            # a monitor posting to the channel ("<statuscake> DOWN: www.example.org ..."): its alert, no responder
            text = f"{'Alert cleared' if state['state'] in MONITOR_CLEARED else 'Alert fired'}: {base}"
        elif src == "chat" or self.said_by_a_person(item):
            told = self.say(item, narrative=True)  # told by role, past tense, never a quote (chatline.chat_entry)
            return shorten(chat_entry(self.role(item), told, deed=bool(_DEED.match(told))), ENTRY_LIMIT)
        elif src == "notes":
            return note_entry(shorten(base, ENTRY_LIMIT))
        else:  # a machine line keeps its case, unless a name in it was told by role ("a responder synchronized ...")
            return sentence(shorten(base, ENTRY_LIMIT), capitalise=base.startswith(ROLE_WORDS))
        return sentence(shorten(text, ENTRY_LIMIT))


_SUBJECT = re.compile(r"^\W*(?:subject|re|fwd?)\s*:", re.I)
"""A mail's subject line ("Subject: pool numbers wrong?? + my wallet")."""
_SUDO = re.compile(
    r"(?P<head>\bsudo(?:\[\d+\])?:\s+)(?P<user>[\w.-]+)\s*:\s*(?:(?:TTY|PWD|USER)=[^;]*;\s*)*COMMAND=(?P<cmd>.+)$"
)
"""sudo's syslog line ("px-web-5 sudo[42011]: priya : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/usr/bin/x"): told as
who ran what ("... sudo[42011]: a responder ran /usr/bin/x"), never as a name before a colon, which reads as a quote."""
_ACTED_BY = re.compile(r"\s+by\s+[\w.@-]+\s*$", re.I)
"""The person a chat tool names as the one who acted on an alert ("... by kevin"): left out, the timeline tells roles."""
_THEY = re.compile(r"^they\s+(?=[a-z]+ed\b|[a-z]+s\b)")
_ORG_ACTS = re.compile(r"(?<![.!?]\s)(?<!^)\b(?P<org>[A-Z][a-z]+[A-Z][A-Za-z]*|[A-Z][a-z]{2,})\s+(?:[a-z]+ed|found|says|said|is|was|has)\b")
"""A capitalised name inside a message acting or telling ("... says CenturyLink found ..."): an organisation, when
no person has that name."""
_REFERENT_REACH = timedelta(minutes=30)


_DEED = re.compile(
    r"(?:[a-z]+(?<!need)(?<!seed)(?<!speed)ed|put|set|cut|shut|sent|took|made|ran|began|found|brought|built|kept|"
    r"moved|wrote|gave|got)\b(?! (?:to|by|on|out)\b)"
)
"""A chat line that opens with a past-tense verb of the speaker's own act ("restarted the web server")."""


def _key(evidence: list[EvidenceLine], incident_id: str, title: str | None) -> str:
    h = hashlib.sha256(f"{incident_id}\x00{title}\x00".encode())
    for e in evidence:
        h.update(f"{e.id}\x1f{e.at}\x1f{e.actor}\x1f{e.count}\x1f{e.last_at}\x1f{e.text}\x1e".encode())
    return h.hexdigest()


def analyse(evidence: list[EvidenceLine], *, incident_id: str = "", title: str | None = None) -> Analysis:
    """Analyse an evidence block (linear in its size, apart from sorting the timed items)."""
    items = build_items(evidence)
    signals = [classify(it) for it in items]
    told = {it.id for it in items}
    people = find_people(items, unheard=[e.actor for e in evidence if e.actor and e.id not in told])
    timed = sorted(((it, signals[it.order]) for it in items if it.at is not None), key=_time_key)
    return Analysis(
        incident_id=incident_id,
        title=title,
        items=items,
        signals=signals,
        people=people,
        timed=timed,
        milestones=find_milestones(timed, [(it, signals[it.order]) for it in items if it.at is None]),
        by_id={it.id: it for it in items},
    )


def _time_key(pair: tuple[Item, Signals]) -> tuple[datetime, int]:
    assert pair[0].at is not None
    return pair[0].at, pair[0].order


_CACHE: OrderedDict[str, Analysis] = OrderedDict()
_LOCK = threading.Lock()
_CACHE_SIZE = 8


def analysis_for(evidence: list[EvidenceLine], *, incident_id: str = "", title: str | None = None) -> Analysis:
    """`analyse()` with a small content-keyed cache (thread-safe; concurrent agents share one result)."""
    key = _key(evidence, incident_id, title)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
        result = analyse(evidence, incident_id=incident_id, title=title)
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
        return result
