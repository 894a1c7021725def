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
