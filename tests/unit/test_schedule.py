"""Schedules: local times to UTC instants, across daylight-saving changes."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from service.schedule import (
    DEFAULT_QUIET, EVERY_DAY, Plan, ScheduleError, checkin_verdict, format_time, in_quiet, is_own_time, latest_due,
    local_instant, next_due, parse_quiet, parse_time, parse_zone, peak_load, plan_latest, plan_next, quiet_until,
    zone_for_phone,
)

NY = ZoneInfo("America/New_York")
UTC = timezone.utc


@pytest.mark.parametrize("text, expected", [
    ("20:00", time(20)), ("8pm", time(20)), ("8 PM", time(20)), ("7:15am", time(7, 15)), ("12am", time(0)),
    ("12pm", time(12)), ("20h30", time(20, 30)), ("07:05", time(7, 5)), ("8:30 p.m.", time(20, 30)),
])
def test_it_reads_times_as_people_write_them(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "8", "13pm", "soon", "", "20:61", "0am"])
def test_it_refuses_what_is_not_a_time(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_time(text)


def test_it_formats_times_for_a_text() -> None:
    assert (format_time(time(20)), format_time(time(7, 15)), format_time(time(0, 5))) == ("8:00pm", "7:15am", "12:05am")


def test_unknown_zones_are_refused() -> None:
    with pytest.raises(ScheduleError):
        parse_zone("Mars/Olympus")


def test_a_time_in_the_spring_forward_gap_goes_out_at_the_first_valid_minute() -> None:
    due = local_instant(date(2026, 3, 8), time(2, 30), NY)
    assert due == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
    assert due.astimezone(NY).strftime("%H:%M") == "03:00"


def test_a_time_repeated_on_the_fall_back_day_goes_out_once_at_its_first_occurrence() -> None:
    due = local_instant(date(2026, 11, 1), time(1, 30), NY)
    assert due == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not EST
    later = next_due(time(1, 30), EVERY_DAY, NY, due)
    assert later == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)  # the next day, not an hour later


def test_latest_due_respects_weekdays() -> None:
    friday_night = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)  # Fri 22:00 in New York
    assert latest_due(time(20), "0", NY, friday_night) == datetime(2026, 11, 17, 1, 0, tzinfo=UTC)  # Monday


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(["America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Sao_Paulo",
                          "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns"]),
    moment=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),
    at=st.times(),
    days=st.sets(st.integers(0, 6), min_size=1).map(lambda s: "".join(map(str, sorted(s)))),
)
def test_due_times_are_in_the_future_and_at_her_minute_or_the_first_valid_one_after(zone: str, moment: datetime, at: time, days: str) -> None:
    tz = ZoneInfo(zone)
    now = moment.replace(tzinfo=UTC)
    due = next_due(at.replace(second=0, microsecond=0), days, tz, now)
    assert due is not None and due > now
    local = due.astimezone(tz)
    wanted = datetime.combine(local.date(), at.replace(second=0, microsecond=0))
    assert timedelta(0) <= local.replace(tzinfo=None) - wanted <= timedelta(hours=2)
    assert str(local.date().weekday()) in days


# ---------------------------------------------------------------- every N days, quiet hours, catch-up

ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Sao_Paulo", "Asia/Kolkata",
         "Pacific/Chatham", "America/St_Johns", "America/Havana", "Asia/Beirut", "Pacific/Apia"]


def at_local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)


def test_every_three_days_counts_from_her_anchor_day() -> None:
    plan = Plan(at=time(20), zone=NY, every=3, anchor=date(2026, 11, 2))
    dues, now = [], at_local(NY, 2026, 11, 1, 12, 0)
    for _ in range(4):
        now = plan_next(plan, now)
        dues.append(now.astimezone(NY).date())
    assert dues == [date(2026, 11, 2), date(2026, 11, 5), date(2026, 11, 8), date(2026, 11, 11)]


def test_every_n_days_and_weekdays_combine() -> None:
    plan = Plan(at=time(9), zone=NY, days="5", every=2, anchor=date(2026, 11, 7))  # every other Saturday
    first = plan_next(plan, at_local(NY, 2026, 11, 8, 0, 0))
    assert first is not None and first.astimezone(NY).date() == date(2026, 11, 21)
    assert plan_latest(plan, at_local(NY, 2026, 11, 20, 0, 0)) == at_local(NY, 2026, 11, 7, 9, 0)


@pytest.mark.parametrize("text, expected", [
    ("21:30-08:00", (time(21, 30), time(8))), ("10pm-7am", (time(22), time(7))), ("off", None), ("", None),
])
def test_quiet_hours_read_as_written(text: str, expected: tuple[time, time] | None) -> None:
    assert parse_quiet(text) == expected


@pytest.mark.parametrize("text", ["21:30", "21:30-21:30", "late-early"])
def test_bad_quiet_hours_are_refused(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_quiet(text)


@pytest.mark.parametrize("local, quiet", [
    (time(21, 29), False), (time(21, 30), True), (time(23, 59), True), (time(0), True), (time(7, 59), True),
    (time(8), False), (time(12), False),
])
def test_default_quiet_hours_wrap_midnight(local: time, quiet: bool) -> None:
    assert in_quiet(local, DEFAULT_QUIET) is quiet


def test_quiet_hours_end_at_eight_the_next_morning_in_the_recipients_zone() -> None:
    assert quiet_until(at_local(NY, 2026, 11, 21, 22, 15), NY, DEFAULT_QUIET) == at_local(NY, 2026, 11, 22, 8, 0)
    assert quiet_until(at_local(NY, 2026, 11, 22, 6, 0), NY, DEFAULT_QUIET) == at_local(NY, 2026, 11, 22, 8, 0)
    assert quiet_until(at_local(NY, 2026, 11, 22, 9, 0), NY, DEFAULT_QUIET) is None
    assert quiet_until(at_local(NY, 2026, 11, 21, 23, 0), NY, None) is None


def test_quiet_hours_across_the_fall_back_night_end_at_eight_standard_time() -> None:
    assert quiet_until(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), NY, DEFAULT_QUIET) == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize("chosen, late_by, verdict", [
    (time(20), timedelta(minutes=1), "send"),
    (time(19), timedelta(minutes=119), "send"),
    (time(20), timedelta(minutes=121), "late"),
    (time(21), timedelta(minutes=45), "quiet"),    # 21:45: she did not choose quiet hours
    (time(22), timedelta(minutes=90), "send"),     # she chose 22:00 after the night feed
    (time(22), timedelta(hours=3), "late"),        # ...but never hours late
])
def test_a_late_check_in_goes_out_only_within_the_catch_up_limit_and_never_into_quiet_hours(
        chosen: time, late_by: timedelta, verdict: str) -> None:
    plan = Plan(at=chosen, zone=NY)
    due = local_instant(date(2026, 11, 20), chosen, NY)
    assert checkin_verdict(due, due + late_by, plan, timedelta(hours=2)) == verdict


def test_peak_load_finds_the_busiest_catch_up_window() -> None:
    base = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    dues = [base] * 500 + [base + timedelta(minutes=30)] * 300 + [base + timedelta(hours=5)] * 900
    load = peak_load(dues, 0.1, timedelta(hours=2))
    assert (load.peak, load.starts, load.capacity, load.over) == (900, base + timedelta(hours=5), 720, True)
    assert not peak_load(dues, 0, timedelta(hours=2)).over  # unlimited pace


@pytest.mark.parametrize("zones, expected", [
    (("America/New_York",), "America/New_York"), (("America/Chicago", "America/Denver"), None), ((), None),
])
def test_her_zone_comes_from_her_number_only_when_it_has_one_zone(zones: tuple[str, ...], expected: str | None) -> None:
    assert zone_for_phone(zones) == expected


def test_a_us_number_gives_its_zone_through_phonenumbers() -> None:
    from service.phones import time_zones

    assert zone_for_phone(time_zones("+12025550143")) == "America/New_York"


plans = st.builds(
    Plan,
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    zone=st.sampled_from(ZONES).map(ZoneInfo),
    days=st.sets(st.integers(0, 6), min_size=1).map(lambda s: "".join(map(str, sorted(s)))),
    every=st.integers(1, 5),
    anchor=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    quiet=st.sampled_from([DEFAULT_QUIET, (time(22), time(7)), (time(13), time(15)), None]),
)
moments = st.one_of(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),
    # the days around DST changes in the northern and southern hemispheres
    st.sampled_from([datetime(y, m, d) for y in (2025, 2026) for m, d in ((3, 8), (3, 29), (4, 5), (9, 27),
                                                                           (10, 4), (10, 25), (11, 1))])
      .flatmap(lambda d: st.integers(-36 * 60, 36 * 60).map(lambda m: d + timedelta(minutes=m))),
).map(lambda d: d.replace(tzinfo=UTC))


@settings(max_examples=400, deadline=None)
@given(plan=plans, now=moments)
def test_every_due_time_is_ahead_at_her_minute_or_just_after_a_gap_and_quiet_only_by_her_choice(plan: Plan, now: datetime) -> None:
    due = plan_next(plan, now)
    assert due is not None and due > now
    local = due.astimezone(plan.zone)
    wanted = datetime.combine(local.date(), plan.at)
    assert timedelta(0) <= local.replace(tzinfo=None) - wanted <= timedelta(hours=2)
    assert plan.is_day(local.date()) and is_own_time(due, plan)
    if in_quiet(local.time(), plan.quiet):
        assert in_quiet(plan.at, plan.quiet) or local.time() != plan.at  # only her own choice (or its gap shift)
    assert plan_latest(plan, due) == due and checkin_verdict(due, due, plan, timedelta(hours=2)) == "send"


@settings(max_examples=300, deadline=None)
@given(plan=plans, now=moments)
def test_no_day_is_doubled_or_skipped_across_dst(plan: Plan, now: datetime) -> None:
    first = plan_next(plan, now)
    assert first is not None
    second = plan_next(plan, first)
    assert second is not None
    gap_days = (second.astimezone(plan.zone).date() - first.astimezone(plan.zone).date()).days
    expected = next(n for n in range(1, 40) if plan.is_day(first.astimezone(plan.zone).date() + timedelta(days=n)))
    assert gap_days == expected


@settings(max_examples=300, deadline=None)
@given(plan=plans, now=moments, held=st.sampled_from([DEFAULT_QUIET, (time(22), time(7)), (time(1), time(6))]))
def test_a_held_message_waits_exactly_until_quiet_hours_end(plan: Plan, now: datetime, held: tuple[time, time]) -> None:
    until = quiet_until(now, plan.zone, held)
    if not in_quiet(now.astimezone(plan.zone).time(), held):
        assert until is None
        return
    assert until is not None and until > now and until - now <= timedelta(hours=25)
    assert not in_quiet(until.astimezone(plan.zone).time(), held)
    assert in_quiet((until - timedelta(minutes=1)).astimezone(plan.zone).time(), held)


@pytest.mark.parametrize("text, zone", [
    ("Seattle", "America/Los_Angeles"), ("San Francisco", "America/Los_Angeles"), ("Houston", "America/Chicago"),
    ("Boston", "America/New_York"), ("Washington, D.C.", "America/New_York"), ("St. Louis", "America/Chicago"),
    ("Salt Lake City", "America/Denver"), ("Manchester", "Europe/London"), ("GMT", "Europe/London"),
    ("Mumbai", "Asia/Kolkata"), ("Chicago", "America/Chicago"), ("america/denver", "America/Denver"),
    ("eastern time", "America/New_York"), ("Sydney", "Australia/Sydney"), ("narnia", None),
])
def test_a_zone_is_found_from_the_big_city_she_names(text: str, zone: str | None) -> None:
    from service.commands import zone_from_text

    assert zone_from_text(text) == zone
