"""Phone numbers: E.164 parsing, channel addresses and masking, over `phonenumbers`."""
from __future__ import annotations

import functools
import hashlib
import re

import phonenumbers
from phonenumbers import timezone as pn_timezone

WHATSAPP_PREFIX = "whatsapp:"


class InvalidPhone(ValueError):
    pass


def parse_phone(raw: str, default_region: str = "US") -> str:
    """Return the number in E.164, or raise InvalidPhone with a reason a person can act on."""
    text = (raw or "").strip()
    if text.lower().startswith(WHATSAPP_PREFIX):
        text = text[len(WHATSAPP_PREFIX):]
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(_not_a_number(text)) from None
    if len(_DIGITS.findall(text)) < 7:
        raise InvalidPhone(_not_a_number(text))
    if not phonenumbers.is_valid_number(number):
        # Masked, since the reason may be logged or shown on a shared screen: so it says what is
        # wrong, for the person who typed it to see without the number.
        raise InvalidPhone(f"{mask(text)} is not a valid phone number: {_why_invalid(number)}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _not_a_number(text: str) -> str:
    """Text with under seven digits is no one's number: shown as typed, so the typist sees the slip."""
    if len(_DIGITS.findall(text)) < 7:
        return f"{text[:24]!r} is not a phone number (it has {len(_DIGITS.findall(text))} digits)"
    return f"{mask(text)} is not a phone number"


def _why_invalid(number: phonenumbers.PhoneNumber) -> str:
    digits = len(str(number.national_number))
    country = phonenumbers.region_code_for_country_code(number.country_code)
    where = f"+{number.country_code} ({country})" if country != phonenumbers.UNKNOWN_REGION else f"+{number.country_code}"
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE or country == phonenumbers.UNKNOWN_REGION:
        return f"no country has the code +{number.country_code}"
    if reason == phonenumbers.ValidationResult.TOO_SHORT:
        return f"too short ({digits} digits after {where})"
    if reason in (phonenumbers.ValidationResult.TOO_LONG, phonenumbers.ValidationResult.INVALID_LENGTH):
        return f"wrong length ({digits} digits after {where})"
    return f"no such number range after {where} (check the area code)"


def split_address(address: str) -> tuple[str, str]:
    """'whatsapp:+1202…' → ('+1202…', 'whatsapp'); '+1202…' → ('+1202…', 'sms')."""
    address = (address or "").strip()
    if address.lower().startswith(WHATSAPP_PREFIX):
        return address[len(WHATSAPP_PREFIX):], "whatsapp"
    return address, "sms"


def address(phone: str, channel: str) -> str:
    return f"{WHATSAPP_PREFIX}{phone}" if channel == "whatsapp" else phone


@functools.lru_cache(maxsize=4096)  # every reply asks, often more than once; parsing costs ~20 us
def region(phone: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return None


def time_zones(phone: str) -> tuple[str, ...]:
    """The zones a number may be in; empty when phonenumbers cannot tell."""
    try:
        zones = pn_timezone.time_zones_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return ()
    return tuple(z for z in zones if z != "Etc/Unknown")


_DIGITS = re.compile(r"\d")


def readable(phone: str) -> str:
    """'+12025550143' → '+1 202-555-0143': a number a person can dial (for the on-duty operator)."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(phone), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return phone


def mask(value: str | None) -> str:
    """'+12025550143' → '+1 ••• ••• 0143'. Keeps a country code and the last four digits."""
    if not value:
        return "-"
    phone, channel = split_address(str(value))
    digits = "".join(_DIGITS.findall(phone))
    prefix = "wa:" if channel == "whatsapp" else ""
    if len(digits) < 7:
        return prefix + "•" * len(digits)
    cc = "1" if digits.startswith("1") and len(digits) == 11 else digits[: max(1, len(digits) - 10)]
    return f"{prefix}+{cc} ••• ••• {digits[-4:]}"


def phone_hash(phone: str) -> str:
    """A stable hash for the do-not-text record, so the number itself can be erased."""
    return hashlib.sha256(f"village-dnt:{phone}".encode()).hexdigest()
