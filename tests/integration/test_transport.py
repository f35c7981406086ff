"""The seam to Twilio (service.messaging.TwilioTransport) over its own HTTP client, against the
simulator over real HTTP: what a send puts on the wire, how each failure comes out, and that the
proxy and CA-bundle settings are obeyed (TLS is verified, never skipped)."""
from __future__ import annotations

import http.server
import json
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from service.config import DEV_ACCOUNT_SID, DEV_AUTH_TOKEN, DEV_FROM_NUMBER, Settings
from service.messaging import TransportError, TwilioTransport
from service.simulator import Simulator

MOM = "+15055550142"


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[Simulator]:
    sim = Simulator(str(tmp_path / "simulator.db"), callback_delay=60)  # no callbacks during a test
    yield sim
    sim.shutdown()


def transport(api_base_url: str, **overrides: Any) -> TwilioTransport:
    fields: dict[str, Any] = dict(twilio_account_sid=DEV_ACCOUNT_SID, twilio_auth_token=DEV_AUTH_TOKEN,
                                  twilio_from_number=DEV_FROM_NUMBER, twilio_api_base_url=api_base_url,
                                  public_base_url="http://village.test", twilio_http_timeout=2.0)
    return TwilioTransport(Settings(**{**fields, **overrides}))


def test_a_send_carries_the_fields_twilio_needs_and_returns_the_sid(simulator: Simulator) -> None:
    result = transport(simulator.serve()).send(MOM, "How are you today? ünïcödé 💕", validity_period=7200)
    [request] = simulator.accepted_requests()
    assert request["sid"] == result.sid and result.status == "queued"
    assert request["params"]["To"] == [MOM] and request["params"]["From"] == [DEV_FROM_NUMBER]
    assert request["params"]["Body"] == ["How are you today? ünïcödé 💕"]
    assert request["params"]["StatusCallback"] == ["http://village.test/twilio/status"]
    assert request["params"]["ValidityPeriod"] == ["7200"]


def test_a_template_send_carries_the_content_sid_and_its_variables(simulator: Simulator) -> None:
    transport(simulator.serve()).send("whatsapp:" + MOM, None, sender="whatsapp:" + DEV_FROM_NUMBER,
                                      content_sid="HX" + "1" * 32, content_variables={"1": "Sam"})
    [request] = simulator.accepted_requests()
    assert request["params"]["ContentSid"] == ["HX" + "1" * 32]
    assert json.loads(request["params"]["ContentVariables"][0]) == {"1": "Sam"}
    assert "Body" not in request["params"]


def test_a_refused_number_is_permanent_and_a_rate_limit_or_server_error_is_not(simulator: Simulator) -> None:
    sender = transport(simulator.serve())
    simulator.set_faults(number_errors={MOM: 21610})
    with pytest.raises(TransportError) as refused:
        sender.send(MOM, "x")
    assert (refused.value.code, refused.value.permanent) == ("21610", True)
    for status in (429, 500):
        simulator.set_faults(error_rate=1.0, error_statuses=(status,))
        with pytest.raises(TransportError) as failed:
            sender.send(MOM, "x")
        assert failed.value.permanent is False
    assert simulator.accepted_requests() == []


def test_wrong_credentials_are_permanent(simulator: Simulator) -> None:
    with pytest.raises(TransportError) as raised:
        transport(simulator.serve(), twilio_auth_token="wrong").send(MOM, "x")
    assert (raised.value.code, raised.value.permanent) == ("20003", True)


def test_a_timeout_is_transient_and_the_message_may_still_have_gone(simulator: Simulator) -> None:
    simulator.set_faults(timeout_rate=1.0, timeout_seconds=3.0)  # past the 2 s client timeout
    with pytest.raises(TransportError) as raised:
        transport(simulator.serve()).send(MOM, "x")
    assert (raised.value.code, raised.value.permanent) == ("timeout", False)
    assert len(simulator.messages(to=MOM)) == 1  # why a retry looks before sending again


def test_nothing_listening_is_a_transient_network_error() -> None:
    with pytest.raises(TransportError) as raised:
        transport("http://127.0.0.1:9").send(MOM, "x")
    assert (raised.value.code, raised.value.permanent) == ("network", False)


def test_recent_messages_to_a_number_are_listed_newest_first(simulator: Simulator) -> None:
    sender = transport(simulator.serve())
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    sids = [sender.send(MOM, f"text {i}").sid for i in range(3)]
    sender.send("+15055550199", "someone else")
    assert [m.sid for m in sender.recent_to(MOM, since)] == sids[::-1]  # a GET with its filters in the query
    assert [m.sid for m in sender.recent_to(MOM, since, limit=2)] == sids[::-1][:2]
    assert sender.recent_to(MOM, datetime.now(timezone.utc) + timedelta(minutes=5)) == []


class _TwilioLike(http.server.BaseHTTPRequestHandler):
    """Answers a create as Twilio does, on HTTP/1.1 kept-alive connections that it closes after
    0.2 s idle; counts the connections it accepted."""

    protocol_version = "HTTP/1.1"
    timeout = 0.2
    connections = 0

    def setup(self) -> None:
        type(self).connections += 1
        super().setup()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"sid": "SM" + "f" * 32, "status": "queued", "account_sid": DEV_ACCOUNT_SID}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_sends_reuse_a_kept_alive_connection_and_replace_one_the_server_closed() -> None:
    handler = type("Handler", (_TwilioLike,), {"connections": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sender = transport(f"http://127.0.0.1:{server.server_address[1]}")
        for _ in range(3):
            sender.send(MOM, "x")
        assert handler.connections == 1  # one connection for three sends
        time.sleep(0.6)  # the server has closed it while idle
        assert sender.send(MOM, "x").sid == "SM" + "f" * 32
        assert handler.connections == 2
    finally:
        server.shutdown()
        server.server_close()


class _Proxy(http.server.ThreadingHTTPServer):
    """A forwarding HTTP proxy that notes each request line it was asked for."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                server.seen.append(f"{self.command} {self.path}")
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "proxy-connection")}
                with requests.Session() as forward:
                    forward.trust_env = False  # straight to the simulator, whatever proxy the machine has
                    answer = forward.post(self.path, data=body, headers=headers, timeout=5)
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


def test_calls_go_through_the_configured_proxy(simulator: Simulator) -> None:
    proxy = _Proxy()
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        base = simulator.serve()
        result = transport(base, https_proxy=f"http://127.0.0.1:{proxy.server_address[1]}").send(MOM, "x")
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert proxy.seen == [f"POST {base}/2010-04-01/Accounts/{DEV_ACCOUNT_SID}/Messages.json"]
    assert [m["sid"] for m in simulator.messages(to=MOM)] == [result.sid]


@pytest.fixture
def tls_api(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS endpoint answering as Twilio does to a create, with a self-signed certificate for
    127.0.0.1: (base URL, the certificate to trust)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TwilioLike)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


def test_tls_is_verified_against_the_configured_ca_bundle(tls_api: tuple[str, Path]) -> None:
    base, cert = tls_api
    with pytest.raises(TransportError) as untrusted:
        transport(base).send(MOM, "x")  # certifi's bundle does not know this certificate
    assert (untrusted.value.code, untrusted.value.permanent) == ("network", False)
    assert transport(base, requests_ca_bundle=str(cert)).send(MOM, "x").sid == "SM" + "f" * 32
