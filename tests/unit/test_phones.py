from __future__ import annotations

import pytest

from service.phones import InvalidPhone, address, mask, parse_phone, split_address, time_zones


@pytest.mark.parametrize("raw", ["+12025550143", "(202) 555-0143", "202.555.0143", "whatsapp:+12025550143", " 2025550143 "])
def test_it_stores_numbers_in_e164(raw: str) -> None:
    assert parse_phone(raw) == "+12025550143"


@pytest.mark.parametrize("raw", ["", "hello", "+1202555", "+1 999 000 0000", "+99 1234"])
def test_it_refuses_invalid_numbers(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        parse_phone(raw)


def test_masks_keep_the_country_code_and_last_four_digits() -> None:
    assert mask("+12025550143") == "+1 ••• ••• 0143"
    assert mask("whatsapp:+447911123456") == "wa:+44 ••• ••• 3456"
    assert "0143" in mask("+12025550143") and "555" not in mask("+12025550143")


def test_whatsapp_addresses_round_trip() -> None:
    assert split_address(address("+12025550143", "whatsapp")) == ("+12025550143", "whatsapp")
    assert split_address("+12025550143") == ("+12025550143", "sms")


def test_a_number_knows_its_time_zones() -> None:
    assert time_zones("+12025550143") == ("America/New_York",)


@pytest.mark.parametrize("typed, says", [
    ("+1202555014", "too short (9 digits after +1 (US))"),
    ("+120255501433", "wrong length (11 digits after +1 (US))"),
    ("+11235550143", "no such number range after +1 (US)"),
])
def test_a_refused_number_says_what_is_wrong_without_showing_it(typed: str, says: str) -> None:
    with pytest.raises(InvalidPhone) as refused:
        parse_phone(typed)
    assert says in str(refused.value) and typed not in str(refused.value)


@pytest.mark.parametrize("typed", ["", "n/a", "call me"])
def test_text_that_is_no_ones_number_is_shown_as_typed(typed: str) -> None:
    """An import row reading 'line 4:  is not a phone number' hid the slip entirely."""
    with pytest.raises(InvalidPhone) as refused:
        parse_phone(typed)
    assert str(refused.value).startswith(repr(typed)) and "0 digits" in str(refused.value)
