"""The status page: login first, figures, no message bodies; health answers JSON."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from service.auth import create_operator
from service.models import Message
from tests.conftest import MOM

EMAIL, PASSWORD = "op@example.org", "a long operator password"


def login(client: Any, password: str = PASSWORD) -> Any:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    return client.post("/login", data={"email": EMAIL, "password": password, "csrf_token": token.group(1)})


def make_operator(db: Any) -> None:
    with db() as s:
        create_operator(s, EMAIL, PASSWORD)


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
