"""Vocabulary of the demo shop: names, places, products and ticket scripts in zh/ko/en.

Plain data only; :mod:`kefu.core.demo` turns it into rows.
"""


def words(text: str) -> list[str]:
    """A vocabulary list written as one whitespace-separated string."""
    return text.split()
