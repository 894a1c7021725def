"""Writes of the core: user preferences and accounts, each audited."""

from __future__ import annotations

from django.db import transaction

from kefu.core import audit
from kefu.core.models import User


def set_user_language(*, actor: User, user: User, language: str) -> User:
    with transaction.atomic():
        before = user.language
        if before == language:
            return user
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
        audit.record(
            actor=actor, obj=user, action="user.language", changes={"language": [before, language]}
        )
    return user
