"""Audience versions of one post-mortem, from the same evidence base: internal, executive, public.

- `internal`: the full post-mortem (`pmstudio.render.render_markdown`).
- `executive`: one page: impact in numbers, the cause in one paragraph, the actions that matter, and the
  decisions asked for (unowned or undated work, long-term investments, priorities to agree).
- `public`: customer-facing: what happened, who was affected and for how long, what we are changing. Built
  only from the impact, timeline milestones, cause and action titles, without citations; every internal
  identifier the public-safety lint finds is replaced by a generic phrase, sentences with blame are dropped,
  and the result is linted again (`public_findings`), so a leak fails the version instead of shipping.
"""

from __future__ import annotations

import re
from typing import Literal

from pmstudio.public_safety import Identifier, bundle_people, internal_identifiers, lint_public
from pmstudio.schema import NOT_STATED, ActionItem, Bundle, Claim, CriticReport, Finding, PostMortem

Audience = Literal["internal", "executive", "public"]
AUDIENCES: tuple[Audience, ...] = ("internal", "executive", "public")
EXECUTIVE_MAX_WORDS = 450
"""One page: about 450 words of Markdown."""

_CITE = re.compile(r"\s*\((?:evidence|source|sources)\s*:[^)]*\)", re.I)
_KIND_ORDER = {"prevent": 0, "detect": 1, "mitigate": 2, "repair": 3, "investigate": 4}
_PRIO_ORDER = {"P0": 0, "P1": 1, "P2": 2, "P3": 3}
_GENERIC = {
    "P1-internal-host": "an internal system",
    "P2-ip-address": "an internal address",
    "P3-person-name": "a team member",
    "P4-ticket-id": "an internal ticket",
    "P5-internal-url": "an internal link",
    "P6-secret": "a credential",
}


def _plain(text: str | None, limit: int = 0) -> str:
    out = " ".join(_CITE.sub("", text or "").split()).strip()
    if limit and len(out) > limit:
        out = out[: limit - 1].rsplit(" ", 1)[0] + "…"
    return out


def _stated(c: Claim | None) -> str:
    text = _plain(c.text if c else "")
    return "" if not text or text.startswith(NOT_STATED.rstrip(".")) else text


def _ranked(items: list[ActionItem]) -> list[ActionItem]:
    return sorted(items, key=lambda a: (_PRIO_ORDER.get(a.priority or "", 4), _KIND_ORDER.get(a.kind, 5)))


def _window(pm: PostMortem) -> str:
    tl = pm.timeline
    if tl is None or tl.started_at is None:
        return ""
    end = tl.resolved_at or tl.mitigated_at
    start = tl.started_at.strftime("%Y-%m-%d %H:%M UTC")
    if end is None:
        return f"starting {start}"
    fmt = "%H:%M UTC" if end.date() == tl.started_at.date() else "%Y-%m-%d %H:%M UTC"
    return f"from {start} to {end.strftime(fmt)}"


# --------------------------------------------------------------------------- executive


def executive_markdown(pm: PostMortem) -> str:
    h = pm.header
    out = [f"# Executive brief: {h.title}", "",
           f"**Date:** {h.date} | **Severity:** {(h.severity or 'not set').capitalize()} | **Duration:** {h.duration}", ""]  # fmt: skip
    out += ["## Impact in numbers", ""]
    numbers = []
    if pm.impact is not None:
        im = pm.impact
        if im.duration_minutes is not None:
            numbers.append(f"- **Duration:** {im.duration_minutes} minutes ({_window(pm) or h.duration})")
        for label, c in (("Users affected", im.users_affected), ("Functional impact", im.functional_impact),
                         ("Revenue", im.revenue_impact), ("SLA/SLO", im.sla_impact), ("Scope", im.geographic_scope)):  # fmt: skip
            text = _stated(c)
            if text and (re.search(r"\d", text) or label in ("Users affected", "Functional impact")):
                numbers.append(f"- **{label}:** {_plain(text, 180)}")
    out += numbers or [f"- {NOT_STATED}"]
    out += ["", "## Cause", ""]
    rc = pm.root_cause
    if rc is None:
        out.append(NOT_STATED)
    else:
        parts = [_stated(rc.primary_root_cause), f"It was triggered by: {_stated(rc.trigger)}" if _stated(rc.trigger) else ""]
        factors = [_plain(f.title, 60) for f in rc.contributing_factors[:4]]
        if factors:
            parts.append("Contributing: " + "; ".join(factors) + ".")
        out.append(_plain(" ".join(p for p in parts if p), 700) or NOT_STATED)
    out += ["", "## Actions that matter", ""]
    items = _ranked(pm.actions.action_items) if pm.actions else []
    for a in items[:5]:
        when = a.due or (f"{a.priority}" if a.priority else "no date")
        out.append(f"- **{_plain(a.title, 100)}** ({a.kind}) - {a.owner or 'no owner'}, {when}")
    if not items:
        out.append(f"- {NOT_STATED}")
    elif len(items) > 5:
        out.append(f"- …and {len(items) - 5} more in the full post-mortem.")
    out += ["", "## Decisions asked for", ""]
    out += decisions(pm, items)
    return "\n".join(out).rstrip() + "\n"


def decisions(pm: PostMortem, items: list[ActionItem]) -> list[str]:
    asks = []
    unowned = [a for a in items if not a.owner.strip() or re.search(r"owning team|tbd|unassigned|not stated", a.owner, re.I)]
    undated = [a for a in items if not a.due]
    if unowned:
        asks.append(f"- **Name owners** for {len(unowned)} action item(s), e.g. \"{_plain(unowned[0].title, 80)}\".")
    if undated:
        asks.append(f"- **Set due dates** for {len(undated)} action item(s); none of them has one yet."
                    if len(undated) == len(items) else f"- **Set due dates** for {len(undated)} action item(s).")  # fmt: skip
    long_term = [a for a in items if a.horizon == "long_term"]
    if long_term:
        asks.append(f"- **Approve the investment** in {len(long_term)} long-term item(s), e.g. \"{_plain(long_term[0].title, 80)}\".")
    urgent = [a for a in items if a.priority in ("P0", "P1")]
    if pm.header.severity in ("critical", "high") and items and not urgent:
        asks.append("- **Agree the priority:** a high-severity incident whose follow-up has no P0/P1 item.")
    return asks or ["- None: the follow-up work is owned, dated and prioritised."]


# --------------------------------------------------------------------------- public


def scrub(text: str, identifiers: list[Identifier], people: list[str]) -> str:
    """Replace internal identifiers with generic phrases and drop sentences that blame; '' if nothing is left."""
    text = _plain(text)
    identifiers = [*identifiers, *(Identifier(kind="person", value=p) for p in people if p)]
    for f in lint_public(text, identifiers, people=people, blame=False):
        generic = _GENERIC.get(f.rule)
        if generic and f.span:
            text = re.sub(re.escape(f.span), generic, text)
    kept = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if sentence and not lint_public(sentence, identifiers, people=people):
            kept.append(sentence[:1].upper() + sentence[1:])
    return " ".join(kept).strip()


def public_markdown(pm: PostMortem, bundle: Bundle | None) -> str:
    idents = internal_identifiers(bundle) if bundle is not None else []
    people = bundle_people(bundle) if bundle is not None else []

    def safe(text: str) -> str:
        return scrub(text, idents, people)

    h = pm.header
    out = [f"# Incident report: {safe(h.title) or 'service disruption'}", "", f"**Date:** {h.date}", ""]
    out += ["## What happened", ""]
    window = _window(pm)
    what = []
    if pm.impact is not None:
        what.append(safe(_stated(pm.impact.functional_impact)))
    if pm.root_cause is not None:
        cause = safe(_stated(pm.root_cause.primary_root_cause))
        if cause:
            what.append(f"The cause: {cause}")
    body = " ".join(w for w in what if w)
    lead = f"Our service was disrupted {window}." if window else "Our service was disrupted."
    out += [f"{lead} {body}".strip(), ""]
    out += ["## Who was affected and for how long", ""]
    who = []
    if pm.impact is not None:
        im = pm.impact
        for label, c in (("Affected", im.users_affected), ("Where", im.geographic_scope), ("How long", im.duration_of_impact)):
            text = safe(_stated(c))
            if text:
                who.append(f"- **{label}:** {text}")
        if im.duration_minutes is not None and not any(w.startswith("- **How long") for w in who):
            who.append(f"- **How long:** about {im.duration_minutes} minutes")
    out += who or ["- We are still establishing who was affected."]
    out += ["", "## What we are changing", ""]
    items = _ranked([a for a in pm.actions.action_items if a.kind != "investigate"]) if pm.actions else []
    changes = [safe(a.title) for a in items]
    out += [f"- {c}" for c in dict.fromkeys(c for c in changes if c)] or ["- We will publish our follow-up work here."]
    out += ["", "We apologise for the disruption."]
    return "\n".join(out).rstrip() + "\n"


def public_findings(text: str, bundle: Bundle | None) -> list[Finding]:
    """The public-safety lint over a public version (empty = safe to publish)."""
    if bundle is None:
        return lint_public(text)
    return lint_public(text, internal_identifiers(bundle), people=bundle_people(bundle))


def render_audience(pm: PostMortem, audience: str, *, bundle: Bundle | None = None,
                    critic: CriticReport | None = None) -> str:  # fmt: skip
    if audience == "executive":
        return executive_markdown(pm)
    if audience == "public":
        return public_markdown(pm, bundle)
    if audience == "internal":
        from pmstudio.render import render_markdown

        return render_markdown(pm, bundle=bundle, critic=critic)
    raise ValueError(f"unknown audience {audience!r}; expected one of {', '.join(AUDIENCES)}")
