"""The status page in a real browser: Playwright for Python driving Debian's Chromium.

Skipped, with the reason, only where no Chromium can be found; never skipped when CI=true.
`make test` installs Chromium first where it can (scripts/test.py).
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import select

from service.models import Message
from tests.conftest import BUDDY, MOM, STRANGER
from tests.integration.test_status_page import BODIES, EMAIL, PASSWORD, make_operator, seed

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run on CI: {reason}")
    pytest.skip(f"browser test skipped: {reason} (install it with `apt-get install -y chromium`)")


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        _unavailable("no Chromium found at /usr/bin/chromium or on PATH")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -r requirements.txt)")
    with sync_playwright() as p:
        # Never `playwright install`: it downloads browsers. Debian's Chromium does the job.
        chromium = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_an_operator_logs_in_sees_the_figures_retries_a_failure_and_no_body_is_on_the_page(
        browser: Any, app: Any, db: Any, settings: Any) -> None:
    ids = seed(db)
    make_operator(db)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: problems.append(str(err)))

    page.goto(settings.public_base_url + "/status")
    assert "/login" in page.url
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/status"))

    figures = {key: page.locator(f"#{key}").inner_text().strip()
               for key in ("members-total", "checkins-sent", "checkins-delivered", "checkins-answered",
                           "alerts-today", "failed-7d")}
    assert figures == {"members-total": "3", "checkins-sent": "2", "checkins-delivered": "1",
                       "checkins-answered": "1", "alerts-today": "1", "failed-7d": "1"}
    assert "1 need a person" in page.locator("#safety-section").inner_text()
    assert page.locator("#queue-default-depth").inner_text() == "0"

    page.get_by_role("button", name=f"Retry message {ids['failed']}").click()
    page.get_by_role("status").wait_for()
    assert page.get_by_role("status").inner_text() == f"message {ids['failed']} queued again"
    assert page.locator("#queue-default-depth").inner_text() == "1"
    with db() as s:
        assert s.scalar(select(Message.status).where(Message.id == ids["failed"])) == "pending"

    html = page.content()
    leaked = [b for b in BODIES if b in html] + [p for p in (MOM.phone, BUDDY.phone, STRANGER.phone) if p in html]
    assert leaked == []
    assert problems == []  # no CSP violation, no script error

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "status-1280.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})
    page.screenshot(path=str(ARTIFACTS / "status-375.png"), full_page=True)
    # Readable on a phone: wide tables scroll inside their sections, the page itself does not.
    overflow = page.evaluate("""Array.from(document.querySelectorAll("body *"))
        .filter(e => !e.closest(".scroll") && e.getBoundingClientRect().right > 375)
        .map(e => e.tagName + (e.id ? "#" + e.id : "") + " " + Math.round(e.getBoundingClientRect().right))""")
    assert overflow == [] and page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_the_keyboard_reaches_the_login_form_in_order(browser: Any, app: Any, settings: Any) -> None:
    page = browser.new_page()
    page.goto(settings.public_base_url + "/login")
    focused = []
    for _ in range(3):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.textContent"))
    assert focused == ["email", "password", "Log in"]
    page.close()


def test_an_open_page_whose_session_ended_goes_to_the_login_form(browser: Any, app: Any, db: Any,
                                                                  settings: Any) -> None:
    """Logged out on another device: the auto-refresh used to say 'Refresh failed (status 200)' and keep
    showing old figures to whoever watched the page overnight."""
    seed(db)
    make_operator(db)
    context = browser.new_context()
    page = context.new_page()
    page.clock.install()
    page.goto(settings.public_base_url + "/status")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/status"))
    other = browser.new_context()  # the same operator logs out elsewhere, which ends every session of hers
    elsewhere = other.new_page()
    elsewhere.goto(settings.public_base_url + "/login")
    elsewhere.get_by_label("Email").fill(EMAIL)
    elsewhere.get_by_label("Password").fill(PASSWORD)
    elsewhere.get_by_role("button", name="Log in").click()
    elsewhere.wait_for_url(re.compile(r"/status"))
    elsewhere.get_by_role("button", name="Log out").click()
    elsewhere.wait_for_url(re.compile(r"/login"))
    page.clock.run_for(31_000)  # the page refreshes every 30 s
    page.wait_for_url(re.compile(r"/login"))
    other.close()
    context.close()
