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


def test_her_time_zone_defaults_from_her_number_when_it_settles_it(cli: Any, db: Any) -> None:
    result = add(cli, **{"--timezone": None})  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    with db() as s:
        assert s.scalars(select(Member.timezone)).one() == "America/New_York"


def test_a_number_that_spans_several_zones_needs_one_given(cli: Any, db: Any) -> None:
    result = add(cli, **{"--timezone": None, "--phone": "+18005550199"})  # type: ignore[arg-type]
    assert result.exit_code == 1 and "--timezone" in result.output
    assert counts(db) == (0, 0, 0)
