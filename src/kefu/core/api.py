"""The API skeleton every app's ``api.py`` builds on.

- ``api``: the one NinjaAPI at /api/v1/, bearer-token auth on every operation.
- Errors always look like ``{"error": {"code", "message", "fields"}}``; ``ERRORS`` lists
  them for an operation's ``response=`` so the OpenAPI document tells the truth.
- :func:`paginate`: ``?limit=&cursor=`` pages that never count the whole table.
- :func:`require`: the role check, same table as the web views (kefu.core.roles).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer

from kefu.core import refcache
from kefu.core.errors import DomainError, NotAllowed
from kefu.core.models import Shop
from kefu.core.roles import can
from kefu.core.tokens import bearer, user_for, user_for_request

NUL_MESSAGE = "Text may not contain the NUL character (\\u0000)."


def _refuse_nul(value: Any, where: str) -> None:
    # PostgreSQL cannot store NUL in text; refuse it up front on every database alike.
    if isinstance(value, str):
        if "\x00" in value:
            raise DomainError(NUL_MESSAGE, fields={where: [NUL_MESSAGE]}, code="validation_error")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key, where)
            _refuse_nul(item, f"{where}.{key}" if where != "body" else str(key))
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item, where)


class KefuParser(Parser):
    def parse_body(self, request: HttpRequest):
        data = json.loads(request.body)
        _refuse_nul(data, "body")
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        for key, value in result.items():
            _refuse_nul(key, "query")
            _refuse_nul(value, key)
        return result


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_request(request) if bearer(request) == token else user_for(token)
        if user is not None:
            request.user = user
        return user


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorBody


ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}

api = NinjaAPI(
    title="kefu API",
    version="1",
    description=(
        "Customer service for online shops. Authenticate with `Authorization: Bearer <token>` "
        "(`kefu token create --user NAME`). Every POST that creates something accepts an "
        "`Idempotency-Key` header: the same key and body return the first answer again; "
        "the same key with another body is refused with 409."
    ),
    auth=BearerToken(),
    parser=KefuParser(),
    urls_namespace="api",
)


def error_response(request, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "fields": fields or {}}},
        status=status,
    )


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return error_response(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in {"body", "query", "path", "payload"}]
        fields.setdefault(".".join(loc) or "request", []).append(err.get("msg", "invalid"))
    return error_response(
        request, 422, "validation_error", "The request has invalid fields.", fields
    )


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request, exc: DjangoValidationError):
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"request": exc.messages}
    return error_response(
        request, 422, "validation_error", "The request has invalid fields.", fields
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return error_response(
        request, 401, "unauthorized", "Send a valid token: Authorization: Bearer <token>."
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    cause = exc.__cause__
    if isinstance(cause, DomainError):  # raised while parsing the body
        return error_response(request, cause.status, cause.code, cause.message, cause.fields)
    if isinstance(cause, ValueError):
        return error_response(request, 400, "invalid_json", "The request body is not valid JSON.")
    return error_response(request, exc.status_code, "error", str(exc))


@api.exception_handler(DataError)
def _data_error(request, exc: DataError):
    # A value the database cannot hold (too long, out of range) that validation let through.
    return error_response(request, 422, "validation_error", "A value is out of range or too long.")


def found(model, pk: int | None, field: str, what: str):
    """The ``model`` row ``pk`` named by request field ``field`` (None for no pk), or a
    400 saying "Unknown <what> <pk>." at that field. Shops come from the per-process
    copy (kefu.core.refcache): every create names one."""
    if pk is None:
        return None
    if model is Shop:
        obj = refcache.value("shops_by_id", _shops_by_id).get(pk)
    else:
        obj = model.objects.filter(pk=pk).first()
    if obj is None:
        message = f"Unknown {what} {pk}."
        raise DomainError(message, fields={field: [message]}, code=f"unknown_{what}")
    return obj


def _shops_by_id() -> dict[int, Shop]:
    return {shop.pk: shop for shop in Shop.objects.all()}


def require(request: HttpRequest, capability: str) -> None:
    """Refuse with 403 unless the caller's role holds ``capability``."""
    if not can(request.user, capability):
        raise NotAllowed(f"Your role may not do this ({capability}).")


# ---------------------------------------------------------------- pagination


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode().rstrip("=")


def _decode(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("o"):
            raise ValueError
        offset = int(raw[1:])
        if offset < 0:
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        raise DomainError(
            "The cursor is not valid; start again without it.", code="invalid_cursor"
        ) from None
    return offset


def page_limit(limit: int | None) -> int:
    default = settings.KEFU["API_PAGE_SIZE"]
    maximum = settings.KEFU["API_MAX_PAGE_SIZE"]
    if limit is None:
        return default
    if not 1 <= limit <= maximum:
        raise DomainError(
            f"limit must be between 1 and {maximum}.", fields={"limit": [f"1 to {maximum}"]}
        )
    return limit


def paginate(queryset, *, limit: int | None, cursor: str | None) -> dict[str, Any]:
    """One page: ``{"items": [...], "next_cursor": str|None}``; fetches limit+1 rows, no COUNT."""
    size = page_limit(limit)
    offset = _decode(cursor)
    rows = list(queryset[offset : offset + size + 1])
    more = len(rows) > size
    return {"items": rows[:size], "next_cursor": _encode(offset + size) if more else None}


class PageMeta(Schema):
    next_cursor: str | None = None


# ---------------------------------------------------------------- core endpoints


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    language: str
    time_zone: str


@api.get("/me", response={200: MeOut, **ERRORS}, tags=["account"], summary="Who am I")
def me(request):
    return request.user
