"""Twilio's wire format as the simulator speaks it: resource and error JSON, validation, signatures, TwiML.

Plain functions over plain values, so each Twilio convention lives in one place and the
simulator's HTTP layer stays thin.
"""

from __future__ import annotations

import json
import logging
import math
import re
import secrets
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import flask
import requests
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from service.simulator_store import iso

API_VERSION = "2010-04-01"
ADDRESS = re.compile(r"^(whatsapp:)?\+[1-9]\d{7,14}$")
ERROR_MESSAGES = {
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
    21624: "Invalid validity period value",
    21656: "The ContentVariables Parameter is invalid.",
    21910: "Invalid From and To pair. From and To should be of the same channel",
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
    63016: "Failed to send freeform message because you are outside the allowed window. "
    "If you are using WhatsApp, please use a Message Template.",
}
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")

log = logging.getLogger(__name__)


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


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    return RequestValidator(auth_token).compute_signature(url, params)


def twilio_error(status: int, code: int, message: str | None = None) -> flask.Response:
    """Twilio's legacy error JSON, which the library turns into TwilioRestException(status, code)."""
    payload = {
        "code": code,
        "message": message or ERROR_MESSAGES.get(code, "Simulated error %s" % code),
        "more_info": "https://www.twilio.com/docs/errors/%s" % code,
        "status": status,
    }
    response = flask.jsonify(payload)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
    return response


def validate_create(form: MultiDict[str, str]) -> flask.Response | None:
    """The error Twilio would answer a Messages create with, or None when the request is valid."""
    to = form.get("To", "")
    if not to:
        return twilio_error(400, 21604)
    if not (form.get("From") or form.get("MessagingServiceSid")):
        return twilio_error(400, 21603)
    if not (form.get("Body") or form.get("ContentSid") or form.get("MediaUrl")):
        return twilio_error(400, 21602)
    if not ADDRESS.match(to):
        return twilio_error(400, 21211, "The 'To' number %s is not a valid phone number." % to)
    if form.get("From") and to.startswith("whatsapp:") != form["From"].startswith("whatsapp:"):
        return twilio_error(400, 21910)
    if len(form.get("Body", "")) > 1600:
        return twilio_error(400, 21617)
    validity = form.get("ValidityPeriod")
    if validity is not None and not (validity.isdigit() and 1 <= int(validity) <= 36000):
        return twilio_error(400, 21624)
    try:
        json.loads(form.get("ContentVariables") or "{}")
    except ValueError:
        return twilio_error(400, 21656)
    return None


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
        "error_message": ERROR_MESSAGES.get(row["error_code"]) if row["error_code"] else None,
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


def date_sent_range(args: dict[str, str]) -> tuple[str | None, str | None]:
    """Twilio's DateSent / DateSent> / DateSent< list filters as an inclusive ISO range (ValueError if bad)."""

    def parse(value: str) -> datetime:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

    after = parse(args["DateSent>"]) if "DateSent>" in args else None
    before = parse(args["DateSent<"]) if "DateSent<" in args else None
    if "DateSent" in args:
        after = parse(args["DateSent"])
        before = after + timedelta(days=1)
    return (iso(after) if after else None, iso(before) if before else None)


def inbound_params(account_sid: str, sid: str, from_: str, to: str, body: str, num_media: int) -> dict[str, str]:
    """The form fields of Twilio's incoming-message webhook."""
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": account_sid,
        "From": from_,
        "To": to,
        "Body": body,
        "NumMedia": str(num_media),
        "NumSegments": str(count_segments(body)),
        "ApiVersion": API_VERSION,
        "FromCountry": "US",
    }
    for index in range(num_media):
        media_path = "%s/Accounts/%s/Messages/%s/Media/%s" % (API_VERSION, account_sid, sid, new_sid("ME"))
        params["MediaUrl%d" % index] = "https://api.twilio.com/" + media_path
        params["MediaContentType%d" % index] = "image/jpeg"
    if from_.startswith("whatsapp:"):
        params["ProfileName"] = "Simulated phone %s" % from_[-4:]
        params["WaId"] = from_.removeprefix("whatsapp:").lstrip("+")
    return params


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
