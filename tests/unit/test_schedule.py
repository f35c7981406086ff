"""Schedules: local times to UTC instants, across daylight-saving changes."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from service.schedule import (
    EVERY_DAY, ScheduleError, format_time, latest_due, local_instant, next_due, parse_time, parse_zone,
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
