"""Operator actions from the status page and the CLI: each does what it says, is refused when it
should be, and leaves an audit Event; bulk enrolment; crisis escalation to the on-duty operator."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from service.models import Alert, Buddy, CheckIn, DoNotText, Event, Member, Message
from service.phones import phone_hash
from service.texts import render
from tests.conftest import BUDDY, MOM, OPERATOR, STRANGER, texts_to
from tests.integration.test_status_page import logged_in, seed
from workers.escalation import escalate_unacknowledged


def operator_client(client: Any, db: Any) -> Any:
    return logged_in(client, db)


def post(client: Any, path: str, **data: str) -> str:
    """POST an action with the page's CSRF token; returns the notice or error it redirected with."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/status").get_data(as_text=True))
    assert token
    response = client.post(path, data={"csrf_token": token.group(1), **data})
    assert response.status_code == 303, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    shown = re.search(r'class="(notice|error)" role="\w+">([^<]*)<', page)
    return f"{shown.group(1)}: {shown.group(2)}" if shown else ""


def events(db: Any, kind: str) -> list[Event]:
    with db() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind)))


def test_an_operator_retries_a_failed_message_and_it_is_sent(client: Any, db: Any, sim: Any, run_jobs: Any) -> None:
    ids = seed(db)
    with db() as s:
        s.get(Member, ids["cara"]).status = "active"
    operator_client(client, db)
    assert post(client, f"/status/messages/{ids['failed']}/retry") == f"notice: message {ids['failed']} queued again"
    run_jobs()
    with db() as s:
        assert s.get(Message, ids["failed"]).status in ("sent", "delivered")
    assert texts_to(sim, STRANGER.phone) == ["PRIVATE-FAILED-BODY"]
    assert events(db, "message_retried")[0].actor == "operator:op@example.org"


def test_retrying_a_message_that_did_not_fail_is_refused(client: Any, db: Any) -> None:
    ids = seed(db)
    operator_client(client, db)
    post(client, f"/status/messages/{ids['failed']}/retry")
    assert "not failed: nothing to retry" in post(client, f"/status/messages/{ids['failed']}/retry")


def test_a_notice_comes_only_from_an_action_and_shows_once(client: Any, db: Any) -> None:
    ids = seed(db)
    operator_client(client, db)
    # Anyone can write a link; the page must not show its words as if Village had said them.
    spoof = client.get("/status?notice=All+alerts+delivered&error=Redis+down").get_data(as_text=True)
    assert "All alerts delivered" not in spoof and "Redis down" not in spoof
    assert post(client, f"/status/members/{ids['amanda']}/pause") == "notice: Amanda paused"
    assert "Amanda paused" not in client.get("/status").get_data(as_text=True)  # shown once, not on reload


def test_an_operator_can_see_a_moms_whole_number_once_with_a_reason_on_record(client: Any, db: Any) -> None:
    ids = seed(db)
    operator_client(client, db)
    assert post(client, f"/status/members/{ids['amanda']}/number").startswith("error: say in a few words why")
    shown = post(client, f"/status/members/{ids['amanda']}/number", reason="crisis escalation, calling her")
    assert shown == "notice: Amanda #%s: +1 202-555-0143 (this view is in the audit trail)" % ids["amanda"]
    assert [(e.actor, e.detail) for e in events(db, "number_revealed")] == [
        ("operator:op@example.org", "crisis escalation, calling her")]
    assert "202-555-0143" not in client.get("/status").get_data(as_text=True)  # once, not on every view


def test_a_failure_a_retry_cannot_mend_offers_no_retry(client: Any, db: Any) -> None:
    """21610: she said STOP to the carrier. 'queued again' and then a silent cancel misled the operator."""
    ids = seed(db)
    with db() as s:
        s.get(Message, ids["failed"]).error_code = "21610"
    operator_client(client, db)
    html = client.get("/status").get_data(as_text=True)
    assert f"Retry message {ids['failed']}" not in html and "a retry cannot help" in html
    refused = post(client, f"/status/messages/{ids['failed']}/retry")
    assert refused.startswith("error:") and "21610" in refused and "a retry cannot help" in refused


def test_pause_and_resume_from_the_page_are_audited(client: Any, db: Any) -> None:
    ids = seed(db)
    operator_client(client, db)
    assert post(client, f"/status/members/{ids['amanda']}/pause") == "notice: Amanda paused"
    assert post(client, f"/status/members/{ids['amanda']}/resume") == "notice: Amanda resumed"
    assert [e.actor for e in events(db, "member_paused") + events(db, "member_resumed")] == ["operator:op@example.org"] * 2
    html = client.get("/status").get_data(as_text=True)
    assert "member_paused" in html[html.index('id="trail"'):]


def test_a_pause_with_an_end_shows_the_day_check_ins_come_back(client: Any, db: Any) -> None:
    ids = seed(db)
    operator_client(client, db)
    with db() as s:
        amanda = s.get(Member, ids["amanda"])
        amanda.status, amanda.paused_until = "paused", datetime(2026, 12, 5, 5, 0, tzinfo=timezone.utc)
    html = client.get("/status").get_data(as_text=True)
    assert "<td>paused until Sat 5 Dec</td>" in html  # midnight in New York
    assert "Resume</button>" in html


def test_a_member_whose_number_twilio_refused_says_so_on_her_row(client: Any, db: Any) -> None:
    ids = seed(db)
    operator_client(client, db)
    with db() as s:
        s.add(Event(kind="invalid_number", member_id=ids["amanda"], actor="system", detail="twilio 21614"))
    assert "her number was refused (twilio 21614)" in client.get("/status").get_data(as_text=True)


def test_editing_a_member_from_the_page_changes_her_schedule(client: Any, db: Any) -> None:
    ids = seed(db)
    operator_client(client, db)
    notice = post(client, f"/status/members/{ids['amanda']}/edit", name="Amanda B", time="7:30pm",
                  days="mon,wed,fri", zone="Europe/Paris", channel="whatsapp")
    assert notice == "notice: Amanda B: name, time, days, zone, channel changed"
    with db() as s:
        m = s.get(Member, ids["amanda"])
        assert (m.name, m.checkin_time, m.checkin_days, m.timezone, m.channel) == (
            "Amanda B", "19:30", "024", "Europe/Paris", "whatsapp")


@pytest.mark.parametrize("field, value, reason", [
    ("zone", "Mars/Olympus", "zone"), ("time", "25:99", "time"), ("days", "someday", "days must be"),
    ("name", " ", "name must be"),
])
def test_a_bad_edit_is_refused_and_changes_nothing(client: Any, db: Any, field: str, value: str, reason: str) -> None:
    ids = seed(db)
    operator_client(client, db)
    form = {"name": "Amanda", "time": "20:00", "days": "0123456", "zone": "America/New_York", "channel": "sms"}
    shown = post(client, f"/status/members/{ids['amanda']}/edit", **{**form, field: value})
    assert shown.startswith("error:") and reason in shown.lower()
    with db() as s:
        assert s.get(Member, ids["amanda"]).timezone == "America/New_York"


def test_removing_from_the_page_needs_the_confirmation_box(client: Any, db: Any) -> None:
    ids = seed(db)
    operator_client(client, db)
    assert "tick the box" in post(client, f"/status/members/{ids['amanda']}/remove")
    assert "removed" in post(client, f"/status/members/{ids['amanda']}/remove", confirm="yes")
    with db() as s:
        assert s.get(Member, ids["amanda"]) is None
        assert s.get(DoNotText, phone_hash(MOM.phone)) is not None
        assert s.scalar(select(func.count()).select_from(Message).where(Message.body.like("PRIVATE-CHECKIN%"))) == 0


@pytest.mark.parametrize("member, shown", [
    ("amanda", "notice: check-in"), ("bea", "error: Bea has not replied YES yet"),
    ("cara", "error: Cara is paused"),
])
def test_a_test_checkin_follows_the_send_now_rules(client: Any, db: Any, member: str, shown: str) -> None:
    ids = seed(db)
    operator_client(client, db)
    assert post(client, f"/status/members/{ids[member]}/test-checkin").startswith(shown)


def test_resending_an_invitation_texts_the_buddy_again(client: Any, db: Any, sim: Any, run_jobs: Any) -> None:
    ids = seed(db)
    operator_client(client, db)
    assert post(client, f"/status/buddies/{ids['dana']}/reinvite") == "notice: invitation to Dana queued again"
    run_jobs()
    assert len(texts_to(sim, "+12025550124")) == 1 and "Bea" in texts_to(sim, "+12025550124")[0]
    assert "has accepted" in post(client, f"/status/buddies/{ids['sarah']}/reinvite")


@pytest.mark.parametrize("leaving", ["stop", "delete"])
def test_no_invitation_is_resent_for_a_mom_who_said_stop_or_is_deleting(
        client: Any, db: Any, sim: Any, run_jobs: Any, leaving: str) -> None:
    """Bea said STOP (or DELETE, waiting for her YES): her buddy is neither listed as waiting nor
    invited again on her behalf, and the page says why."""
    ids = seed(db)
    if leaving == "stop":
        assert sim.send_inbound("+12025550123", "STOP").status_code == 200
    else:
        with db() as s:
            s.get(Member, ids["bea"]).delete_requested_at = datetime.now(timezone.utc)
    run_jobs()
    operator_client(client, db)
    html = client.get("/status").get_data(as_text=True)
    waiting = html[html.index('id="waiting"'):html.index('id="failures"')]
    assert "Dana" not in waiting and f"/status/buddies/{ids['dana']}/reinvite" not in waiting
    shown = post(client, f"/status/buddies/{ids['dana']}/reinvite")
    reason = "opted out (STOP)" if leaving == "stop" else "asked to delete her data"
    assert shown == f"error: Bea {reason}; nobody is texted on her behalf"
    run_jobs()
    assert texts_to(sim, "+12025550124") == []
    assert events(db, "buddy_reinvited") == []
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Message).where(Message.to_addr == "+12025550124")) == 0


def test_handling_an_alert_with_a_note_closes_it_and_is_audited(client: Any, db: Any) -> None:
    ids = seed(db)
    operator_client(client, db)
    assert "short note" in post(client, f"/status/alerts/{ids['crisis']}/handle", note="x")
    assert post(client, f"/status/alerts/{ids['crisis']}/handle", note="called her, she is safe") == \
        "notice: 1 alert(s) handled"
    html = client.get("/status").get_data(as_text=True)
    assert "nothing waiting" in html and "called her, she is safe" in html
    with db() as s:
        alert = s.get(Alert, ids["crisis"])
        assert alert.handled_by == "operator:op@example.org" and alert.handled_at is not None


# ---------------------------------------------------------------- the CLI

def test_members_edit_changes_only_what_was_given(cli: Any, db: Any) -> None:
    ids = seed(db)
    result = cli("members", "edit", "--phone", MOM.phone, "--time", "6am", "--days", "mon,tue")
    assert result.exit_code == 0, result.output
    assert "changed time, days" in result.output
    with db() as s:
        m = s.get(Member, ids["amanda"])
        assert (m.name, m.checkin_time, m.checkin_days, m.timezone) == ("Amanda", "06:00", "01", "America/New_York")
    assert events(db, "member_edited")[0].actor == "cli"


def test_members_edit_of_an_unknown_phone_fails_with_one_line(cli: Any, db: Any) -> None:
    result = cli("members", "edit", "--phone", MOM.phone, "--name", "X")
    assert result.exit_code == 1 and "no member has that phone number" in result.output


def test_members_remove_erases_her_like_her_delete(cli: Any, db: Any) -> None:
    ids = seed(db)
    result = cli("members", "remove", "--phone", MOM.phone, "--yes")
    assert result.exit_code == 0, result.output
    with db() as s:
        assert s.get(Member, ids["amanda"]) is None and s.get(Buddy, ids["sarah"]) is None
        assert s.get(DoNotText, phone_hash(MOM.phone)) is not None


CSV_HEADER = "name,phone,time,time zone,buddy name,buddy phone,channel\n"


def write_csv(tmp_path: Path, rows: str) -> str:
    path = tmp_path / "members.csv"
    path.write_text(CSV_HEADER + rows)
    return str(path)


def test_import_reports_each_bad_row_with_its_line_and_imports_the_good_ones(
        cli: Any, db: Any, tmp_path: Path, sim: Any, run_jobs: Any) -> None:
    with db() as s:
        s.add(DoNotText(phone_hash=phone_hash("+12025550166"), reason="stop"))
    path = write_csv(tmp_path, f"Amanda,{MOM.phone},20:00,America/New_York,Sarah,{BUDDY.phone},sms\n"
                               "Bad Zone,+12025550161,20:00,Mars/Olympus,,,sms\n"
                               "No Phone,12,20:00,UTC,,,sms\n"
                               f"Twice,{MOM.phone},9am,UTC,,,sms\n"
                               "Stopped,+12025550166,9am,UTC,,,sms\n"
                               "Zoe,+12025550162,8am,Europe/London,,,whatsapp\n")
    result = cli("members", "import", path)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert [line.split(":")[0] for line in lines] == ["line 3", "line 4", "line 5", "line 6"]
    assert "do-not-text" in lines[3] and "already on line 2" in lines[2]
    assert "2 enrolled" in result.output
    run_jobs()
    assert "YES" in texts_to(sim, MOM.phone)[0]  # the welcome: she starts only after her YES
    with db() as s:
        assert set(s.scalars(select(Member.status))) == {"pending"}


def test_importing_the_same_file_twice_updates_and_never_duplicates(cli: Any, db: Any, tmp_path: Path,
                                                                      sim: Any, run_jobs: Any) -> None:
    path = write_csv(tmp_path, f"Amanda,{MOM.phone},20:00,America/New_York,Sarah,{BUDDY.phone},sms\n")
    assert cli("members", "import", path).exit_code == 0
    assert "1 unchanged" in cli("members", "import", path).output
    (tmp_path / "members.csv").write_text(CSV_HEADER + f"Amanda,{MOM.phone},21:00,America/New_York,Sarah,{BUDDY.phone},sms\n")
    assert "1 updated" in cli("members", "import", path).output
    run_jobs()
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 1
        assert s.scalar(select(func.count()).select_from(Buddy)) == 1
        assert s.scalar(select(Member.checkin_time)) == "21:00"
    assert len(texts_to(sim, MOM.phone)) == 1 and len(texts_to(sim, BUDDY.phone)) == 1


def test_the_page_offers_the_same_import(client: Any, db: Any) -> None:
    import io

    operator_client(client, db)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/status").get_data(as_text=True))
    data = CSV_HEADER + f"Amanda,{MOM.phone},20:00,America/New_York,,,sms\nBad,+1202,9am,UTC,,,sms\n"
    response = client.post("/status/import", data={"csrf_token": token.group(1),  # type: ignore[union-attr]
                                                   "file": (io.BytesIO(data.encode()), "members.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 enrolled, 0 updated, 0 unchanged" in page and "line 3:" in page


# ---------------------------------------------------------------- escalation

def crisis(db: Any, *, acknowledged: bool = False) -> int:
    now = datetime.now(timezone.utc)
    with db() as s:
        m = Member(name="Amanda", phone=MOM.phone, timezone="UTC", checkin_time="09:00", status="active")
        s.add(m)
        s.flush()
        b = Buddy(member_id=m.id, name="Sarah", phone=BUDDY.phone, consent="accepted")
        s.add(b)
        s.flush()
        c = CheckIn(member_id=m.id, due_at=now - timedelta(minutes=5), state="answered", mood_level="crisis")
        s.add(c)
        s.flush()
        s.add(Alert(member_id=m.id, buddy_id=b.id, checkin_id=c.id, level="crisis", state="sent", created_at=now,
                    acknowledged_at=now + timedelta(minutes=3) if acknowledged else None))
        return m.id


@pytest.mark.parametrize("minutes_later, acknowledged, escalated", [
    (14, False, 0), (16, False, 1), (16, True, 0), (60 * 25, False, 0),
])
def test_a_crisis_no_buddy_acknowledged_in_15_minutes_texts_the_operator(
        app: Any, db: Any, minutes_later: int, acknowledged: bool, escalated: int) -> None:
    crisis(db, acknowledged=acknowledged)
    assert escalate_unacknowledged(datetime.now(timezone.utc) + timedelta(minutes=minutes_later)) == escalated


def test_escalation_happens_once_and_the_operator_gets_one_text(app: Any, db: Any, sim: Any, run_jobs: Any) -> None:
    member_id = crisis(db)
    later = datetime.now(timezone.utc) + timedelta(minutes=16)
    assert escalate_unacknowledged(later) == 1
    assert escalate_unacknowledged(later + timedelta(minutes=5)) == 0
    run_jobs()
    # Her name and a number to dial: the status page masks it, and the operator must reach her now.
    assert texts_to(sim, OPERATOR.phone) == [
        f"URGENT Village: no buddy has acknowledged a crisis alert for Amanda (#{member_id}, +1 202-555-0143). "
        "Please call or text her now."]
    assert len(events(db, "alert_escalated")) == 1


def test_a_buddy_answering_after_the_operator_was_texted_tells_the_operator(
        app: Any, db: Any, sim: Any, run_jobs: Any) -> None:
    """Otherwise the operator calls a mom her buddy is already with, neither knowing of the other."""
    member_id = crisis(db)
    assert escalate_unacknowledged(datetime.now(timezone.utc) + timedelta(minutes=16)) == 1
    run_jobs()
    sim.send_inbound(BUDDY.phone, "ok, calling her now")
    run_jobs()
    assert texts_to(sim, OPERATOR.phone)[-1] == render("operator_buddy_answered", buddy="Sarah", member="Amanda",
                                                       member_id=member_id)
    assert len(texts_to(sim, OPERATOR.phone)) == 2


def test_a_buddy_answering_before_any_escalation_texts_no_operator(app: Any, db: Any, sim: Any, run_jobs: Any) -> None:
    crisis(db)
    sim.send_inbound(BUDDY.phone, "ok")
    run_jobs()
    assert texts_to(sim, OPERATOR.phone) == []


def test_a_buddy_who_cannot_reach_her_in_a_crisis_sends_it_to_the_operator_now(
        app: Any, db: Any, sim: Any, run_jobs: Any) -> None:
    """'ok but I can't call, I'm at work' was thanked, and the crisis waited out its 15 minutes."""
    member_id = crisis(db)
    reply = sim.send_inbound(BUDDY.phone, "ok but I can't call right now, I'm at work")
    assert render("buddy_cannot_crisis", buddy="Sarah", member="Amanda", emergency="911") in reply.text
    run_jobs()
    assert texts_to(sim, OPERATOR.phone) == [render("alert_crisis_buddy_cannot", buddy="Sarah", member="Amanda",
                                                    member_id=member_id, phone="+1 202-555-0143")]
    assert escalate_unacknowledged(datetime.now(timezone.utc) + timedelta(minutes=16)) == 0  # not twice
    with db() as s:
        assert s.scalars(select(Alert.acknowledged_at).where(Alert.recipient == "buddy")).one() is None


def test_one_operator_ok_answers_one_mom_and_names_the_other_still_open(app: Any, db: Any, sim: Any) -> None:
    now = datetime.now(timezone.utc)
    with db() as s:
        for i, name in enumerate(("Kim", "Erin")):
            m = Member(name=name, phone=f"+1202555010{i}", timezone="UTC", checkin_time="09:00", status="active")
            s.add(m)
            s.flush()
            s.add(Alert(member_id=m.id, level="crisis", recipient="operator", state="sent",
                        created_at=now + timedelta(seconds=i)))
        kim, erin = (f"{n} (#{i})" for n, i in s.execute(select(Member.name, Member.id).order_by(Member.id)))
    first = sim.send_inbound(OPERATOR.phone, "on it")  # the newest: Erin
    assert render("operator_ack_more", member=erin, others=kim) in first.text
    unknown = sim.send_inbound(OPERATOR.phone, "ok, Dana")  # no open alert is about a Dana: close nothing
    assert render("operator_ack_which", others=kim) in unknown.text
    number = kim.split("#")[1].rstrip(")")
    second = sim.send_inbound(OPERATOR.phone, f"#{number}")  # the number her text gave
    assert render("operator_ack", member=kim) in second.text
    with db() as s:
        assert set(s.scalars(select(Alert.state))) == {"acknowledged"}


def test_two_unacknowledged_crises_of_one_mom_minutes_apart_text_the_operator_once(
        app: Any, db: Any, sim: Any, run_jobs: Any) -> None:
    """Her crisis reply and her next one, neither acknowledged: two word-for-word texts within a second
    told the operator nothing new (an operator reviewer's find); the safety queue shows both."""
    member_id = crisis(db)
    with db() as s:
        buddy_id = s.scalars(select(Buddy.id)).one()
        s.add(Alert(member_id=member_id, buddy_id=buddy_id, message_id=999, level="crisis", state="sent",
                    created_at=datetime.now(timezone.utc) + timedelta(minutes=2)))
    assert escalate_unacknowledged(datetime.now(timezone.utc) + timedelta(minutes=18)) == 2
    run_jobs()
    assert len(texts_to(sim, OPERATOR.phone)) == 1
    with db() as s:  # both episodes show as escalated to the operator
        assert len(s.scalars(select(Alert.id).where(Alert.recipient == "operator")).all()) == 2


def test_a_crisis_outside_a_check_in_with_two_buddies_is_one_episode_and_one_operator_text(
        app: Any, db: Any, sim: Any, run_jobs: Any) -> None:
    from service.figures import safety

    with db() as s:
        m = Member(name="Beth", phone=MOM.phone, timezone="UTC", checkin_time="09:00", status="active")
        s.add(m)
        s.flush()
        s.add_all([Buddy(member_id=m.id, name="Sarah", phone=BUDDY.phone, consent="accepted", position=0),
                   Buddy(member_id=m.id, name="Carol", phone="+12025550102", consent="accepted", position=1)])
    sim.send_inbound(MOM.phone, "I keep thinking everyone would be better off without me")
    run_jobs()
    later = datetime.now(timezone.utc) + timedelta(minutes=16)
    assert escalate_unacknowledged(later) == 1
    assert escalate_unacknowledged(later + timedelta(minutes=5)) == 0
    run_jobs()
    assert len(texts_to(sim, OPERATOR.phone)) == 1
    with db() as s:
        assert len(s.scalars(select(Alert)).all()) == 3  # two buddies and the operator
        page = safety(s, later)
    assert len(page["open"]) == 1 and page["open_crisis"] == 1


def test_retrying_a_failed_alert_opens_the_alert_again(client: Any, db: Any, sim: Any, run_jobs: Any) -> None:
    with db() as s:
        m = Member(name="Gina", phone=MOM.phone, timezone="UTC", checkin_time="09:00", status="active")
        s.add(m)
        s.flush()
        b = Buddy(member_id=m.id, name="Sarah", phone=BUDDY.phone, consent="accepted")
        s.add(b)
        s.flush()
        alert = Alert(member_id=m.id, buddy_id=b.id, level="low", recipient="buddy", state="failed")
        s.add(alert)
        s.flush()
        message = Message(direction="out", to_addr=BUDDY.phone, from_addr="+15005550006", body="Hi Sarah, Gina …",
                          kind="alert", urgent=True, status="failed", error_code="20429", attempts=6,
                          member_id=m.id, buddy_id=b.id, alert_id=alert.id)
        s.add(message)
        s.flush()
        alert_id, message_id = alert.id, message.id
    operator_client(client, db)
    assert post(client, f"/status/messages/{message_id}/retry") == f"notice: message {message_id} queued again"
    run_jobs()
    with db() as s:
        assert s.get(Alert, alert_id).state == "sent"
    sim.send_inbound(BUDDY.phone, "OK")
    with db() as s:
        assert s.get(Alert, alert_id).state == "acknowledged"
