"""The operator CLI: good input enrols, bad input gets one line and exit 1 and writes nothing."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from service.models import Buddy, Member, Message
from tests.conftest import BUDDY, MOM

GOOD = {"--name": "Amanda", "--phone": MOM.phone, "--time": "20:00", "--timezone": "America/New_York",
        "--buddy-name": "Sarah", "--buddy-phone": BUDDY.phone}


def add(cli: Any, **changes: str) -> Any:
    options = {**GOOD, **changes}
    args = [item for key, value in options.items() if value is not None for item in (key, value)]
    return cli("members", "add", *args)


def counts(db: Any) -> tuple[int, int, int]:
    with db() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) or 0 for t in (Member, Buddy, Message))  # type: ignore[return-value]


def test_it_enrols_a_mom_and_her_buddy_in_e164(cli: Any, db: Any) -> None:
    result = add(cli, **{"--phone": "(202) 555-0143", "--buddy-phone": "202.555.0178"})
    assert result.exit_code == 0, result.output
    with db() as s:
        member = s.scalars(select(Member)).one()
        assert (member.phone, member.status, member.buddies[0].phone) == (MOM.phone, "pending", BUDDY.phone)
    assert counts(db) == (1, 1, 2)  # the welcome and the invitation, as outbox rows


def test_enrolling_on_whatsapp_without_a_template_warns_that_the_welcome_will_fail(cli: Any) -> None:
    result = add(cli, **{"--channel": "whatsapp"})
    assert result.exit_code == 0 and "no WhatsApp template is set" in result.output
    assert "template" not in add(cli, **{"--phone": "+12025550190", "--buddy-phone": "+12025550191"}).output


@pytest.mark.parametrize("changes, reason", [
    ({"--phone": "+1202555"}, "not a valid phone number"),
    ({"--phone": "hello"}, "not a phone number"),
    ({"--buddy-phone": "+1 999 000 0000"}, "not a valid phone number"),
    ({"--timezone": "Mars/Olympus"}, "not a known time zone"),
    ({"--time": "25:00"}, "not a time"),
    ({"--time": "soon"}, "not a time"),
    ({"--buddy-phone": MOM.phone}, "her own buddy"),
    ({"--name": "   "}, "name must be"),
])
def test_bad_input_gets_one_line_and_exit_1_and_writes_nothing(cli: Any, db: Any, changes: dict[str, str], reason: str) -> None:
    result = add(cli, **changes)
    assert result.exit_code == 1
    assert reason in result.output and result.output.count("\n") == 1
    assert counts(db) == (0, 0, 0)


def test_a_duplicate_phone_is_refused(cli: Any, db: Any) -> None:
    assert add(cli).exit_code == 0
    again = add(cli, **{"--name": "Other", "--buddy-phone": "+12025550180"})
    assert again.exit_code == 1 and "already exists" in again.output
    assert counts(db) == (1, 1, 2)


def test_send_now_refuses_unknown_and_paused_numbers_unless_forced(cli: Any, db: Any) -> None:
    assert cli("checkins", "send-now", "--phone", MOM.phone).exit_code == 1
    add(cli)
    with db() as s:
        s.scalars(select(Member)).one().status = "paused"
    paused = cli("checkins", "send-now", "--phone", MOM.phone)
    assert paused.exit_code == 1 and "--force" in paused.output
    assert cli("checkins", "send-now", "--phone", MOM.phone, "--force").exit_code == 0


def test_send_now_refuses_a_mom_who_opted_out(cli: Any, db: Any) -> None:
    add(cli)
    with db() as s:
        s.scalars(select(Member)).one().status = "opted_out"
    result = cli("checkins", "send-now", "--phone", MOM.phone)
    assert result.exit_code == 1 and "opted out" in result.output


def test_operators_are_created_with_a_hashed_password(cli: Any, db: Any) -> None:
    from service.models import Operator

    assert cli("operators", "create", "--email", "Op@Example.org", "--password", "correct horse battery").exit_code == 0
    with db() as s:
        operator = s.scalars(select(Operator)).one()
        assert operator.email == "op@example.org" and "correct" not in operator.password_hash
        assert operator.password_hash.startswith("scrypt:")
    assert cli("operators", "create", "--email", "op@example.org", "--password", "another long one").exit_code == 1


def test_operators_create_prompts_for_the_password(cli: Any) -> None:
    result = cli("operators", "create", "--email", "b@example.org", input="a long password\na long password\n")
    assert result.exit_code == 0, result.output


def test_operators_list_shows_each_account_and_its_state_but_no_password(cli: Any, db: Any) -> None:
    from datetime import datetime, timezone

    from service.models import Event, Operator

    assert cli("operators", "list").exit_code == 0
    for email in ("a@example.org", "b@example.org"):
        assert cli("operators", "create", "--email", email, "--password", "correct horse battery").exit_code == 0
    with db() as s:
        s.scalars(select(Operator).where(Operator.email == "a@example.org")).one().last_login_at = \
            datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
    assert cli("operators", "disable", "B@example.org").exit_code == 0
    result = cli("operators", "list")
    assert result.exit_code == 0, result.output
    a, b = result.output.splitlines()
    assert a.startswith("a@example.org") and "last login 2024-03-01 09:30 UTC" in a and a.endswith("active")
    assert b.startswith("b@example.org") and "last login never" in b and "disabled since" in b
    assert "scrypt" not in result.output
    with db() as s:
        assert [(e.kind, e.actor, e.detail) for e in s.scalars(select(Event))] == [
            ("operator_disabled", "cli", "b@example.org")]


def test_operators_disable_and_enable_say_what_they_did(cli: Any, db: Any) -> None:
    assert cli("operators", "create", "--email", "a@example.org", "--password", "correct horse battery").exit_code == 0
    first = cli("operators", "disable", "a@example.org")
    assert first.exit_code == 0 and "disabled" in first.output
    assert "already disabled" in cli("operators", "disable", "a@example.org").output
    enabled = cli("operators", "enable", "a@example.org")
    assert enabled.exit_code == 0 and "enabled" in enabled.output
    assert "not disabled" in cli("operators", "enable", "a@example.org").output


@pytest.mark.parametrize("command", [("disable",), ("enable",), ("reset-password", "--password", "a long password")])
def test_operator_commands_refuse_an_unknown_email(cli: Any, command: tuple[str, ...]) -> None:
    result = cli("operators", command[0], "nobody@example.org", *command[1:])
    assert result.exit_code == 1 and "no operator nobody@example.org" in result.output


def test_operators_reset_password_prompts_twice_and_wants_ten_characters(cli: Any, db: Any) -> None:
    from werkzeug.security import check_password_hash

    from service.models import Operator

    assert cli("operators", "create", "--email", "a@example.org", "--password", "correct horse battery").exit_code == 0
    short = cli("operators", "reset-password", "a@example.org", input="too short\ntoo short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    mismatch = cli("operators", "reset-password", "a@example.org", input="a long password\nanother one!!\n")
    assert mismatch.exit_code != 0
    result = cli("operators", "reset-password", "a@example.org", input="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    assert "a long password" not in result.output  # typed hidden
    with db() as s:
        operator = s.scalars(select(Operator)).one()
        assert check_password_hash(operator.password_hash, "a long password")
        assert operator.session_version == 1


def test_her_time_zone_defaults_from_her_number_when_it_settles_it(cli: Any, db: Any) -> None:
    result = add(cli, **{"--timezone": None})  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    with db() as s:
        assert s.scalars(select(Member.timezone)).one() == "America/New_York"


def test_a_number_that_spans_several_zones_needs_one_given(cli: Any, db: Any) -> None:
    result = add(cli, **{"--timezone": None, "--phone": "+18005550199"})  # type: ignore[arg-type]
    assert result.exit_code == 1 and "--timezone" in result.output
    assert counts(db) == (0, 0, 0)
