"""The status page: login first, figures, no message bodies; health answers JSON."""
from __future__ import annotations

import functools
import re
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from service.models import Message, Operator
from tests.conftest import MOM

EMAIL, PASSWORD = "op@example.org", "a long operator password"


def login(client: Any, password: str = PASSWORD) -> Any:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    return client.post("/login", data={"email": EMAIL, "password": password, "csrf_token": token.group(1)})


@functools.lru_cache(maxsize=1)
def _password_hash() -> str:
    return generate_password_hash(PASSWORD, method="scrypt")  # as create_operator hashes; once per run


def make_operator(db: Any) -> int:
    with db() as s:
        operator = Operator(email=EMAIL, password_hash=_password_hash())
        s.add(operator)
        s.flush()
        return operator.id


def logged_in(client: Any, db: Any) -> Any:
    """A session as a successful login leaves it, for tests about what comes after the login."""
    from datetime import datetime, timezone

    from service.auth import session_fields

    operator_id = make_operator(db)
    with client.session_transaction() as session:
        session.update(session_fields(operator_id, 0, datetime.now(timezone.utc)))
    return client


def test_the_status_page_requires_login(client: Any) -> None:
    response = client.get("/status")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_without_csrf_token_is_refused(client: Any, db: Any) -> None:
    make_operator(db)
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/status").status_code == 302


def test_an_operator_sees_figures_and_no_message_bodies(client: Any, db: Any, cli: Any, signed_post: Any) -> None:
    make_operator(db)
    cli("members", "add", "--name", "Amanda", "--phone", MOM.phone, "--time", "20:00",
        "--timezone", "America/New_York")
    signed_post("/twilio/inbound", {"MessageSid": "SM" + "e" * 32, "From": MOM.phone, "To": "+15005550006",
                                    "Body": "a very private sentence"})
    assert login(client).status_code == 302
    page = client.get("/status")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'id="members-total">1<', html)
    with db() as s:
        for body in s.scalars(select(Message.body)):
            assert body not in html
    assert MOM.phone not in html
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_repeated_wrong_passwords_lock_the_account(client: Any, db: Any) -> None:
    make_operator(db)
    for _ in range(5):
        assert login(client, "wrong password!").status_code == 401
    assert login(client).status_code == 401  # locked, even with the right password
    assert client.get("/status").status_code == 302


def test_healthz_reports_database_and_redis(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_logout_needs_csrf_and_ends_the_session(client: Any, db: Any) -> None:
    make_operator(db)
    login(client)
    assert client.post("/logout").status_code == 400
    page = client.get("/status").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/status").status_code == 302


def logout(client: Any) -> Any:
    page = client.get("/status").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return client.post("/logout", data={"csrf_token": token})


def copy_of_session(client: Any, app: Any) -> Any:
    """Another browser holding a copy of `client`'s session cookie (as a thief would)."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    other = app.test_client()
    other.set_cookie(cookie.key, cookie.value)
    return other


def refused(client: Any) -> bool:
    page, data = client.get("/status"), client.get("/status.json")
    return (page.status_code == 302 and "/login" in page.headers["Location"]) and data.status_code == 401


def test_a_session_cookie_copied_before_logout_is_refused_after_it(client: Any, db: Any, app: Any) -> None:
    make_operator(db)
    assert login(client).status_code == 302
    copy = copy_of_session(client, app)
    assert copy.get("/status").status_code == 200 and copy.get("/status.json").status_code == 200
    assert logout(client).status_code == 302
    assert refused(copy)
    assert login(client).status_code == 302 and client.get("/status").status_code == 200  # a new login works


def test_logging_out_ends_her_sessions_on_other_devices_too(client: Any, db: Any, app: Any) -> None:
    make_operator(db)
    desk, phone = client, app.test_client()
    assert login(desk).status_code == 302 and login(phone).status_code == 302
    assert logout(phone).status_code == 302
    assert refused(desk)


def test_a_session_older_than_its_lifetime_is_refused(client: Any, db: Any) -> None:
    from datetime import datetime, timedelta, timezone

    make_operator(db)
    assert login(client).status_code == 302
    login_at = datetime.now(timezone.utc).timestamp()
    with client.session_transaction() as session:  # as if eleven hours had passed since the login
        session["login_at"] = int(login_at - timedelta(hours=11).total_seconds())
    assert client.get("/status").status_code == 200 and client.get("/status.json").status_code == 200
    with client.session_transaction() as session:  # twelve hours and a minute, however busy she was
        session["login_at"] = int(login_at - timedelta(hours=12, minutes=1).total_seconds())
    assert refused(client)


def test_a_session_cookie_from_before_sessions_were_revocable_is_refused(client: Any, db: Any) -> None:
    operator_id = make_operator(db)
    with client.session_transaction() as session:
        session["operator_id"] = operator_id  # all the old login put in the cookie
    assert refused(client)


def test_a_disabled_operator_is_refused_at_once_and_cannot_log_in(client: Any, db: Any, cli: Any, app: Any) -> None:
    make_operator(db)
    assert login(client).status_code == 302
    assert cli("operators", "disable", EMAIL).exit_code == 0
    assert refused(client)
    disabled = login(client)  # the right password, refused, and told why (not "try again in a few minutes")
    assert disabled.status_code == 403 and "This account is disabled" in disabled.get_data(as_text=True)
    wrong = login(client, "wrong password!")  # a guesser learns nothing
    assert wrong.status_code == 401 and "disabled" not in wrong.get_data(as_text=True)
    assert refused(client)
    assert cli("operators", "enable", EMAIL).exit_code == 0
    assert login(client).status_code == 302 and client.get("/status").status_code == 200


def test_a_password_reset_ends_her_sessions_and_only_the_new_password_works(client: Any, db: Any, cli: Any) -> None:
    make_operator(db)
    assert login(client).status_code == 302
    new = "a brand new operator password"
    result = cli("operators", "reset-password", EMAIL, input=f"{new}\n{new}\n")
    assert result.exit_code == 0, result.output
    assert refused(client)
    assert login(client).status_code == 401  # the old password
    assert login(client, new).status_code == 302 and client.get("/status").status_code == 200


def test_a_password_reset_lifts_the_account_lockout(client: Any, db: Any, cli: Any, monkeypatch: Any) -> None:
    from service import auth

    monkeypatch.setattr(auth, "ACCOUNT_MAX_FAILURES", 3)  # the threshold only; 50 scrypt checks are slow
    make_operator(db)
    for i in range(3):
        assert login_from(client, f"198.51.100.{i + 1}", password="wrong password!").status_code == 401
    assert login_from(client, "203.0.113.9").status_code == 401  # locked everywhere
    new = "a brand new operator password"
    assert cli("operators", "reset-password", EMAIL, "--password", new).exit_code == 0
    assert login_from(client, "203.0.113.9", password=new).status_code == 302


# ---------------------------------------------------------------- figures, seeded rows

BODIES = ("PRIVATE-CHECKIN-BODY", "PRIVATE-FAILED-BODY", "PRIVATE-REPLY-WORDS", "PRIVATE-ALERT-BODY")


def seed(db: Any) -> dict[str, int]:
    """Rows as the loop leaves them: three moms, a buddy who accepted and one who never did,
    today's check-ins (one answered low), a delivered and a failed check-in text, an open crisis."""
    from datetime import datetime, timedelta, timezone

    from service.models import Alert, Buddy, CheckIn, Member, Message
    from tests.conftest import BUDDY, STRANGER

    now = datetime.now(timezone.utc)
    with db() as s:
        amanda = Member(name="Amanda", phone=MOM.phone, timezone="America/New_York", checkin_time="20:00",
                        status="active", consent_at=now - timedelta(days=2))
        bea = Member(name="Bea", phone="+12025550123", timezone="Europe/London", checkin_time="09:00", status="pending")
        cara = Member(name="Cara", phone=STRANGER.phone, timezone="America/Chicago", checkin_time="07:30",
                      status="paused")
        s.add_all([amanda, bea, cara])
        s.flush()
        sarah = Buddy(member_id=amanda.id, name="Sarah", phone=BUDDY.phone, consent="accepted", invited_at=now)
        dana = Buddy(member_id=bea.id, name="Dana", phone="+12025550124", consent="invited",
                     invited_at=now - timedelta(days=1))
        s.add_all([sarah, dana])
        answered = CheckIn(member_id=amanda.id, due_at=now - timedelta(seconds=3), state="answered",
                           mood_level="low", answered_at=now - timedelta(seconds=1))
        sent = CheckIn(member_id=cara.id, due_at=now - timedelta(seconds=2), state="sent")
        s.add_all([answered, sent])
        s.flush()
        ok = Message(direction="out", member_id=amanda.id, checkin_id=answered.id, to_addr=MOM.phone,
                     from_addr="+15005550006", body=BODIES[0], kind="checkin", status="delivered")
        failed = Message(direction="out", member_id=cara.id, checkin_id=sent.id, to_addr=STRANGER.phone,
                         from_addr="+15005550006", body=BODIES[1], kind="checkin", status="failed",
                         error_code="30003", attempts=1)
        reply = Message(direction="in", member_id=amanda.id, to_addr="+15005550006", from_addr=MOM.phone,
                        body=BODIES[2], kind="inbound", status="received")
        s.add_all([ok, failed, reply])
        crisis = Alert(member_id=amanda.id, buddy_id=sarah.id, checkin_id=answered.id, level="crisis",
                       state="sent", created_at=now - timedelta(minutes=20))
        s.add(crisis)
        s.flush()
        s.add(Message(direction="out", member_id=amanda.id, buddy_id=sarah.id, alert_id=crisis.id,
                      to_addr=BUDDY.phone, from_addr="+15005550006", body=BODIES[3], kind="alert",
                      status="delivered", urgent=True))
        return {"amanda": amanda.id, "bea": bea.id, "cara": cara.id, "failed": failed.id, "crisis": crisis.id,
                "dana": dana.id, "sarah": sarah.id}


def figure(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert found, element_id
    return found.group(1).strip()


def logged_in_page(client: Any, db: Any, path: str = "/status") -> str:
    logged_in(client, db)
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


SEEDED_FIGURES = {"members-total": "3", "checkins-planned": "2", "checkins-sent": "2", "checkins-delivered": "1",
                  "checkins-answered": "1", "alerts-today": "1", "failed-7d": "1", "new-members-today": "3",
                  "opt-outs-today": "0", "checkins-skipped": "0"}


def test_the_page_shows_figures_matching_the_seeded_rows(client: Any, db: Any) -> None:
    seed(db)
    html = logged_in_page(client, db)
    assert {key: figure(html, key) for key in SEEDED_FIGURES} == SEEDED_FIGURES


def test_the_safety_queue_shows_the_open_crisis_with_its_timer_and_who_was_alerted(client: Any, db: Any) -> None:
    seed(db)
    html = logged_in_page(client, db)
    safety = html[html.index('id="safety"'):html.index('id="health"')]
    assert "1 need a person" in safety
    assert "Sarah (+1 ••• ••• 0178): sent" in safety
    assert re.search(r'class="timer" data-since="[^"]+">2\d min ago<', safety)
    assert "nobody yet" in safety


def test_the_page_shows_no_message_body_and_no_whole_phone_number(client: Any, db: Any) -> None:
    seed(db)
    html = logged_in_page(client, db)
    for body in BODIES:
        assert body not in html
    for phone in (MOM.phone, "+12025550123", "+12025550124", MOM.phone[2:], "2025550178"):
        assert phone not in html
    assert "+1 ••• ••• 0143" in html


def test_failures_are_grouped_by_twilio_code_with_its_meaning(client: Any, db: Any) -> None:
    seed(db)
    html = logged_in_page(client, db)
    failures = html[html.index('id="failures"'):html.index('id="members"')]
    assert re.search(r"<td>30003</td><td>unreachable handset[^<]*</td><td>1</td>", failures)


def test_the_page_lists_buddies_who_never_accepted(client: Any, db: Any) -> None:
    seed(db)
    html = logged_in_page(client, db)
    waiting = html[html.index('id="waiting"'):html.index('id="failures"')]
    assert "Dana (+1 ••• ••• 0124)" in waiting and "Bea" in waiting


def test_members_are_searchable_by_name_or_last_digits(client: Any, db: Any) -> None:
    seed(db)
    logged_in(client, db)
    by_name = client.get("/status?q=cara").get_data(as_text=True)
    by_digits = client.get("/status?q=0143").get_data(as_text=True)
    assert "Members (1)" in by_name and ">Cara<" in by_name and ">Amanda<" not in by_name
    assert "Members (1)" in by_digits and ">Amanda<" in by_digits
    # The operator's alert texts name "member #N": the page finds her by it.
    cara = re.search(r">Cara</span> <small class=\"muted\">#(\d+)<", by_name)
    assert cara is not None
    by_number = client.get(f"/status?q=%23{cara.group(1)}").get_data(as_text=True)
    assert "Members (1)" in by_number and ">Cara<" in by_number


def test_members_are_paginated_25_to_a_page(client: Any, db: Any) -> None:
    from service.models import Member

    with db() as s:
        s.add_all([Member(name=f"Mom {i:02d}", phone=f"+1202555{i:04d}", timezone="UTC", checkin_time="09:00")
                   for i in range(30)])
    html = logged_in_page(client, db, "/status?page=2")
    assert "page 2 of 2" in html and ">Mom 29<" in html and ">Mom 00<" not in html


def test_a_member_whose_last_three_checkins_failed_is_listed(client: Any, db: Any, settings: Any) -> None:
    from datetime import datetime, timedelta, timezone

    from service.checkins import follow_up
    from service.models import CheckIn, Member, Message

    now = datetime.now(timezone.utc)
    with db() as s:
        m = Member(name="Erin", phone="+12025550155", timezone="UTC", checkin_time="09:00", status="active")
        s.add(m)
        s.flush()
        for days, code in ((3, "30003"), (2, "30005"), (1, "30003")):
            checkin = CheckIn(member_id=m.id, due_at=now - timedelta(days=days), state="planned")
            s.add(checkin)
            s.flush()
            s.add(Message(direction="out", member_id=m.id, checkin_id=checkin.id, to_addr=m.phone,
                          from_addr="+15005550006", body="x", kind="checkin", status="undelivered", error_code=code,
                          updated_at=now - timedelta(days=days)))
    with db() as s:  # the periodic follow-up turns failed deliveries into undelivered check-ins
        follow_up(s, settings, now)
    html = logged_in_page(client, db)
    waiting = html[html.index('id="waiting"'):html.index('id="failures"')]
    assert "Erin (+1 ••• ••• 0155)" in waiting and "30003, 30005" in waiting


# ---------------------------------------------------------------- access

ACTIONS = ["/status/messages/1/retry", "/status/members/1/pause", "/status/members/1/resume",
           "/status/members/1/edit", "/status/members/1/remove", "/status/members/1/test-checkin",
           "/status/buddies/1/reinvite", "/status/alerts/1/handle", "/status/import", "/logout"]


@pytest.mark.parametrize("path", ["/status", "/status.json", "/metrics"])
def test_every_page_refuses_an_anonymous_user(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (302, 401)
    assert "village_" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ACTIONS)
def test_every_action_refuses_an_anonymous_user_even_with_a_csrf_token(client: Any, path: str) -> None:
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert token
    assert client.post(path, data={"csrf_token": token.group(1), "note": "done it", "confirm": "yes"}).status_code == 401


@pytest.mark.parametrize("path", ACTIONS)
def test_every_action_refuses_a_missing_csrf_token(client: Any, db: Any, path: str) -> None:
    logged_in(client, db)
    assert client.post(path, data={"note": "done it", "confirm": "yes"}).status_code == 400


def test_status_json_needs_a_login_or_the_api_token(client: Any, db: Any, settings: Any) -> None:
    from dataclasses import replace

    from service import create_app

    seed(db)
    token = "t" * 32
    machine = create_app(replace(settings, status_api_token=token)).test_client()
    assert machine.get("/status.json", headers={"Authorization": "Bearer " + "x" * 32}).status_code == 401
    response = machine.get("/status.json", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["members"]["active"] == 1 and data["daily"]["today"]["answered"] == 1
    assert data["safety"]["open"][0]["level"] == "crisis"
    assert not any(body in response.get_data(as_text=True) for body in BODIES)


def test_metrics_are_served_in_prometheus_text_format(client: Any, db: Any, signed_post: Any) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    seed(db)
    logged_in(client, db)
    # A routine status waits in Redis for the job that writes it: operators see how many wait.
    assert signed_post("/twilio/status", {"MessageSid": "SM" + "9" * 32, "MessageStatus": "delivered"}).status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(response.get_data(as_text=True)) for s in family.samples}
    assert samples[("village_members", (("status", "active"),))] == 1
    assert samples[("village_delivery_failures_7d", (("code", "30003"),))] == 1
    assert samples[("village_alerts_needing_human", ())] == 1
    assert ("village_queue_depth", (("queue", "urgent"),)) in samples
    assert samples[("village_statuses_waiting", ())] == 1


def test_session_cookies_are_httponly_samesite_and_secure_over_https(settings: Any) -> None:
    from dataclasses import replace

    from service import create_app

    app = create_app(replace(settings, public_base_url="https://village.example.org"))
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"]


def test_the_page_loads_its_script_from_our_origin_and_has_no_inline_script(client: Any, db: Any) -> None:
    html = logged_in_page(client, db)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all('src="/static/' in attrs for attrs in scripts)
    assert client.get("/static/status.js").status_code == 200
    assert "script-src 'self'" in client.get("/status").headers["Content-Security-Policy"]


def test_the_page_warns_when_more_check_ins_fall_due_than_the_senders_can_send(client: Any, db: Any, settings: Any) -> None:
    from dataclasses import replace

    from service.models import Member
    from workers import context, periodic

    with db() as s:
        for i in range(20):
            s.add(Member(name=f"M{i}", phone=f"+1202555{1000 + i}", timezone="America/New_York",
                         checkin_time="20:00", status="active"))
    context.configure(replace(settings, twilio_mps=0.002))  # 14 texts per two-hour catch-up window
    try:
        periodic.check_schedule_load()
    finally:
        context.configure(settings)
    html = logged_in_page(client, db)
    assert "Schedule load" in html and "20 due / 14 sendable" in html


def login_from(client: Any, address: str, email: str = EMAIL, password: str = PASSWORD, **headers: str) -> Any:
    environ = {"REMOTE_ADDR": address}
    page = client.get("/login", environ_base=environ, headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token.group(1)},
                       environ_base=environ, headers=headers)


def test_many_failed_logins_from_one_address_are_refused_there_for_a_while(
        client: Any, db: Any, settings: Any) -> None:
    make_operator(db)
    for i in range(settings.login_failures_per_address):  # other accounts: no lockout of her account
        assert login_from(client, "198.51.100.7", email=f"guess{i}@example.org").status_code == 401
    refused = login_from(client, "198.51.100.7")
    assert refused.status_code == 429  # even with the right password
    assert int(refused.headers["Retry-After"]) == 15 * 60
    assert login_from(client, "203.0.113.9").status_code == 302  # another address is not held back


def test_wrong_passwords_from_elsewhere_do_not_lock_the_operator_out(client: Any, db: Any) -> None:
    """Whoever knows her email must not be able to keep her off the page during a crisis."""
    make_operator(db)
    for _ in range(5):
        assert login_from(client, "198.51.100.7", password="wrong password!").status_code == 401
    assert login_from(client, "198.51.100.7").status_code == 401  # held back there, right password or not
    assert login_from(client, "203.0.113.9").status_code == 302  # her own desk


def test_guessing_spread_over_many_addresses_locks_the_account_everywhere(
        client: Any, db: Any, monkeypatch: Any) -> None:
    from service import auth

    monkeypatch.setattr(auth, "ACCOUNT_MAX_FAILURES", 3)  # the threshold only; 50 scrypt checks are slow
    make_operator(db)
    for i in range(3):
        assert login_from(client, f"198.51.100.{i + 1}", password="wrong password!").status_code == 401
    assert login_from(client, "203.0.113.9").status_code == 401


def test_behind_a_trusted_proxy_the_limit_counts_the_forwarded_address(db: Any, settings: Any) -> None:
    from dataclasses import replace

    from service import create_app

    make_operator(db)
    proxied = create_app(replace(settings, trusted_proxy_hops=1, login_failures_per_address=2)).test_client()
    for address in ("198.51.100.7", "198.51.100.7"):
        assert login_from(proxied, "10.0.0.1", password="wrong password!",
                          **{"X-Forwarded-For": address}).status_code == 401
    assert login_from(proxied, "10.0.0.1", **{"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    assert login_from(proxied, "10.0.0.1", **{"X-Forwarded-For": "203.0.113.9"}).status_code == 302


def test_an_idle_worker_heartbeats_often_enough_to_show_alive(app: Any, redis_url: str) -> None:
    """An idle worker refreshes its heartbeat once per blocking wait; just before the next one is
    due it must still count as alive, or the page (and /metrics) cry wolf all night."""
    from datetime import datetime, timedelta, timezone

    from redis import Redis

    from service.status import queue_figures
    from workers.worker import make_worker

    worker = make_worker("urgent", Redis.from_url(redis_url), name="idle-urgent")
    worker.register_birth()
    try:
        worker.heartbeat()
        beat = worker.last_heartbeat or datetime.now(timezone.utc)
        just_before_next = beat.replace(tzinfo=timezone.utc) + timedelta(seconds=worker.dequeue_timeout + 5)
        [shown] = [w for w in queue_figures(Redis.from_url(redis_url), just_before_next)["workers"]
                   if w["name"] == "idle-urgent"]
        assert shown["alive"]
        long_gone = just_before_next + timedelta(seconds=worker.dequeue_timeout)
        [shown] = [w for w in queue_figures(Redis.from_url(redis_url), long_gone)["workers"] if w["name"] == "idle-urgent"]
        assert not shown["alive"]
    finally:
        worker.register_death()


def test_a_job_taken_by_a_frozen_worker_and_never_started_shows_red(app: Any, db: Any, settings: Any,
                                                                     redis_url: str) -> None:
    from datetime import datetime, timedelta, timezone

    from redis import Redis
    from rq.intermediate_queue import IntermediateQueue

    from service.queues import URGENT, queue
    from service.status import health, queue_figures

    connection = Redis.from_url(redis_url)
    q = queue(URGENT, connection)
    job = q.enqueue("workers.jobs.send_message", 1)
    now = datetime.now(timezone.utc)
    with db() as s:
        lights = {l["name"]: l for l in health(settings, s, queue_figures(connection, now), None, now)}
    assert "Jobs taken on urgent" not in lights  # waiting in the queue is the queue's figure
    connection.lmove(q.key, IntermediateQueue(q.key, connection).key, "RIGHT", "LEFT")  # a worker took it, then froze
    later = now + timedelta(minutes=2)
    with db() as s:
        lights = {l["name"]: l for l in health(settings, s, queue_figures(connection, later), None, later)}
    assert lights["Jobs taken on urgent"]["level"] == "bad" and job.id not in lights["Jobs taken on urgent"]["reason"]


# ---------------------------------------------------------------- mood: every reply, once

def test_crisis_texts_that_answered_no_check_in_are_counted_once_on_the_day_they_came(
        client: Any, db: Any, sim: Any, run_jobs: Any) -> None:
    """Moms text at any time: a crisis at 3 a.m. answers no check-in, yet it is on the page and in
    /metrics. A crisis that answered her check-in is counted once (by the check-in), never twice."""
    from datetime import datetime, timedelta, timezone

    from prometheus_client.parser import text_string_to_metric_families

    from service.models import Buddy, CheckIn, Member
    from tests.conftest import BUDDY

    now = datetime.now(timezone.utc)
    with db() as s:
        amanda = Member(name="Amanda", phone=MOM.phone, timezone="America/New_York", checkin_time="20:00",
                        status="active", consent_at=now - timedelta(days=2))
        s.add(amanda)
        s.flush()
        s.add(Buddy(member_id=amanda.id, name="Sarah", phone=BUDDY.phone, consent="accepted", invited_at=now))
        s.add(CheckIn(member_id=amanda.id, due_at=now - timedelta(seconds=2), state="sent"))
    words = "PRIVATE i want to end it all"
    sim.send_inbound(MOM.phone, words)  # answers today's check-in
    sim.send_inbound(MOM.phone, words)  # and again, answering nothing
    sim.send_inbound(MOM.phone, words)
    run_jobs()
    with db() as s:
        inbound = s.execute(select(Message.mood_level, Message.checkin_id).where(Message.direction == "in")).all()
        assert sorted(level for level, _ in inbound) == ["crisis"] * 3
        assert sum(1 for _, checkin in inbound if checkin is not None) == 1
    html = logged_in_page(client, db)
    assert re.search(r'id="mood-today"><span class="bad">3</span>', html)
    assert figure(html, "crisis-24h") == "3"
    assert "PRIVATE" not in html and "end it all" not in html
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True))
               for s in family.samples}
    assert samples[("village_mood_today", (("level", "crisis"),))] == 3
    assert samples[("village_crisis_replies_24h", ())] == 3
    assert client.get("/status.json").get_json()["daily"]["today"]["crisis"] == 3


def test_a_reply_outside_a_check_in_counts_by_the_day_it_came_and_a_late_answer_by_its_check_in(
        client: Any, db: Any) -> None:
    """Rows as the inbox leaves them: a low reply two days ago that answered nothing counts on that day;
    an answer today to yesterday's check-in counts on yesterday, once; an unclear reply counts nowhere."""
    from datetime import datetime, timedelta, timezone

    from service.models import CheckIn, Member

    now = datetime.now(timezone.utc)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with db() as s:
        amanda = Member(name="Amanda", phone=MOM.phone, timezone="America/New_York", checkin_time="20:00",
                        status="active", consent_at=now - timedelta(days=5))
        s.add(amanda)
        s.flush()
        yesterday = CheckIn(member_id=amanda.id, due_at=today - timedelta(hours=2), state="answered",
                            mood_level="ok", answered_at=now)
        s.add(yesterday)
        s.flush()

        def reply(at: datetime, level: str | None, checkin_id: int | None = None) -> Message:
            return Message(direction="in", member_id=amanda.id, checkin_id=checkin_id, to_addr="+15005550006",
                           from_addr=MOM.phone, body="PRIVATE-WORDS", kind="inbound", status="received",
                           mood_level=level, created_at=at)

        s.add_all([reply(now, "ok", yesterday.id), reply(today - timedelta(days=2) + timedelta(hours=3), "low"),
                   reply(now, "unclear")])
    logged_in(client, db)
    days = {d["day"]: d for d in client.get("/status.json").get_json()["daily"]["days"]}
    moods = {k: (d["crisis"], d["low"], d["ok"]) for k, d in days.items() if d["crisis"] + d["low"] + d["ok"]}
    assert moods == {(today - timedelta(days=1)).strftime("%Y-%m-%d"): (0, 0, 1),
                     (today - timedelta(days=2)).strftime("%Y-%m-%d"): (0, 1, 0)}


def test_with_redis_down_the_worker_and_scheduler_lights_stay_listed_and_red(db: Any, settings: Any) -> None:
    """/metrics rules on village_health_ok{check="Workers on urgent"} must fire during an outage,
    not find the series gone."""
    from datetime import datetime, timezone

    from service.status import health

    with db() as s:
        lights = {l["name"]: l["level"] for l in health(settings, s, None, "connection refused", datetime.now(timezone.utc))}
    assert {k: lights.get(k) for k in ("Redis", "Workers on urgent", "Workers on default", "Scheduler")} == {
        "Redis": "bad", "Workers on urgent": "bad", "Workers on default": "bad", "Scheduler": "bad"}


def test_whatsapp_members_without_a_template_turn_a_light_red(db: Any, settings: Any) -> None:
    """Enrolled on WhatsApp with no approved template: her welcome and most check-ins fail with 63016,
    and nothing on the page said why."""
    from dataclasses import replace
    from datetime import datetime, timezone

    from service.models import Member
    from service.status import health

    def light(s: Any, current: Any) -> dict[str, str] | None:
        return next((l for l in health(current, s, None, "", datetime.now(timezone.utc))
                     if l["name"] == "WhatsApp templates"), None)

    with db() as s:
        assert light(s, settings) is None  # no WhatsApp member: nothing to say
        s.add(Member(name="Fran", phone="+12025550190", timezone="UTC", checkin_time="09:00", status="active",
                     channel="whatsapp"))
        s.flush()
        shown = light(s, settings)
        assert shown is not None and shown["level"] == "bad" and "63016" in shown["reason"]
        configured = replace(settings, twilio_whatsapp_templates="welcome=HX1,checkin=HX2")
        assert light(s, configured)["level"] == "ok"  # type: ignore[index]
