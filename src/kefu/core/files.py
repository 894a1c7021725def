"""Uploaded files nobody refers to any more.

A file is written before the row that names it is committed. When that transaction rolls
back (a refused message, a crash), or the row is deleted later (a demo reset, a cascade),
the file stays on disk. A daily sweep removes files under MEDIA_ROOT that no file field
of any model names and that are older than ``ORPHAN_GRACE`` (so an upload whose
transaction is still open is never touched).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

ORPHAN_GRACE = dt.timedelta(hours=6)
# What kefu writes itself under MEDIA_ROOT and keeps on purpose.
KEPT_FOLDERS = frozenset({"backups", "exports"})


def referenced_names() -> set[str]:
    """Every file name stored in a FileField (or ImageField) of any installed model."""
    names: set[str] = set()
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                names.update(
                    model._default_manager.exclude(**{f.name: ""})
                    .exclude(**{f"{f.name}__isnull": True})
                    .values_list(f.name, flat=True)
                    .iterator(chunk_size=5000)
                )
    return names


def remove_orphans(now: dt.datetime, root: Path | None = None) -> dict[str, int]:
    root = Path(root or settings.MEDIA_ROOT)
    if not root.is_dir():
        return {"removed": 0, "kept": 0}
    used = referenced_names()
    cutoff = (now - ORPHAN_GRACE).timestamp()
    removed = kept = 0
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        if name.split("/", 1)[0] in KEPT_FOLDERS or name in used:
            kept += 1
            continue
        if path.stat().st_mtime > cutoff:
            kept += 1
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return {"removed": removed, "kept": kept}
