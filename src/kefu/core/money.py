"""Money is Decimal, rounded the way each currency is: fen for CNY, whole won for KRW."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units of the currencies kefu's shops trade in.
MINOR_UNITS = {"CNY": 2, "KRW": 0, "USD": 2, "EUR": 2, "JPY": 0, "HKD": 2, "TWD": 0, "SGD": 2}


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency.upper(), 2)


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """``amount`` rounded half-up to the currency's smallest unit."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise ValueError(f"not an amount: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount: {amount!r}")
    exp = Decimal(1).scaleb(-minor_units(currency))
    return value.quantize(exp, rounding=ROUND_HALF_UP)


def fmt(amount: Decimal, currency: str) -> str:
    symbol = {"CNY": "¥", "KRW": "₩", "USD": "$", "EUR": "€", "JPY": "¥"}.get(currency.upper(), "")
    q = quantize(amount, currency)
    text = f"{q:,.{minor_units(currency)}f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"
