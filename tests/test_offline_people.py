"""People named in chat, tickets and wiki pages are found and replaced by a role; words that are not names are kept."""

from __future__ import annotations

from datetime import datetime

import pytest

from pmstudio.agents.messages import EvidenceLine
from pmstudio.offline.items import Item, build_items
from pmstudio.offline.people import RESPONDER, USER, People, find_people


@pytest.fixture
def people() -> People:
    p = People()
    for name in ("mark", "will", "may", "kelvin"):
        p.add(name)
    return p


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("confirmed with mark on the huddle.", "confirmed with a responder on the huddle."),
        ("ping will about the rollback", "ping a responder about the rollback"),
        ("asked will, he said no", "asked a responder, he said no"),
        ("thanks mark", "thanks a responder"),
        ("borrowed will's laptop key from kelvin", "borrowed will's laptop key from a responder"),
        ("Mark restarted it", "a responder restarted it"),
    ],
)
def test_a_name_that_is_also_a_word_is_replaced_where_it_names_a_person(people: People, text: str, want: str) -> None:
    assert people.anonymise(text) == want


@pytest.mark.parametrize(
    "text",
    [
        "will mark the incident as resolved",
        "mark as resolved once the queue drains",
        "and mark the ticket done",
        "from may 3 to may 5 the graph climbed",
        "with mark the deploy as failed",
    ],
)
def test_the_same_word_used_as_a_word_is_kept(people: People, text: str) -> None:
    assert people.anonymise(text) == text


# --------------------------------------------------------------------------- speakers and signatures in tickets


def _items(lines: list[tuple[str | None, str]], material: str = "mailing-list.txt") -> list[Item]:
    evidence = [
        EvidenceLine(id=f"{material}:{i}", at=datetime.fromisoformat(at) if at else None, actor=None, text=text,
                     date_only=bool(at) and len(at) == 10)
        for i, (at, text) in enumerate(lines, 1)
    ]
    return build_items(evidence)


def test_a_speaker_on_date_only_ticket_lines_is_a_person() -> None:
    people = find_people(_items([
        ("2023-07-02T14:21:00+00:00", "Colin: Tarsnap outage. Your stored data is safe."),
        ("2023-07-13", "Colin: credits applied to all accounts."),
        ("2023-07-26", "Colin: the promised post-mortem, three weeks late."),
    ]))
    assert "colin" in people.roles
    assert people.anonymise("Colin: credits applied to all accounts.") == "a responder: credits applied to all accounts."


def test_a_person_named_as_the_owner_of_a_secret_or_a_change_is_a_person() -> None:
    """Chat names whose keys or push it may have been, with a word or two between ("Dave's old hardcoded keys",
    Sumo Logic 2023): a person, never named in a draft; a product's own words are no person ("Redis's memory")."""
    people = find_people(_items([
        ("2023-11-03T17:20:00+00:00", "priya: if this is one of Dave's old hardcoded keys again we rotate all of them"),
        ("2023-11-03T17:22:00+00:00", "marcus: or Ana's late-night push. Redis's memory is fine though"),
    ], material="chat.txt"))
    assert {"dave", "ana"} <= set(people.roles) and "redis" not in people.roles
    assert people.anonymise("one of Dave's old hardcoded keys") == "one of a responder's old hardcoded keys"


def test_a_name_with_accented_letters_is_a_name() -> None:
    """"Jón's account is deleted too" (Vivaldi 2023), "Łukasz thinks it is the cleanup job": Latin letters with accents make names
    as plain ones do, so the draft shows neither."""
    people = find_people(_items([
        ("2023-07-08T17:50:00+00:00", "thomas: Jón's account is deleted too, not recreated yet"),
        ("2023-07-08T17:52:00+00:00", "gudrun: merge log is clean. Łukasz thinks it is the cleanup job"),
    ], material="chat.txt"))
    assert {"jón", "łukasz"} <= set(people.roles)
    assert people.anonymise("Jón's account; Łukasz Wójcik thinks so") == "a responder's account; a responder thinks so"


def test_teammates_credited_by_name_as_they_helped_are_people() -> None:
    """"Mastodon developers contacted (Renaud, Claire, Eugen helped)" (Vivaldi 2023): two or more capitalised names
    before "helped" are people; one word before it is no list ("Backups helped"), and nor are teams the materials also
    write in lower case ("Networking and Storage helped")."""
    people = find_people(_items([
        ("2023-07-09", "Mastodon developers contacted (Renaud, Claire, Eugen helped)"),
        ("2023-07-09", "Backups helped. Ines & Marek jumped in on the restore"),
        ("2023-07-09", "Networking and Storage helped; storage was the slow part, networking was fine"),
    ], material="notes.md"))
    assert {"renaud", "claire", "eugen", "ines", "marek"} <= set(people.roles) and "backups" not in people.roles
    assert not {"networking", "storage"} & set(people.roles)  # teams, written in lower case elsewhere


def test_a_speaker_whose_only_line_was_left_out_is_still_a_person() -> None:
    # "sam: ... great call" is sarcasm and tells no item; the reply to sam must still not show the name
    people = find_people(_items([("2023-11-06T19:14:00+00:00", "devin: sam, not helpful. the runbook allows it")]),
                         unheard=["sam", "alertbot"])  # fmt: skip
    assert "sam" in people.roles
    assert "alertbot" not in people.roles
    assert "sam" not in people.anonymise("sam, not helpful. the runbook allows it")


def test_a_label_that_opens_lines_is_not_a_speaker() -> None:
    # "Impact:" twice, but "impact" is also written as a word: a label, not a name
    people = find_people(_items([
        ("2023-07-02T14:21:00+00:00", "Impact: uploads failed."),
        ("2023-07-02T15:21:00+00:00", "Impact: the impact grew to every region."),
        ("2023-07-02T16:00:00+00:00", "Summary: fixed by a restart."),
    ]))
    assert people.roles == {}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Editing a gallery page gives me an error on save, tried three times. --Kestrel1 18:43, 27 March 2019 (UTC)",
         "kestrel1"),
        ("Same here. —Ellinor 20:43, 27 March 2019 (UTC)", "ellinor"),
        ("Still broken ~~ivo_c 09:05, 28 March 2019 (UTC)", "ivo_c"),
    ],
)
def test_a_wiki_signature_names_a_user(text: str, name: str) -> None:
    people = find_people(_items([(None, text)], "commons-community-reports.txt"))
    assert people.roles == {name: USER}
    out = people.anonymise(text)
    assert name not in out.lower() and "a user " in out


def test_irc_nicks_and_list_replies_in_a_log_are_people() -> None:
    people = find_people(_items([
        ("2019-03-28T11:29:04+00:00", "<ivo_c> hi, no edit in the main namespace works"),
        ("2019-03-28T12:02:10+00:00", "<logmsgbot> emil synchronized wmf-config/InitialiseSettings.php"),
        ("2019-03-28T12:04:00+00:00", "user (dev_ops_pete): a backup service that is down for a day"),
    ], "operations-irc.log"))
    assert people.roles == {"ivo_c": RESPONDER, "dev_ops_pete": USER}


@pytest.mark.parametrize(
    "text",
    [
        "re-mark the kestrel1-cache as stale",  # a name joined to a word by a dash is part of it
        "node-kestrel1 restarted",
        "kestrel10 and kestrel1x are other nodes",
    ],
)
def test_a_name_inside_a_word_or_host_is_kept(text: str) -> None:
    people = People()
    people.add("kestrel1", USER, handle=True)
    people.add("mark")
    assert people.anonymise(text) == text


def test_every_role_a_name_is_told_by_is_a_speaker_the_action_items_strip() -> None:
    from pmstudio.offline import actions, people

    roles = {v for k, v in vars(people).items() if k.isupper() and isinstance(v, str) and v.startswith(("a ", "the "))}
    assert roles == set(people.SPEAKER_ROLES)  # a new role constant joins the one list
    for role in people.SPEAKER_ROLES:
        assert actions._SPEAKER.sub("", f"{role.capitalize()}: add an alert on disk use") == "add an alert on disk use"


def test_a_place_in_a_support_cases_customer_label_is_not_a_handle() -> None:
    """"Customer (Canada)" labels where the case came from; "canada too" in the chat shows it is a word, not a
    handle. "user (mira)" stays a person's handle."""
    t = datetime(2026, 1, 12, 10, 5)
    items = build_items([
        EvidenceLine(id="support-cases.txt:1", at=t, actor=None, text='Case 2 - Customer (Canada): "Cannot reach our instance"'),
        EvidenceLine(id="support-cases.txt:2", at=t, actor=None, text="Reply from user (mira): same for us"),
        EvidenceLine(id="team-chat.txt:1", at=t, actor="hannah", text="canada too. UK and EU look fine"),
    ])  # fmt: skip
    people = find_people(items)
    assert "canada" not in people.roles and people.roles.get("mira") == USER


def test_a_person_in_a_telegram_or_discord_export_speaks_in_chat() -> None:
    t = datetime(2025, 2, 10, 11, 45)
    items = build_items([
        EvidenceLine(id="telegram-support.txt:4", at=t, actor="satoshifan77", text="same problem here. is the bridge broken??"),
        EvidenceLine(id="discord-ops.txt:1", at=t, actor="felix", text="relays restarted"),
    ])  # fmt: skip
    assert [i.source for i in items] == ["chat", "chat"]
    assert "?" not in items[0].text  # a question in chat is never a claim


def test_someone_named_with_their_organisation_or_as_a_fixs_author_is_a_person() -> None:
    """"Francesco from Apibara just DMed me" and "fix PR by Jonathan Lei (starknet-rs)": people outside the team,
    whose names a draft never shows; an organisation after "from" is kept."""
    people = find_people(_items([
        ("2023-06-17T19:10:00+00:00", "Francesco from Apibara just DMed me on Telegram, their node is stuck"),
        ("2023-06-18T05:23:00+00:00", "Sunday: fix PR by Jonathan Lei (starknet-rs) submitted 05:23, merged 06:00."),
    ]))
    assert {"francesco", "jonathan"} <= set(people.roles)
    assert "Apibara" in people.anonymise("Francesco from Apibara just DMed me")
    assert "Francesco" not in people.anonymise("Francesco from Apibara just DMed me")
    assert "Jonathan found it" not in people.anonymise("Jonathan found it!! a non-ASCII character")


def test_a_word_before_an_organisation_is_no_person_when_the_materials_use_it_as_a_word() -> None:
    people = find_people(_items([
        ("2023-06-17T19:10:00+00:00", "Networking from AWS said the volume is degraded"),
        ("2023-06-17T19:20:00+00:00", "opened a case, the networking side is fine"),
    ]))
    assert "networking" not in people.roles
    assert people.anonymise("the networking side is fine") == "the networking side is fine"


def test_an_outside_account_named_by_its_handle_in_a_record_is_a_person() -> None:
    """"pull request closed by brwjbowkevj", "Author: brwjbowkevj", "user brwjbowkevj, PR against posthog": an account's
    handle, never shown in a draft; "opened by default" and "closed by the bot" name nobody."""
    people = find_people(_items([
        ("2025-11-18T17:40:38+00:00", "pull request closed by brwjbowkevj"),
        ("2025-11-18T17:41:00+00:00", "Author: qxzt-dev"),
        ("2025-11-18T17:42:00+00:00", "found it, user mallory77, PR against the repo"),
        ("2025-11-18T17:43:00+00:00", "issue opened by default in the template, closed by the bot"),
        ("2025-11-18T17:44:00+00:00", "- 4:24 pm ET: the app loses its Redis nodes (account flags, system caching)."),
    ]))
    assert {"brwjbowkevj", "qxzt-dev", "mallory77"} <= set(people.roles)
    assert "default" not in people.roles and "the" not in people.roles
    assert "flags" not in people.roles  # what accounts have, not a handle
    assert "brwjbowkevj" not in people.anonymise("a fork PR from brwjbowkevj ran the workflow")


def test_what_happened_to_an_account_is_no_handle() -> None:
    """"admin account breached (password login, no 2FA)" (OpenWrt 2021) tells what happened to the account: no handle,
    so the draft keeps "breached" instead of telling it "a user"; "user mallory77, PR ..." is still a handle."""
    people = find_people(_items([
        ("2021-01-16T04:00:00+00:00", "admin account breached (password login, no 2FA), session from a Tor exit"),
        ("2021-01-16T04:10:00+00:00", "support account compromised, tokens revoked"),
        ("2021-01-16T04:20:00+00:00", "found it, user mallory77, PR against the repo"),
    ]))
    assert "mallory77" in people.roles
    assert not {"breached", "compromised"} & set(people.roles)
    assert people.anonymise("an administrator account on the forum was breached.").endswith("was breached.")


def test_a_compound_noun_after_user_and_a_role_mention_name_no_person() -> None:
    """"a big user diff, ..." and "the user sync," are things; "@Maintainers" that the chat calls a role is a Discord
    role; "user brwx4k, PR against ..." is an account."""
    items = build_items([
        EvidenceLine(id="chat.txt:1", at=datetime(2024, 1, 2, 3, 4), actor="quill", text="we removed @Maintainers, every member needs a roles update"),
        EvidenceLine(id="chat.txt:2", at=datetime(2024, 1, 2, 3, 5), actor="quill", text="the sync is stuck on the diff"),
        EvidenceLine(id="notes.md:1", at=None, actor=None, text="Left us with a big user diff, db further out of sync."),
        EvidenceLine(id="notes.md:2", at=None, actor=None, text="Restarted the user sync, 80k users to update."),
        EvidenceLine(id="notes.md:3", at=None, actor=None, text="Maintainers role removed to tidy the server."),
        EvidenceLine(id="audit.md:1", at=None, actor=None, text="user brwx4k, PR against the docs repo"),
    ])  # fmt: skip
    names = find_people(items).names
    assert "quill" in names and "brwx4k" in names
    assert not {"diff", "sync", "maintainers"} & set(names)


def test_a_chat_answer_naming_whose_it_was_names_a_person() -> None:
    """"so whose laptop was it" / "Dana's. she says the disk was never encrypted": Dana is a person the draft never
    names; "Postgres's. it ..." is no person (no he, she or they follows)."""
    evidence = [
        EvidenceLine(id="chat.txt:1", at=datetime.fromisoformat("2024-05-14T09:00:00+00:00"), actor="kai", text="so whose laptop was it"),
        EvidenceLine(id="chat.txt:2", at=datetime.fromisoformat("2024-05-14T09:01:00+00:00"), actor="mo",
                     text="Dana's. she says the disk was never encrypted"),
        EvidenceLine(id="chat.txt:3", at=datetime.fromisoformat("2024-05-14T09:02:00+00:00"), actor="mo",
                     text="Postgres's. it keeps its own copy"),
    ]  # fmt: skip
    people = find_people(build_items(evidence))
    assert "dana" in people.roles and "postgres" not in people.roles
    assert "Dana" not in people.anonymise("Dana's. she says the disk was never encrypted")


def test_a_company_named_after_reported_by_as_whose_customers_they_are_is_no_person() -> None:
    """"problems reported by Netlify customers" names a company whose customers reported it, not a person, so "Netlify"
    stays in the draft; "fix reported by Priya" still names one."""
    people = find_people(_items([
        ("2024-03-02T04:40:00+00:00", "04:40 timeouts reported by Netlify customers on the edge functions"),
        ("2024-03-02T05:10:00+00:00", "05:10 regression reported by Priya in the canary ring"),
    ]))
    assert "netlify" not in people.roles and "priya" in people.roles
    assert people.anonymise("traffic from Netlify is fine again") == "traffic from Netlify is fine again"


def test_a_chat_handle_with_digits_is_a_person_and_a_machine_name_is_not() -> None:
    """People type in chat under handles with digits and underscores ("k8sjess", "ops_lena"); their names are told by
    role wherever they appear, the notes too. A machine posting to the channel ("web01", "db-2") is no person."""
    from pmstudio.offline.people import is_bot_speaker, name_masker

    t = datetime(2024, 5, 2, 9, 14)
    items = build_items([
        EvidenceLine(id="ops-chat.txt:1", at=t, actor="k8sjess", text="the API is throwing 500s, looking"),
        EvidenceLine(id="ops-chat.txt:2", at=t, actor="ops_lena", text="on it with you"),
        EvidenceLine(id="ops-chat.txt:3", at=t, actor="web01", text="disk usage 97% on /var"),
        EvidenceLine(id="notes.md:4", at=t, actor=None, text="k8sjess notices the error mail; ops_lena joins"),
    ])  # fmt: skip
    people = find_people(items)
    assert {"k8sjess", "ops_lena"} <= set(people.roles) and "web01" not in people.roles
    assert people.anonymise("k8sjess notices the error mail; ops_lena joins") == "a responder notices the error mail; a responder joins"
    assert [is_bot_speaker(n) for n in ("Mr0grog", "satoshifan77", "web01", "db-2", "prod-web-01", "deploy-bot", "Grafana#0000")] == [
        False, False, True, True, True, True, True]  # fmt: skip
    assert name_masker(["k8sjess"])("k8sjess$ kubectl get pods") == "[responder]$ kubectl get pods"


def test_a_surname_after_a_known_first_name_goes_with_it() -> None:
    """Notes name people in full ("Priya Natarajan reports ...") where chat knows only the first name: the surname is
    no one's role and goes too; a capitalised word that follows names ("told Priya Monday") stays."""
    p = People()
    for name in ("priya", "tomas", "mark"):
        p.add(name)
    assert p.anonymise("Priya Natarajan reports the outage; Tomas Lindqvist-Berg rolls back") == (
        "a responder reports the outage; a responder rolls back"
    )
    assert p.anonymise("told Priya Monday, Tomas's laptop") == "told a responder Monday, a responder's laptop"
    assert p.anonymise("Mark Okafor took over") == "a responder took over"
    assert p.anonymise("ping mark Kubernetes is down") == "ping a responder Kubernetes is down"


def test_teammates_named_in_notes_as_they_put_a_step_forward_are_people() -> None:
    """Notes kept by one responder name the teammates who proposed the way out ("Ines and Marek propose moving the
    proxy to a fresh IP"): two people, told as "two responders"; a team written in lower case elsewhere ("support
    suggested a reboot" beside "Support suggested ...") is no person."""
    people = find_people(build_items([
        EvidenceLine(id="notes.md:1", at=None, actor=None, text="Ines and Marek propose moving the proxy to a fresh IP"),
        EvidenceLine(id="notes.md:2", at=None, actor=None, text="Support suggested a reboot; support had no other idea"),
        EvidenceLine(id="notes.md:3", at=None, actor=None, text="Tove recommended pinning the gateway's MAC"),
    ]))  # fmt: skip
    assert {"ines", "marek"} <= set(people.roles) and "support" not in people.roles
    assert people.anonymise("Ines and Marek propose moving the proxy to a fresh IP") == (
        "two responders propose moving the proxy to a fresh IP"
    )
    assert people.anonymise("Tove recommended pinning the gateway's MAC") == "a responder recommended pinning the gateway's MAC"


def test_an_account_handle_with_its_number_is_kept_whole_and_the_teams_tool_is_the_teams() -> None:
    """An audit line's "target=hydra-cli-9" is an account handle (the intruder's), never masked into "[responder]9";
    "actor=tomas" is a person. A chat line "the secret scanning we have didn't catch it" tells of the team's tool,
    never "the team had didn't catch it" (which reads as an omission by people)."""
    from pmstudio.offline.people import _KEYVAL
    from pmstudio.offline.phrasing import _tell

    assert _KEYVAL.sub("X", "session.revoke_all target=hydra-cli-9 actor=tomas") == "session.revoke_all target=hydra-cli-9 X"
    told = _tell("a responder", "the secret scanning we have didn't catch it", deed=False)
    assert told is not None and "the team's secret scanning didn't catch it" in told[1]


def test_the_one_who_made_a_change_is_a_person_the_draft_never_names() -> None:
    """"the cache change Ravi pushed on friday" names who made the change: a person, told by role in the draft; the
    organisation in "the api change Stripe announced" did not make it, so it stays."""
    evidence = [
        EvidenceLine(id="chat.txt:1", at=datetime.fromisoformat("2024-05-14T09:00:00+00:00"), actor="lin",
                     text="it's the cache change Ravi pushed on friday"),
        EvidenceLine(id="chat.txt:2", at=datetime.fromisoformat("2024-05-14T09:01:00+00:00"), actor="lin",
                     text="or the api change Stripe announced last week"),
    ]  # fmt: skip
    people = find_people(build_items(evidence))
    assert "ravi" in people.roles and "stripe" not in people.roles
    assert "Ravi" not in people.anonymise("it's the cache change Ravi pushed on friday")


def test_agents_in_brackets_thinkers_leavers_and_camel_case_handles_are_people() -> None:
    """A ticket update "(agent Marta): ..." is by a person; "Ivo thinks the registrar is wrong" and "Ivo (left the team
    last week) helped" tell a person (a company says, it does not think); a chat speaker "KarlH2" is a person's handle,
    not a machine's ("web01")."""
    t0 = datetime.fromisoformat("2024-05-14T09:00:00+00:00")
    evidence = [
        EvidenceLine(id="ticket.txt:1", at=t0, actor=None, text="Update 10:24 CET (agent Marta): API is back, please rotate the key"),
        EvidenceLine(id="chat.txt:1", at=t0, actor="KarlH2", text="Ivo thinks the registrar is wrong"),
        EvidenceLine(id="chat.txt:2", at=t0, actor="web01", text="deploy finished"),
        EvidenceLine(id="notes.md:1", at=t0, actor=None, text="- Ivo (left the team last week) helped when asked."),
        EvidenceLine(id="chat.txt:3", at=t0, actor="KarlH2", text="Namecheap says the domain is fine"),
    ]
    people = find_people(build_items(evidence))
    assert {"marta", "ivo", "karlh2"} <= set(people.roles)
    assert not {"web01", "namecheap"} & set(people.roles)
    assert "Marta" not in people.anonymise("Update 10:24 CET (agent Marta): API is back")


def test_an_issue_comment_author_and_a_quoted_relayed_handle_are_people() -> None:
    """An issue export's comment header "chris (2024-06-25): ..." names its author, and a relayed channel's 'user
    "pasta_fan": ...' a user by a quoted handle: both are people the draft never names."""
    t0 = datetime.fromisoformat("2024-07-15T17:00:00+00:00")
    evidence = [
        EvidenceLine(id="issue.txt:1", at=t0, actor=None, text="chris (2024-07-15): Certificate uploaded to the partner."),
        EvidenceLine(id="relay.txt:1", at=t0, actor=None, text='user "pasta_fan": searches hang then time out'),
    ]
    people = find_people(build_items(evidence))
    assert {"chris", "pasta_fan"} <= set(people.roles)
    assert "chris" not in people.anonymise("chris (2024-07-15): Certificate uploaded")


def test_a_customer_named_as_they_tell_of_the_problem_is_a_person() -> None:
    """"our customer Lisa from the dental group called" names someone outside the team: a draft tells her as a customer,
    never by name; "customer Portal is down" names no one."""
    people = find_people(_items([
        ("2010-06-01T23:15:00+00:00", "our customer Lisa from the dental group called, their software is timing out"),
        ("2010-06-01T23:16:00+00:00", "customer Portal is down for everyone"),
    ], material="noc-notes.md"))
    assert "lisa" in people.roles and "portal" not in people.roles
    assert "Lisa" not in people.anonymise("our customer Lisa from the dental group called")


def test_a_name_before_a_quoted_word_and_as_an_addresss_user_is_told_by_role() -> None:
    """"Dmitri's "quick" key rotation" names Dmitri as a person; "https://jake:…@console.example" is told with "user"
    as the address's user when jake is a person of the incident."""
    t = datetime(2018, 3, 17, 19, 58)
    people = find_people(build_items([
        EvidenceLine(id="ops-chat.txt:1", at=t, actor="karl", text='so this is the ticket from thursday. Dmitri\'s "quick" key rotation'),
        EvidenceLine(id="ops-chat.txt:2", at=t, actor="jake", text="boxes are back up"),
    ]))  # fmt: skip
    assert "dmitri" in people.roles
    assert "Dmitri" not in people.anonymise('Dmitri\'s "quick" key rotation')
    assert people.anonymise("Console: https://jake:REDACTED_PASSWORD_1@console.example/rack") == (
        "Console: https://user:REDACTED_PASSWORD_1@console.example/rack"
    )


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("mgd[4411]: UI_CMDLINE_READ_LINE: user 'oob-kelvin' command 'show chassis'",
         "mgd[4411]: UI_CMDLINE_READ_LINE: user '[responder]' command 'show chassis'"),
        ('sshd: Accepted publickey for account "kelvin_admin" from 10.0.0.4', 'sshd: Accepted publickey for account "[responder]" from 10.0.0.4'),
        ("login 'svc-backup' failed", "login 'svc-backup' failed"),
    ],
)
def test_an_account_built_from_a_persons_name_is_a_responder(people: People, text: str, want: str) -> None:
    assert people.anonymise(text) == want


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # the writer named in brackets after a note's or reply's label
        ("Agent note (Lena): relayed to #incident. Same symptom reported by 14 more tickets.", "lena"),
        ("Reply (Lee, 10:12): Service was restored at 09:52. Please change the portal password.", "lee"),
        ("Support reply (Hugo, 13:19 PDT): We are aware of a slowdown.", "hugo"),
        # the handle a forum or ticket post is posted by, even with its date between, underscores and all
        ("Posted 2024-02-10 15:47 PST by mireille_gm: my players can't save sheets at all", "mireille_gm"),
        ("Posted 2024-02-10 13:22 PST by dicegoblin: pages time out, then work", "dicegoblin"),
        ("Reported by kpbeck_77: builds hang on pull", "kpbeck_77"),
    ],
)
def test_who_wrote_or_posted_a_ticket_line_is_a_person(text: str, name: str) -> None:
    people = find_people(_items([("2024-02-10T23:47:00+00:00", text)], "support-ticket.txt"))
    assert name in people.roles
    assert name not in people.anonymise(text).lower()


def test_a_name_in_brackets_after_a_relaying_role_is_a_person() -> None:
    """"relayed from the forum by support (Ana):" and "moderator (Joost): escalated" name who relayed or wrote the
    line, in brackets after their role: people the draft never names; "engineer (Europe)" names a region, not one."""
    t0 = datetime.fromisoformat("2024-05-14T09:00:00+00:00")
    evidence = [
        EvidenceLine(id="relay.txt:1", at=t0, actor=None,
                     text="2024-05-14 09:00, relayed from the forum by support (Ana): checkouts hang at the payment step"),
        EvidenceLine(id="forum.txt:1", at=t0, actor=None, text="moderator (Joost): escalated to the platform team"),
        EvidenceLine(id="notes.md:1", at=t0, actor=None, text="- paged the duty engineer (Europe) at 09:05"),
    ]  # fmt: skip
    people = find_people(build_items(evidence))
    assert {"ana", "joost"} <= set(people.roles)
    assert "europe" not in people.roles
    assert "Ana" not in people.anonymise("relayed from the forum by support (Ana): checkouts hang")


def test_a_forum_copys_user_handle_before_a_colon_is_a_person() -> None:
    """A forum thread copied into a ticket writes "user dnsfan77: Quad9 as my only resolver ...": the handle (a digit
    or an underscore in it) is a person's, told as "a user"; "customer success: ..." and "user impact: ..." label a
    team or a field."""
    people = find_people(_items([
        ("2021-10-01T08:00:00+00:00", 'heise forum, thread "Quad9 unzuverlässig" (copied 2021-10-01) user dnsfan77: pages load slowly'),
        ("2021-10-01T08:01:00+00:00", "user k_brandt: Same in Munich."),
        ("2021-10-01T08:02:00+00:00", "customer success: we are answering tickets"),
        ("2021-10-01T08:03:00+00:00", "user impact: slow page loads for Germany"),
    ]))  # fmt: skip
    assert {"dnsfan77", "k_brandt"} <= set(people.roles)
    assert not {"success", "impact"} & set(people.roles)
    assert people.anonymise("user dnsfan77: pages load slowly") == "a user: pages load slowly"
