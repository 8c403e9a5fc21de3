"""Public-safety lint: a customer-facing text must not leak internal identifiers from the evidence.

Two sources of what counts as internal:

1. **The evidence.** `internal_identifiers(bundle)` collects what the incident's own materials name:
   machine names (`db1`, `consul-prod-s03`, `ip-10-0-2-118`, `db1.cluster.gitlab.com`), IP addresses,
   people (chat actors and the bundle's people), ticket / PR ids (`OPS-1234`, `#6834`), internal URLs
   (hosts on internal domains or internal tools: Grafana, Jenkins, wiki...) and e-mail addresses.
   Any of them in the public text is a leak, whatever its shape.
2. **Shapes that are never public**, found without evidence: private / loopback IPs, hosts on internal
   suffixes (`.internal`, `.local`, `.corp`, `.svc`...), cloud resource ids (`i-0abc...`, `subnet-...`),
   URLs to internal tools, ticket ids with tracker prefixes, redaction placeholders and secrets
   (`pmstudio.redact`'s detectors), and blame (the critic's high-severity blame lints).

Public names stay allowed: product domains (`docs.rs`, `status.example.com`), regions (`us-east-1`),
versions, CVE / RFC ids, public resolvers. `lint_public` returns `Finding`s (section "public").
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from pydantic import BaseModel

from pmstudio.schema import Bundle, Finding

IdentifierKind = str  # host | ip | person | ticket | url | email | secret


class Identifier(BaseModel):
    kind: IdentifierKind
    value: str


INTERNAL_SUFFIXES = (
    ".internal", ".local", ".localdomain", ".lan", ".corp", ".intra", ".intranet", ".private", ".svc",
    ".cluster.local", ".home.arpa", ".test", ".invalid", ".ec2.internal", ".compute.internal",
)  # fmt: skip
INTERNAL_TOOLS = (
    "grafana", "kibana", "jenkins", "jira", "confluence", "wiki", "intranet", "vpn", "admin", "internal", "corp",
    "sentry", "splunk", "prometheus", "alertmanager", "argocd", "argo", "vault", "consul", "nomad", "k8s", "kube",
    "ci", "build", "console", "ops", "staging", "stg", "dev", "qa", "backstage", "runbook", "runbooks",
    "pagerduty", "opsgenie", "metabase", "superset", "airflow", "rancher", "bastion", "jump", "git", "gitlab",
    "phabricator", "redash", "datadog", "honeycomb", "lightstep", "newrelic", "tableau", "looker",
)  # fmt: skip
_ROLE = (
    r"(?:db|pg|postgres|mysql|maria|mongo|redis|memcached?|cache|web|www|app|api|node|host|srv|server|worker|"
    r"job|queue|kafka|zk|zookeeper|etcd|consul|vault|nomad|k8s|kube|master|minion|spine|leaf|edge|core|lb|"
    r"haproxy|nginx|proxy|ns|dns|mx|smtp|bastion|jump|build|builder|ci|runner|replica|primary|secondary|"
    r"standby|shard|storage|nfs|ceph|es|elastic|search|rabbit|mq|broker|ingest|gw|gateway|router|rtr|sw|fw|"
    r"vm|box|ec2|gpu|cpu|compute|backend|frontend|batch|cron|scheduler|mgmt|admin|ops|prod|stg|staging|dev)"
)
_MACHINE = re.compile(
    rf"\b(?:{_ROLE}[-_]?\d+[a-z0-9]*(?:[-_.][a-z0-9]+)*"
    rf"|[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*[-_](?:prod|stg|staging|dev|qa|int|internal)[-_][a-z0-9]+(?:[-_][a-z0-9]+)*"
    rf"|[a-z][a-z0-9]*(?:-[a-z0-9]+)*-{_ROLE}(?:-\d+[a-z]?)+"
    rf"|ip-\d{{1,3}}-\d{{1,3}}-\d{{1,3}}-\d{{1,3}}(?:\.[a-z0-9.-]+)?"
    rf"|(?:i|vol|subnet|sg|vpc|eni|ami|snap|rtb|igw|nat|acl|lt)-[0-9a-f]{{8,17}})\b",
    re.I,
)
_FQDN = re.compile(r"\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}\b", re.I)
_IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}(?![\w:])", re.I)
_URL = re.compile(r"\b(?:https?|ssh|ftp|s3|gs)://[^\s<>\"')\]]+", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_TICKET = re.compile(r"\b[A-Z][A-Z0-9]{1,9}-\d{1,10}(?:-\d{1,4})?\b")
_HASH_TICKET = re.compile(r"(?:\b(?:PR|MR|issue|ticket|pull request|bug|case|incident)\s*)#\d{2,7}\b|(?<![\w&])#\d{3,7}\b", re.I)
_MENTION = re.compile(r"(?<![\w.])@[a-z][\w.-]{1,30}\b", re.I)
_PLACEHOLDER = re.compile(r"\bREDACTED_[A-Z]+_\d+\b")
TICKET_PREFIXES = frozenset({
    "INC", "JIRA", "OPS", "SRE", "TICKET", "PD", "CHG", "CR", "SEC", "BUG", "ENG", "INFRA", "PLAT", "NET", "DBA",
    "SUP", "SUPPORT", "HELP", "TASK", "PROJ", "DEV", "QA", "REL", "RFC-INT", "SD", "ITSM", "PIR", "PM", "RCA",
    "SEV", "OUT", "CS", "CASE", "REQ", "ISSUE",
})  # fmt: skip
PUBLIC_ID_PREFIXES = frozenset({
    "CVE", "CWE", "GHSA", "RFC", "ISO", "SHA", "UTF", "AES", "HTTP", "TLS", "SSL", "COVID", "IPV", "MD", "RSA",
    "ECDSA", "ED", "X", "EC", "US", "EU", "AP", "SA", "CA", "ME", "AF", "IL", "MX", "GCP", "AZ", "SOC", "PCI", "DSS",
    "NORTHEAST", "SOUTHEAST", "EAST", "WEST", "NORTH", "SOUTH", "CENTRAL", "ASIA", "USA", "WIN", "IEEE", "ECMA",
    "POSIX", "IEC", "NIST", "SP", "FIPS", "GDPR", "ARM", "AMD", "H", "M", "P", "T", "V", "A", "B", "C",
})  # fmt: skip
_COMMON_WORDS = frozenset({
    "will", "may", "mark", "bill", "sue", "pat", "rob", "art", "max", "sam", "ray", "joy", "hope", "grace", "faith",
    "dawn", "eve", "june", "april", "august", "summer", "autumn", "rose", "lily", "ivy", "iris", "jack", "chase",
    "hunter", "page", "case", "lane", "drew", "gene", "frank", "rich", "bob", "don", "ken", "jay", "guy", "jean",
    "amber", "crystal", "ruby", "jade", "sky", "river", "storm", "stone", "miles", "rocky", "sandy", "penny", "sunny",
    "holly", "candy", "cliff", "glen", "dale", "wade", "reed", "nick", "ash", "carol", "mercedes", "harmony", "summa",
    "team", "bot", "system", "oncall", "on-call", "admin", "root", "user", "support", "status", "alert", "monitor",
})  # fmt: skip
_BOTS = re.compile(
    r"(?:bot\b|synthetic|\bprobes?\b|\bchecks?\b|checker|pager|alert|monitor|\bsystem\b|statuspage|\bstatus\b|grafana|"
    r"pagerduty|opsgenie|github|jenkins|\bci\b|deployer|kubelet|cron)",
    re.I,
)
"""Actors that are tools, not people (`pagerbot`, `Synthetic checks`, `alertmanager`): never a person's name."""


def _public_ip(value: str) -> bool:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return True
    return bool(ip.is_global) and not ip.is_private


def _internal_host(host: str) -> bool:
    h = host.lower().rstrip(".")
    if h.endswith(INTERNAL_SUFFIXES) or h in ("localhost",):
        return True
    labels = h.split(".")
    if any(_MACHINE.fullmatch(lab) for lab in labels[:-1]) and len(labels) >= 2:
        return True
    if len(labels) >= 3 and labels[0] in INTERNAL_TOOLS:
        return True
    if any(lab in ("internal", "corp", "intranet", "intra", "cluster", "prod", "staging", "stg", "dev") for lab in labels[:-2]):
        return True
    try:
        ipaddress.ip_address(h)
        return not _public_ip(h)
    except ValueError:
        return False


WORKSPACE_HOSTS = (
    "docs.google.com", "drive.google.com", "notion.so", "www.notion.so", "atlassian.net", "slack.com",
    "app.slack.com", "pagerduty.com", "opsgenie.com", "app.datadoghq.com", "sharepoint.com", "paper.dropbox.com",
    "miro.com", "coda.io", "quip.com", "app.incident.io", "firehydrant.io", "linear.app", "app.asana.com",
    "trello.com", "teams.microsoft.com", "zoom.us", "meet.google.com", "console.aws.amazon.com",
    "console.cloud.google.com", "portal.azure.com",
)  # fmt: skip
"""Workspace SaaS: a link there points into the company's private workspace, never to public material."""


def _internal_url(url: str) -> bool:
    if not url.lower().startswith(("http://", "https://")):
        return True  # s3://, gs://, ssh://, ftp://: storage and machines, never a public page
    m = re.match(r"[a-z0-9+.-]+://(?:[^@/\s]*@)?(?P<host>\[[^\]]+\]|[^:/\s?#]+)", url, re.I)
    if not m:
        return False
    host = m.group("host").strip("[]").lower()
    if any(host == w or host.endswith("." + w) for w in WORKSPACE_HOSTS):
        return True
    if _internal_host(host) or not re.search(r"[a-z]", host, re.I) or ":" in host:
        return True
    return bool(re.match(r"[a-z0-9+.-]+://[^/]+/(?:.*?/)?(?:d|dashboard|dashboards|explore|job|jobs|browse|"
                         r"wiki|display|spaces|runbooks?|incidents?|alerts?|admin|internal)/", url, re.I))


def _ticket(value: str) -> bool:
    """A ticket id in the materials: a tracker prefix, or any all-letter project key that is not a standard's."""
    prefix = value.split("-", 1)[0].upper()
    return prefix in TICKET_PREFIXES or (prefix.isalpha() and len(prefix) >= 2 and prefix not in PUBLIC_ID_PREFIXES)


def internal_identifiers(bundle: Bundle) -> list[Identifier]:
    """Everything internal that the incident's materials name (see the module doc)."""
    found: dict[tuple[str, str], Identifier] = {}

    def add(kind: str, value: str) -> None:
        value = value.strip().strip(".,;:()[]{}<>'\"")
        if len(value) >= 2 and (kind, value.lower()) not in found:
            found[(kind, value.lower())] = Identifier(kind=kind, value=value)

    texts = [m.content for m in bundle.materials] or [e.text for e in bundle.evidence]
    for text in texts:
        for m in _URL.finditer(text):
            if _internal_url(m.group(0)):
                add("url", m.group(0).rstrip(".,;:"))
        for m in _EMAIL.finditer(text):
            add("email", m.group(0))
        for m in _IPV4.finditer(text):
            add("ip", m.group(0))
        for m in _IPV6.finditer(text):
            if m.group(0).count(":") >= 3:
                add("ip", m.group(0))
        for m in _FQDN.finditer(text):
            if _internal_host(m.group(0)):
                add("host", m.group(0))
        for m in _MACHINE.finditer(text):
            add("host", m.group(0))
        for m in _TICKET.finditer(text):
            if _ticket(m.group(0)):
                add("ticket", m.group(0))
        for m in _HASH_TICKET.finditer(text):
            add("ticket", "#" + m.group(0).split("#", 1)[1])
        for m in _PLACEHOLDER.finditer(text):
            add("secret", m.group(0))
    people = set(bundle.people) | {e.actor for e in bundle.evidence if e.actor}
    for name in people:
        name = name.strip().lstrip("@")
        if name and not _BOTS.search(name) and name.lower() not in ("unknown", "system"):
            add("person", name)
            for part in name.split():
                if len(part) >= 3 and part.lower() not in _COMMON_WORDS:
                    add("person", part)
    return sorted(found.values(), key=lambda i: (i.kind, i.value.lower()))


def _occurrences(text: str, ident: Identifier) -> Iterable[re.Match[str]]:
    v = re.escape(ident.value)
    if ident.kind == "person":
        flags = 0 if ident.value.lower() in _COMMON_WORDS else re.I
        pattern = rf"(?<![\w@.-])@?{v}(?![\w-])"
        if flags == 0 and ident.value.islower():
            pattern = rf"(?<![\w@.-])(?:@{v}|{ident.value.capitalize()}|{v.upper()})(?![\w-])"
        return re.finditer(pattern, text, flags)
    if ident.kind == "ticket" and ident.value.startswith("#"):
        return re.finditer(rf"(?<![\w&]){v}(?!\d)", text)
    return re.finditer(rf"(?<![\w.-]){v}(?![\w-]|\.\w)", text, re.I)


def _finding(rule: str, span: str, message: str) -> Finding:
    return Finding(rule=rule, severity="high", section="public", span=span, message=message,
                   suggestion="Describe it generically (an internal server, a team member, our ticketing system).")  # fmt: skip


RULES = {
    "host": "P1-internal-host",
    "ip": "P2-ip-address",
    "person": "P3-person-name",
    "ticket": "P4-ticket-id",
    "url": "P5-internal-url",
    "email": "P3-person-name",
    "secret": "P6-secret",
}


def lint_public(text: str, identifiers: list[Identifier] | None = None, *, people: list[str] | None = None,
                blame: bool = True) -> list[Finding]:  # fmt: skip
    """Findings for every internal identifier (from the evidence, or by shape) in a public text."""
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()

    def hit(kind: str, span: str, why: str) -> None:
        key = (RULES[kind], span.lower())
        if key not in seen:
            seen.add(key)
            out.append(_finding(RULES[kind], span, why))

    for ident in identifiers or []:
        for m in _occurrences(text, ident):
            hit(ident.kind, m.group(0), f"{ident.kind} {ident.value!r} from the incident's materials")
    for m in _URL.finditer(text):
        if _internal_url(m.group(0)):
            hit("url", m.group(0), "link to an internal host or tool")
    for m in _EMAIL.finditer(text):
        hit("email", m.group(0), "e-mail address")
    for m in _IPV4.finditer(text):
        if not _public_ip(m.group(0)):
            hit("ip", m.group(0), "private or reserved IP address")
    for m in _IPV6.finditer(text):
        if m.group(0).count(":") >= 3 and not _public_ip(m.group(0)):
            hit("ip", m.group(0), "private or reserved IP address")
    for m in _FQDN.finditer(text):
        if _internal_host(m.group(0)):
            hit("host", m.group(0), "internal host name")
    for m in _MACHINE.finditer(text):
        hit("host", m.group(0), "machine or cloud-resource name")
    for m in _TICKET.finditer(text):
        if m.group(0).split("-", 1)[0] in TICKET_PREFIXES:
            hit("ticket", m.group(0), "ticket id")
    for m in _HASH_TICKET.finditer(text):
        hit("ticket", m.group(0), "ticket / pull-request number")
    for m in _MENTION.finditer(text):
        hit("person", m.group(0), "@-mention of a person")
    for m in _PLACEHOLDER.finditer(text):
        hit("secret", m.group(0), "redacted secret placeholder")
    from pmstudio.redact import RedactionMap, redact_text

    rmap = RedactionMap()
    redact_text(text, rmap)
    for ph, value in rmap.mapping.items():
        hit("email" if "EMAIL" in ph else "secret", value, f"{ph.split('_')[1].lower()} detected")
    if blame:
        from pmstudio.lints.blame import lint_blame
        from pmstudio.lints.segments import Segment

        seg = Segment(section="public", field="text", text=text, kind="narrative")
        for f in lint_blame([seg], people=people or []):
            if f.severity == "high":
                out.append(f.model_copy(update={"section": "public", "rule": f"P7-blame/{f.rule}"}))
    return out


def bundle_people(bundle: Bundle) -> list[str]:
    return sorted({*bundle.people, *(e.actor for e in bundle.evidence if e.actor)})


# --------------------------------------------------------------------------- measuring on a seeded corpus


class CorpusScore(BaseModel):
    split: str
    identifiers: int
    caught: int
    clean: int
    false_alarms: int
    missed: list[str] = []
    alarms: list[str] = []

    @property
    def catch_rate(self) -> float:
        return self.caught / self.identifiers if self.identifiers else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.clean if self.clean else 0.0


def score_corpus(data: dict[str, object]) -> dict[str, CorpusScore]:
    """Catch rate on seeded identifiers and false-alarm rate on clean texts, per split (see datasets/public_safety)."""
    from pmstudio.schema import Material

    scores: dict[str, CorpusScore] = {}
    for case in data["cases"]:  # type: ignore[attr-defined]
        bundle = Bundle(id=case["id"], materials=[Material(name="materials.txt", kind="chat", content=case["materials"])],
                        evidence=[], people=list(case.get("people") or []))  # fmt: skip
        idents = internal_identifiers(bundle)
        for leak in case["leaks"]:
            s = scores.setdefault(leak["split"], CorpusScore(split=leak["split"], identifiers=0, caught=0, clean=0, false_alarms=0))
            s.identifiers += 1
            found = lint_public(leak["text"], idents, people=bundle.people)
            if any(str(leak["id"]).lower() in f.span.lower() or f.span.lower().lstrip("@") in str(leak["id"]).lower() for f in found):
                s.caught += 1
            else:
                s.missed.append(f"{case['id']}: {leak['id']}")
        for clean in case["clean"]:
            s = scores.setdefault(clean["split"], CorpusScore(split=clean["split"], identifiers=0, caught=0, clean=0, false_alarms=0))
            s.clean += 1
            found = lint_public(clean["text"], idents, people=bundle.people)
            if found:
                s.false_alarms += 1
                s.alarms.append(f"{case['id']}: {[f.span for f in found]}")
    return scores
