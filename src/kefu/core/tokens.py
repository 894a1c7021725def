"""API bearer tokens: made once, stored as a digest, looked up per request."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from kefu.core import audit
from kefu.core.models import ApiToken, User

PREFIX = "kefu_"


def create_token(*, actor, user: User, name: str = "") -> str:
    """Make a token for ``user`` and return it; only its digest is kept."""
    raw = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=raw[: len(PREFIX) + 6], digest=ApiToken.digest_of(raw)
        )
        audit.record(actor=actor, obj=token, action="token.create", reason=name)
    return raw


def revoke_token(*, actor, token: ApiToken) -> None:
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        audit.record(actor=actor, obj=token, action="token.revoke")


def user_for(raw: str) -> User | None:
    """The active user owning ``raw``, or None for an unknown, revoked or inactive one."""
    if not raw or not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Cheap bookkeeping: touch last_used at most once a minute per token.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        with transaction.atomic():  # queues with the writers (see kefu.core.sqlite)
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_for_request(request) -> User | None:
    """``user_for`` the request's bearer token, looked up once per request (the
    Idempotency-Key middleware and the API's authentication both ask)."""
    raw = bearer(request)
    cached = getattr(request, "_kefu_token_user", None)
    if cached is not None and cached[0] == raw:
        return cached[1]
    user = user_for(raw)
    request._kefu_token_user = (raw, user)
    return user


def bearer(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""
