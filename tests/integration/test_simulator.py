"""The Twilio simulator, driven over real HTTP by the official twilio library."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask
import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.serving import make_server

from service.simulator import DEV_ACCOUNT_SID, DEV_AUTH_TOKEN, DEV_FROM_NUMBER, Simulator, count_segments, mask

MOM = "+15551230143"
BUDDY = "+15557650199"
TWIML_REPLY = (
    "<?xml version='1.0' encoding='UTF-8'?><Response><Message>Thanks, Ana. Talk tomorrow.</Message></Response>"
)


@dataclass
class Received:
    path: str
    form: dict[str, str]
    signature_valid: bool


@dataclass
class Village:
    """A stand-in for Village's webhooks: checks every signature, records what came, answers TwiML."""

    base_url: str = ""
    received: list[Received] = field(default_factory=list)

    def posts_to(self, path: str) -> list[Received]:
        return [item for item in self.received if item.path == path]


def serve_in_thread(app: flask.Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.port
    server.shutdown()
    server.server_close()


@pytest.fixture
def village() -> Iterator[Village]:
    app = flask.Flask("fake_village")
    record = Village()
    validator = RequestValidator(DEV_AUTH_TOKEN)

    def receive(kind: str) -> tuple[str, int, dict[str, str]]:
        valid = validator.validate(
            flask.request.url, flask.request.form, flask.request.headers.get("X-Twilio-Signature", "")
        )
        record.received.append(Received(flask.request.path, flask.request.form.to_dict(), valid))
        body = TWIML_REPLY if kind == "inbound" else ""
        return body, 200, {"Content-Type": "text/xml"}

    app.add_url_rule("/twilio/<kind>", "receive", receive, methods=["POST"])
    for base_url in serve_in_thread(app):
        record.base_url = base_url
        yield record


@pytest.fixture
def simulator(tmp_path: Path, village: Village) -> Iterator[Simulator]:
    sim = Simulator(str(tmp_path / "simulator.db"), inbound_url=village.base_url + "/twilio/inbound",
                    callback_delay=0.01)
    yield sim
    sim.shutdown()


@pytest.fixture
def base_url(simulator: Simulator) -> str:
    return simulator.serve()


def twilio_client(base_url: str, *, auth_token: str = DEV_AUTH_TOKEN, timeout: float = 5.0) -> Client:
    # environment={} keeps TWILIO_REGION / TWILIO_EDGE from rewriting the host.
    client = Client(DEV_ACCOUNT_SID, auth_token, environment={}, http_client=TwilioHttpClient(timeout=timeout))
    client.api.base_url = base_url
    return client


@pytest.fixture
def client(base_url: str) -> Client:
    return twilio_client(base_url)


def send(client: Client, to: str = MOM, **kwargs: Any) -> Any:
    return client.messages.create(to=to, from_=DEV_FROM_NUMBER, body=kwargs.pop("body", "How are you today?"), **kwargs)


# --- sending --------------------------------------------------------------------


def test_creating_a_message_returns_a_queued_sid_and_stores_it(client: Client, simulator: Simulator) -> None:
    message = send(client, validity_period=3600)

    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert message.status == "queued"
    assert message.direction == "outbound-api"
    assert message.date_created is not None and message.date_created.tzinfo is not None
    stored = simulator.messages(to=MOM)
    assert [(m["sid"], m["from"], m["body"], m["validity_period"]) for m in stored] == [
        (message.sid, DEV_FROM_NUMBER, "How are you today?", 3600)
    ]
    assert len(simulator.accepted_requests()) == 1


def test_a_template_message_keeps_its_content_sid_and_variables(client: Client, simulator: Simulator) -> None:
    client.messages.create(to="whatsapp:" + MOM, from_="whatsapp:" + DEV_FROM_NUMBER,
                           content_sid="HX" + "1" * 32, content_variables='{"1": "Ana"}')

    [stored] = simulator.messages()
    assert stored["content_sid"] == "HX" + "1" * 32
    assert stored["content_variables"] == {"1": "Ana"}


def test_a_messaging_service_can_stand_in_for_the_from_number(client: Client, simulator: Simulator) -> None:
    message = client.messages.create(to=MOM, messaging_service_sid="MG" + "2" * 32, body="Hi")

    assert message.messaging_service_sid == "MG" + "2" * 32
    assert simulator.messages()[0]["from"] == DEV_FROM_NUMBER


def test_wrong_credentials_raise_a_401_with_code_20003(base_url: str, simulator: Simulator) -> None:
    with pytest.raises(TwilioRestException) as raised:
        send(twilio_client(base_url, auth_token="wrong"))

    assert (raised.value.status, raised.value.code) == (401, 20003)
    assert simulator.messages() == []


def test_another_account_in_the_path_is_not_found(base_url: str) -> None:
    url = base_url + "/2010-04-01/Accounts/AC%s/Messages.json" % ("1" * 32)
    response = requests.post(url, data={"To": MOM, "From": DEV_FROM_NUMBER, "Body": "x"},
                             auth=(DEV_ACCOUNT_SID, DEV_AUTH_TOKEN), timeout=5)

    assert response.status_code == 404
    assert response.json()["code"] == 20404


@pytest.mark.parametrize("to", ["5551230143", "+1555", "+1555123014399999", "whatsapp:5551230143", "+1 555 123 0143"])
def test_an_invalid_to_number_is_rejected_with_21211(client: Client, simulator: Simulator, to: str) -> None:
    with pytest.raises(TwilioRestException) as raised:
        send(client, to=to)

    assert (raised.value.status, raised.value.code) == (400, 21211)
    assert simulator.accepted_requests() == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"From": DEV_FROM_NUMBER, "Body": "hi"}, 21604),
        ({"To": MOM, "Body": "hi"}, 21603),
        ({"To": MOM, "From": DEV_FROM_NUMBER}, 21602),
        ({"To": MOM, "From": DEV_FROM_NUMBER, "Body": "x" * 1601}, 21617),
        ({"To": "whatsapp:" + MOM, "From": DEV_FROM_NUMBER, "Body": "hi"}, 21910),
        ({"To": MOM, "From": DEV_FROM_NUMBER, "Body": "hi", "ValidityPeriod": "36001"}, 21624),
        ({"To": MOM, "From": DEV_FROM_NUMBER, "ContentSid": "HX" + "1" * 32, "ContentVariables": "{oops"}, 21656),
    ],
)
def test_incomplete_requests_get_twilios_error_code(base_url: str, fields: dict[str, str], code: int) -> None:
    url = base_url + "/2010-04-01/Accounts/%s/Messages.json" % DEV_ACCOUNT_SID
    response = requests.post(url, data=fields, auth=(DEV_ACCOUNT_SID, DEV_AUTH_TOKEN), timeout=5)

    assert response.status_code == 400
    assert response.json() == {"code": code, "message": response.json()["message"],
                               "more_info": "https://www.twilio.com/docs/errors/%s" % code, "status": 400}


# --- faults ---------------------------------------------------------------------


def test_a_number_error_rejects_that_number_with_its_code(client: Client, simulator: Simulator) -> None:
    simulator.set_faults(number_errors={MOM: 21610})

    with pytest.raises(TwilioRestException) as raised:
        send(client)
    send(client, to=BUDDY)

    assert (raised.value.status, raised.value.code) == (400, 21610)
    assert [m["to"] for m in simulator.messages()] == [BUDDY]


def test_a_rate_limit_fault_answers_429_and_records_nothing(client: Client, simulator: Simulator) -> None:
    simulator.set_faults(error_rate=1.0, error_statuses=(429,))

    with pytest.raises(TwilioRestException) as raised:
        send(client)

    assert (raised.value.status, raised.value.code) == (429, 20429)
    assert simulator.messages() == [] and simulator.accepted_requests() == []


def test_a_timeout_fault_times_the_client_out_but_the_message_is_accepted(
    base_url: str, simulator: Simulator, village: Village
) -> None:
    simulator.set_faults(timeout_rate=1.0, timeout_seconds=1.0)
    impatient = twilio_client(base_url, timeout=0.3)

    with pytest.raises(requests.exceptions.Timeout):
        send(impatient, status_callback=village.base_url + "/twilio/status")

    assert simulator.wait_idle()
    [stored] = simulator.messages(to=MOM)
    assert stored["status"] == "delivered"
    assert [r.form["MessageSid"] for r in village.posts_to("/twilio/status")] == [stored["sid"]] * 2


def test_a_seeded_error_rate_fails_the_same_requests_every_time(tmp_path: Path) -> None:
    def outcomes(db: str) -> list[bool]:
        sim = Simulator(str(tmp_path / db))
        sim.set_faults(error_rate=0.5, seed=7)
        client = twilio_client(sim.serve())
        results = []
        for _ in range(12):
            try:
                send(client)
                results.append(True)
            except TwilioRestException:
                results.append(False)
        sim.shutdown()
        return results

    first = outcomes("a.db")
    assert first == outcomes("b.db")
    assert True in first and False in first


def test_delay_slows_every_answer(client: Client, simulator: Simulator) -> None:
    simulator.set_faults(delay_ms=200)

    with pytest.raises(requests.exceptions.Timeout):
        send(twilio_client(client.api.base_url, timeout=0.1))


def test_faults_can_be_set_and_cleared_over_http(base_url: str, client: Client, simulator: Simulator) -> None:
    answer = requests.post(base_url + "/_sim/faults", json={"number_errors": {MOM: 21614}}, timeout=5)
    assert answer.status_code == 200
    with pytest.raises(TwilioRestException) as raised:
        send(client)
    assert raised.value.code == 21614

    requests.post(base_url + "/_sim/reset", timeout=5)
    sent = send(client)

    listed = requests.get(base_url + "/_sim/messages", params={"to": MOM}, timeout=5).json()["messages"]
    assert [m["sid"] for m in listed] == [sent.sid]
    assert len(requests.get(base_url + "/_sim/requests", timeout=5).json()["requests"]) == 1


def test_unknown_fault_keys_are_refused_over_http(base_url: str) -> None:
    answer = requests.post(base_url + "/_sim/faults", json={"error_rat": 1.0}, timeout=5)

    assert answer.status_code == 400


# --- status callbacks -------------------------------------------------------------


def test_status_callbacks_arrive_signed_as_sent_then_delivered(
    client: Client, simulator: Simulator, village: Village
) -> None:
    callback = village.base_url + "/twilio/status?kind=checkin"
    message = send(client, status_callback=callback)

    assert simulator.wait_idle()
    posts = village.posts_to("/twilio/status")
    assert [p.form["MessageStatus"] for p in posts] == ["sent", "delivered"]
    assert all(p.signature_valid for p in posts)
    assert posts[0].form == {
        "MessageSid": message.sid, "MessageStatus": "sent", "SmsSid": message.sid, "SmsStatus": "sent",
        "AccountSid": DEV_ACCOUNT_SID, "From": DEV_FROM_NUMBER, "To": MOM, "ApiVersion": "2010-04-01",
    }
    assert simulator.messages()[0]["status"] == "delivered"


def test_a_delivery_error_ends_undelivered_with_its_error_code(
    client: Client, simulator: Simulator, village: Village
) -> None:
    simulator.set_faults(delivery_errors={MOM: 30003})
    message = send(client, status_callback=village.base_url + "/twilio/status")

    assert simulator.wait_idle()
    posts = village.posts_to("/twilio/status")
    assert [(p.form["MessageStatus"], p.form.get("ErrorCode")) for p in posts] == [
        ("sent", None),
        ("undelivered", "30003"),
    ]
    fetched = client.messages(message.sid).fetch()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)


def test_an_unreachable_callback_url_is_dropped_without_stopping_delivery(client: Client, simulator: Simulator) -> None:
    send(client, status_callback="http://127.0.0.1:9/nowhere")

    assert simulator.wait_idle()
    assert simulator.messages()[0]["status"] == "delivered"


# --- reading back ---------------------------------------------------------------


def test_list_filters_by_number_newest_first_across_pages(client: Client) -> None:
    sids = [send(client, body="check-in %d" % n).sid for n in range(3)]
    send(client, to=BUDDY)

    listed = client.messages.list(to=MOM, page_size=2)

    assert [m.sid for m in listed] == list(reversed(sids))


def test_list_can_narrow_to_messages_sent_after_a_moment(client: Client) -> None:
    sent = send(client)
    now = datetime.now(timezone.utc)

    assert [m.sid for m in client.messages.list(to=MOM, date_sent_after=now - timedelta(minutes=5))] == [sent.sid]
    assert client.messages.list(to=MOM, date_sent_after=now + timedelta(minutes=5)) == []


def test_fetch_returns_the_message_and_404s_for_an_unknown_sid(client: Client) -> None:
    sent = send(client)

    assert client.messages(sent.sid).fetch().body == "How are you today?"
    with pytest.raises(TwilioRestException) as raised:
        client.messages("SM" + "f" * 32).fetch()
    assert (raised.value.status, raised.value.code) == (404, 20404)


# --- inbound and the phone page ------------------------------------------------------


def test_an_inbound_message_is_posted_signed_for_the_inbound_url(simulator: Simulator, village: Village) -> None:
    response = simulator.send_inbound(MOM, "Feeling ok", extra={"OptOutType": "HELP"})

    assert response.status_code == 200
    [post] = village.posts_to("/twilio/inbound")
    assert post.signature_valid
    assert post.form["MessageSid"].startswith("SM") and post.form["MessageSid"] == post.form["SmsMessageSid"]
    assert (post.form["From"], post.form["To"], post.form["Body"]) == (MOM, DEV_FROM_NUMBER, "Feeling ok")
    assert (post.form["NumMedia"], post.form["OptOutType"], post.form["AccountSid"]) == ("0", "HELP", DEV_ACCOUNT_SID)
    assert "MessagingServiceSid" not in post.form


def test_a_whatsapp_sender_adds_profile_name_and_wa_id(simulator: Simulator, village: Village) -> None:
    simulator.send_inbound("whatsapp:" + MOM, "hi", num_media=1)

    [post] = village.posts_to("/twilio/inbound")
    assert post.signature_valid
    assert post.form["To"] == "whatsapp:" + DEV_FROM_NUMBER
    assert post.form["WaId"] == MOM[1:] and post.form["ProfileName"]
    assert post.form["NumMedia"] == "1" and post.form["MediaUrl0"].startswith("https://")


def test_a_twiml_reply_is_recorded_as_a_delivered_message(simulator: Simulator) -> None:
    simulator.send_inbound(MOM, "good")

    conversation = simulator.conversation(MOM)
    assert [(m["direction"], m["body"], m["status"]) for m in conversation] == [
        ("inbound", "good", "received"),
        ("outbound-reply", "Thanks, Ana. Talk tomorrow.", "delivered"),
    ]
    assert simulator.messages() == []


def test_the_phone_page_shows_the_conversation_and_its_form_texts_village(
    base_url: str, client: Client, simulator: Simulator, village: Village
) -> None:
    send(client, body="How are you today, Ana?")

    index = requests.get(base_url + "/phone", timeout=5)
    page = requests.get(base_url + "/phone/" + MOM, timeout=5)
    reply = requests.post(base_url + "/phone/" + MOM, data={"Body": "Tired but ok"}, timeout=5)

    assert MOM in index.text
    assert "How are you today, Ana?" in page.text and '<form class="reply" method="post"' in page.text
    assert "<script" not in page.text
    assert reply.history[0].status_code == 303
    assert [p.form["Body"] for p in village.posts_to("/twilio/inbound")] == ["Tired but ok"]
    assert reply.text.index("How are you today, Ana?") < reply.text.index("Tired but ok") < reply.text.index(
        "Thanks, Ana. Talk tomorrow.")


def test_opening_a_number_from_the_index_redirects_to_its_page(base_url: str) -> None:
    response = requests.get(base_url + "/phone/open", params={"number": "1 (555) 123-0143"}, timeout=5)

    assert response.url == base_url + "/phone/" + MOM
    assert response.status_code == 200


# --- mounting -------------------------------------------------------------------


def test_the_blueprint_works_under_the_sim_prefix(simulator: Simulator, village: Village) -> None:
    app = flask.Flask("village_app")
    app.register_blueprint(simulator.blueprint("/sim"))
    for root in serve_in_thread(app):
        client = twilio_client(root + "/sim")
        sent = send(client, status_callback=village.base_url + "/twilio/status")
        listed = client.messages.list(to=MOM)
        fetched = client.messages(sent.sid).fetch()
        page = requests.get(root + "/sim/phone/" + MOM, timeout=5)

        assert [m.sid for m in listed] == [sent.sid] and fetched.sid == sent.sid
        assert 'action="/sim/phone/%2B15551230143"' in page.text or 'action="/sim/phone/+15551230143"' in page.text
        assert simulator.wait_idle()
        assert all(p.signature_valid for p in village.posts_to("/twilio/status"))


def test_two_instances_on_one_database_share_messages_and_faults(tmp_path: Path) -> None:
    # Stands in for two gunicorn workers that each built their own Simulator.
    first, second = Simulator(str(tmp_path / "shared.db")), Simulator(str(tmp_path / "shared.db"))
    second.set_faults(number_errors={MOM: 21610})
    client = twilio_client(first.serve())

    with pytest.raises(TwilioRestException):
        send(client)
    send(client, to=BUDDY)

    assert [m["to"] for m in second.messages()] == [BUDDY]
    first.shutdown()


def _open_store(path: str, barrier: Any, results: Any) -> None:
    from service.simulator_store import SimulatorStore

    barrier.wait()
    try:
        SimulatorStore(path)
        results.put("ok")
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(repr(exc))


def test_gunicorn_workers_opening_a_new_simulator_file_at_once_all_start(tmp_path: Path) -> None:
    # Each gunicorn worker mounts the simulator on the same new file; switching it to WAL took a
    # lock SQLite does not wait for, and a worker that lost the race failed to boot.
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    outcomes = []
    for round_ in range(25):
        barrier, results = ctx.Barrier(4), ctx.Queue()
        processes = [ctx.Process(target=_open_store, args=(str(tmp_path / f"sim-{round_}.db"), barrier, results))
                     for _ in range(4)]
        for process in processes:
            process.start()
        outcomes += [results.get(timeout=30) for _ in processes]
        for process in processes:
            process.join(timeout=30)
    assert set(outcomes) == {"ok"}


def test_the_command_line_serves_on_the_url_it_prints(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "service.simulator", "--port", "0", "--db", str(tmp_path / "cli.db")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               cwd=Path(__file__).resolve().parents[2])
    try:
        assert process.stdout is not None
        found = re.search(r"http://\S+", process.stdout.readline())
        assert found is not None
        client = twilio_client(found.group())
        sent = send(client)
        assert [m.sid for m in client.messages.list()] == [sent.sid]
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_importing_the_module_starts_nothing() -> None:
    code = "import threading, service.simulator; assert threading.active_count() == 1"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


# --- helpers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "segments"),
    [("a" * 160, 1), ("a" * 161, 2), ("€" * 80, 1), ("€" * 81, 2), ("é" * 160, 1), ("’" * 70, 1), ("’" * 71, 2)],
)
def test_segments_are_counted_like_a_carrier(body: str, segments: int) -> None:
    assert count_segments(body) == segments


def test_masked_numbers_show_only_the_last_four_digits() -> None:
    assert mask("+15551230143") == "+1•••••••0143"
    assert mask("whatsapp:+15551230143") == "whatsapp:+1•••••••0143"
