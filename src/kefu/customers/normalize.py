"""Normal forms used to find the same customer again (and spot duplicates)."""

from __future__ import annotations

import re

# Country calling codes by the shop's country; a number with no code gets the default.
DEFAULT_COUNTRY_CODE = "86"
_DIGITS = re.compile(r"\D+")


def phone(raw: str, default_country_code: str = DEFAULT_COUNTRY_CODE) -> str:
    """Digits with the country code: '138 1234 5678' → '8613812345678', '010-1234-5678'
    with code 82 → '821012345678'. Empty when there are too few digits to be a phone."""
    raw = (raw or "").strip()
    digits = _DIGITS.sub("", raw)
    if len(digits) < 6:
        return ""
    if raw.startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        # national trunk prefix (Korea 010…, China 0571…)
        return default_country_code + digits[1:]
    if default_country_code == "86" and len(digits) == 11 and digits.startswith("1"):
        return "86" + digits
    if default_country_code == "1" and len(digits) == 10:
        return "1" + digits
    if len(digits) <= 11 and not digits.startswith(default_country_code):
        return default_country_code + digits
    return digits


def email(raw: str) -> str:
    return (raw or "").strip().lower()


# The default calling code for a customer's language, when a number is typed without one.
COUNTRY_CODE_BY_LANGUAGE = {"zh-hans": "86", "ko": "82", "en": "1"}

# ITU calling codes: 1 and 7 are one digit; these two-digit codes exist; every other code
# is three digits (852 Hong Kong, 886 Taiwan, 971 UAE, …).
_TWO_DIGIT_CODES = frozenset(
    {
        *("20", "27", "30", "31", "32", "33", "34", "36", "39"),
        *("40", "41", "43", "44", "45", "46", "47", "48", "49"),
        *("51", "52", "53", "54", "55", "56", "57", "58"),
        *("60", "61", "62", "63", "64", "65", "66"),
        *("81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"),
    }
)


def country_code_for(language: str) -> str:
    return COUNTRY_CODE_BY_LANGUAGE.get(language or "", DEFAULT_COUNTRY_CODE)


def split_country_code(normalized: str) -> tuple[str, str]:
    """'8613812345678' → ('86', '13812345678'); ('', digits) when it cannot tell."""
    if not normalized or not normalized.isdigit():
        return "", normalized or ""
    if normalized[0] in "17":
        size = 1
    elif normalized[:2] in _TWO_DIGIT_CODES:
        size = 2
    else:
        size = 3
    if len(normalized) - size < 4:
        return "", normalized
    return normalized[:size], normalized[size:]


_PHONE_QUERY = re.compile(r"^\+?[\d\s().\-/]+$")


def phone_query(raw: str) -> str | None:
    """The digits to look up when a search box holds only a phone number (any form:
    '+86 138 1234 5678', '010-1234-5678', '5678'); None when it holds anything else."""
    text = (raw or "").strip()
    if not _PHONE_QUERY.match(text):
        return None
    digits = _DIGITS.sub("", text)
    if len(digits) < 3:
        return None
    if text.startswith("00"):
        digits = digits[2:]
    return digits


# The time zone a phone's country code points to, for customers with no zone of their own.
# Only codes with one zone for the whole country; +1 (the US and Canada, several zones)
# tells nothing, so it is left out and the shop's zone applies.
TIME_ZONE_BY_COUNTRY_CODE = {
    "86": "Asia/Shanghai",
    "82": "Asia/Seoul",
    "81": "Asia/Tokyo",
    "852": "Asia/Hong_Kong",
    "886": "Asia/Taipei",
    "65": "Asia/Singapore",
    "44": "Europe/London",
}


def time_zone_for_phone(normalized: str) -> str:
    """'821012345678' → 'Asia/Seoul'; '' when the country code says nothing about the zone."""
    code, _ = split_country_code(normalized)
    return TIME_ZONE_BY_COUNTRY_CODE.get(code, "")
