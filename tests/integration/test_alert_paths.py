"""An urgent alert that fails on one channel is retried at once on the other; when every path
failed, the on-duty operator is told."""
from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select

from service.models import Alert, Event
from service.texts import render
from tests.conftest import BUDDY, MOM, OPERATOR
from tests.integration.test_checkin_loop import consent_both, enrol


def test_an_alert_refused_on_sms_goes_out_on_whatsapp_at_once(cli: Any, sim: Any, run_jobs: Any, db: Any,
                                                              settings: Any) -> None:
    from workers import context

    context.configure(dataclasses.replace(settings, twilio_whatsapp_from="+15005550006"))
    enrol(cli)
    consent_both(sim, run_jobs)
    sim.set_faults(number_errors={BUDDY.phone: 21612})  # SMS to the buddy refused for good
    sim.send_inbound(MOM.phone, "i want to end it all")
    run_jobs()
    whatsapp = sim.messages(to="whatsapp:" + BUDDY.phone)
    assert len(whatsapp) == 1 and whatsapp[0]["body"].startswith("URGENT")
    with db() as s:
        assert s.scalars(select(Alert.state)).one() == "sent"
        assert "alert_channel_fallback" in s.scalars(select(Event.kind)).all()


def test_when_every_path_fails_the_operator_is_told(cli: Any, sim: Any, run_jobs: Any, db: Any) -> None:
    enrol(cli)
    consent_both(sim, run_jobs)
    sim.set_faults(number_errors={BUDDY.phone: 21612})  # no WhatsApp sender is configured in tests
    sim.send_inbound(MOM.phone, "i want to end it all")
    run_jobs()
    operator = [m["body"] for m in sim.messages(to=OPERATOR.phone)]
    with db() as s:
        member_id = s.scalars(select(Alert.member_id)).one()
        assert s.scalars(select(Alert.state)).one() == "failed"
    assert operator == [render("alert_undeliverable", member_id=member_id, level="crisis")]


def test_an_alert_undelivered_by_the_carrier_also_takes_the_other_path(cli: Any, sim: Any, run_jobs: Any,
                                                                       db: Any) -> None:
    enrol(cli)
    consent_both(sim, run_jobs)
    sim.set_faults(delivery_errors={BUDDY.phone: 30003})  # accepted, then undelivered
    sim.send_inbound(MOM.phone, "1")
    run_jobs()  # the alert goes, its callback says undelivered, the operator hears
    run_jobs()
    assert len(sim.messages(to=OPERATOR.phone)) == 1



def test_the_operator_is_told_once_when_two_buddies_of_one_crisis_both_fail(cli: Any, sim: Any, run_jobs: Any,
                                                                           db: Any) -> None:
    carol = "+12025550102"
    enrol(cli)
    consent_both(sim, run_jobs)
    assert sim.send_inbound(MOM.phone, f"BUDDY Carol {carol}").status_code == 200
    run_jobs()
    sim.send_inbound(carol, "yes")
    sim.set_faults(number_errors={BUDDY.phone: 21612, carol: 21612})
    sim.send_inbound(MOM.phone, "i want to end it all")
    run_jobs()
    with db() as s:
        assert sorted(s.scalars(select(Alert.state))) == ["failed", "failed"]
    assert len(sim.messages(to=OPERATOR.phone)) == 1


def test_a_low_reply_nobody_can_be_told_about_waits_on_the_safety_queue(cli: Any, sim: Any, run_jobs: Any, db: Any,
                                                                         client: Any) -> None:
    """Her only buddy said STOP: her '1' used to leave no alert, no event and no row for a person."""
    from tests.integration.test_status_page import logged_in

    enrol(cli)
    consent_both(sim, run_jobs)
    sim.send_inbound(BUDDY.phone, "STOP")
    sim.send_inbound(MOM.phone, "1")
    run_jobs()
    with db() as s:
        alert = s.scalars(select(Alert)).one()
        assert (alert.level, alert.recipient, alert.state, alert.buddy_id) == ("low", "none", "unrouted", None)
        assert s.scalars(select(Event.detail).where(Event.kind == "alert_low_unrouted")).one() == "no buddy has agreed"
    logged_in(client, db)
    safety = client.get("/status").get_data(as_text=True)
    safety = safety[safety.index('id="safety-section"'):]
    assert "1 need a person" in safety and "nobody (no buddy of hers can be alerted)" in safety
    sim.send_inbound(MOM.phone, "2, still awful")  # one a day, like any low alert
    with db() as s:
        assert len(s.scalars(select(Alert)).all()) == 1


def test_a_crisis_with_no_buddy_texts_the_operator_her_name_and_a_number_to_dial(cli: Any, sim: Any, run_jobs: Any,
                                                                                db: Any) -> None:
    enrol(cli)
    run_jobs()
    sim.send_inbound(MOM.phone, "YES")  # her buddy never answered the invitation
    sim.send_inbound(MOM.phone, "I want to end it all")
    run_jobs()
    assert [m["body"] for m in sim.messages(to=OPERATOR.phone)] == [
        render("alert_crisis_operator", member="Amanda", member_id=1, phone="+1 202-555-0143")]


def test_twilio_refusing_our_account_turns_the_sends_light_red_at_once(cli: Any, sim: Any, run_jobs: Any, db: Any,
                                                                       settings: Any) -> None:
    """20003 on every send: the page stayed green until each message had used up six attempts."""
    from datetime import datetime, timezone

    from service.status import health

    def light() -> dict[str, str]:
        with db() as s:
            return next(l for l in health(settings, s, None, "", datetime.now(timezone.utc))
                        if l["name"] == "Twilio sends (15 min)")

    enrol(cli)
    consent_both(sim, run_jobs)
    assert light()["level"] == "ok" and light()["value"] == "2 accepted"  # the welcome and the invitation
    sim.set_faults(number_errors={MOM.phone: 20003})
    assert cli("checkins", "send-now", "--phone", MOM.phone).exit_code == 0
    run_jobs()
    shown = light()
    assert shown["level"] == "bad" and shown["reason"].startswith("20003: Twilio refused our credentials")


def test_a_buddys_stop_counts_among_the_days_opt_outs(cli: Any, sim: Any, run_jobs: Any, db: Any, client: Any) -> None:
    import re

    from tests.integration.test_status_page import logged_in

    enrol(cli)
    consent_both(sim, run_jobs)
    sim.send_inbound(BUDDY.phone, "STOP")
    logged_in(client, db)
    page = client.get("/status").get_data(as_text=True)
    assert re.search(r'id="opt-outs-today">1<', page)


def test_failures_are_counted_for_good_on_metrics_though_a_retry_clears_the_7_day_gauge(
        cli: Any, sim: Any, run_jobs: Any, db: Any, client: Any) -> None:
    """Alert on rate(village_events_total{kind="message_failed"}[1h]): the gauge fell to 0 after a retry."""
    import re

    from prometheus_client.parser import text_string_to_metric_families

    from tests.integration.test_status_page import logged_in

    def samples() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        text = client.get("/metrics").get_data(as_text=True)
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}

    enrol(cli)
    consent_both(sim, run_jobs)
    sim.set_faults(delivery_errors={MOM.phone: 30003})  # accepted, then undelivered
    assert cli("checkins", "send-now", "--phone", MOM.phone).exit_code == 0
    run_jobs()
    logged_in(client, db)
    before = samples()
    assert before[("village_events_total", (("kind", "message_failed"),))] == 1
    assert before[("village_delivery_failures_7d", (("code", "30003"),))] == 1
    sim.set_faults()
    with db() as s:
        from service.models import Message

        failed = s.scalars(select(Message.id).where(Message.status == "undelivered")).one()
    page = client.get("/status").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post(f"/status/messages/{failed}/retry", data={"csrf_token": token}).status_code == 303
    run_jobs()
    after = samples()
    assert after[("village_events_total", (("kind", "message_failed"),))] == 1  # still counted
    assert ("village_delivery_failures_7d", (("code", "30003"),)) not in after
