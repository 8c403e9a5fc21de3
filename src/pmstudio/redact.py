"""Redact secrets and personal data from a bundle before any of it is sent to a model.

Detection combines detect-secrets' regex plugins (AWS, GitHub, GitLab, Slack, Stripe, JWT, basic-auth
URLs, ...) and its Shannon-entropy measure with explicit patterns for what those miss: PEM private-key
blocks (multi-line), bearer tokens, ``password=``/``secret:`` assignments, URL query secrets,
high-entropy key-like strings, e-mail addresses and phone numbers. Each distinct secret gets a stable
plain-token placeholder (``REDACTED_EMAIL_1``, ``REDACTED_SECRET_2``...); the :class:`RedactionMap`
keeps placeholder -> original so a draft can be restored locally. The map is never sent anywhere.
Ordinary incident content is left alone: times, IPs, versions, hostnames, hex/UUID request ids,
commit hashes, percentages.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector
from pydantic import BaseModel, Field, PrivateAttr

from pmstudio.schema import Bundle

PLACEHOLDER_PREFIX = "REDACTED_"
_CONTEXT_FREE = (f"{PLACEHOLDER_PREFIX}EMAIL_", f"{PLACEHOLDER_PREFIX}PHONE_")

# detect-secrets plugins used for their patterns only (analyze_string: no settings, no verification).
_PLUGINS: tuple[tuple[RegexBasedDetector, str], ...] = (
    (AWSKeyDetector(), "SECRET"), (GitHubTokenDetector(), "SECRET"), (GitLabTokenDetector(), "SECRET"),
    (SlackDetector(), "SECRET"), (StripeDetector(), "SECRET"), (JwtTokenDetector(), "SECRET"),
    (OpenAIDetector(), "SECRET"), (SendGridDetector(), "SECRET"), (TwilioKeyDetector(), "SECRET"),
    (DiscordBotTokenDetector(), "SECRET"), (PypiTokenDetector(), "SECRET"), (MailchimpDetector(), "SECRET"),
    (TelegramBotTokenDetector(), "SECRET"), (AzureStorageKeyDetector(), "SECRET"),
    (SquareOAuthDetector(), "SECRET"), (NpmDetector(), "SECRET"), (BasicAuthDetector(), "PASSWORD"),
)  # fmt: skip
_ENTROPY = Base64HighEntropyString()


def _led(words: str) -> str:
    """An alternation of words (`a|b|c(?:d|e)`) led by a lookahead on their first letters: `re` tries every word at
    every position of a large log, and the lookahead lets it skip the positions where none can start (the same
    matches, about twice as fast)."""
    tops, depth, start = [], 0, 0
    for i, ch in enumerate(words):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "|" and depth == 0:
            tops.append(words[start:i])
            start = i + 1
    tops.append(words[start:])
    firsts = sorted({w[0].lower() for w in tops})
    assert all(f.isalpha() for f in firsts), words  # each word opens with a letter
    return f"(?=[{''.join(firsts)}])(?:{words})"


_KEYWORD = _led(
    r"password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|"
    r"client[_-]?secret|auth[_-]?token"
)
_CREDENTIAL_WORDS = r"password|passwd|passphrase|token|api[ _-]?key|access[ _-]?key|secret[ _-]?key|secret"
"""The words a credential is named by in prose, before its value ("our API token in case you need it: X")."""
_VALUE = r"([A-Za-z0-9][^\s\"',;()]{4,}[^\s\"',;().:])(?=\.?(?:[\s\"',;()]|$))"
"""A credential's value told in prose: from a letter or digit to the next space, quote or bracket, without the stop
that ends the sentence."""
# (pattern, category, priority, group holding the secret, needs a secret-looking value)
_RULES: tuple[tuple[re.Pattern[str], str, int, int, bool], ...] = (
    (re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|(?=\n[ \t]*\n)|\Z)"), "KEY", 100, 0, False),
    (re.compile(r"PuTTY-User-Key-File-\d: [\s\S]*?(?:Private-MAC: \S+|\Z)"), "KEY", 100, 0, False),
    (re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@]{0,64}:([^\s@/]{1,128})@"), "PASSWORD", 95, 1, False),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{8,}"), "SECRET", 90, 0, False),
    (re.compile(r"(?i)\b" + _led("authorization") + r"\s*[:=]\s*(?:bearer|basic|token|digest)?\s*([A-Za-z0-9._~+/=-]{8,})"), "SECRET", 90, 1, False),
    (re.compile(r"(?i)\b" + _led("bearer") + r"\s+([A-Za-z0-9._~+/=-]{12,})"), "SECRET", 85, 1, True),
    (re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[0-9a-zA-Z]{10,}"), "SECRET", 90, 0, False),
    (re.compile(r"\b(?:github_pat_[A-Za-z0-9_]{20,}|gh[pousr]_[A-Za-z0-9]{20,})"), "SECRET", 90, 0, False),
    (re.compile(r"\b(?:glpat|gldt|glrt|glptt)-[A-Za-z0-9_-]{16,}"), "SECRET", 90, 0, False),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), "SECRET", 90, 0, False),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{30,}"), "SECRET", 90, 0, False),
    (re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}"), "SECRET", 90, 0, False),
    (re.compile(r"\bnpm_[A-Za-z0-9]{30,}"), "SECRET", 90, 0, False),
    (re.compile(r"(?i)[?&](?:access_token|token|api_?key|key|secret|password|sig|signature|auth)=([^&\s#\"']{6,})"), "SECRET", 80, 1, False),
    (re.compile(rf"(?i){_KEYWORD}[\"'\]]{{0,2}}\s*(?:=|:=|=>)\s*[\"']?([^\s\"',;]{{3,}})"), "PASSWORD", 75, 1, False),
    (re.compile(rf"(?i){_KEYWORD}[\"'\]]{{0,2}}\s*:\s*[\"']?([^\s\"',;&]{{3,}})"), "PASSWORD", 74, 1, True),
    (re.compile(r"(?i)\b" + _led("password|passwd|passphrase|pw|pwd") + r"\s+(?:is|was|of)\s+[\"']?([^\s\"',;]{3,})"), "PASSWORD", 74, 1, True),
    # "the new password I would like is X", "password in our onboarding sheet: X", "API token for the restore job: X":
    # a few words between the word and its value
    (re.compile(r"(?i)\b" + _led(_CREDENTIAL_WORDS) + r"\b[^\n.;:\"]{0,40}?(?:\b(?:is|was)\s+|:\s*)[\"']?" + _VALUE), "SECRET", 73, 1, True),
    # "password FakePw-2014": the value right after the word, with a digit in it
    (re.compile(r"(?i)\b" + _led("password|passwd|passphrase") + r"\s+[\"']?" + _VALUE), "PASSWORD", 72, 1, True),
    # "relay auth token wc_relay_5e6d7c8b": a token's value right after the word, letters and digits mixed in it
    (re.compile(r"(?i)\b" + _led(_CREDENTIAL_WORDS) + r"\s+" + _VALUE), "SECRET", 71, 1, True),
    # "my login is klaus / Hunter2-2014", "SMC admin login is noc-admin / Cyb3rc0n!": a user and its password
    (re.compile(r"(?i)\b" + _led(r"login|log-?in|account|creds|credentials|username|user|sign-?in") + r"\b[^\n.;]{0,30}?(?:\b(?:is|was)\b|:)\s+[\w.@+-]{2,64}\s*/\s*(?:(?:password|pass|pw)\s*:?\s+)?[\"']?" + _VALUE), "PASSWORD", 73, 1, True),
    (re.compile(r"(?<![\w.%+/-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![\w-])"), "EMAIL", 60, 0, False),
    (re.compile(r"(?<![\w+.:/=-])\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){2,5}(?![\w:/]|[.-]\d)"), "PHONE", 50, 0, False),
    (re.compile(r"(?<![\w+.:/=-])(?:\(\d{3}\)\s?\d{3}[ .-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4})(?![\w:/]|[.-]\d)"), "PHONE", 50, 0, False),
    (re.compile(r"(?i)\b" + _led(r"phone|tel|mobile|cell|sms|whatsapp|call\s+me\s+(?:at|on)") + r"\b[^\d+\n]{0,12}(\+?\d[\d ().-]{6,18}\d)"), "PHONE", 50, 1, False),
    (re.compile(r"(?<![A-Za-z0-9+/=_-])(?=[A-Za-z0-9+/=_-]{0,4096}?[a-z])(?=[A-Za-z0-9+/=_-]{0,4096}?[A-Z])[A-Za-z0-9+/=_-]{20,4096}(?![A-Za-z0-9+/=_-])"), "SECRET", 40, 0, True),
)  # fmt: skip
URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s\"'<>]+")
"""A URL of any scheme, up to the next space or quote."""
_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")
_NOT_SECRETS = {
    "none",
    "null",
    "true",
    "false",
    "redacted",
    "hidden",
    "masked",
    "changed",
    "rotated",
    "required",
    "invalid",
}


class RedactionMap(BaseModel):
    """placeholder -> original, plus counts. Kept locally; never sent anywhere."""

    mapping: dict[str, str] = Field(default_factory=dict, description="placeholder -> original secret")
    counts: dict[str, int] = Field(default_factory=dict, description="distinct secrets by category")
    replacements: int = Field(default=0, description="occurrences replaced")
    fragments: dict[str, str] = Field(
        default_factory=dict, description="lines of multi-line secrets -> placeholder"
    )
    _index: dict[str, str] = PrivateAttr(default_factory=dict)
    _known: re.Pattern[str] | None = PrivateAttr(default=None)

    def model_post_init(self, context: Any, /) -> None:
        self._index = {original: ph for ph, original in self.mapping.items()} | self.fragments

    def placeholder(self, value: str, category: str) -> str:
        """The placeholder of ``value`` (the same value always gets the same one)."""
        found = self._index.get(value)
        if found is not None:
            return found
        n = self.counts.get(category, 0) + 1
        self.counts[category] = n
        ph = f"{PLACEHOLDER_PREFIX}{category}_{n}"
        self.mapping[ph] = value
        self._index[value] = ph
        self._known = None
        if "\n" in value:
            for line in value.splitlines():
                line = line.strip()
                if len(line) >= 16 and "PRIVATE KEY" not in line and line not in self._index:
                    self.fragments[line] = ph
                    self._index[line] = ph
        return ph

    def known_pattern(self) -> re.Pattern[str] | None:
        """One regex matching every known original (longest first), for values seen elsewhere."""
        if self._known is None:
            contextual = [
                original
                for ph, original in self.mapping.items()
                if not ph.startswith(_CONTEXT_FREE) and len(original) >= 6 and _looks_secret(original)
            ]  # e-mails and phone numbers are found in any context anyway
            values = sorted({*contextual, *self.fragments}, key=len, reverse=True)
            if values:
                self._known = re.compile("|".join(re.escape(v) for v in values))
        return self._known

    def restore(self, text: str) -> str:
        """Put the originals back (for local display only)."""
        for ph in sorted(self.mapping, key=len, reverse=True):
            text = text.replace(ph, self.mapping[ph])
        return text

    @property
    def total(self) -> int:
        return len(self.mapping)


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    category: str
    priority: int


def _char_class(c: str) -> int:
    return 0 if c.islower() else 1 if c.isupper() else 2 if c.isdigit() else 3


def _looks_like_key(value: str) -> bool:
    """A high-entropy, key-like token (not an identifier, path, hostname, hash or id)."""
    if not (any(c.islower() for c in value) and any(c.isupper() for c in value)):
        return False
    if max(len(run) for run in re.split(r"[-_/+=.]", value)) < 16:
        return False
    switches = sum(_char_class(a) != _char_class(b) for a, b in zip(value, value[1:], strict=False))
    if switches / (len(value) - 1) < 0.35:
        return False
    if not any(c.isdigit() for c in value) and switches / (len(value) - 1) < 0.5:
        return False
    threshold = min(4.3, 3.0 + 0.035 * len(value))
    return _ENTROPY.calculate_shannon_entropy(value) >= threshold


def _looks_secret(value: str) -> bool:
    """For natural-language forms (``secret: x``, ``password is x``): a value that is not a word."""
    v = value.strip("\"'.,;:()[]")
    if len(v) < 3 or v.lower() in _NOT_SECRETS or set(v) <= {"*", "x", "X", "."}:
        return False
    return any(c.isdigit() for c in v) or not v.isalpha() or (v != v.lower() and v != v.capitalize())


def _is_workdir(text: str, start: int, value: str) -> bool:
    """`PWD=/var/opt/app` in sudo/syslog lines is the working directory, not a password."""
    return value.startswith("/") and text[start : start + 4].upper() == "PWD="


_NO_CREDENTIAL = re.compile(r"[\d:.TZ+/-]+|\d+(?:\.\d+)?[A-Za-z]{1,3}")
"""A value named after a credential word that is a date, a time, a number or a measure ("2025-04-01T14:37:11Z", "3002ms")."""
_MIXED_RUN = re.compile(r"(?=[A-Za-z0-9]{0,64}[A-Za-z])(?=[A-Za-z0-9]{0,64}\d)[A-Za-z0-9]{6,}")
"""A run of letters and digits mixed, as a key's value has ("5e6d7c8b9a0f"), unlike a token's name ("ci-publish-2")."""


def _needs_check(category: str, priority: int, value: str) -> bool:
    if category == "SECRET" and priority == 40:
        return _looks_like_key(value)
    if category == "SECRET" and priority == 85:  # bearer <x>
        return any(c.isdigit() for c in value) or len(value) >= 20
    if priority in (71, 72, 73):
        # a value named in prose holds letters and digits ("FakePw-2014"); words ("On-call", "needed", "cabotage-app")
        # and dates, times or measures are the prose around it
        if _NO_CREDENTIAL.fullmatch(value) or not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
            return False
        if priority == 71:  # "token wc_relay_5e6d7c8b"
            return _MIXED_RUN.search(value) is not None
    return _looks_secret(value)


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow a token match to the whole alphanumeric word (a 21-char fake key, not 20 of it)."""
    while start > 0 and text[start - 1].isascii() and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isascii() and text[end].isalnum():
        end += 1
    return start, end


def _url_paths(text: str) -> list[tuple[int, int]]:
    """Host and path parts of URLs (before any query string): ids there are not keys."""
    return [(m.start(), m.start() + len(m.group(0).split("?", 1)[0])) for m in URL.finditer(text)]


def _spans(text: str, rmap: RedactionMap) -> list[_Span]:
    found: list[_Span] = []
    paths: list[tuple[int, int]] | None = None
    for pattern, category, priority, group, check in _RULES:
        for m in pattern.finditer(text):
            value = m.group(group)
            if not value or PLACEHOLDER_PREFIX in value:
                continue
            if category == "EMAIL" and value.lower().startswith("git@"):
                continue
            if category == "SECRET" and priority == 40:
                paths = _url_paths(text) if paths is None else paths
                if any(start <= m.start() < end for start, end in paths):
                    continue
            if check and not _needs_check(category, priority, value):
                continue
            if category == "PHONE":
                digits = sum(c.isdigit() for c in value)
                if not 7 <= digits <= 15 or _DATE_LIKE.search(value):
                    continue
            if category == "PASSWORD" and (
                value.lower() in _NOT_SECRETS or set(value) <= {"*", "x", "X"} or _is_workdir(text, m.start(), value)
            ):
                continue
            start, end = m.start(group), m.end(group)
            if category == "SECRET":
                start, end = _widen(text, start, end)
            found.append(_Span(start, end, category, priority))
    for plugin, category in _PLUGINS:
        try:
            values = set(plugin.analyze_string(text))
        except (ValueError, TypeError, re.error):  # a plugin's own decoding of a candidate
            continue
        for value in values:
            if len(value) < 6 or PLACEHOLDER_PREFIX in value:
                continue
            start = text.find(value)
            while start != -1:
                found.append(_Span(*_widen(text, start, start + len(value)), category, 70))
                start = text.find(value, start + len(value))
    known = rmap.known_pattern()
    if known is not None:  # a secret detected in one context and repeated bare elsewhere
        found.extend(_Span(m.start(), m.end(), "SECRET", 99) for m in known.finditer(text))
    return found


def redact_text(text: str, rmap: RedactionMap) -> str:
    """``text`` with every detected secret replaced by its stable placeholder (recorded in ``rmap``)."""
    if not text:
        return text
    chosen: list[_Span] = []
    starts: list[int] = []  # chosen spans never overlap, so sorted starts give sorted ends too
    ends: list[int] = []
    for span in sorted(_spans(text, rmap), key=lambda s: (-s.priority, -(s.end - s.start), s.start)):
        i = bisect.bisect_right(starts, span.start)
        if (i > 0 and ends[i - 1] > span.start) or (i < len(starts) and starts[i] < span.end):
            continue
        starts.insert(i, span.start)
        ends.insert(i, span.end)
        chosen.append(span)
    if not chosen:
        return text
    out: list[str] = []
    pos = 0
    for span in sorted(chosen, key=lambda s: s.start):
        out.append(text[pos : span.start])
        out.append(rmap.placeholder(text[span.start : span.end], span.category))
        rmap.replacements += 1
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def redact_bundle(bundle: Bundle) -> tuple[Bundle, RedactionMap]:
    """Redact material content, evidence text/actor/template, people and title; count the secrets."""
    rmap = RedactionMap()
    materials = [m.model_copy(update={"content": redact_text(m.content, rmap)}) for m in bundle.materials]
    evidence = [
        e.model_copy(
            update={
                "text": redact_text(e.text, rmap),
                "actor": redact_text(e.actor, rmap) if e.actor else e.actor,
                "template": redact_text(e.template, rmap) if e.template else e.template,
            }
        )
        for e in bundle.evidence
    ]
    people = list(dict.fromkeys(redact_text(p, rmap) for p in bundle.people))
    title = redact_text(bundle.title, rmap) if bundle.title else bundle.title
    redacted = bundle.model_copy(
        update={
            "materials": materials,
            "evidence": evidence,
            "people": people,
            "title": title,
            "redacted": True,
            "redaction_count": rmap.total,
        }
    )
    return redacted, rmap
