"""Idempotency-Key for API POSTs.

The first POST with a key runs and its answer is stored; a retry with the same key and
the same body gets that answer again (``Idempotent-Replayed: true``) and creates
nothing; the same key with a different body, or while the first is still running, is a
409. Keys are per user and forgotten after ``IDEMPOTENCY_TTL_HOURS``.
"""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse, JsonResponse

from kefu.core.errors import DomainError
from kefu.core.models import IdempotencyRecord
from kefu.core.tokens import user_for_request

HEADER = "Idempotency-Key"
API_PREFIX = "/api/v1/"


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


class KeyTaken(DomainError):
    """The Idempotency-Key was claimed by another request while this one ran (the
    middleware answers with that request's answer, or 409 while it still runs)."""

    code = "idempotency_key_in_use"
    status = 409

    def __init__(self, key: str) -> None:
        super().__init__(f"A request with the Idempotency-Key {key!r} is running.")


class _Claim:
    """The key this request will hold, claimed by the first statement of its first
    transaction (``claim``, an execute wrapper) so that the claim commits or rolls back
    with the request's own writes: one transaction, not a reservation of its own (on
    SQLite every transaction queues for the one write lock, so each saved is a hand-over
    fewer: API ticket creation went from three to two)."""

    def __init__(self, user, key: str, path: str, digest: str) -> None:
        self.user, self.key, self.path, self.digest = user, key, path, digest
        self.record: IdempotencyRecord | None = None
        self.taken = False
        self._claiming = False

    def __call__(self, execute, sql, params, many, context):
        connection = context["connection"]
        if self.record is None and not self._claiming and connection.in_atomic_block:
            if self.taken:  # the request lost its key: it may write nothing more
                raise KeyTaken(self.key)
            self._claiming = True
            try:
                self.record = IdempotencyRecord.objects.create(
                    user=self.user,
                    key=self.key,
                    method="POST",
                    path=self.path,
                    body_digest=self.digest,
                )
            except IntegrityError:
                # Another request with this key committed first; this one's
                # transaction rolls back when the exception leaves it.
                self.taken = True
                raise KeyTaken(self.key) from None
            finally:
                self._claiming = False
        return execute(sql, params, many, context)


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
        if IdempotencyRecord.objects.filter(user=user, key=key).exists():
            return self._replay(user, key, request, digest)
        claim = _Claim(user, key, request.path, digest)
        with connection.execute_wrapper(claim):
            response = self.get_response(request)
        if claim.taken:
            return self._replay(user, key, request, digest)
        if response.status_code >= 500 or getattr(response, "streaming", False):
            # Nothing was done for sure: let the client try again with the same key (the
            # claim is gone already if the request's transaction rolled back).
            if claim.record is not None:
                with transaction.atomic():
                    IdempotencyRecord.objects.filter(pk=claim.record.pk).delete()
            return response
        # In a transaction of its own (not autocommit), so on SQLite it queues with the
        # other writers instead of polling in the busy handler.
        try:
            with transaction.atomic():
                stored = claim.record is not None and (
                    IdempotencyRecord.objects.filter(pk=claim.record.pk).update(**_answer(response))
                )
                if not stored:
                    # Refused before any write, or its transaction rolled back with the
                    # claim: the answer is kept and replayed all the same.
                    IdempotencyRecord.objects.create(
                        user=user,
                        key=key,
                        method="POST",
                        path=request.path,
                        body_digest=digest,
                        **_answer(response),
                    )
        except IntegrityError:  # a request with the same key claimed it meanwhile
            return self._replay(user, key, request, digest)
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


def _answer(response) -> dict:
    return {
        "status_code": response.status_code,
        "content_type": response.get("Content-Type", ""),
        "response_body": response.content,
    }
