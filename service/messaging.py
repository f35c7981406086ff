"""The only seam to Twilio: a Transport over the official client.

Errors come out as TransportError(code, permanent) so callers decide retries
from one flag, as Healthchecks.io's transports do.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import certifi
import urllib3
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from service.config import Settings
from service.phones import mask

log = logging.getLogger(__name__)

# Not processed, always safe to retry: rate limited, the sender's queue full, Twilio's own error.
TRANSIENT_CODES = frozenset({20429, 21611, 20500})


class TransportError(Exception):
    def __init__(self, code: str, permanent: bool, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        # Transient errors are retried, but only after looking for an earlier attempt that reached
        # Twilio anyway (a timeout or a 5xx may hide an accepted message): see workers.jobs.
        self.permanent = permanent


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str


class TwilioTransport:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # environment={} keeps TWILIO_REGION/TWILIO_EDGE from rewriting the host.
        self._client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=_http_client(settings),
            environment={},
        )
        if settings.twilio_api_base_url:
            self._client.api.base_url = settings.twilio_api_base_url.rstrip("/")

    def send(self, to: str, body: str | None, *, sender: str | None = None,
             validity_period: int | None = None, content_sid: str | None = None,
             content_variables: dict[str, str] | None = None) -> SendResult:
        s = self._settings
        params: dict[str, object] = {"to": to, "status_callback": s.status_callback_url}
        if sender and sender.startswith("whatsapp:"):
            params["from_"] = sender
        elif s.twilio_messaging_service_sid:
            params["messaging_service_sid"] = s.twilio_messaging_service_sid
        else:
            params["from_"] = sender or s.twilio_from_number
        if content_sid:
            params["content_sid"] = content_sid
            params["content_variables"] = json.dumps(content_variables or {})
        else:
            params["body"] = body
        if validity_period:
            params["validity_period"] = validity_period
        try:
            message = self._client.messages.create(**params)  # type: ignore[arg-type]
        except TwilioRestException as exc:
            raise _classify(exc) from exc
        except urllib3.exceptions.NewConnectionError as exc:  # a subclass of the connect timeout, oddly
            raise TransportError("network", permanent=False, detail=type(exc).__name__) from exc
        except urllib3.exceptions.TimeoutError as exc:
            raise TransportError("timeout", permanent=False, detail=type(exc).__name__) from exc
        except (urllib3.exceptions.HTTPError, OSError, TwilioException) as exc:
            raise TransportError("network", permanent=False, detail=type(exc).__name__) from exc
        log.info("twilio accepted %s to %s", message.sid, mask(to))
        return SendResult(sid=str(message.sid), status=str(message.status))

    def recent_to(self, to: str, since: datetime, limit: int = 50) -> list[SentMessage]:
        """Messages Twilio accepted for `to` since `since`, newest first: how a send whose answer
        was lost (a timeout, a 5xx, a worker killed before it committed) is found again."""
        try:
            found = self._client.messages.list(to=to, date_sent_after=since, limit=limit, page_size=limit)
        except TwilioRestException as exc:
            raise _classify(exc) from exc
        except (urllib3.exceptions.HTTPError, OSError, TwilioException) as exc:
            raise TransportError("network", permanent=False, detail=type(exc).__name__) from exc
        return [SentMessage(sid=str(m.sid), body=m.body or "", status=str(m.status),
                            direction=str(m.direction)) for m in found]


class PooledHttpClient(HttpClient):
    """The twilio library's HTTP client interface (it takes any `HttpClient`) over a urllib3 pool,
    the layer its default client reaches through requests. requests prepares each call (hooks,
    cookies, the environment's proxies, protocol checks on every argument): a plain send through
    the library took 4.4 M instructions with its default client and 1.5 M with this one (callgrind,
    to the simulator). This sends the same request on kept-alive connections and nothing more.

    Never retries and never follows redirects (a retried POST could send a text twice: the job
    decides, after looking for an earlier attempt); `timeout` bounds the connect and each read, as
    in the library's client. The proxy and CA bundle come from Settings, read once."""

    def __init__(self, timeout: float, *, proxy: str = "", ca_bundle: str = "") -> None:
        super().__init__(log, False, timeout)
        options: dict[str, Any] = {"retries": False, "timeout": urllib3.Timeout(connect=timeout, read=timeout),
                                   "ca_certs": ca_bundle or certifi.where(), "maxsize": 8}
        self.pool = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)

    def request(self, method: str, url: str, params: dict[str, object] | None = None,
                data: dict[str, object] | None = None, headers: dict[str, str] | None = None,
                auth: tuple[str, str] | None = None, timeout: float | None = None,
                allow_redirects: bool = False) -> Response:
        headers = dict(headers or {})
        if auth is not None:
            headers.update(urllib3.make_headers(basic_auth=f"{auth[0]}:{auth[1]}"))
        body = None
        if headers.get("Content-Type") in ("application/json", "application/scim+json"):
            body = json.dumps(data)  # as the library's client sends these (not used for Messages)
        elif data:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        options: dict[str, Any] = {"timeout": urllib3.Timeout(connect=timeout, read=timeout)} if timeout else {}
        answer = self.pool.request(method.upper(), url, body=body, headers=headers, redirect=False, **options)
        return Response(answer.status, answer.data.decode("utf-8", errors="replace"), answer.headers)


def _http_client(settings: Settings) -> PooledHttpClient:
    return PooledHttpClient(settings.twilio_http_timeout, proxy=settings.https_proxy,
                            ca_bundle=settings.requests_ca_bundle)


@dataclass(frozen=True)
class SentMessage:
    sid: str
    body: str
    status: str
    direction: str = "outbound-api"


def _classify(exc: TwilioRestException) -> TransportError:
    code = exc.code or exc.status
    if exc.status == 429 or code in TRANSIENT_CODES:
        return TransportError(str(code), permanent=False, detail=exc.msg)
    if exc.status >= 500:
        return TransportError(str(code), permanent=False, detail=exc.msg)
    # Any other 4xx is refused for good: the recipient opted out (21610), the number is wrong or a
    # landline (21211, 21614, 21635), the sender is misconfigured, the body is bad, WhatsApp's window
    # closed (63016) or our credentials are wrong (20003). Retrying cannot help (TWILIO.md).
    return TransportError(str(code), permanent=True, detail=exc.msg)
