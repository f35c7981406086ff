"""The simulator's HTTP face: Twilio's Messages API, the dev/test control endpoints, the phone page.

Views only translate HTTP to calls on a `Simulator`; behaviour and state live there and in the store.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import flask
import requests

from service.simulator_store import Faults
from service.simulator_twilio import (
    ADDRESS,
    API_VERSION,
    date_sent_range,
    message_resource,
    twilio_error,
    validate_create,
)

if TYPE_CHECKING:
    from service.simulator import Simulator

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
ViewResult = flask.Response | tuple[flask.Response, int] | str


def build_blueprint(sim: Simulator, url_prefix: str = "") -> flask.Blueprint:
    bp = flask.Blueprint("simulator", __name__, url_prefix=url_prefix or None, template_folder=str(TEMPLATES))
    api, phone = _ApiViews(sim), _PhoneViews(sim)
    messages_path = "/%s/Accounts/<account_sid>/Messages" % API_VERSION
    rules: list[tuple[str, str, Callable[..., ViewResult], list[str]]] = [
        (messages_path + ".json", "create_message", api.create, ["POST"]),
        (messages_path + ".json", "list_messages", api.list, ["GET"]),
        (messages_path + "/<sid>.json", "fetch_message", api.fetch, ["GET"]),
        ("/_sim/faults", "faults", api.faults, ["GET", "POST"]),
        ("/_sim/reset", "reset", api.reset, ["POST"]),
        ("/_sim/messages", "messages", api.messages, ["GET"]),
        ("/_sim/requests", "requests", api.requests, ["GET"]),
        ("/_sim/wait-idle", "wait_idle", api.wait_idle, ["POST"]),
        ("/phone", "phones", phone.index, ["GET"]),
        ("/phone/open", "open_phone", phone.open, ["GET"]),
        ("/phone/style.css", "style", phone.style, ["GET"]),
        ("/phone/<number>", "phone", phone.conversation, ["GET"]),
        ("/phone/<number>", "reply", phone.reply, ["POST"]),
    ]
    for rule, endpoint, view, methods in rules:
        bp.add_url_rule(rule, endpoint, view, methods=methods)
    return bp


class _ApiViews:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def _authenticate(self, account_sid: str) -> flask.Response | None:
        auth = flask.request.authorization
        if auth is None or auth.username != self.sim.account_sid or auth.password != self.sim.auth_token:
            return twilio_error(401, 20003)
        if account_sid != auth.username:
            return twilio_error(404, 20404, "The requested resource %s was not found" % flask.request.path)
        return None

    def _admit(self, account_sid: str) -> tuple[flask.Response | None, Faults]:
        """Authenticate, then apply the delay fault that every API answer gets."""
        denied = self._authenticate(account_sid)
        faults = self.sim.store.faults()
        if denied is None:
            time.sleep(faults.delay_ms / 1000)
        return denied, faults

    def create(self, account_sid: str) -> ViewResult:
        denied, faults = self._admit(account_sid)
        if denied is not None:
            return denied
        form = flask.request.form
        invalid = validate_create(form)
        if invalid is not None:
            return invalid
        if form["To"] in faults.number_errors:
            return twilio_error(400, faults.number_errors[form["To"]])
        draw = self.sim.store.draw(faults)
        if draw.error_status is not None:
            return twilio_error(draw.error_status, 20000 + draw.error_status)
        row = self.sim.accept(form, delivery_error=faults.delivery_errors.get(form["To"]))
        if draw.timeout:
            # Twilio got it (stored, callbacks on their way) but the answer comes too late.
            time.sleep(faults.timeout_seconds)
        return flask.jsonify(message_resource(row, self.sim.account_sid)), 201

    def list(self, account_sid: str) -> ViewResult:
        denied, _ = self._admit(account_sid)
        if denied is not None:
            return denied
        args = flask.request.args
        filters = {key: args[key] for key in ("To", "From", "DateSent>", "DateSent<", "DateSent") if key in args}
        try:
            page = max(int(args.get("Page", 0)), 0)
            page_size = min(max(int(args.get("PageSize", 50)), 1), 1000)
            after, before = date_sent_range(filters)
        except ValueError:
            return twilio_error(400, 20001, "Invalid Page, PageSize or DateSent parameter")
        rows = self.sim.store.find_messages(
            to=filters.get("To"), from_=filters.get("From"), sent_after=after, sent_before=before,
            newest_first=True, limit=page_size + 1, offset=page * page_size,
        )  # fmt: skip
        shown = rows[:page_size]
        base = "/%s/Accounts/%s/Messages.json" % (API_VERSION, account_sid)

        def page_uri(number: int) -> str:
            # Relative to the API root like Twilio's, so the library resolves it against base_url.
            return base + "?" + urlencode({**filters, "PageSize": page_size, "Page": number})

        return flask.jsonify({
            "messages": [message_resource(row, self.sim.account_sid) for row in shown],
            "start": page * page_size,
            "end": page * page_size + max(len(shown) - 1, 0),
            "page": page,
            "page_size": page_size,
            "uri": page_uri(page),
            "first_page_uri": page_uri(0),
            "previous_page_uri": page_uri(page - 1) if page > 0 else None,
            "next_page_uri": page_uri(page + 1) if len(rows) > page_size else None,
        })  # fmt: skip

    def fetch(self, account_sid: str, sid: str) -> ViewResult:
        denied, _ = self._admit(account_sid)
        if denied is not None:
            return denied
        row = self.sim.store.get_message(sid)
        if row is None:
            return twilio_error(404, 20404, "The requested resource %s was not found" % flask.request.path)
        return flask.jsonify(message_resource(row, self.sim.account_sid))

    # Control endpoints: dev/test only, unauthenticated; never mounted next to real credentials.

    def faults(self) -> ViewResult:
        if flask.request.method == "POST":
            try:
                self.sim.store.set_faults(Faults.from_dict(flask.request.get_json(force=True) or {}))
            except (TypeError, ValueError, AttributeError) as error:
                return flask.jsonify({"error": str(error)}), 400
        return flask.jsonify({"faults": self.sim.store.faults().to_dict()})

    def reset(self) -> ViewResult:
        self.sim.reset()
        return flask.jsonify({"reset": True})

    def messages(self) -> ViewResult:
        args = flask.request.args
        direction = args.get("direction", "outbound-api")
        found = self.sim.messages(args.get("to"), args.get("from"), direction=None if direction == "all" else direction)
        return flask.jsonify({"messages": found})

    def requests(self) -> ViewResult:
        return flask.jsonify({"requests": self.sim.accepted_requests()})

    def wait_idle(self) -> ViewResult:
        # Waits for this process's callbacks only: under several web workers, poll /_sim/messages instead.
        timeout = min(float(flask.request.args.get("timeout", 5.0)), 30.0)
        return flask.jsonify({"idle": self.sim.wait_idle(timeout)})


class _PhoneViews:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def index(self) -> ViewResult:
        village = {self.sim.village_number, "whatsapp:" + self.sim.village_number}
        return flask.render_template("simulator/index.html", numbers=self.sim.store.phone_numbers(village))

    def open(self) -> ViewResult:
        number = re.sub(r"[\s().-]", "", flask.request.args.get("number", ""))
        if number and not number.startswith(("+", "whatsapp:")):
            number = "+" + number
        if not ADDRESS.match(number):
            return flask.redirect(flask.url_for(".phones"), 303)
        return flask.redirect(flask.url_for(".phone", number=number), 303)

    def style(self) -> ViewResult:
        # Served from our own path: the main app's CSP allows no inline styles or external assets.
        return flask.Response(flask.render_template("simulator/phone.css"), mimetype="text/css")

    def conversation(self, number: str) -> ViewResult:
        return flask.render_template(
            "simulator/phone.html",
            number=number,
            messages=self.sim.conversation(number),
            notice=flask.request.args.get("notice"),
            can_reply=bool(self.sim.inbound_url),
        )

    def reply(self, number: str) -> ViewResult:
        body = flask.request.form.get("Body", "").strip()
        notice = None
        if body:
            try:
                response = self.sim.send_inbound(number, body)
                if not response.ok:
                    notice = "Village answered HTTP %s" % response.status_code
            except (requests.RequestException, RuntimeError) as error:  # RuntimeError: no inbound_url
                notice = "Could not reach Village: %s" % error
        return flask.redirect(flask.url_for(".phone", number=number, notice=notice), 303)
