"""Uploads whose row never committed (or was deleted) are removed by the daily sweep;
files still named by a row, and fresh ones, stay."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from kefu.core import files
from kefu.customers.services import create_customer
from kefu.tickets import attachments, services

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def _store(message, name="照片.png"):
    checked = attachments.check([SimpleUploadedFile(name, PNG)], message.ticket.shop)
    return attachments.store(message, checked[0])


def _age(path: Path, hours: float) -> None:
    then = (timezone.now() - dt.timedelta(hours=hours)).timestamp()
    os.utime(path, (then, then))


def test_files_of_rolled_back_or_deleted_rows_go_others_stay(shop):
    customer = create_customer(actor=None, name="周敏")
    ticket = services.create_ticket(
        actor=None, customer=customer, shop=shop, subject="", body="破损"
    )
    message = ticket.messages.get()
    kept = Path(_store(message).file.path)
    try:
        with transaction.atomic():
            lost = Path(_store(message).file.path)
            raise RuntimeError("the message was refused after the file was written")
    except RuntimeError:
        pass
    deleted_row = _store(message)
    deleted = Path(deleted_row.file.path)
    deleted_row.delete()
    fresh_orphan = Path(settings.MEDIA_ROOT) / "attachments" / "just-now.png"
    fresh_orphan.write_bytes(PNG)
    for path in (kept, lost, deleted):
        assert path.exists()
        _age(path, 24)

    result = files.remove_orphans(timezone.now())

    assert kept.exists(), "a file its attachment still names is kept"
    assert not lost.exists() and not deleted.exists()
    assert fresh_orphan.exists(), "an upload younger than the grace time may still commit"
    assert result["removed"] == 2
