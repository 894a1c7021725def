"""Per-process copies of the reference rows read on nearly every request.

Policies, SLA policies with their calendars, teams and the category tree change a few
times a month and are read by every ticket page and every new ticket (five to ten
queries each time). ``cached(name, load)`` keeps what ``load()`` returned in this
process until one of the watched models changes:

- a change in this process drops the copies at once, and again when its transaction
  commits;
- a change anywhere bumps a counter row (``RefStamp``) in the same transaction; each
  process reads the counter at most once a second (``KEFU["REFCACHE_CHECK_SECONDS"]``)
  and drops its copies when it moved. Another worker may thus use an old SLA target or
  policy for up to a second after an admin saves a new one.

Inside a transaction ``cached`` answers None and the caller reads the rows itself (the
transaction may have changed them and may still roll back), so a copy is always of
committed rows. Models join with ``watch(Model)``; writes that bypass signals
(``QuerySet.update``) must not touch the fields the copies use.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

_values: dict[str, Any] = {}
_guard = threading.Lock()
_seen = {"stamp": None, "checked": 0.0}


def clear() -> None:
    """Forget every copy in this process (tests call it between cases)."""
    with _guard:
        _values.clear()
        _seen["checked"] = 0.0


def _stamp() -> int | None:
    from kefu.core.models import RefStamp

    with connection.cursor() as c:
        c.execute(f"SELECT version FROM {RefStamp._meta.db_table} WHERE id = 1")
        row = c.fetchone()
    return row[0] if row else None


def _check() -> None:
    now = time.monotonic()
    if now - _seen["checked"] < settings.KEFU["REFCACHE_CHECK_SECONDS"]:
        return
    stamp = _stamp()
    with _guard:
        if stamp != _seen["stamp"]:
            _values.clear()
            _seen["stamp"] = stamp
        _seen["checked"] = now


def cached(name: str, load: Callable[[], T]) -> T | None:
    """``load()``'s answer, from this process's copy when it is still good; None inside
    a transaction (the caller reads what it needs itself: the rows may be changing)."""
    if connection.in_atomic_block:
        return None
    _check()
    with _guard:
        if name in _values:
            return _values[name]
    value = load()
    with _guard:
        _values.setdefault(name, value)
    return value


def value(name: str, load: Callable[[], T]) -> T:
    """``cached``, or ``load()`` read now inside a transaction."""
    kept = cached(name, load)
    return load() if kept is None else kept


def changed(**_kwargs) -> None:
    """Signal receiver: a watched row changed."""
    from kefu.core.models import RefStamp

    clear()
    if not RefStamp.objects.filter(pk=1).update(version=F("version") + 1):
        RefStamp.objects.get_or_create(pk=1, defaults={"version": 1})
    transaction.on_commit(clear)


def watch(*models_) -> None:
    for model in models_:
        uid = f"kefu-refcache-{model._meta.label_lower}"
        post_save.connect(changed, sender=model, dispatch_uid=uid + "-save", weak=False)
        post_delete.connect(changed, sender=model, dispatch_uid=uid + "-delete", weak=False)
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                changed, sender=field.remote_field.through, dispatch_uid=uid + field.name
            )
