"""A stand-in for the slice of Twilio's API that Village uses, for development and tests.

The official twilio library runs unchanged against it (`client.api.base_url = <simulator URL>`):
it accepts, lists and fetches Messages, posts signed status callbacks, injects faults, and posts
signed inbound messages to Village from a small phone page.

- state: one SQLite file (`simulator_store`), so every gunicorn worker sees the same messages,
  request log and faults;
- status callbacks: a lazily started daemon thread of the instance that accepted the message
  (`simulator_callbacks`);
- HTTP: `simulator_views`; Twilio's wire format: `simulator_twilio`.

Mounting it in the main app needs `csrf.exempt(blueprint)` (Flask-WTF): Twilio's API, the
control endpoints and the phone form carry no CSRF token. See `CSRF_EXEMPT`.
"""

from __future__ import annotations

import argparse
import logging
import threading
from typing import Any

import flask
import requests
from werkzeug.datastructures import MultiDict
from werkzeug.serving import BaseWSGIServer, make_server

from service.simulator_callbacks import CallbackDispatcher
from service.simulator_store import Faults, SimulatorStore, iso, utcnow
from service.simulator_twilio import (
    API_VERSION,
    count_segments,
    inbound_params,
    mask,
    new_sid,
    parse_twiml_messages,
    public_message,
    sign,
)
from service.simulator_views import TEMPLATES, build_blueprint

__all__ = ["CSRF_EXEMPT", "DEV_ACCOUNT_SID", "DEV_AUTH_TOKEN", "DEV_FROM_NUMBER", "Simulator", "count_segments", "mask"]

DEV_ACCOUNT_SID = "AC" + "0" * 32
DEV_AUTH_TOKEN = "village-simulator-token"
DEV_FROM_NUMBER = "+15005550006"
# The main app must `csrf.exempt(blueprint)`: nothing that posts to the simulator has a CSRF token.
CSRF_EXEMPT = True

log = logging.getLogger(__name__)


class Simulator:
    """The simulated Twilio account: API, fault injection, callbacks, inbound messages, phone page."""

    def __init__(
        self,
        db_path: str,
        *,
        account_sid: str = DEV_ACCOUNT_SID,
        auth_token: str = DEV_AUTH_TOKEN,
        inbound_url: str | None = None,
        village_number: str = DEV_FROM_NUMBER,
        callback_delay: float = 0.05,
    ) -> None:
        self.store = SimulatorStore(db_path)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.inbound_url = inbound_url
        self.village_number = village_number
        self.callback_delay = callback_delay
        self._callbacks = CallbackDispatcher()
        self._server: BaseWSGIServer | None = None

    # --- serving --------------------------------------------------------------

    def blueprint(self, url_prefix: str = "") -> flask.Blueprint:
        """Everything the simulator serves; the main app must `csrf.exempt()` it."""
        return build_blueprint(self, url_prefix)

    def wsgi_app(self) -> flask.Flask:
        app = flask.Flask(__name__, template_folder=str(TEMPLATES))
        app.register_blueprint(self.blueprint())
        return app

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on a daemon thread (threaded: a timeout fault must not block other requests)."""
        if self._server is None:
            self._server = make_server(host, port, self.wsgi_app(), threaded=True)
            # A short poll interval keeps shutdown() quick: it waits for the next poll.
            thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="twilio-simulator-http",
                daemon=True,
            )  # fmt: skip
            thread.start()
        return "http://%s:%d" % (host, self._server.port)

    def shutdown(self) -> None:
        """Stop the server and the callback thread; queued callbacks are dropped."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._callbacks.stop()

    # --- state ----------------------------------------------------------------

    def messages(
        self, to: str | None = None, from_: str | None = None, *, direction: str | None = "outbound-api"
    ) -> list[dict[str, Any]]:
        """Messages oldest first; by default only those accepted through the API (not inbound or TwiML replies)."""
        rows = self.store.find_messages(to=to, from_=from_, direction=direction)
        return [public_message(row) for row in rows]

    def conversation(self, number: str) -> list[dict[str, Any]]:
        """Everything one phone sent or received, in every direction, oldest first."""
        return [public_message(row) for row in self.store.find_messages(party=number)]

    def accepted_requests(self) -> list[dict[str, Any]]:
        """One row per accepted create POST: id, sid, to, from, params (field -> list of values), received_at."""
        return self.store.accepted_requests()

    def set_faults(
        self,
        *,
        error_rate: float = 0.0,
        error_statuses: tuple[int, ...] = (500,),
        timeout_rate: float = 0.0,
        timeout_seconds: float = 30.0,
        delay_ms: int = 0,
        number_errors: dict[str, int] | None = None,
        delivery_errors: dict[str, int] | None = None,
        seed: int | None = None,
    ) -> None:
        """Replace all faults at once (keys left out go back to no fault)."""
        self.store.set_faults(
            Faults(
                error_rate=error_rate,
                error_statuses=tuple(error_statuses) or (500,),
                timeout_rate=timeout_rate,
                timeout_seconds=timeout_seconds,
                delay_ms=delay_ms,
                number_errors=dict(number_errors or {}),
                delivery_errors=dict(delivery_errors or {}),
                seed=seed,
            )
        )

    def reset(self) -> None:
        """Forget messages, requests and faults; this instance's queued callbacks are dropped too."""
        self._callbacks.clear()
        self.store.reset()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every status callback this instance scheduled has been posted (False on timeout)."""
        return self._callbacks.wait_idle(timeout)

    # --- outbound -------------------------------------------------------------

    def accept(self, form: MultiDict[str, str], *, delivery_error: int | None = None) -> dict[str, Any]:
        """Store a validated create request and start its delivery; returns the stored row."""
        to = form["To"]
        sender = form.get("From") or ("whatsapp:" if to.startswith("whatsapp:") else "") + self.village_number
        body = form.get("Body", "")
        now = iso(utcnow())
        row: dict[str, Any] = {
            "sid": new_sid(),
            "direction": "outbound-api",
            "to": to,
            "from": sender,
            "body": body,
            "status": "queued",
            "error_code": None,
            "num_segments": count_segments(body),
            "num_media": len(form.getlist("MediaUrl")),
            "content_sid": form.get("ContentSid"),
            "content_variables": form.get("ContentVariables"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "validity_period": int(form["ValidityPeriod"]) if form.get("ValidityPeriod") else None,
            "status_callback": form.get("StatusCallback"),
            "date_created": now,
            "date_updated": now,
        }
        self.store.add_message(row, params={key: form.getlist(key) for key in form})
        log.info("Simulator accepted message %s to %s", row["sid"], mask(to))
        self._schedule_delivery(row, delivery_error)
        return row

    def _schedule_delivery(self, row: dict[str, Any], error_code: int | None) -> None:
        """Move the message to sent, then delivered (or undelivered), with a callback for each step."""
        steps = [("sent", None), ("undelivered", error_code) if error_code else ("delivered", None)]
        for number, (status, code) in enumerate(steps, start=1):
            self._callbacks.schedule(
                self.callback_delay * number, lambda status=status, code=code: self._advance(row, status, code)
            )

    def _advance(self, row: dict[str, Any], status: str, error_code: int | None) -> None:
        self.store.update_status(row["sid"], status, error_code)
        if row["status_callback"]:
            self._post_status_callback(row, status, error_code)

    def _post_status_callback(self, row: dict[str, Any], status: str, error_code: int | None) -> None:
        params = {
            "MessageSid": row["sid"],
            "MessageStatus": status,
            "SmsSid": row["sid"],
            "SmsStatus": status,
            "AccountSid": self.account_sid,
            "From": row["from"],
            "To": row["to"],
            "ApiVersion": API_VERSION,
        }
        if row["messaging_service_sid"]:
            params["MessagingServiceSid"] = row["messaging_service_sid"]
        if error_code:
            params["ErrorCode"] = str(error_code)
        try:
            response = self._post_signed(row["status_callback"], params)
            log.info("Simulator status callback %s %s answered HTTP %s", row["sid"], status, response.status_code)
        except requests.RequestException as error:
            # Twilio does not retry status callbacks either: log and drop.
            log.warning("Simulator status callback %s %s failed: %s", row["sid"], status, error)

    def _post_signed(self, url: str, params: dict[str, str]) -> requests.Response:
        headers = {"X-Twilio-Signature": sign(self.auth_token, url, params), "User-Agent": "TwilioProxy/1.1"}
        # Twilio gives up after 5 s to connect and 15 s overall.
        return requests.post(url, data=params, headers=headers, timeout=(5, 15))

    # --- inbound --------------------------------------------------------------

    def send_inbound(
        self,
        from_: str,
        body: str,
        *,
        to: str | None = None,
        extra: dict[str, str] | None = None,
        num_media: int = 0,
    ) -> requests.Response:
        """Text Village from `from_` exactly as Twilio would; TwiML <Message> replies are recorded as delivered."""
        if not self.inbound_url:
            raise RuntimeError("Simulator has no inbound_url to post inbound messages to")
        to = to or ("whatsapp:" if from_.startswith("whatsapp:") else "") + self.village_number
        sid = new_sid()
        params = inbound_params(self.account_sid, sid, from_, to, body, num_media)
        params.update(extra or {})
        # Recorded first: Twilio keeps the message even when the webhook fails.
        self._record(sid, "inbound", to=to, from_=from_, body=body, status="received", num_media=num_media)
        log.info("Simulator posting inbound %s from %s", sid, mask(from_))
        response = self._post_signed(self.inbound_url, params)
        # Twilio delivers a TwiML answer's <Message>s as ordinary texts to the phone.
        for reply_to, reply_from, reply_body in parse_twiml_messages(response, default_to=from_, default_from=to):
            self._record(new_sid(), "outbound-reply", to=reply_to, from_=reply_from, body=reply_body,
                         status="delivered")
        return response

    def _record(
        self, sid: str, direction: str, *, to: str, from_: str, body: str, status: str, num_media: int = 0
    ) -> None:
        now = iso(utcnow())
        self.store.add_message({
            "sid": sid, "direction": direction, "to": to, "from": from_, "body": body, "status": status,
            "num_segments": count_segments(body), "num_media": num_media, "date_created": now, "date_updated": now,
        })  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m service.simulator", description="Run the Twilio simulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--db", default="var/simulator.db")
    parser.add_argument("--inbound-url", default="http://127.0.0.1:5000/twilio/inbound")
    parser.add_argument("--account-sid", default=DEV_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEV_AUTH_TOKEN)
    parser.add_argument("--village-number", default=DEV_FROM_NUMBER)
    parser.add_argument("--callback-delay", type=float, default=0.5, help="seconds between status steps")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    simulator = Simulator(
        args.db,
        account_sid=args.account_sid,
        auth_token=args.auth_token,
        inbound_url=args.inbound_url,
        village_number=args.village_number,
        callback_delay=args.callback_delay,
    )
    base_url = simulator.serve(args.host, args.port)
    print("Twilio simulator at %s (phone page %s/phone)" % (base_url, base_url), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        simulator.shutdown()


if __name__ == "__main__":
    main()
