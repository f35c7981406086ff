"""A stand-in for the slice of Twilio's API that Village uses, for development and tests.

The official twilio library runs unchanged against it (`client.api.base_url = <simulator URL>`):
it accepts, lists and fetches Messages, posts signed status callbacks, injects faults, and posts
signed inbound messages to Village from a small phone page. State lives in SQLite
(`simulator_store`) so several web processes share it; status callbacks are posted by a
background thread of the `Simulator` instance that accepted the message.

Mounting it in the main app needs `csrf.exempt(blueprint)` (Flask-WTF): Twilio's API, the
control endpoints and the phone form carry no CSRF token. See `CSRF_EXEMPT`.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import logging
import math
import os
import re
import secrets
import threading
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import flask
import requests
from twilio.request_validator import RequestValidator
from werkzeug.serving import BaseWSGIServer, make_server

from service.simulator_store import Faults, SimulatorStore, iso, utcnow

DEV_ACCOUNT_SID = "AC" + "0" * 32
DEV_AUTH_TOKEN = "village-simulator-token"
DEV_FROM_NUMBER = "+15005550006"
API_VERSION = "2010-04-01"
# The main app must exempt the blueprint from CSRFProtect: nothing posting to it has a token.
CSRF_EXEMPT = True

log = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_ADDRESS = re.compile(r"^(whatsapp:)?\+[1-9]\d{7,14}$")
_ERROR_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21611: "This 'From' number has exceeded the maximum number of queued messages",
    21612: "The 'To' phone number is not currently reachable via SMS",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21656: "The ContentVariables Parameter is invalid.",
    21910: "Invalid From and To pair. From and To should be of the same channel",
    63016: "Failed to send freeform message because you are outside the allowed window. "
    "If you are using WhatsApp, please use a Message Template.",
}
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


def mask(number: str | None) -> str:
    """'+15551230143' -> '+1•••••••0143': enough to tell phones apart in logs, not to dial them."""
    if not number:
        return "-"
    channel, _, address = number.rpartition(":")
    prefix = channel + ":" if channel else ""
    return "%s%s•••••••%s" % (prefix, address[:2], address[-4:])


def count_segments(body: str) -> int:
    """SMS segments as carriers count them: GSM-7 packs 160 (153 when split), UCS-2 only 70 (67)."""
    if all(char in _GSM7 or char in _GSM7_EXTENDED for char in body):
        units, single, multi = sum(2 if c in _GSM7_EXTENDED else 1 for c in body), 160, 153
    else:
        units, single, multi = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / multi)


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def twilio_error(status: int, code: int, message: str | None = None) -> flask.Response:
    """Twilio's legacy error JSON, which the library turns into TwilioRestException(status, code)."""
    payload = {
        "code": code,
        "message": message or _ERROR_MESSAGES.get(code, "Simulated error %s" % code),
        "more_info": "https://www.twilio.com/docs/errors/%s" % code,
        "status": status,
    }
    response = flask.jsonify(payload)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
    return response


def rfc2822(stored: str) -> str:
    return format_datetime(datetime.fromisoformat(stored))


def message_resource(row: dict[str, Any], account_sid: str) -> dict[str, Any]:
    """A stored message in the JSON shape of Twilio's Message resource."""
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": row["body"],
        "date_created": rfc2822(row["date_created"]),
        "date_sent": rfc2822(row["date_created"]),
        "date_updated": rfc2822(row["date_updated"]),
        "direction": row["direction"],
        "error_code": row["error_code"],
        "error_message": _ERROR_MESSAGES.get(row["error_code"]) if row["error_code"] else None,
        "from": row["from"],
        "messaging_service_sid": row["messaging_service_sid"],
        "num_media": str(row["num_media"]),
        "num_segments": str(row["num_segments"]),
        "price": None,
        "price_unit": "USD",
        "sid": row["sid"],
        "status": row["status"],
        "subresource_uris": {},
        "to": row["to"],
        "uri": "/%s/Accounts/%s/Messages/%s.json" % (API_VERSION, account_sid, row["sid"]),
    }


def public_message(row: dict[str, Any]) -> dict[str, Any]:
    """A stored message as tests and the control API see it; ContentVariables parsed back to a dict."""
    message = dict(row)
    message.pop("seq", None)
    if message.get("content_variables"):
        message["content_variables"] = json.loads(message["content_variables"])
    return message


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    return RequestValidator(auth_token).compute_signature(url, params)


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    action: Callable[[], None] = field(compare=False)


class CallbackDispatcher:
    """Runs timed actions (status callbacks) on one lazily started daemon thread.

    Created state is per process: after a fork (gunicorn with preload) the copied lock and
    the parent's thread are useless, so the first use in a new process starts afresh.
    """

    def __init__(self) -> None:
        self._init_state()

    def _init_state(self) -> None:
        self._pid = os.getpid()
        self._cond = threading.Condition()
        self._jobs: list[_Job] = []
        self._pending = 0  # queued plus running, so wait_idle also waits for the POST in flight
        self._counter = itertools.count()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def schedule(self, delay: float, action: Callable[[], None]) -> None:
        if os.getpid() != self._pid:
            self._init_state()
        with self._cond:
            heapq.heappush(self._jobs, _Job(time.monotonic() + delay, next(self._counter), action))
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, args=(self._stop,), name="twilio-simulator-callbacks", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def _next_job(self, stop: threading.Event) -> _Job | None:
        with self._cond:
            while not stop.is_set():
                wait = self._jobs[0].due - time.monotonic() if self._jobs else None
                if wait is not None and wait <= 0:
                    return heapq.heappop(self._jobs)
                self._cond.wait(wait)
            return None

    def _run(self, stop: threading.Event) -> None:
        while (job := self._next_job(stop)) is not None:
            try:
                job.action()
            except Exception:  # a broken callback must not kill the thread for later ones
                log.exception("Simulator callback job failed")
            finally:
                with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    def clear(self) -> None:
        """Drop queued jobs (a job already running finishes)."""
        with self._cond:
            self._pending -= len(self._jobs)
            self._jobs.clear()
            self._cond.notify_all()

    def stop(self) -> None:
        self.clear()
        with self._cond:
            self._stop.set()
            self._cond.notify_all()
            thread, self._thread = self._thread, None
            self._stop = threading.Event()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)


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
        self._server_thread: threading.Thread | None = None

    # --- wiring ---------------------------------------------------------------

    def blueprint(self, url_prefix: str = "") -> flask.Blueprint:
        """Everything the simulator serves; remember `csrf.exempt(blueprint)` in the main app."""
        bp = flask.Blueprint("simulator", __name__, url_prefix=url_prefix or None, template_folder=str(_TEMPLATES))
        messages_path = "/%s/Accounts/<account_sid>/Messages" % API_VERSION
        rules: list[tuple[str, str, Callable[..., Any], list[str]]] = [
            (messages_path + ".json", "create_message", self._create_view, ["POST"]),
            (messages_path + ".json", "list_messages", self._list_view, ["GET"]),
            (messages_path + "/<sid>.json", "fetch_message", self._fetch_view, ["GET"]),
            ("/_sim/faults", "faults", self._faults_view, ["GET", "POST"]),
            ("/_sim/reset", "reset", self._reset_view, ["POST"]),
            ("/_sim/messages", "messages", self._messages_view, ["GET"]),
            ("/_sim/requests", "requests", self._requests_view, ["GET"]),
            ("/_sim/wait-idle", "wait_idle", self._wait_idle_view, ["POST"]),
            ("/phone", "phones", self._phones_view, ["GET"]),
            ("/phone/open", "open_phone", self._open_phone_view, ["GET"]),
            ("/phone/style.css", "style", self._style_view, ["GET"]),
            ("/phone/<number>", "phone", self._phone_view, ["GET"]),
            ("/phone/<number>", "reply", self._reply_view, ["POST"]),
        ]
        for rule, endpoint, view, methods in rules:
            bp.add_url_rule(rule, endpoint, view, methods=methods)
        return bp

    def wsgi_app(self) -> flask.Flask:
        app = flask.Flask(__name__, template_folder=str(_TEMPLATES))
        app.register_blueprint(self.blueprint())
        return app

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on a daemon thread (threaded: a timeout fault must not block other requests)."""
        if self._server is None:
            self._server = make_server(host, port, self.wsgi_app(), threaded=True)
            # A short poll interval keeps shutdown() quick: it waits for the next poll.
            self._server_thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="twilio-simulator-http",
                daemon=True,
            )
            self._server_thread.start()
        return "http://%s:%d" % (host, self._server.port)

    def shutdown(self) -> None:
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
        """Replace all faults at once (unset keys go back to no fault)."""
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
        """Forget messages, requests and faults; queued callbacks of this instance are dropped too."""
        self._callbacks.clear()
        self.store.reset()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        return self._callbacks.wait_idle(timeout)

    # --- Messages API ---------------------------------------------------------

    def _authenticate(self, account_sid: str) -> flask.Response | None:
        auth = flask.request.authorization
        if auth is None or auth.username != self.account_sid or auth.password != self.auth_token:
            return twilio_error(401, 20003)
        if account_sid != auth.username:
            return twilio_error(404, 20404, "The requested resource /%s was not found" % flask.request.path)
        return None

    def _create_view(self, account_sid: str) -> flask.Response | tuple[flask.Response, int]:
        denied = self._authenticate(account_sid)
        if denied is not None:
            return denied
        faults = self.store.faults()
        time.sleep(faults.delay_ms / 1000)
        form = flask.request.form
        invalid = self._validate(form)
        if invalid is not None:
            return invalid
        if form["To"] in faults.number_errors:
            return twilio_error(400, faults.number_errors[form["To"]])
        draw = self.store.draw(faults)
        if draw.error_status is not None:
            return twilio_error(draw.error_status, 20000 + draw.error_status)
        row = self._accept(form, faults)
        if draw.timeout:
            # Twilio got it (stored, callbacks on their way) but the answer comes too late.
            time.sleep(faults.timeout_seconds)
        return flask.jsonify(message_resource(row, self.account_sid)), 201

    @staticmethod
    def _validate(form: Any) -> flask.Response | None:
        to = form.get("To", "")
        sender = form.get("From") or form.get("MessagingServiceSid")
        if not to:
            return twilio_error(400, 21604)
        if not sender:
            return twilio_error(400, 21603)
        if not (form.get("Body") or form.get("ContentSid") or form.get("MediaUrl")):
            return twilio_error(400, 21602)
        if not _ADDRESS.match(to):
            return twilio_error(400, 21211, "The 'To' number %s is not a valid phone number." % to)
        if form.get("From") and to.startswith("whatsapp:") != form["From"].startswith("whatsapp:"):
            return twilio_error(400, 21910)
        if len(form.get("Body", "")) > 1600:
            return twilio_error(400, 21617)
        try:
            json.loads(form.get("ContentVariables") or "{}")
        except ValueError:
            return twilio_error(400, 21656)
        return None

    def _accept(self, form: Any, faults: Faults) -> dict[str, Any]:
        to = form["To"]
        sender = form.get("From") or (("whatsapp:" if to.startswith("whatsapp:") else "") + self.village_number)
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
        self._schedule_delivery(row, faults.delivery_errors.get(to))
        return row

    def _list_view(self, account_sid: str) -> flask.Response:
        denied = self._authenticate(account_sid)
        if denied is not None:
            return denied
        time.sleep(self.store.faults().delay_ms / 1000)
        args = flask.request.args
        page = max(int(args.get("Page", 0)), 0)
        page_size = min(max(int(args.get("PageSize", 50)), 1), 1000)
        filters = {key: args[key] for key in ("To", "From", "DateSent>", "DateSent<", "DateSent") if key in args}
        after, before = _date_sent_range(filters)
        rows = self.store.find_messages(
            to=filters.get("To"),
            from_=filters.get("From"),
            sent_after=after,
            sent_before=before,
            newest_first=True,
            limit=page_size + 1,
            offset=page * page_size,
        )
        base = "/%s/Accounts/%s/Messages.json" % (API_VERSION, account_sid)

        def page_uri(number: int) -> str:
            return base + "?" + urlencode({**filters, "PageSize": page_size, "Page": number})

        shown = rows[:page_size]
        return flask.jsonify(
            {
                "messages": [message_resource(row, self.account_sid) for row in shown],
                "start": page * page_size,
                "end": page * page_size + max(len(shown) - 1, 0),
                "page": page,
                "page_size": page_size,
                "uri": page_uri(page),
                "first_page_uri": page_uri(0),
                "previous_page_uri": page_uri(page - 1) if page > 0 else None,
                "next_page_uri": page_uri(page + 1) if len(rows) > page_size else None,
            }
        )

    def _fetch_view(self, account_sid: str, sid: str) -> flask.Response | tuple[flask.Response, int]:
        denied = self._authenticate(account_sid)
        if denied is not None:
            return denied
        time.sleep(self.store.faults().delay_ms / 1000)
        row = self.store.get_message(sid)
        if row is None:
            return twilio_error(404, 20404, "The requested resource /%s was not found" % flask.request.path)
        return flask.jsonify(message_resource(row, self.account_sid))

    # --- status callbacks -----------------------------------------------------

    def _schedule_delivery(self, row: dict[str, Any], error_code: int | None) -> None:
        """Move the message to sent, then delivered (or undelivered), posting a callback for each."""
        final = ("undelivered", error_code) if error_code else ("delivered", None)
        for step, (status, code) in enumerate((("sent", None), final), start=1):
            self._callbacks.schedule(
                self.callback_delay * step, lambda status=status, code=code: self._advance(row, status, code)
            )

    def _advance(self, row: dict[str, Any], status: str, error_code: int | None) -> None:
        self.store.update_status(row["sid"], status, error_code)
        if row["status_callback"]:
            self._post_status_callback(row, status, error_code)

    def _post_status_callback(self, row: dict[str, Any], status: str, error_code: int | None) -> None:
        url = row["status_callback"]
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
            response = self._post_signed(url, params)
            log.info("Simulator status callback %s %s -> HTTP %s", row["sid"], status, response.status_code)
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
        """Text Village from `from_`, exactly as Twilio would; TwiML <Message> replies are recorded as sent."""
        if not self.inbound_url:
            raise RuntimeError("Simulator has no inbound_url to post inbound messages to")
        whatsapp = from_.startswith("whatsapp:")
        to = to or ("whatsapp:" if whatsapp else "") + self.village_number
        sid = new_sid()
        params = self._inbound_params(sid, from_, to, body, num_media)
        params.update(extra or {})
        self._record(sid, "inbound", to=to, from_=from_, body=body, status="received", num_media=num_media)
        log.info("Simulator posting inbound %s from %s", sid, mask(from_))
        response = self._post_signed(self.inbound_url, params)
        for reply_to, reply_from, reply_body in parse_twiml_messages(response, default_to=from_, default_from=to):
            self._record(new_sid(), "outbound-reply", to=reply_to, from_=reply_from, body=reply_body, status="delivered")
        return response

    def _inbound_params(self, sid: str, from_: str, to: str, body: str, num_media: int) -> dict[str, str]:
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": self.account_sid,
            "From": from_,
            "To": to,
            "Body": body,
            "NumMedia": str(num_media),
            "NumSegments": str(count_segments(body)),
            "ApiVersion": API_VERSION,
            "FromCountry": "US",
        }
        for index in range(num_media):
            params["MediaUrl%d" % index] = "https://api.twilio.com/%s/Accounts/%s/Messages/%s/Media/%s" % (
                API_VERSION, self.account_sid, sid, new_sid("ME"))
            params["MediaContentType%d" % index] = "image/jpeg"
        if from_.startswith("whatsapp:"):
            params["ProfileName"] = "Simulated phone %s" % from_[-4:]
            params["WaId"] = from_.removeprefix("whatsapp:").lstrip("+")
        return params

    def _record(self, sid: str, direction: str, *, to: str, from_: str, body: str, status: str,
                num_media: int = 0) -> None:
        now = iso(utcnow())
        self.store.add_message({
            "sid": sid, "direction": direction, "to": to, "from": from_, "body": body, "status": status,
            "num_segments": count_segments(body), "num_media": num_media, "date_created": now, "date_updated": now,
        })

    # --- control endpoints (dev/test only; never mounted next to real credentials) --

    def _faults_view(self) -> flask.Response | tuple[flask.Response, int]:
        if flask.request.method == "POST":
            try:
                self.store.set_faults(Faults.from_dict(flask.request.get_json(force=True) or {}))
            except (TypeError, ValueError) as error:
                return flask.jsonify({"error": str(error)}), 400
        return flask.jsonify({"faults": self.store.faults().to_dict()})

    def _reset_view(self) -> flask.Response:
        self.reset()
        return flask.jsonify({"reset": True})

    def _messages_view(self) -> flask.Response:
        args = flask.request.args
        direction = args.get("direction", "outbound-api")
        found = self.messages(args.get("to"), args.get("from"), direction=None if direction == "all" else direction)
        return flask.jsonify({"messages": found})

    def _requests_view(self) -> flask.Response:
        return flask.jsonify({"requests": self.accepted_requests()})

    def _wait_idle_view(self) -> flask.Response:
        # Only this process's callbacks: under several web workers, poll /_sim/messages instead.
        timeout = min(float(flask.request.args.get("timeout", 5.0)), 30.0)
        return flask.jsonify({"idle": self.wait_idle(timeout)})

    # --- phone page -----------------------------------------------------------

    def _phones_view(self) -> str:
        village = {self.village_number, "whatsapp:" + self.village_number}
        return flask.render_template("simulator/index.html", numbers=self.store.phone_numbers(village))

    def _open_phone_view(self) -> flask.Response:
        number = re.sub(r"[\s().-]", "", flask.request.args.get("number", ""))
        if number and not number.startswith(("+", "whatsapp:")):
            number = "+" + number
        if not _ADDRESS.match(number):
            return flask.redirect(flask.url_for(".phones"), 303)
        return flask.redirect(flask.url_for(".phone", number=number), 303)

    def _style_view(self) -> flask.Response:
        css = flask.render_template("simulator/phone.css")
        return flask.Response(css, mimetype="text/css")

    def _phone_view(self, number: str) -> str:
        return flask.render_template(
            "simulator/phone.html",
            number=number,
            masked=mask(number),
            messages=self.conversation(number),
            notice=flask.request.args.get("notice"),
            can_reply=bool(self.inbound_url),
        )

    def _reply_view(self, number: str) -> flask.Response:
        body = flask.request.form.get("Body", "").strip()
        notice = None
        if body:
            try:
                response = self.send_inbound(number, body)
                if not response.ok:
                    notice = "Village answered HTTP %s" % response.status_code
            except (requests.RequestException, RuntimeError) as error:
                notice = "Could not reach Village: %s" % error
        return flask.redirect(flask.url_for(".phone", number=number, notice=notice), 303)


def _date_sent_range(filters: dict[str, str]) -> tuple[str | None, str | None]:
    """Twilio's DateSent / DateSent> / DateSent< filters as an inclusive ISO range."""

    def parse(value: str) -> datetime:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

    after = parse(filters["DateSent>"]) if "DateSent>" in filters else None
    before = parse(filters["DateSent<"]) if "DateSent<" in filters else None
    if "DateSent" in filters:
        after = parse(filters["DateSent"])
        before = after + timedelta(days=1)
    return (iso(after) if after else None, iso(before) if before else None)


def parse_twiml_messages(
    response: requests.Response, *, default_to: str, default_from: str
) -> list[tuple[str, str, str]]:
    """(to, from, body) of every <Message> in a TwiML answer; anything unparsable means none."""
    if not response.ok or not response.text.strip():
        return []
    try:
        root = ElementTree.fromstring(response.text)
    except ElementTree.ParseError:
        log.warning("Simulator got an unparsable TwiML answer (HTTP %s)", response.status_code)
        return []
    replies = []
    for element in root.iter("Message"):
        body_element = element.find("Body")
        text = body_element.text if body_element is not None else element.text
        replies.append((element.get("to", default_to), element.get("from", default_from), (text or "").strip()))
    return replies


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m service.simulator", description="Run the Twilio simulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--db", default="var/simulator.db")
    parser.add_argument("--inbound-url", default="http://127.0.0.1:5000/twilio/inbound")
    parser.add_argument("--account-sid", default=DEV_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEV_AUTH_TOKEN)
    parser.add_argument("--village-number", default=DEV_FROM_NUMBER)
    parser.add_argument("--callback-delay", type=float, default=0.5)
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
