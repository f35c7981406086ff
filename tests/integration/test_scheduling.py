"""Scheduling with real parts: the planner on SQLite and PostgreSQL, holds and skips at send time in
real RQ workers against the simulator, the shared pace in a real Redis, follow-up of silence."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from redis import Redis
from sqlalchemy import func, select, update

from service import outbox, pacing
from service.checkins import follow_up, plan_due
from service.commands import Command
from service.member_commands import apply as apply_command
from service.models import Alert, Buddy, CheckIn, Event, Member, Message
from service.schedule import format_time, local_instant
from service.texts import day_turn, render
from tests.conftest import BUDDY, MOM, texts_to
from workers import context, periodic

UTC = timezone.utc
CONSENT = datetime(2026, 1, 1, tzinfo=UTC)  # her YES, long ago: her check-in wording turns by the day
NY = ZoneInfo("America/New_York")


def minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def local_hhmm(moment: datetime, delta: timedelta = timedelta(0)) -> str:
    return (moment.astimezone(NY) + delta).strftime("%H:%M")


def quiet_around(moment: datetime) -> str:
    """Quiet hours that contain `moment` in New York (for holds decided by the worker's own clock)."""
    return f"{local_hhmm(moment, -timedelta(hours=1))}-{local_hhmm(moment, timedelta(hours=1))}"


def add_member(s: Any, phone: str = MOM.phone, at: str = "20:00", *, buddy: bool = False, **extra: Any) -> Member:
    member = Member(name=MOM.name, phone=phone, timezone="America/New_York", checkin_time=at, status="active",
                    consent_at=CONSENT, **extra)
    s.add(member)
    s.flush()
    if buddy:
        s.add(Buddy(member_id=member.id, name=BUDDY.name, phone=BUDDY.phone, consent="accepted"))
    return member


def plan(db: Any, settings: Any, now: datetime) -> int:
    with db() as s:
        planned = plan_due(s, settings, now)
        outbox.commit(s, context.redis())
    return planned


def states(db: Any) -> list[tuple[str, str | None]]:
    with db() as s:
        return [(c.state, c.skip_reason) for c in s.scalars(select(CheckIn).order_by(CheckIn.due_at))]


# ---------------------------------------------------------------- planning

def test_a_due_check_in_goes_out_at_her_minute_with_a_validity_period(app: Any, sim: Any, run_jobs: Any, db: Any, settings: Any) -> None:
    now = minute(datetime.now(UTC))
    with db() as s:
        add_member(s, at=local_hhmm(now))
    assert plan(db, settings, now) == 1
    run_jobs()
    assert texts_to(sim, MOM.phone) == [render("checkin", variant=day_turn(CONSENT, now), name=MOM.name)]
    assert sim.accepted_requests()[0]["params"]["ValidityPeriod"] == [str(settings.checkin_validity_seconds)]


def test_two_planners_at_once_plan_each_check_in_exactly_once(app: Any, db: Any, settings: Any) -> None:
    now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 20:00 in New York
    with db() as s:
        for i in range(40):
            add_member(s, phone=f"+1202555{1000 + i}")
    barrier, results = threading.Barrier(2), []

    def planner() -> None:
        with db() as s:
            barrier.wait()
            results.append(plan_due(s, settings, now))

    threads = [threading.Thread(target=planner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with db() as s:
        counts = (s.scalar(select(func.count()).select_from(CheckIn)),
                  s.scalar(select(func.count()).select_from(Message).where(Message.kind == "checkin")))
    assert sorted(results) == [0, 40] and counts == (40, 40)


def test_after_a_three_hour_outage_nothing_stale_is_sent_and_each_is_recorded_skipped(app: Any, db: Any, settings: Any) -> None:
    with db() as s:
        for i in range(5):
            add_member(s, phone=f"+1202555{1000 + i}", at="17:00")
    back = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 20:00 in New York: three hours after 17:00
    assert plan(db, settings, back) == 0
    assert plan(db, settings, back + timedelta(minutes=1)) == 0
    assert states(db) == [("skipped", "late")] * 5
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 0


def test_a_check_in_that_slid_into_quiet_hours_is_skipped_but_her_own_late_choice_is_planned(app: Any, db: Any, settings: Any) -> None:
    quiet = replace(settings, quiet_hours="21:30-08:00")
    with db() as s:
        add_member(s, phone="+12025551000", at="21:00")
        add_member(s, phone="+12025551001", at="22:00")
    at_2205 = local_instant(datetime(2026, 11, 22).date(), time(22, 5), NY)
    assert plan(db, quiet, at_2205) == 1
    with db() as s:
        rows = {m.checkin_time: (c.state, c.skip_reason) for c, m in s.execute(
            select(CheckIn, Member).join(Member, Member.id == CheckIn.member_id))}
    assert rows == {"21:00": ("skipped", "quiet"), "22:00": ("planned", None)}


def test_her_chosen_time_inside_her_quiet_hours_still_goes_out(app: Any, sim: Any, run_jobs: Any, db: Any, settings: Any) -> None:
    now = minute(datetime.now(UTC))
    with db() as s:
        add_member(s, at=local_hhmm(now), quiet_hours=quiet_around(now))
    assert plan(db, settings, now) == 1
    run_jobs()
    assert texts_to(sim, MOM.phone) == [render("checkin", variant=day_turn(CONSENT, now), name=MOM.name)]


def test_a_queued_check_in_past_its_catch_up_limit_is_skipped_by_the_worker(app: Any, sim: Any, run_jobs: Any, db: Any, settings: Any) -> None:
    three_hours_ago = minute(datetime.now(UTC)) - timedelta(hours=3)
    with db() as s:
        add_member(s, at=local_hhmm(three_hours_ago))
    assert plan(db, replace(settings, catch_up_minutes=240), three_hours_ago) == 1  # queued, then stuck
    run_jobs()
    assert texts_to(sim, MOM.phone) == []
    assert states(db) == [("skipped", "late")]


# ---------------------------------------------------------------- quiet hours at send time

def test_quiet_hours_hold_the_welcome_and_the_invitation_until_they_end(app: Any, sim: Any, run_jobs: Any, cli: Any, db: Any, settings: Any) -> None:
    now = datetime.now(UTC)
    context.configure(replace(settings, quiet_hours=quiet_around(now)))
    assert cli("members", "add", "--name", MOM.name, "--phone", MOM.phone, "--time", "20:00", "--timezone",
               "America/New_York", "--buddy-name", BUDDY.name, "--buddy-phone", BUDDY.phone).exit_code == 0
    run_jobs()
    assert texts_to(sim, MOM.phone) == [] and texts_to(sim, BUDDY.phone) == []
    with db() as s:
        held = s.execute(select(Message.kind, Message.status, Message.next_attempt_at, Message.attempts)).all()
    end = local_instant((now.astimezone(NY) + timedelta(hours=1)).date(),
                        (now.astimezone(NY) + timedelta(hours=1)).time().replace(second=0, microsecond=0), NY)
    assert sorted(held) == [("invite", "pending", end, 0), ("welcome", "pending", end, 0)]


@pytest.mark.parametrize("reply, buddy_texted", [("I want to end it all", True), ("2", False)])
def test_quiet_hours_hold_a_low_alert_but_never_a_crisis_alert(app: Any, sim: Any, run_jobs: Any, db: Any, settings: Any,
                                                              reply: str, buddy_texted: bool) -> None:
    context.configure(replace(settings, quiet_hours=quiet_around(datetime.now(UTC))))
    with db() as s:
        add_member(s, buddy=True)
    sim.send_inbound(MOM.phone, reply)
    run_jobs()
    assert bool(texts_to(sim, BUDDY.phone)) is buddy_texted
    with db() as s:
        alert = s.scalars(select(Message).where(Message.kind == "alert")).one()
    assert (alert.status == "pending" and alert.next_attempt_at is not None) is not buddy_texted


# ---------------------------------------------------------------- after sending

@pytest.mark.parametrize("delivery_error, state", [(None, "missed"), (30003, "undelivered")])
def test_an_unanswered_check_in_is_missed_only_if_it_arrived(app: Any, sim: Any, run_jobs: Any, db: Any, settings: Any,
                                                             delivery_error: int | None, state: str) -> None:
    sim.set_faults(delivery_errors={MOM.phone: delivery_error} if delivery_error else {})
    now = minute(datetime.now(UTC))
    with db() as s:
        add_member(s, at=local_hhmm(now))
    plan(db, settings, now)
    run_jobs()
    with db() as s:
        assert follow_up(s, settings, now + timedelta(minutes=1))["missed"] == 0  # not yet: no next one
    tomorrow = now + timedelta(days=1)
    with db() as s:
        plan_due(s, settings, tomorrow)
        follow_up(s, settings, tomorrow)
    assert states(db)[0] == (state, None)


def failing_days(s: Any, member: Member, start: datetime, days: int, status: str = "undelivered") -> None:
    for day in range(days):
        checkin = CheckIn(member_id=member.id, due_at=start + timedelta(days=day), state="sent")
        s.add(checkin)
        s.flush()
        s.add(Message(direction="out", status=status, kind="checkin", to_addr=member.phone, from_addr="+15005550006",
                      body="x", member_id=member.id, checkin_id=checkin.id, error_code="30003"))


@pytest.mark.parametrize("days, unreachable", [(5, False), (6, True)])
def test_five_days_of_failed_delivery_mark_her_unreachable(app: Any, db: Any, settings: Any, days: int, unreachable: bool) -> None:
    start = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
    with db() as s:
        failing_days(s, add_member(s), start, days)
    now = start + timedelta(days=days - 1, minutes=5)
    with db() as s:
        follow_up(s, settings, now)
    with db() as s:
        member = s.scalars(select(Member)).one()
        assert (member.unreachable_at is not None) is unreachable
        assert {c.state for c in s.scalars(select(CheckIn))} == {"undelivered"}


@pytest.mark.parametrize("opted_in", [True, False])
def test_three_missed_in_a_row_bring_one_gentle_text_then_nothing_until_she_answers(
        app: Any, sim: Any, run_jobs: Any, db: Any, settings: Any, opted_in: bool) -> None:
    start = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
    with db() as s:
        member = add_member(s, buddy=True, nudge_buddy=opted_in)
        failing_days(s, member, start, 6, status="delivered")
    for day in (1, 2, 3, 4, 5):  # the third miss is recorded on day 3
        with db() as s:
            follow_up(s, settings, start + timedelta(days=day))
            outbox.commit(s, context.redis())
    run_jobs()
    assert texts_to(sim, MOM.phone) == [render("nudge", name=MOM.name)]
    assert texts_to(sim, BUDDY.phone) == ([render("nudge_buddy", buddy=BUDDY.name, member=MOM.name)] if opted_in else [])
    with db() as s:
        s.execute(Member.__table__.update().values(last_inbound_at=start + timedelta(days=5, hours=1)))
        failing_days(s, s.scalars(select(Member)).one(), start + timedelta(days=6), 4, status="delivered")
    with db() as s:
        follow_up(s, settings, start + timedelta(days=9, minutes=1))
        outbox.commit(s, context.redis())
    run_jobs()
    assert len(texts_to(sim, MOM.phone)) == 2  # after she texted, three new misses bring one more


# ---------------------------------------------------------------- pace

def test_alerts_reserve_the_next_slot_while_check_ins_wait_for_a_free_one(app: Any, redis_url: str) -> None:
    worker_a, worker_b = Redis.from_url(redis_url), Redis.from_url(redis_url)
    t = 1_000_000
    assert pacing.reserve(worker_a, 10, urgent=False, now_ms=t) == 0       # a check-in takes the free slot
    assert pacing.reserve(worker_b, 10, urgent=False, now_ms=t) == -100    # the other worker must wait
    assert pacing.reserve(worker_b, 10, urgent=True, now_ms=t + 10) == 90  # an alert reserves the next slot
    assert pacing.reserve(worker_a, 10, urgent=False, now_ms=t + 100) == -100  # so the check-in waits again
    assert pacing.reserve(worker_a, 10, urgent=False, now_ms=t + 200) == 0


def test_an_unlimited_pace_never_asks_redis(app: Any) -> None:
    nowhere = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.1)
    assert pacing.wait_turn(nowhere, 0, urgent=False) == 0.0


def test_workers_keep_the_deployment_to_twilio_mps(app: Any, sim: Any, run_jobs: Any, db: Any, settings: Any) -> None:
    context.configure(replace(settings, twilio_mps=8))
    now = minute(datetime.now(UTC))
    with db() as s:
        for i in range(6):
            add_member(s, phone=f"+1202555{1000 + i}", at=local_hhmm(now))
    plan(db, settings, now)
    run_jobs()
    stamps = sorted(datetime.fromisoformat(r["received_at"]) for r in sim.accepted_requests())
    assert len(stamps) == 6 and stamps[-1] - stamps[0] >= timedelta(milliseconds=5 * 125 * 0.9)


def test_more_due_than_the_pace_can_send_warns_the_status_page_and_the_log(app: Any, db: Any, settings: Any,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    context.configure(replace(settings, twilio_mps=0.002))  # 14 texts per two-hour window
    with db() as s:
        for i in range(20):
            add_member(s, phone=f"+1202555{1000 + i}")
    report = periodic.check_schedule_load()
    assert pacing.read_load(context.redis()) == report
    assert (report["peak"], report["capacity"], report["over"]) == (20, 14, True)
    assert "Messaging Service" in str(report["advice"]) and "over capacity" in caplog.text


def test_a_mom_in_another_zone_is_told_the_hour_on_her_clock_when_her_buddy_will_know(
        app: Any, sim: Any, run_jobs: Any, db: Any, settings: Any) -> None:
    """Carla in London at 10am, Sarah asleep in New York: 'in the morning' read as tomorrow."""
    now = datetime.now(UTC)
    quiet = replace(settings, quiet_hours=quiet_around(now))  # quiet now in New York
    app.config["SETTINGS"] = quiet
    try:
        with db() as s:
            member = add_member(s, phone="+447700900123", buddy=True)
            member.timezone = "Europe/London"
            s.flush()
            s.scalars(select(Buddy)).one().timezone = "America/New_York"
        response = sim.send_inbound("+447700900123", "2")
    finally:
        app.config["SETTINGS"] = settings
    held_until = (now.astimezone(NY) + timedelta(hours=1)).replace(second=0, microsecond=0)
    hers = format_time(held_until.astimezone(ZoneInfo("Europe/London")).time())
    assert render("reply_low_buddy_later", name=MOM.name, buddy=BUDDY.name, when=f"at {hers} your time") \
        in response.text


def test_a_low_alert_held_by_quiet_hours_is_promised_for_the_morning_and_escalates_an_hour_after_it_goes(
        app: Any, sim: Any, run_jobs: Any, db: Any, settings: Any) -> None:
    from service import alerts

    now = datetime.now(UTC)
    quiet = replace(settings, quiet_hours=quiet_around(now))
    context.configure(quiet)
    app.config["SETTINGS"] = quiet  # the webhook's reply reads the same quiet hours the worker holds by
    try:
        with db() as s:
            member = add_member(s, buddy=True)
            s.add(Buddy(member_id=member.id, name="Jo", phone="+12025550180", consent="accepted", position=1))
        response = sim.send_inbound(MOM.phone, "2")
        assert render("reply_low_buddy_later_us", name=MOM.name, buddy=BUDDY.name, when="in the morning") \
            in response.text  # both in New York: one clock
    finally:
        app.config["SETTINGS"] = settings
    run_jobs()
    assert texts_to(sim, BUDDY.phone) == []  # held
    with db() as s:
        assert alerts.escalate_low(s, settings, now + timedelta(hours=3)) == 0  # never sent: nothing to escalate
        s.execute(update(Message).where(Message.kind == "alert").values(status="sent", updated_at=now + timedelta(hours=2)))
        s.execute(update(Alert).values(state="sent"))  # the morning: her buddy was texted two hours from now
    with db() as s:
        assert alerts.escalate_low(s, settings, now + timedelta(hours=2, minutes=30)) == 0  # her hour is not up
        assert alerts.escalate_low(s, settings, now + timedelta(hours=3, minutes=1)) == 1
        outbox.commit(s, None)


def test_moving_her_time_after_todays_check_in_went_out_waits_for_tomorrow(app: Any, db: Any, settings: Any) -> None:
    with db() as s:
        add_member(s, at="20:00")
    eight = local_instant(datetime(2026, 11, 23).date(), time(20, 0), NY)
    assert plan(db, settings, eight) == 1
    with db() as s:
        s.scalars(select(Member)).one().checkin_time = "20:30"  # TIME 8:30pm, sent at 20:10
    assert plan(db, settings, eight + timedelta(minutes=31)) == 0  # not a second one today
    assert plan(db, settings, eight + timedelta(days=1, minutes=30)) == 1  # the new time, from tomorrow
    with db() as s:
        skipped = s.scalars(select(CheckIn).where(CheckIn.state == "skipped")).all()
    assert skipped == []  # nothing was missed: she had today's


def test_the_check_in_is_worded_differently_from_one_day_to_the_next(app: Any, sim: Any, run_jobs: Any, db: Any,
                                                                      settings: Any) -> None:
    now = minute(datetime.now(UTC))
    with db() as s:
        add_member(s, at=local_hhmm(now))
    plan(db, settings, now - timedelta(days=1))
    plan(db, settings, now)
    with db() as s:  # yesterday's is past sending by now: read what each said
        yesterday, today = s.scalars(select(Message.body).where(Message.kind == "checkin").order_by(Message.id))
    assert yesterday != today and {yesterday, today} <= {render("checkin", variant=v, name=MOM.name) for v in range(4)}


def test_pause_3_ends_on_the_day_she_was_told_and_sends_nothing_late(app: Any, sim: Any, db: Any,
                                                                     settings: Any) -> None:
    """'paused until Saturday' must mean her check-ins come again on Saturday: the pause used to last
    for ever, and she silently dropped out of Village."""
    wednesday = datetime(2026, 12, 2, 15, 0, tzinfo=NY).astimezone(UTC)
    with db() as s:
        add_member(s, at="23:30")  # late enough that Friday's falls in the catch-up window at midnight
    with db() as s:
        member = s.scalars(select(Member)).one()
        text = Message(direction="in", status="received", kind="inbound", from_addr=MOM.phone, to_addr="+15005550006",
                       body="PAUSE 3")
        s.add(text)
        s.flush()
        assert "until Saturday, when they start again" in apply_command(s, settings, member, Command("pause", {"days": 3}),
                                                                          text, wednesday)
    for days, hour in ((0, 23.6), (1, 23.6), (2, 23.6), (3, 0.1)):  # Wed, Thu, Fri evenings, Sat just after midnight
        at = datetime(2026, 12, 2 + days, tzinfo=NY) + timedelta(hours=hour)
        assert plan(db, settings, at.astimezone(UTC)) == 0, at
    with db() as s:
        assert s.scalars(select(Member.status)).one() == "active"
    saturday = datetime(2026, 12, 5, 23, 31, tzinfo=NY).astimezone(UTC)
    assert plan(db, settings, saturday) == 1
    with db() as s:
        assert [c.due_at for c in s.scalars(select(CheckIn))] == [datetime(2026, 12, 5, 23, 30, tzinfo=NY)]
        assert s.scalars(select(Event.actor).where(Event.kind == "member_resumed")).all() == ["system"]


def test_the_nudge_stands_in_for_that_days_check_in(app: Any, db: Any, settings: Any) -> None:
    """The third miss used to be counted only when the fourth check-in was due, so 'No need to
    reply' arrived on the heels of 'how are you really doing today?'."""
    with db() as s:
        add_member(s, at="20:00")
    first = datetime(2026, 11, 2, 20, 0, tzinfo=NY)
    for day in range(3):  # three check-ins delivered, none answered
        at = (first + timedelta(days=day)).astimezone(UTC)
        with db() as s:
            plan_due(s, settings, at)
            s.execute(CheckIn.__table__.update().where(CheckIn.state == "planned").values(state="sent"))
    afternoon = (first + timedelta(days=3) - timedelta(hours=3)).astimezone(UTC)  # 17:00, the 5th
    with db() as s:
        assert follow_up(s, settings, afternoon)["nudged"] == 1  # the third is past its 20 hours
    with db() as s:
        plan_due(s, settings, (first + timedelta(days=3)).astimezone(UTC))
    assert states(db)[-1] == ("skipped", "nudged")
    with db() as s:
        assert s.scalars(select(Message.kind).where(Message.direction == "out")).all().count("checkin") == 3
