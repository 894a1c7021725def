"""Idempotency-Key for API POSTs.

The first POST with a key runs and its answer is stored; a retry with the same key and
the same body gets that answer again (``Idempotent-Replayed: true``) and creates
nothing; the same key with a different body, or while the first is still running, is a
409. Keys are per user and forgotten after ``IDEMPOTENCY_TTL_HOURS``.
"""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse

from kefu.core.models import IdempotencyRecord
from kefu.core.tokens import user_for_request

HEADER = "Idempotency-Key"
API_PREFIX = "/api/v1/"


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > 255:
            return _error(
                400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 characters."
            )
        user = user_for_request(request)
        if user is None:  # let the API answer 401 in its usual way
            return self.get_response(request)
        digest = hashlib.sha256(request.body).hexdigest()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, method=request.method, path=request.path, body_digest=digest
                )
        except IntegrityError:
            return self._replay(user, key, request, digest)
        response = self.get_response(request)
        # Writes in a transaction of their own (not autocommit), so on SQLite they queue
        # with the other writers instead of polling in the busy handler.
        with transaction.atomic():
            if response.status_code >= 500 or getattr(response, "streaming", False):
                # Nothing was done for sure: let the client try again with the same key.
                IdempotencyRecord.objects.filter(pk=record.pk).delete()
                return response
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                status_code=response.status_code,
                content_type=response.get("Content-Type", ""),
                response_body=response.content,
            )
        return response

    def _replay(self, user, key, request, digest):
        record = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if record is None:  # forgotten between our insert and this read: treat as busy
            return _error(
                409, "idempotency_key_in_use", "This Idempotency-Key is being used; retry."
            )
        if record.path != request.path or record.body_digest != digest:
            return _error(
                409,
                "idempotency_key_reused",
                "This Idempotency-Key was already used with a different request.",
            )
        if record.status_code is None:
            return _error(
                409,
                "idempotency_key_in_use",
                "A request with this Idempotency-Key is still running.",
            )
        response = HttpResponse(
            bytes(record.response_body or b""),
            status=record.status_code,
            content_type=record.content_type or "application/json",
        )
        response["Idempotent-Replayed"] = "true"
        return response
