"""Redaction: seeded fake secrets never survive; ordinary incident content is never touched."""

from __future__ import annotations

import re

import pytest

from pmstudio.ingest import bundle_from_materials
from pmstudio.redact import RedactionMap, redact_bundle, redact_text
from pmstudio.schema import Material

# All fake. Built from pieces so no scanner mistakes this file for a leak.
PEM_BODY = [
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
    "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo",
]
PEM = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(PEM_BODY) + "\n-----END RSA PRIVATE KEY-----"
OPENSSH_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
OPENSSH = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + OPENSSH_BODY + "\n-----END OPENSSH PRIVATE KEY-----"

# (line as it appears in a material, the secret that must not survive)
SECRETS: list[tuple[str, str]] = [
    ("14:02 dana: the key in the leaked file is {s}", "AKIA" + "FAKEEXAMPLE0000X1"),
    ("2024-05-01T02:00:00Z WARN sts creds {s} used from 203.0.113.9", "ASIA" + "FAKE1234567890AB"),
    ("- aws_secret_access_key={s}", "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "FAKEKEY01"),
    ('{{"AccessKeyId": "x", "SecretAccessKey": "{s}"}}', "9fQx2Lk7Zp4Wm8Rt6Yv3Bn5Hc1Jd0Ks2" + "FAKEab7x"),
    ("14:05 sam: oops pasted my token {s}", "ghp_" + "Zx9kL2mN4pQ6rS8tU0vW1xY3zA5bC7dE9fG1"),
    (
        "GITHUB_TOKEN {s} in the build env",
        "github_pat_" + "11ABCDEFG0123456789_abcdefghijKLMNOPQRSTuvwxyz0123456789ABCDEFGHIJklmnopq",
    ),
    ("2024-05-01T02:01:00Z oauth token {s} refreshed", "gho_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"),
    ("runner registered with {s}", "glpat-" + "Xy9Zk2Lm4Np6Qr8St0Uv"),
    ("14:07 kim: bot token is {s}", "xoxb-" + "1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
    (
        "xoxp token {s} belongs to the alerts app",
        "xoxp-" + "2222222222-3333333333333-4444444444444-abcdef0123456789abcdef0123456789",
    ),
    ("webhook: {s}", "https://hooks.slack.com/services/" + "T0FAKE000/B0FAKE000/Xq7Lm2Kp9Rt4Wv8Zn3Bc6Yd1"),
    ("charge failed with key {s}", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"),
    ("test mode key {s} was in prod", "sk_test_" + "51HxFakeKeyAbcDef123456Gh"),
    ("restricted key {s}", "rk_live_" + "7Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op"),
    (
        "session {s} replayed",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkZha2UifQ."
        + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ),
    ('curl -H "Authorization: Bearer {s}" https://api.internal/v1/orders', "8f3kLm2Qp9Xr7TzW4vBn6Yc1"),
    (
        "2024-05-01T02:02:00Z DEBUG request headers Authorization: Bearer {s}",
        "ya29.a0AfH6SMBxFakeToken_Q9r8s7t6u5",
    ),
    ("proxy sent Authorization: Basic {s}", "ZGVwbG95OmZha2VQYXNzMTIz"),
    ("DATABASE_URL=postgres://app:{s}@db.internal:5432/app", "hunter2fake"),
    ("redis://:{s}@cache.internal:6379/0 refused AUTH", "S3cretRedis!fake"),
    ("amqp://guest:{s}@mq.internal/ vhost missing", "guestFake99"),
    ("export DB_PASSWORD={s}", "Tr0ub4dor&3"),
    ('password: "{s}"', "correct-horse-battery-staple-fake"),
    ("client_secret: {s}", "7d9f8b6c5a4e3d2c1b0a"),
    ("maps api_key={s}", "AIza" + "SyFAKE-1234567890abcdefghijklmnopq"),
    ("OPENAI_API_KEY {s}", "sk-proj-" + "Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56"),
    ("anthropic key {s} rotated", "sk-ant-api03-" + "Fake0123456789abcdefABCDEF-ghijkl"),
    ("//registry.npmjs.org/:_authToken={s}", "npm_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"),
    ("SENDGRID {s}", "SG." + "Ab3dE5fG7hI9jK1lM3nO5p.Qr7sT9uV1wX3yZ5aB7cD9eF1gH3iJ5kL7mN9oP1qR3s"),
    ("14:20 omar: use key {s} for the replay", "Zk8Qw2Lp5Xr9Tb3Vn7Yc4Hm6Jd1Fs0Ga"),
    ("export link https://api.example.com/v1/export?access_token={s}&fmt=csv", "f8Kq2LmZ9xRt7WpV3bN"),
    ("14:21 dana: ping me at {s}", "oncall.fake@example.com"),
    ("escalation: {s}", "dana.smith+pager@corp.example.co.uk"),
    ("14:22 sam: my cell is {s} if slack dies", "+1 555 0100 2233"),
    ("call the vendor on {s}", "(555) 010-2233"),
    ("UK desk +44 20 7946 0958, ask for Ian", "+44 20 7946 0958"),
    ("the password is {s} (yes really)", "hunter2"),
    ("DD_API_KEY={s}", "0123456789abcdef0123456789abcdef"),
    # prose forms (session 32): a user and its password, a password or token named a few words before its value
    ("14:30 lea: for the wiki, router admin login is ops-admin / {s}, change it monday", "R0uter!2019-fake"),
    ("Ticket: my login is jdoe42 /\n{s}, if you need to test", "FAKE-Portal-Pass-77"),
    ("my account is jdoe / password {s} if that helps", "Fake-Pw-2020x"),
    ("the replacement password we agreed on is {s}.", "Fake-Agreed-Pass-0101"),
    ("(password in the shared sheet: {s}) works again", "Fx!Sheet-2015"),
    ("login fine, password {s} (don't laugh)", "Fake-Pw-Laugh-11"),
    ("Our integration token is\n{s} and it stopped working", "FAKE-INT-TOKEN-7c2e91ab"),
    ("the API token for the backup job: {s}", "bkp_FAKE_0a9c7e4b21"),
    ("relay auth token {s} for debugging", "rl_FAKE_5e6d7c8b9a0f"),
]

ORDINARY = [
    "2024-05-01T02:00:00Z ERROR checkout-api: upstream timeout after 3012ms",
    "14:02 dana: seeing 5xx spike on checkout, error rate 7.5%",
    "request_id=3f2b1c9e-8d7a-4b6c-9e5f-1a2b3c4d5e6f status=502 upstream=10.0.3.17:8080",
    "deployed v2.14.3 (commit 9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e) to checkout-api-7d9f8b6c5-x2k4q",
    "ip-10-0-3-17.ec2.internal went NotReady at 02:14, p99 latency 1234ms",
    "Mar  1 14:03:00 web-3 nginx[123]: upstream timed out (110: Connection timed out)",
    "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
    "image sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 pulled",
    "arn:aws:iam::123456789012:role/deploy assumed by ci at 14:05",
    "ami-0abcdef1234567890 launched in us-east-1a, i-0abc123def4567890 healthy",
    "ConnectTimeoutException2 raised in OrderServiceV2ControllerImpl.handle",
    "secret: rotated at 14:30 by the cron job",
    "token refresh failed for 3 users; password reset emails delayed 40 minutes",
    "Bearer tokens are rotated hourly; Authorization header missing on 12% of calls",
    "https://grafana.internal/d/AbCdEf12/checkout?orgId=1&from=now-6h",
    "https://docs.google.com/document/d/1aBcD3fGhIjKlMnOpQrStUvWxYz0123456789AbCd/edit",
    "dial tcp 10.0.0.5:5432: connect: connection refused",
    "git clone git@github.com:example/checkout.git failed with exit 128",
    "INC-20240501-0042 opened; JIRA OPS-1234 linked; PR #4512 reverted",
    "cpu 93.5% mem 71% disk /var/lib/docker 100% full on node-12",
    "1710057060 kernel: Out of memory: Killed process 4242 (java)",
    "kubectl rollout undo deployment/checkout-api -n prod --to-revision=41",
    "config push v42 changed pool_size from 50 to 5 (should have been 500)",
    "status page updated 2024-05-01 02:15 UTC: Investigating elevated errors",
    "RDS failover from db-prod-1a to db-prod-1b took 94 seconds",
    "the on-call runbook says: page the DBA after 15 minutes",
    "ULID 01HF3Z8K9QXYZABCDEFGHJKMNP logged for the failed job",
    "user_agent=secrets-writer/1.4 programmatic_access=personal_access_token token_id=90817263",
    "2019-03-01 14:02:11,123 - synapse.http.server - ERROR - PUT-4765186 - 403: No create event",
    "Datadog monitor 12345678 'Checkout 5xx' triggered; threshold 5.0 over 5m",
    "DNS TTL 300s; resolvers 8.8.8.8 and 1.1.1.1 returned SERVFAIL",
    "max_tokens=4096 and token_expiry=3600 in the client config",
    "npm publish web-sdk@5.13.3 by token ci-publish-2 (no provenance)",
    "token issue timed out after 8000ms; secret header x-admin-secret: missing",
    "{\"text\": \"please rotate that password, it's public now\", \"ts\": \"1667387880.000100\"}",
    "FATAL: password authentication failed for user app_rw",
    "change any password shorter than the new 14-character rule",
    "token created: 2025-04-01T14:37:11Z; api key latency 3002ms",
    "user: alice / group admins-2 has the role",
    "- [ ] **Restore it with a new password today** - Owner: On-call team - Due: 2024-05-03",
    "use built-in expiration when a token is needed** - Owner: Security",
]


def test_seeded_list_is_big_enough() -> None:
    assert len(SECRETS) >= 30 and len(ORDINARY) >= 30


@pytest.mark.parametrize(("template", "secret"), SECRETS, ids=[f"secret{i}" for i in range(len(SECRETS))])
def test_secret_does_not_survive_in_a_line(template: str, secret: str) -> None:
    line = template.format(s=secret) if "{s}" in template else template
    assert secret in line
    out = redact_text(line, RedactionMap())
    assert secret not in out
    context = template.replace("{s}", " ")
    pieces = {secret[i : i + 5] for i in range(len(secret) - 4)}
    leaked = sorted(p for p in pieces if p in out and p not in context and not p.isdigit())
    assert not leaked, f"parts of the secret survive: {leaked}"
    assert re.search(r"REDACTED_(SECRET|PASSWORD|KEY|EMAIL|PHONE)_\d+", out)
    assert "<" not in out.replace(line, "") and "[REDACTED" not in out


@pytest.mark.parametrize("line", ORDINARY, ids=[f"ordinary{i}" for i in range(len(ORDINARY))])
def test_ordinary_line_is_unchanged(line: str) -> None:
    assert redact_text(line, RedactionMap()) == line


def _bundle_with_everything():  # type: ignore[no-untyped-def]
    lines = [t.format(s=s) if "{s}" in t else t for t, s in SECRETS]
    chat = "\n".join(f"14:{i % 60:02d} sam: {line}" for i, line in enumerate(lines[:13]))
    log = "\n".join(f"2024-05-01T02:{i:02d}:00Z INFO {line}" for i, line in enumerate(lines[13:26]))
    notes = (
        "\n".join(f"- {line}" for line in lines[26:]) + "\n\nkey we found:\n" + PEM + "\n\n" + OPENSSH + "\n"
    )
    materials = [
        Material(name="chat.txt", kind="chat", content=chat),
        Material(name="app.log", kind="log", content=log),
        Material(name="notes.md", kind="notes", content=notes + "\n".join(ORDINARY)),
    ]
    return bundle_from_materials(materials, id="redaction-case", redact=False)[0]


def test_bundle_redaction_covers_materials_and_evidence() -> None:
    raw = _bundle_with_everything()
    assert any(e.text.startswith("MIIEow") for e in raw.evidence)  # PEM lines are evidence items
    bundle, rmap = redact_bundle(raw)
    dumped = bundle.model_dump_json()
    for _, secret in SECRETS:
        assert secret not in dumped, secret
    for body in [*PEM_BODY, OPENSSH_BODY]:
        assert body not in dumped
    for line in ORDINARY:
        assert line in bundle.materials[2].content
    assert bundle.redacted and bundle.redaction_count == rmap.total == len(rmap.mapping)
    assert rmap.counts.keys() >= {"SECRET", "PASSWORD", "KEY", "EMAIL", "PHONE"}
    assert sum(rmap.counts.values()) == rmap.total and rmap.replacements >= rmap.total
    # PEM lines cited as evidence map to the same placeholder as the whole block in the material
    key_placeholders = {ph for ph, original in rmap.mapping.items() if "PRIVATE KEY" in original}
    pem_items = [e for e in bundle.evidence if e.material == "notes.md" and e.text in key_placeholders]
    assert len(pem_items) >= 3
    assert rmap.restore(bundle.materials[0].content) == raw.materials[0].content


def test_placeholders_are_stable_and_plain() -> None:
    rmap = RedactionMap()
    a = redact_text("mail oncall.fake@example.com now", rmap)
    b = redact_text("again: oncall.fake@example.com, and ops.fake@example.com", rmap)
    assert a == "mail REDACTED_EMAIL_1 now"
    assert b == "again: REDACTED_EMAIL_1, and REDACTED_EMAIL_2"
    assert rmap.mapping == {
        "REDACTED_EMAIL_1": "oncall.fake@example.com",
        "REDACTED_EMAIL_2": "ops.fake@example.com",
    }
    assert redact_text(b, rmap) == b  # idempotent: placeholders are not secrets


def test_secret_seen_once_is_redacted_everywhere() -> None:
    rmap = RedactionMap()
    redact_text("DB_PASSWORD=Tr0ub4dor&3", rmap)
    assert (
        redact_text("someone typed Tr0ub4dor&3 into chat", rmap)
        == "someone typed REDACTED_PASSWORD_1 into chat"
    )
    # a plain word used as a password is not hunted down in ordinary text
    rmap = RedactionMap()
    redact_text("password=admin", rmap)
    assert redact_text("the admin console was slow", rmap) == "the admin console was slow"


def test_url_password_keeps_scheme_user_and_host() -> None:
    out = redact_text("postgres://app:hunter2fake@db.internal:5432/app", RedactionMap())
    assert out == "postgres://app:REDACTED_PASSWORD_1@db.internal:5432/app"


def test_map_round_trips_through_json() -> None:
    rmap = RedactionMap()
    redact_text("notes:\n" + PEM + "\nmail oncall.fake@example.com", rmap)
    again = RedactionMap.model_validate_json(rmap.model_dump_json())
    assert redact_text(PEM_BODY[1], again) == again.fragments[PEM_BODY[1]]
    assert again.mapping == rmap.mapping


def test_sudo_working_directory_is_not_a_password() -> None:
    from pmstudio.redact import RedactionMap, redact_text

    line = "Jan 31 23:27:01 db1 sudo: alex : TTY=pts/0 ; PWD=/var/opt/gitlab ; USER=root ; COMMAND=/bin/rm -rf x"
    assert redact_text(line, RedactionMap()) == line
    assert "hunter2fake" not in redact_text("pwd=hunter2fake", RedactionMap())


def test_a_keyword_alternation_led_by_its_first_letters_keeps_every_match() -> None:
    """`_led` puts a lookahead on the words' first letters before an alternation (a faster scan of large logs): the
    same words match, in any case, and a word inside a group does not count as a first word."""
    from pmstudio.redact import _led

    assert _led(r"pwd|api[_-]?key|call\s+me\s+(?:at|on)") == r"(?=[acp])(?:pwd|api[_-]?key|call\s+me\s+(?:at|on))"
    led = re.compile(r"(?i)" + _led(r"password|api[_-]?key|call\s+me\s+(?:at|on)") + r"\s*[:=]?")
    for text in ("PASSWORD=", "Api-Key:", "call me at", "x password"):
        assert led.search(text), text
    assert not led.search("tokens only")
    rmap = RedactionMap()
    said = redact_text("DB_PASSWORD=Hunter2Hunter2 and Authorization: Bearer abcDEF123456789xyz", rmap)
    assert "Hunter2Hunter2" not in said and "abcDEF123456789xyz" not in said
