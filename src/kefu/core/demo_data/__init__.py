"""Vocabulary of the demo shop: names, places, products and ticket scripts in zh/ko/en.

Plain data only; :mod:`kefu.core.demo` turns it into rows.
"""
