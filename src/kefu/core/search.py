"""Search terms that work for Chinese, Korean and English on SQLite FTS5 and PostgreSQL.

Why not a stock tokenizer: Chinese has no spaces and most words are two characters
(退款), which SQLite's trigram tokenizer cannot match; Korean glues particles onto words
(환불이, 환불해), so whole-word tokenizers miss 환불. So kefu writes its own terms:

- A run of CJK or Hangul characters becomes its overlapping two-character pieces
  (退款申请 → 退款 款申 申请) followed by its last character alone (请). A query of two or
  more such characters is the phrase of its pieces, so it matches exactly the texts that
  contain it as a substring; a single character is a prefix query, which the pieces and
  the trailing character together cover.
- Any other run of letters and digits becomes one lower-cased word; the query's last
  word matches as a prefix (refund → Refund, refunded, refunds).
- Text is NFKC-normalised first, so full-width ＲＥＦＵＮＤ and half-width kana match.

The same terms feed an FTS5 table (``index_text``) and a PostgreSQL ``tsvector`` built
from a literal (``pg_tsvector``), so the two databases answer the same query the same way.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import transaction

_CJK = (
    "\u1100-\u11ff"  # Hangul jamo
    "\u3040-\u30ff"  # kana
    "\u3130-\u318f"  # Hangul compatibility jamo
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0002ebef"  # CJK extensions B-F
)
_RUN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
MAX_WORD = 60  # a longer "word" is a blob (a hash, base64); its head is enough
PG_MAX_POSITION = 16383  # PostgreSQL keeps positions up to this; later ones share it


def _runs(text: str):
    for m in _RUN.finditer(unicodedata.normalize("NFKC", text).casefold()):
        cjk, word = m.groups()
        yield (True, cjk) if cjk else (False, word[:MAX_WORD])


def terms(text: str) -> list[str]:
    """The index terms of ``text`` in order."""
    out: list[str] = []
    for m in _RUN.finditer(unicodedata.normalize("NFKC", text or "").casefold()):
        cjk, word = m.groups()
        if cjk:
            out.extend(map(str.__add__, cjk, cjk[1:]))
            out.append(cjk[-1])
        else:
            out.append(word[:MAX_WORD])
    return out


def index_text(text: str) -> str:
    """Terms joined by spaces: the column an FTS5 table (unicode61 tokenizer) indexes."""
    return " ".join(terms(text))


def pg_tsvector(text: str) -> str:
    """A ``tsvector`` literal with positions; cast with ``%s::tsvector`` (no parser involved)."""
    parts = []
    for pos, term in enumerate(terms(text), start=1):
        parts.append(f"'{term}':{min(pos, PG_MAX_POSITION)}")
    return " ".join(parts)


def _query_groups(query: str) -> list[tuple[list[str], bool]]:
    """One group per whitespace-separated query word: (phrase terms, last is a prefix)."""
    groups = []
    for word in (query or "").split():
        runs = list(_runs(word))
        phrase: list[str] = []
        for position, (is_cjk, run) in enumerate(runs):
            last = position == len(runs) - 1
            if is_cjk:
                phrase.extend(map(str.__add__, run, run[1:]))
                # Inside a word the run ends where the text's run ends, so the text's
                # trailing single character stands next: match it too (tb_小芳2023).
                if len(run) == 1 or not last:
                    phrase.append(run[-1])
            else:
                phrase.append(run)
        if phrase:
            is_cjk, run = runs[-1]
            prefix = not is_cjk or len(run) == 1
            groups.append((phrase, prefix))
    return groups


def fts5_query(query: str) -> str | None:
    """An FTS5 MATCH expression for ``query``, or None when it has nothing searchable."""
    groups = _query_groups(query)
    if not groups:
        return None
    parts = []
    for phrase, prefix in groups:
        parts.append('"' + " ".join(phrase) + '"' + (" *" if prefix else ""))
    return " AND ".join(parts)


def pg_tsquery(query: str) -> str | None:
    """A ``tsquery`` literal for ``query`` (cast with ``%s::tsquery``), or None."""
    groups = _query_groups(query)
    if not groups:
        return None
    parts = []
    for phrase, prefix in groups:
        quoted = [f"'{t}'" for t in phrase]
        if prefix:
            quoted[-1] += ":*"
        parts.append("(" + " <-> ".join(quoted) + ")" if len(quoted) > 1 else quoted[0])
    return " & ".join(parts)


class SearchIndex:
    """A full-text index of one kind of object, kept in a table of its own.

    SQLite: an FTS5 table ``search_<name>`` whose rowid is the object's id (a table that
    keeps its terms: contentless tables cannot delete rows before SQLite 3.43).
    PostgreSQL: a table ``search_<name>(id, terms tsvector)`` with a GIN index.
    Services call :meth:`put` / :meth:`remove` in the transaction that changes the
    object, so the index never lags behind; :meth:`ids_sql` gives a sub-query of the
    matching ids to combine with any ORM filter (``pk__in=RawSQL(...)``).
    """

    def __init__(self, name: str):
        if not re.fullmatch(r"[a-z_]+", name):
            raise ValueError("index names are lower-case letters and underscores")
        self.name = name
        self.table = f"search_{name}"

    # ---- schema (called from migrations)
    def create_sql(self, vendor: str) -> list[str]:
        if vendor == "sqlite":
            return [
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.table} USING fts5("
                "terms, tokenize='unicode61 remove_diacritics 0')"
            ]
        return [
            f"CREATE TABLE IF NOT EXISTS {self.table} "
            "(id bigint PRIMARY KEY, terms tsvector NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {self.table}_gin ON {self.table} USING gin (terms)",
        ]

    def drop_sql(self, vendor: str) -> list[str]:
        return [f"DROP TABLE IF EXISTS {self.table}"]

    # ---- writes
    def put_many(self, connection, rows) -> None:
        """Index ``(id, text)`` pairs, replacing what was indexed for those ids."""
        rows = list(rows)
        if not rows:
            return
        prepared = [(pk, self.prepare(connection, text)) for pk, text in rows]
        with connection.cursor() as c:
            if connection.vendor == "sqlite":
                c.executemany(
                    f"DELETE FROM {self.table} WHERE rowid = %s", [(pk,) for pk, _ in rows]
                )
                c.executemany(f"INSERT INTO {self.table}(rowid, terms) VALUES (%s, %s)", prepared)
            else:
                c.executemany(
                    f"INSERT INTO {self.table}(id, terms) VALUES (%s, %s::tsvector) "
                    "ON CONFLICT (id) DO UPDATE SET terms = EXCLUDED.terms",
                    prepared,
                )

    def put(self, connection, pk: int, text: str) -> None:
        self.put_many(connection, [(pk, text)])

    def prepare(self, connection, text: str) -> str:
        """The indexed form of ``text``, for ``add``: the term building is done before
        the writing transaction, which (on SQLite) holds the one write lock."""
        return index_text(text) if connection.vendor == "sqlite" else pg_tsvector(text)

    def add(self, connection, pk: int, prepared: str) -> None:
        """Index a row that has nothing indexed yet, from ``prepare``'s output."""
        with connection.cursor() as c:
            if connection.vendor == "sqlite":
                c.execute(f"INSERT INTO {self.table}(rowid, terms) VALUES (%s, %s)", [pk, prepared])
            else:
                c.execute(
                    f"INSERT INTO {self.table}(id, terms) VALUES (%s, %s::tsvector)",
                    [pk, prepared],
                )

    def remove(self, connection, pks) -> None:
        pks = [(pk,) for pk in pks]
        if not pks:
            return
        column = "rowid" if connection.vendor == "sqlite" else "id"
        with connection.cursor() as c:
            c.executemany(f"DELETE FROM {self.table} WHERE {column} = %s", pks)

    def analyze(self, connection) -> None:
        """After a bulk load: SQLite merges FTS5's many small segments into one (a search
        then reads one b-tree instead of hundreds); PostgreSQL gathers the table's
        statistics."""
        with connection.cursor() as c:
            if connection.vendor == "sqlite":
                c.execute(f"INSERT INTO {self.table}({self.table}) VALUES ('optimize')")
            else:
                c.execute(f"ANALYZE {self.table}")

    # ---- reads
    def few_ids(self, connection, query: str, bound: int) -> list[int] | None:
        """PostgreSQL: the ids matching ``query`` when at most ``bound`` do, read from the
        GIN index; None when more match. (Asked to combine a match with an order and a
        LIMIT, the planner guesses a few hundred matches for any word and walks the whole
        table testing each row: 34 ms at 100,000 rows, half a second at a million, for a
        word only one row has.)"""
        expr = pg_tsquery(query)
        if expr is None:
            return []
        with transaction.atomic(using=connection.alias), connection.cursor() as c:
            c.execute("SET LOCAL enable_seqscan = off")
            c.execute("SET LOCAL enable_indexscan = off")
            c.execute(
                f"SELECT id FROM {self.table} WHERE terms @@ %s::tsquery LIMIT %s",
                [expr, bound + 1],
            )
            ids = [row[0] for row in c.fetchall()]
            c.execute("RESET enable_seqscan")
            c.execute("RESET enable_indexscan")
        return None if len(ids) > bound else ids

    def ids_sql(self, connection, query: str) -> tuple[str, list] | None:
        """``(sql, params)`` selecting the ids that match ``query``; None if nothing to search."""
        if connection.vendor == "sqlite":
            expr = fts5_query(query)
            if expr is None:
                return None
            return f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH %s", [expr]
        expr = pg_tsquery(query)
        if expr is None:
            return None
        return f"SELECT id FROM {self.table} WHERE terms @@ %s::tsquery", [expr]


def create_index_operation(name: str):
    """The migration operation that creates (and on reverse drops) ``SearchIndex(name)``."""
    from django.db import migrations

    index = SearchIndex(name)

    def create(apps, schema_editor):
        for sql in index.create_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql)

    def drop(apps, schema_editor):
        for sql in index.drop_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql)

    return migrations.RunPython(create, drop)
