"""CJK-aware search terms: a query finds exactly the texts that contain it.

Run against the real database in use (FTS5 on SQLite, tsvector on PostgreSQL).
"""

from __future__ import annotations

import unicodedata

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.core import search

pytestmark = pytest.mark.django_db

CORPUS = [
    "我要申请退款，七天无理由退货",
    "包裹破损了，订单 TB2026110100123",
    "환불해 주세요. 배송이 늦어요",
    "환불이 안 돼요 refund please",
    "Refunded already, thanks!",
    "The parcel arrived DAMAGED",
    "差评已经删除了",
    "ＲＥＦＵＮＤ 全角",
    "alice.w@example.com asked twice",
]


class Index:
    """A throw-away full-text table in whichever database the tests run on."""

    def __init__(self):
        self.vendor = connection.vendor
        with connection.cursor() as c:
            if self.vendor == "sqlite":
                c.execute("CREATE VIRTUAL TABLE t_search USING fts5(body, tokenize='unicode61')")
            else:
                c.execute("CREATE TEMP TABLE t_search (id integer primary key, v tsvector)")

    def add(self, rowid: int, text: str) -> None:
        with connection.cursor() as c:
            if self.vendor == "sqlite":
                c.execute(
                    "INSERT INTO t_search(rowid, body) VALUES (%s, %s)",
                    [rowid, search.index_text(text)],
                )
            else:
                c.execute(
                    "INSERT INTO t_search VALUES (%s, %s::tsvector)",
                    [rowid, search.pg_tsvector(text)],
                )

    def find(self, query: str) -> list[int]:
        with connection.cursor() as c:
            if self.vendor == "sqlite":
                expr = search.fts5_query(query)
                if expr is None:
                    return []
                c.execute(
                    "SELECT rowid FROM t_search WHERE t_search MATCH %s ORDER BY rowid", [expr]
                )
            else:
                expr = search.pg_tsquery(query)
                if expr is None:
                    return []
                c.execute("SELECT id FROM t_search WHERE v @@ %s::tsquery ORDER BY id", [expr])
            return [r[0] for r in c.fetchall()]

    def drop(self) -> None:
        with connection.cursor() as c:
            c.execute("DROP TABLE t_search")


@pytest.fixture
def index():
    idx = Index()
    for i, text in enumerate(CORPUS):
        idx.add(i, text)
    yield idx
    idx.drop()


def contains(text: str, query: str) -> bool:
    return query.casefold() in unicodedata.normalize("NFKC", text).casefold()


@pytest.mark.parametrize(
    "query", ["退款", "破损", "差评", "退", "款", "无理由退货", "환불", "배송", "불"]
)
def test_cjk_query_finds_exactly_the_texts_containing_it(index, query):
    assert index.find(query) == [i for i, t in enumerate(CORPUS) if contains(t, query)]


def test_two_character_chinese_word_is_found(index):
    # SQLite's trigram tokenizer cannot match 退款 (two characters); kefu's terms can.
    assert index.find("退款") == [0]


def test_korean_word_with_particle_is_found_by_its_stem(index):
    assert index.find("환불") == [2, 3]


def test_english_word_matches_case_and_inflection(index):
    assert index.find("refund") == [3, 4, 7]
    assert index.find("damaged") == [5]


def test_order_number_and_email_are_found(index):
    assert index.find("TB2026110100123") == [1]
    assert index.find("alice.w@example.com") == [8]


def test_query_words_combine_with_and(index):
    assert index.find("환불 refund") == [3]


def test_punctuation_only_query_searches_nothing(index):
    assert search.fts5_query("  ,,! ") is None
    assert search.pg_tsquery("?") is None


ALPHABET = "退款破损差评换货환불교환파손해요ab "


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    texts=st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=30), min_size=1, max_size=12),
    pick=st.tuples(st.integers(0, 11), st.integers(0, 29), st.integers(1, 6)),
)
def test_any_cjk_substring_query_has_full_recall_and_precision(texts, pick):
    idx = Index()
    try:
        for i, text in enumerate(texts):
            idx.add(i, text)
        source = texts[pick[0] % len(texts)]
        start = pick[1] % len(source)
        query = source[start : start + pick[2]].strip()
        if not query or " " in query or any(ch in "ab" for ch in query):
            return
        assert idx.find(query) == [i for i, t in enumerate(texts) if contains(t, query)]
    finally:
        idx.drop()


def test_a_word_mixing_scripts_finds_its_own_text(index):
    index.add(100, "买家 tb_小芳2023 留言")
    index.add(101, "小芳 2023")
    assert index.find("tb_小芳2023") == [100]
    # Terms keep no separators, so the spaced spelling is found too.
    assert index.find("小芳2023") == [100, 101]
    assert index.find("tb_小") == [100]
