"""`kefu init`: data directory, schema, cache table and the first admin."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from kefu.core import audit
from kefu.core.models import User
from kefu.core.roles import Role


def initialise(*, admin_password: str | None = None, out: Callable[[str], None] = print) -> None:
    """Safe to run again: migrates what is new and keeps every row that exists."""
    data = settings.DATA_DIR
    data.mkdir(parents=True, exist_ok=True)
    (data / "media").mkdir(exist_ok=True)
    out(f"data directory: {data}")
    out("migrating the database …")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if "kefu_cache" in str(settings.CACHES["default"].get("LOCATION", "")):
        call_command("createcachetable", verbosity=0)
    if User.objects.filter(role=Role.ADMIN).exists():
        out("an admin exists already; no new admin made")
        return
    password = admin_password or os.environ.get("KEFU_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    with transaction.atomic():
        admin = User.objects.create_user(
            username="admin",
            password=password,
            role=Role.ADMIN,
            is_staff=True,
            display_name="Admin",
        )
        audit.record(
            actor=None, obj=admin, action="user.create", to_state=Role.ADMIN, reason="kefu init"
        )
    if admin_password or os.environ.get("KEFU_ADMIN_PASSWORD"):
        out("first admin: admin (password as given)")
    else:
        out(f"first admin: admin / {password}   (change it after signing in)")
