from __future__ import annotations

import pytest

from service.config import ConfigError, load_settings
from service.crisis import FALLBACK, crisis_line
from service.replies import crisis_reply


@pytest.mark.parametrize("number, expected", [
    ("+12025550143", "988"), ("+16135550143", "988"), ("+447400123456", "116 123"), ("+353851234567", "116 123"),
    ("+61491570156", "13 11 14"), ("+33612345678", "3114"), ("+4915123456789", "0800 111 0 111"),
])
def test_the_crisis_reply_names_the_line_for_her_country(number: str, expected: str) -> None:
    assert expected in crisis_reply(number)


def test_an_unknown_country_is_told_to_call_local_emergency_services() -> None:
    assert crisis_line("ZZ") == FALLBACK
    assert "local emergency number" in crisis_reply("+34612345678")  # Spain: not in the built-in table


def test_the_table_is_configurable() -> None:
    lines = '{"FR": ["appelle le 3114", "112"]}'
    assert "appelle le 3114" in crisis_reply("+33612345678", lines=lines)
    assert "988" in crisis_reply("+12025550143", lines=lines)


@pytest.mark.parametrize("bad", ["{", '{"US": "988"}', '{"US": ["988"]}', "[1, 2]"])
def test_a_malformed_table_stops_start_up(bad: str) -> None:
    with pytest.raises(ConfigError):
        load_settings({"CRISIS_LINES": bad})


def test_the_crisis_reply_is_short_warm_and_resource_first() -> None:
    text = crisis_reply("+12025550143", "Amanda")
    assert text.startswith("Amanda, I'm so glad you told me") and "911" in text and len(text) <= 306


@pytest.mark.parametrize("name, bad", [
    ("OPERATOR_ALERT_PHONE", "911"), ("OPERATOR_ALERT_PHONE", "not a phone"), ("OPERATOR_ALERT_PHONE", "+1202555019"),
    ("LOW_ESCALATION_MINUTES", "0"), ("LOW_ESCALATION_MINUTES", "-5"), ("CRISIS_ESCALATION_MINUTES", "0"),
    ("LOW_ALERT_COOLDOWN_HOURS", "-1"),
])
def test_a_safety_setting_that_would_route_crises_nowhere_stops_start_up(name: str, bad: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: bad})


def test_a_good_operator_phone_and_no_cooldown_are_accepted() -> None:
    settings = load_settings({"OPERATOR_ALERT_PHONE": "+12025550111", "LOW_ALERT_COOLDOWN_HOURS": "0"})
    assert settings.operator_alert_phone == "+12025550111" and settings.low_alert_cooldown_hours == 0
